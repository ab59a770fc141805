//! RFC 3339 timestamps, formatted once per second and patched per event.

use crate::record::put;

/// Days since 1970-01-01 to a civil (year, month, day), proleptic
/// Gregorian. The classic era-based conversion.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Caches the `YYYY-MM-DDTHH:MM:SS` part for the last second seen.
pub(crate) struct TimeCache {
    sec: u64,
    prefix: [u8; 19],
}

impl TimeCache {
    pub(crate) fn new() -> TimeCache {
        let mut c = TimeCache {
            sec: u64::MAX,
            prefix: [0; 19],
        };
        c.refresh(0);
        c
    }

    fn refresh(&mut self, sec: u64) {
        self.sec = sec;
        let days = (sec / 86_400) as i64;
        let rem = sec % 86_400;
        let (y, mo, d) = civil_from_days(days);
        let (h, mi, s) = (rem / 3600, (rem / 60) % 60, rem % 60);
        let p = &mut self.prefix;
        let y = y.clamp(0, 9999) as u32;
        put_digits(&mut p[0..4], y);
        p[4] = b'-';
        put_digits(&mut p[5..7], mo);
        p[7] = b'-';
        put_digits(&mut p[8..10], d);
        p[10] = b'T';
        put_digits(&mut p[11..13], h as u32);
        p[13] = b':';
        put_digits(&mut p[14..16], mi as u32);
        p[16] = b':';
        put_digits(&mut p[17..19], s as u32);
    }

    /// Writes `YYYY-MM-DDTHH:MM:SS.fffffffffZ` (nanoseconds), 30 bytes.
    #[inline]
    pub(crate) fn nanos(&mut self, ts_nanos: u64, out: &mut Vec<u8>) {
        self.write(ts_nanos, 9, out);
    }

    /// Writes `YYYY-MM-DDTHH:MM:SS.fffZ` (milliseconds), 24 bytes.
    #[inline]
    pub(crate) fn millis(&mut self, ts_nanos: u64, out: &mut Vec<u8>) {
        self.write(ts_nanos, 3, out);
    }

    #[inline]
    fn write(&mut self, ts_nanos: u64, digits: usize, out: &mut Vec<u8>) {
        let sec = ts_nanos / 1_000_000_000;
        if sec != self.sec {
            self.refresh(sec);
        }
        let frac = (ts_nanos % 1_000_000_000) as u32;
        let mut f = [0u8; 9];
        put_digits(&mut f, frac);
        put(out, &self.prefix);
        out.push(b'.');
        put(out, &f[..digits]);
        out.push(b'Z');
    }
}

#[inline]
fn put_digits(out: &mut [u8], mut n: u32) {
    for b in out.iter_mut().rev() {
        *b = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(ns: u64) -> String {
        let mut out = Vec::new();
        TimeCache::new().nanos(ns, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(fmt(0), "1970-01-01T00:00:00.000000000Z");
        assert_eq!(
            fmt(951_782_400_000_000_001),
            "2000-02-29T00:00:00.000000001Z"
        );
        assert_eq!(
            fmt(1_796_316_263_123_456_789),
            "2026-12-03T16:44:23.123456789Z"
        );
    }

    #[test]
    fn cache_follows_the_clock() {
        let mut c = TimeCache::new();
        let mut out = Vec::new();
        c.millis(1_000_000_000, &mut out);
        c.millis(86_400_000_000_000, &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "1970-01-01T00:00:01.000Z1970-01-02T00:00:00.000Z"
        );
    }
}
