//! Rules every text and every time a person or a client sends must pass,
//! in one place, so that no field is checked differently from another (a NUL
//! byte that one path let through reached PostgreSQL, which refuses it).

use chrono::{DateTime, TimeZone, Utc};

/// What is wrong with a text a person wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextProblem {
    ControlChars,
    Length,
}

/// Whether `c` may stand in a person's text: line breaks and tabs, never
/// another control character (NUL, escape, bidi overrides are `Cf`, kept).
pub fn allowed_char(c: char) -> bool {
    !c.is_control() || c == '\n' || c == '\t'
}

/// A person's text, trimmed, with line breaks as `\n` (a browser's form
/// sends `\r\n`), no other control characters, and `chars` characters long.
pub fn plain_text(s: &str, chars: std::ops::RangeInclusive<usize>) -> Result<String, TextProblem> {
    let s = s.trim().replace("\r\n", "\n");
    if !s.chars().all(allowed_char) {
        return Err(TextProblem::ControlChars);
    }
    // Counting stops early so a 10 MB string costs no more than a short one.
    if !chars.contains(&s.chars().take(chars.end().saturating_add(1)).count()) {
        return Err(TextProblem::Length);
    }
    Ok(s)
}

/// The earliest time a client may claim for something it did: the platform
/// did not exist before, and a phone whose clock says 0001 or 1970 is wrong.
pub fn earliest_plausible() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).single().unwrap_or(DateTime::<Utc>::MIN_UTC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_but_line_breaks_and_tabs_are_refused() {
        assert_eq!(plain_text(" a\r\nb\tc ", 1..=10), Ok("a\nb\tc".to_owned()));
        for bad in ["a\u{0}b", "a\u{1b}[31mb", "a\u{7f}", "a\rb"] {
            assert_eq!(plain_text(bad, 1..=10), Err(TextProblem::ControlChars), "{bad:?}");
        }
        assert_eq!(plain_text("   ", 1..=10), Err(TextProblem::Length));
        assert_eq!(plain_text(&"x".repeat(11), 1..=10), Err(TextProblem::Length));
    }

    #[test]
    fn the_earliest_plausible_time_is_2020() {
        assert_eq!(earliest_plausible().to_rfc3339(), "2020-01-01T00:00:00+00:00");
    }
}
