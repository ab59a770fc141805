//! Reads a contender's file back and checks every line.
//!
//! A line counts as verified when the whole of it parses as one JSON
//! object (with serde_json), carries the workload's message (under `msg`,
//! or `message` as tracing names it), level, path and latency for its
//! `user_id`, and that `user_id` was not seen before. Lost events are the
//! plan's events that no verified line carries. Within each thread's run
//! of ids, lines must arrive in order; every step out of order is counted.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::workload::{MESSAGE, PATH, Plan, latency_ms};

/// The result of reading a file back.
#[derive(Debug, Default)]
pub struct Verified {
    /// Lines in the file.
    pub lines: u64,
    /// Bytes in the file.
    pub bytes: u64,
    /// Lines that passed every check, one per distinct event.
    pub verified: u64,
    /// Events of the plan that no verified line carries.
    pub lost: u64,
    /// Lines that were not JSON, or lacked a workload field.
    pub malformed: u64,
    /// Lines whose event was already seen.
    pub duplicates: u64,
    /// Lines that did not follow the previous line of the same thread.
    pub out_of_order: u64,
    /// The first malformed line, for the report.
    pub first_malformed: Option<String>,
}

impl Verified {
    /// True when every event arrived exactly once and in order.
    pub fn is_clean(&self) -> bool {
        self.lost == 0 && self.malformed == 0 && self.duplicates == 0 && self.out_of_order == 0
    }
}

/// Checks the file at `path` against the plan.
pub fn verify(path: &Path, plan: &Plan) -> std::io::Result<Verified> {
    let mut reader = BufReader::with_capacity(1 << 20, File::open(path)?);
    let mut seen = vec![0u64; (plan.events / 64 + 1) as usize];
    let mut next: Vec<u64> = (0..plan.threads).map(|t| plan.range(t).start).collect();
    let mut v = Verified::default();
    let mut line = Vec::with_capacity(512);
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line)?;
        if n == 0 {
            break;
        }
        v.lines += 1;
        v.bytes += n as u64;
        let Some(id) = check_line(&line).filter(|&id| id < plan.events) else {
            v.malformed += 1;
            if v.first_malformed.is_none() {
                v.first_malformed = Some(String::from_utf8_lossy(&line).trim_end().to_string());
            }
            continue;
        };
        let (word, bit) = ((id / 64) as usize, 1u64 << (id % 64));
        if seen[word] & bit != 0 {
            v.duplicates += 1;
            continue;
        }
        seen[word] |= bit;
        v.verified += 1;
        let t = plan.thread_of(id);
        if id != next[t] {
            v.out_of_order += 1;
        }
        next[t] = id + 1;
    }
    v.lost = plan.events - v.verified;
    Ok(v)
}

/// The line's `user_id` if it is a well-formed workload event.
fn check_line(line: &[u8]) -> Option<u64> {
    let line: Line<'_> = serde_json::from_slice(line).ok()?;
    let id = line.user_id?;
    let ok = line.message == Some(MESSAGE)
        && line.path == Some(PATH)
        && line.latency_ms == Some(latency_ms(id))
        && line.level.is_some_and(|l| l.eq_ignore_ascii_case("INFO"));
    ok.then_some(id)
}

/// The keys of a line the verifier looks at. Reading into this instead of
/// a `serde_json::Value` borrows from the line and allocates nothing,
/// while other keys are still parsed (and so checked) and skipped.
#[derive(Default)]
struct Line<'a> {
    message: Option<&'a str>,
    path: Option<&'a str>,
    level: Option<&'a str>,
    user_id: Option<u64>,
    latency_ms: Option<f64>,
}

impl<'de> Deserialize<'de> for Line<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(LineVisitor)
    }
}

struct LineVisitor;

impl<'de> Visitor<'de> for LineVisitor {
    type Value = Line<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Line<'de>, A::Error> {
        let mut line = Line::default();
        while let Some(key) = map.next_key::<&'de str>()? {
            match key {
                // `message` is where tracing puts it.
                "msg" | "message" => line.message = Some(map.next_value()?),
                "path" => line.path = Some(map.next_value()?),
                "level" => line.level = Some(map.next_value()?),
                "user_id" => line.user_id = Some(map.next_value()?),
                "latency_ms" => line.latency_ms = Some(map.next_value()?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_lost_duplicated_reordered_and_malformed_lines() {
        let dir = std::env::temp_dir().join(format!("verify-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("log.json");
        let line = |id: u64| {
            format!(
                "{{\"level\":\"INFO\",\"msg\":\"request handled\",\"user_id\":{id},\
                 \"path\":\"/api/v1/items\",\"latency_ms\":{}}}\n",
                latency_ms(id)
            )
        };
        // Thread 0 owns 0..3, thread 1 owns 3..6; 4 is lost, 1 repeats,
        // 5 comes before 3, and one line is cut short.
        let text = [line(0), line(1), line(1), line(2), line(5), line(3)].concat() + "{\"msg\"\n";
        std::fs::write(&path, text).unwrap();
        let plan = Plan {
            events: 6,
            threads: 2,
        };
        let v = verify(&path, &plan).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(v.lines, 7);
        assert_eq!(v.verified, 5);
        assert_eq!(v.lost, 1);
        assert_eq!(v.duplicates, 1);
        assert_eq!(v.out_of_order, 2);
        assert_eq!(v.malformed, 1);
        assert!(!v.is_clean());
    }
}
