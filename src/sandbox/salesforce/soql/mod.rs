//! A SOQL engine for the subset tandem and its users need: `SELECT` fields, relationship paths
//! and `COUNT()`, `FROM`, `WHERE` (comparisons, `LIKE`, `[NOT] IN`, `AND`/`OR`/`NOT`, parentheses),
//! `ORDER BY`, `LIMIT`, `OFFSET`; errors carry the row and column Salesforce reports.

mod eval;
mod filter;
mod lex;
mod parse;

pub use eval::{Scope, run};
pub use parse::parse;

use chrono::{DateTime, NaiveDate, Utc};

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub select: Vec<Select>,
    pub from: Name,
    pub filter: Option<Condition>,
    pub order: Vec<Order>,
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

/// A name as written, and where (character offset).
#[derive(Debug, Clone, PartialEq)]
pub struct Name {
    pub text: String,
    pub at: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Select {
    Field(Name),
    Count,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
    Compare {
        field: Name,
        op: Op,
        value: Literal,
    },
    In {
        field: Name,
        negated: bool,
        values: Vec<Literal>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Like,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Literal {
    pub value: Value,
    pub at: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Number(f64),
    Bool(bool),
    Null,
    Date(NaiveDate),
    DateTime(DateTime<Utc>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub field: Name,
    pub descending: bool,
    pub nulls_last: bool,
}

/// A parse error: what was wrong and at which character.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub at: usize,
    pub reason: String,
}

/// Salesforce's error text: the query, a caret under the spot, its row and column, the reason.
pub fn render(query: &str, at: usize, reason: &str) -> String {
    let before: String = query.chars().take(at).collect();
    let row = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map(|line| line.chars().count())
        .unwrap_or(0)
        + 1;
    let line = query.lines().nth(row - 1).unwrap_or_default();
    format!(
        "\n{line}\n{}^\nERROR at Row:{row}:Column:{column}\n{reason}",
        " ".repeat(column - 1)
    )
}
