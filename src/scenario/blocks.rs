//! What every block of a scenario file shares: locating errors, naming blocks, suggesting
//! the nearest valid word, rejecting unknown keys, reading TOML numbers and setting
//! parameters from `[params]`-like tables. Written once here and used by the scenario
//! parser, hypotheses and patterns.

use thiserror::Error;
use toml::Spanned;

use super::ScenarioError;
use super::dist::{DistSite, parse_dist};
use crate::model::Params;
use crate::model::params::{PARAM_SPECS, ParamKind, ParamSpec, check_value, nearest, spec};
use crate::model::population::Dist;

/// `; did you mean `x`?` for the candidate nearest to `word`, or `otherwise`.
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl Iterator<Item = &'a str>,
    otherwise: &str,
) -> String {
    nearest(word, candidates)
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_else(|| otherwise.to_string())
}

/// `; did you mean `x`?` for the key nearest to `key`, else the list of valid keys.
pub(crate) fn key_hint(key: &str, keys: &[&str]) -> String {
    did_you_mean(
        key,
        keys.iter().copied(),
        &format!("; valid keys: {}", keys.join(", ")),
    )
}

/// A bad `[[hypothesis]]` or `[[pattern]]` block of a scenario file.
#[derive(Debug, Error)]
#[error(
    "{file}:{line}: [[{kind}]] {}: {}",
    super::shorten_words(block),
    super::shorten_words(message)
)]
pub struct BlockError {
    /// The kind of block, e.g. `hypothesis`.
    pub kind: &'static str,
    /// Scenario file.
    pub file: String,
    /// Line where the block starts.
    pub line: usize,
    /// The block's id, or its position when it has none.
    pub block: String,
    /// What is wrong, naming the key.
    pub message: String,
}

/// A `[[kind]]` block being validated: it names itself in every error.
pub(crate) struct Block<'a> {
    kind: &'static str,
    file: &'a str,
    line: usize,
    name: String,
}

impl<'a> Block<'a> {
    /// The `index`-th `[[kind]]` block of `file`, starting at `line`; its keys must be
    /// among `keys`.
    pub(crate) fn open(
        kind: &'static str,
        file: &'a str,
        line: usize,
        index: usize,
        t: &toml::Table,
        keys: &[&str],
    ) -> Result<Self, BlockError> {
        let name = t
            .get("id")
            .and_then(|v| v.as_str())
            .map_or_else(|| format!("#{}", index + 1), |s| format!("`{s}`"));
        let b = Block {
            kind,
            file,
            line,
            name,
        };
        match t.keys().find(|k| !keys.contains(&k.as_str())) {
            Some(k) => Err(b.err(format!("unknown key `{k}`{}", key_hint(k, keys)))),
            None => Ok(b),
        }
    }
    /// An error of this block.
    pub(crate) fn err(&self, message: String) -> BlockError {
        BlockError {
            kind: self.kind,
            file: self.file.to_string(),
            line: self.line,
            block: self.name.clone(),
            message,
        }
    }
}

/// A TOML integer or float as `f64`.
pub(crate) fn toml_number(v: &toml::Value) -> Option<f64> {
    match v {
        toml::Value::Float(f) => Some(*f),
        toml::Value::Integer(i) => Some(*i as f64),
        _ => None,
    }
}

/// Turns byte offsets of a scenario's text into `file:line:column` errors.
pub(crate) struct Locator<'a> {
    pub(crate) file: &'a str,
    pub(crate) text: &'a str,
}

impl Locator<'_> {
    pub(crate) fn at(&self, offset: usize, message: impl Into<String>) -> ScenarioError {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        // In characters, as editors count them.
        let column = before[before.rfind('\n').map_or(0, |i| i + 1)..]
            .chars()
            .count()
            + 1;
        ScenarioError {
            file: self.file.to_string(),
            line,
            column,
            message: message.into(),
        }
    }
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        self.at(offset, "").line
    }
}

pub(crate) fn sweep_candidates() -> Vec<&'static str> {
    let mut v: Vec<&str> = super::SWEEP_KEYS.to_vec();
    v.extend(sections());
    v
}

pub(crate) fn sections() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = PARAM_SPECS
        .iter()
        .filter_map(|s| s.path.split_once('.').map(|(a, _)| a))
        .collect();
    v.dedup();
    v
}

pub(crate) fn unknown_key(
    loc: &Locator,
    key: &Spanned<String>,
    table: &str,
    candidates: &[&str],
) -> ScenarioError {
    let k = key.get_ref();
    let hint = key_hint(k, candidates);
    loc.at(
        key.span().start,
        format!("unknown key `{k}` in [{table}]{hint}"),
    )
}

/// A distribution read from a parameter table, with the offset of its parameter's key.
pub(crate) type LocatedDist = (&'static ParamSpec, Dist, usize);

/// Set the parameters of `section` of a `[params]`-like table on `p`; distributions are
/// checked against their parameters and collected in `dists`.
pub(crate) fn set_nested(
    loc: &Locator,
    p: &mut Params,
    dists: &mut Vec<LocatedDist>,
    table: &str,
    section: &Spanned<String>,
    value: &Spanned<toml::Value>,
) -> Result<(), ScenarioError> {
    let sec = section.get_ref();
    let toml::Value::Table(t) = value.get_ref() else {
        // A top-level parameter such as `months`.
        return set_one(loc, p, dists, table, sec, section.span().start, value);
    };
    if spec(sec).is_some() {
        // A top-level parameter given a distribution.
        return set_one(loc, p, dists, table, sec, section.span().start, value);
    }
    if !sections().contains(&sec.as_str()) {
        return Err(unknown_key(loc, section, table, &sections()));
    }
    for (path, key, v) in leaves(sec, t) {
        // toml::Table loses spans; locate the key inside this section's text.
        let offset = find_key(loc.text, section.span().start, key).unwrap_or(section.span().start);
        let spanned = Spanned::new(offset..offset, v.clone());
        set_one(loc, p, dists, table, &path, offset, &spanned)?;
    }
    Ok(())
}

/// The entries of the table `t` at `prefix`, with sub-tables that only group parameters
/// (e.g. `[params.coefficients.trust]`) walked into: `(path, last key, value)`.
pub(crate) fn leaves<'t>(
    prefix: &str,
    t: &'t toml::Table,
) -> Vec<(String, &'t str, &'t toml::Value)> {
    let mut out = Vec::new();
    for (k, v) in t {
        let path = format!("{prefix}.{k}");
        let groups = spec(&path).is_none()
            && PARAM_SPECS
                .iter()
                .any(|s| s.path.starts_with(&format!("{path}.")));
        match v {
            toml::Value::Table(sub) if groups => out.extend(leaves(&path, sub)),
            _ => out.push((path, k.as_str(), v)),
        }
    }
    out
}

pub(crate) fn find_key(text: &str, from: usize, key: &str) -> Option<usize> {
    let mut pos = from.min(text.len());
    while let Some(i) = text[pos..].find(key) {
        let at = pos + i;
        let before_ok = at == 0
            || text[..at]
                .chars()
                .last()
                .is_some_and(|c| c.is_whitespace() || c == '{' || c == ',' || c == '"');
        let after = text[at + key.len()..].trim_start_matches(['"', ' ', '\t']);
        if before_ok && after.starts_with('=') {
            return Some(at);
        }
        pos = at + key.len();
    }
    None
}

/// `unknown parameter `path` in [table]` with the nearest valid path.
pub(crate) fn unknown_param(
    loc: &Locator,
    offset: usize,
    path: &str,
    table: &str,
) -> ScenarioError {
    let hint = did_you_mean(path, PARAM_SPECS.iter().map(|s| s.path), "");
    loc.at(
        offset,
        format!("unknown parameter `{path}` in [{table}]{hint}"),
    )
}

/// A parameter value: a number, or a boolean as 1 or 0.
pub(crate) fn value_as_f64(v: &toml::Value) -> Option<f64> {
    match v {
        toml::Value::Boolean(b) => Some(if *b { 1.0 } else { 0.0 }),
        other => toml_number(other),
    }
}

fn set_one(
    loc: &Locator,
    p: &mut Params,
    dists: &mut Vec<LocatedDist>,
    table: &str,
    path: &str,
    offset: usize,
    value: &Spanned<toml::Value>,
) -> Result<(), ScenarioError> {
    let Some(s) = spec(path) else {
        return Err(unknown_param(loc, offset, path, table));
    };
    if let toml::Value::Table(t) = value.get_ref() {
        let site = DistSite {
            loc,
            table,
            spec: s,
            offset,
            item: None,
        };
        let d = parse_dist(&site, t)?;
        d.check(s).map_err(|e| site.check_err(&e))?;
        dists.push((s, d, offset));
        return Ok(());
    }
    let v = value_as_f64(value.get_ref())
        .ok_or_else(|| loc.at(offset, format!("`{path}` must be a {}", kind_word(s.kind))))?;
    if s.kind == ParamKind::Switch && !matches!(value.get_ref(), toml::Value::Boolean(_)) {
        return Err(loc.at(offset, format!("`{path}` must be true or false")));
    }
    check_value(s, v).map_err(|e| loc.at(offset, format!("[{table}] {e}")))?;
    s.set(p, v);
    Ok(())
}

pub(crate) fn kind_word(k: ParamKind) -> &'static str {
    match k {
        ParamKind::Real => "number",
        ParamKind::Integer => "whole number",
        ParamKind::Switch => "boolean",
    }
}
