//! The SOQL grammar: a recursive-descent parser over the tokens into a [`Query`].

use super::lex::{Tok, Token, lex};
use super::{Condition, Literal, Name, Op, Order, Query, Select, SyntaxError, Value};

pub fn parse(query: &str) -> Result<Query, SyntaxError> {
    let mut parser = Parser {
        tokens: lex(query)?,
        next: 0,
    };
    parser.query()
}

struct Parser {
    tokens: Vec<Token>,
    next: usize,
}

impl Parser {
    fn peek(&self) -> &Token {
        &self.tokens[self.next.min(self.tokens.len() - 1)]
    }

    fn advance(&mut self) -> Token {
        let token = self.peek().clone();
        self.next += 1;
        token
    }

    fn unexpected(&self) -> SyntaxError {
        let token = self.peek();
        SyntaxError {
            at: token.at,
            reason: format!("unexpected token: {}", token.shown),
        }
    }

    fn at_keyword(&self, keyword: &str) -> bool {
        matches!(&self.peek().tok, Tok::Word(word) if word.eq_ignore_ascii_case(keyword))
    }

    fn keyword(&mut self, keyword: &str) -> Result<(), SyntaxError> {
        if self.at_keyword(keyword) {
            self.next += 1;
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn expect(&mut self, tok: Tok) -> Result<(), SyntaxError> {
        if self.peek().tok == tok {
            self.next += 1;
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn name(&mut self) -> Result<Name, SyntaxError> {
        match &self.peek().tok {
            Tok::Word(word) if !RESERVED.iter().any(|r| r.eq_ignore_ascii_case(word)) => {
                let token = self.advance();
                Ok(Name {
                    text: token.shown,
                    at: token.at,
                })
            }
            _ => Err(self.unexpected()),
        }
    }

    fn query(&mut self) -> Result<Query, SyntaxError> {
        self.keyword("SELECT")?;
        let mut select = vec![self.select_item()?];
        while self.peek().tok == Tok::Comma {
            self.next += 1;
            select.push(self.select_item()?);
        }
        self.keyword("FROM")?;
        let from = self.name()?;
        let filter = if self.at_keyword("WHERE") {
            self.next += 1;
            Some(self.condition()?)
        } else {
            None
        };
        let mut order = Vec::new();
        if self.at_keyword("ORDER") {
            self.next += 1;
            self.keyword("BY")?;
            order.push(self.order_item()?);
            while self.peek().tok == Tok::Comma {
                self.next += 1;
                order.push(self.order_item()?);
            }
        }
        let limit = self.count_clause("LIMIT")?;
        let offset = self.count_clause("OFFSET")?;
        if self.peek().tok != Tok::End {
            return Err(self.unexpected());
        }
        Ok(Query {
            select,
            from,
            filter,
            order,
            limit,
            offset,
        })
    }

    fn select_item(&mut self) -> Result<Select, SyntaxError> {
        if self.at_keyword("COUNT")
            && self
                .tokens
                .get(self.next + 1)
                .is_some_and(|t| t.tok == Tok::Open)
        {
            self.next += 2;
            self.expect(Tok::Close)?;
            return Ok(Select::Count);
        }
        self.name().map(Select::Field)
    }

    fn order_item(&mut self) -> Result<Order, SyntaxError> {
        let field = self.name()?;
        let descending = if self.at_keyword("DESC") {
            self.next += 1;
            true
        } else {
            if self.at_keyword("ASC") {
                self.next += 1;
            }
            false
        };
        let mut nulls_last = descending;
        if self.at_keyword("NULLS") {
            self.next += 1;
            if self.at_keyword("LAST") {
                nulls_last = true;
            } else if self.at_keyword("FIRST") {
                nulls_last = false;
            } else {
                return Err(self.unexpected());
            }
            self.next += 1;
        }
        Ok(Order {
            field,
            descending,
            nulls_last,
        })
    }

    fn count_clause(&mut self, keyword: &str) -> Result<Option<usize>, SyntaxError> {
        if !self.at_keyword(keyword) {
            return Ok(None);
        }
        self.next += 1;
        match self.peek().tok {
            Tok::Number(n) if n >= 0.0 && n.fract() == 0.0 => {
                self.next += 1;
                Ok(Some(n as usize))
            }
            _ => Err(self.unexpected()),
        }
    }

    /// Conditions joined by one kind of conjunction; SOQL needs parentheses to mix AND and OR.
    fn condition(&mut self) -> Result<Condition, SyntaxError> {
        let mut items = vec![self.unary()?];
        let mut joiner: Option<bool> = None;
        loop {
            let is_and = if self.at_keyword("AND") {
                true
            } else if self.at_keyword("OR") {
                false
            } else {
                break;
            };
            if joiner.is_some_and(|j| j != is_and) {
                return Err(self.unexpected());
            }
            joiner = Some(is_and);
            self.next += 1;
            items.push(self.unary()?);
        }
        Ok(match (joiner, items.len()) {
            (_, 1) => items.remove(0),
            (Some(false), _) => Condition::Any(items),
            _ => Condition::All(items),
        })
    }

    fn unary(&mut self) -> Result<Condition, SyntaxError> {
        if self.at_keyword("NOT") {
            self.next += 1;
            return Ok(Condition::Not(Box::new(self.unary()?)));
        }
        if self.peek().tok == Tok::Open {
            self.next += 1;
            let inner = self.condition()?;
            self.expect(Tok::Close)?;
            return Ok(inner);
        }
        let field = self.name()?;
        if let Tok::Op(op) = self.peek().tok {
            self.next += 1;
            return Ok(Condition::Compare {
                field,
                op,
                value: self.literal()?,
            });
        }
        if self.at_keyword("LIKE") {
            self.next += 1;
            return Ok(Condition::Compare {
                field,
                op: Op::Like,
                value: self.literal()?,
            });
        }
        let negated = self.at_keyword("NOT");
        if negated {
            self.next += 1;
        }
        self.keyword("IN")?;
        self.expect(Tok::Open)?;
        let mut values = vec![self.literal()?];
        while self.peek().tok == Tok::Comma {
            self.next += 1;
            values.push(self.literal()?);
        }
        self.expect(Tok::Close)?;
        Ok(Condition::In {
            field,
            negated,
            values,
        })
    }

    fn literal(&mut self) -> Result<Literal, SyntaxError> {
        let at = self.peek().at;
        let value = match &self.peek().tok {
            Tok::Text(text) => Value::Text(text.clone()),
            Tok::Number(n) => Value::Number(*n),
            Tok::Date(d) => Value::Date(*d),
            Tok::DateTime(t) => Value::DateTime(*t),
            Tok::Word(w) if w.eq_ignore_ascii_case("null") => Value::Null,
            Tok::Word(w) if w.eq_ignore_ascii_case("true") => Value::Bool(true),
            Tok::Word(w) if w.eq_ignore_ascii_case("false") => Value::Bool(false),
            _ => return Err(self.unexpected()),
        };
        self.next += 1;
        Ok(Literal { value, at })
    }
}

/// Keywords, which cannot be used as names.
const RESERVED: &[&str] = &[
    "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "ORDER", "BY", "LIMIT", "OFFSET",
    "NULL", "TRUE", "FALSE", "ASC", "DESC", "NULLS",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::salesforce::soql::render;

    #[test]
    fn the_line_item_query_tandem_sends_parses() {
        let query = parse(
            "SELECT Id, Quantity, UnitPrice, TotalPrice, Product2.ProductCode, Product2Id FROM OpportunityLineItem WHERE OpportunityId = '0065e000000AbcdAAA'",
        )
        .unwrap();
        assert_eq!(query.select.len(), 6);
        assert_eq!(query.from.text, "OpportunityLineItem");
        assert!(matches!(
            query.filter,
            Some(Condition::Compare { op: Op::Eq, .. })
        ));
    }

    #[test]
    fn conditions_orders_limits_and_literals_parse() {
        let query = parse(
            "select Name from Account where (Name like 'Ac%' or Industry != null) and NOT Id in ('001', '002') and CreatedDate > 2026-11-27T00:00:00Z order by Name desc nulls first, Id limit 5 offset 2",
        )
        .unwrap();
        let Some(Condition::All(parts)) = &query.filter else {
            panic!("{:?}", query.filter)
        };
        assert_eq!(parts.len(), 3);
        assert!(matches!(parts[0], Condition::Any(_)));
        assert!(matches!(parts[1], Condition::Not(_)));
        assert_eq!((query.limit, query.offset), (Some(5), Some(2)));
        assert!(query.order[0].descending && !query.order[0].nulls_last);
    }

    #[test]
    fn mixing_and_with_or_needs_parentheses() {
        let error = parse("SELECT Id FROM Account WHERE Name = 'a' AND Name = 'b' OR Name = 'c'")
            .unwrap_err();
        assert_eq!(error.reason, "unexpected token: OR");
    }

    #[test]
    fn errors_point_at_the_offending_token_like_salesforce() {
        let query = "SELECT Id FORM Account";
        let error = parse(query).unwrap_err();
        assert_eq!(
            render(query, error.at, &error.reason),
            "\nSELECT Id FORM Account\n          ^\nERROR at Row:1:Column:11\nunexpected token: FORM"
        );
    }
}
