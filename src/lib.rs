//! # dyadsim
//!
//! An agent-based simulation of power-asymmetric buyer–supplier relationships: a small
//! supplier and a large buyer moving through preparation, execution and integration phases
//! of value co-creation, with parallel Monte Carlo experiments on top.
//!
//! One room per kind of knowledge; each imports only from rooms listed above it:
//!
//! - [`model`]: agents, dyad state, phases and mechanisms; parameters and their table;
//!   seeds; the record of each month and each run. Pure: no I/O, no global state,
//!   deterministic for a given `(Params, seed)`.
//! - [`scenario`]: TOML scenario files, validated into a typed [`scenario::Scenario`];
//!   sweep designs; what every block shares (located errors, did-you-mean, TOML numbers).
//! - [`stats`]: exact, order-free aggregation (means, SDs, CIs, Wilson intervals) and
//!   paired tests with verdicts.
//! - [`output`]: every file written or read back: atomic writes, each file's columns with
//!   its writer and reader, the manifest, the month-by-month trace.
//! - [`probe`]: reading a metric from a run at a point in time.
//! - [`experiment`]: design points × replications on rayon, checkpoints and resume,
//!   shards and merge.
//! - [`science`]: hypotheses, the proposition battery, ablations, validation patterns.
//! - [`sensitivity`]: Morris and Sobol global sensitivity analysis of a scenario's
//!   `[sensitivity]` block, checked against test functions with known indices.
//! - [`plot`] and [`report`]: figures (PNG and SVG, bundled font) and `report.html` of an
//!   output directory.
//! - [`scaffold`]: the commented template (`dyadsim init`) and the JSON Schema of scenario
//!   files (`dyadsim schema`), generated from the parameter table.
//! - [`cluster`]: a scenario as SLURM batch scripts, an array job of shards and a merge
//!   job after it.
//! - [`classroom`]: `dyadsim classroom`, a local web page for teaching (one dyad month by
//!   month, two side by side, one run against its ensemble, a class experiment) served
//!   from the binary with its JSON API.
//! - [`cli`]: the commands of the `dyadsim` binary as library calls (a scenario run end to
//!   end, propositions, validation, listings); the binary only parses and reports errors.
//!
//! The model and where each rule comes from are described in `docs/MODEL.md`.
#![deny(missing_docs)]

pub mod calibration;
pub mod classroom;
pub mod cli;
pub mod cluster;
pub mod experiment;
pub mod model;
pub mod output;
pub mod plot;
pub mod probe;
pub mod report;
pub mod scaffold;
pub mod scenario;
pub mod science;
pub mod sensitivity;
pub mod stats;
