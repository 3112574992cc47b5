//! Differential test of the Terraform evaluator against `terraform console`.
//!
//! `tests/data/terraform_functions.tsv` holds expressions and what Terraform
//! v1.11 returned for `jsonencode(expression)` (or `!error`); it is produced by
//! `tests/data/gen_terraform_functions.sh` from `terraform_functions.txt`, so
//! this test needs no Terraform binary. Numbers compare with a relative
//! tolerance of 1e-12: Terraform computes with 512-bit floats, we with f64.

use std::path::Path;

use infra_lint::ingest::terraform::eval::eval_constant;
use infra_lint::ingest::terraform::value::json_encode;
use serde_json::Value;

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            x == y || ((x - y).abs() <= 1e-12 * x.abs().max(y.abs()))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

#[test]
fn function_table_matches_terraform() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/terraform_functions.tsv");
    let table = std::fs::read_to_string(&path).expect("the table exists");
    let mut rows = 0;
    let mut failures = Vec::new();
    for line in table.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let Some((expr, expected)) = line.split_once('\t') else {
            panic!("malformed row: {line}");
        };
        rows += 1;
        let got = eval_constant(expr);
        if expected == "!error" {
            if let Ok(v) = got {
                let mut s = String::new();
                let _ = json_encode(&v, &mut s);
                failures.push(format!("{expr}\n    expected an error, got {s}"));
            }
            continue;
        }
        let want: Value = serde_json::from_str(expected).expect("expected column is JSON");
        match got {
            Ok(v) => {
                let mut s = String::new();
                match json_encode(&v, &mut s) {
                    Ok(()) => {
                        let have: Value = serde_json::from_str(&s).expect("our JSON parses");
                        if !same(&have, &want) {
                            failures
                                .push(format!("{expr}\n    expected {expected}\n    got      {s}"));
                        }
                    }
                    Err(e) => failures.push(format!(
                        "{expr}\n    expected {expected}\n    got unencodable: {e}"
                    )),
                }
            }
            Err(e) => failures.push(format!(
                "{expr}\n    expected {expected}\n    got error: {}",
                e.0
            )),
        }
    }
    assert!(rows >= 150, "the table has only {rows} rows");
    assert!(
        failures.is_empty(),
        "{} of {rows} rows differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
