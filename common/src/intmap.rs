//! Hash maps keyed by integers (pids, uids, inode numbers), hashed by one
//! multiplication instead of std's SipHash with random keys: the keys come
//! from the kernel, not from someone choosing collisions, and the maps of
//! every key type together cost a few KiB less in each binary (std's
//! hasher is instantiated per key type, and seeding it reads random bytes).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` with [`IntHasher`]; make one with `IntMap::default()`.
pub type IntMap<K, V> = HashMap<K, V, BuildHasherDefault<IntHasher>>;

/// Fibonacci hashing of the integer written (bytes, for other keys, one
/// at a time): the high bits, which hashbrown's groups use, depend on all
/// of the key's bits.
#[derive(Debug, Default, Clone, Copy)]
pub struct IntHasher(u64);

impl IntHasher {
    fn mix(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

impl Hasher for IntHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.mix(u64::from(b));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.mix(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.mix(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_in_sequence_spread_over_the_high_bits() {
        // inode numbers and pids come in runs: their top 7 bits (hashbrown's
        // control bytes) must not all be the same
        let top = |n: u64| {
            let mut h = IntHasher::default();
            h.write_u64(n);
            h.finish() >> 57
        };
        let distinct: std::collections::BTreeSet<u64> = (4026531840..4026531840 + 256).map(top).collect();
        assert!(distinct.len() > 64, "{}", distinct.len());
        let mut m: IntMap<u32, u32> = IntMap::default();
        for i in 0..10_000 {
            m.insert(i, i * 2);
        }
        assert!((0..10_000).all(|i| m[&i] == i * 2));
    }
}
