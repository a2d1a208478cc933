//! The classroom's JSON API as a function of (method, path, body): no sockets here, so every
//! answer can be tested directly. `docs/CLASSROOM.md` documents each endpoint.
//!
//! Every run is the embedded baseline scenario with the request's parameters set exactly as
//! `dyadsim trace --set path=value` sets them ([`crate::scenario::apply_sets`]), so
//! `/api/run` gives the numbers of `dyadsim trace --csv` for the same overrides and seed,
//! and `/api/ensemble` those `dyadsim run` aggregates for the exported scenario.

use std::sync::OnceLock;

use serde_json::{Map, Value, json};

use super::assets::asset;
use super::presets::presets;
use crate::experiment::aggregate_point;
use crate::model::params::{ParamKind, check_value, nearest, spec};
use crate::model::{Level, OUTCOME_METRICS, PARAM_SPECS, RunOutcome, TRAJECTORY_METRICS};
use crate::output::trace;
use crate::scenario::{self, Overrides, Scenario};
use crate::science::hypothesis::{self, Hypothesis};
use crate::science::propositions::{self, HypothesisSet};
use crate::stats::SPREAD;

/// Largest number of runs of one `/api/ensemble` request.
pub const MAX_RUNS: u64 = 20_000;
/// Longest horizon of one request, months.
pub const MAX_MONTHS: u64 = 600;
/// Largest number of replications of one `/api/hypothesis` request.
pub const MAX_REPS: u64 = 20_000;
/// Runs of an ensemble when the request does not say.
pub const DEFAULT_RUNS: u64 = 1000;
/// Replications of a hypothesis when the request does not say.
pub const DEFAULT_REPS: u64 = 1000;
/// Seed of a run when the request does not say (as `dyadsim trace`).
pub const DEFAULT_SEED: u64 = 1;

/// An HTTP answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Content type.
    pub content_type: &'static str,
    /// Body.
    pub body: Vec<u8>,
}

impl Reply {
    fn json(status: u16, v: &Value) -> Reply {
        Reply {
            status,
            content_type: "application/json",
            body: serde_json::to_vec(v).unwrap_or_default(),
        }
    }
    /// A JSON error `{"error": message, "field": field}` with `status`.
    pub fn error(status: u16, field: Option<&str>, message: String) -> Reply {
        let mut m = Map::new();
        m.insert("error".into(), Value::String(message));
        if let Some(f) = field {
            m.insert("field".into(), Value::String(f.to_string()));
        }
        Reply::json(status, &Value::Object(m))
    }
}

/// A request that cannot be answered: status, the field at fault, the message.
#[derive(Clone, Debug)]
struct Bad {
    status: u16,
    field: Option<String>,
    message: String,
}

fn bad(field: &str, message: impl Into<String>) -> Bad {
    Bad {
        status: 400,
        field: Some(field.to_string()),
        message: message.into(),
    }
}

impl From<Bad> for Reply {
    fn from(b: Bad) -> Reply {
        Reply::error(b.status, b.field.as_deref(), b.message)
    }
}

/// The endpoints, for `did you mean` on an unknown path.
const ENDPOINTS: [(&str, &str); 8] = [
    ("GET", "/api/params"),
    ("GET", "/api/presets"),
    ("GET", "/api/hypotheses"),
    ("POST", "/api/run"),
    ("POST", "/api/ensemble"),
    ("POST", "/api/hypothesis"),
    ("POST", "/api/scenario"),
    ("GET", "/api/health"),
];

/// Whether a request runs many simulations (and counts against the server's cap on heavy
/// requests); one run of `/api/run` takes well under a millisecond a year of months.
pub fn is_heavy(method: &str, path: &str) -> bool {
    method == "POST" && matches!(path, "/api/ensemble" | "/api/hypothesis")
}

/// Answer one request.
pub fn handle(method: &str, path: &str, body: &[u8]) -> Reply {
    let result = match (method, path) {
        ("GET" | "HEAD", "/api/params") => Ok(params_json()),
        ("GET" | "HEAD", "/api/presets") => Ok(presets_json()),
        ("GET" | "HEAD", "/api/hypotheses") => hypotheses_json(),
        ("GET" | "HEAD", "/api/health") => {
            Ok(json!({"ok": true, "version": env!("CARGO_PKG_VERSION")}))
        }
        ("POST", "/api/run") => parse_body(body).and_then(|v| run(&v)),
        ("POST", "/api/ensemble") => parse_body(body).and_then(|v| ensemble(&v)),
        ("POST", "/api/hypothesis") => parse_body(body).and_then(|v| hypothesis_run(&v)),
        ("POST", "/api/scenario") => parse_body(body).and_then(|v| scenario_toml(&v)),
        ("GET" | "HEAD", p) if !p.starts_with("/api/") => {
            return match asset(p) {
                Some((t, b)) => Reply {
                    status: 200,
                    content_type: t,
                    body: b.to_vec(),
                },
                None => Reply::error(404, None, format!("no page at `{p}`")),
            };
        }
        (m, p) => {
            return if let Some((want, _)) = ENDPOINTS.iter().find(|(_, e)| *e == p) {
                Reply::error(405, None, format!("{p} takes {want}, not {m}"))
            } else {
                let hint = nearest(p, ENDPOINTS.iter().map(|(_, e)| *e))
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                Reply::error(404, None, format!("no endpoint `{m} {p}`{hint}"))
            };
        }
    };
    match result {
        Ok(v) => Reply::json(200, &v),
        Err(b) => b.into(),
    }
}

fn parse_body(body: &[u8]) -> Result<Value, Bad> {
    let text = std::str::from_utf8(body).map_err(|_| bad("body", "the body is not UTF-8"))?;
    if text.trim().is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    let v: Value =
        serde_json::from_str(text).map_err(|e| bad("body", format!("malformed JSON: {e}")))?;
    if !v.is_object() {
        return Err(bad("body", "the body must be a JSON object"));
    }
    Ok(v)
}

/// The object's fields, after checking every key is one of `keys`.
fn fields<'a>(v: &'a Value, keys: &[&str]) -> Result<&'a Map<String, Value>, Bad> {
    let m = v
        .as_object()
        .ok_or_else(|| bad("body", "expected a JSON object"))?;
    for k in m.keys() {
        if !keys.contains(&k.as_str()) {
            let hint = nearest(k, keys.iter().copied())
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_else(|| format!("; fields: {}", keys.join(", ")));
            return Err(bad(k, format!("unknown field `{k}`{hint}")));
        }
    }
    Ok(m)
}

/// An optional whole number in `min..=max`.
fn uint(m: &Map<String, Value>, key: &str, min: u64, max: u64) -> Result<Option<u64>, Bad> {
    let Some(v) = m.get(key) else {
        return Ok(None);
    };
    let n = v.as_u64().ok_or_else(|| {
        bad(
            key,
            format!("`{key}` must be a whole number from {min} to {max}, not {v}"),
        )
    })?;
    if n < min || n > max {
        let status = if n > max { 413 } else { 400 };
        return Err(Bad {
            status,
            field: Some(key.to_string()),
            message: format!("`{key}` = {n} is out of range: allowed {min} ..= {max}"),
        });
    }
    Ok(Some(n))
}

/// The request's parameter overrides, each checked against the parameter table.
fn overrides(m: &Map<String, Value>) -> Result<Vec<(&'static str, f64)>, Bad> {
    let Some(v) = m.get("params") else {
        return Ok(Vec::new());
    };
    let obj = v.as_object().ok_or_else(|| {
        bad(
            "params",
            "`params` must be an object of parameter paths and values, e.g. {\"buyer.champion\": 0.8}",
        )
    })?;
    let mut out = Vec::with_capacity(obj.len());
    for (path, value) in obj {
        let field = format!("params.{path}");
        if path == "months" {
            return Err(bad(
                &field,
                "set the horizon with the request's `months` field, not in `params`",
            ));
        }
        let Some(s) = spec(path) else {
            let hint = nearest(path, PARAM_SPECS.iter().map(|s| s.path))
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            return Err(bad(&field, format!("unknown parameter `{path}`{hint}")));
        };
        let x = match (value, s.kind) {
            (Value::Bool(b), ParamKind::Switch) => f64::from(u8::from(*b)),
            (Value::Number(n), _) => n.as_f64().unwrap_or(f64::NAN),
            _ => {
                let want = match s.kind {
                    ParamKind::Switch => "true or false",
                    ParamKind::Integer => "a whole number",
                    ParamKind::Real => "a number",
                };
                return Err(bad(&field, format!("`{path}` must be {want}, not {value}")));
            }
        };
        check_value(s, x).map_err(|e| bad(&field, e.to_string()))?;
        out.push((s.path, x));
    }
    Ok(out)
}

/// `--set` arguments for `overrides` (switches as `true`/`false`, numbers as Rust writes
/// them: the shortest text that reads back as the same number).
fn set_args(overrides: &[(&'static str, f64)]) -> Vec<String> {
    overrides
        .iter()
        .map(|(path, x)| match spec(path).map(|s| s.kind) {
            Some(ParamKind::Switch) => format!("{path}={}", *x == 1.0),
            _ => format!("{path}={x}"),
        })
        .collect()
}

/// The embedded baseline with `overrides` and the horizon `months` (the baseline's when
/// `None`), as `dyadsim trace --set` builds it.
fn build(overrides: &[(&'static str, f64)], months: Option<u64>) -> Result<Scenario, Bad> {
    let mut sets = set_args(overrides);
    if let Some(m) = months {
        sets.push(format!("scenario.months={m}"));
    }
    let (s, _) = scenario::load_with(None, Overrides::default(), &sets)
        .map_err(|e| bad("params", e.message))?;
    Ok(s)
}

fn finite(x: f64) -> Value {
    if x.is_finite() { json!(x) } else { Value::Null }
}

fn params_json() -> Value {
    let list: Vec<Value> = PARAM_SPECS
        .iter()
        .map(|s| {
            json!({
                "path": s.path,
                "kind": match s.kind {
                    ParamKind::Real => "real",
                    ParamKind::Integer => "integer",
                    ParamKind::Switch => "switch",
                },
                "default": s.default,
                "min": s.min,
                "max": s.max,
                "unit": s.unit,
                "meaning": s.doc,
            })
        })
        .collect();
    json!({ "params": list })
}

fn presets_json() -> Value {
    let list: Vec<Value> = presets()
        .iter()
        .map(|p| {
            let params: Map<String, Value> = p
                .params
                .iter()
                .map(|(k, v)| ((*k).to_string(), json!(v)))
                .collect();
            json!({
                "id": p.id,
                "name": p.name,
                "description": p.description,
                "months": p.months,
                "params": params,
            })
        })
        .collect();
    json!({ "presets": list })
}

fn outcome_json(o: &RunOutcome) -> Value {
    let metrics: Map<String, Value> = OUTCOME_METRICS
        .iter()
        .zip(o.metrics())
        .map(|(k, v)| ((*k).to_string(), finite(v)))
        .collect();
    json!({
        "final_phase": o.final_phase.as_str(),
        "end_reason": o.end_reason.as_str(),
        "path": o.path.code(),
        "months": o.months,
        "metrics": metrics,
    })
}

/// `POST /api/run`: one run month by month.
fn run(v: &Value) -> Result<Value, Bad> {
    let m = fields(v, &["params", "seed", "months", "csv"])?;
    let ov = overrides(m)?;
    let seed = uint(m, "seed", 0, u64::MAX)?.unwrap_or(DEFAULT_SEED);
    let months = uint(m, "months", 1, MAX_MONTHS)?;
    let csv = match m.get("csv") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(bad(
                "csv",
                format!("`csv` must be true or false, not {other}"),
            ));
        }
    };
    let s = build(&ov, months)?;
    let dp = &s.points.at(0);
    let params = dp.realise(seed);
    let story = trace::story(&params, seed);
    let (rows, outcome) = trace::months(&params, seed);
    let mut lines = story.lines.iter().peekable();
    let trace_rows: Vec<Value> = rows
        .iter()
        .map(|t| {
            let r = &t.record;
            let mut o = match serde_json::to_value(r) {
                Ok(Value::Object(o)) => o,
                _ => Map::new(),
            };
            for (_, v) in o.iter_mut() {
                if let Some(x) = v.as_f64()
                    && !x.is_finite()
                {
                    *v = Value::Null;
                }
            }
            o.insert("phase".into(), json!(r.phase.as_str()));
            o.insert("events".into(), json!(r.events.0));
            o.insert(
                "level".into(),
                json!(Level::of(r.asymmetry, &params.power).letter().to_string()),
            );
            o.insert("crisis".into(), json!(u8::from(t.crisis)));
            o.insert(
                "event_names".into(),
                json!(r.events.names().collect::<Vec<_>>()),
            );
            let mut said = Vec::new();
            while let Some((_, text)) = lines.next_if(|(mm, _)| *mm == r.month) {
                said.push(text.clone());
            }
            o.insert("narrative".into(), json!(said));
            Value::Object(o)
        })
        .collect();
    let drawn: Map<String, Value> = dp
        .population
        .draws(seed)
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    let mut out = json!({
        "seed": seed,
        "months": params.months,
        "levels": { "low": params.power.level_low, "high": params.power.level_high },
        "drawn": drawn,
        "intro": story.intro,
        "end": story.end,
        "trace": trace_rows,
        "outcome": outcome_json(&outcome),
    });
    if csv {
        let text = String::from_utf8(trace::csv_bytes(&params, &rows)).unwrap_or_default();
        out["csv"] = json!(text);
    }
    Ok(out)
}

/// `POST /api/ensemble`: the aggregates of many runs of the same settings.
fn ensemble(v: &Value) -> Result<Value, Bad> {
    let m = fields(v, &["params", "seed", "months", "runs"])?;
    let ov = overrides(m)?;
    let seed = uint(m, "seed", 0, u64::MAX)?.unwrap_or(DEFAULT_SEED);
    let months = uint(m, "months", 1, MAX_MONTHS)?;
    let runs = uint(m, "runs", 1, MAX_RUNS)?.unwrap_or(DEFAULT_RUNS);
    let mut s = build(&ov, months)?;
    s.seed = seed;
    let agg = aggregate_point(&s, 0, runs);
    let horizon = agg.months();
    let mut mean = Map::new();
    for (j, name) in TRAJECTORY_METRICS.iter().enumerate() {
        let col: Vec<Value> = (0..horizon)
            .map(|t| finite(agg.cell(t, j).mean()))
            .collect();
        mean.insert((*name).to_string(), Value::Array(col));
    }
    let mut pct: [Map<String, Value>; 3] = Default::default();
    for sm in &SPREAD {
        let cols: Vec<[f64; 3]> = (0..horizon).map(|t| agg.percentiles(t, sm.traj)).collect();
        for (k, map) in pct.iter_mut().enumerate() {
            let col: Vec<Value> = cols.iter().map(|q| finite(q[k])).collect();
            map.insert(sm.name.to_string(), Value::Array(col));
        }
    }
    let alive: Vec<u64> = (0..horizon).map(|t| agg.cell(t, 0).n).collect();
    let mut phases = Map::new();
    for (k, name) in ["preparation", "execution", "integration", "dissolved"]
        .iter()
        .enumerate()
    {
        let col: Vec<Value> = agg
            .phases
            .iter()
            .map(|c| finite(c[k] as f64 / agg.runs as f64))
            .collect();
        phases.insert((*name).to_string(), Value::Array(col));
    }
    let mut outcomes = Map::new();
    for (j, name) in OUTCOME_METRICS.iter().enumerate() {
        let acc = &agg.outcomes[j];
        let (mu, sd, lo, hi) = acc.stats(RunOutcome::BINARY[j]);
        outcomes.insert(
            (*name).to_string(),
            json!({"mean": finite(mu), "sd": finite(sd), "ci_low": finite(lo), "ci_high": finite(hi), "n": acc.n}),
        );
    }
    let [p10, p50, p90] = pct;
    Ok(json!({
        "runs": agg.runs,
        "seed": seed,
        "months": horizon,
        "alive": alive,
        "mean": mean,
        "p10": p10,
        "p50": p50,
        "p90": p90,
        "phase_share": phases,
        "outcomes": outcomes,
    }))
}

fn battery() -> Result<&'static [HypothesisSet], Bad> {
    static SETS: OnceLock<Result<Vec<HypothesisSet>, String>> = OnceLock::new();
    SETS.get_or_init(|| propositions::battery(Overrides::default()).map_err(|e| e.to_string()))
        .as_deref()
        .map_err(|e| Bad {
            status: 500,
            field: None,
            message: format!("the shipped battery is invalid: {e}"),
        })
}

fn hypothesis_info(set: &HypothesisSet, h: &Hypothesis) -> Value {
    json!({
        "id": h.id,
        "statement": h.statement,
        "file": set.file,
        "factor": h.factor.path,
        "levels": h.levels,
        "metric": h.metric.to_string(),
        "at": h.at.to_string(),
        "condition": h.condition.map(|c| c.to_string()),
        "expect": h.expect.as_str(),
        "smallest_effect": h.smallest_effect,
        "file_reps": set.scenario.replications,
        "file_seed": set.scenario.seed,
    })
}

fn hypotheses_json() -> Result<Value, Bad> {
    let list: Vec<Value> = battery()?
        .iter()
        .flat_map(|set| set.hypotheses.iter().map(move |h| hypothesis_info(set, h)))
        .collect();
    Ok(json!({ "hypotheses": list }))
}

/// `POST /api/hypothesis`: one hypothesis of the shipped battery.
fn hypothesis_run(v: &Value) -> Result<Value, Bad> {
    let m = fields(v, &["id", "reps", "seed"])?;
    let sets = battery()?;
    let id = match m.get("id") {
        Some(Value::String(s)) => s.as_str(),
        Some(other) => return Err(bad("id", format!("`id` must be a string, not {other}"))),
        None => {
            return Err(bad(
                "id",
                "`id` is required, e.g. \"C1a\" (GET /api/hypotheses lists them)",
            ));
        }
    };
    let all = || {
        sets.iter()
            .flat_map(|s| s.hypotheses.iter().map(move |h| (s, h)))
    };
    let Some((set, h)) = all().find(|(_, h)| h.id == id) else {
        let hint = nearest(id, all().map(|(_, h)| h.id.as_str()))
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        return Err(bad("id", format!("unknown hypothesis `{id}`{hint}")));
    };
    let reps = uint(m, "reps", 2, MAX_REPS)?.unwrap_or(DEFAULT_REPS);
    let seed = uint(m, "seed", 0, u64::MAX)?.unwrap_or(set.scenario.seed);
    let r = hypothesis::test(h, &set.scenario.base, &set.scenario.population, reps, seed);
    let t = &r.test;
    Ok(json!({
        "hypothesis": hypothesis_info(set, h),
        "reps": reps,
        "seed": seed,
        "level_means": r.level_means.iter().map(|x| finite(*x)).collect::<Vec<_>>(),
        "effect": finite(t.diff_mean),
        "ci": [finite(t.ci_lo), finite(t.ci_hi)],
        "effect_size": finite(t.effect_size),
        "p_value": finite(t.p_value),
        "n": t.n,
        "dropped": r.dropped,
        "verdict": r.verdict.as_str(),
    }))
}

/// `POST /api/scenario`: the settings as a scenario file for `dyadsim run`.
fn scenario_toml(v: &Value) -> Result<Value, Bad> {
    let m = fields(v, &["params", "seed", "months", "runs", "name"])?;
    let ov = overrides(m)?;
    let seed = uint(m, "seed", 0, u64::MAX)?.unwrap_or(DEFAULT_SEED);
    let months = uint(m, "months", 1, MAX_MONTHS)?;
    let runs = uint(m, "runs", 1, MAX_RUNS)?.unwrap_or(DEFAULT_RUNS);
    let name = match m.get("name") {
        None => "classroom".to_string(),
        Some(Value::String(s))
            if !s.is_empty()
                && s.len() <= 64
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') =>
        {
            s.clone()
        }
        Some(other) => {
            return Err(bad(
                "name",
                format!("`name` must be 1 to 64 letters, digits, '_' or '-', not {other}"),
            ));
        }
    };
    let mut sets = set_args(&ov);
    sets.push(format!("scenario.name={name}"));
    sets.push(format!("scenario.seed={seed}"));
    sets.push(format!("scenario.replications={runs}"));
    if let Some(mo) = months {
        sets.push(format!("scenario.months={mo}"));
    }
    let body = scenario::apply_sets(scenario::BASELINE_TOML, "baseline", &sets)
        .map_err(|e| bad("params", e.message))?;
    let header = format!(
        "# Written by `dyadsim classroom`: the embedded baseline population with the page's\n\
         # settings (the parameters it fixes replace their distributions). Run it with\n\
         # `dyadsim run {name}.toml`; `dyadsim trace {name}.toml --seed S` replays the page's\n\
         # dyad with seed S.\n\n"
    );
    let text = header + &body;
    // What the page hands out must run.
    scenario::parse(&text, &format!("{name}.toml"), Overrides::default())
        .map_err(|e| bad("params", e.message))?;
    Ok(json!({ "file_name": format!("{name}.toml"), "toml": text }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(method: &str, path: &str, body: &str) -> (u16, Value) {
        let r = handle(method, path, body.as_bytes());
        let v = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
        (r.status, v)
    }

    #[test]
    fn run_month_rows_carry_every_trace_column() {
        let (st, v) = call("POST", "/api/run", r#"{"seed": 3, "months": 12}"#);
        assert_eq!(st, 200, "{v}");
        let rows = v["trace"].as_array().unwrap();
        assert_eq!(rows.len(), 12);
        for col in trace::TRACE_COLUMNS {
            assert!(rows[0].get(col).is_some(), "missing {col}");
        }
        assert!(
            rows[0]["narrative"][0]
                .as_str()
                .unwrap()
                .starts_with("preparation starts")
        );
    }

    #[test]
    fn errors_name_the_field() {
        let (st, v) = call("POST", "/api/run", r#"{"params": {"buyer.champoin": 1}}"#);
        assert_eq!(st, 400);
        assert_eq!(v["field"], "params.buyer.champoin");
        assert!(
            v["error"]
                .as_str()
                .unwrap()
                .contains("did you mean `buyer.champion`")
        );
        let (st, v) = call("POST", "/api/ensemble", r#"{"runs": 20001}"#);
        assert_eq!((st, v["field"].as_str()), (413, Some("runs")));
        let (st, v) = call("POST", "/api/run", r#"{"sed": 1}"#);
        assert_eq!((st, v["field"].as_str()), (400, Some("sed")));
        assert!(v["error"].as_str().unwrap().contains("`seed`"));
    }

    #[test]
    fn exported_scenario_parses_with_the_settings() {
        let (st, v) = call(
            "POST",
            "/api/scenario",
            r#"{"params": {"buyer.champion": 0.8, "mechanisms.champion": false}, "seed": 9, "months": 24, "runs": 50}"#,
        );
        assert_eq!(st, 200, "{v}");
        let (s, _) =
            scenario::parse(v["toml"].as_str().unwrap(), "x", Overrides::default()).unwrap();
        assert_eq!((s.seed, s.replications, s.base.months), (9, 50, 24));
        assert_eq!(s.base.buyer.champion, 0.8);
        assert!(!s.base.mechanisms.champion);
    }
}
