//! SuiteQL tokens: words (keywords and identifiers, in any case), single-quoted text with `''`
//! for a quote, unsigned numbers and the few symbols the subset uses.

#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    Word(String),
    Text(String),
    Number(String),
    Comma,
    Dot,
    Star,
    Open,
    Close,
    Equals,
    NotEquals,
    /// `<`, `<=`, `>`, `>=`.
    Compare(Ordering),
    Semicolon,
}

/// Which way an ordering comparison goes, and whether it admits equality.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ordering {
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

impl Ordering {
    /// Whether `order` (of a value against the bound) satisfies this comparison.
    pub fn admits(self, order: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::{Greater, Less};
        match self {
            Ordering::Less => order == Less,
            Ordering::LessOrEqual => order != Greater,
            Ordering::Greater => order == Greater,
            Ordering::GreaterOrEqual => order != Less,
        }
    }
}

impl Token {
    /// Whether this is the keyword `keyword` (given in upper case).
    pub fn is(&self, keyword: &str) -> bool {
        matches!(self, Token::Word(word) if word.eq_ignore_ascii_case(keyword))
    }
}

pub fn tokens(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let mut word = String::new();
            while let Some(&c) = chars.peek() {
                if !(c.is_ascii_alphanumeric() || c == '_') {
                    break;
                }
                word.push(c);
                chars.next();
            }
            tokens.push(Token::Word(word));
            continue;
        }
        if c.is_ascii_digit() {
            let mut number = String::new();
            while let Some(&c) = chars.peek() {
                if !(c.is_ascii_digit() || c == '.') {
                    break;
                }
                number.push(c);
                chars.next();
            }
            tokens.push(Token::Number(number));
            continue;
        }
        chars.next();
        let token = match c {
            '\'' => {
                let mut text = String::new();
                loop {
                    match chars.next() {
                        Some('\'') if chars.peek() == Some(&'\'') => {
                            chars.next();
                            text.push('\'');
                        }
                        Some('\'') => break,
                        Some(c) => text.push(c),
                        None => return Err("unterminated string literal".into()),
                    }
                }
                Token::Text(text)
            }
            ',' => Token::Comma,
            '.' => Token::Dot,
            '*' => Token::Star,
            '(' => Token::Open,
            ')' => Token::Close,
            '=' => Token::Equals,
            ';' => Token::Semicolon,
            '!' if chars.peek() == Some(&'=') => {
                chars.next();
                Token::NotEquals
            }
            '<' if chars.peek() == Some(&'>') => {
                chars.next();
                Token::NotEquals
            }
            '<' | '>' => {
                let or_equal = chars.peek() == Some(&'=');
                if or_equal {
                    chars.next();
                }
                Token::Compare(match (c, or_equal) {
                    ('<', false) => Ordering::Less,
                    ('<', true) => Ordering::LessOrEqual,
                    ('>', false) => Ordering::Greater,
                    _ => Ordering::GreaterOrEqual,
                })
            }
            other => return Err(format!("unexpected character '{other}'")),
        };
        tokens.push(token);
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_double_to_escape_and_symbols_split_words() {
        assert_eq!(
            tokens("WHERE name='O''Brien' AND id<>12").unwrap(),
            [
                Token::Word("WHERE".into()),
                Token::Word("name".into()),
                Token::Equals,
                Token::Text("O'Brien".into()),
                Token::Word("AND".into()),
                Token::Word("id".into()),
                Token::NotEquals,
                Token::Number("12".into()),
            ]
        );
        assert!(tokens("name = 'open").is_err());
        assert_eq!(
            tokens("a >= 1 < >").unwrap()[1..],
            [
                Token::Compare(Ordering::GreaterOrEqual),
                Token::Number("1".into()),
                Token::Compare(Ordering::Less),
                Token::Compare(Ordering::Greater),
            ]
        );
        assert!(tokens("name ~ 1").is_err());
    }
}
