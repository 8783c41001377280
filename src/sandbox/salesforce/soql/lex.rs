//! SOQL tokens: words (names and keywords, dotted paths), quoted strings with their escapes,
//! numbers, date and datetime literals, operators and punctuation, each with its position.

use super::{Op, SyntaxError};
use chrono::{DateTime, NaiveDate, Utc};

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Word(String),
    Text(String),
    Number(f64),
    Date(NaiveDate),
    DateTime(DateTime<Utc>),
    Comma,
    Open,
    Close,
    Op(Op),
    Other(char),
    End,
}

#[derive(Debug, Clone)]
pub struct Token {
    pub tok: Tok,
    pub at: usize,
    pub shown: String,
}

pub fn lex(query: &str) -> Result<Vec<Token>, SyntaxError> {
    let chars: Vec<char> = query.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let tok = if c.is_ascii_alphabetic() || c == '_' {
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
            Tok::Word(chars[start..i].iter().collect())
        } else if c == '\'' {
            i += 1;
            let mut text = String::new();
            loop {
                match chars.get(i) {
                    None => {
                        return Err(SyntaxError {
                            at: chars.len(),
                            reason: format!(
                                "line 1:{} mismatched character '<EOF>' expecting '''",
                                chars.len()
                            ),
                        });
                    }
                    Some('\'') => break,
                    Some('\\') => {
                        let escaped = chars.get(i + 1).copied().unwrap_or('\\');
                        match escaped {
                            'n' => text.push('\n'),
                            't' => text.push('\t'),
                            'r' => text.push('\r'),
                            // Kept escaped: LIKE tells a literal % or _ from a wildcard.
                            '%' | '_' => text.extend(['\\', escaped]),
                            other => text.push(other),
                        }
                        i += 2;
                    }
                    Some(other) => {
                        text.push(*other);
                        i += 1;
                    }
                }
            }
            i += 1;
            Tok::Text(text)
        } else if c.is_ascii_digit()
            || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            i += 1;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || ".:+-".contains(chars[i]))
            {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            literal_token(&text).ok_or_else(|| SyntaxError {
                at: start,
                reason: format!("unexpected token: {text}"),
            })?
        } else {
            i += 1;
            let two: String = chars[start..(start + 2).min(chars.len())].iter().collect();
            match (c, two.as_str()) {
                (_, "!=") | (_, "<>") | (_, "<=") | (_, ">=") => {
                    i += 1;
                    Tok::Op(match two.as_str() {
                        "<=" => Op::Le,
                        ">=" => Op::Ge,
                        _ => Op::Ne,
                    })
                }
                ('=', _) => Tok::Op(Op::Eq),
                ('<', _) => Tok::Op(Op::Lt),
                ('>', _) => Tok::Op(Op::Gt),
                (',', _) => Tok::Comma,
                ('(', _) => Tok::Open,
                (')', _) => Tok::Close,
                (other, _) => Tok::Other(other),
            }
        };
        tokens.push(Token {
            tok,
            at: start,
            shown: chars[start..i].iter().collect(),
        });
    }
    tokens.push(Token {
        tok: Tok::End,
        at: chars.len(),
        shown: "<EOF>".into(),
    });
    Ok(tokens)
}

/// A number, a date (`2026-11-27`) or a datetime (`2026-11-27T10:15:02Z`).
fn literal_token(text: &str) -> Option<Tok> {
    if let Ok(number) = text.parse::<f64>() {
        return Some(Tok::Number(number));
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(Tok::Date(date));
    }
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .ok()
        .map(|at| Tok::DateTime(at.with_timezone(&Utc)))
}
