//! The SuiteQL subset as a syntax tree, and a recursive-descent parser for it:
//! `SELECT <cols|*> FROM <table> [WHERE <cond> [AND|OR <cond>]…] [ORDER BY <col> [ASC|DESC]]`,
//! conditions `col = 'text'`, `col = 123`, `col != …`, `col IN (…)`, `UPPER(col) = '…'`,
//! `col IS [NOT] NULL`, `col >= TO_TIMESTAMP('…', 'YYYY-MM-DD HH24:MI:SS')` (and `<`, `<=`,
//! `>` against any literal), with parentheses; AND binds tighter than OR.

use super::lex::{Ordering, Token};
use chrono::{DateTime, NaiveDateTime, Utc};

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub columns: Columns,
    pub table: String,
    pub filter: Option<Expr>,
    pub order: Option<Order>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Columns {
    All,
    Named(Vec<Column>),
}

/// A column as written: `itemid` or `item.itemid`.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub qualifier: Option<String>,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub column: Column,
    pub descending: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Condition(Operand, Test),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Column(Column),
    Upper(Column),
    Lower(Column),
}

impl Operand {
    pub fn column(&self) -> &Column {
        match self {
            Operand::Column(column) | Operand::Upper(column) | Operand::Lower(column) => column,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    Equals(Literal),
    NotEquals(Literal),
    In(Vec<Literal>),
    IsNull,
    IsNotNull,
    /// `<`, `<=`, `>`, `>=`.
    Compare(Ordering, Literal),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Text(String),
    Number(String),
    /// `TO_TIMESTAMP('2026-12-01 10:00:00', 'YYYY-MM-DD HH24:MI:SS')` (UTC here).
    Timestamp(DateTime<Utc>),
}

/// The one `TO_TIMESTAMP` format the emulator reads, and chrono's spelling of it.
const TIMESTAMP_FORMAT: (&str, &str) = ("YYYY-MM-DD HH24:MI:SS", "%Y-%m-%d %H:%M:%S");

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

pub fn parse(tokens: Vec<Token>) -> Result<Query, String> {
    let mut parser = Parser { tokens, at: 0 };
    let query = parser.query()?;
    if parser.peek() == Some(&Token::Semicolon) {
        parser.at += 1;
    }
    match parser.peek() {
        None => Ok(query),
        Some(token) => Err(format!("unexpected {token:?} after the query")),
    }
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn keyword(&mut self, keyword: &str) -> bool {
        let found = self.peek().is_some_and(|token| token.is(keyword));
        if found {
            self.at += 1;
        }
        found
    }

    fn expect_keyword(&mut self, keyword: &str) -> Result<(), String> {
        if self.keyword(keyword) {
            Ok(())
        } else {
            Err(format!("expected {keyword} near {:?}", self.peek()))
        }
    }

    fn expect(&mut self, wanted: Token) -> Result<(), String> {
        match self.next() {
            Some(token) if token == wanted => Ok(()),
            other => Err(format!("expected {wanted:?}, found {other:?}")),
        }
    }

    fn query(&mut self) -> Result<Query, String> {
        self.expect_keyword("SELECT")?;
        let columns = if self.peek() == Some(&Token::Star) {
            self.at += 1;
            Columns::All
        } else {
            let mut columns = vec![self.column()?];
            while self.peek() == Some(&Token::Comma) {
                self.at += 1;
                columns.push(self.column()?);
            }
            Columns::Named(columns)
        };
        self.expect_keyword("FROM")?;
        let table = self.identifier()?;
        let filter = if self.keyword("WHERE") {
            Some(self.or()?)
        } else {
            None
        };
        let order = if self.keyword("ORDER") {
            self.expect_keyword("BY")?;
            let column = self.column()?;
            let descending = if self.keyword("DESC") {
                true
            } else {
                self.keyword("ASC");
                false
            };
            Some(Order { column, descending })
        } else {
            None
        };
        Ok(Query {
            columns,
            table,
            filter,
            order,
        })
    }

    fn identifier(&mut self) -> Result<String, String> {
        const RESERVED: [&str; 12] = [
            "SELECT", "FROM", "WHERE", "AND", "OR", "ORDER", "BY", "IN", "IS", "NOT", "NULL", "ASC",
        ];
        match self.next() {
            Some(Token::Word(word)) if !RESERVED.iter().any(|r| word.eq_ignore_ascii_case(r)) => {
                Ok(word.to_ascii_lowercase())
            }
            other => Err(format!("expected an identifier, found {other:?}")),
        }
    }

    fn column(&mut self) -> Result<Column, String> {
        let first = self.identifier()?;
        if self.peek() == Some(&Token::Dot) {
            self.at += 1;
            let name = self.identifier()?;
            return Ok(Column {
                qualifier: Some(first),
                name,
            });
        }
        Ok(Column {
            qualifier: None,
            name: first,
        })
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.keyword("OR") {
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.condition()?;
        while self.keyword("AND") {
            left = Expr::And(Box::new(left), Box::new(self.condition()?));
        }
        Ok(left)
    }

    fn condition(&mut self) -> Result<Expr, String> {
        if self.peek() == Some(&Token::Open) {
            self.at += 1;
            let inner = self.or()?;
            self.expect(Token::Close)?;
            return Ok(inner);
        }
        let operand = self.operand()?;
        let test = match self.next() {
            Some(Token::Equals) => Test::Equals(self.literal()?),
            Some(Token::NotEquals) => Test::NotEquals(self.literal()?),
            Some(Token::Compare(ordering)) => Test::Compare(ordering, self.literal()?),
            Some(token) if token.is("IN") => {
                self.expect(Token::Open)?;
                let mut values = vec![self.literal()?];
                while self.peek() == Some(&Token::Comma) {
                    self.at += 1;
                    values.push(self.literal()?);
                }
                self.expect(Token::Close)?;
                Test::In(values)
            }
            Some(token) if token.is("IS") => {
                let negated = self.keyword("NOT");
                self.expect_keyword("NULL")?;
                if negated {
                    Test::IsNotNull
                } else {
                    Test::IsNull
                }
            }
            other => return Err(format!("expected a comparison, found {other:?}")),
        };
        Ok(Expr::Condition(operand, test))
    }

    fn operand(&mut self) -> Result<Operand, String> {
        let function = match self.peek() {
            Some(token) if token.is("UPPER") => Some(Operand::Upper as fn(Column) -> Operand),
            Some(token) if token.is("LOWER") => Some(Operand::Lower as fn(Column) -> Operand),
            _ => None,
        };
        match function {
            Some(wrap) if self.tokens.get(self.at + 1) == Some(&Token::Open) => {
                self.at += 2;
                let column = self.column()?;
                self.expect(Token::Close)?;
                Ok(wrap(column))
            }
            _ => Ok(Operand::Column(self.column()?)),
        }
    }

    fn literal(&mut self) -> Result<Literal, String> {
        match self.next() {
            Some(Token::Text(text)) => Ok(Literal::Text(text)),
            Some(Token::Number(number)) => Ok(Literal::Number(number)),
            Some(token) if token.is("TO_TIMESTAMP") => self.timestamp(),
            other => Err(format!("expected a literal, found {other:?}")),
        }
    }

    /// The rest of `TO_TIMESTAMP('…', 'YYYY-MM-DD HH24:MI:SS')`.
    fn timestamp(&mut self) -> Result<Literal, String> {
        self.expect(Token::Open)?;
        let Some(Token::Text(text)) = self.next() else {
            return Err("TO_TIMESTAMP expects a text".into());
        };
        self.expect(Token::Comma)?;
        let Some(Token::Text(format)) = self.next() else {
            return Err("TO_TIMESTAMP expects a format".into());
        };
        self.expect(Token::Close)?;
        if format != TIMESTAMP_FORMAT.0 {
            return Err(format!(
                "TO_TIMESTAMP format {format:?} is not supported; use {:?}",
                TIMESTAMP_FORMAT.0
            ));
        }
        NaiveDateTime::parse_from_str(&text, TIMESTAMP_FORMAT.1)
            .map(|time| Literal::Timestamp(time.and_utc()))
            .map_err(|_| format!("{text:?} does not match the format {format:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::super::lex::tokens;
    use super::*;

    fn query(text: &str) -> Result<Query, String> {
        parse(tokens(text)?)
    }

    fn column(name: &str) -> Column {
        Column {
            qualifier: None,
            name: name.into(),
        }
    }

    #[test]
    fn and_binds_tighter_than_or() {
        let parsed = query(
            "select id, item.itemid from ITEM where a = 1 or upper(b) = 'X' and c is not null order by id desc",
        )
        .unwrap();
        assert_eq!(parsed.table, "item");
        assert_eq!(
            parsed.columns,
            Columns::Named(vec![
                column("id"),
                Column {
                    qualifier: Some("item".into()),
                    name: "itemid".into()
                }
            ])
        );
        let a = Expr::Condition(
            Operand::Column(column("a")),
            Test::Equals(Literal::Number("1".into())),
        );
        let b = Expr::Condition(
            Operand::Upper(column("b")),
            Test::Equals(Literal::Text("X".into())),
        );
        let c = Expr::Condition(Operand::Column(column("c")), Test::IsNotNull);
        assert_eq!(
            parsed.filter,
            Some(Expr::Or(
                Box::new(a),
                Box::new(Expr::And(Box::new(b), Box::new(c)))
            ))
        );
        assert_eq!(
            parsed.order,
            Some(Order {
                column: column("id"),
                descending: true
            })
        );
    }

    #[test]
    fn malformed_queries_are_refused() {
        for text in [
            "SELECT FROM item",
            "SELECT id item",
            "SELECT id FROM item WHERE",
            "SELECT id FROM item WHERE id IN ()",
            "SELECT id FROM item WHERE id = 'a' AND",
            "SELECT id FROM item ORDER id",
            "SELECT id FROM item LIMIT 5",
            "DELETE FROM item",
        ] {
            assert!(query(text).is_err(), "{text}");
        }
        assert!(query("SELECT * FROM item WHERE (id = 1 OR id = 2);").is_ok());
    }
}
