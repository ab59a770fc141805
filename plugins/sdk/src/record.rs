//! Records as plugins see them, and a reader for the field encoding.
//!
//! Field lists (`context`, `bound`, `fields`) use asynclog's field
//! encoding: per entry a tag byte, a `u16` key length and the key (inside
//! objects and at the top level; not inside arrays), then the payload. The
//! reader checks every length and stops at the first malformed entry, so
//! it never reads past the buffer it was given.

use crate::abi;

/// The level of a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u32)]
pub enum Level {
    /// Very detailed tracing.
    Trace = 0,
    /// Debugging detail.
    Debug = 1,
    /// Normal operation.
    Info = 2,
    /// Something unexpected that was handled.
    Warn = 3,
    /// A failed operation.
    Error = 4,
    /// The program cannot continue.
    Fatal = 5,
    /// An audit event (a category: it passes every level filter).
    Audit = 6,
    /// A security event (a category: it passes every level filter).
    Security = 7,
}

impl Level {
    /// The level with this ABI number.
    pub fn from_u32(n: u32) -> Option<Level> {
        Some(match n {
            0 => Level::Trace,
            1 => Level::Debug,
            2 => Level::Info,
            3 => Level::Warn,
            4 => Level::Error,
            5 => Level::Fatal,
            6 => Level::Audit,
            7 => Level::Security,
            _ => return None,
        })
    }

    /// The level a name (`"info"`, `"WARN"`) gives, ignoring case.
    pub fn from_name(name: &str) -> Option<Level> {
        let all = [
            Level::Trace,
            Level::Debug,
            Level::Info,
            Level::Warn,
            Level::Error,
            Level::Fatal,
            Level::Audit,
            Level::Security,
        ];
        all.into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(name.trim()))
    }

    /// Upper-case name: `"INFO"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "TRACE",
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
            Level::Fatal => "FATAL",
            Level::Audit => "AUDIT",
            Level::Security => "SECURITY",
        }
    }

    /// True for `Audit` and `Security`, which pass every level filter.
    pub fn is_category(self) -> bool {
        self >= Level::Audit
    }
}

/// One record, borrowed for the duration of a `process` call.
///
/// Every part is read from the host's view when asked for, so a plugin
/// pays only for what it looks at.
#[derive(Clone, Copy)]
pub struct Record<'a> {
    view: &'a abi::asynclog_record_view,
}

impl<'a> Record<'a> {
    /// Reads the host's record view.
    ///
    /// # Safety
    /// `view` must be valid, with its byte runs readable for `'a`.
    #[inline]
    pub(crate) unsafe fn from_abi(view: &'a abi::asynclog_record_view) -> Record<'a> {
        Record { view }
    }

    #[inline]
    fn part(&self, b: abi::asynclog_bytes) -> &'a [u8] {
        // SAFETY: `from_abi`'s caller promised the byte runs live for 'a.
        unsafe { bytes(b) }
    }

    /// The level number; see [`Record::level`].
    pub fn level_number(&self) -> u32 {
        self.view.level
    }

    /// The level, or `None` for a number this SDK does not know.
    pub fn level(&self) -> Option<Level> {
        Level::from_u32(self.view.level)
    }

    /// Nanoseconds since the Unix epoch, taken at the call.
    pub fn ts_nanos(&self) -> u64 {
        self.view.ts_nanos
    }

    /// The logger's name; empty if the host gave bytes that are not UTF-8.
    pub fn logger(&self) -> &'a str {
        text(self.part(self.view.logger))
    }

    /// The message; empty if the host gave bytes that are not UTF-8.
    pub fn message(&self) -> &'a str {
        text(self.part(self.view.message))
    }

    /// Context fields captured at the call.
    pub fn context(&self) -> Fields<'a> {
        Fields::new(self.part(self.view.context))
    }

    /// The logger's bound fields.
    pub fn bound(&self) -> Fields<'a> {
        Fields::new(self.part(self.view.bound))
    }

    /// The event's own fields.
    pub fn fields(&self) -> Fields<'a> {
        Fields::new(self.part(self.view.fields))
    }

    /// The first field named `key` among the event's fields, then the
    /// bound fields, then the context.
    pub fn find(&self, key: &str) -> Option<Value<'a>> {
        self.fields()
            .get(key)
            .or_else(|| self.bound().get(key))
            .or_else(|| self.context().get(key))
    }
}

impl std::fmt::Debug for Record<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Record")
            .field("level", &self.level_number())
            .field("ts_nanos", &self.ts_nanos())
            .field("logger", &self.logger())
            .field("message", &self.message())
            .field("context", &self.context())
            .field("bound", &self.bound())
            .field("fields", &self.fields())
            .finish()
    }
}

/// The host's text as `&str`: checked, with a word-at-a-time shortcut for
/// ASCII, the usual logger names and messages; empty if it is not UTF-8.
#[inline]
fn text(b: &[u8]) -> &str {
    if b.is_ascii() {
        // SAFETY: ASCII is valid UTF-8.
        unsafe { std::str::from_utf8_unchecked(b) }
    } else {
        std::str::from_utf8(b).unwrap_or("")
    }
}

/// # Safety
/// `b` must describe bytes readable for `'a`.
unsafe fn bytes<'a>(b: abi::asynclog_bytes) -> &'a [u8] {
    if b.ptr.is_null() || b.len == 0 {
        &[]
    } else {
        // SAFETY: as the caller promises.
        unsafe { std::slice::from_raw_parts(b.ptr, b.len) }
    }
}

/// One value of a field list.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'a> {
    /// Null.
    Null,
    /// A boolean.
    Bool(bool),
    /// A signed integer.
    I64(i64),
    /// An unsigned integer.
    U64(u64),
    /// A double.
    F64(f64),
    /// A string (invalid UTF-8 never reaches a plugin; the host repairs
    /// it at the call).
    Str(&'a str),
    /// Raw bytes.
    Bytes(&'a [u8]),
    /// An object's entries.
    Object(Fields<'a>),
    /// An array's values.
    Array(Values<'a>),
}

impl<'a> Value<'a> {
    /// The string, for a string value.
    pub fn as_str(&self) -> Option<&'a str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// Entries of an object or a top-level field list: `(key, value)`.
#[derive(Clone, Copy, PartialEq)]
pub struct Fields<'a> {
    buf: &'a [u8],
}

/// Values of an array.
#[derive(Clone, Copy, PartialEq)]
pub struct Values<'a> {
    buf: &'a [u8],
}

impl<'a> Fields<'a> {
    /// Entries in `buf`, in the field encoding.
    pub fn new(buf: &'a [u8]) -> Fields<'a> {
        Fields { buf }
    }

    /// The encoded bytes.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.buf
    }

    /// True when there is no entry.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The first entry named `key`, at this level.
    pub fn get(&self, key: &str) -> Option<Value<'a>> {
        self.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// The entries, stopping at the first malformed one.
    pub fn iter(&self) -> FieldIter<'a> {
        FieldIter {
            r: Reader { buf: self.buf },
        }
    }
}

impl<'a> Values<'a> {
    /// The values, stopping at the first malformed one.
    pub fn iter(&self) -> ValueIter<'a> {
        ValueIter {
            r: Reader { buf: self.buf },
        }
    }
}

impl std::fmt::Debug for Fields<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl std::fmt::Debug for Values<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for Fields<'a> {
    type Item = (&'a str, Value<'a>);
    type IntoIter = FieldIter<'a>;
    fn into_iter(self) -> FieldIter<'a> {
        self.iter()
    }
}

/// Iterator over [`Fields`].
pub struct FieldIter<'a> {
    r: Reader<'a>,
}

/// Iterator over [`Values`].
pub struct ValueIter<'a> {
    r: Reader<'a>,
}

impl<'a> Iterator for FieldIter<'a> {
    type Item = (&'a str, Value<'a>);
    fn next(&mut self) -> Option<Self::Item> {
        let item = self.r.entry(true);
        if item.is_none() {
            self.r.buf = &[];
        }
        item
    }
}

impl<'a> Iterator for ValueIter<'a> {
    type Item = Value<'a>;
    fn next(&mut self) -> Option<Self::Item> {
        let item = self.r.entry(false);
        if item.is_none() {
            self.r.buf = &[];
        }
        item.map(|(_, v)| v)
    }
}

struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.buf.len() {
            return None;
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Some(head)
    }

    fn u16(&mut self) -> Option<usize> {
        Some(u16::from_le_bytes(self.take(2)?.try_into().ok()?) as usize)
    }

    fn u32(&mut self) -> Option<usize> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?) as usize)
    }

    fn u64(&mut self) -> Option<[u8; 8]> {
        self.take(8)?.try_into().ok()
    }

    fn entry(&mut self, keyed: bool) -> Option<(&'a str, Value<'a>)> {
        let tag = *self.take(1)?.first()?;
        let key = if keyed {
            let n = self.u16()?;
            std::str::from_utf8(self.take(n)?).ok()?
        } else {
            ""
        };
        let value = match tag {
            0x01 => Value::Null,
            0x02 => Value::Bool(false),
            0x03 => Value::Bool(true),
            0x04 => Value::I64(i64::from_le_bytes(self.u64()?)),
            0x05 => Value::U64(u64::from_le_bytes(self.u64()?)),
            0x06 => Value::F64(f64::from_le_bytes(self.u64()?)),
            0x07 => {
                let n = self.u32()?;
                Value::Str(std::str::from_utf8(self.take(n)?).ok()?)
            }
            0x08 => {
                let n = self.u32()?;
                Value::Bytes(self.take(n)?)
            }
            0x09 => {
                let n = self.u32()?;
                Value::Object(Fields { buf: self.take(n)? })
            }
            0x0a => {
                let n = self.u32()?;
                Value::Array(Values { buf: self.take(n)? })
            }
            _ => return None,
        };
        Some((key, value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(out: &mut Vec<u8>, tag: u8, key: &str, payload: &[u8]) {
        out.push(tag);
        out.extend_from_slice(&(key.len() as u16).to_le_bytes());
        out.extend_from_slice(key.as_bytes());
        out.extend_from_slice(payload);
    }

    fn string(s: &str) -> Vec<u8> {
        let mut v = (s.len() as u32).to_le_bytes().to_vec();
        v.extend_from_slice(s.as_bytes());
        v
    }

    #[test]
    fn reads_nested_fields() {
        let mut inner = Vec::new();
        entry(&mut inner, 0x07, "name", &string("ann"));
        let mut buf = Vec::new();
        entry(&mut buf, 0x04, "n", &(-5i64).to_le_bytes());
        let mut obj = (inner.len() as u32).to_le_bytes().to_vec();
        obj.extend_from_slice(&inner);
        entry(&mut buf, 0x09, "user", &obj);
        let mut arr = vec![0x03];
        arr.extend_from_slice(&[0x07]);
        arr.extend_from_slice(&string("x"));
        let mut arr_payload = (arr.len() as u32).to_le_bytes().to_vec();
        arr_payload.extend_from_slice(&arr);
        entry(&mut buf, 0x0a, "tags", &arr_payload);

        let fields = Fields::new(&buf);
        assert_eq!(fields.get("n"), Some(Value::I64(-5)));
        let Some(Value::Object(user)) = fields.get("user") else {
            panic!("no user object: {fields:?}");
        };
        assert_eq!(user.get("name").and_then(|v| v.as_str()), Some("ann"));
        let Some(Value::Array(tags)) = fields.get("tags") else {
            panic!("no tags array");
        };
        let tags: Vec<Value> = tags.iter().collect();
        assert_eq!(tags, [Value::Bool(true), Value::Str("x")]);
    }

    #[test]
    fn stops_at_malformed_input() {
        let mut buf = Vec::new();
        entry(&mut buf, 0x07, "a", &string("ok"));
        buf.extend_from_slice(&[0x07, 1, 0, b'b', 0xff, 0xff, 0xff, 0x7f]);
        let all: Vec<_> = Fields::new(&buf).iter().collect();
        assert_eq!(all, [("a", Value::Str("ok"))]);
        assert_eq!(Fields::new(&[0x42]).iter().count(), 0);
    }
}
