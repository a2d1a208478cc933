//! Seeds: one master seed gives every run and every stream its own independent seed.

/// Derive an independent 64-bit seed from a master seed and indices (SplitMix64 finaliser
/// applied in sequence). Used for per-run and per-stream seeds.
pub fn mix_seed(master: u64, a: u64, b: u64) -> u64 {
    fn sm(mut z: u64) -> u64 {
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    sm(sm(sm(master) ^ a) ^ b.wrapping_mul(0xD6E8_FEB8_6659_FD93))
}

/// The seed of run (point, replication) of an experiment with master seed `master`.
pub fn run_seed(master: u64, point: usize, rep: u64) -> u64 {
    mix_seed(master, point as u64, rep)
}
