//! Runs a parsed query over the tables: checks every table and column name, filters, orders
//! (numbers as numbers, NULLs last as Oracle sorts them) and projects the selected columns.

use super::parse::{Column, Columns, Expr, Literal, Operand, Query, Test};
use super::tables::{self, Row};
use crate::sandbox::netsuite::store::Records;
use std::cmp::Ordering;

/// Why a query cannot run: the names NetSuite reports in its error detail.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    UnknownTable(String),
    UnknownColumn(String),
}

/// A result row: (column, value) pairs in the selected order.
pub type Selected = Vec<(&'static str, Option<String>)>;

/// The selected rows.
pub fn run(records: &Records, query: &Query) -> Result<Vec<Selected>, Refusal> {
    let table = query.table.as_str();
    let known = tables::columns(table).ok_or_else(|| Refusal::UnknownTable(table.to_owned()))?;
    let resolve = |column: &Column| -> Result<&'static str, Refusal> {
        let unknown = || {
            let written = match &column.qualifier {
                Some(qualifier) => format!("{qualifier}.{}", column.name),
                None => column.name.clone(),
            };
            Refusal::UnknownColumn(written)
        };
        if column.qualifier.as_deref().is_some_and(|q| q != table) {
            return Err(unknown());
        }
        known
            .iter()
            .copied()
            .find(|name| *name == column.name)
            .ok_or_else(unknown)
    };
    let selected: Vec<&'static str> = match &query.columns {
        Columns::All => known.to_vec(),
        Columns::Named(columns) => columns.iter().map(resolve).collect::<Result<_, _>>()?,
    };
    if let Some(filter) = &query.filter {
        check(filter, &resolve)?;
    }
    let order = query
        .order
        .as_ref()
        .map(|order| resolve(&order.column).map(|column| (column, order.descending)))
        .transpose()?;
    let mut rows: Vec<Row> = tables::rows(records, table)
        .into_iter()
        .filter(|row| query.filter.as_ref().is_none_or(|f| matches(f, row)))
        .collect();
    if let Some((column, descending)) = order {
        rows.sort_by(|a, b| {
            let ordering = compare(a[column].as_deref(), b[column].as_deref());
            // NULLs sort last either way.
            match (a[column].is_none() || b[column].is_none(), descending) {
                (false, true) => ordering.reverse(),
                _ => ordering,
            }
        });
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            selected
                .iter()
                .map(|column| (*column, tables::shown(column, row[column].clone())))
                .collect()
        })
        .collect())
}

fn check<F>(expr: &Expr, resolve: &F) -> Result<(), Refusal>
where
    F: Fn(&Column) -> Result<&'static str, Refusal>,
{
    match expr {
        Expr::And(left, right) | Expr::Or(left, right) => {
            check(left, resolve)?;
            check(right, resolve)
        }
        Expr::Condition(operand, _) => resolve(operand.column()).map(|_| ()),
    }
}

fn matches(expr: &Expr, row: &Row) -> bool {
    match expr {
        Expr::And(left, right) => matches(left, row) && matches(right, row),
        Expr::Or(left, right) => matches(left, row) || matches(right, row),
        Expr::Condition(operand, test) => {
            let raw = row.get(operand.column().name.as_str()).cloned().flatten();
            let value = match operand {
                Operand::Column(_) => raw,
                Operand::Upper(_) => raw.map(|text| text.to_uppercase()),
                Operand::Lower(_) => raw.map(|text| text.to_lowercase()),
            };
            let Some(value) = value else {
                // Comparisons with NULL are never true.
                return matches!(test, Test::IsNull);
            };
            match test {
                Test::IsNull => false,
                Test::IsNotNull => true,
                Test::Equals(literal) => equals(&value, literal),
                Test::NotEquals(literal) => !equals(&value, literal),
                Test::In(literals) => literals.iter().any(|literal| equals(&value, literal)),
                Test::Compare(ordering, literal) => {
                    order_against(&value, literal).is_some_and(|order| ordering.admits(order))
                }
            }
        }
    }
}

/// Text compares exactly (SuiteQL is case-sensitive); a number literal compares numerically.
fn equals(value: &str, literal: &Literal) -> bool {
    match literal {
        Literal::Text(text) => value == text,
        _ => order_against(value, literal) == Some(Ordering::Equal),
    }
}

/// How `value` orders against `literal`: numbers numerically, timestamps in time (the value
/// held as RFC 3339), text by its characters; `None` when they cannot be compared.
fn order_against(value: &str, literal: &Literal) -> Option<Ordering> {
    match literal {
        Literal::Text(text) => Some(value.cmp(text.as_str())),
        Literal::Number(number) => value
            .parse::<f64>()
            .ok()?
            .partial_cmp(&number.parse::<f64>().ok()?),
        Literal::Timestamp(bound) => {
            let time = chrono::DateTime::parse_from_rfc3339(value).ok()?;
            Some(time.with_timezone(&chrono::Utc).cmp(bound))
        }
    }
}

fn compare(a: Option<&str>, b: Option<&str>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(a), Some(b)) => match (a.parse::<f64>(), b.parse::<f64>()) {
            (Ok(x), Ok(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
            _ => a.cmp(b),
        },
    }
}
