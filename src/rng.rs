//! Counter-based random numbers: every draw is a pure function of its key.
//!
//! A draw is SipHash-1-3 (a keyed pseudo-random function with a published
//! specification, from the `siphasher` crate, pinned) of the little-endian bytes
//! of (run, stream, step, purpose), keyed by the seed. There is no generator
//! state: results do not depend on thread count, on the order runs are computed
//! in, or on which machine computes them; two scenarios draw the same numbers
//! for the same rule; and a stream is named after its rule or node (a hash of
//! the name), so adding or editing one rule leaves every other rule's draws alone.
//!
//! A run's draws share the first 8 bytes of their key, so [`RunDraws`] keeps
//! SipHash's state after them and finishes each draw from there: five rounds
//! on words, instead of assembling the 21-byte key in memory and hashing it
//! whole at every draw (the noisy-OR network of `bench/peers`, 10,000 runs on
//! one thread: 262 ms of CPU against 313 ms). It gives the crate's hash
//! exactly; the tests check it against `siphasher`.

use siphasher::sip::SipHasher13;

/// What a draw is for, so that two draws of one rule at one step differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Purpose {
    /// A rule's likelihood, or an event's hazard or prior.
    Likelihood = 1,
    /// The choice of a `one of` branch.
    Branch = 2,
    /// A ranged delay.
    Delay = 3,
    /// An uncertain starting value.
    Start = 4,
    /// The second number of a two-number draw (a normal start value).
    Start2 = 5,
    /// Synthetic model generation.
    Generate = 6,
}

/// The draws of one seed.
#[derive(Clone, Debug)]
pub struct Rng {
    hasher: SipHasher13,
}

/// The second half of the SipHash key: a fixed constant ("whatif!!").
const KEY1: u64 = 0x7768_6174_6966_2121;

impl Rng {
    /// The draws of `seed`.
    #[must_use]
    pub fn new(seed: u64) -> Rng {
        Rng {
            hasher: SipHasher13::new_with_keys(seed, KEY1),
        }
    }

    /// The raw 64 bits of one draw.
    #[must_use]
    pub fn bits(&self, run: u64, stream: u64, step: u32, purpose: Purpose) -> u64 {
        self.run(run).bits(stream, step, purpose)
    }

    /// The draws of run `run`.
    #[must_use]
    pub fn run(&self, run: u64) -> RunDraws {
        let (k0, k1) = self.hasher.keys();
        let mut v = [
            k0 ^ 0x736f_6d65_7073_6575,
            k1 ^ 0x646f_7261_6e64_6f6d,
            k0 ^ 0x6c79_6765_6e65_7261,
            k1 ^ 0x7465_6462_7974_6573,
        ];
        v[3] ^= run;
        round(&mut v);
        v[0] ^= run;
        RunDraws { v }
    }

    /// One draw as a number in [0, 1): the top 53 bits, scaled exactly.
    #[must_use]
    pub fn unit(&self, run: u64, stream: u64, step: u32, purpose: Purpose) -> f64 {
        to_unit(self.bits(run, stream, step, purpose))
    }
}

/// The fixed conversion from 64 random bits to [0, 1).
#[must_use]
pub fn to_unit(bits: u64) -> f64 {
    // 2^-53: every value is an exact multiple, so the result is the same on
    // every machine. The top 53 bits fit an i64, whose conversion to f64 is
    // one instruction (a u64's is several) and exact here.
    ((bits >> 11) as i64) as f64 * (1.0 / 9_007_199_254_740_992.0)
}

/// The draws of one run: SipHash-1-3's state after the key's first 8 bytes
/// (the run), from which each draw hashes its stream, step and purpose.
#[derive(Clone, Copy, Debug)]
pub struct RunDraws {
    v: [u64; 4],
}

impl RunDraws {
    /// The raw 64 bits of one draw (as [`Rng::bits`]).
    #[must_use]
    pub fn bits(&self, stream: u64, step: u32, purpose: Purpose) -> u64 {
        finish(absorb(self.v, stream), tail(step, purpose))
    }

    /// One draw as a number in [0, 1) (as [`Rng::unit`]).
    #[must_use]
    pub fn unit(&self, stream: u64, step: u32, purpose: Purpose) -> f64 {
        to_unit(self.bits(stream, step, purpose))
    }
}

/// The draws of up to [`LANES`] consecutive runs, kept word by word so that
/// one key's draws for all of them are computed together: the loop over runs
/// is the same arithmetic in every lane, which the compiler turns into vector
/// instructions (the bit-parallel simulator's priors: one draw per event and
/// run).
#[derive(Clone, Debug)]
pub struct LaneDraws {
    v: [[u64; LANES]; 4],
    count: usize,
}

/// Runs per [`LaneDraws`].
pub const LANES: usize = 256;

impl LaneDraws {
    /// The draws of runs `first..first + count` (`count` at most [`LANES`]).
    #[must_use]
    pub fn new(rng: &Rng, first: u64, count: usize) -> LaneDraws {
        let count = count.min(LANES);
        let mut v = [[0; LANES]; 4];
        for j in 0..count {
            let r = rng.run(first + j as u64);
            for (w, lane) in v.iter_mut().enumerate() {
                lane[j] = r.v[w];
            }
        }
        LaneDraws { v, count }
    }

    /// The raw bits of each run's draw of one key, as [`RunDraws::bits`]:
    /// `out[j]` for run `first + j`.
    pub fn bits(&self, stream: u64, step: u32, purpose: Purpose, out: &mut [u64; LANES]) {
        lane_bits(&self.v, stream, tail(step, purpose), out);
    }

    /// The draws of run `first + j` alone.
    #[must_use]
    pub fn run(&self, j: usize) -> RunDraws {
        RunDraws {
            v: [self.v[0][j], self.v[1][j], self.v[2][j], self.v[3][j]],
        }
    }

    /// The number of runs.
    #[must_use]
    pub fn count(&self) -> usize {
        self.count
    }
}

/// [`LaneDraws::bits`], compiled also for the vector extensions that have
/// 64-bit lanes (chosen when the program starts, by the CPU it runs on): the
/// arithmetic is the same in every version, so are the draws.
#[multiversion::multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2"))]
fn lane_bits(v: &[[u64; LANES]; 4], stream: u64, b: u64, out: &mut [u64; LANES]) {
    let [v0, v1, v2, v3] = v;
    for j in 0..LANES {
        out[j] = finish(absorb([v0[j], v1[j], v2[j], v3[j]], stream), b);
    }
}

/// The integer form of "the draw of `bits` is below `p`" for `p` in (0, 1):
/// [`to_unit`]`(bits) < p` exactly when `bits >> 11` is below the returned
/// number, since `to_unit` scales a 53-bit integer by 2^-53 without rounding.
#[must_use]
pub fn threshold(p: f64) -> u64 {
    // p * 2^53 is exact; an integer is below it when below its ceiling.
    (p * 9_007_199_254_740_992.0).ceil() as u64
}

/// The key's last 5 bytes (step, purpose) and its length, as SipHash pads them.
fn tail(step: u32, purpose: Purpose) -> u64 {
    (21u64 << 56) | (u64::from(purpose as u8) << 32) | u64::from(step)
}

/// SipHash's compression of one 8-byte word of the key (the stream).
#[inline(always)]
fn absorb(mut v: [u64; 4], word: u64) -> [u64; 4] {
    v[3] ^= word;
    round(&mut v);
    v[0] ^= word;
    v
}

/// SipHash's last block `b` (see [`tail`]), then its finalization
/// (1 compression, 3 final rounds).
#[inline(always)]
fn finish(mut v: [u64; 4], b: u64) -> u64 {
    v[3] ^= b;
    round(&mut v);
    v[0] ^= b;
    v[2] ^= 0xff;
    round(&mut v);
    round(&mut v);
    round(&mut v);
    v[0] ^ v[1] ^ v[2] ^ v[3]
}

/// One SipRound.
#[inline(always)]
fn round(v: &mut [u64; 4]) {
    v[0] = v[0].wrapping_add(v[1]);
    v[1] = v[1].rotate_left(13) ^ v[0];
    v[0] = v[0].rotate_left(32);
    v[2] = v[2].wrapping_add(v[3]);
    v[3] = v[3].rotate_left(16) ^ v[2];
    v[0] = v[0].wrapping_add(v[3]);
    v[3] = v[3].rotate_left(21) ^ v[0];
    v[2] = v[2].wrapping_add(v[1]);
    v[1] = v[1].rotate_left(17) ^ v[2];
    v[2] = v[2].rotate_left(32);
}

/// The stream id of a rule or node: a hash of its name, independent of the seed
/// and of the order in which rules are written.
#[must_use]
pub fn stream(name: &str) -> u64 {
    SipHasher13::new_with_keys(0, KEY1).hash(name.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_pure_functions_of_their_key() {
        let a = Rng::new(7);
        let b = Rng::new(7);
        assert_eq!(
            a.bits(3, 9, 4, Purpose::Likelihood),
            b.bits(3, 9, 4, Purpose::Likelihood)
        );
        assert_ne!(
            a.bits(3, 9, 4, Purpose::Likelihood),
            a.bits(3, 9, 4, Purpose::Delay)
        );
        assert_ne!(
            a.bits(3, 9, 4, Purpose::Likelihood),
            Rng::new(8).bits(3, 9, 4, Purpose::Likelihood)
        );
    }

    /// The crate's SipHash-1-3 of the 21-byte key: the definition of a draw.
    fn reference(seed: u64, run: u64, stream: u64, step: u32, purpose: Purpose) -> u64 {
        let mut key = [0u8; 21];
        key[..8].copy_from_slice(&run.to_le_bytes());
        key[8..16].copy_from_slice(&stream.to_le_bytes());
        key[16..20].copy_from_slice(&step.to_le_bytes());
        key[20] = purpose as u8;
        SipHasher13::new_with_keys(seed, KEY1).hash(&key)
    }

    #[test]
    fn lane_draws_are_run_draws() {
        let rng = Rng::new(5);
        let lanes = LaneDraws::new(&rng, 1000, 100);
        let mut out = [0; LANES];
        for (stream, step) in [(0, 0), (77, 3), (u64::MAX, 9)] {
            lanes.bits(stream, step, Purpose::Likelihood, &mut out);
            for (j, &bits) in out[..lanes.count()].iter().enumerate() {
                assert_eq!(
                    bits,
                    rng.bits(1000 + j as u64, stream, step, Purpose::Likelihood)
                );
                assert_eq!(bits, lanes.run(j).bits(stream, step, Purpose::Likelihood));
            }
        }
    }

    #[test]
    fn thresholds_compare_like_units() {
        let rng = Rng::new(3);
        let ps = [
            1e-300,
            1e-9,
            0.1,
            0.25,
            0.3,
            0.5,
            0.673234,
            0.999_999_999,
            1.0 - f64::EPSILON / 2.0,
        ];
        for p in ps {
            let t = threshold(p);
            for x in [0, 1, t.saturating_sub(1), t, t + 1] {
                let bits = x << 11;
                assert_eq!(to_unit(bits) < p, bits >> 11 < t, "p {p}, x {x}");
            }
            for k in 0..2000 {
                let bits = rng.bits(k, 1, 0, Purpose::Likelihood);
                assert_eq!(to_unit(bits) < p, bits >> 11 < t);
            }
        }
    }

    #[test]
    fn draws_are_the_crates_siphash() {
        let purposes = [
            Purpose::Likelihood,
            Purpose::Branch,
            Purpose::Delay,
            Purpose::Start,
            Purpose::Start2,
            Purpose::Generate,
        ];
        let mix = Rng::new(99);
        for i in 0..2000u64 {
            let seed = mix.bits(i, 1, 0, Purpose::Generate);
            let run = mix.bits(i, 2, 0, Purpose::Generate) >> (i % 64);
            let step = (mix.bits(i, 3, 0, Purpose::Generate) >> (i % 33)) as u32;
            let purpose = purposes[i as usize % purposes.len()];
            let rng = Rng::new(seed);
            let draws = rng.run(run);
            for j in 0..8 {
                let stream = mix.bits(i, 4 + j, 0, purpose);
                let want = reference(seed, run, stream, step, purpose);
                assert_eq!(draws.bits(stream, step, purpose), want);
                assert_eq!(rng.bits(run, stream, step, purpose), want);
            }
        }
    }

    #[test]
    fn units_convert_the_top_53_bits_exactly() {
        assert_eq!(to_unit(0), 0.0);
        assert_eq!(to_unit(u64::MAX), 1.0 - 1.0 / 9_007_199_254_740_992.0);
        assert_eq!(to_unit(1 << 63), 0.5);
        assert_eq!(to_unit((1 << 11) - 1), 0.0);
    }

    #[test]
    fn the_stream_is_pinned() {
        // These values pin the generator: if they change, every published result
        // changes. Do not update them without a major version and a release note.
        assert_eq!(
            Rng::new(0).bits(0, 0, 0, Purpose::Likelihood),
            0xd503_678c_fac4_e221
        );
        assert_eq!(stream("rule"), 0x4082_a349_a377_2d6a);
    }

    #[test]
    fn units_are_uniform_enough() {
        let rng = Rng::new(1);
        let n = 100_000;
        let mean: f64 = (0..n)
            .map(|i| rng.unit(i, 1, 0, Purpose::Likelihood))
            .sum::<f64>()
            / n as f64;
        assert!((mean - 0.5).abs() < 0.005, "{mean}");
        let below: usize = (0..n)
            .filter(|&i| rng.unit(i, 2, 0, Purpose::Likelihood) < 0.1)
            .count();
        assert!((below as f64 / n as f64 - 0.1).abs() < 0.005);
    }
}
