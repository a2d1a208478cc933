//! # dyadsim
//!
//! An agent-based simulation of power-asymmetric buyer–supplier relationships: a small
//! supplier and a large buyer moving through preparation, execution and integration phases
//! of value co-creation, with parallel Monte Carlo experiments on top.
//!
//! The crate reads top-down:
//!
//! - [`model`]: agents, dyad state, phases and mechanisms. Pure: no I/O, no global state,
//!   deterministic for a given `(Params, seed)`.
//! - [`scenario`]: TOML scenario files, validated into a typed [`scenario::Scenario`].
//! - [`experiment`]: design points × replications in parallel, exact streaming
//!   aggregation, checkpoints, shards and merging.
//! - [`stats`]: Welford accumulators, confidence intervals and paired tests.
//! - [`output`]: atomic files, CSV formatting, the manifest and the one-run trace.
//! - [`plot`]: figures of an output directory as PNG and SVG (bundled font, no system
//!   dependencies).
//! - [`report`]: the one-page `report.html` of an output directory.
//!
//! The model and where each rule comes from are described in `docs/MODEL.md`.
#![deny(missing_docs)]

pub mod analysis;
pub mod battery;
pub mod experiment;
pub mod hypothesis;
pub mod model;
pub mod output;
pub mod plot;
pub mod propositions;
pub mod report;
pub mod scenario;
pub mod stats;
pub mod validation;
