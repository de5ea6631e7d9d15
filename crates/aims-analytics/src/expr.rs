//! A small expression language for cross-field consistency rules, such as
//! `loan_amount <= income * 10` or `prediction == (score >= 0.5)`.
//!
//! Nulls propagate: a row where the rule evaluates to null is not applicable, so a rule's pass
//! share is over the rows where it can be judged (Great Expectations' `mostly` semantics).
//!
//! Rules are evaluated a batch at a time, column-wise: every sub-expression becomes a vector
//! over the batch's rows (numbers, booleans as bitmaps, or text) with a validity bitmap, and
//! each operator is one loop over arrays. Evaluating row by row through a tree of values cost
//! more than the rest of the quality pass together. The row-by-row meaning is the
//! specification: `expr/tests.rs` keeps it as a reference interpreter and checks that both agree
//! on random expressions and data, nulls, NaN and mixed kinds included.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::BTreeSet;

use arrow::array::{Array, AsArray, BooleanArray, Float64Array, RecordBatch, StringArray};
use arrow::buffer::{BooleanBuffer, Buffer};
use arrow::datatypes::DataType;

use crate::error::{Error, Result};
use crate::values::{TextDictionary, bits, column, to_f64, to_text};

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

    /// Evaluates the rule on every row of a batch at once.
    pub fn evaluate(&self, batch: &RecordBatch) -> Result<Verdicts> {
        let inputs = Inputs::bind(self, batch)?;
        let n = batch.num_rows();
        Ok(match self.vector(&inputs, n).truth(n) {
            Some((passed, valid)) => Verdicts {
                passed,
                judged: valid_bits(valid, n),
            },
            None => Verdicts {
                passed: splat(n, false),
                judged: splat(n, false),
            },
        })
    }

    fn vector<'a>(&'a self, inputs: &'a Inputs, n: usize) -> Vector<'a> {
        match self {
            Expr::Num(x) => Vector::Num(Nums::Scalar(*x), None),
            Expr::Str(s) => Vector::Str(Texts::Scalar(Cow::Borrowed(s)), None),
            Expr::Bool(b) => Vector::Bool(splat(n, *b), None),
            Expr::Null => Vector::Null,
            Expr::Column(name) => inputs.vector(name),
            Expr::Unary(UnaryOp::Not, e) => match e.vector(inputs, n).truth(n) {
                Some((t, valid)) => Vector::Bool(!&t, valid),
                None => Vector::Null,
            },
            Expr::Unary(UnaryOp::Neg, e) => numeric1(&e.vector(inputs, n), n, |x| -x),
            Expr::Binary(op, a, b) => {
                let (x, y) = (a.vector(inputs, n), b.vector(inputs, n));
                match op {
                    BinaryOp::And => logic(true, &x, &y, n),
                    BinaryOp::Or => logic(false, &x, &y, n),
                    BinaryOp::Add => numeric2(&x, &y, n, |p, q| p + q),
                    BinaryOp::Sub => numeric2(&x, &y, n, |p, q| p - q),
                    BinaryOp::Mul => numeric2(&x, &y, n, |p, q| p * q),
                    BinaryOp::Div => numeric2(&x, &y, n, |p, q| p / q),
                    BinaryOp::Rem => numeric2(&x, &y, n, |p, q| p % q),
                    _ => compare(*op, &x, &y, n),
                }
            }
            Expr::In(e, items) => {
                let x = e.vector(inputs, n);
                let Some(valid) = x.validity().cloned() else {
                    return Vector::Null;
                };
                let mut found = splat(n, false);
                for item in items {
                    let y = item.vector(inputs, n);
                    if let Vector::Bool(equal, judged) = compare(BinaryOp::Eq, &x, &y, n) {
                        found = &found | &(&equal & &valid_bits(judged, n));
                    }
                }
                Vector::Bool(found, valid)
            }
            Expr::Call(name, args) => {
                let arg = |k: usize| {
                    args.get(k)
                        .map(|a| a.vector(inputs, n))
                        .unwrap_or(Vector::Null)
                };
                match name.as_str() {
                    "is_null" | "not_null" => {
                        let missing = match arg(0).validity() {
                            None => splat(n, true),
                            Some(None) => splat(n, false),
                            Some(Some(valid)) => !valid,
                        };
                        Vector::Bool(
                            if name == "is_null" {
                                missing
                            } else {
                                !&missing
                            },
                            None,
                        )
                    }
                    "abs" => numeric1(&arg(0), n, f64::abs),
                    "len" => match arg(0) {
                        Vector::Str(s, valid) => {
                            Vector::Num(s.map_num(n, |s| s.chars().count() as f64), valid)
                        }
                        _ => Vector::Null,
                    },
                    "lower" => match arg(0) {
                        Vector::Str(s, valid) => {
                            Vector::Str(s.map_text(n, str::to_lowercase), valid)
                        }
                        other => other,
                    },
                    "upper" => match arg(0) {
                        Vector::Str(s, valid) => {
                            Vector::Str(s.map_text(n, str::to_uppercase), valid)
                        }
                        other => other,
                    },
                    "min" => numeric2(&arg(0), &arg(1), n, f64::min),
                    "max" => numeric2(&arg(0), &arg(1), n, f64::max),
                    _ => Vector::Null,
                }
            }
        }
    }
}

/// Which rows of a batch a rule could judge, and which of those passed.
#[derive(Debug, Clone)]
pub struct Verdicts {
    /// Rows where the rule is true; meaningful only where `judged` is set.
    passed: BooleanBuffer,
    /// Rows where the rule is not null.
    judged: BooleanBuffer,
}

impl Verdicts {
    /// Rows where the rule could be judged (it is not null there).
    pub fn applicable(&self) -> u64 {
        self.judged.count_set_bits() as u64
    }

    /// Rows where the rule holds.
    pub fn passed(&self) -> u64 {
        (&self.judged & &self.passed).count_set_bits() as u64
    }

    /// Row `i`: `Some(true)` pass, `Some(false)` fail, `None` not applicable (or out of range).
    pub fn get(&self, i: usize) -> Option<bool> {
        (i < self.judged.len() && self.judged.value(i)).then(|| self.passed.value(i))
    }
}

/// Which rows hold a value: `None` when every row does.
type Valid = Option<BooleanBuffer>;

/// The rows valid in both.
fn both(a: &Valid, b: &Valid) -> Valid {
    match (a, b) {
        (None, None) => None,
        (Some(x), None) | (None, Some(x)) => Some(x.clone()),
        (Some(x), Some(y)) => Some(x & y),
    }
}

/// Every bit set, or none.
fn splat(n: usize, bit: bool) -> BooleanBuffer {
    if bit {
        BooleanBuffer::new_set(n)
    } else {
        BooleanBuffer::new_unset(n)
    }
}

/// The validity as bits.
fn valid_bits(valid: Valid, n: usize) -> BooleanBuffer {
    valid.unwrap_or_else(|| BooleanBuffer::new_set(n))
}

/// One bit per pair, `f(x, y)`; the slices have the same length.
fn bits2(xs: &[f64], ys: &[f64], f: impl Fn(f64, f64) -> bool) -> BooleanBuffer {
    let words: Vec<u64> = xs
        .chunks(64)
        .zip(ys.chunks(64))
        .map(|(cx, cy)| {
            cx.iter()
                .zip(cy)
                .enumerate()
                .fold(0u64, |w, (j, (x, y))| w | (u64::from(f(*x, *y)) << j))
        })
        .collect();
    BooleanBuffer::new(Buffer::from_vec(words), 0, xs.len().min(ys.len()))
}

/// Numbers of every row: one value for all rows (a literal) or one per row.
#[derive(Debug)]
enum Nums<'a> {
    Scalar(f64),
    Array(Cow<'a, [f64]>),
}

impl Nums<'_> {
    fn map(&self, f: impl Fn(f64) -> f64) -> Nums<'static> {
        match self {
            Nums::Scalar(x) => Nums::Scalar(f(*x)),
            Nums::Array(xs) => Nums::Array(Cow::Owned(xs.iter().map(|x| f(*x)).collect())),
        }
    }

    fn zip(&self, other: &Nums<'_>, f: impl Fn(f64, f64) -> f64) -> Nums<'static> {
        Nums::Array(Cow::Owned(match (self, other) {
            (Nums::Scalar(x), Nums::Scalar(y)) => return Nums::Scalar(f(*x, *y)),
            (Nums::Array(xs), Nums::Scalar(y)) => xs.iter().map(|x| f(*x, *y)).collect(),
            (Nums::Scalar(x), Nums::Array(ys)) => ys.iter().map(|y| f(*x, *y)).collect(),
            (Nums::Array(xs), Nums::Array(ys)) => {
                xs.iter().zip(ys.iter()).map(|(x, y)| f(*x, *y)).collect()
            }
        }))
    }

    /// `f` of each row's number, as bits.
    fn test(&self, n: usize, f: impl Fn(f64) -> bool) -> BooleanBuffer {
        match self {
            Nums::Scalar(x) => splat(n, f(*x)),
            Nums::Array(xs) => bits(xs, f),
        }
    }

    /// `f` of each row's pair of numbers, as bits.
    fn test2(&self, other: &Nums<'_>, n: usize, f: impl Fn(f64, f64) -> bool) -> BooleanBuffer {
        match (self, other) {
            (Nums::Scalar(x), Nums::Scalar(y)) => splat(n, f(*x, *y)),
            (Nums::Array(xs), Nums::Scalar(y)) => bits(xs, |x| f(x, *y)),
            (Nums::Scalar(x), Nums::Array(ys)) => bits(ys, |y| f(*x, y)),
            (Nums::Array(xs), Nums::Array(ys)) => bits2(xs, ys, f),
        }
    }
}

/// Text of every row: a literal, a column of the batch, or computed (`lower`, `upper`).
#[derive(Debug)]
enum Texts<'a> {
    Scalar(Cow<'a, str>),
    Array(&'a StringArray),
    /// A dictionary-encoded column: tests and conversions run once per dictionary value and
    /// are gathered through the keys.
    Dict(&'a TextDictionary),
    Owned(Vec<String>),
}

impl Texts<'_> {
    fn get(&self, i: usize) -> &str {
        match self {
            Texts::Scalar(s) => s,
            Texts::Array(a) => a.value(i),
            Texts::Dict(d) => d.get(i),
            Texts::Owned(v) => v.get(i).map(String::as_str).unwrap_or_default(),
        }
    }

    fn map_text(&self, n: usize, f: impl Fn(&str) -> String) -> Texts<'static> {
        match self {
            Texts::Scalar(s) => Texts::Scalar(Cow::Owned(f(s))),
            _ => Texts::Owned((0..n).map(|i| f(self.get(i))).collect()),
        }
    }

    fn map_num(&self, n: usize, f: impl Fn(&str) -> f64) -> Nums<'static> {
        match self {
            Texts::Scalar(s) => Nums::Scalar(f(s)),
            Texts::Dict(d) => {
                let table: Vec<f64> = d.values().iter().map(|v| f(v.unwrap_or(""))).collect();
                Nums::Array(Cow::Owned(d.gather(&table, f64::NAN).collect()))
            }
            _ => Nums::Array(Cow::Owned((0..n).map(|i| f(self.get(i))).collect())),
        }
    }

    /// `f` of each row's text, as bits.
    fn test(&self, n: usize, f: impl Fn(&str) -> bool) -> BooleanBuffer {
        match self {
            Texts::Scalar(s) => splat(n, f(s)),
            Texts::Array(a) => BooleanBuffer::collect_bool(n, |i| f(a.value(i))),
            Texts::Dict(d) => d.test(n, f),
            Texts::Owned(_) => BooleanBuffer::collect_bool(n, |i| f(self.get(i))),
        }
    }

    /// `f` of each row's pair of texts, as bits; a column against a literal is the common case.
    fn test2(&self, other: &Texts<'_>, n: usize, f: impl Fn(&str, &str) -> bool) -> BooleanBuffer {
        match (self, other) {
            (Texts::Scalar(x), Texts::Scalar(y)) => splat(n, f(x, y)),
            (Texts::Array(a), Texts::Scalar(y)) => {
                BooleanBuffer::collect_bool(n, |i| f(a.value(i), y))
            }
            (Texts::Scalar(x), Texts::Array(b)) => {
                BooleanBuffer::collect_bool(n, |i| f(x, b.value(i)))
            }
            (Texts::Dict(d), Texts::Scalar(y)) => d.test(n, |x| f(x, y)),
            (Texts::Scalar(x), Texts::Dict(d)) => d.test(n, |y| f(x, y)),
            _ => BooleanBuffer::collect_bool(n, |i| f(self.get(i), other.get(i))),
        }
    }

    /// The text read as a number (surrounding spaces allowed), NaN where it is not one, and
    /// which rows parsed.
    fn to_nums(&self, n: usize) -> (Nums<'static>, Valid) {
        let parse = |s: &str| s.trim().parse::<f64>().ok();
        if let Texts::Scalar(s) = self {
            return match parse(s) {
                Some(x) => (Nums::Scalar(x), None),
                None => (Nums::Scalar(f64::NAN), Some(splat(n, false))),
            };
        }
        if let Texts::Dict(d) = self {
            let table: Vec<Option<f64>> =
                d.values().iter().map(|v| parse(v.unwrap_or(""))).collect();
            let values = d
                .gather(&table, None)
                .map(|x| x.unwrap_or(f64::NAN))
                .collect();
            let parsed = BooleanBuffer::from_iter(d.gather(&table, None).map(|x| x.is_some()));
            return (Nums::Array(Cow::Owned(values)), Some(parsed));
        }
        let mut parsed = Vec::with_capacity(n);
        let values = (0..n)
            .map(|i| {
                let x = parse(self.get(i));
                parsed.push(x.is_some());
                x.unwrap_or(f64::NAN)
            })
            .collect();
        (
            Nums::Array(Cow::Owned(values)),
            Some(BooleanBuffer::from(parsed)),
        )
    }
}

/// A sub-expression's value in every row of a batch. Each kind is known from the expression
/// alone, so a whole column is one kind and the operators run as tight loops over arrays.
#[derive(Debug)]
enum Vector<'a> {
    /// Null in every row (the `null` literal, or an operator that never applies to its kinds).
    Null,
    Num(Nums<'a>, Valid),
    Bool(BooleanBuffer, Valid),
    Str(Texts<'a>, Valid),
}

impl Vector<'_> {
    /// Which rows are not null; `None` for [`Vector::Null`].
    fn validity(&self) -> Option<&Valid> {
        match self {
            Vector::Null => None,
            Vector::Num(_, v) | Vector::Bool(_, v) | Vector::Str(_, v) => Some(v),
        }
    }

    /// Truth of each row (numbers are true unless zero, text unless empty) and which rows have
    /// one; `None` when no row does.
    fn truth(&self, n: usize) -> Option<(BooleanBuffer, Valid)> {
        match self {
            Vector::Null => None,
            Vector::Bool(b, v) => Some((b.clone(), v.clone())),
            Vector::Num(x, v) => Some((x.test(n, |x| x != 0.0), v.clone())),
            Vector::Str(s, v) => Some((s.test(n, |s| !s.is_empty()), v.clone())),
        }
    }

    /// Each row as a number (booleans as 0 and 1, text parsed, NaN where it does not parse),
    /// which rows are not null, and which rows are numbers; `None` for [`Vector::Null`].
    fn to_nums(&self, n: usize) -> Option<(Nums<'_>, Valid, Valid)> {
        match self {
            Vector::Null => None,
            Vector::Num(x, v) => Some((
                match x {
                    Nums::Scalar(x) => Nums::Scalar(*x),
                    Nums::Array(xs) => Nums::Array(Cow::Borrowed(xs)),
                },
                v.clone(),
                None,
            )),
            Vector::Bool(b, v) => Some((
                Nums::Array(b.iter().map(|b| f64::from(u8::from(b))).collect()),
                v.clone(),
                None,
            )),
            Vector::Str(s, v) => {
                let (x, parsed) = s.to_nums(n);
                Some((x, v.clone(), parsed))
            }
        }
    }
}

/// Three-valued `and` (`all` true) or `or` (`all` false): a deciding side decides even when the
/// other is null; otherwise a null side makes the result null.
fn logic<'a>(all: bool, x: &Vector<'_>, y: &Vector<'_>, n: usize) -> Vector<'a> {
    let side = |v: &Vector<'_>| match v.truth(n) {
        Some((t, valid)) => (t, valid_bits(valid, n)),
        None => (splat(n, false), splat(n, false)),
    };
    let ((tx, vx), (ty, vy)) = (side(x), side(y));
    // A side "decides" where it has the value that settles the result alone.
    let (dx, dy) = if all {
        (&vx & &!&tx, &vy & &!&ty)
    } else {
        (&vx & &tx, &vy & &ty)
    };
    let decided = &dx | &dy;
    let both_known = &(&vx & &vy) & &!&decided;
    let value = if all { !&decided } else { decided.clone() };
    Vector::Bool(value, Some(&decided | &both_known))
}

/// Whether an ordering satisfies a comparison operator.
fn holds(op: BinaryOp, ord: Ordering) -> bool {
    match op {
        BinaryOp::Eq => ord == Ordering::Equal,
        BinaryOp::Ne => ord != Ordering::Equal,
        BinaryOp::Lt => ord == Ordering::Less,
        BinaryOp::Le => ord != Ordering::Greater,
        BinaryOp::Gt => ord == Ordering::Greater,
        _ => ord != Ordering::Less,
    }
}

/// A comparison. Text against text compares as text; anything else compares as numbers, where
/// text that is not a number becomes NaN: no ordering holds for it (null), and values of
/// different kinds are simply unequal.
fn compare<'a>(op: BinaryOp, x: &Vector<'_>, y: &Vector<'_>, n: usize) -> Vector<'a> {
    let (Some(vx), Some(vy)) = (x.validity(), y.validity()) else {
        return Vector::Null;
    };
    let mut valid = both(vx, vy);
    if let (Vector::Str(a, _), Vector::Str(b, _)) = (x, y) {
        return Vector::Bool(a.test2(b, n, |p, q| holds(op, p.cmp(q))), valid);
    }
    let (Some((p, _, _)), Some((q, _, _))) = (x.to_nums(n), y.to_nums(n)) else {
        return Vector::Null;
    };
    let value = match op {
        BinaryOp::Eq => p.test2(&q, n, |a, b| a == b),
        BinaryOp::Ne => p.test2(&q, n, |a, b| a != b),
        BinaryOp::Lt => p.test2(&q, n, |a, b| a < b),
        BinaryOp::Le => p.test2(&q, n, |a, b| a <= b),
        BinaryOp::Gt => p.test2(&q, n, |a, b| a > b),
        _ => p.test2(&q, n, |a, b| a >= b),
    };
    if !matches!(op, BinaryOp::Eq | BinaryOp::Ne) {
        let ordered = p.test2(&q, n, |a, b| !a.is_nan() && !b.is_nan());
        valid = both(&valid, &Some(ordered));
    }
    Vector::Bool(value, valid)
}

/// A function of one number; null where the value is null or not a number.
fn numeric1<'a>(x: &Vector<'_>, n: usize, f: impl Fn(f64) -> f64) -> Vector<'a> {
    match x.to_nums(n) {
        Some((p, valid, numeric)) => Vector::Num(p.map(f), both(&valid, &numeric)),
        None => Vector::Null,
    }
}

/// A function of two numbers; null where either is null or not a number.
fn numeric2<'a>(
    x: &Vector<'_>,
    y: &Vector<'_>,
    n: usize,
    f: impl Fn(f64, f64) -> f64,
) -> Vector<'a> {
    match (x.to_nums(n), y.to_nums(n)) {
        (Some((p, vp, np)), Some((q, vq, nq))) => {
            Vector::Num(p.zip(&q, f), both(&both(&vp, &np), &both(&vq, &nq)))
        }
        _ => Vector::Null,
    }
}

/// One column a rule reads, converted once per batch.
enum Input {
    /// Numbers (times as seconds since the epoch); a NaN counts as null.
    Num(Float64Array, Valid),
    Text(StringArray),
    Dict(TextDictionary),
    Bool(BooleanArray),
}

/// The columns a rule reads from one batch.
struct Inputs {
    columns: Vec<(String, Input)>,
}

impl Inputs {
    fn bind(expr: &Expr, batch: &RecordBatch) -> Result<Self> {
        let mut columns = Vec::new();
        for name in expr.columns() {
            let array = column(batch, &name)?;
            let dt = array.data_type();
            let input = if dt == &DataType::Boolean {
                Input::Bool(array.as_boolean().clone())
            } else if dt.is_numeric()
                || matches!(
                    dt,
                    DataType::Timestamp(_, _) | DataType::Date32 | DataType::Date64
                )
            {
                let values = to_f64(array, &name)?;
                let not_nan = bits(values.values(), |x| !x.is_nan());
                let not_nan = not_nan.has_false().then_some(not_nan);
                let nulls = values
                    .nulls()
                    .filter(|n| n.null_count() > 0)
                    .map(|n| n.inner().clone());
                let valid = both(&nulls, &not_nan);
                Input::Num(values, valid)
            } else if let Some(dictionary) = TextDictionary::new(array, &name)? {
                Input::Dict(dictionary)
            } else {
                Input::Text(to_text(array, &name)?)
            };
            columns.push((name, input));
        }
        Ok(Self { columns })
    }

    fn vector(&self, name: &str) -> Vector<'_> {
        let nulls = |a: &dyn Array| {
            a.nulls()
                .filter(|n| n.null_count() > 0)
                .map(|n| n.inner().clone())
        };
        match self.columns.iter().find(|(c, _)| c == name) {
            None => Vector::Null,
            Some((_, Input::Num(a, valid))) => {
                Vector::Num(Nums::Array(Cow::Borrowed(a.values())), valid.clone())
            }
            Some((_, Input::Text(a))) => Vector::Str(Texts::Array(a), nulls(a)),
            Some((_, Input::Dict(d))) => Vector::Str(Texts::Dict(d), d.valid().cloned()),
            Some((_, Input::Bool(a))) => Vector::Bool(a.values().clone(), nulls(a)),
        }
    }
}

#[cfg(test)]
mod tests;
