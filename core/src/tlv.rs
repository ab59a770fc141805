//! Reading the field encoding (see [`crate::record`]).
//!
//! Two readers: [`Entries`] walks records this crate built, which are well
//! formed by construction; [`copy_encoded`] walks a buffer from outside
//! (a binding's pre-encoded fields), checking every length, and copies it
//! through a [`FieldWriter`] so the limits and UTF-8 repair apply.

use std::fmt;

use crate::record::Limits;
use crate::record::tag;
use crate::value::{FieldWriter, MAX_DEPTH_CAP, is_utf8, unsafe_str};

/// One decoded value; containers are left encoded for a nested walk.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Item<'a> {
    Null,
    Bool(bool),
    I64(i64),
    U64(u64),
    F64(f64),
    Str(&'a str),
    Bytes(&'a [u8]),
    Object(&'a [u8]),
    Array(&'a [u8]),
}

/// Iterates the entries of an object (with keys) or the values of an
/// array (keys empty) of a record built by this crate.
#[derive(Clone)]
pub(crate) struct Entries<'a> {
    buf: &'a [u8],
    pos: usize,
    keyed: bool,
}

impl<'a> Entries<'a> {
    /// Entries of an object or of a top-level field list.
    #[inline]
    pub(crate) fn object(buf: &'a [u8]) -> Entries<'a> {
        Entries {
            buf,
            pos: 0,
            keyed: true,
        }
    }

    /// Values of an array.
    #[inline]
    pub(crate) fn array(buf: &'a [u8]) -> Entries<'a> {
        Entries {
            buf,
            pos: 0,
            keyed: false,
        }
    }

    #[inline]
    fn take(&mut self, n: usize) -> &'a [u8] {
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        s
    }

    #[inline]
    fn u32(&mut self) -> usize {
        u32::from_le_bytes(self.take(4).try_into().unwrap()) as usize
    }

    #[inline]
    fn u64(&mut self) -> [u8; 8] {
        self.take(8).try_into().unwrap()
    }
}

impl<'a> Iterator for Entries<'a> {
    type Item = (&'a str, Item<'a>);

    #[inline]
    fn next(&mut self) -> Option<(&'a str, Item<'a>)> {
        if self.pos >= self.buf.len() {
            return None;
        }
        let t = self.buf[self.pos];
        self.pos += 1;
        let key = if self.keyed {
            let len = u16::from_le_bytes(self.take(2).try_into().unwrap()) as usize;
            unsafe_str(self.take(len))
        } else {
            ""
        };
        let item = match t {
            tag::NULL => Item::Null,
            tag::FALSE => Item::Bool(false),
            tag::TRUE => Item::Bool(true),
            tag::I64 => Item::I64(i64::from_le_bytes(self.u64())),
            tag::U64 => Item::U64(u64::from_le_bytes(self.u64())),
            tag::F64 => Item::F64(f64::from_le_bytes(self.u64())),
            tag::STR => {
                let n = self.u32();
                Item::Str(unsafe_str(self.take(n)))
            }
            tag::BYTES => {
                let n = self.u32();
                Item::Bytes(self.take(n))
            }
            tag::OBJECT => {
                let n = self.u32();
                Item::Object(self.take(n))
            }
            tag::ARRAY => {
                let n = self.u32();
                Item::Array(self.take(n))
            }
            _ => {
                // Not reachable for records built by this crate; stop
                // rather than misread what follows.
                self.pos = self.buf.len();
                return None;
            }
        };
        Some((key, item))
    }
}

/// Why a pre-encoded field buffer was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodedError {
    /// Byte offset of the problem in the buffer.
    pub offset: usize,
    /// What is wrong.
    pub reason: &'static str,
}

impl fmt::Display for EncodedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "field buffer offset {}: {}", self.offset, self.reason)
    }
}

impl std::error::Error for EncodedError {}

/// A bounds-checked reader over untrusted bytes.
struct Checked<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Checked<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], EncodedError> {
        match self.pos.checked_add(n) {
            Some(end) if end <= self.buf.len() => {
                let s = &self.buf[self.pos..end];
                self.pos = end;
                Ok(s)
            }
            _ => Err(EncodedError {
                offset: self.pos,
                reason: what,
            }),
        }
    }

    fn u32(&mut self, what: &'static str) -> Result<usize, EncodedError> {
        Ok(u32::from_le_bytes(self.take(4, what)?.try_into().unwrap()) as usize)
    }

    fn u64(&mut self, what: &'static str) -> Result<[u8; 8], EncodedError> {
        Ok(self.take(8, what)?.try_into().unwrap())
    }
}

/// Copies an untrusted top-level field list into `w`, checking its
/// structure. Strings and keys are repaired and limits applied by the
/// writer. Containers nested past the depth limit are skipped by their
/// length, so hostile nesting cannot exhaust the stack.
pub fn copy_encoded(w: &mut FieldWriter<'_>, buf: &[u8]) -> Result<(), EncodedError> {
    // The usual buffer, built by a binding's own encoder, is well formed
    // and within every limit: checked in one pass, it is copied whole.
    let (limits, depth, room) = w.headroom();
    let mut fields = 0;
    if clean(buf, true, depth, limits, &mut fields) && fields <= room {
        w.append_checked(buf, fields);
        return Ok(());
    }
    let mut r = Checked { buf, pos: 0 };
    copy_list(w, &mut r, buf.len(), true)
}

/// True when `list` is well formed and the writer would copy it
/// unchanged: keys and strings valid UTF-8, strings within
/// `max_message_bytes`, nesting within `max_depth` starting at `depth`.
/// Counts the entries, nested ones included, in `fields`.
fn clean(list: &[u8], keyed: bool, depth: usize, limits: &Limits, fields: &mut usize) -> bool {
    let max_depth = limits.max_depth.min(MAX_DEPTH_CAP);
    let mut pos = 0;
    let n = list.len();
    let u32_at = |at: usize| -> Option<usize> {
        let b = list.get(at..at + 4)?;
        Some(u32::from_le_bytes(b.try_into().unwrap()) as usize)
    };
    while pos < n {
        let t = list[pos];
        pos += 1;
        if keyed {
            let Some(k) = list.get(pos..pos + 2) else {
                return false;
            };
            let len = u16::from_le_bytes([k[0], k[1]]) as usize;
            pos += 2;
            let Some(key) = list.get(pos..pos + len) else {
                return false;
            };
            if !is_utf8(key) {
                return false;
            }
            pos += len;
        }
        *fields += 1;
        match t {
            tag::NULL | tag::FALSE | tag::TRUE => {}
            tag::I64 | tag::U64 | tag::F64 => pos += 8,
            tag::STR | tag::BYTES | tag::OBJECT | tag::ARRAY => {
                let Some(len) = u32_at(pos) else {
                    return false;
                };
                pos += 4;
                let Some(body) = pos.checked_add(len).and_then(|e| list.get(pos..e)) else {
                    return false;
                };
                let ok = match t {
                    tag::STR => len <= limits.max_message_bytes && is_utf8(body),
                    tag::BYTES => len <= limits.max_message_bytes,
                    _ => {
                        depth < max_depth
                            && clean(body, t == tag::OBJECT, depth + 1, limits, fields)
                    }
                };
                if !ok {
                    return false;
                }
                pos += len;
            }
            _ => return false,
        }
    }
    pos == n
}

fn copy_list(
    w: &mut FieldWriter<'_>,
    r: &mut Checked<'_>,
    end: usize,
    keyed: bool,
) -> Result<(), EncodedError> {
    while r.pos < end {
        let at = r.pos;
        let t = r.take(1, "truncated tag")?[0];
        let key = if keyed {
            let len = u16::from_le_bytes(r.take(2, "truncated key length")?.try_into().unwrap());
            Some(r.take(len as usize, "key runs past the end")?)
        } else {
            None
        };
        match t {
            tag::NULL => w.null(key),
            tag::FALSE => w.bool(key, false),
            tag::TRUE => w.bool(key, true),
            tag::I64 => w.i64(key, i64::from_le_bytes(r.u64("truncated integer")?)),
            tag::U64 => w.u64(key, u64::from_le_bytes(r.u64("truncated integer")?)),
            tag::F64 => w.f64(key, f64::from_le_bytes(r.u64("truncated double")?)),
            tag::STR => {
                let n = r.u32("truncated string length")?;
                w.str(key, r.take(n, "string runs past the end")?);
            }
            tag::BYTES => {
                let n = r.u32("truncated bytes length")?;
                w.bytes(key, r.take(n, "bytes run past the end")?);
            }
            tag::OBJECT | tag::ARRAY => {
                let n = r.u32("truncated container length")?;
                let inner_end = r
                    .pos
                    .checked_add(n)
                    .filter(|&e| e <= end)
                    .ok_or(EncodedError {
                        offset: r.pos,
                        reason: "container runs past its parent",
                    })?;
                let opened = if t == tag::OBJECT {
                    w.begin_object(key)
                } else {
                    w.begin_array(key)
                };
                if opened {
                    copy_list(w, r, inner_end, t == tag::OBJECT)?;
                    w.end();
                } else {
                    r.pos = inner_end;
                }
            }
            _ => {
                return Err(EncodedError {
                    offset: at,
                    reason: "unknown tag",
                });
            }
        }
        if r.pos > end {
            return Err(EncodedError {
                offset: at,
                reason: "entry runs past its container",
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::RecBuf;
    use crate::value::{Field, Value, field};

    /// Copies `buf` the careful way only, entry by entry.
    fn entry_by_entry(buf: &[u8], limits: &Limits) -> (Result<(), EncodedError>, Vec<u8>) {
        let mut out = RecBuf::new();
        let mut w = FieldWriter::new(&mut out, limits);
        let mut r = Checked { buf, pos: 0 };
        let res = copy_list(&mut w, &mut r, buf.len(), true);
        w.finish();
        (res, out.as_slice().to_vec())
    }

    fn copied(buf: &[u8], limits: &Limits) -> (Result<(), EncodedError>, Vec<u8>) {
        let mut out = RecBuf::new();
        let mut w = FieldWriter::new(&mut out, limits);
        let res = copy_encoded(&mut w, buf);
        w.finish();
        (res, out.as_slice().to_vec())
    }

    fn encoded(fields: &[Field<'_>]) -> Vec<u8> {
        let limits = Limits::default();
        let mut out = RecBuf::new();
        let mut w = FieldWriter::new(&mut out, &limits);
        w.fields(fields);
        w.finish();
        out.as_slice().to_vec()
    }

    #[test]
    fn the_whole_buffer_shortcut_agrees_with_the_careful_copy() {
        let deep = [field("d", 1)];
        let d2 = [field("c", &deep[..])];
        let d3 = [field("b", &d2[..])];
        let arr = [Value::I64(1), Value::Str("x"), Value::Object(&deep)];
        let mut bad_utf8 = encoded(&[field("s", "abc")]);
        let last = bad_utf8.len() - 1;
        bad_utf8[last] = 0xff;
        let cases = [
            encoded(&[
                field("user_id", 7),
                field("path", "/api"),
                field("lat", 1.5),
            ]),
            encoded(&[
                field("a", &d3[..]),
                field("arr", &arr[..]),
                field("n", Value::Null),
            ]),
            encoded(&[field("long", "x".repeat(100).as_str())]),
            encoded(&(0..20).map(|_| field("k", true)).collect::<Vec<_>>()),
            bad_utf8,
            vec![0x07, 1, 0, b'k', 9, 0, 0, 0, b'a'],
            vec![0x42],
        ];
        let tight = Limits {
            max_fields: 5,
            max_depth: 2,
            max_message_bytes: 50,
            ..Limits::default()
        };
        for limits in [Limits::default(), tight] {
            for case in &cases {
                assert_eq!(
                    copied(case, &limits),
                    entry_by_entry(case, &limits),
                    "{case:?}"
                );
            }
        }
        // Random bytes, and random cuts of valid buffers.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..2000 {
            let base = &cases[(next() % 4) as usize];
            let mut b = base[..(next() as usize % (base.len() + 1))].to_vec();
            if next() % 2 == 0 && !b.is_empty() {
                let i = next() as usize % b.len();
                b[i] = next() as u8;
            }
            let limits = if next() % 2 == 0 {
                Limits::default()
            } else {
                tight
            };
            assert_eq!(copied(&b, &limits), entry_by_entry(&b, &limits), "{b:?}");
        }
    }
}
