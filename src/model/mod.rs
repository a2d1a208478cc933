//! The dyad model: a small supplier and a large buyer, month by month.
//!
//! Pure and deterministic: no I/O, no global state, no allocation per step. A run is
//! `(Params, seed) -> RunOutcome`; [`Dyad`] lets a caller observe every month. The rules
//! and their sources are documented in `docs/MODEL.md`; each numbered step in
//! [`Dyad::step`] matches a submodel there.
//!
//! Layout: this file holds the dyad's state, its creation, the monthly schedule and the run
//! outcome; `steps.rs` one method per numbered step; `record.rs` what a run observes (phases,
//! events, [`MonthRecord`], [`RunOutcome`] and their metric tables); `params.rs` the
//! parameters; `seed.rs` the seeds.

pub mod coefficients;
pub mod params;
pub mod population;
mod record;
mod seed;
mod steps;

pub use population::{Dist, POPULATION_STREAM, Population};
pub use record::{
    Boundaries, EndReason, Events, Level, MonthRecord, OUTCOME_METRICS, Phase, PhasePath,
    RunOutcome, TRAJECTORY_METRICS,
};
pub use seed::{mix_seed, run_seed};

pub use params::{
    BargainingCoefficients, BuyerParams, CapabilityCoefficients, CoefficientParams,
    CommunicationCoefficients, ContinuationCoefficients, DependenceCoefficients, DynamicsParams,
    EventParams, ExternalEventCoefficients, FinanceCoefficients, InvestmentCoefficients,
    LearningCoefficients, LockInCoefficients, Mechanisms, NovelProjectCoefficients, PARAM_SPECS,
    ParamError, ParamKind, ParamSpec, Params, PerformanceCoefficients, PowerParams,
    PreparationCoefficients, ReciprocityCoefficients, RelationshipParams, SupplierParams,
    TrustCoefficients, ValueCoefficients,
};

use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;

/// Dependence each way (0..1) and each side's alternatives (0..1).
struct DependenceParts {
    d_s: f64,
    d_b: f64,
    a_s: f64,
    a_b: f64,
}

fn clamp01(x: f64) -> f64 {
    x.clamp(0.0, 1.0)
}

fn saturate(x: f64) -> f64 {
    x / (x + 1.0)
}

/// The logistic function 1/(1 + e^(−x)).
fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Evidence mass of the initial trust: the first month's evidence moves trust by the
/// fraction `rate` of the gap (§7.11). A rate of 0 freezes trust (infinite mass).
fn prior_evidence(rate: f64) -> f64 {
    if rate > 0.0 {
        (1.0 - rate) / rate
    } else {
        f64::INFINITY
    }
}

/// Expected duration of the relationship in months for a side with monthly discount factor
/// `discount` that expects the partner to leave with monthly probability `p_partner` (§7.5).
fn expected_duration(discount: f64, p_partner: f64) -> f64 {
    1.0 / (1.0 - discount * (1.0 - p_partner))
}

/// A running dyad. Create with [`Dyad::new`], advance with [`Dyad::step`] until
/// [`Dyad::finished`], then read [`Dyad::outcome`].
#[derive(Clone, Debug)]
pub struct Dyad<'p> {
    p: &'p Params,
    events_rng: Xoshiro256PlusPlus,
    noise_rng: Xoshiro256PlusPlus,
    ext_prob: f64,
    shock_prob: f64,
    delay_prob: f64,
    /// Each side's expected duration of a relationship with a typical partner, who leaves at
    /// half the largest exit hazard (§7.12), months.
    typical_dur_s: f64,
    typical_dur_b: f64,
    theta: f64,
    month: u32,
    phase: Phase,
    end: Option<EndReason>,
    // Supplier.
    capability: f64,
    cash: f64,
    /// The supplier's other business O relative to its start (§7.9).
    other_business: f64,
    other_mult: f64,
    trust_s: f64,
    /// Evidence mass behind the supplier's trust (§7.11).
    evidence_s: f64,
    l_cog: f64,
    l_beh: f64,
    k_port: f64,
    k_spec: f64,
    /// sat(K_p), sat(K_s), sat(K) and the value-in-use v_k of the current knowledge
    /// ([`Dyad::refresh_knowledge`]).
    sat_port: f64,
    sat_spec: f64,
    sat_k: f64,
    v_k: f64,
    csi_cum: f64,
    sunk: f64,
    focal_income_cum: f64,
    signal_ema: f64,
    // Buyer.
    perceived: f64,
    engagement: f64,
    trust_b: f64,
    /// Evidence mass behind the buyer's trust (§7.11).
    evidence_b: f64,
    alt_b: f64,
    /// Whether the champion is still with the buyer.
    champion_present: bool,
    /// Buyer's cumulative co-investment (sunk, buyer-specific), kEUR.
    coinvest_cum: f64,
    /// Stock of specific assets of both sides, depreciating with knowledge (§7.7), kEUR.
    assets: f64,
    /// Each side's probability of leaving last month (what the partner expects), §7.12.
    p_exit_s: f64,
    p_exit_b: f64,
    // Dyad.
    share: f64,
    inst: f64,
    scope: f64,
    prep_progress: f64,
    exec_progress: f64,
    perf_ema: f64,
    in_crisis: bool,
    power_use_b: f64,
    power_use_s: f64,
    cv_s: f64,
    cv_b: f64,
    // Accumulators.
    created: f64,
    app_s: f64,
    app_b: f64,
    months_in: [u32; 3],
    path: PhasePath,
    boundaries: Boundaries,
    skipped: bool,
    locked: u32,
    intent_s: u32,
    intent_b: u32,
    crises: u32,
    novel: u32,
    external: u32,
    power_sum: f64,
    share_moves_integration: f64,
    record: MonthRecord,
}

impl<'p> Dyad<'p> {
    /// A new dyad at month 0 in preparation. `params` should be validated
    /// ([`Params::validate`]); the model stays finite for any valid parameters.
    pub fn new(params: &'p Params, seed: u64) -> Self {
        let p = params;
        let theta = if p.mechanisms.dual_value {
            p.relationship.value_overlap
        } else {
            1.0
        };
        let capability = p.supplier.capability;
        let perceived = if p.mechanisms.perception {
            p.buyer.perceived_capability
        } else {
            capability
        };
        let mut d = Dyad {
            p,
            events_rng: Xoshiro256PlusPlus::seed_from_u64(mix_seed(seed, 1, 0)),
            noise_rng: Xoshiro256PlusPlus::seed_from_u64(mix_seed(seed, 2, 0)),
            ext_prob: 1.0 - (-p.events.external_rate).exp(),
            shock_prob: 1.0 - (-p.events.shock_rate).exp(),
            delay_prob: 1.0 - (-p.dynamics.delay_rate).exp(),
            typical_dur_s: expected_duration(p.supplier.discount, 0.5 * p.dynamics.exit_hazard),
            typical_dur_b: expected_duration(p.buyer.discount, 0.5 * p.dynamics.exit_hazard),
            theta,
            month: 0,
            phase: Phase::Preparation,
            end: None,
            capability,
            cash: p.supplier.cash,
            other_business: 1.0,
            other_mult: 1.0,
            trust_s: p.supplier.trust,
            evidence_s: prior_evidence(p.dynamics.trust_rate),
            l_cog: 0.0,
            l_beh: 0.0,
            k_port: 0.0,
            k_spec: 0.0,
            sat_port: 0.0,
            sat_spec: 0.0,
            sat_k: 0.0,
            v_k: 0.0,
            csi_cum: 0.0,
            sunk: 0.0,
            focal_income_cum: 0.0,
            signal_ema: 0.0,
            perceived,
            engagement: p.buyer.engagement,
            trust_b: p.buyer.trust,
            evidence_b: prior_evidence(p.dynamics.trust_rate),
            alt_b: p.buyer.alternatives,
            champion_present: true,
            coinvest_cum: 0.0,
            assets: 0.0,
            p_exit_s: 0.0,
            p_exit_b: 0.0,
            share: p.relationship.initial_share,
            inst: 0.0,
            scope: 1.0,
            prep_progress: 0.0,
            exec_progress: 0.0,
            perf_ema: 1.0,
            in_crisis: false,
            power_use_b: 0.0,
            power_use_s: 0.0,
            cv_s: 0.0,
            cv_b: 0.0,
            created: 0.0,
            app_s: 0.0,
            app_b: 0.0,
            months_in: [0; 3],
            path: PhasePath::new(Phase::Preparation),
            boundaries: Boundaries {
                entry: [f64::NAN; 3],
                exit: [f64::NAN; 3],
            },
            skipped: false,
            locked: 0,
            intent_s: 0,
            intent_b: 0,
            crises: 0,
            novel: 0,
            external: 0,
            power_sum: 0.0,
            share_moves_integration: 0.0,
            record: MonthRecord {
                month: 0,
                phase: Phase::Preparation,
                asymmetry: 0.0,
                supplier_dependence: 0.0,
                buyer_dependence: 0.0,
                supplier_trust: p.supplier.trust,
                buyer_trust: p.buyer.trust,
                supplier_share: p.relationship.initial_share,
                buyer_power_use: 0.0,
                capability,
                perceived_capability: perceived,
                knowledge: 0.0,
                institutionalization: 0.0,
                engagement: p.buyer.engagement,
                lock_in: 0.0,
                performance: 1.0,
                investment: 0.0,
                investment_cum: 0.0,
                sunk_costs: 0.0,
                supplier_cash: p.supplier.cash,
                supplier_margin: 0.0,
                value_created: 0.0,
                value_supplier: 0.0,
                value_buyer: 0.0,
                events: Events(0),
            },
        };
        let (d_s, d_b, asym) = d.dependence();
        d.record.asymmetry = asym;
        d.record.supplier_dependence = d_s;
        d.record.buyer_dependence = d_b;
        d.boundaries.entry[0] = asym;
        d
    }

    /// Whether the run has ended (horizon reached or relationship dissolved).
    pub fn finished(&self) -> bool {
        self.end.is_some()
    }

    /// The record of the last month simulated (month 0 before the first step).
    pub fn record(&self) -> &MonthRecord {
        &self.record
    }

    fn lock_index(&self) -> f64 {
        if self.p.mechanisms.lock_in {
            self.sunk / (self.sunk + self.p.dynamics.lockin_half)
        } else {
            0.0
        }
    }

    /// The buyer's lock-in index from its own co-investment, 0..1 (§7.10).
    fn buyer_lock_index(&self) -> f64 {
        if self.p.mechanisms.lock_in && self.p.mechanisms.buyer_coinvestment {
            self.coinvest_cum / (self.coinvest_cum + self.p.dynamics.lockin_half)
        } else {
            0.0
        }
    }

    /// Supplier's alternatives (outside options), 0..1.
    fn supplier_alternatives(&self) -> f64 {
        let p = self.p;
        let (s, c) = (&p.supplier, &p.coefficients);
        let raw = s.outside_options
            + c.dependence.experience * s.experience
            + c.dependence.portable_knowledge * self.sat_port;
        clamp01(
            raw * (1.0 - c.lock_in.alternatives_discount * self.lock_index())
                * self.other_mult
                * (1.0 - p.relationship.exclusivity),
        )
    }

    /// Structural sales concentration σ: the focal business F against the other business O,
    /// from the initial concentration σ₀ (§7.9, §7.10).
    fn sales_concentration(&self) -> f64 {
        let s0 = self.p.supplier.sales_concentration;
        let focal = s0 * (1.0 + self.p.coefficients.dependence.alignment * self.sat_spec);
        let other = (1.0 - s0) * self.other_business * self.other_mult;
        if focal + other > 0.0 {
            focal / (focal + other)
        } else {
            0.0
        }
    }

    /// (supplier dependence, buyer dependence, asymmetry).
    fn dependence(&self) -> (f64, f64, f64) {
        let d = self.dependence_parts();
        (d.d_s, d.d_b, d.d_s - d.d_b)
    }

    /// Dependence each way and the alternatives behind it.
    #[inline]
    fn dependence_parts(&self) -> DependenceParts {
        let p = self.p;
        let uniq = p.relationship.knowledge_exclusivity * self.sat_spec;
        let a_s = self.supplier_alternatives();
        let d_s = clamp01(self.sales_concentration() * (1.0 - a_s));
        let w_uniq = p.coefficients.dependence.uniqueness;
        let need_b = p.buyer.need * clamp01(self.perceived + w_uniq * uniq);
        let lock_disc = p.coefficients.lock_in.alternatives_discount * self.buyer_lock_index();
        let a_b = clamp01(self.alt_b * (1.0 - uniq) * (1.0 - lock_disc));
        let d_b = clamp01(need_b * (1.0 - a_b));
        DependenceParts { d_s, d_b, a_s, a_b }
    }

    /// Recompute what depends on knowledge alone, once after it changes (§7.7): the
    /// saturated stocks sat(K_p), sat(K_s), sat(K) and the value-in-use per month of the
    /// joint knowledge, v_k = kv·K/(1 + K/K_sat) (kEUR/month, §7.4).
    fn refresh_knowledge(&mut self) {
        let k = self.k_port + self.k_spec;
        self.sat_port = saturate(self.k_port);
        self.sat_spec = saturate(self.k_spec);
        self.sat_k = saturate(k);
        let sat = self.p.coefficients.value.knowledge_saturation;
        self.v_k = self.p.relationship.knowledge_value * k / (1.0 + k / sat);
    }

    /// Value created per month at the current fit-independent base (kEUR/month).
    fn base_value(&self) -> f64 {
        let r = &self.p.relationship;
        let c = &self.p.coefficients.value;
        r.exchange_value
            * self.scope
            * (c.capability_floor + c.capability_weight * self.capability)
            * r.complementarity
            * (c.engagement_floor + c.engagement_weight * self.engagement)
    }

    /// Simulate one month. Does nothing once [`Dyad::finished`] is true.
    ///
    /// The schedule of `docs/MODEL.md` §3: steps 0–13 once a month in fixed order, each a
    /// submodel of §7. A later step sees this month's values from earlier steps.
    pub fn step(&mut self) -> &MonthRecord {
        if self.end.is_some() {
            return &self.record;
        }
        // 0. Random draws, a fixed number per month (§7.0).
        let mut m = self.s00_random_draws();
        // 1. External events (§7.1).
        self.s01_external_events(&mut m);
        // 2. Communication (§7.2).
        self.s02_communication(&mut m);
        // 3. Learning, cognitive and behavioural (§7.3).
        self.s03_learning(&mut m);
        // 4. Phase activity: costs in preparation, benefits after (§7.4).
        self.s04_phase_activity(&mut m);
        // 5. Customer-specific investment (§7.5).
        self.s05_specific_investment(&mut m);
        // 6. Buyer engagement: reciprocity and the champion (§7.6).
        self.s06_engagement(&mut m);
        // 7. New knowledge and capability (§7.7).
        self.s07_knowledge(&mut m);
        // 8. The buyer's perception of capability (§7.8).
        self.s08_perception(&mut m);
        // 9. Supplier finances and sales concentration (§7.9).
        self.s09_finances(&mut m);
        // 10. Dependence, power use, the bargained split (§7.10).
        self.s10_dependence_power_split(&mut m);
        // 11. Trust (§7.11).
        self.s11_trust(&mut m);
        // 12. Continuation, lock-in, exit, insolvency (§7.12).
        self.s12_continuation(&mut m);
        // 13. Phase transitions (§7.13).
        self.s13_phase_transitions(&mut m);
        // The month's record is written last.
        self.write_record(&m)
    }

    /// The outcome so far (final once [`Dyad::finished`]).
    pub fn outcome(&self) -> RunOutcome {
        let mut boundaries = self.boundaries;
        let cur = self.phase as usize;
        if cur < 3 && boundaries.exit[cur].is_nan() && self.end.is_some() {
            // Still in the phase at the horizon: its last value closes the spell.
            boundaries.exit[cur] = self.record.asymmetry;
        }
        let dual_index = if self.created > 0.0 {
            (self.app_s + self.app_b) / self.created
        } else {
            f64::NAN
        };
        let months_lived = self.month.max(1);
        RunOutcome {
            final_phase: self.phase,
            end_reason: self.end.unwrap_or(EndReason::Horizon),
            months: self.month,
            months_in: self.months_in,
            path: self.path,
            boundaries,
            skipped_execution: self.skipped,
            value_created: self.created,
            value_supplier: self.app_s,
            value_buyer: self.app_b,
            dual_index,
            investment: self.csi_cum,
            sunk_costs: self.sunk,
            months_locked_in: self.locked,
            supplier_exit_intent_months: self.intent_s,
            buyer_exit_intent_months: self.intent_b,
            supplier_trust: self.trust_s,
            buyer_trust: self.trust_b,
            knowledge: self.k_port + self.k_spec,
            knowledge_portable: self.k_port,
            capability_gain: self.capability - self.p.supplier.capability,
            supplier_survived: self.cash >= 0.0,
            champion_left: !self.champion_present,
            buyer_investment: self.coinvest_cum,
            supplier_cash: self.cash,
            asymmetry: self.record.asymmetry,
            mean_buyer_power_use: self.power_sum / f64::from(months_lived),
            crises: self.crises,
            novel_projects: self.novel,
            external_events: self.external,
            engagement: self.engagement,
            supplier_share: self.share,
            share_change_integration: if self.months_in[2] > 0 {
                self.share_moves_integration / f64::from(self.months_in[2])
            } else {
                f64::NAN
            },
        }
    }
}

/// Run one dyad to its end.
pub fn simulate(params: &Params, seed: u64) -> RunOutcome {
    simulate_with(params, seed, |_| {})
}

/// Run one dyad to its end, calling `observe` with every month's record.
pub fn simulate_with(
    params: &Params,
    seed: u64,
    mut observe: impl FnMut(&MonthRecord),
) -> RunOutcome {
    let mut d = Dyad::new(params, seed);
    while !d.finished() {
        observe(d.step());
    }
    d.outcome()
}

#[cfg(test)]
mod mechanism_tests;
#[cfg(test)]
mod tests;
