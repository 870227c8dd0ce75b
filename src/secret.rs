//! A string that must never be shown: tokens and service-token secrets. `Debug` and `Display`
//! print a placeholder, so a secret cannot leak through logs, error text or `{:?}`.

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that sends it (a header, a file).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn never_formats_the_value() {
        let s = Secret::new("eyJhbGciOiJSUzI1NiJ9.payload.sig");
        assert!(!format!("{s:?}").contains("eyJ"));
        assert!(!format!("{s}").contains("eyJ"));
        assert_eq!(s.expose(), "eyJhbGciOiJSUzI1NiJ9.payload.sig");
    }
}
