//! A small seeded pseudo-random generator (SplitMix64) for the workload generators.
//!
//! Input: a seed and a stream name. Output: a deterministic sequence of `u64`s, identical on
//! every platform and every version of the project's dependencies (it depends on none), so a
//! seed names the same block forever.

use alloy_primitives::keccak256;

/// SplitMix64 (Steele, Lea and Flood, 2014).
#[derive(Debug, Clone)]
pub(crate) struct Rng {
    state: u64,
}

impl Rng {
    /// The stream `stream` under `seed`: different streams of one seed are unrelated.
    pub(crate) fn new(seed: u64, stream: &str) -> Self {
        let mut preimage = seed.to_be_bytes().to_vec();
        preimage.extend_from_slice(stream.as_bytes());
        let digest = keccak256(preimage);
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        Self {
            state: u64::from_be_bytes(first),
        }
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A uniform integer in `0..bound` (`bound > 0`; Lemire's multiply-shift, bias below
    /// 2^-32 for the bounds used here).
    pub(crate) fn below(&mut self, bound: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(bound)) >> 64) as u64
    }

    /// `true` with probability `p` (53-bit resolution; `p <= 0` never, `p >= 1` always).
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        let unit = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        unit < p
    }

    /// Shuffles `items` in place (Fisher–Yates).
    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_deterministic_and_stream_separated() {
        let take = |seed, stream| {
            let mut rng = Rng::new(seed, stream);
            (0..4).map(|_| rng.next_u64()).collect::<Vec<_>>()
        };
        assert_eq!(take(1, "a"), take(1, "a"));
        assert_ne!(take(1, "a"), take(1, "b"));
        assert_ne!(take(1, "a"), take(2, "a"));
    }

    #[test]
    fn bounded_draws_stay_in_range() {
        let mut rng = Rng::new(3, "bounds");
        assert!((0..1000).all(|_| rng.below(7) < 7));
        assert!((0..1000).all(|_| !rng.chance(0.0)));
        assert!((0..1000).all(|_| rng.chance(1.0)));
        let mut items: Vec<u32> = (0..50).collect();
        rng.shuffle(&mut items);
        items.sort_unstable();
        assert_eq!(items, (0..50).collect::<Vec<_>>());
    }
}
