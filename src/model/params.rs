//! Model parameters: typed, nested by agent and mechanism, validated.
//!
//! Every parameter is described once, in [`PARAM_SPECS`]: its dotted path (the key used in
//! scenario files and sweeps), default, allowed range, unit and meaning. [`Params::default`],
//! [`Params::validate`], the scenario parser and the `dyadsim params` listing all read that one
//! table, so they cannot disagree.

use serde::Serialize;
use thiserror::Error;

/// Parameters of the supplier (the small firm).
#[derive(Clone, Debug, PartialEq, Serialize)]
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
}

/// Parameters of the buyer (the large firm).
#[derive(Clone, Debug, PartialEq, Serialize)]
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
}

/// Parameters of the relationship and of value.
#[derive(Clone, Debug, PartialEq, Serialize)]
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
}

/// Rates and thresholds of the dynamics.
#[derive(Clone, Debug, PartialEq, Serialize)]
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
}

/// External events, novel projects and crises.
#[derive(Clone, Debug, PartialEq, Serialize)]
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
#[derive(Clone, Debug, PartialEq, Serialize)]
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
#[derive(Clone, Debug, PartialEq, Serialize)]
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
    "dynamics.trust_rate" => dynamics.trust_rate: Real = 0.15, [0.0, 1.0], "1/month", "Rate at which trust follows experience.";
    "dynamics.perception_rate" => dynamics.perception_rate: Real = 0.3, [0.0, 1.0], "1/month", "Rate at which the buyer's perception of supplier capability follows demonstrated capability.";
    "dynamics.bargaining_rate" => dynamics.bargaining_rate: Real = 0.15, [0.0, 1.0], "1/month", "Rate at which the value split moves to its bargained target.";
    "dynamics.institutionalization_rate" => dynamics.institutionalization_rate: Real = 0.08, [0.0, 1.0], "1/month", "Rate of institutionalisation in integration.";
    "dynamics.noise_sd" => dynamics.noise_sd: Real = 0.3, [0.0, 2.0], "relative", "Standard deviation of monthly performance noise.";
    "dynamics.crisis_threshold" => dynamics.crisis_threshold: Real = 0.7, [0.0, 1.0], "0..1", "Smoothed performance below which a performance crisis is declared.";
    "dynamics.escalation" => dynamics.escalation: Real = 1.5, [0.0, 10.0], "multiple", "Extra investment intensity in a crisis when the supplier trusts the buyer.";
    "dynamics.invest_trust_threshold" => dynamics.invest_trust_threshold: Real = 0.45, [0.0, 1.0], "0..1", "Supplier trust needed before it invests specifically.";
    "dynamics.exit_hazard" => dynamics.exit_hazard: Real = 0.15, [0.0, 1.0], "probability/month", "Monthly probability of acting on a preferred exit.";
    "dynamics.sunk_weight" => dynamics.sunk_weight: Real = 1.0, [0.0, 10.0], "1", "Weight of unrecovered sunk costs in the decision to stay (lock-in).";
    "dynamics.lockin_half" => dynamics.lockin_half: Real = 150.0, [1.0e-6, 1.0e9], "kEUR", "Sunk stock at which lock-in reaches half its strength.";
    "dynamics.csi_half" => dynamics.csi_half: Real = 40.0, [1.0e-6, 1.0e9], "kEUR", "Cumulative specific investment that supports half the knowledge rate.";
    "dynamics.reset_fraction" => dynamics.reset_fraction: Real = 0.3, [0.0, 1.0], "share", "Fall of the buyer's perceived capability when new expert tasks start execution.";
    "dynamics.skip_threshold" => dynamics.skip_threshold: Real = 0.55, [0.0, 1.0], "0..1", "Perceived capability at the end of preparation that lets the dyad skip execution.";
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
            supplier: SupplierParams {
                capability: 0.0,
                experience: 0.0,
                outside_options: 0.0,
                sales_concentration: 0.0,
                portability: 0.0,
                exploration: 0.0,
                invest_propensity: 0.0,
                power_willingness: 0.0,
                cash: 0.0,
                other_revenue: 0.0,
                fixed_costs: 0.0,
                trust: 0.0,
            },
            buyer: BuyerParams {
                need: 0.0,
                alternatives: 0.0,
                exploration: 0.0,
                power_willingness: 0.0,
                engagement: 0.0,
                work_share: 0.0,
                reciprocity: 0.0,
                champion: 0.0,
                perceived_capability: 0.0,
                trust: 0.0,
            },
            relationship: RelationshipParams {
                complementarity: 0.0,
                goal_alignment: 0.0,
                shared_values: 0.0,
                value_overlap: 0.0,
                initial_share: 0.0,
                exchange_value: 0.0,
                knowledge_value: 0.0,
                prep_cost: 0.0,
                csi_max: 0.0,
                buyer_outside_value: 0.0,
                supplier_outside_value: 0.0,
            },
            dynamics: DynamicsParams {
                prep_rate: 0.0,
                exec_rate: 0.0,
                learning_rate: 0.0,
                knowledge_rate: 0.0,
                trust_rate: 0.0,
                perception_rate: 0.0,
                bargaining_rate: 0.0,
                institutionalization_rate: 0.0,
                noise_sd: 0.0,
                crisis_threshold: 0.0,
                escalation: 0.0,
                invest_trust_threshold: 0.0,
                exit_hazard: 0.0,
                sunk_weight: 0.0,
                lockin_half: 0.0,
                csi_half: 0.0,
                reset_fraction: 0.0,
                skip_threshold: 0.0,
            },
            events: EventParams {
                external_rate: 0.0,
                favourable_share: 0.0,
                external_size: 0.0,
                novel_rate: 0.0,
                novel_scope: 0.0,
                shock_rate: 0.0,
                shock_size: 0.0,
            },
            power: PowerParams {
                level_low: 0.0,
                level_high: 0.0,
                bargaining_weight: 0.0,
                squeeze: 0.0,
                coercion_cost: 0.0,
                trust_damage: 0.0,
            },
            mechanisms: Mechanisms {
                champion: false,
                trust: false,
                learning: false,
                specific_investment: false,
                reciprocity: false,
                lock_in: false,
                power_use: false,
                dual_value: false,
                institutionalization: false,
                external_events: false,
                novel_projects: false,
                crises: false,
                perception: false,
                exit: false,
            },
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
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_match_specs() {
        let p = Params::default();
        p.validate().unwrap();
        for s in PARAM_SPECS {
            assert_eq!(s.get(&p), s.default, "{}", s.path);
        }
    }

    #[test]
    fn every_serialised_field_has_exactly_one_spec() {
        // Walk the serialised Params and compare its leaf paths with the spec table.
        let v = serde_json::to_value(Params::default()).unwrap();
        let mut leaves = Vec::new();
        fn walk(prefix: &str, v: &serde_json::Value, out: &mut Vec<String>) {
            match v {
                serde_json::Value::Object(m) => {
                    for (k, v) in m {
                        let p = if prefix.is_empty() {
                            k.clone()
                        } else {
                            format!("{prefix}.{k}")
                        };
                        walk(&p, v, out);
                    }
                }
                _ => out.push(prefix.to_string()),
            }
        }
        walk("", &v, &mut leaves);
        leaves.sort();
        let mut paths: Vec<String> = PARAM_SPECS.iter().map(|s| s.path.to_string()).collect();
        paths.sort();
        assert_eq!(leaves, paths);
    }

    #[test]
    fn negative_rate_is_rejected_naming_the_field() {
        let mut p = Params::default();
        p.dynamics.learning_rate = -0.1;
        let e = p.validate().unwrap_err();
        assert!(e.to_string().contains("dynamics.learning_rate"), "{e}");
        assert!(e.to_string().contains("out of range"), "{e}");
    }

    #[test]
    fn probability_above_one_is_rejected() {
        let mut p = Params::default();
        p.dynamics.exit_hazard = 1.5;
        let e = p.validate().unwrap_err();
        assert!(matches!(
            e,
            ParamError::OutOfRange {
                path: "dynamics.exit_hazard",
                ..
            }
        ));
    }

    #[test]
    fn thresholds_out_of_order_are_rejected() {
        let mut p = Params::default();
        p.power.level_low = 0.5;
        p.power.level_high = 0.2;
        let e = p.validate().unwrap_err();
        assert!(e.to_string().contains("power.level_low"), "{e}");
        assert!(e.to_string().contains("power.level_high"), "{e}");
    }

    #[test]
    fn nan_and_fractional_integers_are_rejected() {
        let mut p = Params::default();
        assert!(matches!(
            p.set("supplier.capability", f64::NAN),
            Err(ParamError::NotFinite { .. })
        ));
        assert!(matches!(
            p.set("months", 12.5),
            Err(ParamError::WrongKind { .. })
        ));
    }

    #[test]
    fn unknown_path_suggests_nearest() {
        let mut p = Params::default();
        let e = p.set("supplier.capabilty", 0.3).unwrap_err();
        assert_eq!(
            e,
            ParamError::Unknown {
                path: "supplier.capabilty".into(),
                suggestion: Some("supplier.capability")
            }
        );
    }
}
