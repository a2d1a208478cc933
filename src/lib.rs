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
//! - [`stats`]: streaming aggregates (Welford), confidence intervals and paired tests.
//!
//! The model and where each rule comes from are described in `docs/MODEL.md`.
#![deny(missing_docs)]

pub mod model;
pub mod stats;
