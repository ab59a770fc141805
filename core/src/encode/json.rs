//! NDJSON: one JSON object per line, written by hand for speed.

use super::time::TimeCache;
use super::{
    BoundCache, Entry, RENAMED_PREFIX, Statics, for_each_in_object, for_each_top,
    for_each_top_rendered, for_each_top_with,
};
use crate::record::RecordView;
use crate::record::put;
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

/// True when any byte of the little-endian word needs escaping: a
/// control character, `"` or `\\`. Exact, by the classic "has a byte
/// less than n" and "has a zero byte" bit tricks.
#[inline]
fn word_needs_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let control = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    let q = w ^ (ONES * b'"' as u64);
    let quote = q.wrapping_sub(ONES) & !q & HIGH;
    let b = w ^ (ONES * b'\\' as u64);
    let backslash = b.wrapping_sub(ONES) & !b & HIGH;
    (control | quote | backslash) != 0
}

/// Appends the escaped body of a JSON string. Clean runs are checked
/// eight bytes at a time (the last word overlapping the one before it)
/// and copied whole; strings under eight bytes are checked byte by byte.
#[inline]
pub(crate) fn write_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    let n = bytes.len();
    if n < 8 {
        if bytes.iter().any(|&b| ESCAPE[b as usize]) {
            return write_escaped_from(out, bytes, 0);
        }
        return put(out, bytes);
    }
    let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
    let mut i = 0;
    while i + 8 <= n {
        if word_needs_escape(word(i)) {
            return write_escaped_from(out, bytes, i);
        }
        i += 8;
    }
    if i < n && word_needs_escape(word(n - 8)) {
        return write_escaped_from(out, bytes, n - 8);
    }
    put(out, bytes);
}

/// The slow path: `bytes[..clean]` needs no escaping; the rest is checked
/// byte by byte.
#[cold]
fn write_escaped_from(out: &mut Vec<u8>, bytes: &[u8], clean: usize) {
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate().skip(clean) {
        if ESCAPE[b as usize] {
            put(out, &bytes[start..i]);
            write_escape(out, b);
            start = i + 1;
        }
    }
    put(out, &bytes[start..]);
}

#[inline]
fn write_escape(out: &mut Vec<u8>, b: u8) {
    match b {
        b'"' => put(out, b"\\\""),
        b'\\' => put(out, b"\\\\"),
        b'\n' => put(out, b"\\n"),
        b'\r' => put(out, b"\\r"),
        b'\t' => put(out, b"\\t"),
        _ => put(
            out,
            &[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[(b >> 4) as usize],
                HEX[(b & 0xf) as usize],
            ],
        ),
    }
}

/// Appends a double; NaN and the infinities become strings, since JSON
/// has no literal for them.
///
/// Values with at most three decimals (`12.5`, `0.25`) take a short path:
/// when `m / 10^k` for an integer `m` gives back exactly the same double,
/// printing `m` with the point moved `k` places reads back as that double
/// too. Everything else goes to `ryu`.
#[inline]
pub(crate) fn write_f64(out: &mut Vec<u8>, n: f64) {
    if n.is_finite() {
        if !write_short_decimal(out, n) {
            let mut b = ryu::Buffer::new();
            put(out, b.format_finite(n).as_bytes());
        }
    } else if n.is_nan() {
        put(out, b"\"NaN\"");
    } else if n > 0.0 {
        put(out, b"\"Infinity\"");
    } else {
        put(out, b"\"-Infinity\"");
    }
}

#[inline]
fn write_short_decimal(out: &mut Vec<u8>, n: f64) -> bool {
    const SCALE: [f64; 4] = [1.0, 10.0, 100.0, 1000.0];
    // Zero keeps its sign through ryu; large values print exponents.
    if n == 0.0 || !(-1e15..=1e15).contains(&n) {
        return false;
    }
    for (k, &scale) in SCALE.iter().enumerate() {
        let m = (n * scale).round();
        if m / scale != n {
            continue;
        }
        let m = m as i64;
        let mut digits = itoa::Buffer::new();
        let text = digits.format(m.unsigned_abs()).as_bytes();
        if m < 0 {
            out.push(b'-');
        }
        if k == 0 {
            put(out, text);
            put(out, b".0");
        } else if text.len() > k {
            let (int, frac) = text.split_at(text.len() - k);
            put(out, int);
            out.push(b'.');
            put(out, frac);
        } else {
            put(out, b"0.");
            for _ in text.len()..k {
                out.push(b'0');
            }
            put(out, text);
        }
        return true;
    }
    false
}

/// The NDJSON encoder.
pub(crate) struct Json {
    time: TimeCache,
    bound: BoundCache,
}

impl Json {
    pub(crate) fn new() -> Json {
        Json {
            time: TimeCache::new(),
            bound: BoundCache::new(),
        }
    }

    /// Writes the record's members after the head with its bound fields
    /// from their rendered form, when they have one and no key collides;
    /// false, having written nothing, otherwise. Kept out of line: records
    /// without bound fields never call it, and their path stays as short.
    #[inline(never)]
    fn members_rendered(
        &mut self,
        rec: &RecordView<'_>,
        statics: Option<&Statics>,
        out: &mut Vec<u8>,
    ) -> bool {
        let Some(bound) = self.bound.get(rec.bound) else {
            return false;
        };
        let done = for_each_top_rendered(rec, bound, statics, |e| match e {
            Some(e) => {
                out.push(b',');
                write_entry(out, e);
            }
            None if !bound.json.is_empty() => {
                out.push(b',');
                put(out, &bound.json);
            }
            None => {}
        });
        if done
            && let Some(st) = statics
            && !st.rendered.json.is_empty()
        {
            out.push(b',');
            put(out, &st.rendered.json);
        }
        done
    }

    /// The members every line starts with: timestamp, level, logger, message.
    #[inline(always)]
    fn head(&mut self, rec: &RecordView<'_>, out: &mut Vec<u8>) {
        put(out, b"{\"ts\":\"");
        self.time.nanos(rec.ts_nanos, out);
        put(out, b"\",\"level\":\"");
        put(out, rec.level.as_str().as_bytes());
        put(out, b"\",\"logger\":");
        write_str(out, rec.name);
        put(out, b",\"msg\":");
        write_str(out, rec.message);
    }

    #[inline]
    pub(crate) fn encode(&mut self, rec: &RecordView<'_>, out: &mut Vec<u8>) {
        self.head(rec, out);
        if !rec.bound.is_empty() && self.members_rendered(rec, None, out) {
            put(out, b"}\n");
            return;
        }
        for_each_top(rec, |e| {
            out.push(b',');
            write_entry(out, e);
        });
        put(out, b"}\n");
    }

    /// [`Json::encode`] with static fields: written from their rendered
    /// form, after the event's own fields, unless the event has one of
    /// their keys (then they take their usual place, and lose to it).
    #[inline]
    pub(crate) fn encode_with(
        &mut self,
        rec: &RecordView<'_>,
        statics: &Statics,
        out: &mut Vec<u8>,
    ) {
        self.head(rec, out);
        if !rec.bound.is_empty() && self.members_rendered(rec, Some(statics), out) {
            put(out, b"}\n");
            return;
        }
        let rendered = for_each_top_with(rec, statics, |e| {
            out.push(b',');
            write_entry(out, e);
        });
        if rendered && !statics.rendered.json.is_empty() {
            out.push(b',');
            put(out, &statics.rendered.json);
        }
        put(out, b"}\n");
    }
}

#[inline]
pub(crate) fn write_entry(out: &mut Vec<u8>, &(key, item, renamed): &Entry<'_>) {
    out.push(b'"');
    if renamed {
        put(out, RENAMED_PREFIX.as_bytes());
    }
    write_escaped(out, key.as_bytes());
    put(out, b"\":");
    write_item(out, item);
}

fn write_item(out: &mut Vec<u8>, item: Item<'_>) {
    match item {
        Item::Null => put(out, b"null"),
        Item::Bool(true) => put(out, b"true"),
        Item::Bool(false) => put(out, b"false"),
        Item::I64(n) => put(out, itoa::Buffer::new().format(n).as_bytes()),
        Item::U64(n) => put(out, itoa::Buffer::new().format(n).as_bytes()),
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
            for_each_in_object(body, |e| {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_check_agrees_with_the_table_for_every_byte_in_every_lane() {
        for b in 0..=255u8 {
            for lane in 0..8 {
                let mut word = [b'a'; 8];
                word[lane] = b;
                let w = u64::from_le_bytes(word);
                assert_eq!(
                    word_needs_escape(w),
                    ESCAPE[b as usize],
                    "byte {b:#x} lane {lane}"
                );
            }
        }
    }

    #[test]
    fn short_decimals_read_back_as_the_same_double_and_match_ryu() {
        let mut values = vec![
            12.5, 18.5, -0.25, 0.001, 0.1, 1.0, -3.0, 123456.789, 1e15, 0.07,
        ];
        values.extend((0..2000).map(|i| i as f64 * 0.001 - 1.0));
        values.extend((0..2000).map(|i| i as f64 / 7.0));
        for v in values {
            let mut out = Vec::new();
            write_f64(&mut out, v);
            let text = std::str::from_utf8(&out).unwrap();
            assert_eq!(text.parse::<f64>().unwrap(), v, "{text}");
            let mut b = ryu::Buffer::new();
            assert_eq!(text, b.format_finite(v), "differs from ryu for {v}");
        }
        let mut out = Vec::new();
        write_f64(&mut out, -0.0);
        assert_eq!(out, b"-0.0");
    }

    #[test]
    fn escaping_matches_serde_json_on_mixed_input() {
        let inputs = [
            "",
            "plain ascii text that is long enough",
            "quote\" in the middle of a long run of text",
            "tab\tand\nnewline and \\ backslash",
            "\u{1}\u{1f}\u{7f} and é and 日本語 in a longer string",
        ];
        for s in inputs {
            let mut out = Vec::new();
            write_str(&mut out, s);
            let back: String = serde_json::from_slice(&out).unwrap();
            assert_eq!(back, s);
        }
    }
}
