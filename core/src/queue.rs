//! The event queue: a bounded multi-producer queue whose slots hold
//! records in place.
//!
//! A producer claims a slot, writes its record straight into it and
//! publishes it; the worker reads the record where it lies and releases
//! the slot. A record is written once and never moved, and the steady
//! state allocates nothing: records that do not fit a slot's inline bytes
//! spill to the heap, bounded separately by the logger.
//!
//! The algorithm is the classic bounded MPMC ring with one sequence number
//! per slot: a slot at position `p` is free for the producer when its
//! sequence is `p`, readable when it is `p + 1`, and free again for the
//! next lap at `p + capacity`. Producers that evict the oldest record
//! (`drop_oldest`) take from the head like the worker does, so more than
//! one consumer is allowed. The capacity is rounded up to a power of two.
//!
//! Closing seals the queue: one bit in the tail refuses every later claim,
//! so the records a closing reader must wait for are exactly those claimed
//! before the seal, and it can wait for each of them to be published
//! instead of guessing whether a producer is still on its way.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicU64, Ordering};

use crossbeam_utils::CachePadded;

use crate::record::RecBuf;

/// One slot. Its sequence number is stored relative to the slot's index
/// (`stored = seq - index`), so a zeroed slot is a free one on lap 0, and
/// an all-zero `RecBuf` is an empty record: the ring is allocated zeroed,
/// and pages are only touched as the ring first advances over them.
///
/// A slot is exactly four cache lines and starts on a line, so a producer
/// filling one slot never shares a line with the worker reading the one
/// before it.
#[repr(C, align(64))]
struct Slot {
    seq: AtomicU64,
    rec: UnsafeCell<RecBuf>,
}

const _: () = assert!(std::mem::size_of::<Slot>() == 256);

/// The tail's bit that refuses claims once set ([`EventQueue::seal`]).
const SEALED: u64 = 1 << 63;

/// The bounded queue of records.
pub(crate) struct EventQueue {
    slots: Ring,
    mask: u64,
    head: CachePadded<AtomicU64>,
    tail: CachePadded<AtomicU64>,
}

// SAFETY: a slot's record is touched only by the one thread that claimed
// or took it, as the sequence numbers arbitrate.
unsafe impl Sync for EventQueue {}
// SAFETY: records are plain bytes.
unsafe impl Send for EventQueue {}

/// A slot claimed for writing. Dropping it without [`Claim::publish`]
/// publishes an empty record, which the reader skips, so a claim can never
/// wedge the queue.
pub(crate) struct Claim<'q> {
    slot: &'q Slot,
    pos: u64,
    mask: u64,
}

/// A record taken for reading; the slot is released when it drops.
pub(crate) struct Taken<'q> {
    slot: &'q Slot,
    pos: u64,
    mask: u64,
}

impl EventQueue {
    /// A queue of at least `capacity` slots (a power of two, at least 2).
    pub(crate) fn new(capacity: usize) -> EventQueue {
        let cap = capacity.max(2).next_power_of_two();
        EventQueue {
            slots: Ring::zeroed(cap),
            mask: cap as u64 - 1,
            head: CachePadded::new(AtomicU64::new(0)),
            tail: CachePadded::new(AtomicU64::new(0)),
        }
    }

    #[inline]
    fn seq(&self, slot: &Slot, pos: u64) -> u64 {
        slot.seq
            .load(Ordering::Acquire)
            .wrapping_add(pos & self.mask)
    }

    #[inline]
    fn set_seq(slot: &Slot, pos: u64, mask: u64, seq: u64) {
        slot.seq
            .store(seq.wrapping_sub(pos & mask), Ordering::Release);
    }

    /// The number of slots.
    pub(crate) fn capacity(&self) -> usize {
        self.slots.len
    }

    /// Claims the next free slot, or `None` when the queue is full or
    /// sealed.
    #[inline]
    pub(crate) fn claim(&self) -> Option<Claim<'_>> {
        let mut pos = self.tail.load(Ordering::Relaxed);
        loop {
            if pos & SEALED != 0 {
                return None;
            }
            let slot = self.slots.get(pos & self.mask);
            let seq = self.seq(slot, pos);
            let lag = seq.wrapping_sub(pos) as i64;
            if lag == 0 {
                match self.tail.compare_exchange_weak(
                    pos,
                    pos + 1,
                    Ordering::SeqCst,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        let claim = Claim {
                            slot,
                            pos,
                            mask: self.mask,
                        };
                        claim.buf().clear();
                        self.prefetch_for_write(pos + 2);
                        return Some(claim);
                    }
                    Err(now) => pos = now,
                }
            } else if lag < 0 {
                return None;
            } else {
                pos = self.tail.load(Ordering::Relaxed);
            }
        }
    }

    /// Asks for the slot at `pos` to be brought into this core's cache. The
    /// worker last read it, so without this the producer that claims it
    /// next would wait for its lines to move over, one at a time. Built
    /// with the `prfchw` target feature this is a prefetch for writing
    /// (`PREFETCHW`); without it, as by default, a plain prefetch, which
    /// measured the same on the machines tried.
    #[inline]
    fn prefetch_for_write(&self, pos: u64) {
        #[cfg(target_arch = "x86_64")]
        {
            use core::arch::x86_64::{_MM_HINT_ET0, _mm_prefetch};
            let slot = self.slots.get(pos & self.mask);
            let base = (slot as *const Slot).cast::<i8>();
            for line in 0..4 {
                // SAFETY: a prefetch is only a hint and never faults; the
                // address is inside the slot.
                unsafe { _mm_prefetch::<_MM_HINT_ET0>(base.add(line * 64)) };
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = pos;
    }

    /// Takes the oldest published record, or `None` when there is none
    /// ready (empty, or the oldest slot is still being written).
    #[inline]
    pub(crate) fn take(&self) -> Option<Taken<'_>> {
        let mut pos = self.head.load(Ordering::Relaxed);
        loop {
            let (slot, lag) = self.read_lag(pos);
            if lag == 0 {
                match self.head.compare_exchange_weak(
                    pos,
                    pos + 1,
                    Ordering::SeqCst,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        return Some(Taken {
                            slot,
                            pos,
                            mask: self.mask,
                        });
                    }
                    Err(now) => pos = now,
                }
            } else if lag < 0 {
                return None;
            } else {
                pos = self.head.load(Ordering::Relaxed);
            }
        }
    }

    /// Refuses every claim from now on. Slots claimed before still get
    /// published (or dropped, which publishes them empty), so a reader that
    /// takes until [`EventQueue::is_empty`] has seen every record.
    pub(crate) fn seal(&self) {
        self.tail.fetch_or(SEALED, Ordering::SeqCst);
    }

    /// True once [`EventQueue::seal`] has run.
    pub(crate) fn is_sealed(&self) -> bool {
        self.tail.load(Ordering::SeqCst) & SEALED != 0
    }

    /// Slots claimed and not yet released (a racy reading).
    pub(crate) fn len(&self) -> usize {
        let tail = self.tail.load(Ordering::SeqCst) & !SEALED;
        let head = self.head.load(Ordering::SeqCst);
        tail.saturating_sub(head) as usize
    }

    /// True when the oldest record is published and can be taken. Reads
    /// only the head and that slot, never the tail that producers claim
    /// with, so a consumer can poll it without taking the tail's cache
    /// line away from them.
    #[inline]
    pub(crate) fn has_ready(&self) -> bool {
        self.read_lag(self.head.load(Ordering::Relaxed)).1 == 0
    }

    /// The slot at `pos` and how far its sequence is from the one a
    /// published record there has: 0 when it can be taken, negative while
    /// it is free or being written, positive once taken.
    #[inline]
    fn read_lag(&self, pos: u64) -> (&Slot, i64) {
        let slot = self.slots.get(pos & self.mask);
        let lag = self.seq(slot, pos).wrapping_sub(pos + 1) as i64;
        (slot, lag)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn is_full(&self) -> bool {
        self.len() >= self.capacity()
    }
}

impl Drop for EventQueue {
    fn drop(&mut self) {
        // Records still queued may hold spilled bytes; idle slots hold none,
        // so the ring's memory is released without visiting every slot.
        while self.take().is_some() {}
    }
}

/// The slots, in memory that starts out zeroed and untouched.
///
/// Small rings come from the allocator's zeroed allocation, with one
/// cache line of slack so the first slot can start on a line (a slot must;
/// over-aligned zeroed allocations are cleared by hand, touching every
/// page). Rings of 2 MiB and more are mapped directly, aligned to 2 MiB
/// and marked for transparent huge pages where the kernel offers them: the
/// first lap then takes one page fault per 2 MiB instead of one per 4 KiB,
/// which would otherwise land on one producer call in sixteen.
struct Ring {
    first: *mut Slot,
    len: usize,
    memory: Memory,
}

enum Memory {
    Heap {
        block: *mut u8,
        layout: std::alloc::Layout,
    },
    Mapped {
        base: *mut libc::c_void,
        bytes: usize,
    },
}

const HUGE_PAGE: usize = 2 << 20;

impl Ring {
    fn zeroed(len: usize) -> Ring {
        let bytes = std::mem::size_of::<Slot>()
            .checked_mul(len)
            .expect("queue capacity overflows");
        if bytes >= HUGE_PAGE {
            if let Some(ring) = Ring::mapped(len, bytes) {
                return ring;
            }
        }
        let layout = std::alloc::Layout::from_size_align(bytes + std::mem::align_of::<Slot>(), 16)
            .expect("queue capacity overflows");
        // SAFETY: the layout is non-zero-sized.
        let block = unsafe { std::alloc::alloc_zeroed(layout) };
        if block.is_null() {
            std::alloc::handle_alloc_error(layout);
        }
        let skip = block.align_offset(std::mem::align_of::<Slot>());
        Ring {
            // SAFETY: `skip` is less than the one line of slack.
            first: unsafe { block.add(skip) }.cast::<Slot>(),
            len,
            memory: Memory::Heap { block, layout },
        }
    }

    /// Anonymous memory (zeroed by the kernel), aligned to a huge page.
    fn mapped(len: usize, bytes: usize) -> Option<Ring> {
        let total = bytes.checked_add(HUGE_PAGE)?;
        // SAFETY: a fresh private anonymous mapping; no existing memory is
        // touched.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                total,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return None;
        }
        let skip = base.cast::<u8>().align_offset(HUGE_PAGE);
        // SAFETY: `skip + bytes` lies within the mapping.
        let first = unsafe { base.cast::<u8>().add(skip) };
        // SAFETY: advice on memory this mapping owns; failure (no
        // transparent huge pages) leaves ordinary pages, which is fine.
        unsafe { libc::madvise(first.cast(), bytes, libc::MADV_HUGEPAGE) };
        Some(Ring {
            first: first.cast::<Slot>(),
            len,
            memory: Memory::Mapped { base, bytes: total },
        })
    }

    #[inline]
    fn get(&self, i: u64) -> &Slot {
        debug_assert!((i as usize) < self.len);
        // SAFETY: `i` is masked to the ring; an all-zero `Slot` is valid
        // (see `Slot`), and the memory lives as long as `self`.
        unsafe { &*self.first.add(i as usize) }
    }
}

impl Drop for Ring {
    fn drop(&mut self) {
        // Dropping an empty `RecBuf` frees nothing, so no slot needs its
        // destructor run.
        match self.memory {
            // SAFETY: allocated in `zeroed` with this layout.
            Memory::Heap { block, layout } => unsafe { std::alloc::dealloc(block, layout) },
            // SAFETY: the mapping made in `mapped`, unmapped once.
            Memory::Mapped { base, bytes } => unsafe {
                libc::munmap(base, bytes);
            },
        }
    }
}

impl<'q> Claim<'q> {
    /// The slot's record buffer, emptied, to write into.
    #[inline]
    #[allow(clippy::mut_from_ref)]
    pub(crate) fn buf(&self) -> &mut RecBuf {
        // SAFETY: the claim gives this thread the slot until it publishes.
        unsafe { &mut *self.slot.rec.get() }
    }

    /// Makes the record visible to the reader.
    #[inline]
    pub(crate) fn publish(self) {
        EventQueue::set_seq(self.slot, self.pos, self.mask, self.pos + 1);
        std::mem::forget(self);
    }
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        self.buf().clear();
        EventQueue::set_seq(self.slot, self.pos, self.mask, self.pos + 1);
    }
}

impl Taken<'_> {
    /// The record; empty for a slot that was abandoned while claimed.
    #[inline]
    pub(crate) fn record(&self) -> &RecBuf {
        // SAFETY: taking the slot gives this thread the record until the
        // slot is released.
        unsafe { &*self.slot.rec.get() }
    }

    /// The record, to edit in place.
    #[inline]
    pub(crate) fn record_mut(&mut self) -> &mut RecBuf {
        // SAFETY: as in `record`; `&mut self` makes the borrow unique.
        unsafe { &mut *self.slot.rec.get() }
    }
}

impl Drop for Taken<'_> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: as in `record`; spilled bytes are freed here so that an
        // idle slot holds no heap memory.
        unsafe { (*self.slot.rec.get()).release_heap() };
        EventQueue::set_seq(self.slot, self.pos, self.mask, self.pos + self.mask + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn capacity_rounds_up_and_full_is_full() {
        let q = EventQueue::new(3);
        assert_eq!(q.capacity(), 4);
        for i in 0..4u8 {
            let c = q.claim().unwrap();
            c.buf().push(i);
            c.publish();
        }
        assert!(q.claim().is_none());
        assert!(q.is_full());
        assert_eq!(q.take().unwrap().record().as_slice(), &[0]);
        assert!(q.claim().is_some());
    }

    #[test]
    fn an_unpublished_claim_holds_back_later_records_until_it_drops() {
        let q = EventQueue::new(4);
        let first = q.claim().unwrap();
        let second = q.claim().unwrap();
        second.buf().push(2);
        second.publish();
        assert!(q.take().is_none(), "the oldest slot is still being written");
        drop(first);
        assert!(q.take().unwrap().record().is_empty());
        assert_eq!(q.take().unwrap().record().as_slice(), &[2]);
    }

    #[test]
    fn has_ready_sees_only_a_published_oldest_record() {
        let q = EventQueue::new(4);
        assert!(!q.has_ready());
        let first = q.claim().unwrap();
        assert!(!q.has_ready(), "claimed, not yet written");
        assert!(!q.is_empty());
        first.publish();
        assert!(q.has_ready());
        drop(q.take().unwrap());
        assert!(!q.has_ready());
        // Around the ring: the slot's sequence, not its index, decides.
        for lap in 0..3u8 {
            for i in 0..4u8 {
                let c = q.claim().unwrap();
                c.buf().push(lap * 4 + i);
                c.publish();
            }
            for _ in 0..4 {
                assert!(q.has_ready());
                drop(q.take().unwrap());
            }
            assert!(!q.has_ready());
        }
    }

    #[test]
    fn many_producers_one_consumer_lose_nothing_and_keep_per_producer_order() {
        let q = Arc::new(EventQueue::new(64));
        let producers: Vec<_> = (0..4u8)
            .map(|p| {
                let q = Arc::clone(&q);
                std::thread::spawn(move || {
                    for i in 0..20_000u32 {
                        loop {
                            if let Some(c) = q.claim() {
                                c.buf().push(p);
                                c.buf().extend(&i.to_le_bytes());
                                c.publish();
                                break;
                            }
                            std::hint::spin_loop();
                        }
                    }
                })
            })
            .collect();
        let mut next = [0u32; 4];
        let mut seen = 0;
        while seen < 80_000 {
            if let Some(t) = q.take() {
                let r = t.record().as_slice();
                let p = r[0] as usize;
                assert_eq!(u32::from_le_bytes(r[1..5].try_into().unwrap()), next[p]);
                next[p] += 1;
                seen += 1;
            }
        }
        for p in producers {
            p.join().unwrap();
        }
        assert_eq!(next, [20_000; 4]);
    }

    #[test]
    fn a_sealed_queue_refuses_claims_and_keeps_those_made_before() {
        let q = EventQueue::new(4);
        let early = q.claim().unwrap();
        q.seal();
        assert!(q.is_sealed());
        assert!(q.claim().is_none(), "no claim after the seal");
        assert!(!q.is_empty(), "a claim made before the seal is still owed");
        early.buf().push(1);
        early.publish();
        assert_eq!(q.take().unwrap().record().as_slice(), &[1]);
        assert!(q.is_empty());
        assert!(q.claim().is_none(), "sealed for good");
    }

    #[test]
    fn producers_racing_a_seal_either_publish_or_are_refused() {
        for _ in 0..50 {
            let q = Arc::new(EventQueue::new(1024));
            let go = Arc::new(std::sync::Barrier::new(3));
            let producers: Vec<_> = (0..2)
                .map(|_| {
                    let (q, go) = (Arc::clone(&q), Arc::clone(&go));
                    std::thread::spawn(move || {
                        go.wait();
                        let mut published = 0u32;
                        while let Some(c) = q.claim() {
                            c.buf().push(1);
                            c.publish();
                            published += 1;
                            if published == 1000 {
                                break;
                            }
                            while q.len() > 512 {
                                std::hint::spin_loop();
                            }
                        }
                        published
                    })
                })
                .collect();
            go.wait();
            let mut taken = 0u32;
            let mut sealed = false;
            loop {
                if let Some(t) = q.take() {
                    taken += u32::from(!t.record().is_empty());
                } else if sealed && q.is_empty() {
                    break;
                }
                if !sealed && taken >= 100 {
                    q.seal();
                    sealed = true;
                }
            }
            let published: u32 = producers.into_iter().map(|p| p.join().unwrap()).sum();
            assert_eq!(
                taken, published,
                "every record claimed before the seal is taken"
            );
        }
    }

    #[test]
    fn spilled_records_are_freed_when_the_slot_is_released() {
        let q = EventQueue::new(2);
        let c = q.claim().unwrap();
        c.buf().extend(&[7; 4096]);
        assert!(c.buf().heap_bytes() >= 4096);
        c.publish();
        let t = q.take().unwrap();
        assert_eq!(t.record().len(), 4096);
        drop(t);
        let c = q.claim().unwrap();
        assert_eq!(c.buf().heap_bytes(), 0);
    }
}
