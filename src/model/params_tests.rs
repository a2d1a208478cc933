//! Tests of the parameter table.

use super::*;

#[test]
fn defaults_are_valid_and_match_specs() {
    let p = Params::default();
    p.validate().unwrap();
    for s in PARAM_SPECS {
        assert_eq!(s.get(&p), s.default, "{}", s.path);
    }
}

#[test]
fn every_serialised_field_has_exactly_one_spec() {
    // Walk the serialised Params and compare its leaf paths with the spec table.
    let v = serde_json::to_value(Params::default()).unwrap();
    let mut leaves = Vec::new();
    fn walk(prefix: &str, v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    let p = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&p, v, out);
                }
            }
            _ => out.push(prefix.to_string()),
        }
    }
    walk("", &v, &mut leaves);
    leaves.sort();
    let mut paths: Vec<String> = PARAM_SPECS.iter().map(|s| s.path.to_string()).collect();
    paths.sort();
    assert_eq!(leaves, paths);
}

#[test]
fn negative_rate_is_rejected_naming_the_field() {
    let mut p = Params::default();
    p.dynamics.learning_rate = -0.1;
    let e = p.validate().unwrap_err();
    assert!(e.to_string().contains("dynamics.learning_rate"), "{e}");
    assert!(e.to_string().contains("out of range"), "{e}");
}

#[test]
fn probability_above_one_is_rejected() {
    let mut p = Params::default();
    p.dynamics.exit_hazard = 1.5;
    let e = p.validate().unwrap_err();
    assert!(matches!(
        e,
        ParamError::OutOfRange {
            path: "dynamics.exit_hazard",
            ..
        }
    ));
}

#[test]
fn thresholds_out_of_order_are_rejected() {
    let mut p = Params::default();
    p.power.level_low = 0.5;
    p.power.level_high = 0.2;
    let e = p.validate().unwrap_err();
    assert!(e.to_string().contains("power.level_low"), "{e}");
    assert!(e.to_string().contains("power.level_high"), "{e}");
}

#[test]
fn nan_and_fractional_integers_are_rejected() {
    let mut p = Params::default();
    assert!(matches!(
        p.set("supplier.capability", f64::NAN),
        Err(ParamError::NotFinite { .. })
    ));
    assert!(matches!(
        p.set("months", 12.5),
        Err(ParamError::WrongKind { .. })
    ));
}

#[test]
fn unknown_path_suggests_nearest() {
    let mut p = Params::default();
    let e = p.set("supplier.capabilty", 0.3).unwrap_err();
    assert_eq!(
        e,
        ParamError::Unknown {
            path: "supplier.capabilty".into(),
            suggestion: Some("supplier.capability")
        }
    );
}
