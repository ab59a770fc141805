//! The compact binary record every event becomes at the call.
//!
//! A producer writes one [`RecBuf`]: a fixed header, the logger's name, the
//! caller's context, the logger's bound fields, the message and the event's
//! fields. Small records live inline in the queue slot, so the steady state
//! allocates nothing; larger ones spill to the heap.
//!
//! Fields use the *field encoding*, a tag-length-value format that the C ABI
//! also accepts pre-built (`asynclog_log_record`), so bindings can build a
//! record in their own memory and hand it over in one call:
//!
//! | tag | value | payload after the tag (all integers little-endian) |
//! |---|---|---|
//! | `0x01` | null | nothing |
//! | `0x02` / `0x03` | false / true | nothing |
//! | `0x04` | signed 64-bit | 8 bytes |
//! | `0x05` | unsigned 64-bit | 8 bytes |
//! | `0x06` | double | 8 bytes, IEEE 754 |
//! | `0x07` | UTF-8 string | `u32` length, bytes |
//! | `0x08` | bytes | `u32` length, bytes |
//! | `0x09` | object | `u32` length of the contents, then entries |
//! | `0x0a` | array | `u32` length of the contents, then values |
//!
//! An entry of an object (and the top level of a field list) is the tag, a
//! `u16` key length, the key's UTF-8 bytes, then the payload. A value inside
//! an array is the tag and the payload, without a key.

use std::fmt;
use std::mem::MaybeUninit;

/// Tags of the field encoding.
pub mod tag {
    /// Null.
    pub const NULL: u8 = 0x01;
    /// Boolean false.
    pub const FALSE: u8 = 0x02;
    /// Boolean true.
    pub const TRUE: u8 = 0x03;
    /// Signed 64-bit integer.
    pub const I64: u8 = 0x04;
    /// Unsigned 64-bit integer.
    pub const U64: u8 = 0x05;
    /// IEEE 754 double.
    pub const F64: u8 = 0x06;
    /// UTF-8 string.
    pub const STR: u8 = 0x07;
    /// Raw bytes (written as base64 by text encoders).
    pub const BYTES: u8 = 0x08;
    /// Object: entries with keys.
    pub const OBJECT: u8 = 0x09;
    /// Array: values without keys.
    pub const ARRAY: u8 = 0x0a;
}

/// Appended to a string that was cut at its limit.
pub const TRUNCATION_MARKER: &str = "...[truncated]";

/// Written in place of a value nested deeper than the limit.
pub const DEPTH_MARKER: &str = "[max depth exceeded]";

/// Key of the field added when fields past `max_fields` were left out; its
/// value is how many.
pub const DROPPED_FIELDS_KEY: &str = "asynclog.dropped_fields";

/// Size limits applied to every event at the call.
///
/// Oversized parts are truncated with a marker and counted in the
/// `truncated` metric; only a record still larger than `max_record_bytes`
/// after that is dropped, counted as `too_large`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Longest message, and longest string or bytes value, in bytes.
    /// Default 64 KiB.
    pub max_message_bytes: usize,
    /// Most fields in one event, counting nested ones. Default 256.
    pub max_fields: usize,
    /// Deepest nesting of objects and arrays, at most 64. Default 16.
    pub max_depth: usize,
    /// Largest whole record in bytes. Default 1 MiB.
    pub max_record_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_message_bytes: 64 << 10,
            max_fields: 256,
            max_depth: 16,
            max_record_bytes: 1 << 20,
        }
    }
}

/// Bytes kept inline in a queue slot before a record spills to the heap.
pub const INLINE_BYTES: usize = 228;

/// A growable byte buffer that keeps small records inline.
pub struct RecBuf {
    len: u32,
    inline: MaybeUninit<[u8; INLINE_BYTES]>,
    /// Spilled bytes. Boxed so that an all-zero `RecBuf` is a valid empty
    /// one (`None` of an `Option<Box<_>>` is guaranteed to be null), which
    /// lets the queue allocate its slots zeroed and untouched.
    #[allow(clippy::box_collection)]
    heap: Option<Box<Vec<u8>>>,
}

impl RecBuf {
    /// An empty buffer.
    #[inline]
    pub fn new() -> RecBuf {
        RecBuf {
            len: 0,
            inline: MaybeUninit::uninit(),
            heap: None,
        }
    }

    /// Number of bytes written.
    #[inline]
    pub fn len(&self) -> usize {
        match &self.heap {
            Some(v) => v.len(),
            None => self.len as usize,
        }
    }

    /// True when nothing was written.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The timestamp in the record's header, as the call stored it (a raw
    /// counter reading or nanoseconds, see [`crate::clock`]); 0 for a
    /// buffer too short to hold a header.
    #[inline]
    pub(crate) fn stamp(&self) -> u64 {
        match self.as_slice().get(STAMP) {
            Some(b) => u64::from_le_bytes(b.try_into().unwrap()),
            None => 0,
        }
    }

    /// Bytes held on the heap: 0 while the record fits inline.
    #[inline]
    pub fn heap_bytes(&self) -> usize {
        self.heap.as_ref().map_or(0, |v| v.capacity())
    }

    /// The bytes written so far.
    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        match &self.heap {
            Some(v) => v,
            // SAFETY: the first `len` inline bytes were written.
            None => unsafe {
                std::slice::from_raw_parts(self.inline.as_ptr().cast::<u8>(), self.len as usize)
            },
        }
    }

    /// The bytes written so far, mutably (for back-patching lengths).
    #[inline]
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        match &mut self.heap {
            Some(v) => v,
            // SAFETY: the first `len` inline bytes were written.
            None => unsafe {
                std::slice::from_raw_parts_mut(
                    self.inline.as_mut_ptr().cast::<u8>(),
                    self.len as usize,
                )
            },
        }
    }

    /// Appends bytes.
    #[inline(always)]
    pub fn extend(&mut self, bytes: &[u8]) {
        let len = self.len as usize;
        if self.heap.is_none() && len + bytes.len() <= INLINE_BYTES {
            // SAFETY: the destination range lies inside the inline array
            // and cannot overlap `bytes`, which the caller borrows.
            unsafe { copy_bytes(bytes, self.inline.as_mut_ptr().cast::<u8>().add(len)) };
            self.len = (len + bytes.len()) as u32;
        } else {
            self.extend_spilled(bytes);
        }
    }

    /// Room for `n` more bytes in the inline storage, if the record has
    /// not spilled and they fit: a pointer to write them at, made part of
    /// the record by [`RecBuf::commit`].
    #[inline(always)]
    pub(crate) fn inline_spare(&mut self, n: usize) -> Option<*mut u8> {
        let len = self.len as usize;
        if self.heap.is_none() && len + n <= INLINE_BYTES {
            // SAFETY: `len` is within the inline array.
            Some(unsafe { self.inline.as_mut_ptr().cast::<u8>().add(len) })
        } else {
            None
        }
    }

    /// Makes `n` bytes written at the pointer from [`RecBuf::inline_spare`]
    /// part of the record.
    ///
    /// # Safety
    /// `inline_spare(n)` must have returned a pointer, with nothing else
    /// written since, and all `n` bytes must be written.
    #[inline(always)]
    pub(crate) unsafe fn commit(&mut self, n: usize) {
        self.len += n as u32;
    }

    /// Appends to the heap part, moving the inline bytes there first.
    #[cold]
    #[inline(never)]
    fn extend_spilled(&mut self, bytes: &[u8]) {
        if let Some(v) = &mut self.heap {
            v.extend_from_slice(bytes);
            return;
        }
        let len = self.len as usize;
        let mut v = Vec::with_capacity((len + bytes.len()).max(2 * INLINE_BYTES));
        v.extend_from_slice(self.as_slice());
        v.extend_from_slice(bytes);
        self.heap = Some(Box::new(v));
    }

    /// Empties the buffer, keeping inline storage.
    #[inline]
    pub fn clear(&mut self) {
        self.len = 0;
        self.heap = None;
    }

    /// Frees spilled bytes, leaving an empty buffer.
    #[inline]
    pub(crate) fn release_heap(&mut self) {
        if self.heap.is_some() {
            self.heap = None;
            self.len = 0;
        }
    }

    /// Appends one byte.
    #[inline]
    pub fn push(&mut self, b: u8) {
        self.extend(&[b]);
    }

    /// Shortens the buffer to `len` bytes.
    #[inline]
    pub fn truncate(&mut self, len: usize) {
        match &mut self.heap {
            Some(v) => v.truncate(len),
            None => self.len = self.len.min(len as u32),
        }
    }

    /// Overwrites four bytes at `at` with `n`, little-endian.
    #[inline]
    pub fn patch_u32(&mut self, at: usize, n: u32) {
        self.as_mut_slice()[at..at + 4].copy_from_slice(&n.to_le_bytes());
    }

    /// The record's header, which [`begin_record`] wrote.
    #[inline]
    fn header_mut(&mut self) -> &mut [u8; HEADER_BYTES] {
        let bytes = self.as_mut_slice();
        assert!(
            bytes.len() >= HEADER_BYTES,
            "a record begins with its header"
        );
        // SAFETY: the slice holds at least `HEADER_BYTES` bytes, and a byte
        // array has no alignment.
        unsafe { &mut *bytes.as_mut_ptr().cast::<[u8; HEADER_BYTES]>() }
    }

    /// Overwrites two bytes at `at` with `n`, little-endian.
    #[inline]
    pub fn patch_u16(&mut self, at: usize, n: u16) {
        self.as_mut_slice()[at..at + 2].copy_from_slice(&n.to_le_bytes());
    }
}

/// Copies `src` to `dst`. Short copies, the common case for keys and
/// values, are done with a few unaligned loads and stores instead of a call
/// to `memcpy`.
///
/// # Safety
/// `dst` must be valid for writing `src.len()` bytes and must not overlap
/// `src`.
#[inline(always)]
pub(crate) unsafe fn copy_bytes(src: &[u8], dst: *mut u8) {
    let n = src.len();
    let s = src.as_ptr();
    // SAFETY: every access stays within `src[..n]` and `dst[..n]`.
    unsafe {
        if n >= 8 {
            if n <= 16 {
                let a = s.cast::<u64>().read_unaligned();
                let b = s.add(n - 8).cast::<u64>().read_unaligned();
                dst.cast::<u64>().write_unaligned(a);
                dst.add(n - 8).cast::<u64>().write_unaligned(b);
            } else if n <= 32 {
                let a = s.cast::<u128>().read_unaligned();
                let b = s.add(n - 16).cast::<u128>().read_unaligned();
                dst.cast::<u128>().write_unaligned(a);
                dst.add(n - 16).cast::<u128>().write_unaligned(b);
            } else {
                std::ptr::copy_nonoverlapping(s, dst, n);
            }
        } else if n >= 4 {
            let a = s.cast::<u32>().read_unaligned();
            let b = s.add(n - 4).cast::<u32>().read_unaligned();
            dst.cast::<u32>().write_unaligned(a);
            dst.add(n - 4).cast::<u32>().write_unaligned(b);
        } else {
            for i in 0..n {
                *dst.add(i) = *s.add(i);
            }
        }
    }
}

/// Appends `src` to `out`, without a `memcpy` call for short slices.
#[inline(always)]
pub(crate) fn put(out: &mut Vec<u8>, src: &[u8]) {
    out.reserve(src.len());
    let len = out.len();
    // SAFETY: `reserve` made room for `src.len()` more bytes, which are
    // initialised before the length covers them.
    unsafe {
        copy_bytes(src, out.as_mut_ptr().add(len));
        out.set_len(len + src.len());
    }
}

impl Default for RecBuf {
    fn default() -> RecBuf {
        RecBuf::new()
    }
}

impl fmt::Debug for RecBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecBuf").field("len", &self.len()).finish()
    }
}

/// Header layout of a record:
/// level u8, flags u8, name length u16, timestamp u64 (ns since the Unix
/// epoch), context length u32, bound-fields length u32, message length u32;
/// then the name, context, bound fields, message, and the event's fields to
/// the end.
pub(crate) const HEADER_BYTES: usize = 24;

/// Where the header holds the call's timestamp.
const STAMP: std::ops::Range<usize> = 4..12;

/// Starts a record in an empty `buf`: the header (level, name length,
/// timestamp; the other lengths zero until [`finish_header`]) and the name.
#[inline]
pub(crate) fn begin_record(buf: &mut RecBuf, level: crate::Level, name: &str, ts_nanos: u64) {
    let mut header = [0u8; HEADER_BYTES];
    header[0] = level as u8;
    header[2..4].copy_from_slice(&(name.len() as u16).to_le_bytes());
    header[STAMP].copy_from_slice(&ts_nanos.to_le_bytes());
    let n = HEADER_BYTES + name.len();
    match buf.inline_spare(n) {
        // SAFETY: `inline_spare` gave room for the header and the name.
        Some(dst) => unsafe {
            dst.cast::<[u8; HEADER_BYTES]>().write_unaligned(header);
            copy_bytes(name.as_bytes(), dst.add(HEADER_BYTES));
            buf.commit(n);
        },
        None => {
            buf.extend(&header);
            buf.extend(name.as_bytes());
        }
    }
}

/// Fills in a record's flags and section lengths once its parts are
/// written.
#[inline]
pub(crate) fn finish_header(
    buf: &mut RecBuf,
    flags: u8,
    context_len: usize,
    bound_len: usize,
    message_len: usize,
) {
    let header = buf.header_mut();
    header[1] = flags;
    let lengths = u128::from(context_len as u32)
        | u128::from(bound_len as u32) << 32
        | u128::from(message_len as u32) << 64;
    header[12..24].copy_from_slice(&lengths.to_le_bytes()[..12]);
}

/// Appends a message: invalid UTF-8 replaced unless `trusted`, cut at
/// `max_message_bytes` with [`TRUNCATION_MARKER`], both counted in
/// `stats`.
#[inline]
pub(crate) fn write_message(
    buf: &mut RecBuf,
    message: &[u8],
    trusted: bool,
    limits: &Limits,
    stats: &mut crate::value::WriteStats,
) {
    use crate::value::{floor_char_boundary, is_utf8, unsafe_str};
    let repaired;
    let text: &str = if trusted || is_utf8(message) {
        unsafe_str(message)
    } else {
        stats.invalid_utf8 += 1;
        repaired = String::from_utf8_lossy(message).into_owned();
        &repaired
    };
    let max = limits.max_message_bytes;
    if text.len() <= max {
        buf.extend(text.as_bytes());
        return;
    }
    stats.truncated += 1;
    let keep = floor_char_boundary(text, max.saturating_sub(TRUNCATION_MARKER.len()));
    buf.extend(&text.as_bytes()[..keep]);
    buf.extend(TRUNCATION_MARKER.as_bytes());
}

/// Record flag: something was truncated or replaced at the call.
pub(crate) const FLAG_TRUNCATED: u8 = 1;
/// Record flag: invalid UTF-8 was replaced at the call.
pub(crate) const FLAG_INVALID_UTF8: u8 = 2;
/// Header flag: the timestamp is a raw counter reading the worker has yet
/// to convert (see `crate::clock`). No record leaves the worker with it.
pub(crate) const FLAG_RAW_CLOCK: u8 = 4;

/// Converts a record's raw counter timestamp to wall-clock nanoseconds,
/// if it has one.
#[inline]
pub(crate) fn settle_clock(buf: &mut RecBuf, conv: &mut crate::clock::Converter) {
    let bytes = buf.as_mut_slice();
    if bytes.len() < HEADER_BYTES || bytes[1] & FLAG_RAW_CLOCK == 0 {
        return;
    }
    let ticks = u64::from_le_bytes(bytes[STAMP].try_into().unwrap());
    bytes[STAMP].copy_from_slice(&conv.convert(ticks).to_le_bytes());
    bytes[1] &= !FLAG_RAW_CLOCK;
}

/// A borrowed, decoded view of a record's parts.
///
/// The strings were validated (or repaired) when the record was built, and
/// the field lists follow the field encoding.
#[derive(Clone, Copy, Debug)]
pub struct RecordView<'a> {
    /// The level number (see [`crate::Level`]).
    pub level: crate::Level,
    /// Nanoseconds since the Unix epoch, captured at the call.
    pub ts_nanos: u64,
    /// The logger's name.
    pub name: &'a str,
    /// Context fields captured at the call.
    pub context: &'a [u8],
    /// The logger's bound fields.
    pub bound: &'a [u8],
    /// The message.
    pub message: &'a str,
    /// The event's own fields.
    pub fields: &'a [u8],
    /// Record flags.
    pub flags: u8,
}

impl<'a> RecordView<'a> {
    /// Decodes a record written by [`crate::logger`]'s producer path.
    ///
    /// # Safety-relevant invariant
    /// Only records built by this crate are decoded; their strings are
    /// valid UTF-8 by construction.
    pub(crate) fn decode(buf: &'a [u8]) -> RecordView<'a> {
        let level = crate::Level::from_u8(buf[0]).unwrap_or(crate::Level::Info);
        let flags = buf[1];
        let name_len = u16::from_le_bytes([buf[2], buf[3]]) as usize;
        let ts_nanos = u64::from_le_bytes(buf[STAMP].try_into().unwrap());
        let ctx_len = u32::from_le_bytes(buf[12..16].try_into().unwrap()) as usize;
        let bound_len = u32::from_le_bytes(buf[16..20].try_into().unwrap()) as usize;
        let msg_len = u32::from_le_bytes(buf[20..24].try_into().unwrap()) as usize;
        let mut at = HEADER_BYTES;
        let name = &buf[at..at + name_len];
        at += name_len;
        let context = &buf[at..at + ctx_len];
        at += ctx_len;
        let bound = &buf[at..at + bound_len];
        at += bound_len;
        let message = &buf[at..at + msg_len];
        at += msg_len;
        let fields = &buf[at..];
        // SAFETY: the producer path writes only valid UTF-8 (from &str, or
        // repaired with replacement characters) into name and message.
        let (name, message) = unsafe {
            (
                std::str::from_utf8_unchecked(name),
                std::str::from_utf8_unchecked(message),
            )
        };
        RecordView {
            level,
            ts_nanos,
            name,
            context,
            bound,
            message,
            fields,
            flags,
        }
    }
}
