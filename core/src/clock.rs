//! Event timestamps: read cheaply at the call, turned into wall-clock
//! nanoseconds on the worker.
//!
//! Reading the wall clock (`clock_gettime(CLOCK_REALTIME)` through the
//! vDSO) costs about 45 ns on a 2-vCPU virtual machine, nearly half of a
//! producer's budget. Reading the CPU's time-stamp counter costs about
//! 12 ns there. Where the kernel itself keeps time with the TSC (its
//! clocksource is `tsc`, and the CPU reports a constant, non-stop counter),
//! producers store the raw counter in the record and flag it; the worker
//! converts it before anything else reads the record, with a mapping it
//! re-reads from the wall clock every millisecond or so. Anywhere else,
//! and when `ASYNCLOG_CLOCK=system` is set, producers read the wall clock.
//!
//! The conversion is linear between two readings of both clocks taken
//! close together, so a converted stamp is within a few microseconds of
//! what the wall clock said at the call; when the wall clock is stepped
//! (NTP), stamps follow the new time within a millisecond.

use std::time::{SystemTime, UNIX_EPOCH};

/// Nanoseconds since the Unix epoch, from the wall clock.
#[inline]
pub(crate) fn wall_nanos() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

/// What producers read at the call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Clock {
    tsc: bool,
}

impl Clock {
    /// The TSC where it is trustworthy and not turned off, else the wall
    /// clock.
    pub(crate) fn detect() -> Clock {
        let off = std::env::var("ASYNCLOG_CLOCK").is_ok_and(|v| v.trim() == "system");
        Clock {
            tsc: !off && tsc::usable(),
        }
    }

    /// The wall clock only.
    #[cfg(test)]
    pub(crate) fn system() -> Clock {
        Clock { tsc: false }
    }

    /// The stamp for an event logged now, and whether it is a raw counter
    /// reading the worker must convert.
    #[inline]
    pub(crate) fn stamp(&self) -> (u64, bool) {
        if self.tsc {
            (tsc::read(), true)
        } else {
            (wall_nanos(), false)
        }
    }
}

/// Turns raw counter readings into wall-clock nanoseconds. Owned by the
/// worker; see the module documentation.
pub(crate) struct Converter {
    /// A reading of both clocks from which the rate is measured.
    anchor: Option<Pair>,
    /// The latest reading; stamps are converted relative to it.
    base: Pair,
    ns_per_tick: f64,
    calibrated: bool,
}

#[derive(Clone, Copy, Debug)]
struct Pair {
    ticks: u64,
    nanos: u64,
}

/// Counter ticks between re-readings of the wall clock, at the measured
/// rate (about a millisecond).
const REBASE_NANOS: f64 = 1_000_000.0;

/// The shortest span the first rate is measured over.
const FIRST_SPAN_NANOS: u64 = 2_000_000;

/// A difference between predicted and read wall time beyond which the
/// wall clock is taken to have been stepped, and the rate re-measured.
const STEP_NANOS: i64 = 1_000_000;

impl Converter {
    pub(crate) fn new() -> Converter {
        let base = Pair::read();
        Converter {
            anchor: Some(base),
            base,
            ns_per_tick: 1.0,
            calibrated: false,
        }
    }

    /// Wall-clock nanoseconds for a raw reading.
    #[inline]
    pub(crate) fn convert(&mut self, ticks: u64) -> u64 {
        if !self.calibrated {
            self.calibrate();
        }
        let delta = ticks.wrapping_sub(self.base.ticks) as i64;
        let nanos = self.base.nanos as i64 + (delta as f64 * self.ns_per_tick) as i64;
        nanos.max(0) as u64
    }

    /// Re-reads the wall clock if a millisecond or so has passed; the
    /// worker calls this once per pass over the queue.
    #[inline]
    pub(crate) fn tick(&mut self) {
        if !self.calibrated {
            return;
        }
        let now = tsc::read();
        let since = now.wrapping_sub(self.base.ticks) as f64 * self.ns_per_tick;
        if since >= REBASE_NANOS {
            self.rebase();
        }
    }

    #[cold]
    fn calibrate(&mut self) {
        let anchor = *self.anchor.get_or_insert_with(Pair::read);
        // Wait out the first span if the logger is younger than that; it
        // happens once, on the worker, for the first event only.
        let mut now = Pair::read();
        while now.nanos.saturating_sub(anchor.nanos) < FIRST_SPAN_NANOS {
            std::thread::yield_now();
            now = Pair::read();
        }
        self.ns_per_tick = rate(anchor, now).unwrap_or(1.0);
        self.base = now;
        self.calibrated = true;
    }

    #[cold]
    fn rebase(&mut self) {
        let now = Pair::read();
        let delta = now.ticks.wrapping_sub(self.base.ticks) as i64;
        let predicted = self.base.nanos as i64 + (delta as f64 * self.ns_per_tick) as i64;
        let stepped = (now.nanos as i64 - predicted).abs() > STEP_NANOS;
        match self.anchor {
            Some(anchor) if !stepped => {
                if let Some(r) = rate(anchor, now) {
                    self.ns_per_tick = r;
                }
            }
            // The wall clock jumped: keep the rate, measure it afresh
            // from here.
            _ => self.anchor = Some(now),
        }
        self.base = now;
    }
}

/// Nanoseconds per tick between two readings, if they are far enough
/// apart and in order.
fn rate(from: Pair, to: Pair) -> Option<f64> {
    let ticks = to.ticks.checked_sub(from.ticks)?;
    let nanos = to.nanos.checked_sub(from.nanos)?;
    (ticks > 0 && nanos > 0).then(|| nanos as f64 / ticks as f64)
}

impl Pair {
    /// Both clocks, read as close together as the hardware allows: the
    /// counter on either side of the wall clock, and their midpoint.
    fn read() -> Pair {
        let before = tsc::read();
        let nanos = wall_nanos();
        let after = tsc::read();
        Pair {
            ticks: before + after.wrapping_sub(before) / 2,
            nanos,
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod tsc {
    /// Reads the time-stamp counter.
    #[inline]
    pub(super) fn read() -> u64 {
        // SAFETY: RDTSC exists on every x86_64 CPU and has no side
        // effects; `usable` decides whether its value is worth using.
        unsafe { core::arch::x86_64::_rdtsc() }
    }

    /// True when the kernel keeps time with the TSC and the CPU says it
    /// runs at a constant rate through sleep states: then counters on
    /// every core agree, as the kernel's own timekeeping relies on. A fact
    /// of the machine, read once per process rather than per logger.
    pub(super) fn usable() -> bool {
        static USABLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *USABLE.get_or_init(read_usable)
    }

    fn read_usable() -> bool {
        let source = std::fs::read_to_string(
            "/sys/devices/system/clocksource/clocksource0/current_clocksource",
        );
        if !source.is_ok_and(|s| s.trim() == "tsc") {
            return false;
        }
        let Ok(cpuinfo) = std::fs::read_to_string("/proc/cpuinfo") else {
            return false;
        };
        let flags = cpuinfo
            .lines()
            .find(|l| l.starts_with("flags"))
            .unwrap_or_default();
        let has = |f: &str| flags.split_whitespace().any(|w| w == f);
        has("constant_tsc") && has("nonstop_tsc")
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod tsc {
    #[inline]
    pub(super) fn read() -> u64 {
        super::wall_nanos()
    }

    pub(super) fn usable() -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converted_stamps_track_the_wall_clock() {
        let clock = Clock::detect();
        let mut conv = Converter::new();
        for _ in 0..200 {
            let before = wall_nanos();
            let (stamp, raw) = clock.stamp();
            let after = wall_nanos();
            let nanos = if raw { conv.convert(stamp) } else { stamp };
            // A few microseconds of slack for the conversion.
            assert!(
                nanos + 20_000 >= before && nanos <= after + 20_000,
                "{before} <= {nanos} <= {after}"
            );
            conv.tick();
            std::thread::sleep(std::time::Duration::from_micros(50));
        }
    }

    #[test]
    fn the_system_clock_needs_no_conversion() {
        let (stamp, raw) = Clock::system().stamp();
        assert!(!raw);
        assert!(stamp.abs_diff(wall_nanos()) < 1_000_000_000);
    }
}
