//! A small expression language for cross-field consistency rules, such as
//! `loan_amount <= income * 10` or `prediction == (score >= 0.5)`.
//!
//! Nulls propagate: a row where the rule evaluates to null is not applicable, so a rule's pass
//! share is over the rows where it can be judged (Great Expectations' `mostly` semantics).

use std::collections::BTreeSet;

use arrow::array::{Array, AsArray, BooleanArray, Float64Array, RecordBatch, StringArray};
use arrow::datatypes::DataType;

use crate::error::{Error, Result};
use crate::values::{column, to_f64, to_text};

/// A parsed rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Num(f64),
    Str(String),
    Bool(bool),
    Null,
    Column(String),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    In(Box<Expr>, Vec<Expr>),
    Call(String, Vec<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Not,
    Neg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Num(f64),
    Str(String),
    Ident(String),
    Op(&'static str),
}

fn tokenize(rule: &str, text: &str) -> Result<Vec<(Token, usize)>> {
    let err = |position: usize, message: &str| Error::Rule {
        rule: rule.to_owned(),
        position: position + 1,
        message: message.to_owned(),
    };
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            while i < chars.len()
                && (chars[i].is_ascii_digit()
                    || chars[i] == '.'
                    || chars[i] == 'e'
                    || chars[i] == 'E'
                    || ((chars[i] == '-' || chars[i] == '+')
                        && matches!(chars.get(i.wrapping_sub(1)), Some('e') | Some('E'))))
            {
                i += 1;
            }
            let s: String = chars[start..i].iter().collect();
            let v = s.parse::<f64>().map_err(|_| err(start, "bad number"))?;
            out.push((Token::Num(v), start));
        } else if c == '\'' || c == '"' {
            i += 1;
            let mut s = String::new();
            while i < chars.len() && chars[i] != c {
                s.push(chars[i]);
                i += 1;
            }
            if i >= chars.len() {
                return Err(err(start, "unterminated string"));
            }
            i += 1;
            out.push((Token::Str(s), start));
        } else if c == '`' {
            i += 1;
            let mut s = String::new();
            while i < chars.len() && chars[i] != '`' {
                s.push(chars[i]);
                i += 1;
            }
            if i >= chars.len() {
                return Err(err(start, "unterminated quoted column name"));
            }
            i += 1;
            out.push((Token::Ident(s), start));
        } else if c.is_alphabetic() || c == '_' {
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((Token::Ident(chars[start..i].iter().collect()), start));
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let op: &'static str = match two.as_str() {
                "==" => "==",
                "!=" => "!=",
                "<=" => "<=",
                ">=" => ">=",
                "&&" => "and",
                "||" => "or",
                _ => match c {
                    '<' => "<",
                    '>' => ">",
                    '+' => "+",
                    '-' => "-",
                    '*' => "*",
                    '/' => "/",
                    '%' => "%",
                    '(' => "(",
                    ')' => ")",
                    '[' => "[",
                    ']' => "]",
                    ',' => ",",
                    '!' => "not",
                    '=' => "==",
                    _ => return Err(err(start, &format!("unexpected character '{c}'"))),
                },
            };
            i += match op {
                "==" if two == "==" => 2,
                "!=" | "<=" | ">=" => 2,
                "and" | "or" => 2,
                _ => 1,
            };
            out.push((Token::Op(op), start));
        }
    }
    Ok(out)
}

struct Parser<'a> {
    rule: &'a str,
    tokens: Vec<(Token, usize)>,
    pos: usize,
    end: usize,
}

impl Parser<'_> {
    fn err(&self, message: &str) -> Error {
        let position = self.tokens.get(self.pos).map(|t| t.1).unwrap_or(self.end);
        Error::Rule {
            rule: self.rule.to_owned(),
            position: position + 1,
            message: message.to_owned(),
        }
    }

    fn peek_op(&self) -> Option<&'static str> {
        match self.tokens.get(self.pos) {
            Some((Token::Op(o), _)) => Some(o),
            Some((Token::Ident(w), _)) => match w.as_str() {
                "and" | "AND" => Some("and"),
                "or" | "OR" => Some("or"),
                "not" | "NOT" => Some("not"),
                "in" | "IN" => Some("in"),
                _ => None,
            },
            _ => None,
        }
    }

    fn eat(&mut self, op: &str) -> bool {
        if self.peek_op() == Some(op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, op: &str) -> Result<()> {
        if self.eat(op) {
            Ok(())
        } else {
            Err(self.err(&format!("expected '{op}'")))
        }
    }

    fn or(&mut self) -> Result<Expr> {
        let mut left = self.and()?;
        while self.eat("or") {
            let right = self.and()?;
            left = Expr::Binary(BinaryOp::Or, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr> {
        let mut left = self.not()?;
        while self.eat("and") {
            let right = self.not()?;
            left = Expr::Binary(BinaryOp::And, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Expr> {
        if self.eat("not") {
            return Ok(Expr::Unary(UnaryOp::Not, Box::new(self.not()?)));
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Expr> {
        let left = self.additive()?;
        let op = match self.peek_op() {
            Some("==") => BinaryOp::Eq,
            Some("!=") => BinaryOp::Ne,
            Some("<") => BinaryOp::Lt,
            Some("<=") => BinaryOp::Le,
            Some(">") => BinaryOp::Gt,
            Some(">=") => BinaryOp::Ge,
            Some("in") => {
                self.pos += 1;
                self.expect("[")?;
                let mut items = Vec::new();
                if !self.eat("]") {
                    loop {
                        items.push(self.additive()?);
                        if self.eat("]") {
                            break;
                        }
                        self.expect(",")?;
                    }
                }
                return Ok(Expr::In(Box::new(left), items));
            }
            _ => return Ok(left),
        };
        self.pos += 1;
        let right = self.additive()?;
        Ok(Expr::Binary(op, Box::new(left), Box::new(right)))
    }

    fn additive(&mut self) -> Result<Expr> {
        let mut left = self.multiplicative()?;
        loop {
            let op = match self.peek_op() {
                Some("+") => BinaryOp::Add,
                Some("-") => BinaryOp::Sub,
                _ => return Ok(left),
            };
            self.pos += 1;
            let right = self.multiplicative()?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
    }

    fn multiplicative(&mut self) -> Result<Expr> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek_op() {
                Some("*") => BinaryOp::Mul,
                Some("/") => BinaryOp::Div,
                Some("%") => BinaryOp::Rem,
                _ => return Ok(left),
            };
            self.pos += 1;
            let right = self.unary()?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
    }

    fn unary(&mut self) -> Result<Expr> {
        if self.eat("-") {
            return Ok(Expr::Unary(UnaryOp::Neg, Box::new(self.unary()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr> {
        if self.eat("(") {
            let e = self.or()?;
            self.expect(")")?;
            return Ok(e);
        }
        let token = self.tokens.get(self.pos).cloned();
        match token {
            Some((Token::Num(v), _)) => {
                self.pos += 1;
                Ok(Expr::Num(v))
            }
            Some((Token::Str(s), _)) => {
                self.pos += 1;
                Ok(Expr::Str(s))
            }
            Some((Token::Ident(name), _)) => {
                self.pos += 1;
                match name.as_str() {
                    "true" | "TRUE" => return Ok(Expr::Bool(true)),
                    "false" | "FALSE" => return Ok(Expr::Bool(false)),
                    "null" | "NULL" => return Ok(Expr::Null),
                    _ => {}
                }
                if self.eat("(") {
                    let mut args = Vec::new();
                    if !self.eat(")") {
                        loop {
                            args.push(self.or()?);
                            if self.eat(")") {
                                break;
                            }
                            self.expect(",")?;
                        }
                    }
                    let arity = match name.as_str() {
                        "is_null" | "not_null" | "abs" | "len" | "lower" | "upper" => 1,
                        "min" | "max" => 2,
                        _ => return Err(self.err(&format!("unknown function '{name}'"))),
                    };
                    if args.len() != arity {
                        return Err(self.err(&format!("{name} takes {arity} argument(s)")));
                    }
                    return Ok(Expr::Call(name, args));
                }
                Ok(Expr::Column(name))
            }
            _ => Err(self.err("expected a value, column or '('")),
        }
    }
}

/// A value during evaluation; text borrows from the batch.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    Null,
    Num(f64),
    Str(std::borrow::Cow<'a, str>),
    Bool(bool),
}

impl Value<'_> {
    fn as_num(&self) -> Option<f64> {
        match self {
            Value::Num(x) => Some(*x),
            Value::Bool(b) => Some(f64::from(u8::from(*b))),
            Value::Str(s) => s.trim().parse::<f64>().ok(),
            Value::Null => None,
        }
    }

    fn truth(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::Num(x) => Some(*x != 0.0),
            Value::Str(s) => Some(!s.is_empty()),
            Value::Null => None,
        }
    }
}

/// One column of a batch prepared for evaluation.
enum Accessor {
    Num(Float64Array),
    Text(StringArray),
    Bool(BooleanArray),
}

/// A rule bound to the columns of one batch.
pub struct Bound {
    names: Vec<String>,
    accessors: Vec<Accessor>,
}

impl Expr {
    /// Parses a rule; errors name the rule and the 1-based character position.
    pub fn parse(rule: &str, text: &str) -> Result<Expr> {
        let tokens = tokenize(rule, text)?;
        let end = text.chars().count();
        let mut parser = Parser {
            rule,
            tokens,
            pos: 0,
            end,
        };
        let e = parser.or()?;
        if parser.pos != parser.tokens.len() {
            return Err(parser.err("unexpected text after the expression"));
        }
        Ok(e)
    }

    /// Column names the rule reads.
    pub fn columns(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        self.collect(&mut out);
        out
    }

    fn collect(&self, out: &mut BTreeSet<String>) {
        match self {
            Expr::Column(c) => {
                out.insert(c.clone());
            }
            Expr::Unary(_, e) => e.collect(out),
            Expr::Binary(_, a, b) => {
                a.collect(out);
                b.collect(out);
            }
            Expr::In(e, items) => {
                e.collect(out);
                for i in items {
                    i.collect(out);
                }
            }
            Expr::Call(_, args) => {
                for a in args {
                    a.collect(out);
                }
            }
            _ => {}
        }
    }

    /// Prepares the batch's columns.
    pub fn bind(&self, batch: &RecordBatch) -> Result<Bound> {
        let names: Vec<String> = self.columns().into_iter().collect();
        let mut accessors = Vec::with_capacity(names.len());
        for name in &names {
            let array = column(batch, name)?;
            let dt = array.data_type();
            accessors.push(if dt == &DataType::Boolean {
                Accessor::Bool(array.as_boolean().clone())
            } else if dt.is_numeric()
                || matches!(
                    dt,
                    DataType::Timestamp(_, _) | DataType::Date32 | DataType::Date64
                )
            {
                Accessor::Num(to_f64(array, name)?)
            } else {
                Accessor::Text(to_text(array, name)?)
            });
        }
        Ok(Bound { names, accessors })
    }

    /// Evaluates the rule on row `i`: Some(true) pass, Some(false) fail, None not applicable.
    pub fn eval_row(&self, bound: &Bound, i: usize) -> Option<bool> {
        self.eval(bound, i).truth()
    }

    fn eval<'a>(&'a self, bound: &'a Bound, i: usize) -> Value<'a> {
        match self {
            Expr::Num(x) => Value::Num(*x),
            Expr::Str(s) => Value::Str(std::borrow::Cow::Borrowed(s.as_str())),
            Expr::Bool(b) => Value::Bool(*b),
            Expr::Null => Value::Null,
            Expr::Column(name) => {
                // Few columns per rule: a scan by length first avoids most string comparisons.
                let Some(idx) = bound
                    .names
                    .iter()
                    .position(|n| n.len() == name.len() && n == name)
                else {
                    return Value::Null;
                };
                match &bound.accessors[idx] {
                    Accessor::Num(a) => {
                        if a.is_null(i) || a.value(i).is_nan() {
                            Value::Null
                        } else {
                            Value::Num(a.value(i))
                        }
                    }
                    Accessor::Text(a) => {
                        if a.is_null(i) {
                            Value::Null
                        } else {
                            Value::Str(std::borrow::Cow::Borrowed(a.value(i)))
                        }
                    }
                    Accessor::Bool(a) => {
                        if a.is_null(i) {
                            Value::Null
                        } else {
                            Value::Bool(a.value(i))
                        }
                    }
                }
            }
            Expr::Unary(UnaryOp::Not, e) => match e.eval(bound, i).truth() {
                Some(b) => Value::Bool(!b),
                None => Value::Null,
            },
            Expr::Unary(UnaryOp::Neg, e) => match e.eval(bound, i).as_num() {
                Some(x) => Value::Num(-x),
                None => Value::Null,
            },
            Expr::Binary(BinaryOp::And, a, b) => {
                // Three-valued logic: false and null is false. Evaluation has no side effects,
                // so a false left side decides without the right.
                let left = a.eval(bound, i).truth();
                if left == Some(false) {
                    return Value::Bool(false);
                }
                match (left, b.eval(bound, i).truth()) {
                    (_, Some(false)) => Value::Bool(false),
                    (Some(true), Some(true)) => Value::Bool(true),
                    _ => Value::Null,
                }
            }
            Expr::Binary(BinaryOp::Or, a, b) => {
                let left = a.eval(bound, i).truth();
                if left == Some(true) {
                    return Value::Bool(true);
                }
                match (left, b.eval(bound, i).truth()) {
                    (_, Some(true)) => Value::Bool(true),
                    (Some(false), Some(false)) => Value::Bool(false),
                    _ => Value::Null,
                }
            }
            Expr::Binary(op, a, b) => {
                let (x, y) = (a.eval(bound, i), b.eval(bound, i));
                if x == Value::Null || y == Value::Null {
                    return Value::Null;
                }
                match op {
                    BinaryOp::Add
                    | BinaryOp::Sub
                    | BinaryOp::Mul
                    | BinaryOp::Div
                    | BinaryOp::Rem => match (x.as_num(), y.as_num()) {
                        (Some(p), Some(q)) => Value::Num(match op {
                            BinaryOp::Add => p + q,
                            BinaryOp::Sub => p - q,
                            BinaryOp::Mul => p * q,
                            BinaryOp::Div => p / q,
                            _ => p % q,
                        }),
                        _ => Value::Null,
                    },
                    _ => match compare(&x, &y) {
                        Some(ord) => Value::Bool(match op {
                            BinaryOp::Eq => ord == std::cmp::Ordering::Equal,
                            BinaryOp::Ne => ord != std::cmp::Ordering::Equal,
                            BinaryOp::Lt => ord == std::cmp::Ordering::Less,
                            BinaryOp::Le => ord != std::cmp::Ordering::Greater,
                            BinaryOp::Gt => ord == std::cmp::Ordering::Greater,
                            _ => ord != std::cmp::Ordering::Less,
                        }),
                        None => match op {
                            // Values of different kinds are simply unequal.
                            BinaryOp::Eq => Value::Bool(false),
                            BinaryOp::Ne => Value::Bool(true),
                            _ => Value::Null,
                        },
                    },
                }
            }
            Expr::In(e, items) => {
                let x = e.eval(bound, i);
                if x == Value::Null {
                    return Value::Null;
                }
                Value::Bool(items.iter().any(|item| {
                    compare(&x, &item.eval(bound, i)) == Some(std::cmp::Ordering::Equal)
                }))
            }
            Expr::Call(name, args) => {
                let v = args
                    .first()
                    .map(|a| a.eval(bound, i))
                    .unwrap_or(Value::Null);
                match name.as_str() {
                    "is_null" => Value::Bool(v == Value::Null),
                    "not_null" => Value::Bool(v != Value::Null),
                    "abs" => v
                        .as_num()
                        .map(|x| Value::Num(x.abs()))
                        .unwrap_or(Value::Null),
                    "len" => match v {
                        Value::Str(s) => Value::Num(s.chars().count() as f64),
                        _ => Value::Null,
                    },
                    "lower" => match v {
                        Value::Str(s) => Value::Str(std::borrow::Cow::Owned(s.to_lowercase())),
                        other => other,
                    },
                    "upper" => match v {
                        Value::Str(s) => Value::Str(std::borrow::Cow::Owned(s.to_uppercase())),
                        other => other,
                    },
                    "min" | "max" => {
                        let w = args.get(1).map(|a| a.eval(bound, i)).unwrap_or(Value::Null);
                        match (v.as_num(), w.as_num()) {
                            (Some(p), Some(q)) => {
                                Value::Num(if name == "min" { p.min(q) } else { p.max(q) })
                            }
                            _ => Value::Null,
                        }
                    }
                    _ => Value::Null,
                }
            }
        }
    }
}

fn compare(x: &Value<'_>, y: &Value<'_>) -> Option<std::cmp::Ordering> {
    match (x, y) {
        (Value::Str(a), Value::Str(b)) => Some(a.as_ref().cmp(b.as_ref())),
        (Value::Null, _) | (_, Value::Null) => None,
        (Value::Str(_), _) | (_, Value::Str(_)) => {
            // Text against a number compares as numbers when the text is one.
            x.as_num()?.partial_cmp(&y.as_num()?)
        }
        _ => x.as_num()?.partial_cmp(&y.as_num()?),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use arrow::array::{Int64Array, StringArray};
    use arrow::datatypes::{Field, Schema};
    use std::sync::Arc;

    fn batch() -> RecordBatch {
        let schema = Schema::new(vec![
            Field::new("a", DataType::Int64, true),
            Field::new("b", DataType::Utf8, true),
        ]);
        RecordBatch::try_new(
            Arc::new(schema),
            vec![
                Arc::new(Int64Array::from(vec![Some(1), Some(20), None])),
                Arc::new(StringArray::from(vec![Some("x"), Some("y"), Some("x")])),
            ],
        )
        .unwrap()
    }

    #[test]
    fn evaluates_with_null_propagation() {
        let e = Expr::parse("r", "a * 10 <= 100 and b in ['x', 'y']").unwrap();
        let b = e.bind(&batch()).unwrap();
        assert_eq!(e.eval_row(&b, 0), Some(true));
        assert_eq!(e.eval_row(&b, 1), Some(false));
        assert_eq!(e.eval_row(&b, 2), None);
        let e = Expr::parse("r", "is_null(a) or a > 0").unwrap();
        let b = e.bind(&batch()).unwrap();
        assert_eq!(e.eval_row(&b, 2), Some(true));
    }

    #[test]
    fn parse_errors_name_the_position() {
        let err = Expr::parse("bad", "a <= (b + ").unwrap_err().to_string();
        assert!(err.contains("rule 'bad' at column"), "{err}");
        assert!(Expr::parse("bad", "frob(a)").is_err());
        assert!(Expr::parse("bad", "'open").is_err());
    }
}
