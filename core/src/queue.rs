//! The event queue: bounded multi-producer rings whose slots hold records
//! in place.
//!
//! A producer claims a slot, writes its record straight into it and
//! publishes it; the worker reads the record where it lies and releases
//! the slot. A record is written once and never moved, and the steady
//! state allocates nothing: records that do not fit a slot's inline bytes
//! spill to the heap, bounded separately by the logger.
//!
//! The queue is split into *shards*, one ring each, that share the
//! capacity evenly. A thread claims only in its own shard (its number, see
//! [`crate::counter::thread_number`], modulo the shard count), so threads
//! that log at the same time on different cores do not contend for one
//! tail: with a single ring, every claim moved the tail's cache line from
//! core to core, and at two producers that transfer was the slowest part
//! of a call. A full shard is full for its threads, whatever room the
//! others have: borrowing room from another shard brings the contention
//! back exactly when the queue is busiest. The worker takes records across
//! shards in timestamp order (see [`EventQueue::take`]), so a task that
//! moves between threads still has its records written in the order it
//! logged them.
//!
//! Each shard is the classic bounded MPMC ring with one sequence number per
//! slot: a slot at position `p` is free for the producer when its sequence
//! is `p`, readable when it is `p + 1`, and free again for the next lap at
//! `p + capacity`. Producers that evict the oldest record (`drop_oldest`)
//! take from their shard's head like the worker does, so more than one
//! consumer is allowed. Capacities are powers of two.
//!
//! Closing seals the queue: one bit in each shard's tail refuses every later
//! claim, so the records a closing reader must wait for are exactly those
//! claimed before the seal, and it can wait for each of them to be
//! published instead of guessing whether a producer is still on its way.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use crossbeam_utils::CachePadded;

use crate::record::RecBuf;

/// One slot. Its sequence number is stored relative to the slot's index
/// (`stored = seq - index`), so a zeroed slot is a free one on lap 0, and
/// an all-zero `RecBuf` is an empty record: the ring is allocated zeroed,
/// and pages are only touched as the ring first advances over them.
///
/// `stamp` repeats the record's timestamp where the worker can read it
/// before taking the slot, to merge shards in time order, without following
/// a spilled record's heap pointer that another consumer may be freeing.
/// It comes last, and is written only once two shards are in use (see
/// `EventQueue::stamping`): placed after `seq`, it moved every record 8
/// bytes further into the slot, and the benchmark's records then had
/// writes straddling the first line boundary, which cost a tenth of calls
/// 30 ns more.
///
/// A slot is exactly four cache lines and starts on a line, so a producer
/// filling one slot never shares a line with the worker reading the one
/// before it.
#[repr(C, align(64))]
struct Slot {
    seq: AtomicU64,
    rec: UnsafeCell<RecBuf>,
    stamp: AtomicU64,
}

const _: () = assert!(std::mem::size_of::<Slot>() == 256);
const _: () = assert!(std::mem::offset_of!(Slot, stamp) == 248);

/// The tail's bit that refuses claims once set ([`EventQueue::seal`]).
const SEALED: u64 = 1 << 63;

/// The bounded queue of records: a power-of-two number of shards.
pub(crate) struct EventQueue {
    shards: Box<[Shard]>,
    shard_mask: usize,
    /// Set once threads have claimed in two shards: from then on every
    /// record's stamp is copied into its slot for the worker's merge.
    /// Until then the copy is skipped, as it costs a single thread one
    /// more cache line written per record (a tenth of the worker's
    /// throughput, measured) for a merge it never needs. A slot never
    /// stamped reads as older than any stamped one, which records logged
    /// before the second shard came into use are.
    stamping: CachePadded<AtomicBool>,
    /// The shard claimed in first, while it is the only one used (`usize::MAX`
    /// before any claim): until `stamping` is set, the worker takes from it
    /// alone, with no merge.
    first: AtomicUsize,
}

/// One shard: a ring of slots with its own head and tail.
struct Shard {
    slots: Ring,
    mask: u64,
    /// Set by the first claim in this shard.
    used: AtomicBool,
    head: CachePadded<AtomicU64>,
    tail: CachePadded<AtomicU64>,
    /// Producers parked until this shard has room.
    waiters: CachePadded<AtomicUsize>,
}

// SAFETY: a slot's record is touched only by the one thread that claimed
// or took it, as the sequence numbers arbitrate.
unsafe impl Sync for Shard {}
// SAFETY: records are plain bytes.
unsafe impl Send for Shard {}

/// A slot claimed for writing. Dropping it without [`Claim::publish`]
/// publishes an empty record, which the reader skips, so a claim can never
/// wedge the queue.
pub(crate) struct Claim<'q> {
    slot: &'q Slot,
    pos: u64,
    mask: u64,
    /// Whether to copy the record's stamp into `Slot::stamp`.
    stamped: bool,
}

/// A record taken for reading; the slot is released when it drops.
pub(crate) struct Taken<'q> {
    slot: &'q Slot,
    pos: u64,
    mask: u64,
}

impl EventQueue {
    /// A queue of `shards` shards (rounded up to a power of two) sharing at
    /// least `capacity` slots evenly; each shard holds at least 2.
    pub(crate) fn new(capacity: usize, shards: usize) -> EventQueue {
        let shards = shards
            .clamp(1, crate::config::MAX_SHARDS)
            .next_power_of_two();
        let per_shard = (capacity.max(2).next_power_of_two() / shards).max(2);
        EventQueue {
            shards: (0..shards).map(|_| Shard::new(per_shard)).collect(),
            shard_mask: shards - 1,
            stamping: CachePadded::new(AtomicBool::new(false)),
            first: AtomicUsize::new(usize::MAX),
        }
    }

    /// The number of shards.
    #[cfg(test)]
    fn shards(&self) -> usize {
        self.shards.len()
    }

    /// Slots in each shard.
    pub(crate) fn shard_capacity(&self) -> usize {
        self.shards[0].capacity()
    }

    /// Slots in all.
    #[cfg(test)]
    fn capacity(&self) -> usize {
        self.shards[0].capacity() * self.shards.len()
    }

    /// Claims a free slot in the calling thread's shard; `None` when that
    /// shard is full or the queue is sealed.
    #[inline]
    pub(crate) fn claim(&self) -> Option<Claim<'_>> {
        if self.shard_mask == 0 {
            return self.shards[0].claim(false);
        }
        let mine = self.my_shard();
        let stamped = self.stamping.load(Ordering::Relaxed) || self.first_use(mine);
        self.shards[mine].claim(stamped)
    }

    /// Whether records are stamped now that shard `mine` was claimed in:
    /// notes the shard's first use, and starts stamping if another shard
    /// was used before.
    #[inline]
    fn first_use(&self, mine: usize) -> bool {
        if self.shards[mine].used.load(Ordering::Relaxed) {
            return false;
        }
        self.note_first_use(mine)
    }

    #[cold]
    fn note_first_use(&self, mine: usize) -> bool {
        let _ = self
            .first
            .compare_exchange(usize::MAX, mine, Ordering::SeqCst, Ordering::SeqCst);
        self.shards[mine].used.store(true, Ordering::SeqCst);
        let others = self
            .shards
            .iter()
            .enumerate()
            .any(|(i, s)| i != mine && s.used.load(Ordering::SeqCst));
        if others {
            self.stamping.store(true, Ordering::SeqCst);
        }
        others
    }

    /// Takes the oldest record of the calling thread's shard, as a producer
    /// evicting under `drop_oldest` does.
    pub(crate) fn take_mine(&self) -> Option<Taken<'_>> {
        self.shards[self.my_shard()].take()
    }

    /// Takes the next record in time order: of the shards' oldest records,
    /// the one with the oldest stamp. `None` when no shard has a record
    /// ready, or while a shard's oldest record is still being written: its
    /// stamp is not known yet, so nothing may pass it, as in a single ring
    /// nothing passes a slot claimed before it.
    ///
    /// So a thread's records leave in the order it logged them (one shard
    /// keeps the order of its claims), and so do the records of a task
    /// that moved between threads: a record logged after another returned
    /// is stamped later. Records of threads logging at the same moment
    /// leave in stamp order as far as each shard's own order allows (a
    /// thread stamps its record just before claiming a slot).
    #[inline]
    pub(crate) fn take(&self) -> Option<Taken<'_>> {
        if self.shard_mask == 0 {
            return self.shards[0].take();
        }
        if let Some(shard) = self.sole_ready() {
            return shard.take();
        }
        loop {
            let shard = &self.shards[self.next_shard()?];
            if let Some(taken) = shard.take() {
                return Some(taken);
            }
            // An evicting producer took it first: look again.
        }
    }

    /// The one shard in use, if threads have claimed in only one shard so
    /// far and its oldest record is published: no merge is needed. The
    /// `stamping` flag is read after the record is seen published, so a
    /// record of another shard logged before it, whose thread set the flag
    /// before claiming, is not missed.
    #[inline]
    fn sole_ready(&self) -> Option<&Shard> {
        if self.stamping.load(Ordering::Acquire) {
            return None;
        }
        let shard = self.shards.get(self.first.load(Ordering::Acquire))?;
        let ready = shard.read_lag(shard.head.load(Ordering::Relaxed)).1 == 0;
        (ready && !self.stamping.load(Ordering::Acquire)).then_some(shard)
    }

    /// The shard whose oldest record [`EventQueue::take`] takes next: of
    /// the shards with a published record at their head, the one whose
    /// record has the oldest stamp (stamps are read only when two shards or
    /// more have one). `None` when no shard has one, or while a shard's
    /// oldest slot is claimed and still being written.
    ///
    /// Heads are looked at first, tails after, and only those of shards
    /// without a published head: a tail read takes the line its producers
    /// claim with, and there is nothing to decide while no shard is ready.
    /// Looking at the tails after the heads is also what keeps the order:
    /// a record logged before the chosen one was claimed before the chosen
    /// one was published, so its shard's tail shows it by then.
    #[inline]
    fn next_shard(&self) -> Option<usize> {
        let mut ready: u64 = 0;
        let mut unready: u64 = 0;
        for (i, shard) in self.shards.iter().enumerate() {
            let lag = shard.read_lag(shard.head.load(Ordering::Acquire)).1;
            if lag == 0 {
                ready |= 1 << i;
            } else if lag < 0 {
                unready |= 1 << i;
            }
        }
        if ready == 0 {
            return None;
        }
        while unready != 0 {
            let shard = &self.shards[unready.trailing_zeros() as usize];
            unready &= unready - 1;
            let head = shard.head.load(Ordering::Relaxed);
            if shard.tail.load(Ordering::Acquire) & !SEALED != head {
                // Claimed and still being written, or published since the
                // look at the heads: its stamp is not known yet.
                return None;
            }
        }
        let first = ready.trailing_zeros() as usize;
        if ready & (ready - 1) == 0 {
            return Some(first);
        }
        let mut oldest: Option<(usize, u64)> = None;
        while ready != 0 {
            let i = ready.trailing_zeros() as usize;
            ready &= ready - 1;
            let shard = &self.shards[i];
            let (slot, lag) = shard.read_lag(shard.head.load(Ordering::Acquire));
            if lag == 0 {
                let stamp = slot.stamp.load(Ordering::Relaxed);
                if oldest.is_none_or(|(_, s)| stamp < s) {
                    oldest = Some((i, stamp));
                }
            }
        }
        oldest.map(|(i, _)| i)
    }

    /// Refuses every claim from now on. Slots claimed before still get
    /// published (or dropped, which publishes them empty), so a reader that
    /// takes until [`EventQueue::is_empty`] has seen every record.
    pub(crate) fn seal(&self) {
        for shard in self.shards.iter() {
            shard.tail.fetch_or(SEALED, Ordering::SeqCst);
        }
    }

    /// True once [`EventQueue::seal`] has run (or while it runs, once it
    /// has sealed the first shard).
    pub(crate) fn is_sealed(&self) -> bool {
        self.shards[0].is_sealed()
    }

    /// Slots claimed and not yet released, in all shards (a racy reading).
    pub(crate) fn len(&self) -> usize {
        self.shards.iter().map(Shard::len).sum()
    }

    /// True when [`EventQueue::take`] would take a record. With one shard
    /// this reads only the head and its slot, never the tail that
    /// producers claim with, so a consumer can poll it without taking the
    /// tail's cache line away from them; with more, a shard's tail is read
    /// only while its oldest slot is not published.
    #[inline]
    pub(crate) fn has_ready(&self) -> bool {
        if self.shard_mask == 0 {
            let shard = &self.shards[0];
            return shard.read_lag(shard.head.load(Ordering::Relaxed)).1 == 0;
        }
        self.sole_ready().is_some() || self.next_shard().is_some()
    }

    /// The index of the shard the calling thread claims in.
    #[inline]
    pub(crate) fn my_shard(&self) -> usize {
        crate::counter::thread_number() & self.shard_mask
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when shard `shard` is full.
    pub(crate) fn is_full(&self, shard: usize) -> bool {
        self.shards[shard & self.shard_mask].is_full()
    }

    /// True while shard `shard` is more than half full.
    pub(crate) fn is_crowded(&self, shard: usize) -> bool {
        self.shards[shard & self.shard_mask].is_crowded()
    }

    /// Counts a producer as parked until shard `shard` has room (`true`),
    /// or as done waiting (`false`).
    pub(crate) fn set_waiting(&self, shard: usize, waiting: bool) {
        let waiters = &self.shards[shard & self.shard_mask].waiters;
        if waiting {
            waiters.fetch_add(1, Ordering::SeqCst);
        } else {
            waiters.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// True when producers are parked on a shard that has drained to half
    /// full, the point at which they are woken.
    pub(crate) fn room_for_waiters(&self) -> bool {
        self.shards
            .iter()
            .any(|s| s.waiters.load(Ordering::SeqCst) > 0 && !s.is_crowded())
    }

    /// Each shard's claim position: every record claimed so far lies before
    /// it.
    pub(crate) fn marks(&self) -> Box<[u64]> {
        self.shards
            .iter()
            .map(|s| s.tail.load(Ordering::SeqCst) & !SEALED)
            .collect()
    }

    /// True once every slot before `marks` has been taken.
    pub(crate) fn passed(&self, marks: &[u64]) -> bool {
        self.shards
            .iter()
            .zip(marks)
            .all(|(s, &mark)| s.head.load(Ordering::Acquire) >= mark)
    }
}

impl Shard {
    /// A ring of at least `capacity` slots (a power of two, at least 2).
    fn new(capacity: usize) -> Shard {
        let cap = capacity.max(2).next_power_of_two();
        Shard {
            slots: Ring::zeroed(cap),
            mask: cap as u64 - 1,
            used: AtomicBool::new(false),
            head: CachePadded::new(AtomicU64::new(0)),
            tail: CachePadded::new(AtomicU64::new(0)),
            waiters: CachePadded::new(AtomicUsize::new(0)),
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
    fn capacity(&self) -> usize {
        self.slots.len
    }

    fn is_full(&self) -> bool {
        self.len() >= self.capacity()
    }

    /// More than half full: producers parked on the shard wait until it
    /// is not.
    fn is_crowded(&self) -> bool {
        self.len() > self.capacity() / 2
    }

    /// Claims the next free slot, or `None` when the shard is full or
    /// sealed. `stamped`: see [`Claim::stamped`].
    #[inline]
    fn claim(&self, stamped: bool) -> Option<Claim<'_>> {
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
                            stamped,
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
    fn take(&self) -> Option<Taken<'_>> {
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

    /// True once the shard is sealed.
    fn is_sealed(&self) -> bool {
        self.tail.load(Ordering::SeqCst) & SEALED != 0
    }

    /// Slots claimed and not yet released (a racy reading).
    fn len(&self) -> usize {
        let tail = self.tail.load(Ordering::SeqCst) & !SEALED;
        let head = self.head.load(Ordering::SeqCst);
        tail.saturating_sub(head) as usize
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
}

impl Drop for Shard {
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
        if self.stamped {
            let stamp = self.buf().stamp();
            self.slot.stamp.store(stamp, Ordering::Relaxed);
        }
        Shard::set_seq(self.slot, self.pos, self.mask, self.pos + 1);
        std::mem::forget(self);
    }
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        self.buf().clear();
        if self.stamped {
            self.slot.stamp.store(0, Ordering::Relaxed);
        }
        Shard::set_seq(self.slot, self.pos, self.mask, self.pos + 1);
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
        Shard::set_seq(self.slot, self.pos, self.mask, self.pos + self.mask + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn capacity_rounds_up_and_full_is_full() {
        let q = EventQueue::new(3, 1);
        assert_eq!(q.capacity(), 4);
        for i in 0..4u8 {
            let c = q.claim().unwrap();
            c.buf().push(i);
            c.publish();
        }
        assert!(q.claim().is_none());
        assert!(q.is_full(q.my_shard()));
        assert_eq!(q.take().unwrap().record().as_slice(), &[0]);
        assert!(q.claim().is_some());
    }

    #[test]
    fn an_unpublished_claim_holds_back_later_records_until_it_drops() {
        let q = EventQueue::new(4, 1);
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
        let q = EventQueue::new(4, 1);
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
    fn a_sealed_queue_refuses_claims_and_keeps_those_made_before() {
        let q = EventQueue::new(4, 1);
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
            let q = Arc::new(EventQueue::new(1024, 1));
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
        let q = EventQueue::new(2, 1);
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

    /// A record with a header stamped `stamp` and one payload byte.
    fn stamped(buf: &mut RecBuf, stamp: u64, byte: u8) {
        crate::record::begin_record(buf, crate::Level::Info, "t", stamp);
        buf.push(byte);
    }

    /// Claims a slot in this thread's shard and publishes a record stamped
    /// `stamp` with one payload byte.
    fn put(q: &EventQueue, stamp: u64, byte: u8) {
        let c = q.claim().unwrap();
        stamped(c.buf(), stamp, byte);
        c.publish();
    }

    fn payload(t: &Taken<'_>) -> u8 {
        *t.record().as_slice().last().unwrap()
    }

    /// Runs `f` on a new thread whose shard differs from the calling
    /// thread's. Threads are numbered in the order they first use a queue,
    /// so a few tries find one.
    fn on_other_shard<T: Send>(q: &EventQueue, f: impl Fn() -> T + Sync) -> T {
        let mine = q.my_shard();
        for _ in 0..1000 {
            let found =
                std::thread::scope(|s| s.spawn(|| (q.my_shard() != mine).then(&f)).join().unwrap());
            if let Some(v) = found {
                return v;
            }
        }
        panic!("no thread landed on another shard");
    }

    #[test]
    fn shards_share_the_capacity_and_a_thread_fills_only_its_own() {
        let q = EventQueue::new(8, 2);
        assert_eq!((q.shards(), q.shard_capacity(), q.capacity()), (2, 4, 8));
        let mine = q.my_shard();
        for i in 0..4u8 {
            let c = q.claim().expect("room in this thread's shard");
            stamped(c.buf(), u64::from(i), i);
            c.publish();
        }
        assert!(q.claim().is_none(), "this thread's shard is full");
        assert!(q.is_full(mine) && q.is_crowded(mine));
        assert!(!q.is_full(1 - mine) && !q.is_crowded(1 - mine));
        assert!(
            on_other_shard(&q, || q.claim().is_some()),
            "the other has room"
        );
        drop(q.take_mine().unwrap());
        drop(q.take_mine().unwrap());
        assert!(!q.is_crowded(mine), "half full again");
    }

    #[test]
    fn threads_on_different_shards_claim_without_touching_each_others_tail() {
        let q = EventQueue::new(8, 2);
        put(&q, 1, 1);
        let before = q.marks();
        on_other_shard(&q, || {
            put(&q, 2, 2);
        });
        let after = q.marks();
        let moved: Vec<usize> = (0..2).filter(|&i| before[i] != after[i]).collect();
        assert_eq!(moved, vec![1 - q.my_shard()]);
    }

    /// A two-shard queue in which threads have claimed in both shards, so
    /// records are stamped for the merge.
    fn stamping_queue() -> EventQueue {
        let q = EventQueue::new(64, 2);
        for _ in 0..2 {
            drop(q.claim().unwrap());
            on_other_shard(&q, || drop(q.claim().unwrap()));
        }
        while q.take().is_some() {}
        assert!(q.stamping.load(Ordering::Relaxed));
        q
    }

    #[test]
    fn records_are_stamped_once_two_shards_are_in_use() {
        let q = EventQueue::new(64, 2);
        let c = q.claim().unwrap();
        assert!(!c.stamped, "one shard in use: no merge to serve");
        drop(c);
        assert!(on_other_shard(&q, || q.claim().unwrap().stamped));
        assert!(q.claim().unwrap().stamped, "from then on, in every shard");
    }

    #[test]
    fn unstamped_records_leave_before_stamped_ones() {
        let q = EventQueue::new(64, 2);
        // Logged while one shard was in use, so never stamped: they were
        // logged before any record of the other shard.
        for i in 0..3u8 {
            put(&q, 1000 + u64::from(i), i);
        }
        on_other_shard(&q, || {
            put(&q, 2000, 3);
        });
        put(&q, 3000, 4);
        let order: Vec<u8> = std::iter::from_fn(|| q.take().map(|t| payload(&t))).collect();
        assert_eq!(order, [0, 1, 2, 3, 4]);
    }

    #[test]
    fn records_leave_in_stamp_order_across_shards() {
        let q = stamping_queue();
        // This thread logs the even stamps, another thread the odd ones.
        for stamp in (0..20u8).step_by(2) {
            put(&q, u64::from(stamp), stamp);
        }
        on_other_shard(&q, || {
            for stamp in (1..20u8).step_by(2) {
                put(&q, u64::from(stamp), stamp);
            }
        });
        let order: Vec<u8> = std::iter::from_fn(|| q.take().map(|t| payload(&t))).collect();
        assert_eq!(order, (0..20).collect::<Vec<u8>>());
    }

    #[test]
    fn a_record_still_being_written_holds_back_every_shard() {
        let q = stamping_queue();
        let early = q.claim().unwrap();
        let later = q.claim().unwrap();
        stamped(later.buf(), 3, 3);
        later.publish();
        on_other_shard(&q, || {
            put(&q, 2, 2);
        });
        // The unwritten record's stamp is unknown: it may be the oldest.
        assert!(!q.has_ready());
        assert!(q.take().is_none());
        stamped(early.buf(), 1, 1);
        early.publish();
        assert!(q.has_ready());
        let order: Vec<u8> = std::iter::from_fn(|| q.take().map(|t| payload(&t))).collect();
        assert_eq!(order, [1, 2, 3]);
    }

    #[test]
    fn a_shard_that_stays_empty_does_not_hold_back_the_others() {
        let q = EventQueue::new(64, 4);
        for stamp in 0..3u8 {
            put(&q, u64::from(stamp), stamp);
        }
        let order: Vec<u8> = std::iter::from_fn(|| q.take().map(|t| payload(&t))).collect();
        assert_eq!(order, [0, 1, 2]);
        assert!(q.is_empty() && !q.has_ready());
    }

    #[test]
    fn marks_are_passed_once_every_shard_is_taken_up_to_them() {
        let q = EventQueue::new(64, 2);
        put(&q, 5, 5);
        on_other_shard(&q, || {
            put(&q, 9, 9);
        });
        let marks = q.marks();
        put(&q, 20, 20);
        assert!(!q.passed(&marks));
        assert_eq!(payload(&q.take().unwrap()), 5);
        assert!(
            !q.passed(&marks),
            "the other shard's record is still queued"
        );
        assert_eq!(payload(&q.take().unwrap()), 9);
        assert!(q.passed(&marks), "what came after the marks does not count");
    }

    #[test]
    fn sealing_refuses_claims_in_every_shard() {
        let q = EventQueue::new(64, 4);
        q.seal();
        assert!(q.is_sealed());
        assert!(q.claim().is_none());
        assert!(on_other_shard(&q, || q.claim().is_none()));
    }

    #[test]
    fn many_producers_one_consumer_lose_nothing_and_keep_per_producer_order() {
        for shards in [1, 2, 4] {
            let q = Arc::new(EventQueue::new(256, shards));
            let clock = Arc::new(AtomicU64::new(1));
            let producers: Vec<_> = (0..4u8)
                .map(|p| {
                    let (q, clock) = (Arc::clone(&q), Arc::clone(&clock));
                    std::thread::spawn(move || {
                        for i in 0..20_000u32 {
                            loop {
                                let stamp = clock.fetch_add(1, Ordering::Relaxed);
                                if let Some(c) = q.claim() {
                                    stamped(c.buf(), stamp, p);
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
                    let (p, i) = r.split_at(r.len() - 4);
                    let p = *p.last().unwrap() as usize;
                    let i = u32::from_le_bytes(i.try_into().unwrap());
                    assert_eq!(i, next[p], "producer {p}, {shards} shards");
                    next[p] += 1;
                    seen += 1;
                }
            }
            for p in producers {
                p.join().unwrap();
            }
            assert_eq!(next, [20_000; 4]);
        }
    }

    #[test]
    fn records_handed_between_threads_keep_their_order() {
        // One sequence logged by two threads on different shards in turn,
        // as a task moving between threads logs: record `i + 1` is stamped
        // only once record `i` is published.
        const N: u64 = 200_000;
        let q = EventQueue::new(1 << 12, 2);
        let turn = AtomicU64::new(0);
        let go = std::sync::Barrier::new(3);
        let log_turns = |parity: u64| loop {
            let i = turn.load(Ordering::Acquire);
            if i >= N || i == u64::MAX {
                return;
            }
            if i % 2 != parity {
                std::hint::spin_loop();
                continue;
            }
            let c = loop {
                if let Some(c) = q.claim() {
                    break c;
                }
                if turn.load(Ordering::Relaxed) == u64::MAX {
                    return;
                }
                std::hint::spin_loop();
            };
            stamped(c.buf(), i + 1, 0);
            c.buf().extend(&i.to_le_bytes());
            c.publish();
            let _ = turn.compare_exchange(i, i + 1, Ordering::Release, Ordering::Relaxed);
        };
        let (tx, rx) = std::sync::mpsc::channel();
        let found = std::sync::atomic::AtomicBool::new(false);
        let (q, go, found, log_turns, turn) = (&q, &go, &found, &log_turns, &turn);
        std::thread::scope(|s| {
            s.spawn(move || {
                tx.send(q.my_shard()).unwrap();
                go.wait();
                log_turns(0);
            });
            let first = rx.recv().unwrap();
            for _ in 0..1000 {
                let candidate = s.spawn(move || {
                    if q.my_shard() != first {
                        found.store(true, Ordering::Release);
                        go.wait();
                        log_turns(1);
                    }
                });
                while !found.load(Ordering::Acquire) && !candidate.is_finished() {
                    std::thread::yield_now();
                }
                if found.load(Ordering::Acquire) {
                    break;
                }
            }
            assert!(
                found.load(Ordering::Acquire),
                "no thread on the other shard"
            );
            go.wait();
            let mut next = 0u64;
            while next < N {
                if let Some(t) = q.take() {
                    let r = t.record().as_slice();
                    let i = u64::from_le_bytes(r[r.len() - 8..].try_into().unwrap());
                    if i != next {
                        // Stop the loggers before failing.
                        turn.store(u64::MAX, Ordering::Release);
                        return Err(format!("record {i} came before record {next}"));
                    }
                    next += 1;
                }
            }
            Ok(())
        })
        .unwrap();
    }
}
