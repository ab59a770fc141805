//! Processor plugins as stages of the worker: each record that passes the
//! logger's level and sampling goes through them in order (enrichers,
//! then filters, then redactors) before it is encoded for any sink.
//!
//! The worker hands the stages a chunk of up to [`CHUNK`] records at a
//! time, held in their queue slots; each stage sees the whole chunk (less
//! what earlier stages dropped) before the next one does, in one
//! `process_batch` call when the plugin has it, else in one `process`
//! call per record. Records keep their order.
//!
//! A stage sees a borrowed view of the record and asks for edits through
//! the host API. Edits take effect when `process` returns OK: a drop ends
//! the record's way (counted as filtered); adds, replacements and a new
//! message rebuild the record through a [`FieldWriter`], so the logger's
//! limits and UTF-8 repair apply to what plugins add as to what callers
//! log. Any other status discards the call's edits: `ERROR` (or `RETRY`,
//! or an unknown status) lets the record go on unchanged and is counted;
//! `FATAL` and `PANIC` retire the stage, after which records pass it
//! unchanged, counted as `passed_through` in the health report.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use asynclog_plugin_abi as abi;

use super::host::{Added, EditState};
use super::{Held, Instance};
use crate::encode::Statics;
use crate::queue::Taken;
use crate::record::{FLAG_INVALID_UTF8, FLAG_TRUNCATED, Limits, RecBuf, RecordView};
use crate::tlv::{Entries, Item};
use crate::value::FieldWriter;

/// Most records the worker hands the stages in one pass: what one
/// `process_batch` call sees.
pub(crate) const CHUNK: usize = 32;

/// What the stages made of a record.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Outcome {
    /// Nothing changed: use the record as it is.
    Unchanged,
    /// A stage edited it: use [`Stages::edited`] instead.
    Edited,
    /// A stage dropped it.
    Dropped,
}

/// The edit state and buffers of one record of a chunk.
struct Edits {
    outcome: Outcome,
    edit: EditState,
    /// Boxed: most records are never edited, and the stage loop, which
    /// walks every record's outcome and edit flags, should not stride
    /// over half a kilobyte of buffers per record to do it.
    bufs: Box<Bufs>,
}

/// The edited record and the buffer the next edit is written to, in turn:
/// `flip` says which is which, so that an edit swaps a flag, not two
/// inline buffers of a quarter kilobyte each.
struct Bufs {
    a: RecBuf,
    b: RecBuf,
    flip: bool,
}

impl Edits {
    fn new() -> Edits {
        Edits {
            outcome: Outcome::Unchanged,
            edit: EditState::default(),
            bufs: Box::new(Bufs {
                a: RecBuf::new(),
                b: RecBuf::new(),
                flip: false,
            }),
        }
    }

    /// Makes the spare buffer, just written, the current record.
    fn swap(&mut self) {
        self.bufs.flip = !self.bufs.flip;
        self.outcome = Outcome::Edited;
    }

    fn current(&self) -> &RecBuf {
        if self.bufs.flip {
            &self.bufs.b
        } else {
            &self.bufs.a
        }
    }
}

impl Bufs {
    /// The record as the stages so far left it (`original` while none
    /// edited it), and the spare buffer.
    fn split<'a>(&'a mut self, edited: bool, original: &'a [u8]) -> (&'a [u8], &'a mut RecBuf) {
        let (current, spare) = if self.flip {
            (&self.b, &mut self.a)
        } else {
            (&self.a, &mut self.b)
        };
        (if edited { current.as_slice() } else { original }, spare)
    }
}

/// The processor stages of one logger, owned by its worker.
pub(crate) struct Stages {
    stages: Vec<Stage>,
    /// One per record of a chunk; [`CHUNK`] of them once a chunk has run.
    records: Vec<Edits>,
    /// A stage's call, reused: the views, edit handles and statuses of the
    /// records still on their way, and which record each one is.
    views: Vec<abi::asynclog_record_view>,
    handles: Vec<*mut abi::asynclog_record_edit>,
    statuses: Vec<i32>,
    live: Vec<usize>,
    /// Set when every stage only adds static fields and every encoder can
    /// write them pre-rendered: records then pass the stages untouched,
    /// and the encoders add the fields.
    rendered: Option<Statics>,
}

/// One stage: the instance, and what it gave once for every record.
struct Stage {
    instance: Arc<Instance>,
    /// The instance's lock, while the worker makes a pass over the queue.
    held: Option<Held>,
    /// Static fields, in the field encoding.
    statics: Vec<u8>,
    /// The instance only adds static fields: `process` is not called.
    statics_only: bool,
}

// SAFETY: the members that are not `Send` are a stage's `held` lock guard,
// which exists only between `begin_pass` and `end_pass` on the worker's
// thread, and the edit handles, pointers into `records` that are only
// filled and read during a call of `run`. `Stages` moves to the worker's
// thread once, before any pass.
unsafe impl Send for Stages {}

impl Stages {
    pub(crate) fn new(stages: Vec<Arc<Instance>>) -> Stages {
        let stages = stages
            .into_iter()
            .map(|instance| {
                let statics = instance.host.static_fields();
                let statics_only =
                    instance.plugin.capabilities() & abi::ASYNCLOG_PLUGIN_CAP_STATIC_ONLY != 0;
                Stage {
                    instance,
                    held: None,
                    statics,
                    statics_only,
                }
            })
            .collect();
        Stages {
            stages,
            records: Vec::new(),
            views: Vec::new(),
            handles: Vec::new(),
            statuses: Vec::new(),
            live: Vec::new(),
            rendered: None,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.stages.is_empty()
    }

    /// Lets the encoders write the static fields, rendered once, instead of
    /// copying them into every record, when every stage only adds static
    /// fields. The worker calls this when all its encoders can
    /// ([`crate::encode::Encoder::renders_statics`]).
    pub(crate) fn render_statics(&mut self) {
        if self.stages.is_empty() || !self.stages.iter().all(|st| st.statics_only) {
            return;
        }
        let mut all = Vec::new();
        for st in &self.stages {
            all.extend_from_slice(&st.statics);
        }
        self.rendered = Some(Statics::new(&all));
    }

    /// The static fields the encoders add, if [`Stages::render_statics`]
    /// took effect.
    pub(crate) fn rendered(&self) -> Option<&Statics> {
        self.rendered.as_ref()
    }

    /// Takes every stage's lock for a pass of records: one lock and one
    /// count per pass instead of per record.
    pub(crate) fn begin_pass(&mut self) {
        for st in &mut self.stages {
            if !st.statics_only && !st.instance.is_retired() {
                st.held = Some(st.instance.hold());
            }
        }
    }

    /// Releases what [`Stages::begin_pass`] took.
    pub(crate) fn end_pass(&mut self) {
        for st in &mut self.stages {
            st.held = None;
        }
    }

    /// What became of record `i` of the last chunk.
    pub(crate) fn outcome(&self, i: usize) -> Outcome {
        self.records[i].outcome
    }

    /// The record `i` of the last chunk became, when its outcome is
    /// [`Outcome::Edited`].
    pub(crate) fn edited(&self, i: usize) -> &RecBuf {
        self.records[i].current()
    }

    /// Runs every stage, in order, on a chunk of at most [`CHUNK`] records
    /// (`decoded[i]` is the view of `chunk[i]`); then [`Stages::outcome`]
    /// says what became of each.
    ///
    /// A stage whose plugin has `process_batch` is called once for the
    /// records of the chunk still on their way; any other, once per
    /// record. Records a stage drops are not shown to the stages after it.
    pub(crate) fn run(&mut self, chunk: &[Taken<'_>], decoded: &[RecordView<'_>], limits: &Limits) {
        let n = chunk.len().min(decoded.len()).min(CHUNK);
        if self.records.is_empty() {
            self.records = (0..CHUNK).map(|_| Edits::new()).collect();
            self.views = vec![abi_view(&RecordView::decode(EMPTY_RECORD)); CHUNK];
            self.handles = vec![std::ptr::null_mut(); CHUNK];
            self.statuses = vec![abi::ASYNCLOG_PLUGIN_OK; CHUNK];
            self.live = Vec::with_capacity(CHUNK);
        }
        for r in &mut self.records[..n] {
            r.outcome = Outcome::Unchanged;
        }
        if self.rendered.is_some() {
            return;
        }
        let mut call = Call {
            records: &mut self.records[..n],
            chunk,
            decoded,
            limits,
            views: &mut self.views,
            handles: &mut self.handles,
            statuses: &mut self.statuses,
            live: &mut self.live,
            gathered: false,
            dropped: false,
        };
        for st in &mut self.stages {
            call.run(st);
        }
    }

    /// Destroys every stage; the worker calls it as it ends.
    pub(crate) fn destroy(&mut self) {
        self.end_pass();
        for stage in &self.stages {
            stage.instance.destroy();
        }
    }
}

/// A chunk on its way through the stages, with the buffers each stage's
/// call reuses.
struct Call<'c, 'q> {
    records: &'c mut [Edits],
    chunk: &'c [Taken<'q>],
    decoded: &'c [RecordView<'c>],
    limits: &'c Limits,
    views: &'c mut [abi::asynclog_record_view],
    /// The edit handles of the views, taken for each stage's call.
    handles: &'c mut [*mut abi::asynclog_record_edit],
    statuses: &'c mut [i32],
    /// While `gathered`: the records still going, in order, which the
    /// views and handles are of.
    live: &'c mut Vec<usize>,
    gathered: bool,
    /// A record was dropped: the next stage gathers.
    dropped: bool,
}

impl Call<'_, '_> {
    /// Runs one stage on the records not yet dropped.
    fn run(&mut self, st: &mut Stage) {
        let retired = st.instance.is_retired();
        if !st.statics.is_empty() && !retired {
            for i in 0..self.records.len() {
                let r = &mut self.records[i];
                if r.outcome == Outcome::Dropped {
                    continue;
                }
                let raw = self.chunk[i].record().as_slice();
                let (current, spare) = r.bufs.split(r.outcome == Outcome::Edited, raw);
                with_statics(current, &st.statics, spare);
                r.swap();
            }
        }
        if st.statics_only {
            return;
        }
        if retired {
            let passing = self
                .records
                .iter()
                .filter(|r| r.outcome != Outcome::Dropped)
                .count();
            st.instance
                .passed_through
                .fetch_add(passing as u64, Ordering::Relaxed);
            return;
        }

        // The views and edit handles of the records still going: in place
        // while none was dropped, else gathered through `live`.
        self.gathered = self.dropped;
        let count = if self.gathered {
            self.live.clear();
            self.live.extend(
                (0..self.records.len()).filter(|&i| self.records[i].outcome != Outcome::Dropped),
            );
            for j in 0..self.live.len() {
                let i = self.live[j];
                self.views[j] = view_of(&self.records[i], &self.decoded[i]);
                self.records[i].edit.begin();
                self.handles[j] = self.records[i].edit.as_abi();
            }
            self.live.len()
        } else {
            let records = self.records.iter_mut().zip(self.decoded);
            let out = self.views.iter_mut().zip(self.handles.iter_mut());
            for ((r, decoded), (view, handle)) in records.zip(out) {
                *view = view_of(r, decoded);
                r.edit.begin();
                // Taken after the last other use of the state before the
                // call, so the plugin's pointer is the live one.
                *handle = r.edit.as_abi();
            }
            self.records.len()
        };
        if count == 0 {
            return;
        }
        let done = self.call(st, count);
        self.apply(st, count, done);
    }

    /// The `j`th record still going.
    #[inline]
    fn index(&self, j: usize) -> usize {
        if self.gathered { self.live[j] } else { j }
    }

    /// Calls the stage on the first `count` views; how many it processed.
    fn call(&mut self, st: &mut Stage, count: usize) -> usize {
        let (views, handles) = (&self.views[..count], &self.handles[..count]);
        let statuses = &mut self.statuses[..count];
        match &mut st.held {
            Some(h) if h.batches() => h.process_batch(views, handles, statuses).unwrap_or(0),
            held => {
                let mut done = 0;
                for j in 0..count {
                    let status = match held {
                        Some(h) => h.process(&views[j], handles[j]),
                        None => st.instance.process(&views[j], handles[j]),
                    };
                    let Some(status) = status else { break };
                    statuses[j] = status;
                    done += 1;
                    if matches!(
                        status,
                        abi::ASYNCLOG_PLUGIN_FATAL | abi::ASYNCLOG_PLUGIN_PANIC
                    ) {
                        break;
                    }
                }
                done
            }
        }
    }

    /// Applies the statuses and edits of the `done` records processed of
    /// `count`.
    fn apply(&mut self, st: &mut Stage, count: usize, done: usize) {
        // Failures that leave the instance running: counted one by one,
        // with the message of the last (the one the plugin set last).
        let mut failed = 0;
        let mut last_failure = abi::ASYNCLOG_PLUGIN_OK;
        if self.gathered {
            for &i in self.live.iter() {
                self.records[i].edit.active = false;
            }
        } else {
            for r in self.records.iter_mut() {
                r.edit.active = false;
            }
        }
        for j in 0..done {
            let status = self.statuses[j];
            if status == abi::ASYNCLOG_PLUGIN_OK && !self.records[self.index(j)].edit.touched {
                continue;
            }
            let i = self.index(j);
            match status {
                abi::ASYNCLOG_PLUGIN_OK => self.take_edit(st, i),
                abi::ASYNCLOG_PLUGIN_FATAL | abi::ASYNCLOG_PLUGIN_PANIC => {
                    st.instance.add_errors(failed);
                    // Retiring destroys the instance, under its lock.
                    st.held = None;
                    st.instance.retire(status, "process");
                    let rest = count - j - 1;
                    st.instance
                        .passed_through
                        .fetch_add(rest as u64, Ordering::Relaxed);
                    return;
                }
                status => {
                    failed += 1;
                    last_failure = status;
                }
            }
        }
        if failed > 0 {
            st.instance.add_errors(failed - 1);
            st.instance.note_error(last_failure, "process");
        }
        if done < count {
            if st.held.as_ref().is_some_and(|h| h.batches()) {
                // A `process_batch` that stopped without saying why.
                st.held = None;
                st.instance.host.set_error(
                    "it stopped before the end of the batch without FATAL or PANIC".into(),
                );
                st.instance
                    .retire(abi::ASYNCLOG_PLUGIN_FATAL, "process_batch");
            }
            // Otherwise the instance was destroyed under the call.
            st.instance
                .passed_through
                .fetch_add((count - done) as u64, Ordering::Relaxed);
        }
    }

    /// Applies what a stage asked for record `i`.
    #[cold]
    fn take_edit(&mut self, st: &Stage, i: usize) {
        let raw = self.chunk[i].record().as_slice();
        let r = &mut self.records[i];
        if r.edit.drop {
            st.instance.filtered.fetch_add(1, Ordering::Relaxed);
            r.outcome = Outcome::Dropped;
            self.dropped = true;
        } else if r.edit.changes() {
            let (current, spare) = r.bufs.split(r.outcome == Outcome::Edited, raw);
            rebuild(&RecordView::decode(current), &r.edit, self.limits, spare);
            r.swap();
        }
    }
}

/// A record with no parts, to fill the view buffers with at first.
const EMPTY_RECORD: &[u8] = &[0; crate::record::HEADER_BYTES];

/// The view a stage is shown of a record: as the queue holds it
/// (`decoded`), or as an earlier stage edited it.
#[inline]
fn view_of(r: &Edits, decoded: &RecordView<'_>) -> abi::asynclog_record_view {
    match r.outcome {
        Outcome::Edited => abi_view(&RecordView::decode(r.current().as_slice())),
        _ => abi_view(decoded),
    }
}

fn abi_view(view: &RecordView<'_>) -> abi::asynclog_record_view {
    abi::asynclog_record_view {
        level: view.level as u32,
        ts_nanos: view.ts_nanos,
        logger: text(view.name.as_bytes()),
        message: text(view.message.as_bytes()),
        context: text(view.context),
        bound: text(view.bound),
        fields: text(view.fields),
    }
}

fn text(b: &[u8]) -> abi::asynclog_bytes {
    abi::asynclog_bytes {
        ptr: b.as_ptr(),
        len: b.len(),
    }
}

/// Writes `record` into `out` with `statics` put first among the event's
/// fields. Encoders keep the last of repeated keys, so the event's own
/// fields win over static ones, and static ones over bound fields and
/// context, as with fields a plugin adds per record. The fields are the
/// record's last part, so no length in the header changes.
#[inline(never)]
fn with_statics(record: &[u8], statics: &[u8], out: &mut RecBuf) {
    let view = RecordView::decode(record);
    let fields_at = record.len() - view.fields.len();
    out.clear();
    out.extend(&record[..fields_at]);
    out.extend(statics);
    out.extend(view.fields);
}

/// Writes `view` with `edit` applied into `out`.
#[inline(never)]
fn rebuild(view: &RecordView<'_>, edit: &EditState, limits: &Limits, out: &mut RecBuf) {
    out.clear();
    crate::record::begin_record(out, view.level, view.name, view.ts_nanos);
    let mut flags = view.flags;

    let start = out.len();
    flags |= copy_list(out, view.context, edit, limits, false);
    let ctx_len = out.len() - start;

    let start = out.len();
    flags |= copy_list(out, view.bound, edit, limits, false);
    let bound_len = out.len() - start;

    let start = out.len();
    match &edit.message {
        Some(r) => {
            let mut stats = crate::value::WriteStats::default();
            crate::record::write_message(out, edit.text(r), false, limits, &mut stats);
            if stats.truncated > 0 {
                flags |= FLAG_TRUNCATED;
            }
            if stats.invalid_utf8 > 0 {
                flags |= FLAG_INVALID_UTF8;
            }
        }
        None => out.extend(view.message.as_bytes()),
    }
    let msg_len = out.len() - start;

    flags |= copy_list(out, view.fields, edit, limits, true);

    crate::record::finish_header(out, flags, ctx_len, bound_len, msg_len);
}

/// Copies one field list, replacing values as `edit` asks, and with the
/// additions when `with_adds`. Returns the record flags it caused.
fn copy_list(
    out: &mut RecBuf,
    list: &[u8],
    edit: &EditState,
    limits: &Limits,
    with_adds: bool,
) -> u8 {
    let adding = with_adds && !edit.adds.is_empty();
    if edit.replaces.is_empty() {
        // Nothing to replace: the list is copied as it is, and additions
        // are written after it (they count against `max_fields` on their
        // own).
        out.extend(list);
        if !adding {
            return 0;
        }
    }
    let mut w = FieldWriter::new(out, limits);
    if !edit.replaces.is_empty() {
        copy_entries(&mut w, Entries::object(list), true, edit);
    }
    if with_adds {
        for (i, (key, value)) in edit.adds.iter().enumerate() {
            let key = edit.text(key);
            // The event's own field, or an earlier addition, wins.
            let present = Entries::object(list).any(|(k, _)| k.as_bytes() == key)
                || edit.adds[..i].iter().any(|(k, _)| edit.text(k) == key);
            if present {
                continue;
            }
            match value {
                Added::Str(v) => w.str(Some(key), edit.text(v)),
                Added::I64(n) => w.i64(Some(key), *n),
            }
        }
    }
    w.finish();
    let mut flags = 0;
    if w.stats.truncated > 0 {
        flags |= FLAG_TRUNCATED;
    }
    if w.stats.invalid_utf8 > 0 {
        flags |= FLAG_INVALID_UTF8;
    }
    flags
}

fn copy_entries(w: &mut FieldWriter<'_>, entries: Entries<'_>, keyed: bool, edit: &EditState) {
    for (key, item) in entries {
        let key = keyed.then_some(key.as_bytes());
        if let Some(k) = key {
            if let Some((_, value)) = edit.replaces.iter().rev().find(|(r, _)| edit.text(r) == k) {
                w.str(key, edit.text(value));
                continue;
            }
        }
        match item {
            Item::Null => w.null(key),
            Item::Bool(b) => w.bool(key, b),
            Item::I64(n) => w.i64(key, n),
            Item::U64(n) => w.u64(key, n),
            Item::F64(n) => w.f64(key, n),
            Item::Str(s) => w.str(key, s.as_bytes()),
            Item::Bytes(b) => w.bytes(key, b),
            Item::Object(inner) => {
                if w.begin_object(key) {
                    copy_entries(w, Entries::object(inner), true, edit);
                    w.end();
                }
            }
            Item::Array(inner) => {
                if w.begin_array(key) {
                    copy_entries(w, Entries::array(inner), false, edit);
                    w.end();
                }
            }
        }
    }
}
