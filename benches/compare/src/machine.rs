//! What the results were measured on, recorded beside them.

use std::process::Command;

use serde_json::{Value, json};

const CLOCKSOURCE: &str = "/sys/devices/system/clocksource/clocksource0/current_clocksource";

/// The machine, the toolchain and the versions of the contenders.
pub fn describe() -> Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu_field = |key: &str| {
        cpuinfo
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
    };
    let mem_kib = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
    json!({
        "hostname": hostname(),
        "nproc": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "cpu_model": cpu_field("model name"),
        "cpu_mhz": cpu_field("cpu MHz"),
        "mem_total_mib": mem_kib.map(|k| k / 1024),
        "kernel": read_trimmed("/proc/sys/kernel/osrelease"),
        "clocksource": read_trimmed(CLOCKSOURCE),
        "rustc": env!("BENCH_RUSTC_VERSION"),
        "profile": if cfg!(debug_assertions) { "debug" } else { "release" },
        "source": {
            "commit": env!("BENCH_GIT_COMMIT"),
            "core_and_ffi": env!("BENCH_GIT_STATE"),
            "note": "as built: the commit, and whether core/ and ffi/ differed from it",
        },
        "git_commit_at_run": git(&["rev-parse", "HEAD"]),
        "versions": {
            "asynclog": env!("CARGO_PKG_VERSION"),
            "tracing": env!("BENCH_TRACING_VERSION"),
            "tracing-subscriber": env!("BENCH_TRACING_SUBSCRIBER_VERSION"),
            "tracing-appender": env!("BENCH_TRACING_APPENDER_VERSION"),
            "spdlog": env!("BENCH_SPDLOG_VERSION"),
        },
    })
}

/// The 1, 5 and 15 minute load averages: other work on the machine skews
/// every number, so the results keep them.
pub fn load_average() -> Option<String> {
    read_trimmed("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
}

/// The host's name, from the kernel.
pub fn hostname() -> String {
    read_trimmed("/proc/sys/kernel/hostname").unwrap_or_else(|| "unknown-host".into())
}

fn read_trimmed(path: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_string())
}

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Today's date in UTC, `YYYY-MM-DD`, and the time `HH:MM:SSZ`.
pub fn today() -> (String, String) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (y, m, d) = civil_date((secs / 86_400) as i64);
    let rem = secs % 86_400;
    (
        format!("{y:04}-{m:02}-{d:02}"),
        format!("{:02}:{:02}:{:02}Z", rem / 3600, rem / 60 % 60, rem % 60),
    )
}

/// The proleptic Gregorian date of a day counted from 1970-01-01.
pub fn civil_date(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::civil_date;

    #[test]
    fn civil_dates_match_known_days() {
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(civil_date(11_016), (2000, 2, 29));
        assert_eq!(civil_date(19_723), (2024, 1, 1));
    }
}
