//! The numbered steps of one month, one method each, in the order of `docs/MODEL.md` §3
//! (the submodels are described in §7). [`Dyad::step`] calls them in that order.
//!
//! Updates are sequential and immediate: a later step sees this month's values from earlier
//! steps, either in the dyad's state or, for values that live one month only, in [`Month`].

use rand::RngExt;
use rand_distr::StandardNormal;

use super::{
    DependenceParts, Dyad, EndReason, Events, MonthRecord, Phase, clamp01, expected_duration,
    logistic,
};

/// What the steps of one month hand to each other: the draws of step 0, the month's fixed
/// inputs, its event bits and the intermediate values a later step reads. Lives on the
/// stack for one call of [`Dyad::step`].
pub(super) struct Month {
    // Step 0: the random draws (events stream, then noise stream).
    u_ext: f64,
    u_kind: f64,
    u_kind2: f64,
    u_novel: f64,
    u_shock: f64,
    u_exit_s: f64,
    u_exit_b: f64,
    u_delay: f64,
    u_champion: f64,
    u_skip: f64,
    z: f64,
    z_prep: f64,
    /// Each side's expected duration of the relationship this month (from the partner's
    /// exit probability last month), months (§7.5).
    dur_s: f64,
    dur_b: f64,
    /// Champion strength χ (0 when the mechanism is off).
    champ: f64,
    /// Phase at the start of the month.
    phase: Phase,
    /// Event bits of this month (phase changes are set on the record directly).
    ev: u32,
    // Step 1.
    renegotiate: bool,
    // Step 2.
    comm: f64,
    // Step 3.
    d_cog: f64,
    d_beh: f64,
    // Step 4.
    supplier_costs: f64,
    focal_income: f64,
    app_s: f64,
    app_b: f64,
    // Step 5.
    csi: f64,
    coinvest: f64,
    signal: f64,
    // Step 9.
    margin: f64,
    // Step 10.
    d_s: f64,
    d_b: f64,
    a_s: f64,
    a_b: f64,
    asym: f64,
    // Step 12.
    end: Option<EndReason>,
    // Step 13 (for the record).
    lock: f64,
}

impl Month {
    /// A month starting in `phase`: every draw and value at zero, no events (step 0 fills
    /// in the draws).
    fn open(phase: Phase) -> Self {
        Month {
            u_ext: 0.0,
            u_kind: 0.0,
            u_kind2: 0.0,
            u_novel: 0.0,
            u_shock: 0.0,
            u_exit_s: 0.0,
            u_exit_b: 0.0,
            u_delay: 0.0,
            u_champion: 0.0,
            u_skip: 0.0,
            z: 0.0,
            z_prep: 0.0,
            dur_s: 0.0,
            dur_b: 0.0,
            champ: 0.0,
            phase,
            ev: 0,
            renegotiate: false,
            comm: 0.0,
            d_cog: 0.0,
            d_beh: 0.0,
            supplier_costs: 0.0,
            focal_income: 0.0,
            app_s: 0.0,
            app_b: 0.0,
            csi: 0.0,
            coinvest: 0.0,
            signal: 0.0,
            margin: 0.0,
            d_s: 0.0,
            d_b: 0.0,
            a_s: 0.0,
            a_b: 0.0,
            asym: 0.0,
            end: None,
            lock: 0.0,
        }
    }
}

impl Dyad<'_> {
    /// Step 0. Random draws: a fixed number per month, so that runs with the same seed
    /// share common random numbers whatever the parameters (§7.0). Opens the month: counts
    /// it and its phase, and clears last month's event bits.
    pub(super) fn s00_random_draws(&mut self) -> Month {
        let p = self.p;
        self.month += 1;
        self.record.events = Events(0);
        let u_ext: f64 = self.events_rng.random();
        let u_kind: f64 = self.events_rng.random();
        let u_kind2: f64 = self.events_rng.random();
        let u_novel: f64 = self.events_rng.random();
        let u_shock: f64 = self.events_rng.random();
        let u_exit_s: f64 = self.events_rng.random();
        let u_exit_b: f64 = self.events_rng.random();
        let u_delay: f64 = self.events_rng.random();
        let u_champion: f64 = self.events_rng.random();
        let u_skip: f64 = self.events_rng.random();
        let z: f64 = self.noise_rng.sample(StandardNormal);
        let z_prep: f64 = self.noise_rng.sample(StandardNormal);

        let champ = if p.mechanisms.champion && self.champion_present {
            p.buyer.champion
        } else {
            0.0
        };
        let phase = self.phase;
        debug_assert!(phase != Phase::Dissolved);
        // Counted before the month is built: measured, this order compiles to fewer
        // instructions per month.
        self.months_in[phase as usize] += 1;
        Month {
            u_ext,
            u_kind,
            u_kind2,
            u_novel,
            u_shock,
            u_exit_s,
            u_exit_b,
            u_delay,
            u_champion,
            u_skip,
            z,
            z_prep,
            dur_s: expected_duration(p.supplier.discount, self.p_exit_b),
            dur_b: expected_duration(p.buyer.discount, self.p_exit_s),
            champ,
            ..Month::open(phase)
        }
    }

    /// Step 1. External events (§7.1).
    pub(super) fn s01_external_events(&mut self, m: &mut Month) {
        let p = self.p;
        if p.mechanisms.external_events && m.u_ext < self.ext_prob {
            let size = p.events.external_size;
            let c = &p.coefficients.external_events;
            self.external += 1;
            m.renegotiate = true;
            if m.u_kind < p.events.favourable_share {
                m.ev |= Events::EXTERNAL_FAVOURABLE;
                if m.u_kind2 < c.capability_share {
                    self.capability += size * (1.0 - self.capability);
                } else {
                    self.alt_b *= 1.0 - size;
                }
            } else {
                m.ev |= Events::EXTERNAL_ADVERSE;
                if m.u_kind2 < c.rivals_share {
                    self.alt_b += size * (1.0 - self.alt_b);
                } else {
                    self.other_mult *= 1.0 - size;
                }
            }
        }
    }

    /// Step 2. Communication (§7.2).
    pub(super) fn s02_communication(&mut self, m: &mut Month) {
        let rel = &self.p.relationship;
        let c = &self.p.coefficients.communication;
        m.comm = clamp01(
            c.base
                + c.goal_alignment * rel.goal_alignment
                + c.engagement * self.engagement
                + c.champion * m.champ,
        );
    }

    /// Step 3. Learning (cognitive: understanding the partner; behavioural: working
    /// together) (§7.3).
    pub(super) fn s03_learning(&mut self, m: &mut Month) {
        let p = self.p;
        let (dy, c) = (&p.dynamics, &p.coefficients.learning);
        if p.mechanisms.learning {
            m.d_cog = dy.learning_rate
                * m.comm
                * (c.cognitive_floor + c.cognitive_shared_values * p.relationship.shared_values)
                * (1.0 - self.l_cog);
            let effort_s = clamp01(c.effort_floor + c.effort_signal * self.signal_ema);
            let joint = (self.engagement * effort_s).sqrt();
            let trust_mean = 0.5 * (self.trust_s + self.trust_b);
            m.d_beh = dy.learning_rate * joint * trust_mean * (1.0 - self.l_beh);
            self.l_cog += m.d_cog;
            self.l_beh += m.d_beh;
        }
    }

    /// Step 4. Phase activity: costs in preparation, benefits in execution and integration
    /// (§7.4).
    pub(super) fn s04_phase_activity(&mut self, m: &mut Month) {
        match m.phase {
            Phase::Preparation => self.s04_prepare(m),
            Phase::Execution | Phase::Integration => self.s04_deliver(m),
            Phase::Dissolved => {}
        }
    }

    /// Step 4 in preparation: progress and the supplier's share of the costs.
    fn s04_prepare(&mut self, m: &mut Month) {
        let p = self.p;
        let c = &p.coefficients.preparation;
        let balance = 1.0 - 2.0 * (p.buyer.work_share - 0.5).abs();
        let speed = p.dynamics.prep_rate
            * (c.balance_floor + c.balance_weight * balance)
            * (1.0 + p.supplier.experience)
            * (c.communication_floor + c.communication_weight * m.comm);
        // Joint analysis goes faster or slower than planned; staff turnover and redone
        // analyses set it back.
        self.prep_progress += speed * (1.0 + p.dynamics.prep_noise_sd * m.z_prep).max(0.0);
        if m.u_delay < self.delay_prob {
            self.prep_progress = (self.prep_progress - c.delay_setback).max(0.0);
            m.ev |= Events::DELAY;
        }
        // Power use lets the buyer cover a smaller share of the costs.
        let buyer_cost_share = self.engagement * (1.0 - self.power_use_b);
        let s_cost = p.relationship.prep_cost * (1.0 - buyer_cost_share);
        m.supplier_costs += s_cost;
        self.sunk += s_cost;
    }

    /// Step 4 in execution and integration: performance, value created and appropriated,
    /// progress, crises and institutionalisation.
    fn s04_deliver(&mut self, m: &mut Month) {
        let p = self.p;
        let (on, dy, c) = (&p.mechanisms, &p.dynamics, &p.coefficients.performance);
        let mut fit = (c.fit_base + c.fit_learning * self.l_beh + c.fit_knowledge * self.sat_k)
            .min(c.fit_cap);
        if on.productive_coercion {
            // Pressure from the stronger side also improves delivery.
            fit += p.coefficients.power.productivity * self.power_use_b;
        }
        let mut shock = 1.0;
        if on.crises && m.u_shock < self.shock_prob {
            shock = 1.0 - p.events.shock_size;
            m.ev |= Events::SHOCK;
        }
        let perf = (fit * (1.0 + dy.noise_sd * m.z) * shock).max(0.0);
        self.perf_ema = (1.0 - c.smoothing) * self.perf_ema + c.smoothing * perf;
        let coercion = 1.0 - p.power.coercion_cost * self.power_use_b;
        let v_ex = self.base_value() * perf * coercion;
        let v_k = self.v_k;
        let th = self.theta;
        self.created += v_ex + v_k;
        m.app_s = self.share * v_ex + (1.0 - th) * v_k + th * self.share * v_k;
        m.app_b = (1.0 - self.share) * v_ex + (1.0 - th) * v_k + th * (1.0 - self.share) * v_k;
        self.app_s += m.app_s;
        self.app_b += m.app_b;
        m.focal_income = self.share * v_ex;
        if m.phase == Phase::Execution {
            self.exec_progress += dy.exec_rate * perf.min(c.progress_cap);
        }
        if on.crises {
            self.s04_crisis(m);
        }
        if m.phase == Phase::Integration && on.institutionalization {
            self.inst += dy.institutionalization_rate * (1.0 - self.inst);
        }
    }

    /// Step 4: a performance crisis starts or ends against the smoothed performance.
    fn s04_crisis(&mut self, m: &mut Month) {
        let threshold = self.p.dynamics.crisis_threshold;
        if !self.in_crisis && self.perf_ema < threshold {
            self.in_crisis = true;
            self.crises += 1;
            m.ev |= Events::CRISIS_START;
        } else if self.in_crisis && self.perf_ema >= threshold {
            self.in_crisis = false;
            m.ev |= Events::CRISIS_END;
        }
    }

    /// Step 5. Customer-specific investment: gated by trust, triggered by understanding of
    /// the buyer, escalated by dissatisfaction, scaled by the expected own return (§7.5).
    pub(super) fn s05_specific_investment(&mut self, m: &mut Month) {
        let p = self.p;
        let (dy, rel, c) = (&p.dynamics, &p.relationship, &p.coefficients.investment);
        if p.mechanisms.specific_investment && self.trust_s >= dy.invest_trust_threshold {
            let expected_return = (1.0 - self.theta) + self.theta * self.share;
            let mut intent = p.supplier.invest_propensity
                * (c.exploration_floor + c.exploration_weight * p.supplier.exploration)
                * (c.understanding_floor + c.understanding_weight * self.l_cog)
                * expected_return;
            if self.in_crisis {
                intent *= 1.0 + dy.escalation;
            }
            if p.mechanisms.forward_looking {
                // Specific assets pay off over the relationship's expected duration.
                intent *= m.dur_s / (m.dur_s + p.coefficients.forward.horizon_half);
            }
            let csi = (rel.csi_max * intent.min(1.0)).min(c.cash_cap * self.cash.max(0.0));
            m.csi = csi;
            if csi > 0.0 {
                m.ev |= Events::INVESTMENT;
                if self.in_crisis {
                    m.ev |= Events::ESCALATION;
                }
            }
            self.csi_cum += csi;
            self.sunk += csi;
            m.supplier_costs += csi;
        }
        m.signal = if rel.csi_max > 0.0 {
            m.csi / rel.csi_max
        } else {
            0.0
        };
        let w = c.signal_smoothing;
        self.signal_ema = (1.0 - w) * self.signal_ema + w * m.signal;
        if p.mechanisms.buyer_coinvestment && p.mechanisms.specific_investment {
            self.s05_coinvestment(m);
        }
    }

    /// Step 5 for the buyer: co-investment driven by its exploration motive, trust and
    /// engagement; it is sunk and locks the buyer in too (§7.5).
    fn s05_coinvestment(&mut self, m: &mut Month) {
        let p = self.p;
        let b = &p.buyer;
        let mut intent = b.coinvest_propensity * b.exploration * self.trust_b * self.engagement;
        if p.mechanisms.forward_looking {
            intent *= m.dur_b / (m.dur_b + p.coefficients.forward.horizon_half);
        }
        m.coinvest = p.coefficients.coinvestment.scale * p.relationship.csi_max * intent;
        self.coinvest_cum += m.coinvest;
    }

    /// Step 6. Buyer engagement: reciprocity to the signal; the champion mobilises
    /// resources (§7.6).
    pub(super) fn s06_engagement(&mut self, m: &mut Month) {
        let (b, c) = (&self.p.buyer, &self.p.coefficients.reciprocity);
        if self.p.mechanisms.reciprocity {
            self.engagement +=
                c.signal_rate * b.reciprocity * b.exploration * m.signal * (1.0 - self.engagement);
        }
        self.engagement += c.champion_rate * m.champ * b.exploration * (1.0 - self.engagement);
        // A current-sales motive lets engagement fall back to contact on demand.
        self.engagement -= c.engagement_decay * (1.0 - b.exploration) * self.engagement;
        // The champion may leave: the relationship loses its bridge, and the supplier reads
        // it as a broken promise.
        if self.p.mechanisms.champion_turnover
            && self.p.mechanisms.champion
            && self.champion_present
            && b.champion > 0.0
            && m.u_champion < b.champion_hazard
        {
            self.champion_present = false;
            m.ev |= Events::CHAMPION_LEFT;
            if self.p.mechanisms.trust {
                self.trust_s *= 1.0 - self.p.coefficients.trust.broken_promise;
            }
        }
    }

    /// Step 7. New knowledge needs learning and specific investment; capability grows (§7.7).
    pub(super) fn s07_knowledge(&mut self, m: &mut Month) {
        let p = self.p;
        let dy = &p.dynamics;
        let mut dk = 0.0;
        // Knowledge depreciates (people leave, technology moves on).
        let keep = 1.0 - dy.knowledge_depreciation;
        self.k_port *= keep;
        self.k_spec *= keep;
        // Specific assets wear out at the same rate (equipment, dedicated people).
        self.assets *= keep;
        self.assets += m.csi + m.coinvest;
        if p.mechanisms.learning {
            let csi_f = self.assets / (self.assets + dy.csi_half);
            dk = dy.knowledge_rate
                * p.relationship.complementarity
                * (self.l_cog * self.l_beh).sqrt()
                * csi_f;
            self.k_port += p.supplier.portability * dk;
            self.k_spec += (1.0 - p.supplier.portability) * dk;
        }
        self.refresh_knowledge();
        let gain = p.coefficients.capability.learning_gain;
        self.capability = clamp01(
            self.capability + (gain * (m.d_cog + m.d_beh) + dk).min(1.0) * (1.0 - self.capability),
        );
    }

    /// Step 8. The buyer's perception follows demonstrated capability (§7.8).
    pub(super) fn s08_perception(&mut self, m: &mut Month) {
        if self.p.mechanisms.perception {
            self.perceived +=
                self.p.dynamics.perception_rate * m.comm * (self.capability - self.perceived);
        } else {
            self.perceived = self.capability;
        }
    }

    /// Step 9. Supplier finances and sales concentration (§7.9).
    pub(super) fn s09_finances(&mut self, m: &mut Month) {
        let p = self.p;
        let (s, c) = (&p.supplier, &p.coefficients.finances);
        // The other business grows only as the supplier builds it (portable learning), and
        // not at all under exclusivity.
        let potential =
            1.0 + c.portable_business * (1.0 - p.relationship.exclusivity) * self.sat_port;
        self.other_business += c.other_business_rate * (potential - self.other_business);
        let other_rev = s.other_revenue * self.other_business * self.other_mult;
        m.margin = m.focal_income + other_rev - s.fixed_costs - m.supplier_costs;
        self.cash += m.margin;
        self.focal_income_cum += m.focal_income;
    }

    /// Step 10. Dependence, power use, the bargained split (§7.10).
    pub(super) fn s10_dependence_power_split(&mut self, m: &mut Month) {
        let p = self.p;
        let on = &p.mechanisms;
        let DependenceParts { d_s, d_b, a_s, a_b } = self.dependence_parts();
        let asym = d_s - d_b;
        (m.d_s, m.d_b, m.a_s, m.a_b, m.asym) = (d_s, d_b, a_s, a_b, asym);
        if on.power_use {
            let mut use_b = p.buyer.power_willingness * asym.max(0.0) * (1.0 - a_s);
            let mut use_s = p.supplier.power_willingness * (-asym).max(0.0) * (1.0 - a_b);
            if on.temptation {
                // The weaker side's capacity to create value tempts the stronger side.
                let t = p.coefficients.power.temptation;
                use_b *= (1.0 - t) + 2.0 * t * self.perceived;
            }
            if on.forward_looking {
                // Self-enforcement: squeezing puts tomorrow's surplus at risk, the more so
                // the longer the expected future, the freer the target is to leave and the
                // more the user needs it.
                let c = &p.coefficients.forward;
                use_b /= 1.0 + c.restraint * m.dur_b / c.horizon_half * (1.0 - d_s) * d_b;
                use_s /= 1.0 + c.restraint * m.dur_s / c.horizon_half * (1.0 - d_b) * d_s;
            }
            self.power_use_b = clamp01(use_b);
            self.power_use_s = clamp01(use_s);
        }
        self.power_sum += self.power_use_b;
        let c = &p.coefficients.bargaining;
        let anchor = if on.nash_bargaining {
            self.nash_share(a_s, a_b)
        } else {
            p.relationship.initial_share - p.power.bargaining_weight * asym
        };
        let target = (anchor - p.power.squeeze * (self.power_use_b - self.power_use_s))
            .clamp(c.share_min, c.share_max);
        if m.phase != Phase::Preparation {
            let flex = if m.phase == Phase::Integration && on.institutionalization {
                1.0 - self.inst
            } else {
                1.0
            };
            let rate = if m.renegotiate {
                m.ev |= Events::RENEGOTIATION;
                c.renegotiation_rate
            } else {
                p.dynamics.bargaining_rate * flex
            };
            let moved = rate * (target - self.share);
            self.share += moved;
            if m.phase == Phase::Integration {
                self.share_moves_integration += moved.abs();
            }
        }
    }

    /// Step 10 (rival rule): the Nash-bargaining share of the exchange value, with each
    /// side's outside value as its disagreement point.
    fn nash_share(&self, a_s: f64, a_b: f64) -> f64 {
        let rel = &self.p.relationship;
        let v = self.base_value();
        if v <= 0.0 {
            return rel.initial_share;
        }
        let out_s = rel.supplier_outside_value * a_s;
        let out_b = rel.buyer_outside_value * a_b;
        (out_s + 0.5 * (v - out_s - out_b)) / v
    }

    /// Step 11. Trust as a memory of evidence: each month's experience (engagement,
    /// communication, results, forbearance; for the buyer results, communication, the
    /// investment signal and the champion's vouching) is added to a decaying stock of
    /// evidence, so trust built up over years moves slowly; power use damages it (§7.11).
    pub(super) fn s11_trust(&mut self, m: &mut Month) {
        let p = self.p;
        if !p.mechanisms.trust {
            return;
        }
        let damage = p.power.trust_damage;
        let c = &p.coefficients.trust;
        let weight = 1.0 - c.damping * self.inst;
        let keep = 1.0 - p.dynamics.trust_forgetting;
        let results = if m.phase == Phase::Preparation {
            c.preparation_results
        } else {
            self.perf_ema.min(1.0)
        };
        // Power the buyer could use but does not (none to forgo when the model has no power
        // use).
        let forbearance = if p.mechanisms.power_use {
            (m.asym.max(0.0) * (1.0 - m.a_s) - self.power_use_b).max(0.0)
        } else {
            0.0
        };
        let e_s = clamp01(
            c.supplier_base
                + c.supplier_engagement * self.engagement
                + c.supplier_communication * m.comm
                + c.supplier_results * (results - 0.5)
                + c.forbearance * forbearance,
        );
        (self.trust_s, self.evidence_s) =
            add_evidence(self.trust_s, self.evidence_s, keep, weight, e_s);
        self.trust_s -= damage * self.power_use_b * self.trust_s;
        let mut e_b = c.buyer_results * results
            + c.buyer_communication * m.comm
            + c.buyer_signal * (c.signal_saturation * self.signal_ema).min(1.0);
        if self.in_crisis && m.champ > 0.0 {
            e_b += c.champion_vouching * m.champ;
            m.ev |= Events::CHAMPION;
        }
        (self.trust_b, self.evidence_b) =
            add_evidence(self.trust_b, self.evidence_b, keep, weight, clamp01(e_b));
        self.trust_b -= damage * self.power_use_s * self.trust_b;
        self.trust_s = clamp01(self.trust_s);
        self.trust_b = clamp01(self.trust_b);
    }

    /// Step 12. Continuation: each side compares the value of staying (its continuation
    /// value, weighted by trust and, when forward-looking, discounted by the partner's
    /// likelihood of leaving) with its outside value; the choice to leave is a logit on the
    /// relative difference. Lock-in holds the supplier; insolvency ends the run (§7.12).
    pub(super) fn s12_continuation(&mut self, m: &mut Month) {
        let p = self.p;
        let (on, dy, rel) = (&p.mechanisms, &p.dynamics, &p.relationship);
        let c = &p.coefficients.continuation;
        self.s12_continuation_values(m);
        let joint = if on.joint_dependence {
            1.0 + c.joint_weight * (m.d_s + m.d_b)
        } else {
            1.0
        };
        let mut stay_s = self.cv_s * (c.trust_floor + c.trust_weight * self.trust_s) * joint;
        let out_s = rel.supplier_outside_value * m.a_s;
        let mut stay_b = self.cv_b * (c.trust_floor + c.trust_weight * self.trust_b) * joint;
        // The buyer's need for the supplier discounts what it expects from an alternative.
        let out_b = rel.buyer_outside_value * m.a_b * (1.0 - c.need_weight * p.buyer.need);
        if on.forward_looking {
            // Present values: this relationship lasts while this partner stays; the outside
            // option is a relationship with a typical partner, who leaves at the midpoint
            // hazard. A reliable partner is worth more than its monthly value.
            stay_s *= m.dur_s / self.typical_dur_s;
            stay_b *= m.dur_b / self.typical_dur_b;
        }
        let pull = if on.lock_in {
            dy.sunk_weight * (self.sunk - self.focal_income_cum).max(0.0)
                / p.coefficients.lock_in.pull_months
        } else {
            0.0
        };
        if stay_s < out_s {
            self.intent_s += 1;
            m.ev |= Events::SUPPLIER_EXIT_INTENT;
            if stay_s + pull >= out_s {
                self.locked += 1;
                m.ev |= Events::LOCKED_IN;
            }
        }
        if stay_b < out_b {
            self.intent_b += 1;
            m.ev |= Events::BUYER_EXIT_INTENT;
        }
        let (p_s, p_b) = if on.exit {
            let t = c.exit_temperature;
            (
                dy.exit_hazard * logistic(relative_gap(out_s, stay_s + pull) / t),
                dy.exit_hazard * logistic(relative_gap(out_b, stay_b) / t),
            )
        } else {
            (0.0, 0.0)
        };
        (self.p_exit_s, self.p_exit_b) = (p_s, p_b);
        if m.u_exit_s < p_s {
            m.end = Some(EndReason::SupplierExit);
        } else if m.u_exit_b < p_b {
            m.end = Some(EndReason::BuyerExit);
        }
        if self.cash < 0.0 {
            m.end = Some(EndReason::SupplierInsolvency);
        }
    }

    /// Step 12: each side's continuation value, expected in preparation, then smoothed from
    /// what it appropriates.
    fn s12_continuation_values(&mut self, m: &Month) {
        let th = self.theta;
        if m.phase == Phase::Preparation {
            let base = self.base_value();
            let v_k = self.v_k;
            self.cv_s = self.share * base + ((1.0 - th) + th * self.share) * v_k;
            self.cv_b = (1.0 - self.share) * base + ((1.0 - th) + th * (1.0 - self.share)) * v_k;
        } else {
            let w = self.p.coefficients.continuation.smoothing;
            self.cv_s = (1.0 - w) * self.cv_s + w * m.app_s;
            self.cv_b = (1.0 - w) * self.cv_b + w * m.app_b;
        }
    }

    /// Step 13. Phase transitions (§7.13).
    pub(super) fn s13_phase_transitions(&mut self, m: &mut Month) {
        let p = self.p;
        let asym = m.asym;
        m.lock = self.lock_index();
        if let Some(reason) = m.end {
            self.enter(Phase::Dissolved, asym);
            self.end = Some(reason);
        } else {
            match m.phase {
                Phase::Preparation if self.prep_progress >= 1.0 => {
                    // A noisy choice around the threshold: the buyer's confidence in the
                    // supplier decides, with some luck, whether the dyad skips execution.
                    let t = p.coefficients.transitions.skip_temperature;
                    if m.u_skip < logistic((self.perceived - p.dynamics.skip_threshold) / t) {
                        self.skipped = true;
                        m.ev |= Events::SKIP;
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
                Phase::Integration if p.mechanisms.novel_projects => self.s13_novel_project(m),
                _ => {}
            }
            if self.month >= p.months {
                self.end = Some(EndReason::Horizon);
            }
        }
    }

    /// Step 13 in integration: a novel project may reopen execution.
    fn s13_novel_project(&mut self, m: &mut Month) {
        let p = self.p;
        // Institutionalised routines reduce the flexibility to start changes (P12).
        let rigidity = 1.0 - p.coefficients.novel.rigidity * self.inst;
        let rate = p.events.novel_rate
            * p.supplier.exploration
            * self.capability
            * self.trust_s
            * rigidity;
        if m.u_novel < rate {
            self.novel += 1;
            m.ev |= Events::NOVEL_PROJECT;
            self.inst *= p.coefficients.novel.institutionalization_kept;
            self.scope += p.events.novel_scope;
            self.exec_progress = p.coefficients.novel.execution_progress;
            self.enter_execution(m.asym);
        }
    }

    /// Move to phase `next`: close the spell of the current phase at asymmetry `asym`.
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

    /// Move to execution (from preparation, or from integration with a novel project).
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

    /// The month's record, written last (§3): dependence is read again after a phase change.
    pub(super) fn write_record(&mut self, m: &Month) -> &MonthRecord {
        let (d_s2, d_b2, asym2) = if self.record.events.has(Events::PHASE_CHANGE) {
            self.dependence()
        } else {
            (m.d_s, m.d_b, m.asym)
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
            lock_in: m.lock,
            performance: self.perf_ema,
            investment: m.csi,
            investment_cum: self.csi_cum,
            sunk_costs: self.sunk,
            supplier_cash: self.cash,
            supplier_margin: m.margin,
            value_created: self.created,
            value_supplier: self.app_s,
            value_buyer: self.app_b,
            events: Events(self.record.events.0 | m.ev),
        };
        &self.record
    }
}

/// Add one month of evidence `e` with weight `w` to trust `t` backed by evidence mass `n`,
/// after forgetting a share `1 − keep` of the old mass: a weighted mean of the old trust and
/// the new evidence (§7.11). Returns the new trust and mass.
fn add_evidence(t: f64, n: f64, keep: f64, w: f64, e: f64) -> (f64, f64) {
    if n.is_infinite() {
        return (t, n);
    }
    let n = n * keep;
    if n + w <= 0.0 {
        return (t, n);
    }
    ((t * n + w * e) / (n + w), n + w)
}

/// The gap of `out` over `stay` relative to their size, in [−1, 1] (0 when both are 0).
fn relative_gap(out: f64, stay: f64) -> f64 {
    let scale = out.abs() + stay.abs();
    if scale > 0.0 {
        (out - stay) / scale
    } else {
        0.0
    }
}
