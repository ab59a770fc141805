//! The logger: the handle producers hold, and the state it shares with its
//! worker and sinks.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::thread::Thread;
use std::time::{Duration, Instant};

use crossbeam_utils::Backoff;

use crate::clock::Clock;
use crate::config::{Config, Policy, SinkKind};
use crate::context::{self, Context};
use crate::delivery::{Item, Progress, SinkLane, run_sink};
use crate::error::{DropReason, Error, Outcome, Pending};
use crate::level::Level;
use crate::metrics::{self, LoggerCounters, Snapshot};
use crate::plugin::sink::PluginSink;
use crate::plugin::{HealthReport, Started};
use crate::queue::{Claim, EventQueue};
use crate::record::{FLAG_INVALID_UTF8, FLAG_RAW_CLOCK, FLAG_TRUNCATED, Limits, RecBuf};
use crate::sink::capture::CaptureSink;
use crate::sink::file::FileSink;
use crate::sink::stdio::Stdio;
use crate::sink::{Capture, Sink};
use crate::tlv::{EncodedError, copy_encoded};
use crate::value::{Field, FieldWriter, WriteStats, floor_char_boundary};
use crate::worker::Worker;

/// Worker states, as producers see them.
pub(crate) const RUNNING: u8 = 0;
/// Parked with an empty queue: the next record wakes it.
pub(crate) const SLEEPING: u8 = 1;
pub(crate) const DONE: u8 = 2;
/// Parked for up to `batch.max_delay` while records gather: a record wakes
/// it only once a full batch (or half the queue) is waiting.
pub(crate) const DOZING: u8 = 3;

/// A request to the worker.
pub(crate) enum Control {
    /// Complete flush `seq` once `target` events have left the queue and
    /// every shard has been taken past its mark.
    Flush {
        seq: u64,
        target: u64,
        marks: Box<[u64]>,
    },
    /// Drain and stop.
    Stop,
}

/// Everything a logger's producers, worker and sinks share.
pub(crate) struct Shared {
    pub name: String,
    pub queue: EventQueue,
    pub max_heap_bytes: usize,
    pub heap_bytes: AtomicUsize,
    pub policy: Policy,
    pub audit_policy: Policy,
    pub limits: Limits,
    pub batch: crate::config::BatchConfig,
    /// Records queued at which a producer wakes a dozing worker.
    pub wake_at: usize,
    pub sample_rate: f64,
    /// What producers read for an event's timestamp.
    pub clock: Clock,
    pub counters: LoggerCounters,
    pub lanes: Vec<Arc<SinkLane>>,
    pub captures: Vec<(String, Capture)>,
    pub overrides: Vec<crate::config::LoggerOverride>,
    pub shutdown_timeout: Duration,
    /// Plugin instances, for the health report.
    pub plugins: Started,

    pub worker_state: AtomicU8,
    pub worker_thread: OnceLock<Thread>,

    pub space_lock: Mutex<()>,
    pub space_cv: Condvar,
    pub space_notify: tokio::sync::Notify,

    pub control: Mutex<VecDeque<Control>>,
    pub control_pending: AtomicBool,
    pub flush_seq: AtomicU64,
    pub progress: Arc<Progress>,

    pub closed: AtomicBool,
    pub abandon: Arc<AtomicBool>,
    pub threads_running: AtomicUsize,
    threads: Mutex<Vec<std::thread::JoinHandle<()>>>,
    runtime: Mutex<Option<tokio::runtime::Runtime>>,
}

impl Shared {
    /// Wakes the worker if it sleeps; drains the queue if it has ended.
    #[inline]
    fn after_push(&self) {
        match self.worker_state.load(Ordering::SeqCst) {
            RUNNING => {}
            SLEEPING => self.wake_worker(),
            DOZING => {
                if self.queue.len() >= self.wake_at || !heap_room(self) {
                    self.wake_worker();
                }
            }
            _ => self.drain_after_done(),
        }
    }

    pub(crate) fn wake_worker(&self) {
        for parked in [SLEEPING, DOZING] {
            if self
                .worker_state
                .compare_exchange(parked, RUNNING, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
            {
                if let Some(t) = self.worker_thread.get() {
                    t.unpark();
                }
                return;
            }
        }
    }

    /// A record reached the queue after the worker ended (which only
    /// happens once the shutdown deadline has passed): nobody will take
    /// it, so count it as logged after close.
    fn drain_after_done(&self) {
        while let Some(taken) = self.queue.take() {
            let rec = taken.record();
            if rec.is_empty() {
                continue;
            }
            self.release_heap(rec.heap_bytes());
            self.counters.dequeued.add(1);
            self.counters.closed_after_enqueue.incr();
        }
    }

    #[inline]
    pub(crate) fn release_heap(&self, n: usize) {
        if n > 0 {
            self.heap_bytes.fetch_sub(n, Ordering::AcqRel);
        }
    }

    /// Lets producers waiting for room try again, once their shard of the
    /// queue has drained to half: waking them for every freed slot would
    /// cost a context switch per few records.
    pub(crate) fn notify_space(&self) {
        if self.queue.room_for_waiters()
            && self.heap_bytes.load(Ordering::Relaxed) < self.max_heap_bytes
        {
            self.wake_space_waiters();
        }
    }

    /// Wakes every producer waiting for room.
    pub(crate) fn wake_space_waiters(&self) {
        let _guard = self.space_lock.lock().unwrap();
        self.space_cv.notify_all();
        self.space_notify.notify_waiters();
    }

    fn request(&self, c: Control) {
        self.control.lock().unwrap().push_back(c);
        self.control_pending.store(true, Ordering::SeqCst);
        self.wake_worker();
    }

    fn request_flush(&self) -> u64 {
        let seq = self.flush_seq.fetch_add(1, Ordering::AcqRel) + 1;
        // Both: the count alone could be reached by records logged since,
        // in another shard; the marks alone would miss a record moved to
        // the back of the queue (see `evict_oldest`).
        let marks = self.queue.marks();
        let target = self.counters.enqueued.get();
        self.request(Control::Flush { seq, target, marks });
        seq
    }

    fn flushed(&self, seq: u64) -> bool {
        self.lanes
            .iter()
            .all(|l| l.flushed.load(Ordering::Acquire) >= seq || l.stopped.load(Ordering::Acquire))
    }

    /// Events not yet accounted for by the slowest sink.
    fn pending(&self) -> u64 {
        self.snapshot()
            .sinks
            .iter()
            .map(|s| s.in_flight)
            .max()
            .unwrap_or(0)
    }

    pub(crate) fn snapshot(&self) -> Snapshot {
        metrics::snapshot(
            &self.name,
            &self.counters,
            self.lanes.iter().map(|l| (l.name.as_str(), &l.counters)),
        )
    }

    fn flush(&self, timeout: Duration) -> Result<(), Pending> {
        let deadline = Instant::now() + timeout;
        let seq = self.request_flush();
        if self.progress.wait_until(deadline, || self.flushed(seq)) {
            Ok(())
        } else {
            Err(Pending {
                events: self.pending(),
            })
        }
    }

    /// Stops accepting events, drains within `timeout`, stops every thread.
    fn shutdown(&self, timeout: Duration) -> Result<(), Pending> {
        let deadline = Instant::now() + timeout;
        let before = self.snapshot();
        self.closed.store(true, Ordering::SeqCst);
        let drained = self.flush(timeout).is_ok();
        if !drained {
            self.abandon.store(true, Ordering::SeqCst);
            self.wake_space_waiters();
        }
        self.request(Control::Stop);
        // After the deadline, give threads a short grace to finish counting.
        let grace = deadline.max(Instant::now()) + Duration::from_millis(200);
        let stopped = self
            .progress
            .wait_until(if drained { deadline.max(grace) } else { grace }, || {
                self.threads_running.load(Ordering::Acquire) == 0
            });
        if stopped {
            // Every thread has left its loop; joining only waits for it to
            // unwind, so nothing of the logger outlives this call.
            for handle in self.threads.lock().unwrap().drain(..) {
                let _ = handle.join();
            }
        } else {
            // A sink is stuck in a write: leave its thread detached.
            self.abandon.store(true, Ordering::SeqCst);
            for lane in &self.lanes {
                lane.abandon_queued();
            }
        }
        // Not written: still in flight, or given up on by this call.
        let after = self.snapshot();
        let lost = after
            .sinks
            .iter()
            .zip(&before.sinks)
            .map(|(a, b)| a.in_flight + (a.dropped.shutdown_timeout - b.dropped.shutdown_timeout))
            .max()
            .unwrap_or(0);
        match lost {
            0 => Ok(()),
            events => Err(Pending { events }),
        }
    }

    fn runtime(&self) -> tokio::runtime::Handle {
        let mut rt = self.runtime.lock().unwrap();
        if let Some(rt) = rt.as_ref() {
            return rt.handle().clone();
        }
        let built = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name(format!("asynclog-io-{}", self.name))
            .enable_time()
            .build()
            .expect("starting the logger's I/O runtime");
        let handle = built.handle().clone();
        *rt = Some(built);
        handle
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        // Dropping a runtime blocks; inside an async context that panics.
        if let Some(rt) = self.runtime.get_mut().unwrap().take() {
            rt.shutdown_background();
        }
    }
}

/// Owned by the logger handles; the last one to go drains and stops.
struct Core {
    shared: Arc<Shared>,
}

impl Drop for Core {
    fn drop(&mut self) {
        let _ = self.shared.shutdown(self.shared.shutdown_timeout);
    }
}

/// What a child logger adds: its name, bound fields and level.
struct Scope {
    name: Box<str>,
    bound: Box<[u8]>,
    level: Arc<AtomicU8>,
}

/// A handle for logging. Cheap to clone; clones and children share one
/// queue, worker and set of sinks.
///
/// When the last handle of a logger is dropped, the logger drains: it
/// waits up to `shutdown_timeout` for every sink to write what was logged,
/// and counts whatever was not as `shutdown_timeout`.
///
/// ```
/// use asynclog_core::{Config, Logger, field};
/// use asynclog_core::config::{SinkConfig, SinkKind};
///
/// let mut config = Config::default();
/// config.sinks = vec![SinkConfig::new("mem", SinkKind::Capture)];
/// let log = Logger::new(config).unwrap();
/// log.info("request handled", &[field("user_id", 7), field("path", "/api/v1/items")]);
/// log.flush(std::time::Duration::from_secs(5)).unwrap();
/// assert!(log.capture("mem").unwrap().text().contains("\"user_id\":7"));
/// ```
#[derive(Clone)]
pub struct Logger {
    core: Arc<Core>,
    scope: Arc<Scope>,
}

impl std::fmt::Debug for Logger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Logger")
            .field("name", &&*self.scope.name)
            .field("level", &self.level())
            .finish_non_exhaustive()
    }
}

impl Logger {
    /// Builds a logger from a configuration: validates it, opens every
    /// sink, and starts the worker and one delivery thread per sink.
    pub fn new(config: Config) -> Result<Logger, Error> {
        config.validate()?;
        let mut lanes = Vec::new();
        let mut sinks: Vec<Box<dyn Sink>> = Vec::new();
        let mut captures = Vec::new();
        let mut plugins = Started::default();
        let dirs = &config.plugins.dirs;
        let stages = plugins.processors(&config.processors, dirs)?;
        for (i, sc) in config.sinks.iter().enumerate() {
            let context = || format!("sinks[{i}] ({})", sc.name);
            let (sink, tty): (Box<dyn Sink>, bool) = match &sc.kind {
                SinkKind::Stdout => {
                    let s = Stdio::stdout();
                    let tty = s.is_tty();
                    (Box::new(s), tty)
                }
                SinkKind::Stderr => {
                    let s = Stdio::stderr();
                    let tty = s.is_tty();
                    (Box::new(s), tty)
                }
                SinkKind::File(fc) => {
                    let f = FileSink::open(fc).map_err(|source| Error::Io {
                        context: context(),
                        source,
                    })?;
                    (Box::new(f), false)
                }
                SinkKind::Capture => {
                    let c = Capture::new();
                    captures.push((sc.name.clone(), c.clone()));
                    (Box::new(CaptureSink::new(c)), false)
                }
                SinkKind::Plugin(plugin) => {
                    let at = format!("sinks[{i}]");
                    let instance = plugins.start(plugin, dirs, &at, &sc.name, true)?;
                    let flush_ms = config.shutdown_timeout.as_millis() as u64;
                    (Box::new(PluginSink::new(instance, flush_ms)), false)
                }
            };
            sinks.push(sink);
            lanes.push(Arc::new(SinkLane::new(
                sc.name.clone(),
                sc.level,
                sc.encoder,
                tty,
                sc.queue,
            )));
        }

        let queue = EventQueue::new(config.queue.capacity, config.queue.shard_count());
        // So that a single thread wakes the worker before its shard fills.
        let wake_at = config
            .batch
            .max_events
            .min(queue.shard_capacity() / 2)
            .max(1);
        let shared = Arc::new(Shared {
            name: config.name.clone(),
            queue,
            max_heap_bytes: config.queue.max_bytes,
            heap_bytes: AtomicUsize::new(0),
            policy: config.queue.policy,
            audit_policy: config.audit_policy,
            limits: config.limits,
            batch: config.batch,
            wake_at,
            sample_rate: config.sample_rate,
            clock: Clock::detect(),
            counters: LoggerCounters::default(),
            lanes,
            captures,
            overrides: config.loggers.clone(),
            shutdown_timeout: config.shutdown_timeout,
            plugins,
            worker_state: AtomicU8::new(RUNNING),
            worker_thread: OnceLock::new(),
            space_lock: Mutex::new(()),
            space_cv: Condvar::new(),
            space_notify: tokio::sync::Notify::new(),
            control: Mutex::new(VecDeque::new()),
            control_pending: AtomicBool::new(false),
            flush_seq: AtomicU64::new(0),
            progress: Arc::new(Progress::default()),
            closed: AtomicBool::new(false),
            abandon: Arc::new(AtomicBool::new(false)),
            threads_running: AtomicUsize::new(0),
            threads: Mutex::new(Vec::new()),
            runtime: Mutex::new(None),
        });

        for (lane, sink) in shared.lanes.iter().zip(sinks) {
            let lane = Arc::clone(lane);
            let progress = Arc::clone(&shared.progress);
            let abandon = Arc::clone(&shared.abandon);
            let name = format!("asynclog-sink-{}", lane.name);
            shared.threads_running.fetch_add(1, Ordering::AcqRel);
            let sh = Arc::clone(&shared);
            let spawned = std::thread::Builder::new().name(name).spawn(move || {
                run_sink(lane, sink, progress, abandon);
                sh.threads_running.fetch_sub(1, Ordering::AcqRel);
                sh.progress.notify();
            });
            match spawned {
                Ok(handle) => shared.threads.lock().unwrap().push(handle),
                Err(source) => {
                    shared.threads_running.fetch_sub(1, Ordering::AcqRel);
                    for lane in &shared.lanes {
                        lane.push_control(Item::Stop);
                    }
                    return Err(Error::Io {
                        context: "starting a sink thread".into(),
                        source,
                    });
                }
            }
        }

        shared.threads_running.fetch_add(1, Ordering::AcqRel);
        let sh = Arc::clone(&shared);
        let spawned = std::thread::Builder::new()
            .name(format!("asynclog-worker-{}", config.name))
            .spawn(move || {
                Worker::new(Arc::clone(&sh), stages).run();
                sh.threads_running.fetch_sub(1, Ordering::AcqRel);
                sh.progress.notify();
            });
        match spawned {
            Ok(handle) => {
                let _ = shared.worker_thread.set(handle.thread().clone());
                shared.threads.lock().unwrap().push(handle);
            }
            Err(source) => {
                shared.threads_running.fetch_sub(1, Ordering::AcqRel);
                for lane in &shared.lanes {
                    lane.push_control(Item::Stop);
                }
                return Err(Error::Io {
                    context: "starting the worker thread".into(),
                    source,
                });
            }
        }

        let level = Arc::new(AtomicU8::new(config.level as u8));
        Ok(Logger {
            core: Arc::new(Core { shared }),
            scope: Arc::new(Scope {
                name: config.name.into_boxed_str(),
                bound: Box::new([]),
                level,
            }),
        })
    }

    /// A logger with the embedded default configuration (NDJSON to stdout
    /// at `INFO`), with `ASYNCLOG_*` environment overrides applied.
    pub fn from_env() -> Result<Logger, Error> {
        let mut config = Config::default();
        config.apply_env(&|k| std::env::var(k).ok())?;
        Logger::new(config)
    }

    /// The logger's name.
    pub fn name(&self) -> &str {
        &self.scope.name
    }

    /// The minimum level this handle logs.
    pub fn level(&self) -> Level {
        Level::from_u8(self.scope.level.load(Ordering::Relaxed)).unwrap_or(Level::Info)
    }

    /// Changes the minimum level, for this handle and every handle sharing
    /// its level (clones, and children without a level of their own).
    pub fn set_level(&self, level: Level) {
        self.scope.level.store(level as u8, Ordering::Relaxed);
    }

    /// True when an event at `level` would pass this handle's level.
    #[inline]
    pub fn is_enabled(&self, level: Level) -> bool {
        level.passes(self.level())
    }

    /// Counts an event the caller left out by a sampling decision of its
    /// own (an access log keeping one successful request in N), so that it
    /// is still accounted for: submitted, and filtered, as the logger's own
    /// sampling counts the events it leaves out.
    pub fn count_sampled_out(&self) {
        self.core.shared.counters.sampled_at_call.incr();
    }

    /// This handle with a level of its own, starting at the current one:
    /// [`Logger::set_level`] on it (or on its clones and children) no
    /// longer changes the handle it came from, nor the other way round.
    /// Bindings whose children own their level (pino's) use this.
    pub fn with_own_level(&self) -> Logger {
        Logger {
            core: Arc::clone(&self.core),
            scope: Arc::new(Scope {
                name: self.scope.name.clone(),
                bound: self.scope.bound.clone(),
                level: Arc::new(AtomicU8::new(self.scope.level.load(Ordering::Relaxed))),
            }),
        }
    }

    /// A child logger that adds `fields` to every record.
    pub fn with(&self, fields: &[Field<'_>]) -> Logger {
        self.child(None, |w| w.fields(fields))
    }

    /// A child logger with another name (and the level configured for that
    /// name under `loggers`, if any).
    pub fn named(&self, name: &str) -> Logger {
        self.child(Some(name.as_bytes()), |_| {})
    }

    /// A child logger whose bound fields `write` produces, optionally
    /// renamed. Names and keys given as bytes are repaired if they are not
    /// UTF-8. This is the form the C ABI uses.
    pub fn child(&self, name: Option<&[u8]>, write: impl FnOnce(&mut FieldWriter<'_>)) -> Logger {
        let sh = &self.core.shared;
        let mut buf = RecBuf::new();
        buf.extend(&self.scope.bound);
        let mut w = FieldWriter::new(&mut buf, &sh.limits);
        write(&mut w);
        w.finish();
        let (name, level) = match name {
            Some(n) => {
                let n = String::from_utf8_lossy(n);
                let n = &n[..floor_char_boundary(&n, u16::MAX as usize)];
                let level = match sh.overrides.iter().find(|o| o.name == n) {
                    Some(o) => Arc::new(AtomicU8::new(o.level as u8)),
                    None => Arc::clone(&self.scope.level),
                };
                (n.into(), level)
            }
            None => (self.scope.name.clone(), Arc::clone(&self.scope.level)),
        };
        Logger {
            core: Arc::clone(&self.core),
            scope: Arc::new(Scope {
                name,
                bound: buf.as_slice().into(),
                level,
            }),
        }
    }

    /// Logs an event. Never waits on I/O; under the `block` policy it
    /// waits for room in the queue (from async code, prefer
    /// [`Logger::log_async`]).
    #[inline]
    pub fn log(&self, level: Level, message: &str, fields: &[Field<'_>]) -> Outcome {
        self.submit(level, message.as_bytes(), true, &[], |w| {
            w.fields(fields);
            Ok(())
        })
    }

    /// Logs an event whose message arrives as bytes and whose fields
    /// `write` produces. Invalid UTF-8 is replaced and counted. This is the
    /// form the C ABI uses.
    #[inline]
    pub fn log_with(
        &self,
        level: Level,
        message: &[u8],
        write: impl FnOnce(&mut FieldWriter<'_>),
    ) -> Outcome {
        self.submit(level, message, false, &[], |w| {
            write(w);
            Ok(())
        })
    }

    /// Like [`Logger::log_with`], for a writer that can fail (on bad input
    /// from outside). A failure drops the event, counts it as `invalid`,
    /// and is returned.
    pub fn try_log_with<E>(
        &self,
        level: Level,
        message: &[u8],
        write: impl FnOnce(&mut FieldWriter<'_>) -> Result<(), E>,
    ) -> Result<Outcome, E> {
        let mut error = None;
        let outcome = self.submit(level, message, false, &[], |w| {
            write(w).map_err(|e| error = Some(e))
        });
        match error {
            Some(e) => Err(e),
            None => Ok(outcome),
        }
    }

    /// Logs an event whose fields are already in the field encoding (see
    /// [`crate::record`]). A malformed buffer is refused with the offset of
    /// the problem, and counted as dropped (`invalid`).
    pub fn log_encoded(
        &self,
        level: Level,
        message: &[u8],
        fields: &[u8],
    ) -> Result<Outcome, EncodedError> {
        self.try_log_with(level, message, |w| copy_encoded(w, fields))
    }

    /// Logs an event in a context the caller carries itself rather than in
    /// the thread's or task's: the form for bindings whose runtimes keep
    /// context their own way (Node's `AsyncLocalStorage`, Python's
    /// `contextvars`). `context` comes after any thread or task context, so
    /// its keys win. Fields come from `write`, as in [`Logger::log_with`].
    #[inline]
    pub fn log_in_context(
        &self,
        level: Level,
        message: &[u8],
        context: &Context,
        write: impl FnOnce(&mut FieldWriter<'_>),
    ) -> Outcome {
        self.submit(level, message, false, context.as_bytes(), |w| {
            write(w);
            Ok(())
        })
    }

    /// [`Logger::log_encoded`] in a carried context (see
    /// [`Logger::log_in_context`]).
    pub fn log_encoded_in_context(
        &self,
        level: Level,
        message: &[u8],
        context: &Context,
        fields: &[u8],
    ) -> Result<Outcome, EncodedError> {
        let mut error = None;
        let outcome = self.submit(level, message, false, context.as_bytes(), |w| {
            copy_encoded(w, fields).map_err(|e| error = Some(e))
        });
        match error {
            Some(e) => Err(e),
            None => Ok(outcome),
        }
    }

    /// Logs an event from async code. The record, its timestamp and its
    /// context are taken at the call; the returned future completes once
    /// the event is queued, waiting for room under the `block` policy
    /// without blocking the executor thread.
    pub fn log_async(
        &self,
        level: Level,
        message: &str,
        fields: &[Field<'_>],
    ) -> impl Future<Output = Outcome> + Send + use<> {
        let prepared = self.prepare(level, message.as_bytes(), true, |w| {
            w.fields(fields);
            Ok(())
        });
        let shared = Arc::clone(&self.core.shared);
        async move {
            match prepared {
                Err(outcome) => outcome,
                Ok(rec) => enqueue_async(&shared, rec, level).await,
            }
        }
    }

    /// Logs at `TRACE`.
    #[inline]
    pub fn trace(&self, message: &str, fields: &[Field<'_>]) {
        self.log(Level::Trace, message, fields);
    }

    /// Logs at `DEBUG`.
    #[inline]
    pub fn debug(&self, message: &str, fields: &[Field<'_>]) {
        self.log(Level::Debug, message, fields);
    }

    /// Logs at `INFO`.
    #[inline]
    pub fn info(&self, message: &str, fields: &[Field<'_>]) {
        self.log(Level::Info, message, fields);
    }

    /// Logs at `WARN`.
    #[inline]
    pub fn warn(&self, message: &str, fields: &[Field<'_>]) {
        self.log(Level::Warn, message, fields);
    }

    /// Logs at `ERROR`.
    #[inline]
    pub fn error(&self, message: &str, fields: &[Field<'_>]) {
        self.log(Level::Error, message, fields);
    }

    /// Logs at `FATAL`. Does not exit the process.
    #[inline]
    pub fn fatal(&self, message: &str, fields: &[Field<'_>]) {
        self.log(Level::Fatal, message, fields);
    }

    /// Logs an `AUDIT` event: never filtered or sampled; by default never
    /// dropped.
    #[inline]
    pub fn audit(&self, message: &str, fields: &[Field<'_>]) {
        self.log(Level::Audit, message, fields);
    }

    /// Logs a `SECURITY` event: never filtered or sampled; by default
    /// never dropped.
    #[inline]
    pub fn security(&self, message: &str, fields: &[Field<'_>]) {
        self.log(Level::Security, message, fields);
    }

    /// Waits until everything logged before the call is written by every
    /// sink (or filtered or dropped and counted), or `timeout` passes.
    pub fn flush(&self, timeout: Duration) -> Result<(), Pending> {
        self.core.shared.flush(timeout)
    }

    /// The async form of [`Logger::flush`]; it never blocks the executor.
    pub async fn flush_async(&self, timeout: Duration) -> Result<(), Pending> {
        let sh = Arc::clone(&self.core.shared);
        let seq = sh.request_flush();
        let wait = sh.progress.wait_async(|| sh.flushed(seq));
        match tokio_timeout(timeout, wait).await {
            true => Ok(()),
            false => Err(Pending {
                events: sh.pending(),
            }),
        }
    }

    /// Stops accepting events, drains every sink within `timeout` and
    /// stops the logger's threads. Events logged afterwards are dropped and
    /// counted as `closed`. A call that races the shutdown either queues
    /// its event, which is then written within the deadline like any
    /// other, or is refused as `closed`; its outcome says which. Calling it
    /// again only reports what is left.
    pub fn shutdown(&self, timeout: Duration) -> Result<(), Pending> {
        self.core.shared.shutdown(timeout)
    }

    /// The async form of [`Logger::shutdown`]: the blocking part runs on a
    /// thread of its own, so the executor is not blocked.
    pub async fn shutdown_async(&self, timeout: Duration) -> Result<(), Pending> {
        let sh = Arc::clone(&self.core.shared);
        let (tx, rx) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            let _ = tx.send(sh.shutdown(timeout));
        });
        rx.await.unwrap_or(Err(Pending { events: 0 }))
    }

    /// A reading of every counter.
    pub fn metrics(&self) -> Snapshot {
        self.core.shared.snapshot()
    }

    /// The health of every plugin instance: processors first, then sink
    /// plugins, in configuration order. Asks each live instance's `health`
    /// callback, if it has one, so it may take as long as the slowest.
    pub fn health(&self) -> HealthReport {
        self.core.shared.plugins.health()
    }

    /// The capture sink with this name, if the configuration has one.
    pub fn capture(&self, sink: &str) -> Option<Capture> {
        self.core
            .shared
            .captures
            .iter()
            .find(|(n, _)| n == sink)
            .map(|(_, c)| c.clone())
    }

    /// The logger's own async runtime, for sinks and plugins that do
    /// network I/O. Started on first use, with one thread; it belongs to
    /// this logger and stops with it.
    pub fn runtime(&self) -> tokio::runtime::Handle {
        self.core.shared.runtime()
    }

    /// Filters, claims a slot, builds the record in it and publishes it.
    #[inline]
    fn submit(
        &self,
        level: Level,
        message: &[u8],
        trusted: bool,
        carried: &[u8],
        write: impl FnOnce(&mut FieldWriter<'_>) -> Result<(), ()>,
    ) -> Outcome {
        let sh = &*self.core.shared;
        let ts = match self.admit(level) {
            Ok(ts) => ts,
            Err(outcome) => return outcome,
        };
        let claim = match acquire(sh, policy_for(sh, level)) {
            Ok(claim) => claim,
            Err(outcome) => return outcome,
        };
        let buf = claim.buf();
        let (stats, ok) = build_record(
            buf,
            &self.scope,
            &sh.limits,
            level,
            ts,
            message,
            trusted,
            carried,
            write,
        );
        // Dropping an unpublished claim leaves an empty slot the worker skips.
        if let Err(outcome) = check_record(sh, buf, stats, ok) {
            return outcome;
        }
        sh.counters.enqueued.incr();
        publish(sh, claim);
        Outcome::Queued
    }

    /// The level filter and the closed check; the call's timestamp if the
    /// event goes on, and whether it is a raw counter reading (see
    /// [`crate::clock`]).
    #[inline]
    fn admit(&self, level: Level) -> Result<(u64, bool), Outcome> {
        let sh = &*self.core.shared;
        if !self.is_enabled(level) {
            sh.counters.filtered_level.incr();
            return Err(Outcome::Filtered);
        }
        if sh.closed.load(Ordering::Relaxed) {
            sh.counters.closed.incr();
            return Err(Outcome::Dropped(DropReason::Closed));
        }
        Ok(sh.clock.stamp())
    }

    /// Filters and builds the record in a buffer of its own, for callers
    /// that must wait for a slot without holding one.
    fn prepare(
        &self,
        level: Level,
        message: &[u8],
        trusted: bool,
        write: impl FnOnce(&mut FieldWriter<'_>) -> Result<(), ()>,
    ) -> Result<Box<RecBuf>, Outcome> {
        let sh = &*self.core.shared;
        let ts = self.admit(level)?;
        let mut buf = Box::new(RecBuf::new());
        let (stats, ok) = build_record(
            &mut buf,
            &self.scope,
            &sh.limits,
            level,
            ts,
            message,
            trusted,
            &[],
            write,
        );
        check_record(sh, &buf, stats, ok)?;
        Ok(buf)
    }
}

/// Counts what building a record found; `Err` when the record is dropped.
#[inline]
fn check_record(sh: &Shared, buf: &RecBuf, stats: WriteStats, ok: bool) -> Result<(), Outcome> {
    if !ok {
        sh.counters.invalid.incr();
        return Err(Outcome::Dropped(DropReason::Invalid));
    }
    if buf.len() > sh.limits.max_record_bytes {
        sh.counters.too_large.incr();
        return Err(Outcome::Dropped(DropReason::TooLarge));
    }
    if stats.truncated > 0 {
        sh.counters.truncated.incr();
    }
    if stats.invalid_utf8 > 0 {
        sh.counters.invalid_utf8.incr();
    }
    Ok(())
}

/// Writes a record: header, name, context, bound fields, message, fields.
#[inline]
#[allow(clippy::too_many_arguments)]
fn build_record(
    buf: &mut RecBuf,
    scope: &Scope,
    limits: &Limits,
    level: Level,
    (ts, raw_clock): (u64, bool),
    message: &[u8],
    trusted: bool,
    carried: &[u8],
    write: impl FnOnce(&mut FieldWriter<'_>) -> Result<(), ()>,
) -> (WriteStats, bool) {
    crate::record::begin_record(buf, level, &scope.name, ts);

    let before = buf.len();
    context::capture(|task, thread| {
        if !task.is_empty() {
            buf.extend(task);
        }
        if !thread.is_empty() {
            buf.extend(thread);
        }
    });
    if !carried.is_empty() {
        buf.extend(carried);
    }
    let ctx_len = buf.len() - before;
    buf.extend(&scope.bound);

    let mut stats = WriteStats::default();
    let msg_start = buf.len();
    crate::record::write_message(buf, message, trusted, limits, &mut stats);
    let msg_len = buf.len() - msg_start;

    let mut w = FieldWriter::new(buf, limits);
    let ok = write(&mut w).is_ok();
    w.finish();
    stats.truncated += w.stats.truncated;
    stats.invalid_utf8 += w.stats.invalid_utf8;

    let mut flags = if raw_clock { FLAG_RAW_CLOCK } else { 0 };
    if stats.truncated > 0 {
        flags |= FLAG_TRUNCATED;
    }
    if stats.invalid_utf8 > 0 {
        flags |= FLAG_INVALID_UTF8;
    }
    crate::record::finish_header(buf, flags, ctx_len, scope.bound.len(), msg_len);
    (stats, ok)
}

/// The policy that applies to an event at `level`.
#[inline]
fn policy_for(sh: &Shared, level: Level) -> Policy {
    if level.is_category() {
        sh.audit_policy
    } else {
        sh.policy
    }
}

/// True while spilled records stay within the queue's byte bound. A
/// record admitted under it may overshoot the bound by its own size.
#[inline]
fn heap_room(sh: &Shared) -> bool {
    sh.heap_bytes.load(Ordering::Relaxed) < sh.max_heap_bytes
}

/// Claims a queue slot under `policy`: waits for one (`block`), evicts the
/// oldest record (`drop_oldest`), or gives up (`drop_newest`).
#[inline]
fn acquire(sh: &Shared, policy: Policy) -> Result<Claim<'_>, Outcome> {
    if heap_room(sh) {
        if let Some(claim) = sh.queue.claim() {
            return Ok(claim);
        }
    }
    acquire_slow(sh, policy)
}

/// Spins a blocked producer makes before it parks: one pause, for a slot
/// being released at that very moment. The spinning must stay well short
/// of the worker's time per record (150 to 200 ns on the machines
/// measured). Spinning for a microsecond, as this once did, let a
/// producer that outran the worker find a freed slot nearly every time,
/// so instead of parking once per half queue it fell into step with the
/// worker, and every call near a full queue waited 100 to 200 ns: those
/// calls were the 99th percentile of the call's cost.
const BLOCK_SPINS: u32 = 1;

#[cold]
fn acquire_slow(sh: &Shared, policy: Policy) -> Result<Claim<'_>, Outcome> {
    let backoff = Backoff::new();
    let mut spins = 0;
    loop {
        if heap_room(sh) {
            if let Some(claim) = sh.queue.claim() {
                return Ok(claim);
            }
        }
        if sh.queue.is_sealed() {
            // The worker has stopped taking new records: no policy helps.
            sh.counters.closed.incr();
            return Err(Outcome::Dropped(DropReason::Closed));
        }
        match policy {
            Policy::DropNewest => {
                sh.counters.queue_full_rejected.incr();
                return Err(Outcome::Dropped(DropReason::QueueFull));
            }
            Policy::DropOldest => {
                if !evict_oldest(sh) && backoff.is_completed() {
                    // The oldest slot is still being written: nothing to
                    // evict yet, and waiting is not this policy.
                    sh.counters.queue_full_rejected.incr();
                    return Err(Outcome::Dropped(DropReason::QueueFull));
                }
                backoff.spin();
            }
            Policy::Block => {
                if gave_up(sh) {
                    sh.counters.closed.incr();
                    return Err(Outcome::Dropped(DropReason::Closed));
                }
                // A producer that outruns the worker waits once until the
                // queue is half empty, then runs free again, rather than
                // taking each slot as it frees: so only one call in half a
                // queue waits, instead of every call waiting a little.
                spins += 1;
                if spins > BLOCK_SPINS {
                    wait_for_half_empty(sh);
                } else {
                    backoff.spin();
                }
            }
        }
    }
}

/// Removes the oldest record of the caller's shard to make room, counting
/// it; false if none was ready to remove.
///
/// An `Audit` or `Security` record at the head is not dropped while
/// `audit_policy` is `block`: it is moved to the back of the queue instead,
/// waiting for a slot if it must. It may then be written after events
/// logged later; losing it would break the promise that such events are
/// never dropped by default.
fn evict_oldest(sh: &Shared) -> bool {
    let Some(taken) = sh.queue.take_mine() else {
        return false;
    };
    let rec = taken.record();
    if rec.is_empty() {
        return true;
    }
    sh.release_heap(rec.heap_bytes());
    let level = Level::from_u8(rec.as_slice()[0]).unwrap_or(Level::Info);
    if !(level.is_category() && sh.audit_policy == Policy::Block) {
        sh.counters.queue_full_evicted.incr();
        return true;
    }
    let mut kept = Box::new(RecBuf::new());
    kept.extend(rec.as_slice());
    drop(taken);
    requeue(sh, &kept);
    true
}

/// Puts a record that was already counted as queued back at the tail,
/// waiting for a slot.
#[cold]
fn requeue(sh: &Shared, rec: &RecBuf) {
    let backoff = Backoff::new();
    loop {
        if let Some(claim) = sh.queue.claim() {
            claim.buf().extend(rec.as_slice());
            publish(sh, claim);
            return;
        }
        if gave_up(sh) {
            sh.counters.queue_full_evicted.incr();
            return;
        }
        if backoff.is_completed() {
            wait_for_space(sh);
        } else {
            backoff.snooze();
        }
    }
}

/// True once waiting for room is pointless: the queue is sealed for
/// shutdown, the shutdown deadline passed or the worker has ended.
#[inline]
fn gave_up(sh: &Shared) -> bool {
    sh.abandon.load(Ordering::Relaxed)
        || sh.worker_state.load(Ordering::Relaxed) == DONE
        || sh.queue.is_sealed()
}

/// Parks a producer that found its shard of the queue full until the shard
/// is at most half full, the point at which the worker wakes waiters (each
/// wait also ends after 1 ms, to look again), or until waiting is
/// pointless.
#[cold]
fn wait_for_half_empty(sh: &Shared) {
    let shard = sh.queue.my_shard();
    let crowded = || sh.queue.is_crowded(shard) || !heap_room(sh);
    // Counted as a waiter before looking, and looking under the lock the
    // worker takes to wake waiters, so a wake-up cannot fall between the
    // look and the wait.
    sh.queue.set_waiting(shard, true);
    let mut guard = sh.space_lock.lock().unwrap();
    while crowded() && !gave_up(sh) {
        guard = sh
            .space_cv
            .wait_timeout(guard, Duration::from_millis(1))
            .unwrap()
            .0;
    }
    drop(guard);
    sh.queue.set_waiting(shard, false);
}

/// Parks the producer until the worker signals room (or 1 ms passes).
#[cold]
fn wait_for_space(sh: &Shared) {
    let shard = sh.queue.my_shard();
    sh.queue.set_waiting(shard, true);
    let guard = sh.space_lock.lock().unwrap();
    if sh.queue.is_full(shard) || !heap_room(sh) {
        let _ = sh
            .space_cv
            .wait_timeout(guard, Duration::from_millis(1))
            .unwrap();
    }
    sh.queue.set_waiting(shard, false);
}

/// Copies a prepared record into a claimed slot and publishes it.
fn publish_copy(sh: &Shared, claim: Claim<'_>, rec: &RecBuf) -> Outcome {
    claim.buf().extend(rec.as_slice());
    sh.counters.enqueued.incr();
    publish(sh, claim);
    Outcome::Queued
}

/// Publishes a filled slot: counts its spilled bytes against the queue's
/// byte bound, makes it visible, and wakes the worker if it sleeps.
#[inline]
fn publish(sh: &Shared, claim: Claim<'_>) {
    let heap = claim.buf().heap_bytes();
    if heap > 0 {
        sh.heap_bytes.fetch_add(heap, Ordering::AcqRel);
    }
    claim.publish();
    sh.after_push();
}

/// Enqueues a prepared record; under `block`, waits for room as a future
/// that yields instead of blocking its thread.
async fn enqueue_async(sh: &Shared, rec: Box<RecBuf>, level: Level) -> Outcome {
    let policy = policy_for(sh, level);
    if policy != Policy::Block {
        return match acquire(sh, policy) {
            Ok(claim) => publish_copy(sh, claim, &rec),
            Err(outcome) => outcome,
        };
    }
    loop {
        let notified = sh.space_notify.notified();
        let mut notified = std::pin::pin!(notified);
        notified.as_mut().enable();
        // The task may wake on another thread, whose shard differs: it
        // stops waiting on the shard it started waiting on.
        let shard = sh.queue.my_shard();
        sh.queue.set_waiting(shard, true);
        if heap_room(sh) {
            if let Some(claim) = sh.queue.claim() {
                sh.queue.set_waiting(shard, false);
                return publish_copy(sh, claim, &rec);
            }
        }
        if gave_up(sh) {
            sh.queue.set_waiting(shard, false);
            sh.counters.closed.incr();
            return Outcome::Dropped(DropReason::Closed);
        }
        notified.await;
        sh.queue.set_waiting(shard, false);
    }
}

/// Runs `fut` for at most `timeout`, without needing a tokio timer (the
/// caller may use any executor): a helper thread sleeps and wakes us.
async fn tokio_timeout(timeout: Duration, fut: impl Future<Output = ()>) -> bool {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        std::thread::sleep(timeout);
        let _ = tx.send(());
    });
    let fut = std::pin::pin!(fut);
    let rx = std::pin::pin!(rx);
    let mut fut = fut;
    let mut rx = rx;
    std::future::poll_fn(|cx| {
        if fut.as_mut().poll(cx).is_ready() {
            return std::task::Poll::Ready(true);
        }
        if rx.as_mut().poll(cx).is_ready() {
            return std::task::Poll::Ready(false);
        }
        std::task::Poll::Pending
    })
    .await
}
