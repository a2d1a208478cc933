//! Statistics: exact streaming aggregation ([`aggregate`]) and paired hypothesis tests
//! with verdicts ([`paired`]). Knows the model's metric tables, nothing of experiments or
//! files.

pub mod aggregate;
pub mod paired;
pub mod spread;

pub use aggregate::{ChunkSums, ExactAcc, GroupSums, PointAgg, share_stats};
pub use paired::{
    Expect, PairedAccumulator, PairedTest, Verdict, equivalent_90ci, t_quantile, tost_p, verdict,
};
pub use spread::{QUANTILES, SPREAD};
