//! The workload every contender logs, fixed so that results compare.
//!
//! Each event is an `INFO` "request handled" with three fields: `user_id`
//! (an integer counting up), `path` (`"/api/v1/items"`) and `latency_ms`
//! (`12.5 + user_id % 7`, a double), written as one JSON line to a file.
//! With several threads, each logs its own contiguous run of user ids, so
//! the verifier can tell that every thread's sequence arrived whole and in
//! order.

use std::ops::Range;

/// The message of every event.
pub const MESSAGE: &str = "request handled";

/// The value of the `path` field.
pub const PATH: &str = "/api/v1/items";

/// The name the loggers write in the `logger` key.
pub const LOGGER_NAME: &str = "app";

/// One call in this many is timed, on average, so that reading the clock
/// does not weigh on the throughput being measured.
pub const SAMPLE_EVERY: u64 = 64;

/// Picks which calls are timed: the gaps between them are drawn evenly
/// from `SAMPLE_EVERY / 2 + 1` to `SAMPLE_EVERY * 3 / 2 - 1`, so one call
/// in `SAMPLE_EVERY` is timed on average, but never always the same call
/// of a period. A fixed stride would line the timed calls up with the
/// queue's power-of-two geometry: every timed call would land on the same
/// slot of a page, and on the call that finds the queue full, so one
/// kind of call would stand for all of them.
///
/// The draws are fixed by `seed`, so a run can be repeated.
pub struct Sampler {
    state: u64,
}

impl Sampler {
    /// A sampler for the producer with this seed.
    pub fn new(seed: u64) -> Sampler {
        Sampler {
            state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
        }
    }

    /// The number of calls from one timed call to the next.
    #[inline]
    pub fn gap(&mut self) -> u64 {
        // xorshift64*: statistically plenty for choosing call positions.
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        let r = x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32;
        SAMPLE_EVERY / 2 + 1 + r % (SAMPLE_EVERY - 1)
    }
}

/// The `latency_ms` field of event `user_id`.
#[inline]
pub fn latency_ms(user_id: u64) -> f64 {
    12.5 + (user_id % 7) as f64
}

/// How many events, split over how many producer threads.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    /// Events in all.
    pub events: u64,
    /// Producer threads; each logs `events / threads`, give or take one.
    pub threads: usize,
}

impl Plan {
    /// The user ids thread `t` logs, in this order.
    pub fn range(&self, t: usize) -> Range<u64> {
        let n = self.events as u128;
        let k = self.threads as u128;
        let t = t as u128;
        ((n * t / k) as u64)..((n * (t + 1) / k) as u64)
    }

    /// The thread that logs `user_id`.
    pub fn thread_of(&self, user_id: u64) -> usize {
        (0..self.threads)
            .find(|&t| self.range(t).contains(&user_id))
            .unwrap_or(self.threads - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampled_gaps_stay_in_bounds_average_the_stride_and_cover_every_residue() {
        let mut sampler = Sampler::new(1);
        let mut pos = 0u64;
        let mut residues = [0u32; SAMPLE_EVERY as usize];
        let draws = 200_000u64;
        for _ in 0..draws {
            let gap = sampler.gap();
            assert!(
                (SAMPLE_EVERY / 2 + 1..SAMPLE_EVERY * 3 / 2).contains(&gap),
                "gap {gap}"
            );
            pos += gap;
            residues[(pos % SAMPLE_EVERY) as usize] += 1;
        }
        let mean = pos as f64 / draws as f64;
        assert!((mean - SAMPLE_EVERY as f64).abs() < 0.5, "mean gap {mean}");
        let expected = draws as f64 / SAMPLE_EVERY as f64;
        for (r, &n) in residues.iter().enumerate() {
            assert!(
                (n as f64 - expected).abs() < expected * 0.15,
                "residue {r} drawn {n} times, expected about {expected}"
            );
        }
    }

    #[test]
    fn a_seed_repeats_its_draws_and_seeds_differ() {
        let draw = |seed| {
            let mut s = Sampler::new(seed);
            (0..16).map(|_| s.gap()).collect::<Vec<_>>()
        };
        assert_eq!(draw(3), draw(3));
        assert_ne!(draw(1), draw(2));
    }

    #[test]
    fn ranges_cover_every_event_once() {
        let plan = Plan {
            events: 1001,
            threads: 3,
        };
        let mut next = 0;
        for t in 0..3 {
            let r = plan.range(t);
            assert_eq!(r.start, next);
            next = r.end;
            assert_eq!(plan.thread_of(r.start), t);
        }
        assert_eq!(next, 1001);
    }
}
