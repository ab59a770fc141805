//! Per-sink delivery: a bounded queue of encoded batches and the thread
//! that writes them.
//!
//! The worker hands each sink the batches it encoded; the sink's own
//! thread writes them. A sink whose writes are slow fills only its own
//! queue; what happens then is that queue's policy (`block` makes the
//! worker wait, the drop policies count what they drop).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use bytes::Bytes;

use crate::config::{EncoderConfig, Policy, SinkQueueConfig};
use crate::level::Level;
use crate::metrics::SinkCounters;
use crate::sink::Sink;

/// What travels down a sink queue.
pub(crate) enum Item {
    /// Encoded records and how many events they hold.
    Batch { data: Bytes, events: u64 },
    /// An in-band notice (dropped events); not an event itself.
    Notice(Bytes),
    /// Flush, then report this flush sequence number as done.
    Flush(u64),
    /// Close the sink and end the thread.
    Stop,
}

struct State {
    items: VecDeque<Item>,
    batches: usize,
    bytes: usize,
}

/// Wakes whoever waits for flushes and shutdown.
#[derive(Default)]
pub(crate) struct Progress {
    lock: Mutex<()>,
    cv: Condvar,
    notify: tokio::sync::Notify,
}

impl Progress {
    pub(crate) fn notify(&self) {
        let _guard = self.lock.lock().unwrap();
        self.cv.notify_all();
        self.notify.notify_waiters();
    }

    /// Waits until `done()` holds or `deadline` passes; true if it holds.
    pub(crate) fn wait_until(
        &self,
        deadline: std::time::Instant,
        mut done: impl FnMut() -> bool,
    ) -> bool {
        let mut guard = self.lock.lock().unwrap();
        loop {
            if done() {
                return true;
            }
            let now = std::time::Instant::now();
            if now >= deadline {
                return false;
            }
            // A bounded wait also covers a notification raced past us.
            let step = (deadline - now).min(Duration::from_millis(20));
            guard = self.cv.wait_timeout(guard, step).unwrap().0;
        }
    }

    /// The async form of [`Progress::wait_until`]; without a deadline, the
    /// caller wraps it in its own timeout.
    pub(crate) async fn wait_async(&self, mut done: impl FnMut() -> bool) {
        loop {
            let notified = self.notify.notified();
            let mut notified = std::pin::pin!(notified);
            notified.as_mut().enable();
            if done() {
                return;
            }
            notified.await;
        }
    }
}

/// One sink as the worker, its thread and the logger see it.
pub(crate) struct SinkLane {
    pub name: String,
    pub level: Level,
    pub encoder: EncoderConfig,
    pub tty: bool,
    pub counters: SinkCounters,
    /// Highest flush sequence number this sink has completed.
    pub flushed: AtomicU64,
    /// Set once the sink thread has ended.
    pub stopped: AtomicBool,
    cfg: SinkQueueConfig,
    state: Mutex<State>,
    not_empty: Condvar,
    not_full: Condvar,
    /// Batch buffers this sink was the last to hold, for the worker to
    /// fill again: fresh buffers of a megabyte are new memory each time,
    /// and the worker would fault in every page of every batch.
    spare: Mutex<Vec<Vec<u8>>>,
}

/// Most spare batch buffers one sink keeps.
const SPARE_BUFFERS: usize = 4;

impl SinkLane {
    pub(crate) fn new(
        name: String,
        level: Level,
        encoder: EncoderConfig,
        tty: bool,
        cfg: SinkQueueConfig,
    ) -> SinkLane {
        SinkLane {
            name,
            level,
            encoder,
            tty,
            counters: SinkCounters::default(),
            flushed: AtomicU64::new(0),
            spare: Mutex::new(Vec::new()),
            stopped: AtomicBool::new(false),
            cfg,
            state: Mutex::new(State {
                items: VecDeque::new(),
                batches: 0,
                bytes: 0,
            }),
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
        }
    }

    /// Queues a batch under the sink's policy. `abandon` is the logger's
    /// "shutdown deadline passed" flag: a blocked hand-off then gives up
    /// and counts the batch as `shutdown_timeout`.
    /// An emptied batch buffer to fill again, if this sink kept one.
    pub(crate) fn take_spare(&self) -> Option<Vec<u8>> {
        self.spare.lock().unwrap().pop()
    }

    /// Keeps a written batch's buffer if nothing else holds it.
    fn recycle(&self, data: Bytes) {
        let Ok(mut unique) = data.try_into_mut() else {
            return;
        };
        // Emptied first: turning it back into a `Vec` moves what it holds
        // to the front of the allocation, which for a full batch is a copy
        // of the whole batch.
        unique.clear();
        let buf: Vec<u8> = unique.into();
        let mut spare = self.spare.lock().unwrap();
        if spare.len() < SPARE_BUFFERS {
            spare.push(buf);
        }
    }

    pub(crate) fn push_batch(&self, data: Bytes, events: u64, abandon: &AtomicBool) {
        let len = data.len();
        let mut st = self.state.lock().unwrap();
        loop {
            let fits = st.batches == 0
                || (st.batches < self.cfg.max_batches && st.bytes + len <= self.cfg.max_bytes);
            if fits {
                st.batches += 1;
                st.bytes += len;
                st.items.push_back(Item::Batch { data, events });
                drop(st);
                self.not_empty.notify_one();
                return;
            }
            match self.cfg.policy {
                Policy::DropNewest => {
                    self.counters.queue_full.add(events);
                    return;
                }
                Policy::DropOldest => {
                    let oldest = st
                        .items
                        .iter()
                        .position(|i| matches!(i, Item::Batch { .. }));
                    match oldest.and_then(|at| st.items.remove(at)) {
                        Some(Item::Batch { data, events }) => {
                            st.batches -= 1;
                            st.bytes -= data.len();
                            self.counters.queue_full.add(events);
                        }
                        _ => {
                            // Only control items queued: nothing to evict.
                            self.counters.queue_full.add(events);
                            return;
                        }
                    }
                }
                Policy::Block => {
                    if abandon.load(Ordering::Acquire) || self.stopped.load(Ordering::Acquire) {
                        self.counters.shutdown_timeout.add(events);
                        return;
                    }
                    st = self
                        .not_full
                        .wait_timeout(st, Duration::from_millis(10))
                        .unwrap()
                        .0;
                }
            }
        }
    }

    /// Queues a control item or notice, outside the bounds: these are
    /// small and must never be lost.
    pub(crate) fn push_control(&self, item: Item) {
        self.state.lock().unwrap().items.push_back(item);
        self.not_empty.notify_one();
    }

    fn pop(&self) -> Item {
        let mut st = self.state.lock().unwrap();
        loop {
            if let Some(item) = st.items.pop_front() {
                if let Item::Batch { data, .. } = &item {
                    st.batches -= 1;
                    st.bytes -= data.len();
                }
                drop(st);
                self.not_full.notify_one();
                return item;
            }
            st = self.not_empty.wait(st).unwrap();
        }
    }

    /// Counts every batch still queued as `shutdown_timeout` and removes
    /// it. Called once the shutdown deadline has passed.
    pub(crate) fn abandon_queued(&self) {
        let mut st = self.state.lock().unwrap();
        let mut kept = VecDeque::new();
        for item in st.items.drain(..) {
            match item {
                Item::Batch { events, .. } => self.counters.shutdown_timeout.add(events),
                Item::Notice(_) => {}
                other => kept.push_back(other),
            }
        }
        st.items = kept;
        st.batches = 0;
        st.bytes = 0;
        drop(st);
        self.not_full.notify_all();
    }
}

/// Attempts per batch before it counts as `sink_error`.
const WRITE_ATTEMPTS: u32 = 3;

/// The body of a sink's delivery thread.
pub(crate) fn run_sink(
    lane: Arc<SinkLane>,
    mut sink: Box<dyn Sink>,
    progress: Arc<Progress>,
    abandon: Arc<AtomicBool>,
) {
    loop {
        match lane.pop() {
            Item::Batch { data, events } => {
                if abandon.load(Ordering::Acquire) {
                    lane.counters.shutdown_timeout.add(events);
                    continue;
                }
                write_batch(&lane, sink.as_mut(), &data, events, &abandon);
                lane.recycle(data);
            }
            Item::Notice(data) => {
                if sink.write(&data).is_err() {
                    lane.counters.write_errors.add(1);
                }
            }
            Item::Flush(seq) => {
                if sink.flush().is_err() {
                    lane.counters.write_errors.add(1);
                }
                lane.flushed.fetch_max(seq, Ordering::AcqRel);
                progress.notify();
            }
            Item::Stop => {
                if sink.close().is_err() {
                    lane.counters.write_errors.add(1);
                }
                break;
            }
        }
    }
    lane.stopped.store(true, Ordering::Release);
    lane.abandon_queued();
    progress.notify();
}

fn write_batch(
    lane: &SinkLane,
    sink: &mut dyn Sink,
    data: &[u8],
    events: u64,
    abandon: &AtomicBool,
) {
    let mut attempt = 0;
    loop {
        match sink.write(data) {
            Ok(()) => {
                lane.counters.written.add(events);
                lane.counters.batches.add(1);
                lane.counters.bytes.add(data.len() as u64);
                return;
            }
            Err(e) => {
                lane.counters.write_errors.add(1);
                attempt += 1;
                if attempt >= WRITE_ATTEMPTS
                    || !sink.retryable(&e)
                    || abandon.load(Ordering::Acquire)
                {
                    lane.counters.sink_error.add(events);
                    return;
                }
                std::thread::sleep(Duration::from_millis(5u64 << (2 * attempt)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_batch_gives_its_buffer_back_whole() {
        let lane = SinkLane::new(
            "s".into(),
            Level::Info,
            EncoderConfig::Ndjson,
            false,
            SinkQueueConfig::default(),
        );
        let mut buf = Vec::with_capacity(1 << 20);
        buf.extend_from_slice(&[b'x'; 600_000]);
        let at = buf.as_ptr();
        let data = Bytes::from(buf);
        let shared = data.clone();
        lane.recycle(data);
        assert!(
            lane.take_spare().is_none(),
            "another sink still holds the batch"
        );
        lane.recycle(shared);
        let spare = lane.take_spare().expect("the last holder keeps the buffer");
        assert!(spare.is_empty());
        assert_eq!(spare.as_ptr(), at, "the same allocation, not a copy");
        assert!(spare.capacity() >= 1 << 20);
    }
}
