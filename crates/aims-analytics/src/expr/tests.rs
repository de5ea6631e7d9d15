//! The row-by-row meaning of rules, kept as a reference interpreter (the engine evaluated rules
//! this way before it became column-wise), and tests that the column-wise evaluator agrees with
//! it on hand-picked and random expressions and data: nulls, NaN, infinities, text that is or is
//! not a number, booleans, sliced batches and unknown functions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use arrow::array::{ArrayRef, DictionaryArray, Int64Array, TimestampMillisecondArray};
use arrow::datatypes::{Field, Int32Type, Schema, TimeUnit};
use proptest::prelude::*;

use super::*;

/// A value of the reference interpreter; text borrows from the batch.
#[derive(Debug, Clone, PartialEq)]
enum Value<'a> {
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
struct Bound {
    names: Vec<String>,
    accessors: Vec<Accessor>,
}

impl Expr {
    /// Prepares the batch's columns.
    fn bind(&self, batch: &RecordBatch) -> Result<Bound> {
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
    fn eval_row(&self, bound: &Bound, i: usize) -> Option<bool> {
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

/// Both evaluators on every row of `batch`: the verdicts must match row for row.
fn assert_agree(expr: &Expr, batch: &RecordBatch) {
    let bound = expr.bind(batch).unwrap();
    let verdicts = expr.evaluate(batch).unwrap();
    let (mut applicable, mut passed) = (0, 0);
    for i in 0..batch.num_rows() {
        let expected = expr.eval_row(&bound, i);
        assert_eq!(verdicts.get(i), expected, "row {i} of {expr:?}");
        applicable += u64::from(expected.is_some());
        passed += u64::from(expected == Some(true));
    }
    assert_eq!(verdicts.get(batch.num_rows()), None);
    assert_eq!(
        (verdicts.applicable(), verdicts.passed()),
        (applicable, passed)
    );
}

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
    let v = e.evaluate(&batch()).unwrap();
    assert_eq!(
        (0..3).map(|i| v.get(i)).collect::<Vec<_>>(),
        [Some(true), Some(false), None]
    );
    assert_eq!((v.applicable(), v.passed()), (2, 1));
    let e = Expr::parse("r", "is_null(a) or a > 0").unwrap();
    assert_eq!(e.evaluate(&batch()).unwrap().get(2), Some(true));
    for text in [
        "a * 10 <= 100 and b in ['x', 'y']",
        "is_null(a) or a > 0",
        "not (a > 5) and b != 'y'",
        "upper(b) == 'X' or len(b) > 3",
        "min(a, 5) % 2 == 1 or max(a, -a) >= 20",
        "b == 1 or b != 2",
    ] {
        assert_agree(&Expr::parse("r", text).unwrap(), &batch());
    }
}

#[test]
fn parse_errors_name_the_position() {
    let err = Expr::parse("bad", "a <= (b + ").unwrap_err().to_string();
    assert!(err.contains("rule 'bad' at column"), "{err}");
    assert!(Expr::parse("bad", "frob(a)").is_err());
    assert!(Expr::parse("bad", "'open").is_err());
}

#[test]
fn a_missing_column_is_an_error() {
    let e = Expr::parse("r", "zz > 1").unwrap();
    assert!(e.evaluate(&batch()).is_err());
}

/// Columns of every kind the evaluator distinguishes: floats with NaN, infinities, signed zero
/// and nulls; integers; text that is and is not a number; booleans; timestamps.
fn random_batch(rows: usize) -> impl Strategy<Value = RecordBatch> {
    let float = prop_oneof![
        Just(None),
        Just(Some(f64::NAN)),
        Just(Some(f64::INFINITY)),
        Just(Some(f64::NEG_INFINITY)),
        Just(Some(-0.0)),
        (-3i32..4).prop_map(|x| Some(f64::from(x))),
        (-3i32..4).prop_map(|x| Some(f64::from(x) / 2.0)),
    ];
    let int = prop_oneof![Just(None), (-3i64..4).prop_map(Some)];
    let text = prop_oneof![
        Just(None),
        prop::sample::select(vec![
            "", "a", "A", "b", "1", " 2 ", "2", "-0", "1.5", "nan", "NaN", "inf", "-inf", "x y",
            "É", "é", "true", "0",
        ])
        .prop_map(Some),
    ];
    let boolean = prop_oneof![Just(None), any::<bool>().prop_map(Some)];
    let time = prop_oneof![Just(None), (-2i64..3).prop_map(|x| Some(x * 500))];
    (
        prop::collection::vec(float, rows),
        prop::collection::vec(int, rows),
        prop::collection::vec(text.clone(), rows),
        prop::collection::vec(text.clone(), rows),
        prop::collection::vec(boolean, rows),
        prop::collection::vec(time, rows),
        prop::collection::vec(text, rows),
    )
        .prop_map(|(f, i, s, t, b, ts, d)| {
            let schema = Schema::new(vec![
                Field::new("f", DataType::Float64, true),
                Field::new("i", DataType::Int64, true),
                Field::new("s", DataType::Utf8, true),
                Field::new("t", DataType::Utf8, true),
                Field::new("b", DataType::Boolean, true),
                Field::new("ts", DataType::Timestamp(TimeUnit::Millisecond, None), true),
                Field::new(
                    "d",
                    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
                    true,
                ),
            ]);
            let columns: Vec<ArrayRef> = vec![
                Arc::new(Float64Array::from(f)),
                Arc::new(Int64Array::from(i)),
                Arc::new(StringArray::from(s)),
                Arc::new(StringArray::from(t)),
                Arc::new(BooleanArray::from(b)),
                Arc::new(TimestampMillisecondArray::from(ts)),
                // Text as a dictionary, as Parquet's dictionary-encoded columns are read.
                Arc::new(d.into_iter().collect::<DictionaryArray<Int32Type>>()),
            ];
            RecordBatch::try_new(Arc::new(schema), columns).unwrap()
        })
}

fn random_expr() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        prop::sample::select(vec![0.0, 1.0, -1.0, 0.5, 2.0, 1.5, f64::NAN, f64::INFINITY])
            .prop_map(Expr::Num),
        prop::sample::select(vec!["", "a", "A", "2", " 2 ", "1.5", "nan", "é", "true"])
            .prop_map(|s| Expr::Str(s.to_owned())),
        any::<bool>().prop_map(Expr::Bool),
        Just(Expr::Null),
        prop::sample::select(vec!["f", "i", "s", "t", "b", "ts", "d"])
            .prop_map(|c| Expr::Column(c.to_owned())),
    ];
    leaf.prop_recursive(4, 40, 4, |inner| {
        let op = prop::sample::select(vec![
            BinaryOp::Or,
            BinaryOp::And,
            BinaryOp::Eq,
            BinaryOp::Ne,
            BinaryOp::Lt,
            BinaryOp::Le,
            BinaryOp::Gt,
            BinaryOp::Ge,
            BinaryOp::Add,
            BinaryOp::Sub,
            BinaryOp::Mul,
            BinaryOp::Div,
            BinaryOp::Rem,
        ]);
        let function = prop::sample::select(vec![
            "is_null", "not_null", "abs", "len", "lower", "upper", "min", "max", "frob",
        ]);
        prop_oneof![
            (
                prop::sample::select(vec![UnaryOp::Not, UnaryOp::Neg]),
                inner.clone()
            )
                .prop_map(|(op, e)| Expr::Unary(op, Box::new(e))),
            (op, inner.clone(), inner.clone()).prop_map(|(op, a, b)| Expr::Binary(
                op,
                Box::new(a),
                Box::new(b)
            )),
            (inner.clone(), prop::collection::vec(inner.clone(), 0..4))
                .prop_map(|(e, items)| Expr::In(Box::new(e), items)),
            // Any arity, as a hand-built expression could have: missing arguments are null.
            (function, prop::collection::vec(inner, 0..3))
                .prop_map(|(f, args)| Expr::Call(f.to_owned(), args)),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// The column-wise evaluator gives every row the reference interpreter's verdict, on whole
    /// batches and on slices of them (bitmaps that do not start at a word boundary).
    #[test]
    fn columnwise_agrees_with_rows(
        expr in random_expr(),
        batch in (0usize..140).prop_flat_map(random_batch),
        cut in 0usize..70,
    ) {
        assert_agree(&expr, &batch);
        let offset = cut.min(batch.num_rows());
        assert_agree(&expr, &batch.slice(offset, batch.num_rows() - offset));
    }

    /// Parsed rules over the same columns agree too (the parser's shapes, not only random trees).
    #[test]
    fn parsed_rules_agree(
        batch in (1usize..140).prop_flat_map(random_batch),
        pick in prop::collection::vec(0usize..14, 1..4),
    ) {
        const RULES: [&str; 14] = [
            "f <= i * 10",
            "(f > 0 and f <= 2 and s == 'a') or (f > 2 and s == '2')",
            "b == (f >= 0.5)",
            "s in ['a', 'A', 2, null] or not_null(t)",
            "lower(s) == lower(t) and len(s) >= 1",
            "-f < abs(i) or is_null(b)",
            "ts > 0 and ts % 2 == 0",
            "s < t or s >= 'b'",
            "not b or f != f",
            "min(f, i) == max(i, f)",
            "t + 1 > 2 and upper(t) != 'NAN'",
            "f / i > 0 or i % 0 == 0",
            "(d == 'a' and s != d) or d in ['2', 'é'] or 'b' > d",
            "lower(d) == t or len(d) > 1 or d + 1 > 2 or is_null(d)",
        ];
        let text = pick.iter().map(|k| format!("({})", RULES[*k])).collect::<Vec<_>>().join(" or ");
        assert_agree(&Expr::parse("r", &text).unwrap(), &batch);
    }
}
