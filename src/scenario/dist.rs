//! Distributions in `[params]` and among a sweep's `values`: `capability = { dist = "beta",
//! a = 2, b = 5 }` read into a [`Dist`], every problem located at the key it is about.

use super::ScenarioError;
use super::blocks::{Locator, did_you_mean, find_key, key_hint, toml_number};
use crate::model::params::{ParamKind, ParamSpec};
use crate::model::population::{Dist, DistError};

/// Where a distribution's table is: the parameter's key in the text.
pub(crate) struct DistSite<'a> {
    pub(crate) loc: &'a Locator<'a>,
    /// Table name for messages (`params`).
    pub(crate) table: &'a str,
    pub(crate) spec: &'static ParamSpec,
    /// Offset of the parameter's key (for a sweep level: of the level's table).
    pub(crate) offset: usize,
    /// For a distribution among a sweep's `values`: its index there.
    pub(crate) item: Option<usize>,
}

impl DistSite<'_> {
    /// An error at `key` of the distribution's table (or at the parameter when not found).
    pub(crate) fn err(&self, key: Option<&str>, message: impl std::fmt::Display) -> ScenarioError {
        let at = key
            .and_then(|k| find_key(self.loc.text, self.offset, k))
            .filter(|at| {
                // Only inside the parameter's own table (before the next table header).
                !self.loc.text[self.offset..*at].contains("\n[")
            })
            .unwrap_or(self.offset);
        let item = self
            .item
            .map_or_else(String::new, |i| format!(" values[{i}]"));
        self.loc.at(
            at,
            format!("[{}] `{}`{item}: {message}", self.table, self.spec.path),
        )
    }

    /// The error of [`Dist::check`].
    pub(crate) fn check_err(&self, e: &DistError) -> ScenarioError {
        self.err(e.key, &e.message)
    }
}

/// Read the distribution table `t` of parameter `site.spec` (not yet checked against the
/// parameter's range: see [`Dist::check`]).
pub(crate) fn parse_dist(site: &DistSite, t: &toml::Table) -> Result<Dist, ScenarioError> {
    let spec = site.spec;
    let name = match t.get("dist") {
        Some(toml::Value::String(s)) => s.as_str(),
        Some(_) => {
            return Err(site.err(
                Some("dist"),
                "`dist` must be a string naming the distribution",
            ));
        }
        None => {
            let hint = t
                .keys()
                .find_map(|k| crate::model::params::nearest(k, ["dist"].into_iter()))
                .map(|_| "; did you mean `dist`?")
                .unwrap_or("");
            return Err(site.err(
                None,
                format!(
                    "must be a {} or a distribution such as {{ dist = \"{}\", ... }}{hint}",
                    super::blocks::kind_word(spec.kind),
                    if spec.kind == ParamKind::Real {
                        "beta"
                    } else {
                        "choice"
                    }
                ),
            ));
        }
    };
    if !Dist::NAMES.contains(&name) {
        let hint = did_you_mean(
            name,
            Dist::NAMES.iter().copied(),
            &format!("; known distributions: {}", Dist::NAMES.join(", ")),
        );
        return Err(site.err(Some("dist"), format!("unknown distribution `{name}`{hint}")));
    }
    let keys = Dist::keys(name);
    for k in t.keys() {
        if k != "dist" && !keys.contains(&k.as_str()) {
            let mut all = vec!["dist"];
            all.extend(keys);
            let hint = key_hint(k, &all);
            return Err(site.err(
                Some(k),
                format!("unknown key `{k}` of a {name} distribution{hint}"),
            ));
        }
    }
    let num = |k: &str| -> Result<Option<f64>, ScenarioError> {
        match t.get(k) {
            None => Ok(None),
            Some(v) => toml_number(v)
                .map(Some)
                .ok_or_else(|| site.err(Some(k), format!("{name} `{k}` must be a number"))),
        }
    };
    let need = |k: &str| -> Result<f64, ScenarioError> {
        num(k)?.ok_or_else(|| {
            site.err(
                None,
                format!(
                    "a {name} distribution needs `{k}` (keys: {})",
                    keys.join(", ")
                ),
            )
        })
    };
    let list = |k: &str, switch: bool| -> Result<Option<Vec<f64>>, ScenarioError> {
        let Some(v) = t.get(k) else { return Ok(None) };
        let toml::Value::Array(a) = v else {
            return Err(site.err(Some(k), format!("choice `{k}` must be an array")));
        };
        a.iter()
            .map(|x| match (x, switch) {
                (toml::Value::Boolean(b), true) => Ok(if *b { 1.0 } else { 0.0 }),
                (_, true) => Err(site.err(
                    Some(k),
                    format!("choice `{k}` of a switch must be true or false"),
                )),
                (x, false) => toml_number(x)
                    .ok_or_else(|| site.err(Some(k), format!("choice `{k}` must be numbers"))),
            })
            .collect::<Result<Vec<f64>, _>>()
            .map(Some)
    };
    Ok(match name {
        "beta" => Dist::Beta {
            a: need("a")?,
            b: need("b")?,
        },
        "normal" => Dist::Normal {
            mean: need("mean")?,
            sd: need("sd")?,
            min: num("min")?,
            max: num("max")?,
        },
        "uniform" => Dist::Uniform {
            from: need("from")?,
            to: need("to")?,
        },
        "triangular" => Dist::Triangular {
            min: need("min")?,
            mode: need("mode")?,
            max: need("max")?,
        },
        "lognormal" => Dist::LogNormal {
            mu: need("mu")?,
            sigma: need("sigma")?,
        },
        _ => {
            let switch = spec.kind == ParamKind::Switch;
            let values = list("values", switch)?.ok_or_else(|| {
                site.err(
                    None,
                    "a choice distribution needs `values` (keys: values, weights)",
                )
            })?;
            Dist::Choice {
                values,
                weights: list("weights", false)?,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use crate::model::Dist;
    use crate::scenario::{Overrides, parse};

    const HEAD: &str = "[scenario]\nname = \"x\"\n\n[params.supplier]\nexperience = 0.2\n";

    /// The error of a scenario whose line 6 is `line`.
    fn err(line: &str) -> String {
        parse(&format!("{HEAD}{line}\n"), "d.toml", Overrides::default())
            .unwrap_err()
            .to_string()
    }

    /// `line` is rejected with an error at line 6 that names the parameter, the key and
    /// each of `words`.
    fn rejected(line: &str, key: &str, words: &[&str]) {
        let e = err(line);
        assert!(e.starts_with("d.toml:6:"), "{line}: {e}");
        assert!(e.contains("`supplier.capability`"), "{line}: {e}");
        assert!(e.contains(&format!("`{key}`")), "{line}: {e}");
        for w in words {
            assert!(e.contains(w), "{line}: expected {w:?} in {e}");
        }
        // The column points at the key when it is in the line.
        let col: usize = e["d.toml:6:".len()..]
            .split(':')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        if let Some(i) = line.find(&format!(" {key} =")) {
            assert_eq!(col, i + 2, "{line}: {e}");
        }
    }

    #[test]
    fn every_distribution_parses_and_holds_its_typical_value() {
        let text = format!(
            "{HEAD}capability = {{ dist = \"beta\", a = 2, b = 6 }}\ntrust = {{ dist = \"normal\", mean = 0.5, sd = 0.2, min = 0.1, max = 0.9 }}\ncash = {{ dist = \"lognormal\", mu = 5, sigma = 0.5 }}\n\
             [params.buyer]\nengagement = {{ dist = \"uniform\", from = 0.2, to = 0.6 }}\nchampion = {{ dist = \"triangular\", min = 0, mode = 0.3, max = 0.6 }}\n\
             [params.mechanisms]\nlock_in = {{ dist = \"choice\", values = [true, false], weights = [1, 3] }}\n"
        );
        let (s, _) = parse(&text, "d.toml", Overrides::default()).unwrap();
        let names: Vec<&str> = s
            .population
            .iter()
            .map(|(sp, d)| {
                let _ = d.name();
                sp.path
            })
            .collect();
        assert_eq!(
            names,
            [
                "supplier.capability",
                "supplier.cash",
                "supplier.trust",
                "buyer.engagement",
                "buyer.champion",
                "mechanisms.lock_in"
            ]
        );
        assert_eq!(s.base.supplier.capability, 0.25);
        assert_eq!(s.base.buyer.engagement, 0.4);
        assert!(!s.base.mechanisms.lock_in, "the most likely choice");
        assert_eq!(s.points.at(0).population, s.population);
        // The distribution is part of the scenario's identity.
        let other = text.replace("b = 6", "b = 5");
        let (t, _) = parse(&other, "d.toml", Overrides::default()).unwrap();
        assert_ne!(s.hash(), t.hash());
        // Without distributions the hash is what it was before populations existed.
        let (plain, _) = parse(HEAD, "d.toml", Overrides::default()).unwrap();
        assert!(plain.population.is_empty());
        assert!(
            !serde_json::to_string(&plain)
                .unwrap()
                .contains("population")
        );
    }

    #[test]
    fn a_swept_parameter_takes_the_sweeps_values() {
        let text = format!(
            "{HEAD}capability = {{ dist = \"beta\", a = 2, b = 6 }}\ntrust = {{ dist = \"beta\", a = 2, b = 2 }}\n[sweep.supplier]\ncapability = {{ values = [0.1, 0.9] }}\n"
        );
        let (s, _) = parse(&text, "d.toml", Overrides::default()).unwrap();
        let paths: Vec<&str> = s.population.iter().map(|(sp, _)| sp.path).collect();
        assert_eq!(paths, ["supplier.trust"]);
        for seed in 0..20 {
            assert_eq!(s.points.at(1).realise(seed).supplier.capability, 0.9);
        }
    }

    #[test]
    fn bad_distributions_are_located_at_their_key() {
        rejected(
            "capability = { dist = \"beta\", a = 2, bb = 5 }",
            "bb",
            &["did you mean `b`?"],
        );
        rejected(
            "capability = { dist = \"beta\", a = 0, b = 5 }",
            "a",
            &["> 0"],
        );
        rejected("capability = { dist = \"beta\", a = 2 }", "b", &["needs"]);
        rejected(
            "capability = { dist = \"bta\", a = 2, b = 5 }",
            "bta",
            &["did you mean `beta`?"],
        );
        rejected(
            "capability = { dist = \"normal\", mean = 0.5, sd = 0.1 }",
            "min",
            &["truncate", "0 ..= 1"],
        );
        rejected(
            "capability = { dist = \"normal\", mean = 0.5, sd = -1, min = 0, max = 1 }",
            "sd",
            &["> 0"],
        );
        rejected(
            "capability = { dist = \"normal\", mean = 0.5, sd = 0.1, min = 0, max = 2 }",
            "max",
            &["0 ..= 1"],
        );
        rejected(
            "capability = { dist = \"normal\", mean = 5, sd = 0.1, min = 0, max = 1 }",
            "mean",
            &["1e-6"],
        );
        rejected(
            "capability = { dist = \"normal\", mean = 0.5, sd = 0.1, min = 0, maxx = 1 }",
            "maxx",
            &["did you mean `max`?"],
        );
        rejected(
            "capability = { dist = \"uniform\", from = 0.6, to = 0.4 }",
            "to",
            &["below"],
        );
        rejected(
            "capability = { dist = \"uniform\", from = -0.5, to = 0.4 }",
            "from",
            &["0 ..= 1"],
        );
        rejected(
            "capability = { dist = \"uniform\", form = 0.1, to = 0.4 }",
            "form",
            &["did you mean `from`?"],
        );
        rejected(
            "capability = { dist = \"triangular\", min = 0.1, mode = 0.5, max = 0.3 }",
            "mode",
            &["min"],
        );
        rejected(
            "capability = { dist = \"triangular\", min = 0.1, mode = 0.2, max = 1.3 }",
            "max",
            &["0 ..= 1"],
        );
        rejected(
            "capability = { dist = \"lognormal\", mu = 0, sigma = 1 }",
            "mu",
            &["maximum"],
        );
        rejected(
            "capability = { dist = \"lognormal\", mu = 0, sigma = 0 }",
            "sigma",
            &["> 0"],
        );
        rejected(
            "capability = { dist = \"choice\", values = [0.1, 1.5] }",
            "values",
            &["out of range"],
        );
        rejected(
            "capability = { dist = \"choice\", values = [0.1, 0.5], weights = [1] }",
            "weights",
            &["one weight per value"],
        );
        rejected(
            "capability = { dist = \"choice\", values = [0.1, 0.5], weights = [0, 0] }",
            "weights",
            &["positive"],
        );
        rejected(
            "capability = { dist = \"choice\", vals = [0.1] }",
            "vals",
            &["did you mean `values`?"],
        );
        rejected("capability = { dist = 3 }", "dist", &["string"]);
        rejected(
            "capability = { dits = \"beta\" }",
            "supplier.capability",
            &["did you mean `dist`?"],
        );
    }

    #[test]
    fn whole_numbers_switches_and_rules_between_parameters() {
        let e = err("[params.mechanisms]\nexit = { dist = \"beta\", a = 1, b = 1 }");
        assert!(e.starts_with("d.toml:7:"), "{e}");
        assert!(
            e.contains("`mechanisms.exit`") && e.contains("choice"),
            "{e}"
        );
        let e = err("[params.mechanisms]\nexit = { dist = \"choice\", values = [1, 0] }");
        assert!(e.contains("true or false"), "{e}");
        let e = err("[params]\nmonths = { dist = \"choice\", values = [12, 24] }");
        assert!(e.starts_with("d.toml:7:") && e.contains("`months`"), "{e}");
        let e = err("[params.power]\nlevel_low = { dist = \"uniform\", from = 0.0, to = 0.5 }");
        assert!(e.starts_with("d.toml:7:"), "{e}");
        assert!(e.contains("power.level_high"), "{e}");
        // A sweep point that a draw would break is refused too.
        let e = err(
            "[params.power]\nlevel_low = { dist = \"uniform\", from = -0.5, to = -0.1 }\n[sweep.power]\nlevel_high = { values = [0.5, -0.2] }",
        );
        assert!(
            e.contains("design point") && e.contains("level_high=-0.2"),
            "{e}"
        );
        assert!(matches!(
            parse(&format!("{HEAD}[params.power]\nlevel_low = {{ dist = \"uniform\", from = -0.5, to = -0.1 }}\n"), "d.toml", Overrides::default())
                .unwrap()
                .0
                .population
                .iter()
                .next(),
            Some((_, Dist::Uniform { .. }))
        ));
    }

    /// A zip sweep whose `supplier.experience` levels (line 8) are `levels`, on top of a
    /// drawn `supplier.capability`.
    fn zip(levels: &str) -> String {
        format!(
            "[scenario]\nname = \"z\"\n[params.supplier]\ncapability = {{ dist = \"beta\", a = 2, b = 6 }}\n[sweep]\ndesign = \"zip\"\n[sweep.supplier]\nexperience = {{ values = [{levels}] }}\n"
        )
    }

    #[test]
    fn sweep_levels_may_be_distributions() {
        let text = zip(
            "{ dist = \"beta\", a = 3, b = 7 }, 0.5, { dist = \"uniform\", from = 0.6, to = 0.95 }",
        );
        let (s, _) = parse(&text, "z.toml", Overrides::default()).unwrap();
        assert_eq!(s.points.len(), 3);
        // Each point's number is the level's typical value (the mean).
        let values: Vec<f64> = s.points.iter().map(|p| p.values[0]).collect();
        assert!((values[0] - 0.3).abs() < 1e-12, "{values:?}");
        assert_eq!(values[1], 0.5);
        assert!((values[2] - 0.775).abs() < 1e-12, "{values:?}");
        let f = &s.factors[0];
        assert!(matches!(f.dist(0), Some(Dist::Beta { .. })));
        assert!(f.dist(1).is_none());
        assert!(matches!(f.dist(2), Some(Dist::Uniform { .. })));
        // The scenario's population leaves the swept parameter out; each point adds its own.
        let paths = |p: &crate::model::Population| -> Vec<&str> {
            p.iter().map(|(sp, _)| sp.path).collect()
        };
        assert_eq!(paths(&s.population), ["supplier.capability"]);
        assert_eq!(
            paths(&s.points.at(0).population),
            ["supplier.capability", "supplier.experience"]
        );
        assert_eq!(paths(&s.points.at(1).population), ["supplier.capability"]);
        let drawn: Vec<&str> = s.drawn_params().map(|sp| sp.path).collect();
        assert_eq!(drawn, ["supplier.capability", "supplier.experience"]);
        let mut seen = std::collections::BTreeSet::new();
        for seed in 0..50 {
            let r: Vec<_> = s.points.iter().map(|p| p.realise(seed)).collect();
            assert_eq!(r[1].supplier.experience, 0.5);
            assert!((0.6..0.95).contains(&r[2].supplier.experience));
            seen.insert(r[0].supplier.experience.to_bits());
            // Common random numbers: the other parameters draw the same at every point.
            assert_eq!(r[0].supplier.capability, r[1].supplier.capability);
            assert_eq!(r[1].supplier.capability, r[2].supplier.capability);
        }
        assert!(seen.len() > 40, "drawn per run");
        // A level's distribution is part of the scenario's identity, even when a plain
        // number with the same typical value would give the same design points.
        let hash = |t: &str| parse(t, "z.toml", Overrides::default()).unwrap().0.hash();
        assert_ne!(s.hash(), hash(&text.replace("b = 7", "b = 8")));
        assert_ne!(
            s.hash(),
            hash(&text.replace("{ dist = \"beta\", a = 3, b = 7 }", "0.3"))
        );
        assert_eq!(s.hash(), hash(&text));

        // Grid and one-at-a-time take distributions too.
        let grid = text.replace("\"zip\"", "\"grid\"");
        let (g, _) = parse(&grid, "z.toml", Overrides::default()).unwrap();
        assert_eq!(g.points.len(), 3);
        assert_eq!(g.points.at(2).population.len(), 2);
        let oat = text.replace("\"zip\"", "\"one-at-a-time\"");
        let (o, _) = parse(&oat, "z.toml", Overrides::default()).unwrap();
        // The base point, then every level (a distribution is never the base value).
        assert_eq!(o.points.len(), 4);
        assert_eq!(o.points.at(0).population.len(), 1);
        assert_eq!(o.points.at(1).population.len(), 2);
        // A Latin hypercube samples numbers: refused, at the factor.
        let lhs = text.replace("\"zip\"", "\"lhs\"\nsamples = 4");
        let e = parse(&lhs, "z.toml", Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("z.toml:9:1:"), "{e}");
        assert!(
            e.contains("`supplier.experience`") && e.contains("\"zip\""),
            "{e}"
        );
    }

    #[test]
    fn bad_distributions_among_sweep_values_are_located() {
        // (levels, where the error points, words): line 8, at the key of the level at fault
        // (at the level's table when the key is missing).
        let cases = [
            (
                "0.2, { dist = \"beta\", a = 2, bb = 5 }",
                "bb =",
                &["values[1]", "`bb`", "did you mean `b`?"][..],
            ),
            (
                "{ dist = \"uniform\", from = 0.1, to = 0.4 }, { dist = \"uniform\", from = -0.5, to = 0.4 }",
                "from = -0.5",
                &["values[1]", "`from`", "0 ..= 1"],
            ),
            (
                "{ dist = \"normal\", mean = 0.5, sd = 0.1 }, 0.4",
                "{ dist = \"normal\"",
                &["values[0]", "`min`", "truncate"],
            ),
            (
                "0.1, 0.2, { dist = \"bta\", a = 2, b = 5 }",
                "dist = \"bta\"",
                &["values[2]", "`bta`", "did you mean `beta`?"],
            ),
        ];
        for (levels, at, words) in cases {
            let e = parse(&zip(levels), "z.toml", Overrides::default())
                .unwrap_err()
                .to_string();
            assert!(e.starts_with("z.toml:8:"), "{levels}: {e}");
            assert!(e.contains("[sweep] `supplier.experience`"), "{levels}: {e}");
            for w in words {
                assert!(e.contains(w), "{levels}: expected {w:?} in {e}");
            }
            let line = format!("experience = {{ values = [{levels}] }}");
            let col = line.find(at).unwrap() + 1;
            assert!(e.starts_with(&format!("z.toml:8:{col}:")), "{levels}: {e}");
        }
        let e = parse(&zip("0.2, \"high\""), "z.toml", Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("z.toml:8:1:") && e.contains("distributions"),
            "{e}"
        );
        // A switch takes only a choice, as in [params].
        let e = err(
            "[sweep.mechanisms]\nlock_in = { values = [true, { dist = \"beta\", a = 1, b = 1 }] }",
        );
        assert!(e.starts_with("d.toml:7:"), "{e}");
        assert!(
            e.contains("`mechanisms.lock_in` values[1]") && e.contains("choice"),
            "{e}"
        );
        // A point whose draws could break a rule between parameters is refused.
        let e = err(
            "[sweep.power]\nlevel_low = { values = [0.1, { dist = \"uniform\", from = 0.1, to = 0.9 }] }",
        );
        assert!(
            e.contains("design point") && e.contains("power.level_low~"),
            "{e}"
        );
    }
}
