//! Runs the producers: starts the threads together, times one call in
//! [`SAMPLE_EVERY`] (at positions a [`Sampler`] draws), and hands back
//! when the first call began.

use std::sync::Barrier;
use std::time::Instant;

use crate::workload::{Plan, SAMPLE_EVERY, Sampler, latency_ms};

/// What the producer threads did.
pub struct Produced {
    /// Taken as the threads were released to make their first call.
    pub start: Instant,
    /// Nanoseconds of each timed call, from every thread, sorted.
    pub samples: Vec<u32>,
    /// Nanoseconds of an empty timed region, as many as `samples` and
    /// taken between the timed calls, from every thread, sorted: what the
    /// timer alone reads under the same load.
    pub floor: Vec<u32>,
    /// Calls the logger reported as not accepted.
    pub refused: u64,
}

/// Logs the plan's events. `make` is called once per thread, on the
/// calling thread, and returns that thread's logging function, which
/// takes `(user_id, latency_ms)` and returns whether the logger accepted
/// the event.
pub fn produce<L>(plan: &Plan, mut make: impl FnMut(usize) -> L) -> Produced
where
    L: FnMut(u64, f64) -> bool + Send,
{
    // Measured before the clock starts; it takes 200 ms the first time.
    let per_ns = ticks::per_ns();
    let barrier = Barrier::new(plan.threads + 1);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..plan.threads)
            .map(|t| {
                let mut log = make(t);
                let range = plan.range(t);
                let barrier = &barrier;
                std::thread::Builder::new()
                    .name(format!("producer-{t}"))
                    .spawn_scoped(s, move || {
                        let n = ((range.end - range.start) / (SAMPLE_EVERY / 2 + 1) + 1) as usize;
                        let mut samples = Vec::with_capacity(n);
                        let mut floor = Vec::with_capacity(n);
                        let mut refused = 0u64;
                        let span =
                            |t0: u64, t1: u64| t1.wrapping_sub(t0).min(u32::MAX as u64) as u32;
                        let mut sampler = Sampler::new(t as u64 + 1);
                        let mut timed = range.start + sampler.gap() - 1;
                        // Halfway to the next timed call, after an untimed
                        // one, as a timed call is. Gaps are longer than half
                        // a stride, so it always comes before that call.
                        let mut empty = timed + SAMPLE_EVERY / 2;
                        barrier.wait();
                        for id in range {
                            let latency = latency_ms(id);
                            if id == timed {
                                let t0 = ticks::start();
                                let ok = log(id, latency);
                                let t1 = ticks::stop();
                                samples.push(span(t0, t1));
                                refused += u64::from(!ok);
                                empty = id + SAMPLE_EVERY / 2;
                                timed = id + sampler.gap();
                                continue;
                            }
                            if id == empty {
                                let t0 = ticks::start();
                                let t1 = ticks::stop();
                                floor.push(span(t0, t1));
                            }
                            if !log(id, latency) {
                                refused += 1;
                            }
                        }
                        (samples, floor, refused)
                    })
                    .expect("starting a producer thread")
            })
            .collect();
        barrier.wait();
        let start = Instant::now();
        let mut samples = Vec::new();
        let mut floor = Vec::new();
        let mut refused = 0;
        for h in handles {
            let (s, f, r) = h.join().expect("a producer thread panicked");
            samples.extend(s);
            floor.extend(f);
            refused += r;
        }
        for v in [&mut samples, &mut floor] {
            for s in v.iter_mut() {
                *s = (*s as f64 / per_ns).round() as u32;
            }
            v.sort_unstable();
        }
        Produced {
            start,
            samples,
            floor,
            refused,
        }
    })
}

/// The nearest-rank percentile `q` (0 to 1) of sorted samples.
pub fn percentile(sorted: &[u32], q: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The median cost of one timing, in nanoseconds: the two reads of the
/// call timer back to back. The sampled latencies include it.
pub fn timer_overhead_ns() -> u32 {
    let per_ns = ticks::per_ns();
    let mut v: Vec<u32> = (0..100_000)
        .map(|_| {
            let t0 = ticks::start();
            let t1 = ticks::stop();
            (t1.wrapping_sub(t0) as f64 / per_ns).round() as u32
        })
        .collect();
    v.sort_unstable();
    percentile(&v, 0.5)
}

/// What a timed call is measured with. On x86_64 the time-stamp counter,
/// fenced so the call cannot move outside the reads (about 25 ns for both,
/// where two `Instant::now` cost 45 ns or more on a virtual machine);
/// elsewhere `Instant`.
pub mod ticks {
    use std::sync::OnceLock;
    use std::time::{Duration, Instant};

    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    pub fn start() -> u64 {
        use core::arch::x86_64::{_mm_lfence, _rdtsc};
        // SAFETY: LFENCE and RDTSC exist on every x86_64 CPU.
        unsafe {
            _mm_lfence();
            let t = _rdtsc();
            _mm_lfence();
            t
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    pub fn stop() -> u64 {
        use core::arch::x86_64::{__rdtscp, _mm_lfence};
        let mut aux = 0;
        // SAFETY: RDTSCP waits for earlier instructions; the fence keeps
        // later ones from starting before it.
        unsafe {
            let t = __rdtscp(&mut aux);
            _mm_lfence();
            t
        }
    }

    #[cfg(not(target_arch = "x86_64"))]
    pub fn start() -> u64 {
        epoch().elapsed().as_nanos() as u64
    }

    #[cfg(not(target_arch = "x86_64"))]
    pub fn stop() -> u64 {
        start()
    }

    #[cfg(not(target_arch = "x86_64"))]
    fn epoch() -> Instant {
        static EPOCH: OnceLock<Instant> = OnceLock::new();
        *EPOCH.get_or_init(Instant::now)
    }

    /// Ticks per nanosecond, measured once against `Instant` over 200 ms.
    pub fn per_ns() -> f64 {
        static RATE: OnceLock<f64> = OnceLock::new();
        *RATE.get_or_init(|| {
            let (t0, i0) = (start(), Instant::now());
            std::thread::sleep(Duration::from_millis(200));
            let (t1, i1) = (stop(), Instant::now());
            (t1 - t0) as f64 / (i1 - i0).as_nanos() as f64
        })
    }
}

/// User and system CPU time the process has used, in seconds, counting
/// threads that have ended.
pub fn cpu_seconds() -> f64 {
    // SAFETY: getrusage writes the struct it is given.
    let usage = unsafe {
        let mut u = std::mem::zeroed::<libc::rusage>();
        libc::getrusage(libc::RUSAGE_SELF, &mut u);
        u
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

/// CPU time the whole machine has spent busy, and stolen by the
/// hypervisor, in seconds since boot (from `/proc/stat`, every CPU).
pub fn machine_cpu_seconds() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(line) = stat.lines().find(|l| l.starts_with("cpu ")) else {
        return (0.0, 0.0);
    };
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    let at = |i: usize| v.get(i).copied().unwrap_or(0);
    // user nice system idle iowait irq softirq steal
    let busy = at(0) + at(1) + at(2) + at(5) + at(6) + at(7);
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    (busy as f64 / hz, at(7) as f64 / hz)
}

/// Waits until the machine has been nearly idle (at most 10% of its CPUs
/// busy) for one second, for at most `limit` seconds. Returns the seconds
/// waited and the busy share of the last second, in percent of all CPUs.
pub fn wait_until_quiet(limit: std::time::Duration) -> (f64, f64) {
    let ncpu = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let start = Instant::now();
    loop {
        let (b0, _) = machine_cpu_seconds();
        let t0 = Instant::now();
        std::thread::sleep(std::time::Duration::from_secs(1));
        let (b1, _) = machine_cpu_seconds();
        let busy = 100.0 * (b1 - b0) / (t0.elapsed().as_secs_f64() * ncpu);
        if busy <= 10.0 || start.elapsed() >= limit {
            return (start.elapsed().as_secs_f64(), busy);
        }
    }
}

/// The process's peak and current resident set, in KiB, from
/// `/proc/self/status` (`VmHWM`, `VmRSS`).
pub fn rss_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let read = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (read("VmHWM:"), read("VmRSS:"))
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn percentiles_take_the_nearest_rank() {
        let v: Vec<u32> = (1..=100).collect();
        assert_eq!(percentile(&v, 0.5), 50);
        assert_eq!(percentile(&v, 0.99), 99);
        assert_eq!(percentile(&v, 0.999), 100);
        assert_eq!(percentile(&v, 1.0), 100);
        assert_eq!(percentile(&[], 0.5), 0);
    }
}
