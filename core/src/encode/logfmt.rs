//! logfmt: `key=value` pairs, one record per line.
//!
//! Nested objects and arrays are flattened into dotted keys
//! (`http.status=200`, `tags.0=a`). A value is quoted when it is empty or
//! holds a space, `=`, `"` or a control character; inside quotes `"` and
//! `\` are escaped and control characters written as JSON escapes. Keys are
//! written with those characters replaced by `_`.

use super::json::{base64_into, write_escaped, write_f64};
use super::time::TimeCache;
use super::{RENAMED_PREFIX, for_each_in_object, for_each_top};
use crate::record::RecordView;
use crate::record::put;
use crate::tlv::{Entries, Item};

/// The logfmt encoder.
pub(crate) struct Logfmt {
    time: TimeCache,
    key: Vec<u8>,
}

impl Logfmt {
    pub(crate) fn new() -> Logfmt {
        Logfmt {
            time: TimeCache::new(),
            key: Vec::with_capacity(64),
        }
    }

    pub(crate) fn encode(&mut self, rec: &RecordView<'_>, out: &mut Vec<u8>) {
        put(out, b"ts=");
        self.time.nanos(rec.ts_nanos, out);
        put(out, b" level=");
        put(out, rec.level.as_lower_str().as_bytes());
        put(out, b" logger=");
        write_value_str(out, rec.name);
        put(out, b" msg=");
        write_value_str(out, rec.message);
        let key = &mut self.key;
        for_each_top(rec, |&(k, item, renamed)| {
            key.clear();
            if renamed {
                key.extend_from_slice(RENAMED_PREFIX.as_bytes());
            }
            push_key(key, k);
            write_item(out, key, item);
        });
        out.push(b'\n');
    }
}

fn push_key(key: &mut Vec<u8>, k: &str) {
    if k.is_empty() {
        key.push(b'_');
        return;
    }
    for &b in k.as_bytes() {
        key.push(if b <= b' ' || b == b'=' || b == b'"' || b == 0x7f {
            b'_'
        } else {
            b
        });
    }
}

fn write_item(out: &mut Vec<u8>, key: &mut Vec<u8>, item: Item<'_>) {
    match item {
        Item::Object(body) => {
            let base = key.len();
            for_each_in_object(body, |&(k, v, _)| {
                key.truncate(base);
                key.push(b'.');
                push_key(key, k);
                write_item(out, key, v);
            });
            key.truncate(base);
        }
        Item::Array(body) => {
            let base = key.len();
            for (i, (_, v)) in Entries::array(body).enumerate() {
                key.truncate(base);
                key.push(b'.');
                key.extend_from_slice(itoa::Buffer::new().format(i).as_bytes());
                write_item(out, key, v);
            }
            key.truncate(base);
        }
        scalar => {
            out.push(b' ');
            put(out, key);
            out.push(b'=');
            write_scalar(out, scalar);
        }
    }
}

fn write_scalar(out: &mut Vec<u8>, item: Item<'_>) {
    match item {
        Item::Null => put(out, b"null"),
        Item::Bool(true) => put(out, b"true"),
        Item::Bool(false) => put(out, b"false"),
        Item::I64(n) => put(out, itoa::Buffer::new().format(n).as_bytes()),
        Item::U64(n) => put(out, itoa::Buffer::new().format(n).as_bytes()),
        Item::F64(n) if n.is_finite() => write_f64(out, n),
        Item::F64(n) => {
            let s = if n.is_nan() {
                "NaN"
            } else if n > 0.0 {
                "+Inf"
            } else {
                "-Inf"
            };
            put(out, s.as_bytes());
        }
        Item::Str(s) => write_value_str(out, s),
        Item::Bytes(b) => base64_into(out, b),
        Item::Object(_) | Item::Array(_) => {}
    }
}

fn write_value_str(out: &mut Vec<u8>, s: &str) {
    let needs_quotes = s.is_empty()
        || s.bytes()
            .any(|b| b <= b' ' || b == b'=' || b == b'"' || b == b'\\' || b == 0x7f);
    if !needs_quotes {
        put(out, s.as_bytes());
        return;
    }
    out.push(b'"');
    let start = out.len();
    write_escaped(out, s.as_bytes());
    // DEL is not escaped by JSON rules; escape it here too.
    if out[start..].contains(&0x7f) {
        let body: Vec<u8> = out.drain(start..).collect();
        for b in body {
            if b == 0x7f {
                put(out, b"\\u007f");
            } else {
                out.push(b);
            }
        }
    }
    out.push(b'"');
}
