//! Exact streaming aggregation: counts, means, SDs and confidence intervals that do not
//! depend on the order in which values (or chunks of values) arrive, per-point aggregates
//! of an experiment (with the spread of key metrics across runs, see [`super::spread`]), and
//! the Wilson interval of a share.

use serde::{Deserialize, Serialize};

use super::paired::t_quantile;
use super::spread::{self, PER_MONTH, QUANTILES, SPREAD, SPREAD_OF};
use crate::model::{MonthRecord, OUTCOME_METRICS, Phase, RunOutcome, TRAJECTORY_METRICS};

const SCALE: f64 = 1_099_511_627_776.0; // 2^40
/// Largest magnitude of a sum of squares that still fits the fixed-point range.
const SUMSQ_LIMIT: f64 = 1.0e25;

/// An exact streaming accumulator: count, sum and sum of squares as 2^-40 fixed-point
/// integers (i128), plus the exact minimum and maximum where they are tracked (outcomes).
/// Sums are formed in `f64` over a fixed group of values (one value, or one chunk of runs in
/// replication order) and only then rounded and added exactly, so merging in any order
/// gives the same bits. A constant outcome has exactly its value as mean and 0 as SD.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ExactAcc {
    /// Number of finite values.
    pub n: u64,
    #[serde(with = "i128_str")]
    sum: i128,
    #[serde(with = "i128_str")]
    sumsq: i128,
    #[serde(with = "range_bits")]
    range: Option<(f64, f64)>,
    overflow: bool,
}

/// Floats are stored by their bits, so that a checkpoint or shard file restores them
/// exactly.
mod range_bits {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    pub fn serialize<S: Serializer>(v: &Option<(f64, f64)>, s: S) -> Result<S::Ok, S::Error> {
        v.map(|(a, b)| (a.to_bits(), b.to_bits())).serialize(s)
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<(f64, f64)>, D::Error> {
        let v = Option::<(u64, u64)>::deserialize(d)?;
        Ok(v.map(|(a, b)| (f64::from_bits(a), f64::from_bits(b))))
    }
}

mod i128_str {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &i128, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i128, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Float sums of a group of values, summed in a fixed order; turned into an exact
/// [`ExactAcc`] contribution by [`ExactAcc::add`].
#[derive(Clone, Copy, Debug)]
pub struct GroupSums {
    n: u32,
    sum: f64,
    sumsq: f64,
    min: f64,
    max: f64,
}

impl Default for GroupSums {
    fn default() -> Self {
        GroupSums {
            n: 0,
            sum: 0.0,
            sumsq: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }
}

impl GroupSums {
    /// Add a value; NaN and infinities are skipped.
    #[inline(always)]
    pub fn push(&mut self, x: f64) {
        if !x.is_finite() {
            return;
        }
        // Plain comparisons (x is finite) compile to branch-free min/max instructions.
        self.min = if x < self.min { x } else { self.min };
        self.max = if x > self.max { x } else { self.max };
        self.n += 1;
        self.sum += x;
        self.sumsq += x * x;
    }
}

/// Float sums of one trajectory cell within a chunk: the hot loop of aggregation, so no
/// minimum and maximum are kept (a constant cell's SD is then tiny rather than exactly 0).
#[derive(Clone, Copy, Debug, Default)]
struct CellSums {
    n: u32,
    sum: f64,
    sumsq: f64,
}

impl CellSums {
    #[inline(always)]
    fn push(&mut self, x: f64) {
        if x.is_finite() {
            self.n += 1;
            self.sum += x;
            self.sumsq += x * x;
        }
    }
    fn group(&self) -> GroupSums {
        GroupSums {
            n: self.n,
            sum: self.sum,
            sumsq: self.sumsq,
            // An unknown range: never taken for a constant.
            min: f64::NEG_INFINITY,
            max: f64::INFINITY,
        }
    }
}

impl ExactAcc {
    /// Add a value; NaN and infinities are skipped (not counted).
    pub fn push(&mut self, x: f64) {
        let mut g = GroupSums::default();
        g.push(x);
        self.add(&g);
    }
    /// Add a group's float sums: rounded to fixed point once and added exactly, so the
    /// result depends only on the group's contents.
    pub fn add(&mut self, g: &GroupSums) {
        if g.n == 0 {
            return;
        }
        self.n += u64::from(g.n);
        self.range = Some(match self.range {
            None => (g.min, g.max),
            Some((lo, hi)) => (lo.min(g.min), hi.max(g.max)),
        });
        if g.sumsq >= SUMSQ_LIMIT {
            self.overflow = true;
            return;
        }
        let (a, b) = (
            (g.sum * SCALE).round() as i128,
            (g.sumsq * SCALE).round() as i128,
        );
        match (self.sum.checked_add(a), self.sumsq.checked_add(b)) {
            (Some(x), Some(y)) => {
                self.sum = x;
                self.sumsq = y;
            }
            _ => self.overflow = true,
        }
    }
    /// Add another accumulator (exact, order-free).
    pub fn merge(&mut self, o: &ExactAcc) {
        self.n += o.n;
        self.overflow |= o.overflow;
        self.range = match (self.range, o.range) {
            (Some((a, b)), Some((c, d))) => Some((a.min(c), b.max(d))),
            (r, None) | (None, r) => r,
        };
        match (self.sum.checked_add(o.sum), self.sumsq.checked_add(o.sumsq)) {
            (Some(a), Some(b)) => {
                self.sum = a;
                self.sumsq = b;
            }
            _ => self.overflow = true,
        }
    }
    /// Whether a value was too large to aggregate exactly.
    pub fn overflowed(&self) -> bool {
        self.overflow
    }
    /// Mean (NaN when empty or overflowed).
    pub fn mean(&self) -> f64 {
        match self.range {
            _ if self.n == 0 || self.overflow => f64::NAN,
            Some((lo, hi)) if lo == hi => lo,
            _ => self.sum as f64 / SCALE / self.n as f64,
        }
    }
    /// Sample standard deviation (NaN when n < 2; exactly 0 for a constant).
    pub fn sd(&self) -> f64 {
        if self.n < 2 || self.overflow {
            return f64::NAN;
        }
        if let Some((lo, hi)) = self.range
            && lo == hi
        {
            return 0.0;
        }
        let n = self.n as f64;
        let mean = self.mean();
        let var = (self.sumsq as f64 / SCALE - n * mean * mean) / (n - 1.0);
        var.max(0.0).sqrt()
    }
    /// 95% confidence interval of the mean (Student t).
    pub fn ci95(&self) -> (f64, f64) {
        let sd = self.sd();
        if !sd.is_finite() {
            return (f64::NAN, f64::NAN);
        }
        let half = t_quantile(0.975, (self.n - 1) as f64) * sd / (self.n as f64).sqrt();
        let m = self.mean();
        (m - half, m + half)
    }
    /// Mean, SD and Wilson 95% interval of a 0/1 metric ([`share_stats`] of the number of
    /// ones among `n`); NaN when empty or overflowed.
    pub fn share(&self) -> (f64, f64, f64, f64) {
        if self.overflow {
            return (f64::NAN, f64::NAN, f64::NAN, f64::NAN);
        }
        // A sum of ones is an integer times 2^40: exact as a float below 2^53.
        let ones = (self.sum as f64 / SCALE).round().max(0.0) as u64;
        share_stats(ones.min(self.n), self.n)
    }
    /// Mean, SD and 95% interval: Wilson's for a 0/1 metric (`binary`), else the mean's
    /// Student t interval.
    pub fn stats(&self, binary: bool) -> (f64, f64, f64, f64) {
        if binary {
            return self.share();
        }
        let (lo, hi) = self.ci95();
        (self.mean(), self.sd(), lo, hi)
    }
}

/// Aggregates of one design point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointAgg {
    /// `[month][metric]`, months 1..=horizon, metrics of [`TRAJECTORY_METRICS`]; alive runs.
    pub traj: Vec<ExactAcc>,
    /// `[month][phase]` run counts, phases preparation, execution, integration, dissolved.
    pub phases: Vec<[u64; 4]>,
    /// Outcomes of [`OUTCOME_METRICS`].
    pub outcomes: Vec<ExactAcc>,
    /// Runs aggregated.
    pub runs: u64,
    /// `[month][count]`: fixed-bin counts of the metrics of [`SPREAD`] over the same runs
    /// and values as `traj`, [`PER_MONTH`] counts a month (stored sparsely).
    #[serde(with = "spread::sparse")]
    pub hist: Vec<u32>,
    /// `[month][metric]`: the smallest and largest value counted in `hist`, per metric of
    /// [`SPREAD`] (percentiles stay within them).
    #[serde(with = "spread::range_bits")]
    pub hist_range: Vec<(f64, f64)>,
}

const NT: usize = TRAJECTORY_METRICS.len();

impl PointAgg {
    /// Empty aggregates for a horizon of `months`.
    pub fn new(months: u32) -> Self {
        Self::with_months(months as usize)
    }
    /// Empty aggregates of the outcomes alone (no monthly cells, phases or histograms):
    /// what a design point needs when no time series are written.
    pub fn outcomes_only() -> Self {
        Self::with_months(0)
    }
    fn with_months(m: usize) -> Self {
        PointAgg {
            traj: vec![ExactAcc::default(); m * NT],
            phases: vec![[0; 4]; m],
            outcomes: vec![ExactAcc::default(); OUTCOME_METRICS.len()],
            runs: 0,
            hist: vec![0; m * PER_MONTH],
            hist_range: vec![spread::EMPTY; m * SPREAD.len()],
        }
    }
    /// Add another point's aggregates.
    pub fn merge(&mut self, o: &PointAgg) {
        for (a, b) in self.traj.iter_mut().zip(&o.traj) {
            a.merge(b);
        }
        for (a, b) in self.phases.iter_mut().zip(&o.phases) {
            for k in 0..4 {
                a[k] += b[k];
            }
        }
        for (a, b) in self.outcomes.iter_mut().zip(&o.outcomes) {
            a.merge(b);
        }
        // Saturating: a point of more than 2^32 runs reads as unknown percentiles (see
        // `percentiles`), never as wrapped counts.
        for (a, b) in self.hist.iter_mut().zip(&o.hist) {
            *a = a.saturating_add(*b);
        }
        for (a, b) in self.hist_range.iter_mut().zip(&o.hist_range) {
            spread::merge_range(a, *b);
        }
        self.runs += o.runs;
    }
    /// Months covered.
    pub fn months(&self) -> usize {
        self.phases.len()
    }
    /// The trajectory cell of metric `j` of [`TRAJECTORY_METRICS`] at month index `m`
    /// (0-based).
    pub fn cell(&self, m: usize, j: usize) -> &ExactAcc {
        &self.traj[m * NT + j]
    }
    /// The 10th, 50th and 90th percentiles ([`QUANTILES`]) of trajectory metric `j` at
    /// month index `m` over the runs alive then; NaN for a metric whose spread is not kept
    /// (not in [`SPREAD`]), without values, where a percentile falls outside the metric's
    /// bins, or when the counts do not match the cell's (saturated).
    pub fn percentiles(&self, m: usize, j: usize) -> [f64; 3] {
        let nan = [f64::NAN; 3];
        let Some(i) = SPREAD_OF.get(j).copied().flatten() else {
            return nan;
        };
        let Some(month) = self.hist.get(m * PER_MONTH..(m + 1) * PER_MONTH) else {
            return nan;
        };
        let counts = spread::metric_counts(month, i);
        let n: u64 = counts.iter().map(|&c| u64::from(c)).sum();
        let range = self.hist_range[m * SPREAD.len() + i];
        if n != self.cell(m, j).n {
            return nan;
        }
        QUANTILES.map(|q| SPREAD[i].quantile(counts, q, range))
    }
    /// The first metric (outcomes first) whose sums left the exact range, if any.
    pub fn overflowed(&self) -> Option<&'static str> {
        if let Some(j) = self.outcomes.iter().position(ExactAcc::overflowed) {
            return Some(OUTCOME_METRICS[j]);
        }
        let k = self.traj.iter().position(ExactAcc::overflowed)?;
        Some(TRAJECTORY_METRICS[k % NT])
    }
}

/// Float sums of one chunk of runs of one design point, added in replication order;
/// [`ChunkSums::finish`] rounds them once into an exact [`PointAgg`] contribution.
pub struct ChunkSums {
    agg: PointAgg,
    cells: Vec<CellSums>,
    outcomes: [GroupSums; OUTCOME_METRICS.len()],
    last_month: usize,
    /// `[month]`: the values of the metrics of [`SPREAD`] of the runs alive that month, one
    /// group per run, counted into the histograms by [`ChunkSums::finish`] month by month.
    /// Appending keeps the writes and reads sequential, and the counts of a month stay in
    /// cache while they are counted, where counting while running would touch the whole
    /// histogram every run.
    spread: Vec<Vec<f64>>,
}

impl ChunkSums {
    /// Empty sums for a horizon of `months`.
    pub fn new(months: u32) -> Self {
        ChunkSums {
            agg: PointAgg::new(months),
            cells: vec![CellSums::default(); months as usize * NT],
            outcomes: [GroupSums::default(); OUTCOME_METRICS.len()],
            last_month: 0,
            spread: vec![Vec::new(); months as usize],
        }
    }
    /// Empty sums of the outcomes alone ([`PointAgg::outcomes_only`]): no month is
    /// aggregated, so the runs need not call [`ChunkSums::month`].
    pub fn outcomes_only() -> Self {
        ChunkSums {
            agg: PointAgg::outcomes_only(),
            cells: Vec::new(),
            outcomes: [GroupSums::default(); OUTCOME_METRICS.len()],
            last_month: 0,
            spread: Vec::new(),
        }
    }
    /// Add one month of the current run.
    #[inline(always)]
    pub fn month(&mut self, r: &MonthRecord) {
        let m = (r.month - 1) as usize;
        self.last_month = m;
        let values = r.metrics();
        if let Some(row) = self.cells.get_mut(m * NT..(m + 1) * NT) {
            for (cell, v) in row.iter_mut().zip(values) {
                cell.push(v);
            }
        }
        if let Some(month) = self.spread.get_mut(m) {
            if month.capacity() == 0 {
                month.reserve(64 * SPREAD.len());
            }
            month.extend_from_slice(&SPREAD.map(|s| values[s.traj]));
        }
        self.agg.phases[m][r.phase as usize] += 1;
    }
    /// Close the current run with its outcome.
    pub fn run(&mut self, o: &RunOutcome) {
        // A dissolved relationship stays dissolved to the horizon.
        for m in (self.last_month + 1)..self.agg.months() {
            self.agg.phases[m][Phase::Dissolved as usize] += 1;
        }
        self.last_month = 0;
        for (g, v) in self.outcomes.iter_mut().zip(o.metrics()) {
            g.push(v);
        }
        self.agg.runs += 1;
    }
    /// The chunk's exact aggregates.
    pub fn finish(self) -> PointAgg {
        let mut agg = self.agg;
        for (acc, c) in agg.traj.iter_mut().zip(&self.cells) {
            acc.add(&c.group());
        }
        for (acc, g) in agg.outcomes.iter_mut().zip(&self.outcomes) {
            acc.add(g);
        }
        let ns = SPREAD.len();
        for (m, values) in self.spread.iter().enumerate() {
            let counts = &mut agg.hist[m * PER_MONTH..(m + 1) * PER_MONTH];
            let range = &mut agg.hist_range[m * ns..(m + 1) * ns];
            spread::count(counts, range, values);
        }
        agg
    }
}

/// Mean, SD and Wilson 95% interval of a share.
pub fn share_stats(count: u64, total: u64) -> (f64, f64, f64, f64) {
    if total == 0 {
        return (f64::NAN, f64::NAN, f64::NAN, f64::NAN);
    }
    let n = total as f64;
    let p = count as f64 / n;
    let sd = if total > 1 {
        (p * (1.0 - p) * n / (n - 1.0)).sqrt()
    } else {
        f64::NAN
    };
    let z = 1.959_963_984_540_054_f64;
    let denom = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / denom;
    // No ones (or no zeros) bound the interval at exactly 0 (or 1), without rounding noise.
    let lo = if count == 0 {
        0.0
    } else {
        (centre - half).max(0.0)
    };
    let hi = if count >= total {
        1.0
    } else {
        (centre + half).min(1.0)
    };
    (p, sd, lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_acc_is_order_free_and_matches_two_pass() {
        let xs: Vec<f64> = (0..1000)
            .map(|i| ((i * 7919) % 1000) as f64 / 37.0 - 5.0)
            .collect();
        let mut a = ExactAcc::default();
        for x in &xs {
            a.push(*x);
        }
        let mut b = ExactAcc::default();
        for x in xs.iter().rev() {
            b.push(*x);
        }
        assert_eq!(a, b);
        let (mut c, mut d) = (ExactAcc::default(), ExactAcc::default());
        for x in &xs[..300] {
            c.push(*x);
        }
        for x in &xs[300..] {
            d.push(*x);
        }
        d.merge(&c);
        assert_eq!(a, d);
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        assert!((a.mean() - mean).abs() < 1e-9);
        assert!((a.sd() - var.sqrt()).abs() < 1e-6);
        let (lo, hi) = a.ci95();
        assert!(lo < mean && mean < hi);
    }

    #[test]
    fn exact_acc_skips_nan_and_flags_huge() {
        let mut a = ExactAcc::default();
        a.push(f64::NAN);
        a.push(1.0);
        assert_eq!(a.n, 1);
        a.push(1e13);
        assert!(a.mean().is_nan());
    }

    #[test]
    fn a_constant_has_its_exact_mean_and_zero_sd() {
        let mut a = ExactAcc::default();
        let mut g = GroupSums::default();
        for _ in 0..250 {
            g.push(0.42);
        }
        a.add(&g);
        a.push(0.42);
        assert_eq!(a.mean(), 0.42);
        assert_eq!(a.sd(), 0.0);
        assert_eq!(a.ci95(), (0.42, 0.42));
    }

    #[test]
    fn small_spreads_keep_their_sd() {
        // Values near 1.9 with SD about 0.0018: the fixed-point sums must not blur it.
        let xs: Vec<f64> = (0..1000)
            .map(|i| 1.9 + 0.003 * (((i * 37) % 100) as f64 / 100.0 - 0.5))
            .collect();
        let mut a = ExactAcc::default();
        for chunk in xs.chunks(250) {
            let mut g = GroupSums::default();
            for x in chunk {
                g.push(*x);
            }
            a.add(&g);
        }
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        assert!((a.sd() / sd - 1.0).abs() < 1e-6, "{} vs {sd}", a.sd());
    }

    #[test]
    fn fast_and_wide_paths_agree() {
        // Values on both sides of the fast-path bound aggregate consistently.
        let xs = [1.5, -2.25, 3.0e6, -4.0e6, 0.1, 2.0e6];
        let mut a = ExactAcc::default();
        for x in xs {
            a.push(x);
        }
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        assert!((a.mean() - mean).abs() < 1e-5, "{} vs {mean}", a.mean());
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (xs.len() - 1) as f64;
        assert!((a.sd() / var.sqrt() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn wilson_interval_brackets_share() {
        let (p, _, lo, hi) = share_stats(30, 100);
        assert_eq!(p, 0.3);
        assert!(lo > 0.21 && lo < 0.3 && hi > 0.3 && hi < 0.4, "{lo} {hi}");
        let (_, _, lo0, _) = share_stats(0, 50);
        assert_eq!(lo0, 0.0);
        assert_eq!(share_stats(50, 50).3, 1.0);
    }

    #[test]
    fn wilson_interval_of_one_in_two_thousand() {
        // Roots of (p − x)² = z²·x(1 − x)/n for p = 1/2000, z = 1.95996398454: solved by
        // hand with the quadratic formula.
        let (p, sd, lo, hi) = share_stats(1, 2000);
        assert_eq!(p, 0.0005);
        assert!((lo - 8.826_773_070_5e-5).abs() < 1e-14, "{lo}");
        assert!((hi - 2.826_862_503_27e-3).abs() < 1e-14, "{hi}");
        assert!((0.0..=1.0).contains(&lo) && (0.0..=1.0).contains(&hi));
        assert!((sd - (0.0005f64 * 0.9995 * 2000.0 / 1999.0).sqrt()).abs() < 1e-15);
        // The same through an accumulator of 0/1 values, as summary.csv writes it; the
        // t interval it replaces reaches below 0.
        let mut a = ExactAcc::default();
        let mut g = GroupSums::default();
        for i in 0..2000 {
            g.push(if i == 1234 { 1.0 } else { 0.0 });
        }
        a.add(&g);
        assert_eq!(a.share(), (p, sd, lo, hi));
        assert_eq!(a.stats(true), (p, sd, lo, hi));
        assert!(a.ci95().0 < 0.0);
        assert_eq!(a.stats(false).2, a.ci95().0);
    }

    /// Aggregates of `reps` real runs of a short horizon, in chunks cut at `cuts`.
    fn chunked(reps: u64, cuts: &[u64]) -> Vec<PointAgg> {
        let p = crate::model::Params {
            months: 24,
            ..Default::default()
        };
        let mut bounds = vec![0];
        bounds.extend(cuts.iter().map(|c| c % reps));
        bounds.push(reps);
        bounds.sort_unstable();
        bounds
            .windows(2)
            .map(|w| {
                let mut sums = ChunkSums::new(p.months);
                for rep in w[0]..w[1] {
                    let o = crate::model::simulate_with(&p, 1000 + rep, |r| sums.month(r));
                    sums.run(&o);
                }
                sums.finish()
            })
            .collect()
    }

    #[test]
    fn percentiles_cover_the_runs_of_the_mean() {
        let parts = chunked(40, &[]);
        let a = &parts[0];
        let j = TRAJECTORY_METRICS
            .iter()
            .position(|m| *m == "supplier_trust")
            .unwrap();
        for m in 0..a.months() {
            let [p10, p50, p90] = a.percentiles(m, j);
            assert!(p10 <= p50 && p50 <= p90, "month {m}: {p10} {p50} {p90}");
            let mean = a.cell(m, j).mean();
            assert!(p10 - 0.01 <= mean && mean <= p90 + 0.01, "month {m}");
        }
        // A metric whose spread is not kept has none.
        let k = TRAJECTORY_METRICS
            .iter()
            .position(|m| *m == "value_created")
            .unwrap();
        assert!(a.percentiles(0, k).iter().all(|x| x.is_nan()));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(12))]
        #[test]
        fn point_aggregates_merge_in_any_order(
            cuts in proptest::collection::vec(0u64..30, 0..4),
            rotate in 0usize..5,
        ) {
            let whole = chunked(30, &[]).remove(0);
            let mut parts = chunked(30, &cuts);
            let k = rotate % parts.len();
            parts.rotate_left(k);
            parts.reverse();
            let mut merged = PointAgg::new(24);
            for p in &parts {
                merged.merge(p);
            }
            proptest::prop_assert_eq!(&merged.hist, &whole.hist);
            let bits = |a: &PointAgg| -> Vec<(u64, u64)> {
                a.hist_range.iter().map(|r| (r.0.to_bits(), r.1.to_bits())).collect()
            };
            proptest::prop_assert_eq!(bits(&merged), bits(&whole));
            proptest::prop_assert_eq!(merged.runs, whole.runs);
            // Checkpoints and shard files restore the counts exactly.
            let back: PointAgg =
                serde_json::from_str(&serde_json::to_string(&merged).unwrap()).unwrap();
            proptest::prop_assert_eq!(&back, &merged);
            for m in 0..24 {
                for j in 0..TRAJECTORY_METRICS.len() {
                    let (x, y) = (merged.percentiles(m, j), whole.percentiles(m, j));
                    proptest::prop_assert_eq!(x.map(f64::to_bits), y.map(f64::to_bits));
                }
            }
        }
    }
}
