//! `warp-cli status`: whether the client is connected. JSON: `{"status":"Connected"}`,
//! `{"status":"Disconnected","reason":{"ManualDisconnect":null}}`,
//! `{"status":"Unable","reason":{"RegistrationMissing":"DaemonStartup"}}`. Text: a line
//! `Status update: Connected` (some builds add `Network: ...`). Never panics on any input.

use serde_json::Value;

/// The connection state the client reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    Connected,
    Connecting,
    Disconnected,
    /// Any other word the client uses (`Unable`, ...), as it said it.
    Other(String),
}

impl State {
    fn from_word(word: &str) -> State {
        let w: String = word.trim().chars().take(60).collect();
        match w.to_ascii_lowercase().as_str() {
            "connected" => State::Connected,
            "connecting" => State::Connecting,
            "disconnected" => State::Disconnected,
            _ => State::Other(w),
        }
    }

    pub fn name(&self) -> &str {
        match self {
            State::Connected => "Connected",
            State::Connecting => "Connecting",
            State::Disconnected => "Disconnected",
            State::Other(w) => w,
        }
    }
}

/// What `warp-cli status` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub state: State,
    /// Why it is not connected, when it says (`ManualDisconnect`,
    /// `RegistrationMissing (DaemonStartup)`).
    pub reason: Option<String>,
    /// The `Network: ...` line some builds print.
    pub network: Option<String>,
}

impl Status {
    pub fn connected(&self) -> bool {
        self.state == State::Connected
    }
}

/// A JSON enum value as words: `"X"` → X, `{"X":null}` → X, `{"X":"Y"}` → X (Y), else compact.
pub fn enum_words(v: &Value) -> String {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Object(m) if m.len() == 1 => {
            let (k, inner) = m
                .iter()
                .next()
                .map(|(k, v)| (k.clone(), v))
                .unwrap_or_default();
            match inner {
                Value::Null => k,
                Value::String(s) => format!("{k} ({s})"),
                Value::Number(n) => format!("{k} ({n})"),
                other => format!("{k} {other}"),
            }
        }
        other => other.to_string(),
    };
    super::clean_text(&text).chars().take(200).collect()
}

pub fn from_json(v: &Value) -> Option<Status> {
    let state = v.get("status")?;
    Some(Status {
        state: State::from_word(&enum_words(state)),
        reason: v.get("reason").filter(|r| !r.is_null()).map(enum_words),
        network: v.get("network").filter(|r| !r.is_null()).map(enum_words),
    })
}

pub fn from_text(text: &str) -> Option<Status> {
    let mut state = None;
    let mut reason = None;
    let mut network = None;
    for line in text.lines().map(str::trim) {
        let value = |prefix: &str| {
            line.strip_prefix(prefix)
                .map(|v| {
                    super::clean_text(v.trim())
                        .chars()
                        .take(200)
                        .collect::<String>()
                })
                .filter(|v| !v.is_empty())
        };
        if let Some(v) = value("Status update:") {
            // Some builds go on after the word on the same line: `Disconnected. Reason: ...`.
            let word: String = v.chars().take_while(|c| c.is_alphanumeric()).collect();
            state = Some(State::from_word(if word.is_empty() { &v } else { &word }));
            if let Some((_, why)) = v
                .split_once("Reason:")
                .filter(|(_, w)| !w.trim().is_empty())
            {
                reason = Some(why.trim().to_string());
            }
        } else if let Some(v) = value("Reason:") {
            reason = Some(v);
        } else if let Some(v) = value("Network:") {
            network = Some(v);
        }
    }
    Some(Status {
        state: state?,
        reason,
        network,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn documented_shapes() {
        let json: &[(&str, State, Option<&str>)] = &[
            (r#"{"status":"Connected"}"#, State::Connected, None),
            (
                r#"{"status":"Disconnected","reason":{"ManualDisconnect":null}}"#,
                State::Disconnected,
                Some("ManualDisconnect"),
            ),
            (
                r#"{"status":"Unable","reason":{"RegistrationMissing":"DaemonStartup"}}"#,
                State::Other("Unable".into()),
                Some("RegistrationMissing (DaemonStartup)"),
            ),
            (
                r#"{"status":"Connecting","reason":null}"#,
                State::Connecting,
                None,
            ),
        ];
        for (body, state, reason) in json {
            let s = from_json(&serde_json::from_str(body).unwrap()).unwrap();
            assert_eq!(&s.state, state, "{body}");
            assert_eq!(s.reason.as_deref(), *reason, "{body}");
        }
        assert!(from_json(&serde_json::json!({"code": "X"})).is_none());
        let text: &[(&str, State, Option<&str>)] = &[
            ("Status update: Connected\n", State::Connected, None),
            (
                "Status update: Connected\nNetwork: healthy\n",
                State::Connected,
                Some("healthy"),
            ),
            ("Status update: Disconnected\n", State::Disconnected, None),
            ("Status update: Connecting\r\n", State::Connecting, None),
            (
                "Status update: Disconnected. Reason: Manual Disconnection\n",
                State::Disconnected,
                None,
            ),
        ];
        for (body, state, network) in text {
            let s = from_text(body).unwrap();
            assert_eq!(&s.state, state, "{body}");
            assert_eq!(s.network.as_deref(), *network, "{body}");
        }
        let s = from_text("Status update: Disconnected. Reason: Manual Disconnection").unwrap();
        assert_eq!(s.reason.as_deref(), Some("Manual Disconnection"));
        assert!(from_text("Success\n").is_none());
        assert!(from_text("").is_none());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn arbitrary_input_never_panics(s in "\\PC{0,200}", bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = from_text(&s);
            let _ = from_text(&String::from_utf8_lossy(&bytes));
            if let Ok(v) = serde_json::from_slice::<Value>(&bytes) {
                let _ = from_json(&v);
            }
            let _ = from_json(&serde_json::json!({"status": s, "reason": {"a": [s]}}));
        }
    }
}
