//! What a run observes: phases, month records, the run outcome and their metric tables.

use serde::Serialize;

use super::PowerParams;

/// A metric table declared once: each column's name with the expression that computes it
/// from a record. Generates the public names constant (an array, so its length is a
/// constant) and the method returning the values in the same order. A row marked
/// `#[binary]` is a 0/1 flag per run; the type's `BINARY` constant says which rows are.
macro_rules! metric_table {
    (
        $(#[$names_doc:meta])*
        pub const $names:ident;
        impl $ty:ident {
            $(#[$fn_doc:meta])*
            pub fn $func:ident(&self as $r:ident) {
                $( $(#[$kind:ident])? $name:literal => $value:expr, )*
            }
        }
    ) => {
        $(#[$names_doc])*
        pub const $names: [&str; [$($name),*].len()] = [$($name),*];

        impl $ty {
            /// Which metrics of the table are 0/1 flags per run (marked `#[binary]`), in
            /// table order.
            pub const BINARY: [bool; $names.len()] = [$(false $(|| metric_kind!($kind))?),*];

            $(#[$fn_doc])*
            pub fn $func(&self) -> [f64; $names.len()] {
                let $r = self;
                [$($value),*]
            }
        }
    };
}

/// The kinds a row of [`metric_table!`] may be marked with.
macro_rules! metric_kind {
    (binary) => {
        true
    };
}

/// Phase of the relationship.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Phase {
    /// Co-creation preparation: alignment, mostly costs.
    Preparation = 0,
    /// Co-creation execution: benefits materialise and are bargained over.
    Execution = 1,
    /// Co-creation integration: institutionalisation, a rigid split.
    Integration = 2,
    /// The relationship has ended (terminal).
    Dissolved = 3,
}

impl Phase {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Preparation => "preparation",
            Phase::Execution => "execution",
            Phase::Integration => "integration",
            Phase::Dissolved => "dissolved",
        }
    }
    /// One-letter code used in phase paths (P, E, I, D).
    pub fn letter(self) -> char {
        match self {
            Phase::Preparation => 'P',
            Phase::Execution => 'E',
            Phase::Integration => 'I',
            Phase::Dissolved => 'D',
        }
    }
    /// Whether `self -> next` is a transition the phase machine may make.
    pub fn can_move_to(self, next: Phase) -> bool {
        use Phase::*;
        matches!(
            (self, next),
            (Preparation, Execution)
                | (Preparation, Integration)
                | (Execution, Integration)
                | (Integration, Execution)
                | (Preparation, Dissolved)
                | (Execution, Dissolved)
                | (Integration, Dissolved)
        )
    }
}

/// Why a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum EndReason {
    /// The horizon was reached with the relationship alive.
    Horizon,
    /// The supplier left.
    SupplierExit,
    /// The buyer left.
    BuyerExit,
    /// The supplier ran out of cash.
    SupplierInsolvency,
}

impl EndReason {
    /// Snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::Horizon => "horizon",
            EndReason::SupplierExit => "supplier_exit",
            EndReason::BuyerExit => "buyer_exit",
            EndReason::SupplierInsolvency => "supplier_insolvency",
        }
    }
}

/// Power-asymmetry level as coded in the 18-dyad study.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Level {
    /// Low asymmetry.
    Low,
    /// Medium asymmetry.
    Medium,
    /// High asymmetry.
    High,
}

impl Level {
    /// Code the continuous asymmetry with the thresholds of `p.power`.
    pub fn of(asymmetry: f64, p: &PowerParams) -> Level {
        if asymmetry < p.level_low {
            Level::Low
        } else if asymmetry < p.level_high {
            Level::Medium
        } else {
            Level::High
        }
    }
    /// One-letter code (L, M, H).
    pub fn letter(self) -> char {
        match self {
            Level::Low => 'L',
            Level::Medium => 'M',
            Level::High => 'H',
        }
    }
}

/// Bit flags of what happened in a month (see the associated constants).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Events(pub u32);

impl Events {
    /// The phase changed at the end of this month.
    pub const PHASE_CHANGE: u32 = 1;
    /// The supplier made a customer-specific investment.
    pub const INVESTMENT: u32 = 1 << 1;
    /// The investment was escalated because of a crisis.
    pub const ESCALATION: u32 = 1 << 2;
    /// The champion vouched for the supplier during a crisis.
    pub const CHAMPION: u32 = 1 << 3;
    /// A favourable external event.
    pub const EXTERNAL_FAVOURABLE: u32 = 1 << 4;
    /// An adverse external event.
    pub const EXTERNAL_ADVERSE: u32 = 1 << 5;
    /// The supplier launched a novel project.
    pub const NOVEL_PROJECT: u32 = 1 << 6;
    /// A performance crisis started.
    pub const CRISIS_START: u32 = 1 << 7;
    /// A performance crisis ended.
    pub const CRISIS_END: u32 = 1 << 8;
    /// An exogenous performance shock.
    pub const SHOCK: u32 = 1 << 9;
    /// The split was renegotiated after an external event.
    pub const RENEGOTIATION: u32 = 1 << 10;
    /// The supplier would rather leave but stays to recover sunk costs.
    pub const LOCKED_IN: u32 = 1 << 11;
    /// The supplier would rather leave.
    pub const SUPPLIER_EXIT_INTENT: u32 = 1 << 12;
    /// The buyer would rather leave.
    pub const BUYER_EXIT_INTENT: u32 = 1 << 13;
    /// The dyad skipped execution.
    pub const SKIP: u32 = 1 << 14;
    /// The champion left the buyer.
    pub const CHAMPION_LEFT: u32 = 1 << 15;
    /// A delay set preparation back.
    pub const DELAY: u32 = 1 << 16;
    /// Every flag with its snake-case name, in bit order.
    pub const NAMED: [(u32, &'static str); 17] = [
        (Events::PHASE_CHANGE, "phase_change"),
        (Events::INVESTMENT, "investment"),
        (Events::ESCALATION, "escalation"),
        (Events::CHAMPION, "champion"),
        (Events::EXTERNAL_FAVOURABLE, "external_favourable"),
        (Events::EXTERNAL_ADVERSE, "external_adverse"),
        (Events::NOVEL_PROJECT, "novel_project"),
        (Events::CRISIS_START, "crisis_start"),
        (Events::CRISIS_END, "crisis_end"),
        (Events::SHOCK, "shock"),
        (Events::RENEGOTIATION, "renegotiation"),
        (Events::LOCKED_IN, "locked_in"),
        (Events::SUPPLIER_EXIT_INTENT, "supplier_exit_intent"),
        (Events::BUYER_EXIT_INTENT, "buyer_exit_intent"),
        (Events::SKIP, "skip"),
        (Events::CHAMPION_LEFT, "champion_left"),
        (Events::DELAY, "delay"),
    ];
    /// The names of the flags set, in bit order.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        Events::NAMED
            .into_iter()
            .filter(move |(f, _)| self.has(*f))
            .map(|(_, n)| n)
    }
    /// Whether `flag` is set.
    pub fn has(self, flag: u32) -> bool {
        self.0 & flag != 0
    }
}

/// The state of the dyad at the end of one month: what trajectories and traces observe.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct MonthRecord {
    /// Month number, starting at 1.
    pub month: u32,
    /// Phase at the end of the month.
    pub phase: Phase,
    /// Power asymmetry: supplier dependence minus buyer dependence, -1..1.
    pub asymmetry: f64,
    /// Supplier's dependence on the buyer, 0..1.
    pub supplier_dependence: f64,
    /// Buyer's dependence on the supplier, 0..1.
    pub buyer_dependence: f64,
    /// Supplier's trust in the buyer, 0..1.
    pub supplier_trust: f64,
    /// Buyer's trust in the supplier, 0..1.
    pub buyer_trust: f64,
    /// Supplier's share of the rival value, 0..1.
    pub supplier_share: f64,
    /// Buyer's power use, 0..1.
    pub buyer_power_use: f64,
    /// Supplier capability, 0..1.
    pub capability: f64,
    /// Buyer's perception of supplier capability, 0..1.
    pub perceived_capability: f64,
    /// Joint new knowledge, units.
    pub knowledge: f64,
    /// Institutionalisation, 0..1.
    pub institutionalization: f64,
    /// Buyer engagement, 0..1.
    pub engagement: f64,
    /// Lock-in index, 0..1.
    pub lock_in: f64,
    /// Smoothed performance against expectation, 1 = as expected.
    pub performance: f64,
    /// Supplier specific investment this month, kEUR.
    pub investment: f64,
    /// Cumulative supplier specific investment, kEUR.
    pub investment_cum: f64,
    /// Cumulative buyer-specific sunk costs of the supplier, kEUR.
    pub sunk_costs: f64,
    /// Supplier's cash, kEUR.
    pub supplier_cash: f64,
    /// Supplier's net cash flow this month, kEUR.
    pub supplier_margin: f64,
    /// Cumulative value created, kEUR.
    pub value_created: f64,
    /// Cumulative value appropriated by the supplier, kEUR.
    pub value_supplier: f64,
    /// Cumulative value appropriated by the buyer, kEUR.
    pub value_buyer: f64,
    /// What happened this month.
    pub events: Events,
}

metric_table! {
    /// Names of the trajectory metrics of [`MonthRecord::metrics`], in order.
    pub const TRAJECTORY_METRICS;
    impl MonthRecord {
        /// The trajectory metrics named by [`TRAJECTORY_METRICS`].
        pub fn metrics(&self as r) {
            "asymmetry" => r.asymmetry,
            "supplier_dependence" => r.supplier_dependence,
            "buyer_dependence" => r.buyer_dependence,
            "supplier_trust" => r.supplier_trust,
            "buyer_trust" => r.buyer_trust,
            "supplier_share" => r.supplier_share,
            "buyer_power_use" => r.buyer_power_use,
            "knowledge" => r.knowledge,
            "supplier_cash" => r.supplier_cash,
            "supplier_margin" => r.supplier_margin,
            "investment_cum" => r.investment_cum,
            "sunk_costs" => r.sunk_costs,
            "value_created" => r.value_created,
            "value_supplier" => r.value_supplier,
            "value_buyer" => r.value_buyer,
        }
    }
}

/// The order of phases a run visited (compact, no allocation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PhasePath {
    items: [Phase; 32],
    len: u8,
    truncated: bool,
}

impl PhasePath {
    pub(super) fn new(first: Phase) -> Self {
        let mut items = [Phase::Dissolved; 32];
        items[0] = first;
        PhasePath {
            items,
            len: 1,
            truncated: false,
        }
    }
    pub(super) fn push(&mut self, p: Phase) {
        if usize::from(self.len) < self.items.len() {
            self.items[usize::from(self.len)] = p;
            self.len += 1;
        } else {
            self.truncated = true;
        }
    }
    /// The phases visited, in order (the first 32).
    pub fn phases(&self) -> &[Phase] {
        &self.items[..usize::from(self.len)]
    }
    /// The path as letters, e.g. `PEI` or `PEIEI…` when truncated.
    pub fn code(&self) -> String {
        let mut s: String = self.phases().iter().map(|p| p.letter()).collect();
        if self.truncated {
            s.push('…');
        }
        s
    }
}

/// Asymmetry at the entry to and exit from the first spell of each active phase
/// (NaN where the phase was never entered or never left).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Boundaries {
    /// Indexed by phase (preparation, execution, integration).
    pub entry: [f64; 3],
    /// Indexed by phase (preparation, execution, integration).
    pub exit: [f64; 3],
}

/// The outcome of one run.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct RunOutcome {
    /// Last active phase (or `Dissolved`).
    pub final_phase: Phase,
    /// Why the run ended.
    pub end_reason: EndReason,
    /// Months simulated.
    pub months: u32,
    /// Months spent in preparation, execution and integration.
    pub months_in: [u32; 3],
    /// Phases visited, in order.
    pub path: PhasePath,
    /// Asymmetry at phase boundaries.
    pub boundaries: Boundaries,
    /// Whether execution was skipped (preparation straight to integration).
    pub skipped_execution: bool,
    /// Cumulative value created, kEUR.
    pub value_created: f64,
    /// Value appropriated by the supplier, kEUR.
    pub value_supplier: f64,
    /// Value appropriated by the buyer, kEUR.
    pub value_buyer: f64,
    /// Dual-appropriation index: total appropriated / created (1 = zero-sum, 2 = both keep
    /// all); NaN when nothing was created.
    pub dual_index: f64,
    /// Cumulative supplier specific investment, kEUR.
    pub investment: f64,
    /// Supplier's total buyer-specific sunk costs (investment plus preparation costs), kEUR.
    pub sunk_costs: f64,
    /// Months the supplier stayed only because of sunk costs.
    pub months_locked_in: u32,
    /// Months the supplier preferred to leave (locked in or not).
    pub supplier_exit_intent_months: u32,
    /// Months the buyer preferred to leave.
    pub buyer_exit_intent_months: u32,
    /// Final supplier trust.
    pub supplier_trust: f64,
    /// Final buyer trust.
    pub buyer_trust: f64,
    /// Joint new knowledge created, units.
    pub knowledge: f64,
    /// Part of the new knowledge the supplier can use with other customers, units.
    pub knowledge_portable: f64,
    /// Supplier capability gained over the run.
    pub capability_gain: f64,
    /// Whether the supplier is solvent at the end.
    pub supplier_survived: bool,
    /// Whether the champion left the buyer during the run.
    pub champion_left: bool,
    /// Buyer's cumulative co-investment, kEUR.
    pub buyer_investment: f64,
    /// Final supplier cash, kEUR.
    pub supplier_cash: f64,
    /// Final power asymmetry.
    pub asymmetry: f64,
    /// Mean buyer power use over the months lived.
    pub mean_buyer_power_use: f64,
    /// Number of performance crises.
    pub crises: u32,
    /// Number of novel projects.
    pub novel_projects: u32,
    /// Number of external events.
    pub external_events: u32,
    /// Final buyer engagement.
    pub engagement: f64,
    /// Final supplier share of the rival value.
    pub supplier_share: f64,
    /// Mean absolute monthly change of the supplier's share while in integration (NaN if
    /// integration was never reached): how flexible the split is there.
    pub share_change_integration: f64,
}

fn flag(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

impl RunOutcome {
    /// Whether the run visited phase `ph`.
    fn visited(&self, ph: Phase) -> bool {
        self.path.phases().contains(&ph)
    }
}

metric_table! {
    /// Names of the numeric outcomes of [`RunOutcome::metrics`], in order.
    pub const OUTCOME_METRICS;
    impl RunOutcome {
        /// Numeric outcomes named by [`OUTCOME_METRICS`] (flags as 0/1; NaN = undefined).
        pub fn metrics(&self as o) {
            #[binary]
            "dissolved" => flag(o.final_phase == Phase::Dissolved),
            #[binary]
            "supplier_exit" => flag(o.end_reason == EndReason::SupplierExit),
            #[binary]
            "buyer_exit" => flag(o.end_reason == EndReason::BuyerExit),
            #[binary]
            "supplier_insolvency" => flag(o.end_reason == EndReason::SupplierInsolvency),
            "months_preparation" => f64::from(o.months_in[0]),
            "months_execution" => f64::from(o.months_in[1]),
            "months_integration" => f64::from(o.months_in[2]),
            #[binary]
            "reached_execution" => flag(o.visited(Phase::Execution)),
            #[binary]
            "reached_integration" => flag(o.visited(Phase::Integration)),
            #[binary]
            "skipped_execution" => flag(o.skipped_execution),
            "value_created" => o.value_created,
            "value_supplier" => o.value_supplier,
            "value_buyer" => o.value_buyer,
            "dual_index" => o.dual_index,
            "investment" => o.investment,
            "sunk_costs" => o.sunk_costs,
            "months_locked_in" => f64::from(o.months_locked_in),
            "supplier_exit_intent_months" => f64::from(o.supplier_exit_intent_months),
            "buyer_exit_intent_months" => f64::from(o.buyer_exit_intent_months),
            "supplier_trust" => o.supplier_trust,
            "buyer_trust" => o.buyer_trust,
            "knowledge" => o.knowledge,
            "knowledge_portable" => o.knowledge_portable,
            "capability_gain" => o.capability_gain,
            #[binary]
            "supplier_survived" => flag(o.supplier_survived),
            "supplier_cash" => o.supplier_cash,
            "asymmetry" => o.asymmetry,
            "mean_buyer_power_use" => o.mean_buyer_power_use,
            "crises" => f64::from(o.crises),
            "novel_projects" => f64::from(o.novel_projects),
            "external_events" => f64::from(o.external_events),
            "asymmetry_preparation_entry" => o.boundaries.entry[0],
            "asymmetry_preparation_exit" => o.boundaries.exit[0],
            "asymmetry_execution_entry" => o.boundaries.entry[1],
            "asymmetry_execution_exit" => o.boundaries.exit[1],
            "asymmetry_integration_entry" => o.boundaries.entry[2],
            "asymmetry_integration_exit" => o.boundaries.exit[2],
            "share_change_integration" => o.share_change_integration,
            "supplier_share" => o.supplier_share,
            "champion_left" => flag(o.champion_left),
            "buyer_investment" => o.buyer_investment,
        }
    }
}
