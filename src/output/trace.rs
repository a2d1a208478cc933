//! `dyadsim trace`: one run told month by month, for a class, or as a per-month CSV.

use std::io::Write;

use crate::model::{
    Events, Level, MonthRecord, Params, Phase, Population, RunOutcome, simulate_with,
};
use crate::output::num;

fn status(r: &MonthRecord, p: &Params) -> String {
    format!(
        "asymmetry {:+.2} ({}), supplier trust {:.2}, buyer trust {:.2}, supplier share {:.0}%, cash {:.0} kEUR",
        r.asymmetry,
        Level::of(r.asymmetry, &p.power).letter(),
        r.supplier_trust,
        r.buyer_trust,
        100.0 * r.supplier_share,
        r.supplier_cash
    )
}

/// Write the parameters drawn for the run with seed `seed` (nothing when no parameter is
/// distributed): a `Drawn for this run:` line, then `  path = value` per parameter.
pub fn draws(population: &Population, seed: u64, w: &mut dyn Write) -> std::io::Result<()> {
    if population.is_empty() {
        return Ok(());
    }
    writeln!(w, "Drawn for this run:")?;
    for (path, v) in population.draws(seed) {
        writeln!(w, "  {path} = {}", num(v))?;
    }
    Ok(())
}

/// A run told in words: the opening line, one line per notable month, the closing line.
#[derive(Clone, Debug)]
pub struct Story {
    /// Who the partners are (the first line of `dyadsim trace`).
    pub intro: String,
    /// `(month, text)` in month order; a month may have several lines.
    pub lines: Vec<(u32, String)>,
    /// How the run ended (the last line of `dyadsim trace`).
    pub end: String,
    /// The run's outcome.
    pub outcome: RunOutcome,
}

/// Write a month-by-month narrative of the run `(params, seed)`.
pub fn narrate(params: &Params, seed: u64, w: &mut dyn Write) -> std::io::Result<RunOutcome> {
    let s = story(params, seed);
    writeln!(w, "{}", s.intro)?;
    for (month, text) in &s.lines {
        writeln!(w, "month {month:>3}: {text}")?;
    }
    writeln!(w, "{}", s.end)?;
    Ok(s.outcome)
}

/// The narrative of the run `(params, seed)` that [`narrate`] writes, as data.
pub fn story(params: &Params, seed: u64) -> Story {
    let p = params;
    let intro = format!(
        "One dyad, seed {seed}: a supplier with capability {:.2} and {:.0}% of its sales with the buyer; \
         a buyer with alternatives {:.2}, engagement {:.2} and {}.",
        p.supplier.capability,
        100.0 * p.supplier.sales_concentration,
        p.buyer.alternatives,
        p.buyer.engagement,
        if p.mechanisms.champion && p.buyer.champion > 0.0 {
            format!("a committed champion (strength {:.2})", p.buyer.champion)
        } else {
            "no champion".to_string()
        }
    );
    let mut lines: Vec<(u32, String)> = Vec::new();
    let mut prev_phase = Phase::Preparation;
    let mut investing = false;
    let mut said_lock = false;
    let mut said_intent_s = false;
    let mut said_intent_b = false;
    let mut first = true;
    let outcome = simulate_with(p, seed, |r| {
        let e = r.events;
        let mut say = |s: String| lines.push((r.month, s));
        if first {
            say(format!("preparation starts; {}", status(r, p)));
            first = false;
        }
        if e.has(Events::EXTERNAL_FAVOURABLE) {
            say("a favourable external event strengthens the supplier's position; the split is renegotiated".into());
        }
        if e.has(Events::EXTERNAL_ADVERSE) {
            say("an adverse external event weakens the supplier's position; the split is renegotiated".into());
        }
        if e.has(Events::SHOCK) {
            say("a performance shock hits the project".into());
        }
        if e.has(Events::CRISIS_START) {
            say(format!(
                "performance crisis: results at {:.0}% of expectations",
                100.0 * r.performance
            ));
        }
        if e.has(Events::CHAMPION) {
            say("the buyer's champion vouches for the supplier inside the buyer".into());
        }
        if e.has(Events::ESCALATION) && e.has(Events::CRISIS_START) {
            say(format!(
                "the supplier trusts the buyer and escalates its specific investment ({:.1} kEUR this month)",
                r.investment
            ));
        }
        if e.has(Events::CRISIS_END) {
            say("the crisis is over: results are back near expectations".into());
        }
        if e.has(Events::INVESTMENT) && !investing {
            say(format!(
                "the supplier starts customer-specific investment ({:.1} kEUR/month)",
                r.investment
            ));
            investing = true;
        } else if !e.has(Events::INVESTMENT) && investing {
            say(format!(
                "the supplier stops investing (total {:.0} kEUR)",
                r.investment_cum
            ));
            investing = false;
        }
        if e.has(Events::LOCKED_IN) && !said_lock {
            say(
                "the supplier would rather leave but stays to recover its sunk costs (lock-in)"
                    .into(),
            );
            said_lock = true;
        }
        if e.has(Events::SUPPLIER_EXIT_INTENT) && !e.has(Events::LOCKED_IN) && !said_intent_s {
            say("the supplier now prefers its outside options".into());
            said_intent_s = true;
        }
        if e.has(Events::BUYER_EXIT_INTENT) && !said_intent_b {
            say("the buyer now prefers an alternative supplier".into());
            said_intent_b = true;
        }
        if e.has(Events::NOVEL_PROJECT) {
            say("the supplier proposes a novel project: execution reopens".into());
        }
        if r.phase != prev_phase {
            let what = match r.phase {
                Phase::Integration if e.has(Events::SKIP) => {
                    "preparation ends and the dyad skips execution: integration".to_string()
                }
                Phase::Dissolved => "the relationship ends".to_string(),
                ph => format!("{} begins", ph.as_str()),
            };
            say(format!("{what}; {}", status(r, p)));
            prev_phase = r.phase;
        } else if r.month % 6 == 0 {
            say(status(r, p));
        }
    });
    let end = format!(
        "End: {} after {} months (path {}). Value created {:.0} kEUR; supplier kept {:.0}, buyer {:.0} \
         (dual-appropriation index {}). New knowledge {:.2} units ({:.2} portable). Supplier {}.",
        outcome.end_reason.as_str().replace('_', " "),
        outcome.months,
        outcome.path.code(),
        outcome.value_created,
        outcome.value_supplier,
        outcome.value_buyer,
        num((outcome.dual_index * 100.0).round() / 100.0),
        outcome.knowledge,
        outcome.knowledge_portable,
        if outcome.supplier_survived {
            "survived"
        } else {
            "went insolvent"
        }
    );
    Story {
        intro,
        lines,
        end,
        outcome,
    }
}

/// The per-month trace CSV declared once: each column's name with the expression that
/// formats its value. Generates the header constant (an array, so its length is a constant)
/// and the function building a row in the same order.
macro_rules! trace_columns {
    (
        $(#[$doc:meta])*
        pub const $names:ident;
        fn $row:ident($($arg:ident: $arg_ty:ty),*) {
            $( $name:literal => $value:expr, )*
        }
    ) => {
        $(#[$doc])*
        pub const $names: [&str; [$($name),*].len()] = [$($name),*];

        fn $row($($arg: $arg_ty),*) -> [String; $names.len()] {
            [$($value),*]
        }
    };
}

trace_columns! {
    /// Header of the per-month trace CSV.
    pub const TRACE_COLUMNS;
    fn trace_row(r: &MonthRecord, params: &Params, in_crisis: bool) {
        "month" => r.month.to_string(),
        "phase" => r.phase.as_str().to_string(),
        "asymmetry" => num(r.asymmetry),
        "level" => Level::of(r.asymmetry, &params.power).letter().to_string(),
        "supplier_dependence" => num(r.supplier_dependence),
        "buyer_dependence" => num(r.buyer_dependence),
        "supplier_trust" => num(r.supplier_trust),
        "buyer_trust" => num(r.buyer_trust),
        "supplier_share" => num(r.supplier_share),
        "buyer_power_use" => num(r.buyer_power_use),
        "capability" => num(r.capability),
        "perceived_capability" => num(r.perceived_capability),
        "knowledge" => num(r.knowledge),
        "institutionalization" => num(r.institutionalization),
        "engagement" => num(r.engagement),
        "lock_in" => num(r.lock_in),
        "performance" => num(r.performance),
        "investment" => num(r.investment),
        "investment_cum" => num(r.investment_cum),
        "sunk_costs" => num(r.sunk_costs),
        "supplier_cash" => num(r.supplier_cash),
        "supplier_margin" => num(r.supplier_margin),
        "value_created" => num(r.value_created),
        "value_supplier" => num(r.value_supplier),
        "value_buyer" => num(r.value_buyer),
        "events" => r.events.0.to_string(),
        "crisis" => u8::from(in_crisis).to_string(),
    }
}

/// One month of a trace: the record and whether a performance crisis is running.
#[derive(Clone, Copy, Debug)]
pub struct TraceMonth {
    /// The month's record.
    pub record: MonthRecord,
    /// Whether a performance crisis is running at the end of the month (the `crisis`
    /// column).
    pub crisis: bool,
}

/// Every month of the run `(params, seed)` with its crisis flag, and the outcome: what
/// [`csv()`] writes.
pub fn months(params: &Params, seed: u64) -> (Vec<TraceMonth>, RunOutcome) {
    let mut out = Vec::with_capacity(params.months as usize);
    let mut in_crisis = false;
    let o = simulate_with(params, seed, |r| {
        if r.events.has(Events::CRISIS_START) {
            in_crisis = true;
        }
        if r.events.has(Events::CRISIS_END) {
            in_crisis = false;
        }
        out.push(TraceMonth {
            record: *r,
            crisis: in_crisis,
        });
    });
    (out, o)
}

/// Write the full per-month trajectory of one run as CSV.
pub fn csv(params: &Params, seed: u64, w: &mut dyn Write) -> std::io::Result<RunOutcome> {
    let (months, o) = months(params, seed);
    w.write_all(&csv_bytes(params, &months))?;
    Ok(o)
}

/// The per-month CSV ([`TRACE_COLUMNS`]) of `months`, a run with parameters `params`.
pub fn csv_bytes(params: &Params, months: &[TraceMonth]) -> Vec<u8> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let _ = out.write_record(TRACE_COLUMNS);
    for m in months {
        let _ = out.write_record(trace_row(&m.record, params, m.crisis));
    }
    out.into_inner().unwrap_or_default()
}
