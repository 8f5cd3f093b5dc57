//! Recursive-descent parser: filter text → `Expr` (with type checks: metrics compare with numbers, `status` with
//! its four values…) and order-by text → `OrderTerm`s. Precedence, loosest first: `or`, `and`, `not`, comparison.

use super::ast::{Expr, Field, FieldType, Pred, Test, Value};
use super::error::{SearchError, Source};
use super::lexer::{CmpOp, Fail, Tok, Token, lex};
use crate::tracker::RunStatus;

/// Deepest nesting of parentheses / `not` accepted, so hostile input cannot overflow the stack.
const MAX_DEPTH: usize = 64;
/// Most conditions in one filter. Each metric/param/tag condition of the top-level `and` chain is one join, and
/// SQLite joins at most 64 tables (runs, experiments and the order-by's joins included), so a longer filter would
/// fail in the database instead of being refused here.
pub const MAX_CONDITIONS: usize = 50;
/// Most values in all the `IN` lists of one filter, well under SQLite's 32,766 bound parameters per statement.
pub const MAX_VALUES: usize = 1_000;
/// Most `FIELD [asc|desc]` terms of one search (each metric/param/tag term is one join).
pub const MAX_ORDER_TERMS: usize = 8;

/// Parse a filter expression; blank text means "no filter" (`None`).
pub fn parse_filter(text: &str) -> Result<Option<Expr>, SearchError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let syntax = |f: Fail| SearchError::Syntax {
        input: Source::Filter,
        text: text.to_string(),
        column: f.column,
        message: f.message,
    };
    let tokens = lex(text).map_err(syntax)?;
    let mut p = Parser { tokens, pos: 0, depth: 0, conditions: 0, values: 0, end_name: "the end of the filter" };
    let expr = p.or().map_err(syntax)?;
    let next = p.peek();
    if next.tok != Tok::End {
        let msg = if next.tok == Tok::RParen {
            "unexpected ')' with no matching '('".to_string()
        } else {
            format!("expected 'and', 'or' or the end of the filter, found {}", p.describe(next))
        };
        return Err(syntax(Fail::at(next.column, msg)));
    }
    Ok(Some(expr))
}

/// One `FIELD [asc|desc]` of an order-by.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderTerm {
    pub field: Field,
    pub descending: bool,
}

/// Parse one order-by argument: one or more `FIELD [asc|desc]` separated by commas.
pub fn parse_order_by(text: &str) -> Result<Vec<OrderTerm>, SearchError> {
    let syntax = |f: Fail| SearchError::Syntax {
        input: Source::OrderBy,
        text: text.to_string(),
        column: f.column,
        message: f.message,
    };
    let tokens = lex(text).map_err(syntax)?;
    let mut p = Parser { tokens, pos: 0, depth: 0, conditions: 0, values: 0, end_name: "the end of the order-by" };
    let mut terms = Vec::new();
    loop {
        let token = p.next();
        let Tok::Path(segments) = &token.tok else {
            let msg =
                format!("expected a field to order by (e.g. metrics.accuracy desc), found {}", p.describe(&token));
            return Err(syntax(Fail::at(token.column, msg)));
        };
        let field = Field::resolve(segments, token.column).map_err(syntax)?;
        if terms.len() == MAX_ORDER_TERMS {
            let msg = format!("an order-by takes at most {MAX_ORDER_TERMS} fields");
            return Err(syntax(Fail::at(token.column, msg)));
        }
        let mut descending = false;
        if let Some(word) = p.peek().keyword().filter(|w| w == "asc" || w == "desc") {
            descending = word == "desc";
            p.pos += 1;
        }
        terms.push(OrderTerm { field, descending });
        let next = p.next();
        match next.tok {
            Tok::End => return Ok(terms),
            Tok::Comma => continue,
            _ => {
                let msg = format!("expected asc, desc, ',' or the end of the order-by, found {}", p.describe(&next));
                return Err(syntax(Fail::at(next.column, msg)));
            }
        }
    }
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
    /// Conditions and `IN` values read so far (see `MAX_CONDITIONS`, `MAX_VALUES`).
    conditions: usize,
    values: usize,
    end_name: &'static str,
}

impl Parser {
    fn peek(&self) -> &Token {
        let last = self.tokens.len().saturating_sub(1);
        &self.tokens[self.pos.min(last)]
    }

    fn next(&mut self) -> Token {
        let token = self.peek().clone();
        if self.pos < self.tokens.len() {
            self.pos += 1;
        }
        token
    }

    fn describe(&self, token: &Token) -> String {
        if token.tok == Tok::End { self.end_name.to_string() } else { format!("'{}'", token.raw) }
    }

    fn or(&mut self) -> Result<Expr, Fail> {
        let mut left = self.and()?;
        while self.peek().is_keyword("or") {
            self.pos += 1;
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, Fail> {
        let mut left = self.unary()?;
        while self.peek().is_keyword("and") {
            self.pos += 1;
            let right = self.unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, Fail> {
        let token = self.peek().clone();
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Fail::at(token.column, format!("expression nested more than {MAX_DEPTH} levels deep")));
        }
        let result = if token.is_keyword("not") {
            self.pos += 1;
            self.unary().map(|e| Expr::Not(Box::new(e)))
        } else if token.tok == Tok::LParen {
            self.pos += 1;
            let inner = self.or()?;
            let close = self.next();
            if close.tok != Tok::RParen {
                let msg = format!(
                    "expected ')' to close the '(' at column {}, found {}",
                    token.column,
                    self.describe(&close)
                );
                return Err(Fail::at(close.column, msg));
            }
            Ok(inner)
        } else {
            self.predicate()
        };
        self.depth -= 1;
        result
    }

    fn predicate(&mut self) -> Result<Expr, Fail> {
        let field_token = self.next();
        let segments = match &field_token.tok {
            Tok::Path(segs) if field_token.keyword().is_none_or(|k| !is_reserved(&k)) => segs,
            _ => {
                let msg = format!(
                    "expected a field (metrics.<key>, params.<key>, tags.<key> or an attribute such as status), found {}",
                    self.describe(&field_token)
                );
                return Err(Fail::at(field_token.column, msg));
            }
        };
        let field = Field::resolve(segments, field_token.column)?;
        self.conditions += 1;
        if self.conditions > MAX_CONDITIONS {
            let msg = format!("a filter holds at most {MAX_CONDITIONS} conditions");
            return Err(Fail::at(field_token.column, msg));
        }
        let name = &field_token.raw;
        let op = self.next();
        let test = match &op.tok {
            Tok::Op(cmp) => {
                let value = self.value(&op)?;
                check_cmp(&field, name, *cmp, &op, &value)?;
                Test::Cmp(*cmp, value.0)
            }
            _ if op.is_keyword("in") => self.in_list(&field, name, false)?,
            _ if op.is_keyword("like") || op.is_keyword("ilike") => self.like(&field, name, &op, false)?,
            _ if op.is_keyword("is") => {
                let mut word = self.next();
                let negated = word.is_keyword("not");
                if negated {
                    word = self.next();
                }
                if !word.is_keyword("null") {
                    let expected = if negated { "NULL after IS NOT" } else { "NULL or NOT NULL after IS" };
                    return Err(Fail::at(word.column, format!("expected {expected}, found {}", self.describe(&word))));
                }
                Test::Null { negated }
            }
            _ if op.is_keyword("not") => {
                let word = self.next();
                if word.is_keyword("in") {
                    self.in_list(&field, name, true)?
                } else if word.is_keyword("like") || word.is_keyword("ilike") {
                    self.like(&field, name, &word, true)?
                } else {
                    let msg = format!("expected IN, LIKE or ILIKE after NOT, found {}", self.describe(&word));
                    return Err(Fail::at(word.column, msg));
                }
            }
            _ => {
                let msg = format!("expected a comparison operator after '{name}', found {}", self.describe(&op));
                return Err(Fail::at(op.column, msg));
            }
        };
        Ok(Expr::Pred(Pred { field, test }))
    }

    /// A literal after `after`; returns the value and its token (for type errors).
    fn value(&mut self, after: &Token) -> Result<(Value, Token), Fail> {
        let token = self.next();
        let value = match &token.tok {
            Tok::Num(n) => Value::Num(*n),
            Tok::Str(s) => Value::Str(s.clone()),
            _ => {
                let msg = format!(
                    "expected a number or a quoted string after '{}', found {}",
                    after.raw,
                    self.describe(&token)
                );
                return Err(Fail::at(token.column, msg));
            }
        };
        Ok((value, token))
    }

    fn in_list(&mut self, field: &Field, name: &str, negated: bool) -> Result<Test, Fail> {
        let open = self.next();
        if open.tok != Tok::LParen {
            return Err(Fail::at(open.column, format!("expected '(' after IN, found {}", self.describe(&open))));
        }
        if self.peek().tok == Tok::RParen {
            return Err(Fail::at(self.peek().column, "IN needs at least one value"));
        }
        let mut values: Vec<Value> = Vec::new();
        loop {
            let (value, token) = self.value(&open)?;
            check_cmp(field, name, CmpOp::Eq, &open, &(value.clone(), token.clone()))?;
            if let Some(first) = values.first()
                && matches!(first, Value::Num(_)) != matches!(value, Value::Num(_))
            {
                let msg = "IN list mixes numbers and strings: use all quoted strings (text match) or all numbers";
                return Err(Fail::at(token.column, msg));
            }
            self.values += 1;
            if self.values > MAX_VALUES {
                return Err(Fail::at(token.column, format!("a filter's IN lists hold at most {MAX_VALUES} values")));
            }
            values.push(value);
            let sep = self.next();
            match sep.tok {
                Tok::Comma => continue,
                Tok::RParen => break,
                _ => {
                    let msg = format!("expected ',' or ')' in the IN list, found {}", self.describe(&sep));
                    return Err(Fail::at(sep.column, msg));
                }
            }
        }
        Ok(Test::In { negated, values })
    }

    fn like(&mut self, field: &Field, name: &str, op: &Token, negated: bool) -> Result<Test, Fail> {
        let word = op.raw.to_ascii_uppercase();
        if matches!(field.field_type(), FieldType::Number | FieldType::Status) {
            let what =
                if field.field_type() == FieldType::Status { "compares with =, != or IN" } else { "is a number" };
            return Err(Fail::at(op.column, format!("{word} needs a text field; '{name}' {what}")));
        }
        let token = self.next();
        let Tok::Str(pattern) = &token.tok else {
            let msg = format!("expected a quoted pattern after {word}, found {}", self.describe(&token));
            return Err(Fail::at(token.column, msg));
        };
        Ok(Test::Like { negated, case_insensitive: word == "ILIKE", pattern: pattern.clone() })
    }
}

/// Words that can never start a field, so `and = 1` or a dangling `or` reads as a missing field.
fn is_reserved(word: &str) -> bool {
    matches!(word, "and" | "or" | "not" | "in" | "like" | "ilike" | "is" | "null")
}

/// Type rules for `field <op> value` (also used for each IN value with `=`).
fn check_cmp(field: &Field, name: &str, op: CmpOp, op_token: &Token, value: &(Value, Token)) -> Result<(), Fail> {
    let (value, token) = value;
    match (field.field_type(), value) {
        (FieldType::Number, Value::Str(_)) => {
            let unit = if matches!(field, Field::Metric { .. }) { "" } else { " (milliseconds)" };
            Err(Fail::at(
                token.column,
                format!("'{name}' is a number{unit}: compare it with a number, found {}", token.raw),
            ))
        }
        (FieldType::Text, Value::Num(_)) => Err(Fail::at(
            token.column,
            format!("'{name}' is text: compare it with a quoted string, found {}", token.raw),
        )),
        (FieldType::Status, _) if !matches!(op, CmpOp::Eq | CmpOp::Ne) => Err(Fail::at(
            op_token.column,
            format!("'{name}' compares with =, !=, IN or NOT IN only, found '{}'", op_token.raw),
        )),
        (FieldType::Status, Value::Str(s)) if RunStatus::parse(s).is_some() => Ok(()),
        (FieldType::Status, _) => Err(Fail::at(
            token.column,
            format!("invalid status {}: expected one of running, finished, failed, killed", token.raw),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
#[path = "parser_tests.rs"]
mod tests;
