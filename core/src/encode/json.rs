//! NDJSON: one JSON object per line, written by hand for speed.

use super::time::TimeCache;
use super::{Entry, RENAMED_PREFIX, object_entries, top_entries};
use crate::record::RecordView;
use crate::tlv::{Entries, Item};

/// Bytes that need escaping inside a JSON string: control characters, the
/// quote and the backslash.
static ESCAPE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends `s` as a quoted JSON string.
#[inline]
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    write_escaped(out, s.as_bytes());
    out.push(b'"');
}

/// Appends the escaped body of a JSON string.
#[inline]
pub(crate) fn write_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if !ESCAPE[b as usize] {
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            _ => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[(b >> 4) as usize],
                HEX[(b & 0xf) as usize],
            ]),
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

/// Appends a double; NaN and the infinities become strings, since JSON
/// has no literal for them.
#[inline]
pub(crate) fn write_f64(out: &mut Vec<u8>, n: f64) {
    if n.is_finite() {
        let mut b = ryu::Buffer::new();
        out.extend_from_slice(b.format_finite(n).as_bytes());
    } else if n.is_nan() {
        out.extend_from_slice(b"\"NaN\"");
    } else if n > 0.0 {
        out.extend_from_slice(b"\"Infinity\"");
    } else {
        out.extend_from_slice(b"\"-Infinity\"");
    }
}

/// The NDJSON encoder.
pub(crate) struct Json {
    time: TimeCache,
}

impl Json {
    pub(crate) fn new() -> Json {
        Json {
            time: TimeCache::new(),
        }
    }

    #[inline]
    pub(crate) fn encode(&mut self, rec: &RecordView<'_>, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"ts\":\"");
        self.time.nanos(rec.ts_nanos, out);
        out.extend_from_slice(b"\",\"level\":\"");
        out.extend_from_slice(rec.level.as_str().as_bytes());
        out.extend_from_slice(b"\",\"logger\":");
        write_str(out, rec.name);
        out.extend_from_slice(b",\"msg\":");
        write_str(out, rec.message);
        top_entries(rec).for_each_unique(|e| {
            out.push(b',');
            write_entry(out, e);
        });
        out.extend_from_slice(b"}\n");
    }
}

#[inline]
fn write_entry(out: &mut Vec<u8>, &(key, item, renamed): &Entry<'_>) {
    out.push(b'"');
    if renamed {
        out.extend_from_slice(RENAMED_PREFIX.as_bytes());
    }
    write_escaped(out, key.as_bytes());
    out.extend_from_slice(b"\":");
    write_item(out, item);
}

fn write_item(out: &mut Vec<u8>, item: Item<'_>) {
    match item {
        Item::Null => out.extend_from_slice(b"null"),
        Item::Bool(true) => out.extend_from_slice(b"true"),
        Item::Bool(false) => out.extend_from_slice(b"false"),
        Item::I64(n) => out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes()),
        Item::U64(n) => out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes()),
        Item::F64(n) => write_f64(out, n),
        Item::Str(s) => write_str(out, s),
        Item::Bytes(b) => {
            out.push(b'"');
            base64_into(out, b);
            out.push(b'"');
        }
        Item::Object(body) => {
            out.push(b'{');
            let mut first = true;
            object_entries(body).for_each_unique(|e| {
                if !first {
                    out.push(b',');
                }
                first = false;
                write_entry(out, e);
            });
            out.push(b'}');
        }
        Item::Array(body) => {
            out.push(b'[');
            for (i, (_, v)) in Entries::array(body).enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_item(out, v);
            }
            out.push(b']');
        }
    }
}

/// Appends standard base64 with padding.
pub(crate) fn base64_into(out: &mut Vec<u8>, bytes: &[u8]) {
    use base64::Engine as _;
    let start = out.len();
    let n = base64::encoded_len(bytes.len(), true).unwrap_or(0);
    out.resize(start + n, 0);
    let written = base64::engine::general_purpose::STANDARD
        .encode_slice(bytes, &mut out[start..])
        .unwrap_or(0);
    out.truncate(start + written);
}
