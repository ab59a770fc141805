//! Encoders: a record in, one line of output out.
//!
//! Every encoder writes the same parts in the same order: timestamp, level,
//! logger name, message, then context fields, bound fields and the event's
//! own fields. Keys are unique within every object: when a key repeats, the
//! last one wins (the event over bound fields over context), and a field
//! that reuses a reserved key (`ts`, `level`, `logger`, `msg`) is written as
//! `fields.<key>` instead.

mod console;
mod json;
mod logfmt;
pub(crate) mod time;

use std::mem::MaybeUninit;

use crate::config::EncoderConfig;
use crate::record::RecordView;
use crate::tlv::{Entries, Item};

pub(crate) use console::Console;
pub(crate) use json::Json;
pub(crate) use logfmt::Logfmt;

/// Keys the encoders write themselves.
pub(crate) const RESERVED: [&str; 4] = ["ts", "level", "logger", "msg"];

/// Prefix given to a field whose key is reserved.
pub(crate) const RENAMED_PREFIX: &str = "fields.";

/// One of the built-in encoders, with its per-worker state.
pub(crate) enum Encoder {
    Json(Json),
    Logfmt(Logfmt),
    Console(Console),
}

impl Encoder {
    /// An encoder for `cfg`; `tty` says whether the sink is a terminal.
    pub(crate) fn new(cfg: EncoderConfig, tty: bool) -> Encoder {
        match cfg {
            EncoderConfig::Ndjson => Encoder::Json(Json::new()),
            EncoderConfig::Logfmt => Encoder::Logfmt(Logfmt::new()),
            EncoderConfig::Console { color } => Encoder::Console(Console::new(color, tty)),
        }
    }

    /// Appends one encoded record, newline included.
    #[inline]
    pub(crate) fn encode(&mut self, rec: &RecordView<'_>, out: &mut Vec<u8>) {
        match self {
            Encoder::Json(e) => e.encode(rec, out),
            Encoder::Logfmt(e) => e.encode(rec, out),
            Encoder::Console(e) => e.encode(rec, out),
        }
    }

    /// True when this encoder writes static fields from their
    /// pre-rendered form ([`Encoder::encode_with`]).
    pub(crate) fn renders_statics(&self) -> bool {
        matches!(self, Encoder::Json(_))
    }

    /// Appends one encoded record with `statics` added. Only for an
    /// encoder that [`Encoder::renders_statics`].
    #[inline]
    pub(crate) fn encode_with(
        &mut self,
        rec: &RecordView<'_>,
        statics: &Statics,
        out: &mut Vec<u8>,
    ) {
        match self {
            Encoder::Json(e) => e.encode_with(rec, statics, out),
            // Not reached: the worker renders statics only when every
            // encoder can; the others get records with the fields in them.
            Encoder::Logfmt(e) => e.encode(rec, out),
            Encoder::Console(e) => e.encode(rec, out),
        }
    }
}

/// An entry ready to write: key, value, and whether the key was renamed.
pub(crate) type Entry<'a> = (&'a str, Item<'a>, bool);

const INLINE_ENTRIES: usize = 48;

/// The entries of one object, kept in stack storage for ordinary sizes.
/// The storage is borrowed, never moved, so building a list costs nothing
/// up front.
struct EntryList<'s, 'a> {
    inline: &'s mut [MaybeUninit<Entry<'a>>; INLINE_ENTRIES],
    len: usize,
    spill: Vec<Entry<'a>>,
    /// One bit per key fingerprint seen; two keys with the same bit may
    /// be equal.
    seen: u64,
    /// True once two keys shared a fingerprint: only then is the list
    /// searched for repeats.
    maybe_repeats: bool,
}

/// A key's bit in [`EntryList::seen`]: its length and four of its bytes
/// (first, second, middle, last), mixed by one multiplication, which tells
/// apart the usual keys of one record.
#[inline(always)]
fn fingerprint(key: &str, renamed: bool) -> u64 {
    let b = key.as_bytes();
    let n = b.len();
    let x = match n {
        0 => 0,
        _ => {
            n as u64
                | (b[0] as u64) << 8
                | (b[n - 1] as u64) << 16
                | (b[n / 2] as u64) << 24
                | (b[1.min(n - 1)] as u64) << 32
                | (renamed as u64) << 40
        }
    };
    1u64 << (x.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58)
}

impl<'s, 'a> EntryList<'s, 'a> {
    #[inline(always)]
    fn new(inline: &'s mut [MaybeUninit<Entry<'a>>; INLINE_ENTRIES]) -> EntryList<'s, 'a> {
        EntryList {
            inline,
            len: 0,
            spill: Vec::new(),
            seen: 0,
            maybe_repeats: false,
        }
    }

    /// Pushes the entries of top-level field lists, reserved keys marked
    /// for renaming.
    #[inline(always)]
    fn push_top(&mut self, parts: &[&'a [u8]]) {
        for part in parts {
            for (k, v) in Entries::object(part) {
                self.push((k, v, is_reserved(k)));
            }
        }
    }

    #[inline(always)]
    fn push(&mut self, e: Entry<'a>) {
        let bit = fingerprint(e.0, e.2);
        self.maybe_repeats |= self.seen & bit != 0;
        self.seen |= bit;
        if self.len < INLINE_ENTRIES {
            self.inline[self.len].write(e);
            self.len += 1;
        } else {
            self.spill.push(e);
        }
    }

    #[inline]
    fn get(&self, i: usize) -> &Entry<'a> {
        if i < self.len {
            // SAFETY: slots below `len` were written by `push`.
            unsafe { self.inline[i].assume_init_ref() }
        } else {
            &self.spill[i - self.len]
        }
    }

    /// The number of entries pushed.
    #[inline(always)]
    fn total(&self) -> usize {
        self.len + self.spill.len()
    }

    /// Calls `f` for each entry whose key does not appear again later.
    #[inline(always)]
    fn for_each_unique(&self, mut f: impl FnMut(&Entry<'a>)) {
        self.for_each_unique_at(|_, e| f(e));
    }

    /// [`EntryList::for_each_unique`], with each entry's position.
    #[inline(always)]
    fn for_each_unique_at(&self, mut f: impl FnMut(usize, &Entry<'a>)) {
        let n = self.total();
        if !self.maybe_repeats {
            // Every key has a fingerprint of its own, so no key repeats.
            for i in 0..n {
                f(i, self.get(i));
            }
            return;
        }
        'outer: for i in 0..n {
            let e = self.get(i);
            for j in i + 1..n {
                let later = self.get(j);
                if later.0.len() == e.0.len() && later.2 == e.2 && later.0 == e.0 {
                    continue 'outer;
                }
            }
            f(i, e);
        }
    }

    /// True when an entry has one of `rendered`'s keys.
    #[inline]
    fn has_any(&self, rendered: &Rendered) -> bool {
        self.seen & rendered.mask != 0
            && (0..self.total()).any(|i| {
                let e = self.get(i);
                rendered
                    .keys
                    .iter()
                    .any(|(k, r)| *r == e.2 && k.as_str() == e.0)
            })
    }
}

/// Calls `f` for each top-level entry of a record, de-duplicated: context,
/// then bound fields, then the event's fields, reserved keys renamed.
#[inline(always)]
pub(crate) fn for_each_top<'a>(rec: &RecordView<'a>, f: impl FnMut(&Entry<'a>)) {
    let mut storage = [const { MaybeUninit::uninit() }; INLINE_ENTRIES];
    let mut list = EntryList::new(&mut storage);
    list.push_top(&[rec.context, rec.bound, rec.fields]);
    list.for_each_unique(f);
}

/// Top-level members rendered once as NDJSON text, with their keys, to
/// tell whether a record repeats one of them: a plugin's static fields, a
/// logger's bound fields.
#[derive(Debug, Default)]
pub(crate) struct Rendered {
    /// Each key, and whether it is written renamed.
    keys: Vec<(String, bool)>,
    /// The union of the keys' fingerprints.
    mask: u64,
    /// The members, comma-separated: `"k":"v","n":1`.
    pub json: Vec<u8>,
}

impl Rendered {
    /// Renders a top-level field list (a logger's bound fields), repeated
    /// keys left out as [`for_each_top`] leaves them out.
    fn of_fields(fields: &[u8]) -> Rendered {
        let mut storage = [const { MaybeUninit::uninit() }; INLINE_ENTRIES];
        let mut list = EntryList::new(&mut storage);
        list.push_top(&[fields]);
        let mut r = Rendered::default();
        list.for_each_unique(|e| r.push(e));
        r
    }

    /// Appends one member.
    fn push(&mut self, &(key, item, renamed): &Entry<'_>) {
        self.mask |= fingerprint(key, renamed);
        self.keys.push((key.to_string(), renamed));
        if !self.json.is_empty() {
            self.json.push(b',');
        }
        json::write_entry(&mut self.json, &(key, item, renamed));
    }

    /// True when `other` has one of these keys.
    fn overlaps(&self, other: &Rendered) -> bool {
        self.mask & other.mask != 0 && self.keys.iter().any(|k| other.keys.contains(k))
    }
}

/// Static fields a plugin gave once, ready for encoders that can write
/// them as pre-rendered text, and the encoded list (for when an event has
/// one of their keys).
#[derive(Debug, Default)]
pub(crate) struct Statics {
    /// The fields, in the field encoding, repeated keys removed.
    pub encoded: Vec<u8>,
    /// The fields as NDJSON members.
    pub rendered: Rendered,
}

impl Statics {
    /// Prepares `encoded` (the field encoding, later keys losing to
    /// earlier ones, as among plugin stages).
    pub(crate) fn new(encoded: &[u8]) -> Statics {
        let mut kept: Vec<(&str, Item<'_>)> = Vec::new();
        for (k, v) in Entries::object(encoded) {
            if !kept.iter().any(|(seen, _)| *seen == k) {
                kept.push((k, v));
            }
        }
        let mut st = Statics::default();
        let mut w_buf = crate::record::RecBuf::new();
        let limits = crate::record::Limits::default();
        {
            let mut w = crate::value::FieldWriter::new(&mut w_buf, &limits);
            for (k, v) in &kept {
                let key = Some(k.as_bytes());
                // The host API gives only strings and integers; the other
                // scalars are kept for completeness, containers never come.
                match *v {
                    Item::Null => w.null(key),
                    Item::Bool(b) => w.bool(key, b),
                    Item::I64(n) => w.i64(key, n),
                    Item::U64(n) => w.u64(key, n),
                    Item::F64(n) => w.f64(key, n),
                    Item::Str(t) => w.str(key, t.as_bytes()),
                    Item::Bytes(b) => w.bytes(key, b),
                    Item::Object(_) | Item::Array(_) => {}
                }
            }
            w.finish();
        }
        st.encoded = w_buf.as_slice().to_vec();
        for &(k, v) in &kept {
            st.rendered.push(&(k, v, is_reserved(k)));
        }
        st
    }
}

/// Like [`for_each_top`], for a record that `statics` apply to, placed
/// between the bound fields and the event's own (so the event wins). When
/// no key of the record is a static one, the statics are left out of the
/// walk and `true` is returned: the caller writes them itself, as one
/// pre-rendered piece. Otherwise they are walked with the rest.
#[inline(always)]
pub(crate) fn for_each_top_with<'a>(
    rec: &RecordView<'a>,
    statics: &'a Statics,
    mut f: impl FnMut(&Entry<'a>),
) -> bool {
    let mut storage = [const { MaybeUninit::uninit() }; INLINE_ENTRIES];
    let mut list = EntryList::new(&mut storage);
    list.push_top(&[rec.context, rec.bound, rec.fields]);
    if !list.has_any(&statics.rendered) {
        list.for_each_unique(&mut f);
        return true;
    }
    let mut storage = [const { MaybeUninit::uninit() }; INLINE_ENTRIES];
    let mut list = EntryList::new(&mut storage);
    list.push_top(&[rec.context, rec.bound, &statics.encoded, rec.fields]);
    list.for_each_unique(f);
    false
}

/// The bound fields of recent records, rendered the second time they are
/// seen. A child logger's bound fields are the same bytes in each of its
/// records, so a logger with bound fields pays for writing them once
/// rather than once per record. Records of loggers seen only once cost a
/// hash of their bound bytes.
pub(crate) struct BoundCache {
    slots: Vec<BoundSlot>,
    /// The slot that matched last.
    last: usize,
}

#[derive(Default)]
struct BoundSlot {
    hash: u64,
    bytes: Vec<u8>,
    rendered: Option<Rendered>,
}

impl BoundCache {
    /// Slots, a power of two: as many loggers with bound fields as log
    /// in turn without evicting each other, give or take collisions.
    const SLOTS: usize = 16;
    /// Longest bound-field list kept.
    const MAX_BYTES: usize = 4096;

    pub(crate) fn new() -> BoundCache {
        BoundCache {
            slots: (0..Self::SLOTS).map(|_| BoundSlot::default()).collect(),
            last: 0,
        }
    }

    /// The rendered form of `bound`, if these bytes were seen before.
    #[inline]
    pub(crate) fn get(&mut self, bound: &[u8]) -> Option<&Rendered> {
        let last = self.last;
        if self.slots[last].rendered.is_some() && self.slots[last].bytes == bound {
            return self.slots[last].rendered.as_ref();
        }
        if bound.len() > Self::MAX_BYTES {
            return None;
        }
        let hash = hash_bytes(bound);
        let i = hash as usize & (Self::SLOTS - 1);
        let slot = &mut self.slots[i];
        if slot.hash == hash && slot.bytes == bound {
            if slot.rendered.is_none() {
                slot.rendered = Some(Rendered::of_fields(bound));
            }
            self.last = i;
            return self.slots[i].rendered.as_ref();
        }
        slot.hash = hash;
        slot.bytes.clear();
        slot.bytes.extend_from_slice(bound);
        slot.rendered = None;
        None
    }
}

/// A fast, non-cryptographic hash of a short byte string.
#[inline]
fn hash_bytes(b: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = b.len() as u64;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().unwrap());
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    }
    let mut tail = [0u8; 8];
    tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    h = (h.rotate_left(5) ^ u64::from_le_bytes(tail)).wrapping_mul(K);
    h ^ h >> 29
}

/// Calls `f` for the top-level entries of a record whose bound fields are
/// `bound`, rendered, and `f(None)` where those go (after the context,
/// before the event's fields), in the order [`for_each_top_with`] (or
/// [`for_each_top`], without `statics`) would. False, having called
/// nothing, when a key of the record or of `statics` is one of the bound
/// fields' keys, or one of the statics' is the record's: the caller then
/// walks the record as usual.
#[inline(always)]
pub(crate) fn for_each_top_rendered<'a>(
    rec: &RecordView<'a>,
    bound: &Rendered,
    statics: Option<&Statics>,
    mut f: impl FnMut(Option<&Entry<'a>>),
) -> bool {
    let mut storage = [const { MaybeUninit::uninit() }; INLINE_ENTRIES];
    let mut list = EntryList::new(&mut storage);
    list.push_top(&[rec.context]);
    let split = list.total();
    list.push_top(&[rec.fields]);
    if list.has_any(bound) {
        return false;
    }
    if let Some(st) = statics
        && (list.has_any(&st.rendered) || bound.overlaps(&st.rendered))
    {
        return false;
    }
    let mut written = false;
    list.for_each_unique_at(|i, e| {
        if !written && i >= split {
            f(None);
            written = true;
        }
        f(Some(e));
    });
    if !written {
        f(None);
    }
    true
}

/// Calls `f` for each entry of a nested object, de-duplicated.
#[inline(always)]
pub(crate) fn for_each_in_object<'a>(body: &'a [u8], f: impl FnMut(&Entry<'a>)) {
    let mut storage = [const { MaybeUninit::uninit() }; INLINE_ENTRIES];
    let mut list = EntryList::new(&mut storage);
    for (k, v) in Entries::object(body) {
        list.push((k, v, false));
    }
    list.for_each_unique(f);
}

#[inline]
fn is_reserved(k: &str) -> bool {
    k.len() <= 6 && RESERVED.contains(&k)
}

#[cfg(test)]
mod tests;

/// Appends `s` as a quoted JSON string.
pub(crate) fn json_write_str(out: &mut Vec<u8>, s: &str) {
    json::write_str(out, s);
}
