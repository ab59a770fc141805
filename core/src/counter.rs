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

    #[test]
    fn striped_sums_adds_from_many_threads() {
        let c = Arc::new(Striped::default());
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let c = Arc::clone(&c);
                std::thread::spawn(move || {
                    for _ in 0..10_000 {
                        c.incr();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(c.get(), 40_000);
    }
}
