//! The science on top of the model: hypotheses tested with paired experiments, the
//! shipped proposition battery, ablations of the mechanisms, and validation against the
//! case studies.
//!
//! - [`hypothesis`]: `[[hypothesis]]` blocks, run with common random numbers, judged.
//! - [`battery`]: the shipped proposition files.
//! - [`propositions`]: running sets of hypotheses (the battery), their tables and files.
//! - [`ablation`]: each mechanism ablated in turn (off, or on for a rival mechanism), on outcomes and on verdicts.
//! - [`robustness`]: each hypothesis at many parameter sets drawn from a prior.
//! - [`validation`]: `[[pattern]]` blocks of the case packs, measured and judged.

pub mod ablation;
pub mod battery;
pub mod hypothesis;
pub mod propositions;
pub mod robustness;
pub mod validation;
