//! Times as people read them: "3 h ago (2026-11-22 10:04 UTC)", "in 4 min"; and text from
//! elsewhere made safe to show on one terminal line.

use std::time::{SystemTime, UNIX_EPOCH};

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// "45 s", "12 min", "3 h", "2 days".
pub fn span(secs: i64) -> String {
    let s = secs.abs();
    match s {
        0..=89 => format!("{s} s"),
        90..=5399 => format!("{} min", (s + 30) / 60),
        5400..=172_799 => format!("{} h", (s + 1800) / 3600),
        _ => format!("{} days", (s + 43_200) / 86_400),
    }
}

/// A UTC timestamp, "2026-11-22 10:04 UTC".
pub fn utc(epoch: i64) -> String {
    let (y, m, d, h, min, _) = civil(epoch);
    format!("{y:04}-{m:02}-{d:02} {h:02}:{min:02} UTC")
}

/// A UTC timestamp to the second, as `script(1)` logs write it: "2023-11-14 22:13:20+00".
pub fn utc_seconds(epoch: i64) -> String {
    let (y, m, d, h, min, s) = civil(epoch);
    format!("{y:04}-{m:02}-{d:02} {h:02}:{min:02}:{s:02}+00")
}

/// (year, month, day, hour, minute, second) in UTC.
fn civil(epoch: i64) -> (i64, i64, i64, i64, i64, i64) {
    let days = epoch.div_euclid(86_400);
    let rem = epoch.rem_euclid(86_400);
    // Civil-from-days (proleptic Gregorian), Howard Hinnant's algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, rem / 3600, rem % 3600 / 60, rem % 60)
}

/// "3 h ago (2026-11-22 10:04 UTC)" or "in 4 min (…)".
pub fn ago(epoch: i64) -> String {
    let delta = now() - epoch;
    if delta >= 0 {
        format!("{} ago ({})", span(delta), utc(epoch))
    } else {
        format!("in {} ({})", span(delta), utc(epoch))
    }
}

/// Text from elsewhere (a server, another program, a file) safe to show on one terminal line:
/// without control characters (no escape sequence, no carriage return that could overwrite the
/// line) or the Unicode controls that reorder what follows (bidi overrides and isolates), and at
/// most `max` characters.
pub fn shown(text: &str, max: usize) -> String {
    text.chars()
        .filter(|&c| !acts_on_terminal(c))
        .take(max)
        .collect()
}

/// A path of the user's for a terminal line: [`shown`] with room for long paths.
pub fn shown_path(path: &std::path::Path) -> String {
    shown(&path.display().to_string(), 1000)
}

/// A character a terminal acts on rather than shows: a control character, or a Unicode control
/// that reorders what follows (bidi marks, embeddings, overrides, isolates).
pub fn acts_on_terminal(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `arg` as one shell word, for the commands zssh prints to be pasted: as it is when it holds
/// only characters no shell treats specially, else in single quotes (`'` written `'\''`).
pub fn shell_word(arg: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c);
    if !arg.is_empty() && arg.chars().all(plain) {
        return arg.to_string();
    }
    format!("'{}'", arg.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_text_cannot_move_the_cursor_or_reorder() {
        let hostile = "ok\r\x1b]0;title\x07\x1b[2J\u{202E}txt.exe\u{2066}\u{85}end";
        assert_eq!(shown(hostile, 100), "ok]0;title[2Jtxt.exeend");
        assert_eq!(shown("héllo wörld", 5), "héllo");
    }

    #[test]
    fn formats() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(1_795_343_040), "2026-11-22 10:24 UTC");
        assert_eq!(utc_seconds(1_700_000_002), "2023-11-14 22:13:22+00");
        assert_eq!(utc_seconds(0), "1970-01-01 00:00:00+00");
        assert_eq!(span(45), "45 s");
        assert_eq!(span(-600), "10 min");
        assert_eq!(span(3 * 3600), "3 h");
        assert_eq!(span(3 * 86_400), "3 days");
    }

    #[test]
    fn printed_commands_quote_what_a_shell_would_split_or_expand() {
        let cases = [
            ("/home/a/.ssh/config", "/home/a/.ssh/config"),
            ("user@10.0.0.5", "user@10.0.0.5"),
            ("/home/a/my configs/ssh", "'/home/a/my configs/ssh'"),
            ("it's $HOME;rm", "'it'\\''s $HOME;rm'"),
            ("", "''"),
        ];
        for (arg, want) in cases {
            assert_eq!(shell_word(arg), want, "{arg}");
        }
        // What sh makes of it is the argument again.
        for (arg, _) in cases {
            let out = std::process::Command::new("sh")
                .args(["-c", &format!("printf %s {}", shell_word(arg))])
                .output()
                .unwrap();
            assert_eq!(String::from_utf8_lossy(&out.stdout), arg);
        }
    }
}
