//! The spill file of per-run rows behind `runs.parquet`: `runs.bin.partial`.
//!
//! A Parquet file is written whole (its footer describes every row group), so it cannot
//! grow during a run and be cut back to a checkpoint after a crash the way
//! `runs.csv.partial` is. Instead, each run's row is appended to the spill file as a
//! fixed-width binary record, in run order, exactly like the CSV rows: the checkpoint
//! records its length, `--resume` truncates it to that length, and at the end
//! `runs.parquet` is written from it in fixed-size row groups and the spill is deleted.
//! Every value is kept exactly (floats as their bits), so the Parquet file does not depend
//! on where a run was interrupted.
//!
//! Layout of a row ([`ROW_BYTES`] bytes, little-endian): `point` u32, `replication` u64,
//! `seed` u64, final phase u8, end reason u8, the six power-asymmetry levels u8 (0 = none,
//! 1–3 = L, M, H; entry and exit of preparation, execution, integration), the phase path's
//! length u8 and its UTF-8 letters padded to [`PATH_BYTES`], then every outcome of
//! [`OUTCOME_METRICS`] as f64. The factor values are not stored: they follow from the
//! point. The file starts with the one-line [`header`].

use crate::model::{EndReason, Level, OUTCOME_METRICS, Phase, PowerParams, RunOutcome};

/// File name of the spill.
pub const SPILL: &str = "runs.bin.partial";

/// Bytes of the phase path: 32 letters and `…` (3 bytes in UTF-8).
pub const PATH_BYTES: usize = 35;

const OFF_PHASE: usize = 20;
const OFF_END: usize = 21;
const OFF_LEVELS: usize = 22;
const OFF_PATH_LEN: usize = 28;
const OFF_PATH: usize = 29;
const OFF_METRICS: usize = OFF_PATH + PATH_BYTES;

/// Bytes of one row.
pub const ROW_BYTES: usize = OFF_METRICS + 8 * OUTCOME_METRICS.len();

/// Phases by their code in the spill.
const PHASES: [Phase; 4] = [
    Phase::Preparation,
    Phase::Execution,
    Phase::Integration,
    Phase::Dissolved,
];
/// End reasons by their code in the spill.
const END_REASONS: [EndReason; 4] = [
    EndReason::Horizon,
    EndReason::SupplierExit,
    EndReason::BuyerExit,
    EndReason::SupplierInsolvency,
];
/// Levels by their code in the spill, less one (0 = none).
const LEVELS: [Level; 3] = [Level::Low, Level::Medium, Level::High];
/// The levels' letters as text.
const LEVEL_TEXT: [&str; 3] = ["L", "M", "H"];

/// The first line of a spill file: names the layout, so that a spill of another layout is
/// refused rather than misread.
pub fn header() -> Vec<u8> {
    format!(
        "dyadsim runs spill v1: {ROW_BYTES} bytes per row, {} outcomes\n",
        OUTCOME_METRICS.len()
    )
    .into_bytes()
}

fn level_code(x: f64, p: &PowerParams) -> u8 {
    if x.is_finite() {
        let l = Level::of(x, p);
        LEVELS
            .iter()
            .position(|v| *v == l)
            .map_or(0, |i| i as u8 + 1)
    } else {
        0
    }
}

/// Append the row of run `(point, rep)` with `seed` and outcome `o` (levels coded with the
/// point's thresholds `power`).
pub fn encode(
    point: usize,
    rep: u64,
    seed: u64,
    o: &RunOutcome,
    power: &PowerParams,
    out: &mut Vec<u8>,
) {
    let start = out.len();
    out.resize(start + ROW_BYTES, 0);
    let row = &mut out[start..];
    // The scenario parser caps design points at 10^6, so a point fits in u32.
    row[0..4].copy_from_slice(&(point as u32).to_le_bytes());
    row[4..12].copy_from_slice(&rep.to_le_bytes());
    row[12..20].copy_from_slice(&seed.to_le_bytes());
    row[OFF_PHASE] = PHASES.iter().position(|p| *p == o.final_phase).unwrap_or(0) as u8;
    row[OFF_END] = END_REASONS
        .iter()
        .position(|e| *e == o.end_reason)
        .unwrap_or(0) as u8;
    for k in 0..3 {
        row[OFF_LEVELS + 2 * k] = level_code(o.boundaries.entry[k], power);
        row[OFF_LEVELS + 2 * k + 1] = level_code(o.boundaries.exit[k], power);
    }
    let mut len = 0;
    for p in o.path.phases() {
        row[OFF_PATH + len] = p.letter() as u8;
        len += 1;
    }
    let code_len = o.path.phases().len();
    if code_len == 32 {
        // Only a full path can be truncated; its code then ends in `…`.
        let code = o.path.code();
        let bytes = code.as_bytes();
        row[OFF_PATH..OFF_PATH + bytes.len()].copy_from_slice(bytes);
        len = bytes.len();
    }
    row[OFF_PATH_LEN] = len as u8;
    for (j, v) in o.metrics().iter().enumerate() {
        let at = OFF_METRICS + 8 * j;
        row[at..at + 8].copy_from_slice(&v.to_le_bytes());
    }
}

/// One row of a spill file.
#[derive(Clone, Copy, Debug)]
pub struct SpillRow<'a>(pub &'a [u8]);

impl<'a> SpillRow<'a> {
    /// Design point.
    pub fn point(&self) -> u32 {
        u32::from_le_bytes(self.0[0..4].try_into().unwrap_or_default())
    }
    /// Replication.
    pub fn replication(&self) -> u64 {
        u64::from_le_bytes(self.0[4..12].try_into().unwrap_or_default())
    }
    /// The run's seed.
    pub fn seed(&self) -> u64 {
        u64::from_le_bytes(self.0[12..20].try_into().unwrap_or_default())
    }
    /// Final phase, as written in `runs.csv`.
    pub fn final_phase(&self) -> &'static str {
        PHASES[usize::from(self.0[OFF_PHASE]) % PHASES.len()].as_str()
    }
    /// End reason, as written in `runs.csv`.
    pub fn end_reason(&self) -> &'static str {
        END_REASONS[usize::from(self.0[OFF_END]) % END_REASONS.len()].as_str()
    }
    /// The `k`-th level (entry and exit of each phase in turn); `None` for `NA`.
    pub fn level(&self, k: usize) -> Option<&'static str> {
        match self.0[OFF_LEVELS + k] {
            0 => None,
            c => LEVEL_TEXT.get(usize::from(c) - 1).copied(),
        }
    }
    /// The phase path, as written in `runs.csv`.
    pub fn path(&self) -> &'a str {
        let len = usize::from(self.0[OFF_PATH_LEN]).min(PATH_BYTES);
        std::str::from_utf8(&self.0[OFF_PATH..OFF_PATH + len]).unwrap_or("")
    }
    /// The `j`-th outcome of [`OUTCOME_METRICS`].
    pub fn metric(&self, j: usize) -> f64 {
        let at = OFF_METRICS + 8 * j;
        f64::from_le_bytes(self.0[at..at + 8].try_into().unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Params, simulate_with};

    #[test]
    fn rows_read_back_as_the_csv_writes_them() {
        let p = Params::default();
        let mut buf = Vec::new();
        let mut outcomes = Vec::new();
        for seed in 0..200u64 {
            let o = simulate_with(&p, seed, |_| {});
            encode(
                3,
                seed,
                seed.wrapping_mul(0x9e37_79b9_7f4a_7c15),
                &o,
                &p.power,
                &mut buf,
            );
            outcomes.push(o);
        }
        assert_eq!(buf.len(), 200 * ROW_BYTES);
        for (i, o) in outcomes.iter().enumerate() {
            let r = SpillRow(&buf[i * ROW_BYTES..(i + 1) * ROW_BYTES]);
            assert_eq!(r.point(), 3);
            assert_eq!(r.replication(), i as u64);
            assert_eq!(r.seed(), (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
            assert_eq!(r.final_phase(), o.final_phase.as_str());
            assert_eq!(r.end_reason(), o.end_reason.as_str());
            assert_eq!(r.path(), o.path.code());
            for (j, v) in o.metrics().iter().enumerate() {
                assert_eq!(r.metric(j).to_bits(), v.to_bits());
            }
            for k in 0..3 {
                for (slot, x) in [
                    (2 * k, o.boundaries.entry[k]),
                    (2 * k + 1, o.boundaries.exit[k]),
                ] {
                    let want = x
                        .is_finite()
                        .then(|| Level::of(x, &p.power).letter().to_string());
                    assert_eq!(r.level(slot).map(str::to_string), want);
                }
            }
        }
    }

    #[test]
    fn codes_cover_every_variant() {
        for (i, l) in LEVELS.iter().enumerate() {
            assert_eq!(LEVEL_TEXT[i], l.letter().to_string());
        }
        let names: Vec<&str> = PHASES.iter().map(|p| p.as_str()).collect();
        assert_eq!(
            names,
            ["preparation", "execution", "integration", "dissolved"]
        );
        let names: Vec<&str> = END_REASONS.iter().map(|e| e.as_str()).collect();
        assert_eq!(
            names,
            [
                "horizon",
                "supplier_exit",
                "buyer_exit",
                "supplier_insolvency"
            ]
        );
    }
}
