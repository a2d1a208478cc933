//! Scaffolding for people writing scenarios: the commented template of `dyadsim init` and
//! the JSON Schema of `dyadsim schema`, both generated from the parameter table
//! ([`PARAM_SPECS`]) and the block keys, so they cannot drift from what the parser accepts.

use serde_json::{Map, Value, json};

use crate::model::params::{PARAM_SPECS, ParamKind, ParamSpec};
use crate::scenario::{self, ScenarioError};
use crate::science::{hypothesis, validation};

/// The sections of the parameter table, in table order (`""` for top-level parameters
/// such as `months`).
fn sections() -> Vec<&'static str> {
    let mut v: Vec<&str> = Vec::new();
    for s in PARAM_SPECS {
        let sec = s.path.split_once('.').map_or("", |(a, _)| a);
        if !v.contains(&sec) {
            v.push(sec);
        }
    }
    v
}

fn key(s: &ParamSpec) -> &'static str {
    s.path.split_once('.').map_or(s.path, |(_, k)| k)
}

fn default_text(s: &ParamSpec) -> String {
    match s.kind {
        ParamKind::Switch => (s.default == 1.0).to_string(),
        ParamKind::Integer => format!("{}", s.default as i64),
        ParamKind::Real => format!("{:?}", s.default),
    }
}

/// A commented scenario named `name` that runs as it is: every parameter is listed,
/// commented out, with its default, range, unit and meaning.
pub fn template(name: &str) -> Result<String, ScenarioError> {
    let mut t = format!(
        "# A dyadsim scenario. Check it with `dyadsim check {name}.toml`, run it with\n\
         # `dyadsim run {name}.toml`; results go to output/{name}/. Every parameter is listed\n\
         # below with its default; uncomment a line to change it. `dyadsim params` lists\n\
         # them too, and docs/MODEL.md says where each comes from.\n\n\
         [scenario]\n\
         name = \"{name}\"\n\
         description = \"\"\n\
         seed = 1                # master seed: same seed, same bytes\n\
         replications = 1000     # runs per design point\n\
         months = 60             # horizon\n\n\
         [output]\n\
         runs = true             # runs.csv, one row per run\n\
         timeseries = true       # timeseries.csv, monthly statistics\n\
         plots = true            # figures and report.html\n\
         # format = \"csv\"        # csv | parquet | both\n"
    );
    for sec in sections() {
        if sec.is_empty() {
            continue;
        }
        t.push_str(&format!("\n[params.{sec}]\n"));
        for s in PARAM_SPECS
            .iter()
            .filter(|s| s.path.starts_with(&format!("{sec}.")))
        {
            let range = match s.kind {
                ParamKind::Switch => "true/false".to_string(),
                _ => format!("{}..={}", s.min, s.max),
            };
            let unit = if s.unit.is_empty() || s.unit == "0..1" {
                String::new()
            } else {
                format!(", {}", s.unit)
            };
            t.push_str(&format!(
                "# {} = {}    # {range}{unit}: {}\n",
                key(s),
                default_text(s),
                s.doc
            ));
        }
    }
    t.push_str(
        "\n# Any parameter but `months` may be a distribution, drawn once per run (a population\n\
         # of dyads; see docs/SCENARIOS.md), e.g. under [params.supplier]:\n\
         # capability = { dist = \"beta\", a = 2, b = 5 }\n\
         # experience = { dist = \"normal\", mean = 0.3, sd = 0.2, min = 0.0, max = 0.8 }\n\
         # Also uniform (from, to), triangular (min, mode, max), lognormal (mu, sigma) and\n\
         # choice (values, weights).\n",
    );
    t.push_str(
        "\n# A sweep: every combination of the listed values (design = \"grid\"), a Latin\n\
         # hypercube (design = \"lhs\", samples = N), one factor at a time, or zip.\n\
         # [sweep]\n\
         # design = \"grid\"\n\
         # [sweep.buyer]\n\
         # champion = { values = [0.0, 0.5, 1.0] }\n\
         # engagement = { range = { from = 0.1, to = 0.9, steps = 5 } }\n",
    );
    // The template must be a valid scenario (the name is checked here too).
    scenario::parse(&t, &format!("{name}.toml"), Default::default())?;
    Ok(t)
}

fn param_schema(s: &ParamSpec) -> Value {
    let unit = if s.unit.is_empty() {
        String::new()
    } else {
        format!(" ({})", s.unit)
    };
    let description = format!(
        "{}{unit}. A value, or a distribution drawn once per run.",
        s.doc
    );
    // `minimum` and `maximum` constrain plain numbers; a distribution is an object, whose
    // support the parser checks against the range.
    match s.kind {
        ParamKind::Switch => json!({
            "anyOf": [{ "type": "boolean" }, { "$ref": "#/$defs/choice_switch" }],
            "default": s.default == 1.0,
            "description": description,
        }),
        ParamKind::Integer => json!({
            "anyOf": [{ "type": "integer" }, { "$ref": "#/$defs/choice" }],
            "minimum": s.min,
            "maximum": s.max,
            "default": s.default,
            "description": description,
        }),
        ParamKind::Real => json!({
            "anyOf": [{ "type": "number" }, { "$ref": "#/$defs/distribution" }],
            "minimum": s.min,
            "maximum": s.max,
            "default": s.default,
            "description": description,
        }),
    }
}

/// The distribution tables of `[params]` (`{ dist = "beta", a = 2, b = 5 }`, ...), one
/// schema per `dist` name with exactly its keys.
fn distribution_defs() -> Value {
    let number = json!({ "type": "number" });
    let positive = json!({ "type": "number", "exclusiveMinimum": 0 });
    let table = |name: &str, required: &[&str], props: Vec<(&str, Value)>| {
        let mut p = Map::new();
        p.insert("dist".into(), json!({ "const": name }));
        for (k, v) in props {
            p.insert(k.into(), v);
        }
        let mut req = vec!["dist"];
        req.extend(required);
        json!({ "type": "object", "additionalProperties": false, "required": req, "properties": p })
    };
    let weights =
        json!({ "type": "array", "minItems": 1, "items": { "type": "number", "minimum": 0 } });
    let choice = |item: Value| {
        table(
            "choice",
            &["values"],
            vec![
                (
                    "values",
                    json!({ "type": "array", "minItems": 1, "items": item }),
                ),
                ("weights", weights.clone()),
            ],
        )
    };
    json!({
        "distribution": {
            "description": "A distribution drawn once per run: beta, normal (truncated with min and max), uniform, triangular, lognormal or choice.",
            "oneOf": [
                table("beta", &["a", "b"], vec![("a", positive.clone()), ("b", positive.clone())]),
                table("normal", &["mean", "sd"], vec![
                    ("mean", number.clone()), ("sd", positive.clone()),
                    ("min", number.clone()), ("max", number.clone()),
                ]),
                table("uniform", &["from", "to"], vec![("from", number.clone()), ("to", number.clone())]),
                table("triangular", &["min", "mode", "max"], vec![
                    ("min", number.clone()), ("mode", number.clone()), ("max", number.clone()),
                ]),
                table("lognormal", &["mu", "sigma"], vec![("mu", number.clone()), ("sigma", positive)]),
                choice(number),
            ]
        },
        "choice": choice(json!({ "type": "integer" })),
        "choice_switch": choice(json!({ "type": "boolean" })),
    })
}

/// Insert `node` at the dotted `key` (`trust.damping`: a `trust` object holding `damping`),
/// as TOML reads `[params.coefficients.trust]` or `trust.damping = …`.
fn insert_nested(props: &mut Map<String, Value>, key: &str, node: Value) {
    match key.split_once('.') {
        None => {
            props.insert(key.to_string(), node);
        }
        Some((head, rest)) => {
            let entry = props
                .entry(head.to_string())
                .or_insert_with(|| object(Map::new()));
            if let Some(inner) = entry.get_mut("properties").and_then(Value::as_object_mut) {
                insert_nested(inner, rest, node);
            }
        }
    }
}

fn object(properties: Map<String, Value>) -> Value {
    json!({ "type": "object", "additionalProperties": false, "properties": properties })
}

fn keys_object(keys: &[&str]) -> Value {
    let props = keys.iter().map(|k| (k.to_string(), json!({}))).collect();
    object(props)
}

/// A parameter of `[sensitivity]`: a range `{ from, to }` or a distribution.
fn varied(s: &ParamSpec) -> Value {
    let dist = match s.kind {
        ParamKind::Switch => "#/$defs/choice_switch",
        ParamKind::Integer => "#/$defs/choice",
        ParamKind::Real => "#/$defs/distribution",
    };
    let bound = json!({ "type": ["number", "boolean"] });
    json!({
        "anyOf": [
            {
                "type": "object",
                "additionalProperties": false,
                "required": ["from", "to"],
                "properties": { "from": bound, "to": bound },
                "description": "Varied uniformly over from ..= to."
            },
            { "$ref": dist }
        ]
    })
}

/// The design keys of `[sensitivity]`.
fn sensitivity_keys(m: &mut Map<String, Value>) {
    let count = json!({ "type": "integer", "minimum": 1 });
    m.insert("design".into(), json!({ "enum": ["morris", "sobol"] }));
    for k in [
        "trajectories",
        "levels",
        "candidates",
        "samples",
        "replications",
        "bootstrap",
    ] {
        m.insert(k.into(), count.clone());
    }
    m.insert(
        "common_random_numbers".into(),
        json!({ "type": "boolean", "default": true }),
    );
    m.insert(
        "metrics".into(),
        json!({ "type": "array", "minItems": 1, "items": { "enum": crate::model::OUTCOME_METRICS.to_vec() } }),
    );
}

/// The `[calibration]` table (keys as `scenario::CALIBRATION_KEYS`).
fn calibration_schema() -> Value {
    let ids = json!({ "type": "array", "items": { "type": "string" } });
    let whole = json!({ "type": "integer", "minimum": 1 });
    let mut props = Map::new();
    for k in scenario::CALIBRATION_KEYS {
        let node = match k {
            "method" => json!({ "enum": ["smc", "rejection"], "default": "smc" }),
            "targets" | "held_out" => ids.clone(),
            "quantile" => json!({ "type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1 }),
            "min_acceptance" => json!({ "type": "number", "minimum": 0, "exclusiveMaximum": 1 }),
            "tolerance" => json!({ "type": "number", "minimum": 0 }),
            _ => whole.clone(),
        };
        props.insert(k.to_string(), node);
    }
    json!({ "type": "object", "additionalProperties": false, "properties": props })
}

/// The JSON Schema (draft 2020-12) of scenario files, as editors use it for TOML
/// (completion, ranges, descriptions).
pub fn schema() -> Value {
    let mut params = Map::new();
    let mut sweep = Map::new();
    let mut prior = Map::new();
    // A parameter in `[prior]` is a distribution, never a plain value.
    let prior_dist = |s: &ParamSpec| {
        json!({ "$ref": match s.kind {
            ParamKind::Switch => "#/$defs/choice_switch",
            ParamKind::Integer => "#/$defs/choice",
            ParamKind::Real => "#/$defs/distribution",
        }, "description": s.doc })
    };
    let mut sensitivity = Map::new();
    // A level of `values` is a value or, like a parameter in `[params]`, a distribution.
    let factor = |s: &ParamSpec| {
        let dist = match s.kind {
            ParamKind::Switch => "#/$defs/choice_switch",
            ParamKind::Integer => "#/$defs/choice",
            ParamKind::Real => "#/$defs/distribution",
        };
        json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "values": {
                    "type": "array",
                    "minItems": 1,
                    "items": { "anyOf": [{ "type": ["number", "boolean"] }, { "$ref": dist }] },
                    "description": "The levels: values, or distributions drawn once per run at their design point."
                },
                "range": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["from", "to"],
                    "properties": {
                        "from": { "type": "number" },
                        "to": { "type": "number" },
                        "steps": { "type": "integer", "minimum": 1 }
                    }
                }
            }
        })
    };
    for sec in sections() {
        let specs = PARAM_SPECS
            .iter()
            .filter(|s| s.path.split_once('.').map_or("", |(a, _)| a) == sec);
        if sec.is_empty() {
            for s in specs {
                params.insert(s.path.to_string(), param_schema(s));
            }
            continue;
        }
        let mut p = Map::new();
        let mut f = Map::new();
        let mut d = Map::new();
        let mut v = Map::new();
        for s in specs {
            insert_nested(&mut p, key(s), param_schema(s));
            insert_nested(&mut f, key(s), factor(s));
            insert_nested(&mut d, key(s), prior_dist(s));
            insert_nested(&mut v, key(s), varied(s));
        }
        params.insert(sec.to_string(), object(p));
        sweep.insert(sec.to_string(), object(f));
        prior.insert(sec.to_string(), object(d));
        sensitivity.insert(sec.to_string(), object(v));
    }
    sweep.insert(
        "design".into(),
        json!({ "enum": ["grid", "lhs", "one-at-a-time", "zip"], "default": "grid" }),
    );
    sweep.insert("samples".into(), json!({ "type": "integer", "minimum": 1 }));
    sweep.insert(
        "labels".into(),
        json!({
            "type": "array",
            "items": { "type": "string", "pattern": "^[A-Za-z0-9_-]+$" },
            "uniqueItems": true,
            "description": "One name per design point, in point order; [[pattern]] point = \"name\" scopes a pattern to that point."
        }),
    );
    sensitivity_keys(&mut sensitivity);
    let months = PARAM_SPECS
        .iter()
        .find(|s| s.path == "months")
        .map(param_schema)
        .unwrap_or_else(|| json!({ "type": "integer" }));
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "dyadsim scenario",
        "description": format!("A dyadsim {} scenario file (TOML).", env!("CARGO_PKG_VERSION")),
        "type": "object",
        "additionalProperties": false,
        "required": ["scenario"],
        "$defs": distribution_defs(),
        "properties": {
            "scenario": {
                "type": "object",
                "additionalProperties": false,
                "required": ["name"],
                "properties": {
                    "name": { "type": "string", "pattern": "^[A-Za-z0-9_-]+$", "description": "Names the output folder." },
                    "description": { "type": "string" },
                    "seed": { "type": "integer", "minimum": 0, "description": "Master seed: same seed, same bytes." },
                    "replications": { "type": "integer", "minimum": 1, "description": "Runs per design point." },
                    "months": months
                }
            },
            "params": object(params),
            "sweep": object(sweep),
            "coding": {
                "type": "object",
                "additionalProperties": false,
                "description": "Lower bounds of the asymmetry levels that [[pattern]] level = ... names (fixed, not estimated).",
                "properties": scenario::CODING_KEYS
                    .iter()
                    .map(|k| (k.to_string(), json!({ "type": "number" })))
                    .collect::<Map<String, Value>>()
            },
            "prior": object(prior),
            "sensitivity": object(sensitivity),
            "calibration": calibration_schema(),
            "output": {
                "type": "object",
                "additionalProperties": false,
                "properties": scenario::OUTPUT_KEYS
                    .iter()
                    .map(|k| {
                        let node = if *k == "format" {
                            json!({ "enum": ["csv", "parquet", "both"], "default": "csv" })
                        } else if *k == "summary" {
                            json!({
                                "enum": scenario::SummaryLayout::NAMES,
                                "description": "long up to 500 design points, wide beyond"
                            })
                        } else {
                            json!({ "type": "boolean", "default": true })
                        };
                        (k.to_string(), node)
                    })
                    .collect::<Map<String, Value>>()
            },
            "hypothesis": { "type": "array", "items": keys_object(&hypothesis::KEYS) },
            "pattern": {
                "type": "array",
                "items": {
                    "allOf": [keys_object(&validation::KEYS)],
                    "properties": {
                        "rule": { "enum": validation::RULES },
                        "level": { "enum": scenario::LEVELS }
                    }
                }
            }
        }
    })
}
