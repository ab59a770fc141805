//! The console encoder: one human-readable line per record.
//!
//! `2026-12-03T16:44:23.123Z INFO  app: request handled user_id=7`
//!
//! Terminal control sequences in any part of the record are written as
//! visible escapes (`\x1b`, `\n`), so a logged value cannot move the
//! cursor, clear the screen or forge a line. The level is coloured only
//! when the sink is a terminal (or colour is forced on).

use super::json::{base64_into, write_f64};
use super::time::TimeCache;
use super::{RENAMED_PREFIX, for_each_in_object, for_each_top};
use crate::config::ColorMode;
use crate::level::Level;
use crate::record::RecordView;
use crate::record::put;
use crate::tlv::{Entries, Item};

/// The console encoder.
pub(crate) struct Console {
    time: TimeCache,
    color: bool,
}

impl Console {
    pub(crate) fn new(mode: ColorMode, tty: bool) -> Console {
        let color = match mode {
            ColorMode::Always => true,
            ColorMode::Never => false,
            ColorMode::Auto => tty,
        };
        Console {
            time: TimeCache::new(),
            color,
        }
    }

    pub(crate) fn encode(&mut self, rec: &RecordView<'_>, out: &mut Vec<u8>) {
        self.time.millis(rec.ts_nanos, out);
        out.push(b' ');
        let name = rec.level.as_str();
        if self.color {
            put(out, color_of(rec.level).as_bytes());
            put(out, name.as_bytes());
            put(out, b"\x1b[0m");
        } else {
            put(out, name.as_bytes());
        }
        for _ in name.len()..5 {
            out.push(b' ');
        }
        out.push(b' ');
        write_visible(out, rec.name);
        put(out, b": ");
        write_visible(out, rec.message);
        for_each_top(rec, |&(k, item, renamed)| {
            out.push(b' ');
            if renamed {
                put(out, RENAMED_PREFIX.as_bytes());
            }
            write_visible(out, k);
            out.push(b'=');
            write_item(out, item);
        });
        out.push(b'\n');
    }
}

fn color_of(level: Level) -> &'static str {
    match level {
        Level::Trace => "\x1b[2m",
        Level::Debug => "\x1b[34m",
        Level::Info => "\x1b[32m",
        Level::Warn => "\x1b[33m",
        Level::Error => "\x1b[31m",
        Level::Fatal => "\x1b[1;31m",
        Level::Audit => "\x1b[35m",
        Level::Security => "\x1b[1;35m",
    }
}

fn write_item(out: &mut Vec<u8>, item: Item<'_>) {
    match item {
        Item::Null => put(out, b"null"),
        Item::Bool(b) => put(out, if b { b"true" } else { b"false" }),
        Item::I64(n) => put(out, itoa::Buffer::new().format(n).as_bytes()),
        Item::U64(n) => put(out, itoa::Buffer::new().format(n).as_bytes()),
        Item::F64(n) => write_f64(out, n),
        Item::Str(s) => {
            if s.is_empty() || s.contains(' ') {
                out.push(b'"');
                write_visible(out, s);
                out.push(b'"');
            } else {
                write_visible(out, s);
            }
        }
        Item::Bytes(b) => base64_into(out, b),
        Item::Object(body) => {
            out.push(b'{');
            let mut first = true;
            for_each_in_object(body, |&(k, v, _)| {
                if !first {
                    out.push(b' ');
                }
                first = false;
                write_visible(out, k);
                out.push(b'=');
                write_item(out, v);
            });
            out.push(b'}');
        }
        Item::Array(body) => {
            out.push(b'[');
            for (i, (_, v)) in Entries::array(body).enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                write_item(out, v);
            }
            out.push(b']');
        }
    }
}

/// Writes text with C0 and C1 control characters and DEL made visible.
fn write_visible(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for c in s.chars() {
        match c {
            '\n' => put(out, b"\\n"),
            '\r' => put(out, b"\\r"),
            '\t' => put(out, b"\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let b = c as u8;
                put(
                    out,
                    &[b'\\', b'x', HEX[(b >> 4) as usize], HEX[(b & 15) as usize]],
                );
            }
            c if (0x80..0xa0).contains(&(c as u32)) => {
                let n = c as u32;
                put(out, b"\\u{");
                put(out, &[HEX[(n >> 4) as usize & 15], HEX[n as usize & 15]]);
                out.push(b'}');
            }
            c => {
                let mut b = [0u8; 4];
                put(out, c.encode_utf8(&mut b).as_bytes());
            }
        }
    }
}
