//! Typed field values, and their writer into the field encoding.

use crate::record::{
    DEPTH_MARKER, DROPPED_FIELDS_KEY, Limits, RecBuf, TRUNCATION_MARKER, copy_bytes, tag,
};

/// A field value borrowed from the caller for the duration of the call.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'a> {
    /// JSON null.
    Null,
    /// A boolean.
    Bool(bool),
    /// A signed integer.
    I64(i64),
    /// An unsigned integer.
    U64(u64),
    /// A double; NaN and infinities are written as strings by text
    /// encoders.
    F64(f64),
    /// A string.
    Str(&'a str),
    /// Raw bytes; text encoders write them as base64.
    Bytes(&'a [u8]),
    /// A nested object.
    Object(&'a [Field<'a>]),
    /// A nested array.
    Array(&'a [Value<'a>]),
}

/// A key and its value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Field<'a> {
    /// The key.
    pub key: &'a str,
    /// The value.
    pub value: Value<'a>,
}

/// Builds a [`Field`]: `field("user_id", 7)`.
#[inline]
pub fn field<'a>(key: &'a str, value: impl Into<Value<'a>>) -> Field<'a> {
    Field {
        key,
        value: value.into(),
    }
}

macro_rules! value_from {
    ($($t:ty => $variant:ident as $as:ty),* $(,)?) => {
        $(impl<'a> From<$t> for Value<'a> {
            #[inline]
            fn from(v: $t) -> Value<'a> {
                Value::$variant(v as $as)
            }
        })*
    };
}

value_from! {
    i8 => I64 as i64, i16 => I64 as i64, i32 => I64 as i64, i64 => I64 as i64,
    isize => I64 as i64, u8 => U64 as u64, u16 => U64 as u64, u32 => U64 as u64,
    u64 => U64 as u64, usize => U64 as u64, f32 => F64 as f64, f64 => F64 as f64,
}

impl<'a> From<bool> for Value<'a> {
    #[inline]
    fn from(v: bool) -> Value<'a> {
        Value::Bool(v)
    }
}

impl<'a> From<&'a str> for Value<'a> {
    #[inline]
    fn from(v: &'a str) -> Value<'a> {
        Value::Str(v)
    }
}

impl<'a> From<&'a String> for Value<'a> {
    #[inline]
    fn from(v: &'a String) -> Value<'a> {
        Value::Str(v)
    }
}

impl<'a> From<&'a [u8]> for Value<'a> {
    #[inline]
    fn from(v: &'a [u8]) -> Value<'a> {
        Value::Bytes(v)
    }
}

impl<'a> From<&'a [Field<'a>]> for Value<'a> {
    #[inline]
    fn from(v: &'a [Field<'a>]) -> Value<'a> {
        Value::Object(v)
    }
}

impl<'a> From<&'a [Value<'a>]> for Value<'a> {
    #[inline]
    fn from(v: &'a [Value<'a>]) -> Value<'a> {
        Value::Array(v)
    }
}

impl<'a, T: Into<Value<'a>>> From<Option<T>> for Value<'a> {
    #[inline]
    fn from(v: Option<T>) -> Value<'a> {
        v.map_or(Value::Null, Into::into)
    }
}

/// What writing one event's parts changed, for the metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct WriteStats {
    /// Strings cut, values past the depth limit, fields left out.
    pub truncated: u32,
    /// Strings in which invalid UTF-8 was replaced.
    pub invalid_utf8: u32,
}

/// Deepest nesting the writer can track, whatever `Limits::max_depth` says.
pub const MAX_DEPTH_CAP: usize = 64;

/// Writes fields into a record, applying the limits as it goes.
///
/// This is the one place that turns caller input into the field encoding:
/// Rust [`Field`] lists, the C ABI's field arrays and pre-encoded buffers
/// all go through it, so every path truncates, repairs and counts alike.
/// Keys and strings given as bytes are validated; invalid UTF-8 is
/// replaced with U+FFFD and counted.
///
/// Inside an array pass `None` as the key; elsewhere pass `Some(key)`.
// The layout is fixed so that `stack` comes last: with the fields in any
// order the compiler picks, it clears the whole writer, stack included,
// in one `memset` of some 300 bytes on every call.
#[repr(C)]
pub struct FieldWriter<'b> {
    buf: &'b mut RecBuf,
    limits: &'b Limits,
    pub(crate) stats: WriteStats,
    count: usize,
    dropped: u64,
    depth: usize,
    /// Keys come from `&str` and need no UTF-8 check.
    trusted_keys: bool,
    /// Where each open object's or array's length goes; only the first
    /// `depth` entries are written, so the array is left uninitialised
    /// rather than cleared on every call.
    stack: [std::mem::MaybeUninit<u32>; MAX_DEPTH_CAP],
}

impl<'b> FieldWriter<'b> {
    pub(crate) fn new(buf: &'b mut RecBuf, limits: &'b Limits) -> FieldWriter<'b> {
        FieldWriter {
            buf,
            limits,
            stats: WriteStats::default(),
            count: 0,
            dropped: 0,
            stack: [std::mem::MaybeUninit::uninit(); MAX_DEPTH_CAP],
            depth: 0,
            trusted_keys: false,
        }
    }

    /// The limits, the current nesting depth, and how many more fields
    /// the field limit allows.
    pub(crate) fn headroom(&self) -> (&'b Limits, usize, usize) {
        (
            self.limits,
            self.depth,
            self.limits.max_fields.saturating_sub(self.count),
        )
    }

    /// Appends `fields` entries already in the field encoding that need no
    /// repair and fit every limit (see [`FieldWriter::headroom`]).
    pub(crate) fn append_checked(&mut self, encoded: &[u8], fields: usize) {
        self.buf.extend(encoded);
        self.count += fields;
    }

    /// Writes a Rust field list.
    pub fn fields(&mut self, fields: &[Field<'_>]) {
        let outer = std::mem::replace(&mut self.trusted_keys, true);
        for f in fields {
            if !self.scalar_inline(f) {
                self.value(Some(f.key.as_bytes()), &f.value);
            }
        }
        self.trusted_keys = outer;
    }

    /// The common case of a Rust field, written in one step: a scalar or a
    /// short string under every limit, into the record's inline bytes.
    /// False, having written nothing, for anything else, which then takes
    /// the general path.
    #[inline(always)]
    fn scalar_inline(&mut self, f: &Field<'_>) -> bool {
        let key = f.key.as_bytes();
        match f.value {
            Value::I64(n) => self.inline_scalar(key, tag::I64, n.to_le_bytes(), &[], true, true),
            Value::U64(n) => self.inline_scalar(key, tag::U64, n.to_le_bytes(), &[], true, true),
            Value::F64(n) => self.inline_scalar(key, tag::F64, n.to_le_bytes(), &[], true, true),
            Value::Str(v) => self.inline_scalar(key, tag::STR, [0; 8], v.as_bytes(), true, true),
            _ => false,
        }
    }

    /// Writes a keyed scalar (`word`) or string (`text`, for `tag::STR`)
    /// in one step into the record's inline bytes, when the key and string
    /// are short, valid UTF-8 (checked here unless `key_ok` or `text_ok`
    /// says they are), within every limit, and fit. False, having written
    /// nothing, otherwise: the general path then writes, repairs or
    /// truncates it, and writes the same bytes for any field this one
    /// takes.
    #[inline(always)]
    fn inline_scalar(
        &mut self,
        key: &[u8],
        t: u8,
        word: [u8; 8],
        text: &[u8],
        key_ok: bool,
        text_ok: bool,
    ) -> bool {
        /// Longest key and string value written this way.
        const SHORT: usize = 64;
        if key.len() > SHORT || self.count >= self.limits.max_fields {
            return false;
        }
        let string = t == tag::STR;
        if string && (text.len() > SHORT || text.len() > self.limits.max_message_bytes) {
            return false;
        }
        if !(key_ok || is_utf8(key)) || (string && !(text_ok || is_utf8(text))) {
            return false;
        }
        let payload = if string { 4 + text.len() } else { 8 };
        let n = 3 + key.len() + payload;
        let Some(dst) = self.buf.inline_spare(n) else {
            return false;
        };
        // SAFETY: `inline_spare` gave room for the `n` bytes written here:
        // tag, key length, key, then the 8-byte word or the length-prefixed
        // string.
        unsafe {
            *dst = t;
            dst.add(1)
                .cast::<[u8; 2]>()
                .write_unaligned((key.len() as u16).to_le_bytes());
            copy_bytes(key, dst.add(3));
            let at = dst.add(3 + key.len());
            if string {
                at.cast::<[u8; 4]>()
                    .write_unaligned((text.len() as u32).to_le_bytes());
                copy_bytes(text, at.add(4));
            } else {
                at.cast::<[u8; 8]>().write_unaligned(word);
            }
            self.buf.commit(n);
        }
        self.count += 1;
        true
    }

    /// Writes one Rust value.
    pub fn value(&mut self, key: Option<&[u8]>, value: &Value<'_>) {
        match *value {
            Value::Null => self.null(key),
            Value::Bool(b) => self.bool(key, b),
            Value::I64(n) => self.i64(key, n),
            Value::U64(n) => self.u64(key, n),
            Value::F64(n) => self.f64(key, n),
            Value::Str(s) => self.scalar_str(key, s.as_bytes(), true, tag::STR),
            Value::Bytes(b) => self.bytes(key, b),
            Value::Object(fields) => {
                if self.begin_object(key) {
                    self.fields(fields);
                    self.end();
                }
            }
            Value::Array(values) => {
                if self.begin_array(key) {
                    for v in values {
                        self.value(None, v);
                    }
                    self.end();
                }
            }
        }
    }

    /// Writes a null.
    pub fn null(&mut self, key: Option<&[u8]>) {
        self.head(tag::NULL, key);
    }

    /// Writes a boolean.
    pub fn bool(&mut self, key: Option<&[u8]>, b: bool) {
        self.head(if b { tag::TRUE } else { tag::FALSE }, key);
    }

    /// Writes a signed integer.
    #[inline]
    pub fn i64(&mut self, key: Option<&[u8]>, n: i64) {
        self.word(tag::I64, key, n.to_le_bytes());
    }

    /// Writes an unsigned integer.
    #[inline]
    pub fn u64(&mut self, key: Option<&[u8]>, n: u64) {
        self.word(tag::U64, key, n.to_le_bytes());
    }

    /// Writes a double.
    #[inline]
    pub fn f64(&mut self, key: Option<&[u8]>, n: f64) {
        self.word(tag::F64, key, n.to_le_bytes());
    }

    /// Writes an 8-byte scalar of type `t`: in one step when it can, else
    /// tag, key and word one after the other.
    #[inline(always)]
    fn word(&mut self, t: u8, key: Option<&[u8]>, word: [u8; 8]) {
        if let Some(k) = key {
            let trusted = self.trusted_keys;
            if self.inline_scalar(k, t, word, &[], trusted, true) {
                return;
            }
        }
        if self.head(t, key) {
            self.buf.extend(&word);
        }
    }

    /// Writes a string given as bytes, repairing invalid UTF-8.
    #[inline]
    pub fn str(&mut self, key: Option<&[u8]>, s: &[u8]) {
        if let Some(k) = key {
            let trusted = self.trusted_keys;
            if self.inline_scalar(k, tag::STR, [0; 8], s, trusted, false) {
                return;
            }
        }
        self.scalar_str(key, s, false, tag::STR);
    }

    /// Writes raw bytes.
    pub fn bytes(&mut self, key: Option<&[u8]>, b: &[u8]) {
        self.scalar_str(key, b, true, tag::BYTES);
    }

    /// Opens an object. Returns false when it was not opened (the field
    /// limit was reached, or the depth limit, in which case a marker string
    /// stands in its place); then write no children and do not call
    /// [`FieldWriter::end`].
    pub fn begin_object(&mut self, key: Option<&[u8]>) -> bool {
        self.begin(tag::OBJECT, key)
    }

    /// Opens an array; see [`FieldWriter::begin_object`].
    pub fn begin_array(&mut self, key: Option<&[u8]>) -> bool {
        self.begin(tag::ARRAY, key)
    }

    /// Closes the innermost open object or array.
    pub fn end(&mut self) {
        if self.depth == 0 {
            return;
        }
        self.depth -= 1;
        // SAFETY: `begin` wrote every entry below the depth it raised.
        let at = unsafe { self.stack[self.depth].assume_init() } as usize;
        let len = self.buf.len() - at - 4;
        self.buf.patch_u32(at, len as u32);
    }

    /// Closes whatever is still open and writes the marker entry that says
    /// how many fields were left out.
    pub(crate) fn finish(&mut self) {
        while self.depth > 0 {
            self.end();
        }
        if self.dropped > 0 {
            // Written past the limit on purpose: it says what the limit cut.
            let key = DROPPED_FIELDS_KEY.as_bytes();
            let n = (key.len() as u16).to_le_bytes();
            self.buf.extend(&[tag::U64, n[0], n[1]]);
            self.buf.extend(key);
            self.buf.extend(&self.dropped.to_le_bytes());
            self.stats.truncated += 1;
        }
    }

    fn begin(&mut self, t: u8, key: Option<&[u8]>) -> bool {
        let limit = self.limits.max_depth.min(MAX_DEPTH_CAP);
        if self.depth >= limit {
            if self.count < self.limits.max_fields {
                self.stats.truncated += 1;
            }
            self.scalar_str(key, DEPTH_MARKER.as_bytes(), true, tag::STR);
            return false;
        }
        if !self.head(t, key) {
            return false;
        }
        self.stack[self.depth] = std::mem::MaybeUninit::new(self.buf.len() as u32);
        self.depth += 1;
        self.buf.extend(&[0; 4]);
        true
    }

    /// Writes a tag and key if the field limit allows; false if not.
    #[inline]
    fn head(&mut self, t: u8, key: Option<&[u8]>) -> bool {
        if self.count >= self.limits.max_fields {
            self.dropped += 1;
            return false;
        }
        self.count += 1;
        match key {
            Some(key) if key.len() <= u16::MAX as usize && (self.trusted_keys || is_utf8(key)) => {
                let n = (key.len() as u16).to_le_bytes();
                self.buf.extend(&[t, n[0], n[1]]);
                self.buf.extend(key);
            }
            Some(key) => {
                self.buf.push(t);
                self.repaired_key(key);
            }
            None => self.buf.push(t),
        }
        true
    }

    /// Writes a key that is not valid UTF-8 or is too long, repaired.
    #[cold]
    fn repaired_key(&mut self, key: &[u8]) {
        let repaired = String::from_utf8_lossy(key);
        if std::str::from_utf8(key).is_err() {
            self.stats.invalid_utf8 += 1;
        } else {
            self.stats.truncated += 1;
        }
        let k = floor_char_boundary(&repaired, u16::MAX as usize);
        self.buf.extend(&(k as u16).to_le_bytes());
        self.buf.extend(&repaired.as_bytes()[..k]);
    }

    /// Writes a length-prefixed string or bytes value, validating UTF-8
    /// unless `trusted`, and cutting it at `max_message_bytes`.
    fn scalar_str(&mut self, key: Option<&[u8]>, s: &[u8], trusted: bool, t: u8) {
        if !trusted && !is_utf8(s) {
            self.stats.invalid_utf8 += 1;
            let repaired = String::from_utf8_lossy(s);
            return self.scalar_str(key, repaired.as_bytes(), true, t);
        }
        if !self.head(t, key) {
            return;
        }
        let max = self.limits.max_message_bytes;
        if s.len() <= max {
            self.buf.extend(&(s.len() as u32).to_le_bytes());
            self.buf.extend(s);
            return;
        }
        self.stats.truncated += 1;
        if t == tag::BYTES {
            self.buf.extend(&(max as u32).to_le_bytes());
            self.buf.extend(&s[..max]);
            return;
        }
        let keep = floor_char_boundary(unsafe_str(s), max.saturating_sub(TRUNCATION_MARKER.len()));
        let total = keep + TRUNCATION_MARKER.len();
        self.buf.extend(&(total as u32).to_le_bytes());
        self.buf.extend(&s[..keep]);
        self.buf.extend(TRUNCATION_MARKER.as_bytes());
    }
}

/// True when `s` is valid UTF-8. Short ASCII strings, the usual keys and
/// values, are checked eight bytes at a time before falling back to the
/// full validator.
#[inline]
pub(crate) fn is_utf8(s: &[u8]) -> bool {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let n = s.len();
    let ascii = if n >= 8 {
        let word = |at: usize| u64::from_le_bytes(s[at..at + 8].try_into().unwrap());
        let mut acc = word(n - 8);
        let mut i = 0;
        while i + 8 <= n {
            acc |= word(i);
            i += 8;
        }
        acc & HIGH == 0
    } else if n >= 4 {
        // Two words that overlap when `n` is under 8 cover every byte.
        let word = |at: usize| u32::from_le_bytes(s[at..at + 4].try_into().unwrap());
        (word(0) | word(n - 4)) & HIGH as u32 == 0
    } else {
        s.iter().all(u8::is_ascii)
    };
    ascii || std::str::from_utf8(s).is_ok()
}

/// Views bytes already known to be UTF-8 as a string.
#[inline]
pub(crate) fn unsafe_str(s: &[u8]) -> &str {
    // SAFETY: every caller passes bytes that were validated as UTF-8 or
    // came from a `&str`.
    unsafe { std::str::from_utf8_unchecked(s) }
}

/// The largest index `<= at` that is a char boundary of `s`.
#[inline]
pub(crate) fn floor_char_boundary(s: &str, at: usize) -> usize {
    if at >= s.len() {
        return s.len();
    }
    let mut i = at;
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::INLINE_BYTES;

    /// Encodes `fields` one value at a time through the general path.
    fn general(fields: &[Field<'_>], limits: &Limits, prefix: usize) -> Vec<u8> {
        let mut buf = RecBuf::new();
        buf.extend(&vec![0xee; prefix]);
        let mut w = FieldWriter::new(&mut buf, limits);
        w.trusted_keys = true;
        for f in fields {
            w.value(Some(f.key.as_bytes()), &f.value);
        }
        w.finish();
        buf.as_slice().to_vec()
    }

    fn fast(fields: &[Field<'_>], limits: &Limits, prefix: usize) -> Vec<u8> {
        let mut buf = RecBuf::new();
        buf.extend(&vec![0xee; prefix]);
        let mut w = FieldWriter::new(&mut buf, limits);
        w.fields(fields);
        w.finish();
        buf.as_slice().to_vec()
    }

    #[test]
    fn the_one_step_scalar_path_writes_what_the_general_path_writes() {
        let long = "k".repeat(65);
        let fields = [
            field("user_id", 7),
            field("n", -3i64),
            field("u", u64::MAX),
            field("latency_ms", 12.5),
            field("path", "/api/v1/items"),
            field("", ""),
            field(&long, "long key"),
            field(
                "s",
                "a string just past the short limit, so it takes the general way",
            ),
            field("b", true),
            field("none", Value::Null),
        ];
        let tight = Limits {
            max_fields: 4,
            max_message_bytes: 3,
            ..Limits::default()
        };
        for limits in [Limits::default(), tight] {
            // Prefixes that leave the fields inline, straddling the inline
            // end, and already spilled.
            for prefix in [0, 150, INLINE_BYTES - 10, INLINE_BYTES + 1] {
                assert_eq!(
                    fast(&fields, &limits, prefix),
                    general(&fields, &limits, prefix),
                    "prefix {prefix}"
                );
            }
        }
    }

    /// A field as the C ABI hands it over: key and string as unchecked
    /// bytes.
    enum Raw<'a> {
        I64(i64),
        U64(u64),
        F64(f64),
        Str(&'a [u8]),
    }

    fn write_raw(
        fields: &[(&[u8], Raw<'_>)],
        limits: &Limits,
        prefix: usize,
        one_step: bool,
    ) -> (Vec<u8>, u32, u32) {
        let mut buf = RecBuf::new();
        buf.extend(&vec![0xee; prefix]);
        let mut w = FieldWriter::new(&mut buf, limits);
        for (key, value) in fields {
            let key = Some(*key);
            // The general way, as before the one-step path existed.
            let general = |w: &mut FieldWriter<'_>, t: u8, word: [u8; 8]| {
                if w.head(t, key) {
                    w.buf.extend(&word);
                }
            };
            match value {
                Raw::I64(n) if one_step => w.i64(key, *n),
                Raw::U64(n) if one_step => w.u64(key, *n),
                Raw::F64(n) if one_step => w.f64(key, *n),
                Raw::Str(v) if one_step => w.str(key, v),
                Raw::I64(n) => general(&mut w, tag::I64, n.to_le_bytes()),
                Raw::U64(n) => general(&mut w, tag::U64, n.to_le_bytes()),
                Raw::F64(n) => general(&mut w, tag::F64, n.to_le_bytes()),
                Raw::Str(v) => w.scalar_str(key, v, false, tag::STR),
            }
        }
        w.finish();
        let stats = (w.stats.invalid_utf8, w.stats.truncated);
        (buf.as_slice().to_vec(), stats.0, stats.1)
    }

    #[test]
    fn unchecked_bytes_take_the_one_step_path_only_when_it_writes_the_same() {
        let long_key = vec![b'k'; 65];
        let fields: Vec<(&[u8], Raw<'_>)> = vec![
            (b"user_id", Raw::I64(7)),
            (b"u", Raw::U64(u64::MAX)),
            (b"latency_ms", Raw::F64(12.5)),
            (b"path", Raw::Str(b"/api/v1/items")),
            ("caf\u{e9}".as_bytes(), Raw::Str("cr\u{e8}me".as_bytes())),
            (b"bad \xff key", Raw::I64(1)),
            (b"bad value", Raw::Str(b"a \xc3 b")),
            (b"\xc3", Raw::Str(b"\xff")),
            (&long_key, Raw::F64(1.0)),
            (
                b"s",
                Raw::Str(b"a string just past the short limit, so it takes the general way"),
            ),
            (b"", Raw::Str(b"")),
        ];
        let tight = Limits {
            max_fields: 6,
            max_message_bytes: 3,
            ..Limits::default()
        };
        for limits in [Limits::default(), tight] {
            for prefix in [0, 150, INLINE_BYTES - 10, INLINE_BYTES + 1] {
                assert_eq!(
                    write_raw(&fields, &limits, prefix, true),
                    write_raw(&fields, &limits, prefix, false),
                    "prefix {prefix}"
                );
            }
        }
    }

    #[test]
    fn the_ascii_shortcut_agrees_with_the_standard_validator() {
        let cases: [&[u8]; 14] = [
            b"",
            b"k",
            b"key",
            b"path",
            b"user_id",
            b"\xffath",
            b"use\xff_id",
            b"exactly8",
            b"a longer ascii string of many words",
            "caf\u{e9}".as_bytes(),
            "a long string that ends in \u{65e5}\u{672c}".as_bytes(),
            b"bad \xff byte in a long enough string",
            b"\xc3",
            b"seven\xc3\xa9",
        ];
        for c in cases {
            assert_eq!(is_utf8(c), std::str::from_utf8(c).is_ok(), "{c:?}");
        }
    }
}
