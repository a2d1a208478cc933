//! Model parameters: typed, nested by agent and mechanism, validated.
//!
//! Every parameter is described once, in [`PARAM_SPECS`]: its dotted path (the key used in
//! scenario files and sweeps), default, allowed range, unit and meaning. [`Params::default`],
//! [`Params::validate`], the scenario parser and the `dyadsim params` listing all read that one
//! table, so they cannot disagree.

use serde::Serialize;
use thiserror::Error;

pub use super::coefficients::*;

/// Parameters of the supplier (the small firm).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SupplierParams {
    /// Initial technical capability (expertise), 0..1.
    pub capability: f64,
    /// Prior experience in similar co-creation relationships, 0..1.
    pub experience: f64,
    /// Quality of the supplier's alternatives to the focal buyer (other customers), 0..1.
    pub outside_options: f64,
    /// Initial share of the supplier's sales made with the focal buyer, 0..1.
    pub sales_concentration: f64,
    /// Share of what the supplier learns that is usable with other customers, 0..1.
    pub portability: f64,
    /// Exploration motive (learning, growth) against current sales, 0..1.
    pub exploration: f64,
    /// Base propensity to make customer-specific investments, 0..1.
    pub invest_propensity: f64,
    /// Willingness to use power when the buyer is the more dependent side, 0..1.
    pub power_willingness: f64,
    /// Initial cash (financial slack), kEUR.
    pub cash: f64,
    /// Monthly gross margin earned with other customers, kEUR/month.
    pub other_revenue: f64,
    /// Monthly fixed costs, kEUR/month.
    pub fixed_costs: f64,
    /// Initial trust in the buyer, 0..1.
    pub trust: f64,
    /// Monthly discount factor of the supplier, 0..1.
    pub discount: f64,
}

/// Parameters of the buyer (the large firm).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct BuyerParams {
    /// Importance of the supplier's resource to the buyer's core business, 0..1.
    pub need: f64,
    /// Availability of alternative suppliers, 0..1.
    pub alternatives: f64,
    /// Exploration motive (new technology) against current sales, 0..1.
    pub exploration: f64,
    /// Willingness to use power when the supplier is the more dependent side, 0..1.
    pub power_willingness: f64,
    /// Initial engagement: share of preparation costs the buyer carries, 0..1.
    pub engagement: f64,
    /// Buyer's share of the preparatory work (division of work), 0..1.
    pub work_share: f64,
    /// Strength of the buyer's response to the supplier's specific investments, 0..1.
    pub reciprocity: f64,
    /// Strength of a committed champion inside the buyer (0 = none), 0..1.
    pub champion: f64,
    /// Initial perceived capability of the supplier, 0..1.
    pub perceived_capability: f64,
    /// Initial trust in the supplier, 0..1.
    pub trust: f64,
    /// Monthly discount factor of the buyer, 0..1.
    pub discount: f64,
    /// Propensity of the buyer to co-invest in the joint work, 0..1.
    pub coinvest_propensity: f64,
    /// Monthly probability that the champion leaves the buyer, 0..1.
    pub champion_hazard: f64,
}

/// Parameters of the relationship and of value.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RelationshipParams {
    /// Complementarity of the partners' resources, 0..1.
    pub complementarity: f64,
    /// Interdependence (1) against conflict (0) of goals and commercial objectives, 0..1.
    pub goal_alignment: f64,
    /// Shared collaborative values, 0..1.
    pub shared_values: f64,
    /// Overlap of the partners' value-in-use of joint knowledge: 0 = fully non-rival (dual
    /// value appropriation), 1 = the same use (zero-sum split).
    pub value_overlap: f64,
    /// Supplier's initial share of the rival (exchange) value, 0..1.
    pub initial_share: f64,
    /// Exchange value created per month at full fit and capability, kEUR/month.
    pub exchange_value: f64,
    /// Value-in-use per month of one unit of joint knowledge, kEUR/month.
    pub knowledge_value: f64,
    /// Total preparation cost per month, shared by engagement, kEUR/month.
    pub prep_cost: f64,
    /// Maximum supplier specific investment per month, kEUR/month.
    pub csi_max: f64,
    /// Buyer's monthly value from its best alternative supplier at full availability, kEUR/month.
    pub buyer_outside_value: f64,
    /// Supplier's monthly value from redeploying to other customers at full options, kEUR/month.
    pub supplier_outside_value: f64,
    /// Share of buyer-specific joint knowledge the buyer cannot replace elsewhere, 0..1.
    pub knowledge_exclusivity: f64,
    /// Strength of an exclusivity clause binding the supplier to the buyer, 0..1.
    pub exclusivity: f64,
}

/// Rates and thresholds of the dynamics.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DynamicsParams {
    /// Base preparation progress per month, 1/month.
    pub prep_rate: f64,
    /// Base execution progress per month, 1/month.
    pub exec_rate: f64,
    /// Learning rate (cognitive and behavioural), 1/month.
    pub learning_rate: f64,
    /// New-knowledge creation rate, units/month.
    pub knowledge_rate: f64,
    /// Trust adjustment rate, 1/month.
    pub trust_rate: f64,
    /// Rate at which the buyer's perception of supplier capability converges, 1/month.
    pub perception_rate: f64,
    /// Rate at which the value split moves to its bargained target, 1/month.
    pub bargaining_rate: f64,
    /// Institutionalisation rate in integration, 1/month.
    pub institutionalization_rate: f64,
    /// Standard deviation of monthly performance noise (relative), 1.
    pub noise_sd: f64,
    /// Smoothed performance below which a performance crisis is declared, 0..1.
    pub crisis_threshold: f64,
    /// Extra investment intensity in a crisis when trust allows it, multiple.
    pub escalation: f64,
    /// Supplier trust needed before it invests specifically, 0..1.
    pub invest_trust_threshold: f64,
    /// Monthly probability of acting on a preferred exit, 0..1.
    pub exit_hazard: f64,
    /// Weight of unrecovered sunk costs in the decision to stay (lock-in), 1.
    pub sunk_weight: f64,
    /// Sunk stock at which lock-in reaches half its strength, kEUR.
    pub lockin_half: f64,
    /// Cumulative specific investment at which it supports half the knowledge rate, kEUR.
    pub csi_half: f64,
    /// Fall of the buyer's perceived capability when new expert tasks start execution, 0..1.
    pub reset_fraction: f64,
    /// Perceived capability at the end of preparation that lets the dyad skip execution, 0..1.
    pub skip_threshold: f64,
    /// Monthly depreciation of joint knowledge, 1/month.
    pub knowledge_depreciation: f64,
    /// Monthly forgetting of the evidence behind trust, 1/month.
    pub trust_forgetting: f64,
    /// Standard deviation of monthly preparation progress (relative), 1.
    pub prep_noise_sd: f64,
    /// Rate of delays in preparation (staff turnover, re-analysis), events/month.
    pub delay_rate: f64,
}

/// External events, novel projects and crises.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct EventParams {
    /// Rate of external events (Poisson), events/month.
    pub external_rate: f64,
    /// Share of external events favourable to the supplier, 0..1.
    pub favourable_share: f64,
    /// Size of an external event's effect, 0..1.
    pub external_size: f64,
    /// Base rate of supplier-initiated novel projects in integration, projects/month.
    pub novel_rate: f64,
    /// Scope added to the collaboration by a novel project, 1.
    pub novel_scope: f64,
    /// Rate of exogenous performance shocks, shocks/month.
    pub shock_rate: f64,
    /// Relative fall of performance in a shock month, 0..1.
    pub shock_size: f64,
}

/// Power: bargaining, power use and the L/M/H coding.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PowerParams {
    /// Asymmetry below which the level is coded low, -1..1.
    pub level_low: f64,
    /// Asymmetry at or above which the level is coded high, -1..1.
    pub level_high: f64,
    /// Weight of structural asymmetry in the bargained split, 0..1.
    pub bargaining_weight: f64,
    /// Largest cut of the supplier's share at full power use, 0..1.
    pub squeeze: f64,
    /// Share of the exchange value destroyed at full coercive power use, 0..1.
    pub coercion_cost: f64,
    /// Trust lost by the target of full power use per month, 0..1.
    pub trust_damage: f64,
}

/// Mechanism switches, for ablation. `true` = the mechanism is in the model.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Mechanisms {
    /// Committed champion in the buyer (communication, access, trust, learning).
    pub champion: bool,
    /// Trust updated by experience (off: trust frozen at its initial values).
    pub trust: bool,
    /// Cognitive and behavioural learning, and new knowledge.
    pub learning: bool,
    /// Supplier's unilateral customer-specific investment.
    pub specific_investment: bool,
    /// Buyer reciprocity to the supplier's investment signal.
    pub reciprocity: bool,
    /// Lock-in from sunk buyer-specific costs.
    pub lock_in: bool,
    /// Buyer and supplier power use (squeezing the split).
    pub power_use: bool,
    /// Dual value appropriation (off: value-in-use overlap forced to 1, a zero-sum split).
    pub dual_value: bool,
    /// Institutionalisation in integration.
    pub institutionalization: bool,
    /// External events.
    pub external_events: bool,
    /// Supplier-initiated novel projects in integration.
    pub novel_projects: bool,
    /// Performance crises (exogenous shocks and crisis responses).
    pub crises: bool,
    /// The buyer's misperception of supplier capability (off: perceived = actual).
    pub perception: bool,
    /// Voluntary exit by either side.
    pub exit: bool,
    /// Forward-looking choices (discounting, expected duration); off: myopic.
    pub forward_looking: bool,
    /// The champion may leave the buyer (a monthly hazard).
    pub champion_turnover: bool,
    /// Buyer co-investment in the joint work, and the buyer's own lock-in.
    pub buyer_coinvestment: bool,
    /// Temptation: the weaker side's value-creating capacity tempts the stronger side.
    pub temptation: bool,
    /// Productive coercion: power use also raises delivery performance.
    pub productive_coercion: bool,
    /// Nash-bargaining split with outside options as the disagreement point.
    pub nash_bargaining: bool,
    /// Joint dependence (the sum) raises each side's value of staying.
    pub joint_dependence: bool,
}

/// All model parameters. Build with [`Params::default`], change fields or use
/// [`Params::set`], then [`Params::validate`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Params {
    /// Horizon, months (one step is one month).
    pub months: u32,
    /// Supplier.
    pub supplier: SupplierParams,
    /// Buyer.
    pub buyer: BuyerParams,
    /// Relationship and value.
    pub relationship: RelationshipParams,
    /// Dynamics.
    pub dynamics: DynamicsParams,
    /// Events.
    pub events: EventParams,
    /// Power.
    pub power: PowerParams,
    /// Mechanism switches.
    pub mechanisms: Mechanisms,
    /// Coefficients of the rules.
    pub coefficients: CoefficientParams,
}

/// The value type of a parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ParamKind {
    /// A real number.
    Real,
    /// A whole number.
    Integer,
    /// A switch; 1 = on, 0 = off.
    Switch,
}

/// One parameter's definition: the single source of truth for its path, default, range,
/// unit and meaning.
#[derive(Clone, Copy, Debug)]
pub struct ParamSpec {
    /// Dotted path, e.g. `supplier.capability`.
    pub path: &'static str,
    /// Value type.
    pub kind: ParamKind,
    /// Default value (switches: 1 = on).
    pub default: f64,
    /// Smallest allowed value.
    pub min: f64,
    /// Largest allowed value.
    pub max: f64,
    /// Unit.
    pub unit: &'static str,
    /// Meaning.
    pub doc: &'static str,
    get: fn(&Params) -> f64,
    set: fn(&mut Params, f64),
}

/// Paths are unique, so a spec is its path.
impl PartialEq for ParamSpec {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path
    }
}

impl ParamSpec {
    /// Read this parameter from `p` (switches as 0/1).
    pub fn get(&self, p: &Params) -> f64 {
        (self.get)(p)
    }
    /// Write `v` to this parameter of `p` without validation.
    pub fn set(&self, p: &mut Params, v: f64) {
        (self.set)(p, v)
    }
}

trait AsF64 {
    fn to_f64(&self) -> f64;
    fn from_f64(v: f64) -> Self;
}
impl AsF64 for f64 {
    fn to_f64(&self) -> f64 {
        *self
    }
    fn from_f64(v: f64) -> Self {
        v
    }
}
impl AsF64 for u32 {
    fn to_f64(&self) -> f64 {
        f64::from(*self)
    }
    fn from_f64(v: f64) -> Self {
        // Saturating conversion; validation rejects non-integers before this is used.
        v.round().clamp(0.0, f64::from(u32::MAX)) as u32
    }
}
impl AsF64 for bool {
    fn to_f64(&self) -> f64 {
        if *self { 1.0 } else { 0.0 }
    }
    fn from_f64(v: f64) -> Self {
        v >= 0.5
    }
}

macro_rules! specs {
    ($( $path:literal => $($field:ident).+ : $kind:ident = $default:expr, [$min:expr, $max:expr], $unit:literal, $doc:literal; )*) => {
        /// Every model parameter, in a fixed order.
        pub static PARAM_SPECS: &[ParamSpec] = &[
            $( ParamSpec {
                path: $path,
                kind: ParamKind::$kind,
                default: $default,
                min: $min,
                max: $max,
                unit: $unit,
                doc: $doc,
                get: |p: &Params| AsF64::to_f64(&p.$($field).+),
                set: |p: &mut Params, v: f64| p.$($field).+ = AsF64::from_f64(v),
            }, )*
        ];
    };
}

specs! {
    "months" => months: Integer = 60.0, [1.0, 1200.0], "months", "Horizon of a run; one step is one month.";
    "supplier.capability" => supplier.capability: Real = 0.4, [0.0, 1.0], "0..1", "Initial technical capability (expertise) of the supplier.";
    "supplier.experience" => supplier.experience: Real = 0.3, [0.0, 1.0], "0..1", "Prior experience in similar co-creation relationships; speeds preparation and makes the supplier visible to other buyers.";
    "supplier.outside_options" => supplier.outside_options: Real = 0.3, [0.0, 1.0], "0..1", "Quality of the supplier's alternatives to the focal buyer (its other customers).";
    "supplier.sales_concentration" => supplier.sales_concentration: Real = 0.7, [0.0, 1.0], "share", "Initial share of the supplier's sales made with the focal buyer.";
    "supplier.portability" => supplier.portability: Real = 0.5, [0.0, 1.0], "share", "Share of the supplier's learning usable with other customers.";
    "supplier.exploration" => supplier.exploration: Real = 0.7, [0.0, 1.0], "0..1", "Supplier motive: exploration and growth (1) against current sales (0).";
    "supplier.invest_propensity" => supplier.invest_propensity: Real = 0.5, [0.0, 1.0], "0..1", "Base propensity to make customer-specific investments.";
    "supplier.power_willingness" => supplier.power_willingness: Real = 0.3, [0.0, 1.0], "0..1", "Supplier's willingness to use power when the buyer is the more dependent side.";
    "supplier.cash" => supplier.cash: Real = 150.0, [0.0, 1.0e9], "kEUR", "Initial cash (financial slack).";
    "supplier.other_revenue" => supplier.other_revenue: Real = 11.0, [0.0, 1.0e9], "kEUR/month", "Monthly gross margin from other customers.";
    "supplier.fixed_costs" => supplier.fixed_costs: Real = 12.0, [0.0, 1.0e9], "kEUR/month", "Monthly fixed costs of the supplier.";
    "supplier.trust" => supplier.trust: Real = 0.5, [0.0, 1.0], "0..1", "Supplier's initial trust in the buyer.";
    "buyer.need" => buyer.need: Real = 0.7, [0.0, 1.0], "0..1", "Importance of the supplier's resource to the buyer's core business.";
    "buyer.alternatives" => buyer.alternatives: Real = 0.5, [0.0, 1.0], "0..1", "Availability of alternative suppliers to the buyer.";
    "buyer.exploration" => buyer.exploration: Real = 0.6, [0.0, 1.0], "0..1", "Buyer motive: exploration of new technology (1) against current sales (0).";
    "buyer.power_willingness" => buyer.power_willingness: Real = 0.5, [0.0, 1.0], "0..1", "Buyer's willingness to use power when the supplier is the more dependent side.";
    "buyer.engagement" => buyer.engagement: Real = 0.4, [0.0, 1.0], "share", "Buyer's initial engagement: its share of preparation costs and joint work.";
    "buyer.work_share" => buyer.work_share: Real = 0.35, [0.0, 1.0], "share", "Buyer's share of the preparatory work (0.5 = balanced division of work).";
    "buyer.reciprocity" => buyer.reciprocity: Real = 0.5, [0.0, 1.0], "0..1", "Strength of the buyer's response to the supplier's specific investments.";
    "buyer.champion" => buyer.champion: Real = 0.5, [0.0, 1.0], "0..1", "Strength of a committed champion inside the buyer (0 = none).";
    "buyer.perceived_capability" => buyer.perceived_capability: Real = 0.2, [0.0, 1.0], "0..1", "Buyer's initial perception of the supplier's capability.";
    "buyer.trust" => buyer.trust: Real = 0.4, [0.0, 1.0], "0..1", "Buyer's initial trust in the supplier.";
    "relationship.complementarity" => relationship.complementarity: Real = 0.7, [0.0, 1.0], "0..1", "Complementarity of the partners' resources.";
    "relationship.goal_alignment" => relationship.goal_alignment: Real = 0.5, [0.0, 1.0], "0..1", "Interdependent (1) against conflicting (0) goals and commercial objectives.";
    "relationship.shared_values" => relationship.shared_values: Real = 0.5, [0.0, 1.0], "0..1", "Shared collaborative values (openness to exchange information).";
    "relationship.value_overlap" => relationship.value_overlap: Real = 0.5, [0.0, 1.0], "0..1", "Overlap of value-in-use of joint knowledge: 0 = non-rival (dual value appropriation), 1 = zero-sum.";
    "relationship.initial_share" => relationship.initial_share: Real = 0.4, [0.0, 1.0], "share", "Supplier's initial share of the rival exchange value.";
    "relationship.exchange_value" => relationship.exchange_value: Real = 60.0, [0.0, 1.0e9], "kEUR/month", "Exchange value per month at full fit and capability.";
    "relationship.knowledge_value" => relationship.knowledge_value: Real = 30.0, [0.0, 1.0e9], "kEUR/month", "Value-in-use per month of one unit of joint knowledge.";
    "relationship.prep_cost" => relationship.prep_cost: Real = 10.0, [0.0, 1.0e9], "kEUR/month", "Total preparation cost per month, split by buyer engagement.";
    "relationship.csi_max" => relationship.csi_max: Real = 8.0, [0.0, 1.0e9], "kEUR/month", "Largest monthly customer-specific investment of the supplier.";
    "relationship.buyer_outside_value" => relationship.buyer_outside_value: Real = 14.0, [0.0, 1.0e9], "kEUR/month", "Buyer's monthly value from its best alternative supplier at full availability.";
    "relationship.supplier_outside_value" => relationship.supplier_outside_value: Real = 12.0, [0.0, 1.0e9], "kEUR/month", "Supplier's monthly value from redeploying its capacity at full outside options.";
    "dynamics.prep_rate" => dynamics.prep_rate: Real = 0.12, [0.0, 1.0], "1/month", "Base preparation progress per month.";
    "dynamics.exec_rate" => dynamics.exec_rate: Real = 0.06, [0.0, 1.0], "1/month", "Base execution progress per month.";
    "dynamics.learning_rate" => dynamics.learning_rate: Real = 0.08, [0.0, 1.0], "1/month", "Rate of cognitive and behavioural learning.";
    "dynamics.knowledge_rate" => dynamics.knowledge_rate: Real = 0.15, [0.0, 10.0], "units/month", "Rate of new joint knowledge creation.";
    "dynamics.trust_rate" => dynamics.trust_rate: Real = 0.05, [0.0, 1.0], "share", "Weight of the first month's evidence against initial trust; initial trust counts as (1 − r)/r months of evidence (§7.11).";
    "dynamics.perception_rate" => dynamics.perception_rate: Real = 0.3, [0.0, 1.0], "1/month", "Rate at which the buyer's perception of supplier capability follows demonstrated capability.";
    "dynamics.bargaining_rate" => dynamics.bargaining_rate: Real = 0.15, [0.0, 1.0], "1/month", "Rate at which the value split moves to its bargained target.";
    "dynamics.institutionalization_rate" => dynamics.institutionalization_rate: Real = 0.08, [0.0, 1.0], "1/month", "Rate of institutionalisation in integration.";
    "dynamics.noise_sd" => dynamics.noise_sd: Real = 0.3, [0.0, 2.0], "relative", "Standard deviation of monthly performance noise.";
    "dynamics.crisis_threshold" => dynamics.crisis_threshold: Real = 0.7, [0.0, 1.0], "0..1", "Smoothed performance below which a performance crisis is declared.";
    "dynamics.escalation" => dynamics.escalation: Real = 1.5, [0.0, 10.0], "multiple", "Extra investment intensity in a crisis when the supplier trusts the buyer.";
    "dynamics.invest_trust_threshold" => dynamics.invest_trust_threshold: Real = 0.45, [0.0, 1.0], "0..1", "Supplier trust needed before it invests specifically.";
    "dynamics.exit_hazard" => dynamics.exit_hazard: Real = 0.05, [0.0, 1.0], "probability/month", "Largest monthly probability of leaving, reached when leaving is clearly better than staying (§7.12).";
    "dynamics.sunk_weight" => dynamics.sunk_weight: Real = 1.0, [0.0, 10.0], "1", "Weight of unrecovered sunk costs in the decision to stay (lock-in).";
    "dynamics.lockin_half" => dynamics.lockin_half: Real = 150.0, [1.0e-6, 1.0e9], "kEUR", "Sunk stock at which lock-in reaches half its strength.";
    "dynamics.csi_half" => dynamics.csi_half: Real = 40.0, [1.0e-6, 1.0e9], "kEUR", "Cumulative specific investment that supports half the knowledge rate.";
    "dynamics.reset_fraction" => dynamics.reset_fraction: Real = 0.3, [0.0, 1.0], "share", "Fall of the buyer's perceived capability when new expert tasks start execution.";
    "dynamics.skip_threshold" => dynamics.skip_threshold: Real = 0.55, [0.0, 1.0], "0..1", "Perceived capability at the end of preparation that lets the dyad skip execution.";
    "supplier.discount" => supplier.discount: Real = 0.98, [0.0, 0.999], "1/month", "Supplier's monthly discount factor for future value (forward-looking choices).";
    "buyer.discount" => buyer.discount: Real = 0.99, [0.0, 0.999], "1/month", "Buyer's monthly discount factor for future value (forward-looking choices).";
    "buyer.coinvest_propensity" => buyer.coinvest_propensity: Real = 0.3, [0.0, 1.0], "0..1", "Buyer's propensity to co-invest in the joint work, scaled by its exploration motive, trust and engagement.";
    "buyer.champion_hazard" => buyer.champion_hazard: Real = 0.015, [0.0, 1.0], "probability/month", "Monthly probability that the champion leaves the buyer (job change, reorganisation).";
    "relationship.knowledge_exclusivity" => relationship.knowledge_exclusivity: Real = 0.15, [0.0, 1.0], "share", "Share of buyer-specific joint knowledge that the buyer cannot replace with another supplier.";
    "relationship.exclusivity" => relationship.exclusivity: Real = 0.0, [0.0, 1.0], "0..1", "Strength of an exclusivity clause: cuts the supplier's alternatives and stops its other business from growing.";
    "dynamics.knowledge_depreciation" => dynamics.knowledge_depreciation: Real = 0.03, [0.0, 1.0], "1/month", "Monthly depreciation of joint knowledge.";
    "dynamics.trust_forgetting" => dynamics.trust_forgetting: Real = 0.02, [0.0, 1.0], "1/month", "Monthly forgetting of the evidence behind trust; its inverse is the memory of trust in months.";
    "dynamics.prep_noise_sd" => dynamics.prep_noise_sd: Real = 0.4, [0.0, 2.0], "relative", "Standard deviation of monthly preparation progress (joint analysis goes faster or slower).";
    "dynamics.delay_rate" => dynamics.delay_rate: Real = 0.05, [0.0, 1.0], "events/month", "Rate of setbacks in preparation (staff turnover, analysis redone).";
    "events.external_rate" => events.external_rate: Real = 0.03, [0.0, 1.0], "events/month", "Rate of external events (Poisson).";
    "events.favourable_share" => events.favourable_share: Real = 0.6, [0.0, 1.0], "share", "Share of external events favourable to the supplier.";
    "events.external_size" => events.external_size: Real = 0.25, [0.0, 1.0], "0..1", "Size of an external event's effect.";
    "events.novel_rate" => events.novel_rate: Real = 0.08, [0.0, 1.0], "projects/month", "Base rate of supplier-initiated novel projects in integration.";
    "events.novel_scope" => events.novel_scope: Real = 0.25, [0.0, 5.0], "1", "Scope a novel project adds to the collaboration.";
    "events.shock_rate" => events.shock_rate: Real = 0.04, [0.0, 1.0], "shocks/month", "Rate of exogenous performance shocks.";
    "events.shock_size" => events.shock_size: Real = 0.5, [0.0, 1.0], "share", "Relative fall of performance in a shock month.";
    "power.level_low" => power.level_low: Real = 0.15, [-1.0, 1.0], "asymmetry", "Asymmetry below which the level is coded low (L).";
    "power.level_high" => power.level_high: Real = 0.35, [-1.0, 1.0], "asymmetry", "Asymmetry at or above which the level is coded high (H).";
    "power.bargaining_weight" => power.bargaining_weight: Real = 0.3, [0.0, 1.0], "share/asymmetry", "Weight of structural asymmetry in the bargained split.";
    "power.squeeze" => power.squeeze: Real = 0.4, [0.0, 1.0], "share", "Largest cut of the weaker side's share at full power use.";
    "power.coercion_cost" => power.coercion_cost: Real = 0.3, [0.0, 1.0], "share", "Share of exchange value destroyed at full coercive power use.";
    "power.trust_damage" => power.trust_damage: Real = 0.3, [0.0, 1.0], "1/month", "Trust lost by the target of full power use per month.";
    "mechanisms.champion" => mechanisms.champion: Switch = 1.0, [0.0, 1.0], "on/off", "Committed champion in the buyer.";
    "mechanisms.trust" => mechanisms.trust: Switch = 1.0, [0.0, 1.0], "on/off", "Trust updated by experience.";
    "mechanisms.learning" => mechanisms.learning: Switch = 1.0, [0.0, 1.0], "on/off", "Cognitive and behavioural learning and new knowledge.";
    "mechanisms.specific_investment" => mechanisms.specific_investment: Switch = 1.0, [0.0, 1.0], "on/off", "Supplier's unilateral customer-specific investment.";
    "mechanisms.reciprocity" => mechanisms.reciprocity: Switch = 1.0, [0.0, 1.0], "on/off", "Buyer reciprocity to the supplier's investment signal.";
    "mechanisms.lock_in" => mechanisms.lock_in: Switch = 1.0, [0.0, 1.0], "on/off", "Lock-in from sunk buyer-specific costs.";
    "mechanisms.power_use" => mechanisms.power_use: Switch = 1.0, [0.0, 1.0], "on/off", "Power use that squeezes the weaker side's share.";
    "mechanisms.dual_value" => mechanisms.dual_value: Switch = 1.0, [0.0, 1.0], "on/off", "Dual value appropriation (off: zero-sum split of all value).";
    "mechanisms.institutionalization" => mechanisms.institutionalization: Switch = 1.0, [0.0, 1.0], "on/off", "Institutionalisation in integration.";
    "mechanisms.external_events" => mechanisms.external_events: Switch = 1.0, [0.0, 1.0], "on/off", "External events.";
    "mechanisms.novel_projects" => mechanisms.novel_projects: Switch = 1.0, [0.0, 1.0], "on/off", "Supplier-initiated novel projects in integration.";
    "mechanisms.crises" => mechanisms.crises: Switch = 1.0, [0.0, 1.0], "on/off", "Performance crises and the responses to them.";
    "mechanisms.perception" => mechanisms.perception: Switch = 1.0, [0.0, 1.0], "on/off", "Buyer's misperception of supplier capability (off: perceived = actual).";
    "mechanisms.exit" => mechanisms.exit: Switch = 1.0, [0.0, 1.0], "on/off", "Voluntary exit by either side.";
    "mechanisms.forward_looking" => mechanisms.forward_looking: Switch = 1.0, [0.0, 1.0], "on/off", "Forward-looking choices: discounting and expected duration (off: myopic).";
    "mechanisms.champion_turnover" => mechanisms.champion_turnover: Switch = 1.0, [0.0, 1.0], "on/off", "The champion may leave the buyer.";
    "mechanisms.buyer_coinvestment" => mechanisms.buyer_coinvestment: Switch = 1.0, [0.0, 1.0], "on/off", "Buyer co-investment and the buyer's own lock-in.";
    "mechanisms.temptation" => mechanisms.temptation: Switch = 0.0, [0.0, 1.0], "on/off", "Rival: the weaker side's capacity tempts the stronger side to use power.";
    "mechanisms.productive_coercion" => mechanisms.productive_coercion: Switch = 0.0, [0.0, 1.0], "on/off", "Rival: power use also raises delivery performance.";
    "mechanisms.nash_bargaining" => mechanisms.nash_bargaining: Switch = 0.0, [0.0, 1.0], "on/off", "Rival: Nash-bargaining split with the outside options as disagreement point.";
    "mechanisms.joint_dependence" => mechanisms.joint_dependence: Switch = 0.0, [0.0, 1.0], "on/off", "Rival: joint dependence (the sum) raises each side's value of staying.";
    "coefficients.external_events.capability_share" => coefficients.external_events.capability_share: Real = 0.5, [0.0, 1.0], "share", "Share of favourable external events that raise capability; the rest weaken rival suppliers (§7.1).";
    "coefficients.external_events.rivals_share" => coefficients.external_events.rivals_share: Real = 0.5, [0.0, 1.0], "share", "Share of adverse external events that strengthen rival suppliers; the rest shrink the other business (§7.1).";
    "coefficients.communication.base" => coefficients.communication.base: Real = 0.15, [0.0, 1.0], "0..1", "Communication with no goal alignment, engagement or champion (§7.2).";
    "coefficients.communication.goal_alignment" => coefficients.communication.goal_alignment: Real = 0.35, [0.0, 1.0], "weight", "Weight of goal alignment in communication (§7.2).";
    "coefficients.communication.engagement" => coefficients.communication.engagement: Real = 0.2, [0.0, 1.0], "weight", "Weight of buyer engagement in communication (§7.2).";
    "coefficients.communication.champion" => coefficients.communication.champion: Real = 0.3, [0.0, 1.0], "weight", "Weight of the champion's strength in communication (§7.2).";
    "coefficients.learning.cognitive_floor" => coefficients.learning.cognitive_floor: Real = 0.4, [0.0, 1.0], "0..1", "Factor of cognitive learning with no shared values: floor + weight·shared_values (§7.3).";
    "coefficients.learning.cognitive_shared_values" => coefficients.learning.cognitive_shared_values: Real = 0.6, [0.0, 1.0], "weight", "Weight of shared values in the cognitive learning factor (§7.3).";
    "coefficients.learning.effort_floor" => coefficients.learning.effort_floor: Real = 0.4, [0.0, 1.0], "0..1", "Supplier's effort in joint work with no investment signal: clamp01(floor + weight·Φ) (§7.3).";
    "coefficients.learning.effort_signal" => coefficients.learning.effort_signal: Real = 0.6, [0.0, 1.0], "weight", "Weight of the smoothed investment signal Φ in the supplier's effort (§7.3).";
    "coefficients.preparation.balance_floor" => coefficients.preparation.balance_floor: Real = 0.5, [0.0, 1.0], "0..1", "Preparation speed factor of a fully one-sided division of work: floor + weight·balance (§7.4).";
    "coefficients.preparation.balance_weight" => coefficients.preparation.balance_weight: Real = 0.5, [0.0, 1.0], "weight", "Weight of the balance of work in the preparation speed factor (§7.4).";
    "coefficients.preparation.communication_floor" => coefficients.preparation.communication_floor: Real = 0.5, [0.0, 1.0], "0..1", "Preparation speed factor with no communication: floor + weight·comm (§7.4).";
    "coefficients.preparation.communication_weight" => coefficients.preparation.communication_weight: Real = 0.5, [0.0, 1.0], "weight", "Weight of communication in the preparation speed factor (§7.4).";
    "coefficients.preparation.delay_setback" => coefficients.preparation.delay_setback: Real = 0.2, [0.0, 1.0], "1", "Preparation progress lost in a delay (§7.4).";
    "coefficients.performance.fit_base" => coefficients.performance.fit_base: Real = 0.55, [0.0, 1.0], "relative", "Fit with no behavioural learning and no knowledge (§7.4).";
    "coefficients.performance.fit_learning" => coefficients.performance.fit_learning: Real = 0.45, [0.0, 1.0], "weight", "Weight of behavioural learning L_b in fit (§7.4).";
    "coefficients.performance.fit_knowledge" => coefficients.performance.fit_knowledge: Real = 0.4, [0.0, 1.0], "weight", "Weight of saturated joint knowledge sat(K) in fit (§7.4).";
    "coefficients.performance.fit_cap" => coefficients.performance.fit_cap: Real = 1.2, [1.0, 3.0], "relative", "Largest fit, as a multiple of expected performance (§7.4).";
    "coefficients.performance.smoothing" => coefficients.performance.smoothing: Real = 0.3, [0.0, 1.0], "weight", "Weight w of this month's performance in smoothed performance; the past keeps 1 − w (§7.4).";
    "coefficients.performance.progress_cap" => coefficients.performance.progress_cap: Real = 1.2, [1.0, 3.0], "relative", "Largest performance that counts towards execution progress (§7.4).";
    "coefficients.value.capability_floor" => coefficients.value.capability_floor: Real = 0.4, [0.0, 1.0], "0..1", "Exchange value factor of a supplier with no capability: floor + weight·c (§7.4).";
    "coefficients.value.capability_weight" => coefficients.value.capability_weight: Real = 0.6, [0.0, 1.0], "weight", "Weight of supplier capability in the exchange value factor (§7.4).";
    "coefficients.value.engagement_floor" => coefficients.value.engagement_floor: Real = 0.5, [0.0, 1.0], "0..1", "Exchange value factor of a buyer with no engagement: floor + weight·e (§7.4).";
    "coefficients.value.engagement_weight" => coefficients.value.engagement_weight: Real = 0.5, [0.0, 1.0], "weight", "Weight of buyer engagement in the exchange value factor (§7.4).";
    "coefficients.value.knowledge_saturation" => coefficients.value.knowledge_saturation: Real = 2.0, [0.01, 1.0e3], "units", "Knowledge K_sat at which value-in-use saturates: v_k = kv·K/(1 + K/K_sat) (§7.4).";
    "coefficients.investment.exploration_floor" => coefficients.investment.exploration_floor: Real = 0.5, [0.0, 1.0], "0..1", "Investment intent factor of a supplier with no exploration motive: floor + weight·exploration (§7.5).";
    "coefficients.investment.exploration_weight" => coefficients.investment.exploration_weight: Real = 0.5, [0.0, 1.0], "weight", "Weight of the supplier's exploration motive in investment intent (§7.5).";
    "coefficients.investment.understanding_floor" => coefficients.investment.understanding_floor: Real = 0.3, [0.0, 1.0], "0..1", "Investment intent factor with no cognitive learning: floor + weight·L_c (§7.5).";
    "coefficients.investment.understanding_weight" => coefficients.investment.understanding_weight: Real = 0.7, [0.0, 1.0], "weight", "Weight of cognitive learning L_c in investment intent (§7.5).";
    "coefficients.investment.cash_cap" => coefficients.investment.cash_cap: Real = 0.2, [0.0, 1.0], "share", "Largest share of the supplier's cash invested in one month (§7.5).";
    "coefficients.investment.signal_smoothing" => coefficients.investment.signal_smoothing: Real = 0.2, [0.0, 1.0], "weight", "Weight of this month's investment signal in Φ ← (1 − w)·Φ + w·signal (§7.5).";
    "coefficients.reciprocity.signal_rate" => coefficients.reciprocity.signal_rate: Real = 0.15, [0.0, 1.0], "1/month", "Rate at which buyer engagement answers the investment signal (§7.6).";
    "coefficients.reciprocity.champion_rate" => coefficients.reciprocity.champion_rate: Real = 0.03, [0.0, 1.0], "1/month", "Rate at which the champion raises buyer engagement each month (§7.6).";
    "coefficients.reciprocity.engagement_decay" => coefficients.reciprocity.engagement_decay: Real = 0.03, [0.0, 1.0], "1/month", "Monthly fall of engagement, scaled by the buyer's current-sales motive 1 − exploration (§7.6).";
    "coefficients.capability.learning_gain" => coefficients.capability.learning_gain: Real = 0.3, [0.0, 1.0], "1", "Capability growth per unit of the month's learning d_cog + d_beh (§7.7).";
    "coefficients.finances.other_business_rate" => coefficients.finances.other_business_rate: Real = 0.03, [0.0, 1.0], "1/month", "Rate at which the supplier's other business O follows its potential O* (§7.9).";
    "coefficients.finances.portable_business" => coefficients.finances.portable_business: Real = 0.5, [0.0, 5.0], "weight", "Weight of saturated portable knowledge sat(K_p) in the potential O* of the supplier's other business (§7.9).";
    "coefficients.dependence.experience" => coefficients.dependence.experience: Real = 0.25, [0.0, 1.0], "weight", "Weight of prior experience in the supplier's alternatives A_s (§7.10).";
    "coefficients.dependence.portable_knowledge" => coefficients.dependence.portable_knowledge: Real = 0.5, [0.0, 1.0], "weight", "Weight of saturated portable knowledge sat(K_p) in the supplier's alternatives A_s (§7.10).";
    "coefficients.dependence.uniqueness" => coefficients.dependence.uniqueness: Real = 0.5, [0.0, 1.0], "weight", "Weight of saturated buyer-specific knowledge sat(K_s) in the buyer's need (§7.10).";
    "coefficients.dependence.alignment" => coefficients.dependence.alignment: Real = 0.5, [0.0, 5.0], "weight", "Weight of saturated buyer-specific knowledge sat(K_s) in the supplier's focal business F: aligning with the buyer raises the supplier's dependence (§7.10).";
    "coefficients.lock_in.alternatives_discount" => coefficients.lock_in.alternatives_discount: Real = 0.5, [0.0, 1.0], "share", "Fall of the supplier's alternatives at full lock-in: A_s·(1 − w·lock) (§7.10).";
    "coefficients.lock_in.pull_months" => coefficients.lock_in.pull_months: Real = 12.0, [1.0, 60.0], "months", "Months over which unrecovered sunk costs are spread in the lock-in pull (§7.12).";
    "coefficients.bargaining.share_min" => coefficients.bargaining.share_min: Real = 0.02, [0.0, 0.5], "share", "Smallest bargained target share of the supplier (§7.10).";
    "coefficients.bargaining.share_max" => coefficients.bargaining.share_max: Real = 0.98, [0.5, 1.0], "share", "Largest bargained target share of the supplier (§7.10).";
    "coefficients.bargaining.renegotiation_rate" => coefficients.bargaining.renegotiation_rate: Real = 1.0, [0.0, 1.0], "1/month", "Share of the gap to the bargained target closed in a month with an external event (§7.10).";
    "coefficients.trust.damping" => coefficients.trust.damping: Real = 0.5, [0.0, 1.0], "share", "Fall of the speed of trust adjustment at full institutionalisation: stab = 1 − w·I (§7.11).";
    "coefficients.trust.supplier_base" => coefficients.trust.supplier_base: Real = 0.2, [0.0, 1.0], "0..1", "Supplier's trust target with no engagement or communication (§7.11).";
    "coefficients.trust.supplier_engagement" => coefficients.trust.supplier_engagement: Real = 0.35, [0.0, 1.0], "weight", "Weight of buyer engagement in the supplier's trust target (§7.11).";
    "coefficients.trust.supplier_communication" => coefficients.trust.supplier_communication: Real = 0.45, [0.0, 1.0], "weight", "Weight of communication in the supplier's trust target (§7.11).";
    "coefficients.trust.preparation_results" => coefficients.trust.preparation_results: Real = 0.7, [0.0, 1.0], "0..1", "Results the buyer credits in preparation, before any performance (§7.11).";
    "coefficients.trust.buyer_results" => coefficients.trust.buyer_results: Real = 0.4, [0.0, 1.0], "weight", "Weight of results in the buyer's trust target (§7.11).";
    "coefficients.trust.buyer_communication" => coefficients.trust.buyer_communication: Real = 0.3, [0.0, 1.0], "weight", "Weight of communication in the buyer's trust target (§7.11).";
    "coefficients.trust.buyer_signal" => coefficients.trust.buyer_signal: Real = 0.3, [0.0, 1.0], "weight", "Weight of the saturated investment signal in the buyer's trust target (§7.11).";
    "coefficients.trust.signal_saturation" => coefficients.trust.signal_saturation: Real = 2.0, [1.0, 10.0], "multiple", "Multiple k of Φ in the buyer's investment term min(k·Φ, 1); it saturates at Φ = 1/k (§7.11).";
    "coefficients.trust.champion_vouching" => coefficients.trust.champion_vouching: Real = 0.3, [0.0, 1.0], "weight", "Buyer trust target added per unit of champion strength in a crisis (§7.11).";
    "coefficients.trust.supplier_results" => coefficients.trust.supplier_results: Real = 0.2, [0.0, 1.0], "weight", "Weight of results (smoothed performance − 0.5) in the supplier's trust evidence (§7.11).";
    "coefficients.trust.forbearance" => coefficients.trust.forbearance: Real = 0.3, [0.0, 1.0], "weight", "Weight of forbearance (power the buyer could use but does not) in the supplier's trust evidence (§7.11).";
    "coefficients.trust.broken_promise" => coefficients.trust.broken_promise: Real = 0.3, [0.0, 1.0], "share", "Share of the supplier's trust lost when the champion leaves (§7.11).";
    "coefficients.continuation.trust_floor" => coefficients.continuation.trust_floor: Real = 0.5, [0.0, 1.0], "0..1", "Weight of the continuation value to a side with no trust: floor + weight·T (§7.12).";
    "coefficients.continuation.trust_weight" => coefficients.continuation.trust_weight: Real = 0.5, [0.0, 1.0], "weight", "Weight of own trust in the weight of the continuation value (§7.12).";
    "coefficients.continuation.smoothing" => coefficients.continuation.smoothing: Real = 0.2, [0.0, 1.0], "weight", "Weight of this month's appropriation in cv ← (1 − w)·cv + w·app after preparation (§7.12).";
    "coefficients.continuation.exit_temperature" => coefficients.continuation.exit_temperature: Real = 0.15, [0.001, 10.0], "1", "Temperature of the logit exit choice on the relative value difference (§7.12).";
    "coefficients.continuation.need_weight" => coefficients.continuation.need_weight: Real = 0.5, [0.0, 1.0], "weight", "How far the buyer's need for the supplier discounts its outside value (§7.12).";
    "coefficients.continuation.joint_weight" => coefficients.continuation.joint_weight: Real = 0.5, [0.0, 5.0], "weight", "Weight of joint dependence in the value of staying, when that rival mechanism is on (§7.12).";
    "coefficients.novel.institutionalization_kept" => coefficients.novel.institutionalization_kept: Real = 0.5, [0.0, 1.0], "share", "Share of institutionalisation kept when a novel project starts (§7.13).";
    "coefficients.novel.execution_progress" => coefficients.novel.execution_progress: Real = 0.5, [0.0, 1.0], "1", "Execution progress at which a novel project re-enters execution; 0.5 = half-length (§7.13).";
    "coefficients.novel.rigidity" => coefficients.novel.rigidity: Real = 0.5, [0.0, 1.0], "share", "Fall of the rate of novel projects at full institutionalisation (§7.13).";
    "coefficients.transitions.skip_temperature" => coefficients.transitions.skip_temperature: Real = 0.05, [0.001, 1.0], "0..1", "Temperature of the logistic choice to skip execution around the skip threshold (§7.13).";
    "coefficients.forward.horizon_half" => coefficients.forward.horizon_half: Real = 24.0, [1.0, 600.0], "months", "Expected duration at which the horizon factor of investment is one half (§7.5).";
    "coefficients.forward.restraint" => coefficients.forward.restraint: Real = 1.0, [0.0, 10.0], "1", "Strength of the buyer's restraint in using power when future surplus is at stake (§7.10).";
    "coefficients.power.temptation" => coefficients.power.temptation: Real = 1.0, [0.0, 1.0], "weight", "Weight of temptation by the weaker side's perceived capability, when that rival mechanism is on (§7.10).";
    "coefficients.power.productivity" => coefficients.power.productivity: Real = 0.3, [0.0, 1.0], "relative", "Fit gained at full power use, when productive coercion is on (§7.4).";
    "coefficients.coinvestment.scale" => coefficients.coinvestment.scale: Real = 0.5, [0.0, 5.0], "share", "Largest monthly buyer co-investment as a share of csi_max (§7.5).";
}

/// The value that ablates mechanism `name` (the part after `mechanisms.`): the opposite of
/// its default, so a mechanism on by default is switched off and a rival mechanism (off by
/// default) is switched on. `None` for an unknown name.
pub fn ablated_value(name: &str) -> Option<f64> {
    spec(&format!("mechanisms.{name}")).map(|s| 1.0 - s.default)
}

/// How an ablation changes mechanism `name`: "off" or "on".
pub fn ablation_label(name: &str) -> &'static str {
    if ablated_value(name) == Some(1.0) {
        "on"
    } else {
        "off"
    }
}

/// Names of the mechanism switches (the part of the path after `mechanisms.`).
pub fn mechanism_names() -> impl Iterator<Item = &'static str> {
    PARAM_SPECS
        .iter()
        .filter_map(|s| s.path.strip_prefix("mechanisms."))
}

/// Look a parameter up by its dotted path.
pub fn spec(path: &str) -> Option<&'static ParamSpec> {
    PARAM_SPECS.iter().find(|s| s.path == path)
}

/// Why a parameter value was rejected.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum ParamError {
    /// No parameter has this path.
    #[error("unknown parameter `{path}`{}", suggestion.map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    Unknown {
        /// The path given.
        path: String,
        /// The nearest valid path, if one is close.
        suggestion: Option<&'static str>,
    },
    /// The value is NaN or infinite.
    #[error("`{path}` = {value} is not a finite number")]
    NotFinite {
        /// Parameter path.
        path: &'static str,
        /// Value given.
        value: f64,
    },
    /// The value lies outside the allowed range.
    #[error("`{path}` = {value} is out of range: allowed {min} ..= {max}")]
    OutOfRange {
        /// Parameter path.
        path: &'static str,
        /// Value given.
        value: f64,
        /// Smallest allowed.
        min: f64,
        /// Largest allowed.
        max: f64,
    },
    /// A whole number or a switch was given a fractional value.
    #[error("`{path}` = {value} must be {what}")]
    WrongKind {
        /// Parameter path.
        path: &'static str,
        /// Value given.
        value: f64,
        /// What was expected.
        what: &'static str,
    },
    /// Two parameters are in the wrong order.
    #[error("`{path}` = {value} must be below `{other}` = {other_value}")]
    Order {
        /// Parameter path that must be lower.
        path: &'static str,
        /// Its value.
        value: f64,
        /// Parameter path that must be higher.
        other: &'static str,
        /// Its value.
        other_value: f64,
    },
}

/// The valid path nearest to `path` (Jaro-Winkler similarity), if any is close.
pub fn nearest_path(path: &str) -> Option<&'static str> {
    nearest(path, PARAM_SPECS.iter().map(|s| s.path))
}

/// The candidate nearest to `word`, if it is similar enough to be a plausible typo.
pub fn nearest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Check one value against a spec.
pub fn check_value(spec: &'static ParamSpec, value: f64) -> Result<(), ParamError> {
    if !value.is_finite() {
        return Err(ParamError::NotFinite {
            path: spec.path,
            value,
        });
    }
    if value < spec.min || value > spec.max {
        return Err(ParamError::OutOfRange {
            path: spec.path,
            value,
            min: spec.min,
            max: spec.max,
        });
    }
    match spec.kind {
        ParamKind::Integer if value.fract() != 0.0 => Err(ParamError::WrongKind {
            path: spec.path,
            value,
            what: "a whole number",
        }),
        ParamKind::Switch if value != 0.0 && value != 1.0 => Err(ParamError::WrongKind {
            path: spec.path,
            value,
            what: "a switch (true/false)",
        }),
        _ => Ok(()),
    }
}

impl Default for Params {
    /// The documented defaults of [`PARAM_SPECS`].
    fn default() -> Self {
        let mut p = Params {
            months: 0,
            supplier: SupplierParams::default(),
            buyer: BuyerParams::default(),
            relationship: RelationshipParams::default(),
            dynamics: DynamicsParams::default(),
            events: EventParams::default(),
            power: PowerParams::default(),
            mechanisms: Mechanisms::default(),
            coefficients: CoefficientParams::default(),
        };
        for s in PARAM_SPECS {
            s.set(&mut p, s.default);
        }
        p
    }
}

impl Params {
    /// Set a parameter by its dotted path, checking it against its spec.
    pub fn set(&mut self, path: &str, value: f64) -> Result<(), ParamError> {
        let s = spec(path).ok_or_else(|| ParamError::Unknown {
            path: path.to_string(),
            suggestion: nearest_path(path),
        })?;
        check_value(s, value)?;
        s.set(self, value);
        Ok(())
    }

    /// Read a parameter by its dotted path.
    pub fn get(&self, path: &str) -> Option<f64> {
        spec(path).map(|s| s.get(self))
    }

    /// Check every parameter against its range and the cross-field rules.
    pub fn validate(&self) -> Result<(), ParamError> {
        for s in PARAM_SPECS {
            check_value(s, s.get(self))?;
        }
        if self.power.level_low >= self.power.level_high {
            return Err(ParamError::Order {
                path: "power.level_low",
                value: self.power.level_low,
                other: "power.level_high",
                other_value: self.power.level_high,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "params_tests.rs"]
mod tests;
