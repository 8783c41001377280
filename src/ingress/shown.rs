//! Values from a request as they may be logged or echoed: cut to a bounded length, with an
//! ellipsis and the original size, and control characters escaped, so that a hostile value
//! cannot flood a log line, an error body or a terminal.

use std::fmt;

/// Characters of a request value shown before it is cut.
pub const MAX_SHOWN_CHARS: usize = 64;

/// Displays at most [`MAX_SHOWN_CHARS`] characters of `value`; a longer value ends with
/// `…(<n> bytes)`, its full size.
pub fn shown(value: &str) -> Shown<'_> {
    Shown {
        value,
        max_chars: MAX_SHOWN_CHARS,
    }
}

/// Like [`shown`] with another bound (for longer texts such as error messages).
pub fn shown_up_to(value: &str, max_chars: usize) -> Shown<'_> {
    Shown { value, max_chars }
}

/// A request value made safe to display; see [`shown`].
#[derive(Debug, Clone, Copy)]
pub struct Shown<'a> {
    value: &'a str,
    max_chars: usize,
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut chars = self.value.chars();
        for ch in chars.by_ref().take(self.max_chars) {
            if ch.is_control() {
                write!(f, "{}", ch.escape_default())?;
            } else {
                f.write_fmt(format_args!("{ch}"))?;
            }
        }
        if chars.next().is_some() {
            write!(f, "…({} bytes)", self.value.len())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_value_is_shown_as_is() {
        assert_eq!(
            shown("00D000000000001AAA").to_string(),
            "00D000000000001AAA"
        );
        let exact = "x".repeat(MAX_SHOWN_CHARS);
        assert_eq!(shown(&exact).to_string(), exact);
    }

    #[test]
    fn a_long_value_is_cut_with_an_ellipsis_and_its_size() {
        let long = "é".repeat(1_000_000);
        let text = shown(&long).to_string();
        assert_eq!(
            text,
            format!("{}…(2000000 bytes)", "é".repeat(MAX_SHOWN_CHARS))
        );
        assert!(text.len() < 200);
        assert_eq!(shown_up_to("abcdef", 3).to_string(), "abc…(6 bytes)");
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(shown("a\nb\u{1b}[2J").to_string(), "a\\nb\\u{1b}[2J");
    }
}
