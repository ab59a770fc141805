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

/// One call in this many is timed, so that reading the clock does not
/// weigh on the throughput being measured.
pub const SAMPLE_EVERY: u64 = 64;

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
