//! Request ids and W3C trace context, read from request headers or made.
//!
//! The rules are those of `asynclog.fastapi`: a request id taken from a
//! header is 1 to 128 characters of `A-Za-z0-9._:/+=@-`, so a client
//! cannot put arbitrary text into the response header or into the logs'
//! correlation key; a `traceparent` is `VV-TRACE-SPAN-FF` in lowercase hex
//! (surrounding ASCII whitespace ignored), with a version other than `ff`
//! and ids that are not all zeros.
//!
//! Fresh ids are 32 lowercase hex digits from a SplitMix64 sequence: ids
//! need to be unique, not secret, and drawing one costs no system call.
//! The sequence never repeats within a process (2^63 ids), and the package
//! reseeds it from the OS at import and in every forked child, so workers
//! forked from one parent never share it.

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use pyo3::prelude::*;
use pyo3::types::PyString;

/// The longest request id taken from a header.
pub const MAX_ID_LEN: usize = 128;

/// SplitMix64's increment.
const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// Where the id sequence stands.
static STATE: AtomicU64 = AtomicU64::new(0);

/// True when `value` may be used as a request id.
pub fn is_valid_id(value: &[u8]) -> bool {
    (1..=MAX_ID_LEN).contains(&value.len())
        && value.iter().all(|&b| {
            b.is_ascii_alphanumeric()
                || matches!(b, b'.' | b'_' | b':' | b'/' | b'+' | b'=' | b'@' | b'-')
        })
}

/// Python's `bytes.strip()`: ASCII space, tab, line feed, vertical tab,
/// form feed and carriage return.
fn strip(mut s: &[u8]) -> &[u8] {
    let space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
    while let Some((first, rest)) = s.split_first() {
        if !space(first) {
            break;
        }
        s = rest;
    }
    while let Some((last, rest)) = s.split_last() {
        if !space(last) {
            break;
        }
        s = rest;
    }
    s
}

fn lower_hex(s: &[u8]) -> bool {
    s.iter()
        .all(|&b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The trace id (32 hex digits) and parent span id (16) of a valid
/// `traceparent` value, borrowed from it.
pub fn traceparent(value: &[u8]) -> Option<(&[u8], &[u8])> {
    let v = strip(value);
    if v.len() != 55 || v[2] != b'-' || v[35] != b'-' || v[52] != b'-' {
        return None;
    }
    let (version, trace, span, flags) = (&v[..2], &v[3..35], &v[36..52], &v[53..]);
    if !(lower_hex(version) && lower_hex(trace) && lower_hex(span) && lower_hex(flags)) {
        return None;
    }
    let zero = |s: &[u8]| s.iter().all(|&b| b == b'0');
    if version == b"ff" || zero(trace) || zero(span) {
        return None;
    }
    Some((trace, span))
}

/// SplitMix64's output function: a bijection, so distinct states give
/// distinct outputs.
#[inline]
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A fresh id: 32 lowercase hex digits.
pub fn fresh_id() -> [u8; 32] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let s = STATE.fetch_add(GAMMA.wrapping_mul(2), Ordering::Relaxed);
    let bits = (u128::from(mix(s.wrapping_add(GAMMA))) << 64)
        | u128::from(mix(s.wrapping_add(GAMMA.wrapping_mul(2))));
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = HEX[((bits >> (124 - 4 * i)) & 0xf) as usize];
    }
    out
}

/// Seeds the sequence when the module loads, from the standard library's
/// OS-seeded hash keys, the process id and the time, so ids are random
/// even before the package reseeds it from `os.urandom`.
pub fn seed_at_load() {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    if let Ok(t) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        h.write_u128(t.as_nanos());
    }
    STATE.store(h.finish(), Ordering::Relaxed);
}

/// True when a header's value may be used as the request id: 1 to 128
/// characters of `A-Za-z0-9._:/+=@-`.
#[pyfunction]
pub fn valid_request_id(value: &[u8]) -> bool {
    is_valid_id(value)
}

/// The trace id and parent span id of a W3C `traceparent` header, or
/// `None` when it is malformed, has version `ff`, or an all-zero id.
#[pyfunction]
pub fn parse_traceparent<'py>(
    py: Python<'py>,
    value: &[u8],
) -> Option<(Bound<'py, PyString>, Bound<'py, PyString>)> {
    let (trace, span) = traceparent(value)?;
    Some((ascii(py, trace), ascii(py, span)))
}

/// A fresh random request id: 32 lowercase hex digits.
#[pyfunction]
pub fn new_request_id(py: Python<'_>) -> Bound<'_, PyString> {
    ascii(py, &fresh_id())
}

/// Restarts the id sequence from `seed` (at least 8 bytes, from the OS):
/// the package calls it at import and in every forked child.
#[pyfunction]
pub fn seed_request_ids(seed: &[u8]) -> PyResult<()> {
    let Some(head) = seed.first_chunk::<8>() else {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "a request id seed needs at least 8 bytes",
        ));
    };
    STATE.store(u64::from_le_bytes(*head), Ordering::Relaxed);
    Ok(())
}

/// A `str` of ASCII bytes (the checks above guarantee ASCII).
pub fn ascii<'py>(py: Python<'py>, s: &[u8]) -> Bound<'py, PyString> {
    PyString::new(py, std::str::from_utf8(s).unwrap_or("\u{fffd}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_the_character_and_length_rules() {
        assert!(is_valid_id(b"req-1.a_b:c/d+e=f@g"));
        assert!(is_valid_id(&[b'a'; 128]));
        assert!(!is_valid_id(&[b'a'; 129]));
        assert!(!is_valid_id(b""));
        assert!(!is_valid_id(b"with space"));
        assert!(!is_valid_id(b"quote\""));
        assert!(!is_valid_id("é".as_bytes()));
    }

    #[test]
    fn traceparents_are_parsed_after_stripping_ascii_whitespace() {
        let tp = b"\x0b 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\t\n";
        let (t, s) = traceparent(tp).unwrap();
        assert_eq!(t, b"4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(s, b"00f067aa0ba902b7");
        assert!(traceparent(b"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").is_none());
        assert!(traceparent(b"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01").is_none());
        assert!(traceparent(b"00-00000000000000000000000000000000-00f067aa0ba902b7-01").is_none());
        assert!(traceparent(b"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01").is_none());
        assert!(
            traceparent(b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x").is_none()
        );
    }

    #[test]
    fn fresh_ids_are_32_lowercase_hex_digits_and_differ() {
        let a = fresh_id();
        let b = fresh_id();
        assert_ne!(a, b);
        assert!(
            a.iter()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
    }
}
