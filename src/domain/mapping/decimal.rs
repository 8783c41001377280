//! Exact decimal numbers read from JSON numbers and numeric strings, for rounding and comparing
//! amounts without binary floating point error (`1.005` rounds to `1.01`, as an accountant expects).

use serde_json::{Number, Value};

/// Exponents beyond this are refused: no field holds them, and the plain form would be huge.
const MAX_EXPONENT: i64 = 400;

/// `±digits × 10^exponent`, normalised: no leading or trailing zero digit; zero has no digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decimal {
    negative: bool,
    digits: Vec<u8>,
    exponent: i64,
}

impl Decimal {
    /// Reads `12`, `-1200.50`, `.5`, `1.0E7` (surrounding whitespace allowed); `None` for
    /// anything else, including `NaN`, `inf`, `1,200` and the empty string.
    pub(crate) fn parse(text: &str) -> Option<Decimal> {
        let text = text.trim();
        let (negative, rest) = match text.as_bytes().first()? {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        let (mantissa, exponent) = match rest.find(['e', 'E']) {
            Some(at) => (&rest[..at], parse_exponent(&rest[at + 1..])?),
            None => (rest, 0),
        };
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.len() + fraction.len() == 0 || !all_digits(whole) || !all_digits(fraction) {
            return None;
        }
        let digits = whole
            .bytes()
            .chain(fraction.bytes())
            .map(|b| b - b'0')
            .collect();
        let exponent = exponent - i64::try_from(fraction.len()).ok()?;
        Some(
            Decimal {
                negative,
                digits,
                exponent,
            }
            .normalised(),
        )
    }

    /// A JSON number, or a string holding one (Salesforce Outbound Messages send `"5000.0"`).
    pub(crate) fn from_json(value: &Value) -> Option<Decimal> {
        match value {
            Value::Number(number) => Decimal::parse(&number.to_string()),
            Value::String(text) => Decimal::parse(text),
            _ => None,
        }
    }

    /// Rounds to `scale` digits after the point, halves away from zero.
    pub(crate) fn round(&self, scale: u32) -> Decimal {
        let scale = i64::from(scale);
        if self.exponent >= -scale {
            return self.clone();
        }
        // Both fit: the exponent is bounded by MAX_EXPONENT plus the digit count.
        let drop = usize::try_from(-self.exponent - scale).unwrap_or(usize::MAX);
        let len = self.digits.len();
        let (mut kept, round_up) = if drop > len {
            (Vec::new(), false)
        } else {
            (
                self.digits[..len - drop].to_vec(),
                self.digits[len - drop] >= 5,
            )
        };
        if round_up {
            increment(&mut kept);
        }
        Decimal {
            negative: self.negative,
            digits: kept,
            exponent: -scale,
        }
        .normalised()
    }

    /// The plain decimal form: `5000`, `-12.5`, `0.001`; equal values give equal strings.
    pub(crate) fn canonical(&self) -> String {
        if self.digits.is_empty() {
            return "0".to_owned();
        }
        let digits: String = self.digits.iter().map(|d| char::from(b'0' + d)).collect();
        let sign = if self.negative { "-" } else { "" };
        let exponent = usize::try_from(self.exponent.unsigned_abs()).unwrap_or(usize::MAX);
        if self.exponent >= 0 {
            return format!("{sign}{digits}{}", "0".repeat(exponent));
        }
        if exponent >= digits.len() {
            let zeros = "0".repeat(exponent - digits.len());
            return format!("{sign}0.{zeros}{digits}");
        }
        let (whole, fraction) = digits.split_at(digits.len() - exponent);
        format!("{sign}{whole}.{fraction}")
    }

    /// As a JSON number: an integer when the value is whole and fits `i64`, else a double.
    /// `None` when a double cannot hold it.
    pub(crate) fn to_json(&self) -> Option<Value> {
        let text = self.canonical();
        if self.exponent >= 0
            && let Ok(whole) = text.parse::<i64>()
        {
            return Some(Value::from(whole));
        }
        let double = text.parse::<f64>().ok()?;
        Number::from_f64(double)
            .filter(|_| double.is_finite())
            .map(Value::Number)
    }

    fn normalised(mut self) -> Decimal {
        let leading = self.digits.iter().take_while(|&&d| d == 0).count();
        self.digits.drain(..leading);
        while self.digits.last() == Some(&0) {
            self.digits.pop();
            self.exponent += 1;
        }
        if self.digits.is_empty() {
            self.negative = false;
            self.exponent = 0;
        }
        self
    }
}

fn parse_exponent(text: &str) -> Option<i64> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<i64>().ok().filter(|e| e.abs() <= MAX_EXPONENT)
}

/// Adds one to a big-endian digit string, growing it on carry (`99` → `100`; empty → `1`).
fn increment(digits: &mut Vec<u8>) {
    for digit in digits.iter_mut().rev() {
        if *digit == 9 {
            *digit = 0;
        } else {
            *digit += 1;
            return;
        }
    }
    digits.insert(0, 1);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn canonical(text: &str) -> Option<String> {
        Decimal::parse(text).map(|d| d.canonical())
    }

    #[test]
    fn equal_values_written_differently_read_the_same() {
        for (text, expected) in [
            ("5000", "5000"),
            ("5000.0", "5000"),
            (" 5000.00 ", "5000"),
            ("+5e3", "5000"),
            ("1.0E7", "10000000"),
            ("0012.50", "12.5"),
            (".5", "0.5"),
            ("5.", "5"),
            ("-0.0", "0"),
            ("-12.345", "-12.345"),
            ("1e-3", "0.001"),
            ("12345678901234567890", "12345678901234567890"),
        ] {
            assert_eq!(canonical(text).as_deref(), Some(expected), "{text}");
        }
    }

    #[test]
    fn text_that_is_not_a_plain_number_is_refused() {
        for text in [
            "", " ", "-", ".", "abc", "1,200.50", "NaN", "inf", "0x10", "1e", "1e999", "1.2.3",
        ] {
            assert_eq!(canonical(text), None, "{text:?}");
        }
    }

    #[test]
    fn rounding_is_decimal_and_halves_go_away_from_zero() {
        for (text, scale, expected) in [
            ("1.005", 2, "1.01"),
            ("-1.005", 2, "-1.01"),
            ("1200.504", 2, "1200.5"),
            ("9.995", 2, "10"),
            ("0.004", 2, "0"),
            ("0.005", 2, "0.01"),
            ("0.0004", 2, "0"),
            ("2.5", 0, "3"),
            ("12", 2, "12"),
        ] {
            let rounded = Decimal::parse(text).unwrap().round(scale);
            assert_eq!(rounded.canonical(), expected, "{text} to {scale}");
        }
    }

    #[test]
    fn whole_values_become_json_integers_and_others_doubles() {
        let json = |text: &str| Decimal::parse(text).unwrap().to_json();
        assert_eq!(json("5000.0"), Some(json!(5000)));
        assert_eq!(json("1200.5"), Some(json!(1200.5)));
        assert_eq!(json("-3"), Some(json!(-3)));
        assert_eq!(json("1e300"), Some(json!(1e300)));
        assert_eq!(
            Decimal::from_json(&json!(1200.5)).unwrap().canonical(),
            "1200.5"
        );
        assert_eq!(Decimal::from_json(&json!(true)), None);
    }
}
