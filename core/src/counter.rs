//! Counters that many producer threads bump without sharing a cache line.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

const STRIPES: usize = 8;

#[repr(align(128))]
#[derive(Default)]
struct Stripe(AtomicU64);

/// A counter split over cache-line-sized stripes; each thread adds to its
/// own stripe and a read sums them. Reads are not atomic across stripes,
/// which metrics and flush targets tolerate: every add is seen eventually.
#[derive(Default)]
pub(crate) struct Striped([Stripe; STRIPES]);

/// Numbers threads in the order they first log or count. Only this number
/// is shared between loggers, never a count: it picks a thread's stripe
/// here and its shard of an event queue.
static NEXT_THREAD: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static THREAD: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// The calling thread's number: 0 for the first thread to ask, 1 for the
/// next, and so on.
#[inline]
pub(crate) fn thread_number() -> usize {
    THREAD.with(|t| {
        let v = t.get();
        if v != usize::MAX {
            return v;
        }
        let v = NEXT_THREAD.fetch_add(1, Ordering::Relaxed);
        t.set(v);
        v
    })
}

#[inline]
fn slot() -> usize {
    thread_number() % STRIPES
}

impl Striped {
    #[inline]
    pub(crate) fn add(&self, n: u64) {
        self.0[slot()].0.fetch_add(n, Ordering::Relaxed);
    }

    #[inline]
    pub(crate) fn incr(&self) {
        self.add(1);
    }

    pub(crate) fn get(&self) -> u64 {
        self.0.iter().map(|s| s.0.load(Ordering::Acquire)).sum()
    }
}

/// Threads numbered below this own a stripe of a [`PerThread`] counter.
const OWNED: usize = 64;

/// A counter for the logging call itself. On `x86_64` an atomic add, even
/// uncontended, waits until every earlier store of the thread has reached
/// the cache, and a call that has just written its record has many stores
/// still on their way. So each of the first [`OWNED`] threads owns a
/// stripe and adds with a plain load and store, which wait for nothing.
/// Thread numbers are not reused: threads numbered from [`OWNED`] on share
/// the stripes of a [`Striped`] counter. Reads sum both.
pub(crate) struct PerThread {
    owned: Box<[Stripe; OWNED]>,
    shared: Striped,
}

impl Default for PerThread {
    fn default() -> PerThread {
        PerThread {
            owned: Box::new(std::array::from_fn(|_| Stripe::default())),
            shared: Striped::default(),
        }
    }
}

impl PerThread {
    #[inline]
    pub(crate) fn incr(&self) {
        let t = thread_number();
        match self.owned.get(t) {
            // Only thread `t` writes this stripe, so no add is lost between
            // the load and the store. The release store orders the count
            // before the record the caller publishes next.
            Some(s) => {
                s.0.store(s.0.load(Ordering::Relaxed) + 1, Ordering::Release)
            }
            None => {
                self.shared.0[t % STRIPES].0.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    pub(crate) fn get(&self) -> u64 {
        let owned: u64 = self.owned.iter().map(|s| s.0.load(Ordering::Acquire)).sum();
        owned + self.shared.get()
    }
}

/// A counter with one writer thread (a worker or a sink thread) and any
/// number of readers.
#[derive(Default)]
pub(crate) struct Single(AtomicU64);

impl Single {
    #[inline]
    pub(crate) fn add(&self, n: u64) {
        if n != 0 {
            self.0.fetch_add(n, Ordering::Release);
        }
    }

    #[inline]
    pub(crate) fn get(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// Calls `incr` `each` times on each of `threads` threads at once.
    fn add_from_threads(threads: usize, each: usize, incr: impl Fn() + Clone + Send + 'static) {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let incr = incr.clone();
                std::thread::spawn(move || {
                    for _ in 0..each {
                        incr();
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
    }

    #[test]
    fn per_thread_sums_owned_and_shared_stripes() {
        let c = Arc::new(PerThread::default());
        // More threads than stripes to own, so some share.
        let shared = Arc::clone(&c);
        add_from_threads(OWNED + 8, 1_000, move || shared.incr());
        assert_eq!(c.get(), (OWNED as u64 + 8) * 1_000);
        assert!(NEXT_THREAD.load(Ordering::Relaxed) > OWNED);
    }

    #[test]
    fn striped_sums_adds_from_many_threads() {
        let c = Arc::new(Striped::default());
        let shared = Arc::clone(&c);
        add_from_threads(4, 10_000, move || shared.incr());
        assert_eq!(c.get(), 40_000);
    }
}
