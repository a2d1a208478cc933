//! The coefficients of the rules, grouped by submodel (`coefficients.*` in
//! [`PARAM_SPECS`](super::PARAM_SPECS)): each number a rule of docs/MODEL.md §7 uses, with
//! today's value as default so that sensitivity analysis and calibration can reach it.

use serde::Serialize;

/// Coefficients of external events (§7.1).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ExternalEventCoefficients {
    /// Share of favourable events that raise the supplier's capability; the rest weaken rival suppliers, share.
    pub capability_share: f64,
    /// Share of adverse events that strengthen rival suppliers; the rest shrink the other business, share.
    pub rivals_share: f64,
}

/// Coefficients of communication (§7.2): `comm = clamp01(base + goal_alignment·g_a + engagement·e + champion·χ)`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CommunicationCoefficients {
    /// Communication with no goal alignment, engagement or champion, 0..1.
    pub base: f64,
    /// Weight of goal alignment.
    pub goal_alignment: f64,
    /// Weight of buyer engagement.
    pub engagement: f64,
    /// Weight of the champion's strength.
    pub champion: f64,
}

/// Coefficients of learning (§7.3).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LearningCoefficients {
    /// Factor of cognitive learning with no shared values, 0..1.
    pub cognitive_floor: f64,
    /// Weight of shared values in the cognitive learning factor.
    pub cognitive_shared_values: f64,
    /// Supplier's effort in joint work with no investment signal, 0..1.
    pub effort_floor: f64,
    /// Weight of the smoothed investment signal in the supplier's effort.
    pub effort_signal: f64,
}

/// Coefficients of preparation speed (§7.4).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PreparationCoefficients {
    /// Speed factor of a fully one-sided division of work, 0..1.
    pub balance_floor: f64,
    /// Weight of the balance of work in the speed factor.
    pub balance_weight: f64,
    /// Speed factor with no communication, 0..1.
    pub communication_floor: f64,
    /// Weight of communication in the speed factor.
    pub communication_weight: f64,
    /// Preparation progress lost in a delay (staff turnover, analysis redone), 1.
    pub delay_setback: f64,
}

/// Coefficients of fit, performance and its smoothing in execution and integration (§7.4).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PerformanceCoefficients {
    /// Fit with no behavioural learning and no knowledge, relative.
    pub fit_base: f64,
    /// Weight of behavioural learning in fit.
    pub fit_learning: f64,
    /// Weight of saturated joint knowledge in fit.
    pub fit_knowledge: f64,
    /// Largest fit, as a multiple of expected performance, relative.
    pub fit_cap: f64,
    /// Weight of this month's performance in smoothed performance; the past keeps the complement.
    pub smoothing: f64,
    /// Largest performance that counts towards execution progress, relative.
    pub progress_cap: f64,
}

/// Coefficients of exchange value created per month, `base_value` (§7.4).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ValueCoefficients {
    /// Value factor of a supplier with no capability, 0..1.
    pub capability_floor: f64,
    /// Weight of capability in the value factor.
    pub capability_weight: f64,
    /// Value factor of a buyer with no engagement, 0..1.
    pub engagement_floor: f64,
    /// Weight of engagement in the value factor.
    pub engagement_weight: f64,
    /// Knowledge at which value-in-use saturates: v_k = kv·K/(1 + K/K_sat), units.
    pub knowledge_saturation: f64,
}

/// Coefficients of customer-specific investment and its signal (§7.5).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct InvestmentCoefficients {
    /// Intent factor of a supplier with no exploration motive, 0..1.
    pub exploration_floor: f64,
    /// Weight of the exploration motive in the intent factor.
    pub exploration_weight: f64,
    /// Intent factor with no cognitive learning, 0..1.
    pub understanding_floor: f64,
    /// Weight of cognitive learning in the intent factor.
    pub understanding_weight: f64,
    /// Largest share of cash invested in one month, share.
    pub cash_cap: f64,
    /// Weight of this month's signal in the smoothed signal; the past keeps the complement.
    pub signal_smoothing: f64,
}

/// Coefficients of reciprocity and champion mobilisation of buyer engagement (§7.6).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ReciprocityCoefficients {
    /// Rate at which engagement answers the investment signal, 1/month.
    pub signal_rate: f64,
    /// Rate at which the champion raises engagement, 1/month.
    pub champion_rate: f64,
    /// Monthly fall of engagement of a buyer with a current-sales motive, 1/month.
    pub engagement_decay: f64,
}

/// Coefficients of capability growth (§7.7).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CapabilityCoefficients {
    /// Capability growth per unit of the month's learning, 1.
    pub learning_gain: f64,
}

/// Coefficients of finances and sales concentration (§7.9).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FinanceCoefficients {
    /// Rate at which the supplier's other business follows its potential, 1/month.
    pub other_business_rate: f64,
    /// Weight of saturated portable knowledge in the potential of the supplier's other business.
    pub portable_business: f64,
}

/// Coefficients of alternatives and need behind dependence (§7.10).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DependenceCoefficients {
    /// Weight of prior experience in the supplier's alternatives.
    pub experience: f64,
    /// Weight of saturated portable knowledge in the supplier's alternatives.
    pub portable_knowledge: f64,
    /// Weight of saturated buyer-specific knowledge in the buyer's need.
    pub uniqueness: f64,
    /// Weight of saturated buyer-specific knowledge in the supplier's focal business (alignment).
    pub alignment: f64,
}

/// Coefficients of lock-in from sunk costs (§7.10, §7.12).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LockInCoefficients {
    /// Fall of the supplier's alternatives at full lock-in, share.
    pub alternatives_discount: f64,
    /// Months over which unrecovered sunk costs are spread in the lock-in pull, months.
    pub pull_months: f64,
}

/// Coefficients of the bargained split (§7.10).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct BargainingCoefficients {
    /// Smallest bargained target share of the supplier, share.
    pub share_min: f64,
    /// Largest bargained target share of the supplier, share.
    pub share_max: f64,
    /// Share of the gap to the target closed in a month with an external event, 1/month.
    pub renegotiation_rate: f64,
}

/// Coefficients of trust targets and their speed (§7.11).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TrustCoefficients {
    /// Fall of the speed of trust adjustment at full institutionalisation, share.
    pub damping: f64,
    /// Supplier's trust target with no engagement or communication, 0..1.
    pub supplier_base: f64,
    /// Weight of buyer engagement in the supplier's trust target.
    pub supplier_engagement: f64,
    /// Weight of communication in the supplier's trust target.
    pub supplier_communication: f64,
    /// Results the buyer credits in preparation, before any performance, 0..1.
    pub preparation_results: f64,
    /// Weight of results in the buyer's trust target.
    pub buyer_results: f64,
    /// Weight of communication in the buyer's trust target.
    pub buyer_communication: f64,
    /// Weight of the saturated investment signal in the buyer's trust target.
    pub buyer_signal: f64,
    /// Multiple of the smoothed signal in the buyer's investment term, which saturates at 1, multiple.
    pub signal_saturation: f64,
    /// Trust target added per unit of champion strength in a crisis.
    pub champion_vouching: f64,
    /// Weight of results in the supplier's trust evidence, weight.
    pub supplier_results: f64,
    /// Weight of forbearance (power not used) in the supplier's trust evidence, weight.
    pub forbearance: f64,
    /// Share of the supplier's trust lost when the champion leaves (a broken promise), share.
    pub broken_promise: f64,
}

/// Coefficients of continuation values and the decision to stay (§7.12).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ContinuationCoefficients {
    /// Weight of the continuation value to a side with no trust, 0..1.
    pub trust_floor: f64,
    /// Weight of trust in the weight of the continuation value.
    pub trust_weight: f64,
    /// Weight of this month's appropriation in the continuation value; the past keeps the complement.
    pub smoothing: f64,
    /// Temperature of the exit choice on the relative value difference, 1.
    pub exit_temperature: f64,
    /// Weight of the buyer's need in discounting its outside value, 1.
    pub need_weight: f64,
    /// Weight of joint dependence in the value of staying (rival mechanism), 1.
    pub joint_weight: f64,
}

/// Coefficients of novel projects in integration (§7.13).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct NovelProjectCoefficients {
    /// Share of institutionalisation kept when a novel project starts, share.
    pub institutionalization_kept: f64,
    /// Execution progress at which a novel project re-enters execution, 1.
    pub execution_progress: f64,
    /// Fall of the rate of novel projects at full institutionalisation, share.
    pub rigidity: f64,
}

/// Coefficients of phase transitions (§7.13).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TransitionCoefficients {
    /// Temperature of the logistic choice to skip execution around the skip threshold, 0..1.
    pub skip_temperature: f64,
}

/// Coefficients of forward-looking choices (§7.5, §7.10, §7.12).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ForwardCoefficients {
    /// Expected duration at which the horizon factor of investment is one half, months.
    pub horizon_half: f64,
    /// Strength of the buyer's restraint in using power when the future is at stake, 1.
    pub restraint: f64,
}

/// Coefficients of the rival power mechanisms (§7.10).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PowerCoefficients {
    /// Weight of temptation by the weaker side's perceived capability, 0..1.
    pub temptation: f64,
    /// Fit gained at full power use under productive coercion, relative.
    pub productivity: f64,
}

/// Coefficients of buyer co-investment (§7.5).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CoinvestmentCoefficients {
    /// Largest monthly buyer co-investment as a share of the supplier's csi_max, share.
    pub scale: f64,
}

/// The coefficients written into the model's rules: weights, floors, rates, caps and
/// smoothing weights of `docs/MODEL.md` §7, grouped by submodel. Every one is a model
/// assumption, not an estimate; `docs/MODEL.md` §6 gives each one's range and equation.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CoefficientParams {
    /// External events (§7.1).
    pub external_events: ExternalEventCoefficients,
    /// Communication (§7.2): `comm = clamp01(base + goal_alignment·g_a + engagement·e + champion·χ)`.
    pub communication: CommunicationCoefficients,
    /// Learning (§7.3).
    pub learning: LearningCoefficients,
    /// Preparation speed (§7.4).
    pub preparation: PreparationCoefficients,
    /// Fit, performance and its smoothing in execution and integration (§7.4).
    pub performance: PerformanceCoefficients,
    /// Exchange value created per month, `base_value` (§7.4).
    pub value: ValueCoefficients,
    /// Customer-specific investment and its signal (§7.5).
    pub investment: InvestmentCoefficients,
    /// Reciprocity and champion mobilisation of buyer engagement (§7.6).
    pub reciprocity: ReciprocityCoefficients,
    /// Capability growth (§7.7).
    pub capability: CapabilityCoefficients,
    /// Finances and sales concentration (§7.9).
    pub finances: FinanceCoefficients,
    /// Alternatives and need behind dependence (§7.10).
    pub dependence: DependenceCoefficients,
    /// Lock-in from sunk costs (§7.10, §7.12).
    pub lock_in: LockInCoefficients,
    /// The bargained split (§7.10).
    pub bargaining: BargainingCoefficients,
    /// Trust targets and their speed (§7.11).
    pub trust: TrustCoefficients,
    /// Continuation values and the decision to stay (§7.12).
    pub continuation: ContinuationCoefficients,
    /// Novel projects in integration (§7.13).
    pub novel: NovelProjectCoefficients,
    /// Phase transitions.
    pub transitions: TransitionCoefficients,
    /// Forward-looking choices.
    pub forward: ForwardCoefficients,
    /// Rival power mechanisms.
    pub power: PowerCoefficients,
    /// Buyer co-investment.
    pub coinvestment: CoinvestmentCoefficients,
}
