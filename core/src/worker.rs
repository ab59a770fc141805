//! The worker: takes records from the event queue, samples and filters
//! them, runs the processor plugins on them (see [`crate::plugin`]),
//! encodes each once per distinct encoding, and hands batches to the
//! sinks.
//!
//! Sinks with the same encoder and level share one encoded batch (a
//! reference-counted `Bytes`), so a record is encoded once however many
//! sinks write it. A batch goes out when it reaches `max_events` or
//! `max_bytes`, when it has waited `max_delay`, or as soon as the queue
//! runs dry.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bytes::Bytes;
use smallvec::SmallVec;

use crate::clock::Converter;
use crate::config::EncoderConfig;
use crate::delivery::Item;
use crate::encode::{Encoder, Statics};
use crate::level::Level;
use crate::logger::{Control, DONE, DOZING, RUNNING, SLEEPING, Shared};
use crate::metrics::Dropped;
use crate::plugin::stage::{CHUNK, Outcome, Stages};
use crate::queue::Taken;
use crate::record::{Limits, RecBuf, RecordView, settle_clock};
use crate::value::FieldWriter;

/// Encodes `view` into every group whose level it passes, counting the
/// others as filtered; the size of the largest encoding.
#[inline]
fn encode_groups(groups: &mut [Group], view: &RecordView<'_>, statics: Option<&Statics>) -> usize {
    let mut largest = 0;
    for g in groups {
        if view.level.passes(g.level) {
            let before = g.buf.len();
            match statics {
                Some(st) => g.encoder.encode_with(view, st, &mut g.buf),
                None => g.encoder.encode(view, &mut g.buf),
            }
            g.events += 1;
            largest = largest.max(g.buf.len() - before);
        } else {
            g.filtered += 1;
        }
    }
    largest
}

/// Sinks that share an encoder and a level, and so a batch.
struct Group {
    encoder: Encoder,
    config: (EncoderConfig, Level, bool),
    level: Level,
    lanes: Vec<usize>,
    buf: Vec<u8>,
    events: u64,
    filtered: u64,
}

pub(crate) struct Worker {
    sh: Arc<Shared>,
    groups: Vec<Group>,
    /// Processor plugins, run before encoding.
    stages: Stages,
    /// Sampling accumulator: an event is kept each time it reaches 1.
    sample_acc: f64,
    /// Records taken from the queue, including ones not yet published.
    dequeued: u64,
    published: u64,
    batch_started: Option<Instant>,
    batch_bytes: usize,
    flushes: std::collections::VecDeque<(u64, u64, Box<[u64]>)>,
    stopping: bool,
    /// Drops already reported in-band, per sink.
    reported: Vec<Dropped>,
    last_notice: Instant,
    /// Turns raw counter timestamps into wall-clock time.
    clock: Converter,
    /// The last doze ended with the queue still empty: sleep next time.
    doze_was_quiet: bool,
}

/// What [`Worker::next`] found in the queue.
enum Next<'q> {
    /// Nothing ready to take.
    Dry,
    /// A slot to pass over: an empty record, or one sampling left out.
    Skipped,
    Record(Taken<'q>),
}

/// How long the worker lingers on a dry queue before sending a small
/// batch, so that a steady stream is not cut into tiny writes. It bounds
/// the extra latency of a record logged alone.
const LINGER: Duration = Duration::from_micros(100);

/// Minimum spacing of in-band drop notices while drops go on.
const NOTICE_EVERY: Duration = Duration::from_secs(1);

impl Worker {
    pub(crate) fn new(sh: Arc<Shared>, mut stages: Stages) -> Worker {
        let mut groups: Vec<Group> = Vec::new();
        for (i, lane) in sh.lanes.iter().enumerate() {
            let key = (lane.encoder, lane.level, lane.tty);
            match groups.iter_mut().find(|g| g.config == key) {
                Some(g) => g.lanes.push(i),
                None => groups.push(Group {
                    encoder: Encoder::new(lane.encoder, lane.tty),
                    config: key,
                    level: lane.level,
                    lanes: vec![i],
                    buf: Vec::with_capacity(64 << 10),
                    events: 0,
                    filtered: 0,
                }),
            }
        }
        let reported = vec![Dropped::default(); sh.lanes.len()];
        if groups.iter().all(|g| g.encoder.renders_statics()) {
            stages.render_statics();
        }
        Worker {
            sh,
            groups,
            stages,
            sample_acc: 0.0,
            dequeued: 0,
            published: 0,
            batch_started: None,
            batch_bytes: 0,
            flushes: Default::default(),
            stopping: false,
            reported,
            last_notice: Instant::now(),
            clock: Converter::new(),
            doze_was_quiet: true,
        }
    }

    pub(crate) fn run(mut self) {
        loop {
            let popped = self.drain_some();
            if popped > 0 {
                self.sh.notify_space();
            }
            let dry = !self.sh.queue.has_ready();
            if self.batch_started.is_some() {
                let full = self.batch_events() >= self.sh.batch.max_events as u64
                    || self.batch_bytes >= self.sh.batch.max_bytes;
                let late = self
                    .batch_started
                    .is_some_and(|t| t.elapsed() >= self.sh.batch.max_delay);
                if full || late || (dry && !self.linger()) {
                    self.ship(dry);
                }
            }
            self.publish();
            self.take_control();
            if self.sh.abandon.load(Ordering::Acquire) {
                self.abandon();
                return;
            }
            self.complete_flushes();
            if self.stopping && self.flushes.is_empty() && self.sh.queue.is_empty() {
                self.ship(true);
                self.finish();
                return;
            }
            if popped == 0 && self.batch_started.is_none() {
                self.maybe_notice(true);
                self.idle();
            }
        }
    }

    fn batch_events(&self) -> u64 {
        self.groups
            .iter()
            .map(|g| g.events + g.filtered)
            .max()
            .unwrap_or(0)
    }

    /// Takes up to a batch's worth of records from the queue.
    fn drain_some(&mut self) -> usize {
        let sh = Arc::clone(&self.sh);
        self.clock.tick();
        let n = if self.stages.is_empty() || self.stages.rendered().is_some() {
            self.drain_plain(&sh)
        } else {
            self.drain_staged(&sh)
        };
        self.dequeued += n as u64;
        self.publish();
        n
    }

    /// Takes the next record from the queue and settles its clock. A slot
    /// whose producer dropped its record is not an event; any other record
    /// counts in `n` (and its spilled bytes in `released`), including one
    /// that sampling then leaves out.
    #[inline(always)]
    fn next<'q>(&mut self, sh: &'q Shared, n: &mut usize, released: &mut usize) -> Next<'q> {
        let Some(mut taken) = sh.queue.take() else {
            return Next::Dry;
        };
        let rec = taken.record_mut();
        settle_clock(rec, &mut self.clock);
        if rec.is_empty() {
            return Next::Skipped;
        }
        *released += rec.heap_bytes();
        *n += 1;
        if self.sh.sample_rate < 1.0 {
            let level = Level::from_u8(rec.as_slice()[0]).unwrap_or(Level::Info);
            if self.sampled_out(level) {
                return Next::Skipped;
            }
        }
        Next::Record(taken)
    }

    /// [`Worker::drain_some`] with no stage to run: each record is
    /// encoded where it lies in the queue.
    fn drain_plain(&mut self, sh: &Shared) -> usize {
        let max = sh.batch.max_events;
        let mut n = 0;
        let mut released = 0;
        while n < max && self.batch_bytes < sh.batch.max_bytes {
            let taken = match self.next(sh, &mut n, &mut released) {
                Next::Dry => break,
                Next::Skipped => continue,
                Next::Record(taken) => taken,
            };
            let view = RecordView::decode(taken.record().as_slice());
            self.batch_started.get_or_insert_with(Instant::now);
            let statics = self.stages.rendered();
            self.batch_bytes += encode_groups(&mut self.groups, &view, statics);
        }
        sh.release_heap(released);
        n
    }

    /// [`Worker::drain_some`] through the stages: records are taken a chunk
    /// at a time and held in their slots while every stage sees the chunk,
    /// so a plugin with `process_batch` is called once per chunk.
    fn drain_staged(&mut self, sh: &Shared) -> usize {
        if !sh.queue.has_ready() {
            return 0;
        }
        let max = sh.batch.max_events;
        let mut n = 0;
        let mut released = 0;
        let mut chunk = Vec::with_capacity(CHUNK);
        self.stages.begin_pass();
        let mut dry = false;
        while !dry && n < max && self.batch_bytes < sh.batch.max_bytes {
            let room = CHUNK.min(max - n);
            while chunk.len() < room {
                match self.next(sh, &mut n, &mut released) {
                    Next::Dry => {
                        dry = true;
                        break;
                    }
                    Next::Skipped => {}
                    Next::Record(taken) => chunk.push(taken),
                }
            }
            if chunk.is_empty() {
                continue;
            }
            // On the stack: a chunk's views borrow its slots, so they cannot
            // outlive it in a buffer kept from one chunk to the next.
            let mut views: SmallVec<[RecordView<'_>; CHUNK]> = SmallVec::new();
            for taken in &chunk {
                views.push(RecordView::decode(taken.record().as_slice()));
            }
            self.stages.run(&chunk, &views, &sh.limits);
            for (i, view) in views.iter().enumerate() {
                let largest = match self.stages.outcome(i) {
                    Outcome::Unchanged => encode_groups(&mut self.groups, view, None),
                    Outcome::Edited => {
                        let edited = RecordView::decode(self.stages.edited(i).as_slice());
                        encode_groups(&mut self.groups, &edited, None)
                    }
                    Outcome::Dropped => {
                        sh.counters.filtered_plugin.add(1);
                        continue;
                    }
                };
                self.batch_started.get_or_insert_with(Instant::now);
                self.batch_bytes += largest;
            }
            drop(views);
            // Releases the slots.
            chunk.clear();
        }
        self.stages.end_pass();
        sh.release_heap(released);
        n
    }

    /// Waits briefly for more records before a small batch goes out.
    /// True if records arrived.
    ///
    /// The worker sleeps for the linger time rather than polling: producers
    /// do not wake it (it is not marked sleeping), so a slow, steady stream
    /// gathers into batches instead of costing a polling core, and the
    /// producers keep the CPU.
    fn linger(&self) -> bool {
        let small = self.batch_events() < (self.sh.batch.max_events as u64 / 8).max(1);
        if !small || self.stopping || !self.flushes.is_empty() {
            return false;
        }
        std::thread::sleep(LINGER);
        self.sh.queue.has_ready()
    }

    /// True when sampling leaves this record out (and counts it so).
    #[inline]
    fn sampled_out(&mut self, level: Level) -> bool {
        if self.sh.sample_rate >= 1.0 || !level.is_sampled() {
            return false;
        }
        self.sample_acc += self.sh.sample_rate;
        if self.sample_acc >= 1.0 {
            self.sample_acc -= 1.0;
            false
        } else {
            self.sh.counters.sampled_out.add(1);
            true
        }
    }

    /// Hands every group's batch to its sinks.
    fn ship(&mut self, idle: bool) {
        self.batch_started = None;
        self.batch_bytes = 0;
        for g in &mut self.groups {
            if g.events == 0 && g.filtered == 0 {
                continue;
            }
            let cap = g.buf.capacity();
            let fresh = g
                .lanes
                .iter()
                .find_map(|&i| self.sh.lanes[i].take_spare())
                .unwrap_or_else(|| Vec::with_capacity(cap));
            let data = Bytes::from(std::mem::replace(&mut g.buf, fresh));
            for &i in &g.lanes {
                let lane = &self.sh.lanes[i];
                lane.counters.filtered.add(g.filtered);
                if g.events > 0 {
                    lane.push_batch(data.clone(), g.events, &self.sh.abandon);
                }
            }
            g.events = 0;
            g.filtered = 0;
        }
        self.maybe_notice(idle);
    }

    /// Makes the dequeued count visible to metrics and flushes.
    fn publish(&mut self) {
        if self.dequeued != self.published {
            self.sh
                .counters
                .dequeued
                .add(self.dequeued - self.published);
            self.published = self.dequeued;
        }
    }

    fn take_control(&mut self) {
        // Read before swapping: a swap claims the line for writing even
        // when nothing is pending, and producers read the fields beside
        // the flag on every call.
        if !self.sh.control_pending.load(Ordering::Acquire)
            || !self.sh.control_pending.swap(false, Ordering::AcqRel)
        {
            return;
        }
        let requests: Vec<Control> = self.sh.control.lock().unwrap().drain(..).collect();
        for c in requests {
            match c {
                Control::Flush { seq, target, marks } => {
                    self.flushes.push_back((seq, target, marks))
                }
                Control::Stop => {
                    // From here on the queue only empties: the records still
                    // to come are those claimed before the seal, and the
                    // worker stays until each of them is taken.
                    self.sh.queue.seal();
                    self.stopping = true;
                }
            }
        }
    }

    /// Completes flushes whose target the worker has passed: sends the open
    /// batch, then a flush marker behind it to every sink.
    fn complete_flushes(&mut self) {
        while let Some((seq, target, marks)) = self.flushes.front() {
            let seq = *seq;
            let done = self.dequeued + self.sh.counters.queue_full_evicted.get();
            if done < *target || !self.sh.queue.passed(marks) {
                return;
            }
            if self.batch_started.is_some() {
                self.ship(true);
            }
            self.publish();
            self.maybe_notice(true);
            for lane in &self.sh.lanes {
                lane.push_control(Item::Flush(seq));
            }
            self.flushes.pop_front();
        }
    }

    /// Sleeps until a producer or a control request wakes it.
    /// Parks the worker while the queue is dry.
    ///
    /// After records came, it dozes: producers leave it alone until a full
    /// batch is waiting, and it wakes on its own after `batch.max_delay`,
    /// so a slow, steady stream (a web server's request logs) costs one
    /// wake-up and one write per interval instead of one per record. A
    /// doze in which nothing arrived is followed by sleep, from which the
    /// next record wakes it at once. Flushes and shutdown wake it either
    /// way.
    fn idle(&mut self) {
        for _ in 0..64 {
            if self.sh.queue.has_ready() || self.sh.control_pending.load(Ordering::Acquire) {
                return;
            }
            std::hint::spin_loop();
        }
        let (state, timeout) = if self.doze_was_quiet {
            (SLEEPING, Duration::from_millis(250))
        } else {
            (DOZING, self.sh.batch.max_delay)
        };
        self.sh.worker_state.store(state, Ordering::SeqCst);
        let woken_by = |sh: &Shared| {
            sh.control_pending.load(Ordering::SeqCst)
                || match state {
                    SLEEPING => !sh.queue.is_empty(),
                    _ => sh.queue.len() >= sh.wake_at,
                }
        };
        let deadline = Instant::now() + timeout;
        // Unparks can be spurious: park again until woken or due.
        while !woken_by(&self.sh) && self.sh.worker_state.load(Ordering::SeqCst) == state {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            std::thread::park_timeout(deadline - now);
        }
        self.doze_was_quiet = state == DOZING && self.sh.queue.is_empty();
        self.sh.worker_state.store(RUNNING, Ordering::SeqCst);
    }

    /// Sends each sink a notice of events dropped since its last one: when
    /// the queue has run dry after drops, or at most once a second while
    /// drops go on.
    fn maybe_notice(&mut self, idle: bool) {
        if !idle && self.last_notice.elapsed() < NOTICE_EVERY {
            return;
        }
        let logger = self.sh.counters.dropped();
        let mut sent = false;
        for (i, lane) in self.sh.lanes.iter().enumerate() {
            let sink = lane.counters.dropped();
            let mut now = logger;
            now.queue_full += sink.queue_full;
            now.sink_error += sink.sink_error;
            // Shutdown drops happen after the last record a sink writes.
            now.shutdown_timeout = 0;
            now.closed = 0;
            let delta = now.since(&self.reported[i]);
            if delta.total() == 0 {
                continue;
            }
            self.reported[i] = now;
            let notice = self.notice_record(&lane.name, &delta);
            let g = self
                .groups
                .iter_mut()
                .find(|g| g.lanes.contains(&i))
                .expect("every lane is in a group");
            let mut out = Vec::with_capacity(256);
            g.encoder
                .encode(&RecordView::decode(notice.as_slice()), &mut out);
            lane.push_control(Item::Notice(Bytes::from(out)));
            sent = true;
        }
        if sent {
            self.last_notice = Instant::now();
        }
    }

    fn notice_record(&self, sink: &str, delta: &Dropped) -> RecBuf {
        let name = "asynclog";
        let msg = "events dropped";
        let ts = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let mut buf = RecBuf::new();
        crate::record::begin_record(&mut buf, Level::Warn, name, ts);
        buf.extend(msg.as_bytes());
        crate::record::finish_header(&mut buf, 0, 0, 0, msg.len());
        let limits = Limits::default();
        let mut w = FieldWriter::new(&mut buf, &limits);
        w.u64(Some(b"dropped"), delta.total());
        w.str(Some(b"sink"), sink.as_bytes());
        if w.begin_object(Some(b"reasons")) {
            for (reason, n) in delta.reasons() {
                if n > 0 {
                    w.u64(Some(reason.as_bytes()), n);
                }
            }
            w.end();
        }
        w.finish();
        buf
    }

    /// The shutdown deadline passed: count what is left and stop.
    fn abandon(&mut self) {
        self.sh.queue.seal();
        let mut left = 0;
        let mut released = 0;
        while let Some(taken) = self.sh.queue.take() {
            let rec = taken.record();
            if !rec.is_empty() {
                released += rec.heap_bytes();
                left += 1;
            }
        }
        self.sh.release_heap(released);
        self.sh.counters.shutdown_timeout.add(left);
        self.dequeued += left;
        // The open batch still goes to the sinks, which count it as
        // shutdown_timeout too.
        self.ship(true);
        self.publish();
        self.finish();
    }

    fn finish(&mut self) {
        self.stages.destroy();
        self.sh.worker_state.store(DONE, Ordering::SeqCst);
        // Only after the deadline: a record claimed before the seal and
        // published once the worker gave up. Its producer sees DONE and
        // counts it, and so does this, whichever takes it.
        while let Some(taken) = self.sh.queue.take() {
            let rec = taken.record();
            if rec.is_empty() {
                continue;
            }
            self.sh.release_heap(rec.heap_bytes());
            self.sh.counters.dequeued.add(1);
            self.sh.counters.closed_after_enqueue.incr();
        }
        for lane in &self.sh.lanes {
            lane.push_control(Item::Stop);
        }
    }
}
