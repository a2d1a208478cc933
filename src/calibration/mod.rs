//! Calibration against the case packs: approximate Bayesian computation over a scenario's
//! `[prior]`, with the distance made of the pack's target patterns, a posterior predictive
//! check of the held-out patterns, and the posterior's use by `validate` and
//! `propositions` (see docs/CALIBRATION.md).

pub mod abc;
