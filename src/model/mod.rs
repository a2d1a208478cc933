//! The dyad model: a small supplier and a large buyer, month by month.
//!
//! Pure and deterministic: no I/O, no global state, no allocation per step. A run is
//! `(Params, seed) -> RunOutcome`; [`Dyad`] lets a caller observe every month. The rules
//! and their sources are documented in `docs/MODEL.md`; each numbered step in
//! [`Dyad::step`] matches a submodel there.

pub mod params;
mod record;
mod seed;

pub use record::{
    Boundaries, EndReason, Events, Level, MonthRecord, OUTCOME_METRICS, Phase, PhasePath,
    RunOutcome, TRAJECTORY_METRICS,
};
pub use seed::{mix_seed, run_seed};

pub use params::{
    BuyerParams, DynamicsParams, EventParams, Mechanisms, PARAM_SPECS, ParamError, ParamKind,
    ParamSpec, Params, PowerParams, RelationshipParams, SupplierParams,
};

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;

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

/// A running dyad. Create with [`Dyad::new`], advance with [`Dyad::step`] until
/// [`Dyad::finished`], then read [`Dyad::outcome`].
#[derive(Clone, Debug)]
pub struct Dyad<'p> {
    p: &'p Params,
    events_rng: Xoshiro256PlusPlus,
    noise_rng: Xoshiro256PlusPlus,
    ext_prob: f64,
    shock_prob: f64,
    theta: f64,
    month: u32,
    phase: Phase,
    end: Option<EndReason>,
    // Supplier.
    capability: f64,
    cash: f64,
    sigma: f64,
    other_mult: f64,
    trust_s: f64,
    l_cog: f64,
    l_beh: f64,
    k_port: f64,
    k_spec: f64,
    csi_cum: f64,
    sunk: f64,
    focal_income_cum: f64,
    signal_ema: f64,
    // Buyer.
    perceived: f64,
    engagement: f64,
    trust_b: f64,
    alt_b: f64,
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
            theta,
            month: 0,
            phase: Phase::Preparation,
            end: None,
            capability,
            cash: p.supplier.cash,
            sigma: p.supplier.sales_concentration,
            other_mult: 1.0,
            trust_s: p.supplier.trust,
            l_cog: 0.0,
            l_beh: 0.0,
            k_port: 0.0,
            k_spec: 0.0,
            csi_cum: 0.0,
            sunk: 0.0,
            focal_income_cum: 0.0,
            signal_ema: 0.0,
            perceived,
            engagement: p.buyer.engagement,
            trust_b: p.buyer.trust,
            alt_b: p.buyer.alternatives,
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

    /// Supplier's alternatives (outside options), 0..1.
    fn supplier_alternatives(&self) -> f64 {
        let s = &self.p.supplier;
        let raw = s.outside_options + 0.25 * s.experience + 0.5 * saturate(self.k_port);
        clamp01(raw * (1.0 - 0.5 * self.lock_index()) * self.other_mult)
    }

    /// (supplier dependence, buyer dependence, asymmetry).
    fn dependence(&self) -> (f64, f64, f64) {
        let d = self.dependence_parts();
        (d.d_s, d.d_b, d.d_s - d.d_b)
    }

    /// Dependence each way and the alternatives behind it.
    #[inline]
    fn dependence_parts(&self) -> DependenceParts {
        let uniq = saturate(self.k_spec);
        let a_s = self.supplier_alternatives();
        let d_s = clamp01(self.sigma * (1.0 - a_s));
        let need_b = self.p.buyer.need * clamp01(self.perceived + 0.5 * uniq);
        let a_b = clamp01(self.alt_b * (1.0 - uniq));
        let d_b = clamp01(need_b * (1.0 - a_b));
        DependenceParts { d_s, d_b, a_s, a_b }
    }

    /// Value created per month at the current fit-independent base (kEUR/month).
    fn base_value(&self) -> f64 {
        let r = &self.p.relationship;
        r.exchange_value
            * self.scope
            * (0.4 + 0.6 * self.capability)
            * r.complementarity
            * (0.5 + 0.5 * self.engagement)
    }

    fn enter(&mut self, next: Phase, asym: f64) {
        debug_assert!(self.phase.can_move_to(next));
        let cur = self.phase as usize;
        if cur < 3 && self.boundaries.exit[cur].is_nan() {
            self.boundaries.exit[cur] = asym;
        }
        self.phase = next;
        self.path.push(next);
        self.record.events.0 |= Events::PHASE_CHANGE;
    }

    fn enter_execution(&mut self, asym_before: f64) {
        // New expert tasks: the buyer's perception of supplier capability is redefined.
        if self.p.mechanisms.perception {
            self.perceived *= 1.0 - self.p.dynamics.reset_fraction;
        }
        self.enter(Phase::Execution, asym_before);
        let (_, _, asym) = self.dependence();
        if self.boundaries.entry[1].is_nan() {
            self.boundaries.entry[1] = asym;
        }
        self.perf_ema = 1.0;
        if self.in_crisis {
            self.in_crisis = false;
            self.record.events.0 |= Events::CRISIS_END;
        }
    }

    /// Simulate one month. Does nothing once [`Dyad::finished`] is true.
    pub fn step(&mut self) -> &MonthRecord {
        if self.end.is_some() {
            return &self.record;
        }
        let p = self.p;
        let m = &p.mechanisms;
        let dy = &p.dynamics;
        let rel = &p.relationship;
        self.month += 1;
        self.record.events = Events(0);
        let mut ev = 0u32;

        // 0. Random draws: a fixed number per month, so that runs with the same seed share
        // common random numbers whatever the parameters.
        let u_ext: f64 = self.events_rng.random();
        let u_kind: f64 = self.events_rng.random();
        let u_kind2: f64 = self.events_rng.random();
        let u_novel: f64 = self.events_rng.random();
        let u_shock: f64 = self.events_rng.random();
        let u_exit_s: f64 = self.events_rng.random();
        let u_exit_b: f64 = self.events_rng.random();
        let z: f64 = self.noise_rng.sample(StandardNormal);

        let champ = if m.champion { p.buyer.champion } else { 0.0 };
        let phase = self.phase;
        let active = phase != Phase::Dissolved;
        debug_assert!(active);
        self.months_in[phase as usize] += 1;

        // 1. External events.
        let mut renegotiate = false;
        if m.external_events && u_ext < self.ext_prob {
            let size = p.events.external_size;
            self.external += 1;
            renegotiate = true;
            if u_kind < p.events.favourable_share {
                ev |= Events::EXTERNAL_FAVOURABLE;
                if u_kind2 < 0.5 {
                    self.capability += size * (1.0 - self.capability);
                } else {
                    self.alt_b *= 1.0 - size;
                }
            } else {
                ev |= Events::EXTERNAL_ADVERSE;
                if u_kind2 < 0.5 {
                    self.alt_b += size * (1.0 - self.alt_b);
                } else {
                    self.other_mult *= 1.0 - size;
                }
            }
        }

        // 2. Communication.
        let comm = clamp01(0.15 + 0.35 * rel.goal_alignment + 0.2 * self.engagement + 0.3 * champ);

        // 3. Learning (cognitive: understanding the partner; behavioural: working together).
        let (mut d_cog, mut d_beh) = (0.0, 0.0);
        if m.learning {
            d_cog = dy.learning_rate * comm * (0.4 + 0.6 * rel.shared_values) * (1.0 - self.l_cog);
            let effort_s = clamp01(0.4 + 0.6 * self.signal_ema);
            let joint = (self.engagement * effort_s).sqrt();
            let trust_mean = 0.5 * (self.trust_s + self.trust_b);
            d_beh = dy.learning_rate * joint * trust_mean * (1.0 - self.l_beh);
            self.l_cog += d_cog;
            self.l_beh += d_beh;
        }

        // 4. Phase activity: costs in preparation, benefits in execution and integration.
        let mut supplier_costs = 0.0;
        let mut focal_income = 0.0;
        let (mut app_s, mut app_b) = (0.0, 0.0);
        match phase {
            Phase::Preparation => {
                let balance = 1.0 - 2.0 * (p.buyer.work_share - 0.5).abs();
                let speed = dy.prep_rate
                    * (0.5 + 0.5 * balance)
                    * (1.0 + p.supplier.experience)
                    * (0.5 + 0.5 * comm);
                self.prep_progress += speed;
                // Power use lets the buyer cover a smaller share of the costs.
                let buyer_cost_share = self.engagement * (1.0 - self.power_use_b);
                let s_cost = rel.prep_cost * (1.0 - buyer_cost_share);
                supplier_costs += s_cost;
                self.sunk += s_cost;
            }
            Phase::Execution | Phase::Integration => {
                let k = self.k_port + self.k_spec;
                let fit = (0.55 + 0.45 * self.l_beh + 0.4 * saturate(k)).min(1.2);
                let mut shock = 1.0;
                if m.crises && u_shock < self.shock_prob {
                    shock = 1.0 - p.events.shock_size;
                    ev |= Events::SHOCK;
                }
                let perf = (fit * (1.0 + dy.noise_sd * z) * shock).max(0.0);
                self.perf_ema = 0.7 * self.perf_ema + 0.3 * perf;
                let coercion = 1.0 - p.power.coercion_cost * self.power_use_b;
                let v_ex = self.base_value() * perf * coercion;
                let v_k = rel.knowledge_value * k;
                let th = self.theta;
                self.created += v_ex + v_k;
                app_s = self.share * v_ex + (1.0 - th) * v_k + th * self.share * v_k;
                app_b =
                    (1.0 - self.share) * v_ex + (1.0 - th) * v_k + th * (1.0 - self.share) * v_k;
                self.app_s += app_s;
                self.app_b += app_b;
                focal_income = self.share * v_ex;
                if phase == Phase::Execution {
                    self.exec_progress += dy.exec_rate * perf.min(1.2);
                }
                if m.crises {
                    if !self.in_crisis && self.perf_ema < dy.crisis_threshold {
                        self.in_crisis = true;
                        self.crises += 1;
                        ev |= Events::CRISIS_START;
                    } else if self.in_crisis && self.perf_ema >= dy.crisis_threshold {
                        self.in_crisis = false;
                        ev |= Events::CRISIS_END;
                    }
                }
                if phase == Phase::Integration && m.institutionalization {
                    self.inst += dy.institutionalization_rate * (1.0 - self.inst);
                }
            }
            Phase::Dissolved => {}
        }

        // 5. Customer-specific investment: gated by trust, triggered by understanding of the
        // buyer, escalated by dissatisfaction, scaled by the expected own return.
        let mut csi = 0.0;
        if m.specific_investment && self.trust_s >= dy.invest_trust_threshold {
            let expected_return = (1.0 - self.theta) + self.theta * self.share;
            let mut intent = p.supplier.invest_propensity
                * (0.5 + 0.5 * p.supplier.exploration)
                * (0.3 + 0.7 * self.l_cog)
                * expected_return;
            if self.in_crisis {
                intent *= 1.0 + dy.escalation;
            }
            csi = (rel.csi_max * intent.min(1.0)).min(0.2 * self.cash.max(0.0));
            if csi > 0.0 {
                ev |= Events::INVESTMENT;
                if self.in_crisis {
                    ev |= Events::ESCALATION;
                }
            }
            self.csi_cum += csi;
            self.sunk += csi;
            supplier_costs += csi;
        }
        let signal = if rel.csi_max > 0.0 {
            csi / rel.csi_max
        } else {
            0.0
        };
        self.signal_ema = 0.8 * self.signal_ema + 0.2 * signal;

        // 6. Buyer engagement: reciprocity to the signal; the champion mobilises resources.
        if m.reciprocity {
            self.engagement +=
                0.15 * p.buyer.reciprocity * p.buyer.exploration * signal * (1.0 - self.engagement);
        }
        self.engagement += 0.03 * champ * p.buyer.exploration * (1.0 - self.engagement);

        // 7. New knowledge needs learning and specific investment; capability grows.
        let mut dk = 0.0;
        if m.learning {
            let csi_f = self.csi_cum / (self.csi_cum + dy.csi_half);
            dk = dy.knowledge_rate * rel.complementarity * (self.l_cog * self.l_beh).sqrt() * csi_f;
            self.k_port += p.supplier.portability * dk;
            self.k_spec += (1.0 - p.supplier.portability) * dk;
        }
        self.capability = clamp01(
            self.capability + (0.3 * (d_cog + d_beh) + dk).min(1.0) * (1.0 - self.capability),
        );

        // 8. The buyer's perception follows demonstrated capability.
        if m.perception {
            self.perceived += dy.perception_rate * comm * (self.capability - self.perceived);
        } else {
            self.perceived = self.capability;
        }

        // 9. Supplier finances and sales concentration.
        let other_rev = p.supplier.other_revenue * self.other_mult * (1.0 + saturate(self.k_port));
        if focal_income > 0.0 {
            let target = focal_income / (focal_income + other_rev);
            self.sigma += 0.1 * (target - self.sigma);
        }
        let margin = focal_income + other_rev - p.supplier.fixed_costs - supplier_costs;
        self.cash += margin;
        self.focal_income_cum += focal_income;

        // 10. Dependence, power use, the bargained split.
        let DependenceParts { d_s, d_b, a_s, a_b } = self.dependence_parts();
        let asym = d_s - d_b;
        if m.power_use {
            self.power_use_b = p.buyer.power_willingness * asym.max(0.0) * (1.0 - a_s);
            self.power_use_s = p.supplier.power_willingness * (-asym).max(0.0) * (1.0 - a_b);
        }
        self.power_sum += self.power_use_b;
        let target = (rel.initial_share
            - p.power.bargaining_weight * asym
            - p.power.squeeze * (self.power_use_b - self.power_use_s))
            .clamp(0.02, 0.98);
        if phase != Phase::Preparation {
            let flex = if phase == Phase::Integration && m.institutionalization {
                1.0 - self.inst
            } else {
                1.0
            };
            let rate = if renegotiate {
                ev |= Events::RENEGOTIATION;
                1.0
            } else {
                dy.bargaining_rate * flex
            };
            let moved = rate * (target - self.share);
            self.share += moved;
            if phase == Phase::Integration {
                self.share_moves_integration += moved.abs();
            }
        }

        // 11. Trust follows experience; power use damages it; the champion vouches in a crisis.
        if m.trust {
            let stab = 1.0 - 0.5 * self.inst;
            let e_s = clamp01(0.2 + 0.35 * self.engagement + 0.45 * comm);
            self.trust_s += dy.trust_rate * stab * (e_s - self.trust_s);
            self.trust_s -= p.power.trust_damage * self.power_use_b * self.trust_s;
            let results = if phase == Phase::Preparation {
                0.7
            } else {
                self.perf_ema.min(1.0)
            };
            let mut e_b = 0.4 * results + 0.3 * comm + 0.3 * (2.0 * self.signal_ema).min(1.0);
            if self.in_crisis && champ > 0.0 {
                e_b += 0.3 * champ;
                ev |= Events::CHAMPION;
            }
            self.trust_b += dy.trust_rate * stab * (clamp01(e_b) - self.trust_b);
            self.trust_b -= p.power.trust_damage * self.power_use_s * self.trust_b;
            self.trust_s = clamp01(self.trust_s);
            self.trust_b = clamp01(self.trust_b);
        }

        // 12. Continuation against outside options; lock-in; exit; insolvency.
        let k = self.k_port + self.k_spec;
        let th = self.theta;
        if phase == Phase::Preparation {
            let base = self.base_value();
            self.cv_s =
                self.share * base + ((1.0 - th) + th * self.share) * rel.knowledge_value * k;
            self.cv_b = (1.0 - self.share) * base
                + ((1.0 - th) + th * (1.0 - self.share)) * rel.knowledge_value * k;
        } else {
            self.cv_s = 0.8 * self.cv_s + 0.2 * app_s;
            self.cv_b = 0.8 * self.cv_b + 0.2 * app_b;
        }
        let stay_s = self.cv_s * (0.5 + 0.5 * self.trust_s);
        let out_s = rel.supplier_outside_value * a_s;
        let pull = if m.lock_in {
            dy.sunk_weight * (self.sunk - self.focal_income_cum).max(0.0) / 12.0
        } else {
            0.0
        };
        let mut end = None;
        if stay_s < out_s {
            self.intent_s += 1;
            ev |= Events::SUPPLIER_EXIT_INTENT;
            if stay_s + pull >= out_s {
                self.locked += 1;
                ev |= Events::LOCKED_IN;
            } else if m.exit && u_exit_s < dy.exit_hazard {
                end = Some(EndReason::SupplierExit);
            }
        }
        let stay_b = self.cv_b * (0.5 + 0.5 * self.trust_b);
        let out_b = rel.buyer_outside_value * a_b;
        if stay_b < out_b {
            self.intent_b += 1;
            ev |= Events::BUYER_EXIT_INTENT;
            if end.is_none() && m.exit && u_exit_b < dy.exit_hazard {
                end = Some(EndReason::BuyerExit);
            }
        }
        if self.cash < 0.0 {
            end = Some(EndReason::SupplierInsolvency);
        }

        // 13. Phase transitions.
        let lock = self.lock_index();
        if let Some(reason) = end {
            self.enter(Phase::Dissolved, asym);
            self.end = Some(reason);
        } else {
            match phase {
                Phase::Preparation if self.prep_progress >= 1.0 => {
                    if self.perceived >= dy.skip_threshold {
                        self.skipped = true;
                        ev |= Events::SKIP;
                        self.enter(Phase::Integration, asym);
                        self.boundaries.entry[2] = asym;
                    } else {
                        self.enter_execution(asym);
                    }
                }
                Phase::Execution if self.exec_progress >= 1.0 && !self.in_crisis => {
                    self.enter(Phase::Integration, asym);
                    if self.boundaries.entry[2].is_nan() {
                        self.boundaries.entry[2] = asym;
                    }
                }
                Phase::Integration if m.novel_projects => {
                    let rate = p.events.novel_rate
                        * p.supplier.exploration
                        * self.capability
                        * self.trust_s;
                    if u_novel < rate {
                        self.novel += 1;
                        ev |= Events::NOVEL_PROJECT;
                        self.inst *= 0.5;
                        self.scope += p.events.novel_scope;
                        self.exec_progress = 0.5;
                        self.enter_execution(asym);
                    }
                }
                _ => {}
            }
            if self.month >= p.months {
                self.end = Some(EndReason::Horizon);
            }
        }

        let (d_s2, d_b2, asym2) = if self.record.events.has(Events::PHASE_CHANGE) {
            self.dependence()
        } else {
            (d_s, d_b, asym)
        };
        self.record = MonthRecord {
            month: self.month,
            phase: self.phase,
            asymmetry: asym2,
            supplier_dependence: d_s2,
            buyer_dependence: d_b2,
            supplier_trust: self.trust_s,
            buyer_trust: self.trust_b,
            supplier_share: self.share,
            buyer_power_use: self.power_use_b,
            capability: self.capability,
            perceived_capability: self.perceived,
            knowledge: self.k_port + self.k_spec,
            institutionalization: self.inst,
            engagement: self.engagement,
            lock_in: lock,
            performance: self.perf_ema,
            investment: csi,
            investment_cum: self.csi_cum,
            sunk_costs: self.sunk,
            supplier_cash: self.cash,
            supplier_margin: margin,
            value_created: self.created,
            value_supplier: self.app_s,
            value_buyer: self.app_b,
            events: Events(self.record.events.0 | ev),
        };
        &self.record
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
mod tests;
