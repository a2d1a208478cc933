//! Output: every file dyadsim writes or reads back.
//!
//! - [`atomic`]: files that appear complete or not at all (`<name>.partial`, renamed when
//!   complete), the growing `runs.csv.partial` of a running experiment, JSON state.
//! - [`files`]: each output file's columns, declared once, with its writer and its reader.
//! - [`columns`]: every column's unit and meaning, read from `docs/OUTPUTS.md`.
//! - [`parquet`]: the Parquet twins of the tables (feature `parquet`), written
//!   deterministically; [`spill`]: the resumable spill of per-run rows behind
//!   `runs.parquet`.
//! - [`manifest`]: `manifest.json`, one struct written and read back.
//! - [`trace`]: one run told month by month.
//!
//! Numbers are formatted here ([`num`], [`sig`]) so that every file writes them alike.

pub mod atomic;
pub mod columns;
pub mod files;
pub mod lock;
pub mod manifest;
#[cfg(feature = "parquet")]
pub mod parquet;
#[cfg(not(feature = "parquet"))]
#[path = "parquet_off.rs"]
pub mod parquet;
pub mod spill;
pub mod trace;

use std::path::{Path, PathBuf};

use thiserror::Error;

pub use atomic::{
    AtomicFile, PartialRuns, open_partial, open_partial_runs, read_json_sealed, reclaim_finished,
    write_json_atomic, write_json_sealed, write_text_atomic,
};

/// Errors of reading or writing output files.
#[derive(Debug, Error)]
pub enum OutputError {
    /// A file could not be read or written (the cause is the error's source).
    #[error("{path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A file had unexpected content.
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// Wrap an I/O error with the file it concerns.
pub(crate) fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Format a number for CSV: the shortest decimal that reads back to the same float
/// (scientific notation below 1e-4 or from 1e16 in magnitude); `NA` for NaN or infinity.
pub fn num(x: f64) -> String {
    Num(x).to_string()
}

/// Append `x` formatted as [`num`] formats it to `out`, without an intermediate `String`
/// (for the writers of millions of cells).
///
/// Most numbers take `ryu`'s shortest round-trip digits, which are Rust's own except when
/// two shortest decimals are equally close to the float (`ryu` then takes the even digit,
/// Rust the larger): that needs the float's exact decimal expansion to end one digit
/// after the shortest one, so a float whose expansion is long (23 or more binary digits
/// after the point) cannot be such a tie, nor can an integer below 2^53, which both print
/// exactly. Every other number is formatted by Rust.
pub fn push_num(out: &mut Vec<u8>, x: f64) {
    use std::io::Write as _;
    if !x.is_finite() {
        out.extend_from_slice(b"NA");
        return;
    }
    if x == 0.0 {
        out.push(b'0');
        return;
    }
    let a = x.abs();
    if (1e-4..1e16).contains(&a) {
        let bits = x.to_bits();
        let (exp, mant) = ((bits >> 52) & 0x7ff, bits & ((1 << 52) - 1));
        // x = m × 2^e with m odd.
        let m = mant | (1 << 52);
        let e = exp as i64 - 1075 + i64::from(m.trailing_zeros());
        if e <= -23 || (e >= 0 && a < 9_007_199_254_740_992.0) {
            let mut b = ryu::Buffer::new();
            let t = b.format_finite(x);
            if !t.contains('e') {
                out.extend_from_slice(t.strip_suffix(".0").unwrap_or(t).as_bytes());
                return;
            }
        }
    }
    let _ = write!(out, "{}", Num(x));
}

/// A number formatted as [`num`] formats it, without a `String` of its own (for writers
/// that format millions of cells).
#[derive(Clone, Copy, Debug)]
pub struct Num(pub f64);

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let x = self.0;
        if !x.is_finite() {
            return f.write_str("NA");
        }
        if x == 0.0 {
            return f.write_str("0");
        }
        let a = x.abs();
        if !(1e-4..1e16).contains(&a) {
            write!(f, "{x:e}")
        } else {
            write!(f, "{x}")
        }
    }
}

/// Four significant digits, for tables people read (`NA` for NaN or infinity).
pub fn sig(x: f64) -> String {
    if !x.is_finite() {
        return num(x);
    }
    if x == 0.0 {
        return "0".into();
    }
    let digits = (3 - x.abs().log10().floor() as i32).clamp(0, 8) as usize;
    format!("{x:.digits$}")
}

/// The current UTC time as RFC 3339 (seconds).
pub fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_shortest_round_trip_and_na() {
        assert_eq!(num(0.1), "0.1");
        assert_eq!(num(-0.0), "0");
        assert_eq!(num(f64::NAN), "NA");
        assert_eq!(num(1e-7), "1e-7");
        assert_eq!(num(1.5e-300), "1.5e-300");
        assert_eq!(num(0.00012), "0.00012");
        for x in [1e-7, 1.234_567_890_123e-200, 0.1 + 0.2, 123_456.789, 3e20] {
            assert_eq!(num(x).parse::<f64>().unwrap(), x);
        }
    }

    #[test]
    fn push_num_writes_what_num_writes() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(7);
        let mut xs = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            5.0,
            0.1,
            0.3,
            1e-4,
            9.9999e-5,
            1e-5,
            1.5e-5,
            1e16,
            9.999e15,
            1.5e16,
            1e-7,
            1.5e-300,
            3e20,
            123_456.789,
            1e15,
            2f64.powi(53),
            5e-324,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            0.1 + 0.2,
            // A tie between two shortest decimals (ryu: ...507.2, Rust: ...507.3).
            1_013_729_862_170_507.3,
        ];
        // Random bit patterns cover every exponent; random values in [0, 1000) the usual;
        // integers and short binary fractions (where ties live) the rest.
        for _ in 0..200_000 {
            xs.push(f64::from_bits(rng.next_u64()));
            xs.push(rng.next_u64() as f64 / u64::MAX as f64 * 1000.0);
            xs.push((rng.next_u64() % 100_000) as f64);
            let k = (rng.next_u64() >> (rng.next_u64() % 64)) as f64;
            xs.push(k / 2f64.powi((rng.next_u64() % 30) as i32));
            xs.push(-k * 2f64.powi((rng.next_u64() % 12) as i32));
            // Means: sums over counts.
            xs.push((rng.next_u64() % 1_000_000) as f64 / (rng.next_u64() % 1000 + 1) as f64);
        }
        let mut buf = Vec::new();
        for x in xs {
            buf.clear();
            push_num(&mut buf, x);
            assert_eq!(std::str::from_utf8(&buf).unwrap(), num(x), "{x:?}");
        }
    }

    #[test]
    fn utc_format() {
        let s = now_utc();
        assert_eq!(s.len(), 20);
        assert!(s.starts_with("20"));
    }
}
