//! Processor plugins as stages of the worker: each record that passes the
//! logger's level and sampling goes through them in order (enrichers,
//! then filters, then redactors) before it is encoded for any sink.
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
use crate::record::{FLAG_INVALID_UTF8, FLAG_TRUNCATED, Limits, RecBuf, RecordView};
use crate::tlv::{Entries, Item};
use crate::value::FieldWriter;

/// What the stages made of a record.
pub(crate) enum Outcome<'a> {
    /// Nothing changed: use the record as it is.
    Unchanged,
    /// A stage edited it: use this record instead.
    Edited(&'a RecBuf),
    /// A stage dropped it.
    Dropped,
}

/// The processor stages of one logger, owned by its worker.
pub(crate) struct Stages {
    stages: Vec<Stage>,
    edit: Box<EditState>,
    /// The edited record and the buffer the next edit is written to, in
    /// turn: `flip` says which is which, so that an edit swaps a flag, not
    /// two inline buffers of a quarter kilobyte each.
    a: RecBuf,
    b: RecBuf,
    flip: bool,
    /// Set when every stage only adds static fields and every encoder can
    /// write them pre-rendered: records then pass the stages untouched,
    /// and the encoders add the fields.
    rendered: Option<Statics>,
}

/// The edited record (`.0`) and the spare buffer (`.1`) of `Stages`.
macro_rules! bufs {
    ($s:expr) => {
        if $s.flip {
            (&$s.b, &mut $s.a)
        } else {
            (&$s.a, &mut $s.b)
        }
    };
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

// SAFETY: the only member that is not `Send` is a stage's `held` lock
// guard, which exists only between `begin_pass` and `end_pass` on the
// worker's thread. `Stages` moves to that thread once, before any pass.
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
            edit: Box::default(),
            a: RecBuf::new(),
            b: RecBuf::new(),
            flip: false,
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

    /// Runs every stage on `record`, which `decoded` is the view of.
    ///
    /// Kept out of the worker's loop, with the rare paths (static fields,
    /// edits, failures) out of line, so that a record no stage changes
    /// costs a call and little else.
    #[inline(never)]
    pub(crate) fn run<'s>(
        &'s mut self,
        record: &[u8],
        decoded: &RecordView<'_>,
        limits: &Limits,
    ) -> Outcome<'s> {
        if self.rendered.is_some() {
            return Outcome::Unchanged;
        }
        let mut edited = false;
        for st in &mut self.stages {
            let retired = st.instance.is_retired();
            if !st.statics.is_empty() && !retired {
                let (current, spare) = bufs!(self);
                let bytes = if edited { current.as_slice() } else { record };
                with_statics(bytes, &st.statics, spare);
                self.flip = !self.flip;
                edited = true;
            }
            if st.statics_only {
                continue;
            }
            if retired {
                st.instance.passed_through.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            let (current, spare) = bufs!(self);
            let redecoded;
            let view = if edited {
                redecoded = RecordView::decode(current.as_slice());
                &redecoded
            } else {
                decoded
            };
            let abi_view = abi::asynclog_record_view {
                level: view.level as u32,
                ts_nanos: view.ts_nanos,
                logger: text(view.name.as_bytes()),
                message: text(view.message.as_bytes()),
                context: text(view.context),
                bound: text(view.bound),
                fields: text(view.fields),
            };
            let edit = &mut *self.edit;
            edit.begin();
            let handle = edit.as_abi();
            let status = match &mut st.held {
                Some(h) => h.process(&abi_view, handle),
                None => st.instance.process(&abi_view, handle),
            };
            edit.active = false;
            match status {
                Some(abi::ASYNCLOG_PLUGIN_OK) => {
                    if !edit.touched {
                        continue;
                    }
                    if edit.drop {
                        st.instance.filtered.fetch_add(1, Ordering::Relaxed);
                        return Outcome::Dropped;
                    }
                    if edit.changes() {
                        rebuild(view, edit, limits, spare);
                        self.flip = !self.flip;
                        edited = true;
                    }
                }
                None => {
                    st.instance.passed_through.fetch_add(1, Ordering::Relaxed);
                }
                Some(status @ (abi::ASYNCLOG_PLUGIN_FATAL | abi::ASYNCLOG_PLUGIN_PANIC)) => {
                    // Retiring destroys the instance, under its lock.
                    st.held = None;
                    st.instance.retire(status, "process");
                }
                Some(status) => st.instance.note_error(status, "process"),
            }
        }
        if edited {
            Outcome::Edited(bufs!(self).0)
        } else {
            Outcome::Unchanged
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
