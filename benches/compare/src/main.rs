//! asynclog-bench-compare: asynclog against tracing, spdlog and a plain
//! format-and-write loop, on one workload, in one run.
//!
//! Each contender runs in a child process of its own (this binary, run
//! again with `--run NAME`), so its peak resident set is its own and no
//! logger's threads or globals outlive its turn. The child logs the
//! workload to a file in a temporary directory, closes its logger, reads
//! the file back to verify every line, deletes it, and prints one JSON
//! result; the parent prints the table and keeps every result, with the
//! machine it ran on, in `benches/results/`.
//!
//! ```text
//! asynclog-bench-compare [--events N] [--threads 1,2] [--only a,b] [--quick]
//!                        [--repeat K] [--quiet-wait S] [--out FILE] [--keep-files]
//! ```

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use serde_json::{Value, json};

mod contenders;
mod harness;
mod machine;
mod verify;
mod workload;

use contenders::Contender;
use workload::{Plan, SAMPLE_EVERY};

const DEFAULT_EVENTS: u64 = 5_000_000;
const QUICK_EVENTS: u64 = 500_000;
/// The prefix of the one line a child prints for the parent.
const RESULT_PREFIX: &str = "asynclog-bench-result ";

const USAGE: &str = "\
usage: asynclog-bench-compare [options]

  --events N      events per run, split over the threads (default 5000000)
  --quick         500000 events, for a fast look
  --threads LIST  producer thread counts, comma-separated (default 1,2)
  --only LIST     contenders to run, comma-separated (default: all)
  --out FILE      where to write the JSON results (default:
                  benches/results/<date>-<hostname>.json, with -quick or
                  -<events> before .json for a shorter run)
  --repeat K      run each contender K times, in rounds, and report the
                  run with the median events/s (default 1)
  --quiet-wait S  before each run, wait up to S seconds for the machine to
                  be at most 10% busy for a second (default 60; 0: never)
  --keep-files    leave the log files in the temporary directory
  --no-verify     do not read the files back (for profiling; every event
                  then shows as lost)
  --list          print the contenders and exit
";

struct Options {
    events: u64,
    threads: Vec<usize>,
    only: Option<Vec<String>>,
    out: Option<PathBuf>,
    keep_files: bool,
    /// Longest wait for a quiet machine before each run.
    quiet_wait: u64,
    /// Runs of each contender; the median one is reported.
    repeat: usize,
    /// Skips reading the files back: for profiling a contender alone.
    no_verify: bool,
    list: bool,
    /// Child mode: the contender to run, and the directory for its file.
    run: Option<String>,
    dir: Option<PathBuf>,
}

fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        events: DEFAULT_EVENTS,
        threads: vec![1, 2],
        only: None,
        out: None,
        keep_files: false,
        no_verify: false,
        repeat: 1,
        quiet_wait: 60,
        list: false,
        run: None,
        dir: None,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match arg.as_str() {
            "--events" => {
                let v = value("--events")?;
                o.events = v
                    .replace('_', "")
                    .parse()
                    .map_err(|_| format!("--events: {v:?} is not a whole number"))?;
                if o.events == 0 {
                    return Err("--events: must be at least 1".into());
                }
            }
            "--quick" => o.events = QUICK_EVENTS,
            "--threads" => {
                let v = value("--threads")?;
                o.threads = v
                    .split(',')
                    .map(|t| match t.trim().parse::<usize>() {
                        Ok(n) if n >= 1 => Ok(n),
                        _ => Err(format!(
                            "--threads: {t:?} is not a thread count of 1 or more"
                        )),
                    })
                    .collect::<Result<_, _>>()?;
            }
            "--only" => {
                let v = value("--only")?;
                o.only = Some(v.split(',').map(|s| s.trim().to_string()).collect());
            }
            "--out" => o.out = Some(PathBuf::from(value("--out")?)),
            "--repeat" => {
                let v = value("--repeat")?;
                o.repeat = match v.parse() {
                    Ok(n) if n >= 1 => n,
                    _ => return Err(format!("--repeat: {v:?} is not a count of 1 or more")),
                };
            }
            "--quiet-wait" => {
                let v = value("--quiet-wait")?;
                o.quiet_wait = v
                    .parse()
                    .map_err(|_| format!("--quiet-wait: {v:?} is not a number of seconds"))?;
            }
            "--keep-files" => o.keep_files = true,
            "--no-verify" => o.no_verify = true,
            "--list" => o.list = true,
            "--run" => o.run = Some(value("--run")?),
            "--dir" => o.dir = Some(PathBuf::from(value("--dir")?)),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    Ok(o)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match parse_args(&args) {
        Ok(o) => o,
        Err(e) if e.is_empty() => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("asynclog-bench-compare: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let result = match &options.run {
        Some(name) => run_child(name, &options),
        None => run_parent(&options, &args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("asynclog-bench-compare: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Child mode: runs one contender and prints its result as JSON.
fn run_child(name: &str, o: &Options) -> Result<ExitCode, String> {
    let contender = contenders::all()
        .into_iter()
        .find(|c| c.name == name)
        .ok_or_else(|| format!("--run: no contender named {name:?}"))?;
    let threads = *o.threads.first().unwrap_or(&1);
    let plan = Plan {
        events: o.events,
        threads,
    };
    let dir = o.dir.clone().unwrap_or_else(std::env::temp_dir);
    let path = dir.join(format!("{name}-t{threads}.log"));

    let timer_overhead = harness::timer_overhead_ns();
    let (rss_before, _) = harness::rss_kib();
    let cpu_before = harness::cpu_seconds();
    let (machine_before, steal_before) = harness::machine_cpu_seconds();
    let finished = (contender.run)(&path, &plan)?;
    let cpu = harness::cpu_seconds() - cpu_before;
    let (machine_after, steal_after) = harness::machine_cpu_seconds();
    // What the rest of the machine used meanwhile: other work skews the
    // numbers, so each result says how much there was.
    let other_cpu = (machine_after - machine_before - cpu).max(0.0);
    let (rss_peak, rss_end) = harness::rss_kib();

    let elapsed = finished.end.duration_since(finished.produced.start);
    let v = if o.no_verify {
        verify::Verified {
            lost: plan.events,
            bytes: std::fs::metadata(&path).map_or(0, |m| m.len()),
            ..Default::default()
        }
    } else {
        verify::verify(&path, &plan).map_err(|e| format!("{}: {e}", path.display()))?
    };
    if !o.keep_files {
        let _ = std::fs::remove_file(&path);
    }

    let s = &finished.produced.samples;
    let f = &finished.produced.floor;
    let result = json!({
        "contender": name,
        "threads": threads,
        "events": plan.events,
        "elapsed_s": elapsed.as_secs_f64(),
        "events_per_s": plan.events as f64 / elapsed.as_secs_f64(),
        "cpu_s": cpu,
        "other_cpu_s": other_cpu,
        "steal_s": steal_after - steal_before,
        "producer_ns": {
            "samples": s.len(),
            "sample_every": SAMPLE_EVERY,
            "p50": harness::percentile(s, 0.50),
            "p90": harness::percentile(s, 0.90),
            "p99": harness::percentile(s, 0.99),
            "p999": harness::percentile(s, 0.999),
            "max": s.last().copied().unwrap_or(0),
            "mean": s.iter().map(|&x| x as f64).sum::<f64>() / s.len().max(1) as f64,
            "timer_overhead_ns": timer_overhead,
            "timer_floor": {
                "p50": harness::percentile(f, 0.50),
                "p90": harness::percentile(f, 0.90),
                "p99": harness::percentile(f, 0.99),
                "p999": harness::percentile(f, 0.999),
            },
        },
        "rss_kib": { "before": rss_before, "peak": rss_peak, "end": rss_end },
        "file_bytes": v.bytes,
        "bytes_per_line": if v.lines > 0 { v.bytes as f64 / v.lines as f64 } else { 0.0 },
        "verify": {
            "lines": v.lines,
            "verified": v.verified,
            "lost": v.lost,
            "malformed": v.malformed,
            "duplicates": v.duplicates,
            "out_of_order": v.out_of_order,
            "first_malformed": v.first_malformed,
            "clean": v.is_clean(),
        },
        "refused_calls": finished.produced.refused,
        "details": finished.details,
    });
    println!("{RESULT_PREFIX}{result}");
    Ok(ExitCode::SUCCESS)
}

/// One child run to make.
struct Job<'a> {
    contender: &'a Contender,
    threads: usize,
}

/// Parent mode: runs every selected contender in a child, then reports.
fn run_parent(o: &Options, args: &[String]) -> Result<ExitCode, String> {
    let all = contenders::all();
    if o.list {
        for c in &all {
            println!("{:<16} {}", c.name, c.about);
        }
        for name in contenders::missing() {
            println!("{name:<16} (not built: see the build's warning)");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let selected: Vec<&Contender> = match &o.only {
        None => all.iter().collect(),
        Some(names) => {
            let mut v = Vec::new();
            for n in names {
                match all.iter().find(|c| c.name == *n) {
                    Some(c) => v.push(c),
                    None if contenders::missing().contains(&n.as_str()) => {
                        eprintln!("note: {n} is not built into this binary; skipping it");
                    }
                    None => {
                        let known: Vec<_> = all.iter().map(|c| c.name).collect();
                        return Err(format!(
                            "--only: no contender named {n:?}; known: {}",
                            known.join(", ")
                        ));
                    }
                }
            }
            v
        }
    };
    for name in contenders::missing() {
        eprintln!("note: {name} was not built (see the build warning); it is left out");
    }

    // The single-thread loop runs once, first: every row is held against it.
    let mut jobs = Vec::new();
    for c in selected.iter().filter(|c| c.single_thread_only) {
        jobs.push(Job {
            contender: c,
            threads: 1,
        });
    }
    for &t in &o.threads {
        for c in selected.iter().filter(|c| !c.single_thread_only) {
            jobs.push(Job {
                contender: c,
                threads: t,
            });
        }
    }

    let dir = std::env::temp_dir().join(format!("asynclog-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let exe = std::env::current_exe().map_err(|e| format!("finding this program: {e}"))?;

    let load_before = machine::load_average();
    // Repeats run in rounds, so a burst of other work on the machine
    // lands on one round rather than on every run of one contender.
    let mut runs: Vec<Vec<Value>> = vec![Vec::new(); jobs.len()];
    let mut failures = 0;
    for round in 1..=o.repeat {
        for (job, job_runs) in jobs.iter().zip(runs.iter_mut()) {
            let name = job.contender.name;
            let of = if o.repeat > 1 {
                format!(" (round {round} of {})", o.repeat)
            } else {
                String::new()
            };
            eprintln!(
                "running {name} with {} thread(s), {} events{of}...",
                job.threads, o.events
            );
            let (waited, busy) = match o.quiet_wait {
                0 => (0.0, f64::NAN),
                s => harness::wait_until_quiet(std::time::Duration::from_secs(s)),
            };
            if busy > 10.0 {
                eprintln!("  note: the machine is still {busy:.0}% busy after {waited:.0} s");
            }
            match run_one(&exe, &dir, job, o) {
                Ok(mut r) => {
                    r["quiet_wait"] = json!({ "waited_s": waited, "busy_pct": busy });
                    let v = &r["verify"];
                    eprintln!(
                        "  {:.0} events/s, {} verified, {} lost",
                        r["events_per_s"].as_f64().unwrap_or(0.0),
                        v["verified"],
                        v["lost"]
                    );
                    if v["clean"] != Value::Bool(true) {
                        eprintln!("  warning: {name} did not verify clean: {v}");
                    }
                    job_runs.push(r);
                }
                Err(e) => {
                    eprintln!("  {name} failed: {e}");
                    failures += 1;
                }
            }
        }
    }
    let mut results: Vec<Value> = jobs
        .iter()
        .zip(runs)
        .map(|(job, job_runs)| median_run(job, job_runs, o))
        .collect();
    if !o.keep_files {
        let _ = std::fs::remove_dir_all(&dir);
    } else {
        eprintln!("log files kept in {}", dir.display());
    }

    add_ratios(&mut results);
    let machine = machine::describe();
    println!();
    print_table(&results, &machine, o);

    let (date, time) = machine::today();
    let out = o.out.clone().unwrap_or_else(|| {
        let suffix = match o.events {
            DEFAULT_EVENTS => String::new(),
            QUICK_EVENTS => "-quick".into(),
            n => format!("-{n}"),
        };
        // A later run on the same day and host does not replace an earlier
        // one: it gets -2, -3, ...
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../results");
        let stem = format!("{date}-{}{suffix}", machine::hostname());
        (1..)
            .map(|n| match n {
                1 => dir.join(format!("{stem}.json")),
                n => dir.join(format!("{stem}-{n}.json")),
            })
            .find(|p| !p.exists())
            .expect("some name is free")
    });
    let doc = json!({
        "benchmark": "asynclog-bench-compare",
        "date": date,
        "time": time,
        "command": std::iter::once("asynclog-bench-compare".to_string())
            .chain(args.iter().cloned())
            .collect::<Vec<_>>()
            .join(" "),
        "machine": machine,
        "load_average": { "before": load_before, "after": machine::load_average() },
        "workload": {
            "events": o.events,
            "threads": o.threads,
            "repeat": o.repeat,
            "quiet_wait_s": o.quiet_wait,
            "event": "INFO \"request handled\" user_id=<i64, counting up> \
                      path=\"/api/v1/items\" latency_ms=<12.5 + user_id % 7>",
            "encoding": "one JSON object per line, to a file",
            "sample_every": SAMPLE_EVERY,
        },
        "contenders": selected
            .iter()
            .map(|c| json!({ "name": c.name, "about": c.about }))
            .collect::<Vec<_>>(),
        "not_built": contenders::missing(),
        "results": results,
    });
    if let Some(parent) = out.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    let text = serde_json::to_string_pretty(&doc).expect("results serialize") + "\n";
    std::fs::write(&out, text).map_err(|e| format!("{}: {e}", out.display()))?;
    println!("\nresults written to {}", display_path(&out));

    Ok(if failures > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Runs one job in a child process and returns its JSON result.
fn run_one(exe: &Path, dir: &Path, job: &Job<'_>, o: &Options) -> Result<Value, String> {
    let mut cmd = Command::new(exe);
    cmd.args(["--run", job.contender.name])
        .args(["--threads", &job.threads.to_string()])
        .args(["--events", &o.events.to_string()])
        .arg("--dir")
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if o.keep_files {
        cmd.arg("--keep-files");
    }
    if o.no_verify {
        cmd.arg("--no-verify");
    }
    let out = cmd
        .output()
        .map_err(|e| format!("starting the child: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    // Loggers may print to stdout too; only the marked line is ours.
    for line in stdout.lines().filter(|l| !l.starts_with(RESULT_PREFIX)) {
        eprintln!("  [{} stdout] {line}", job.contender.name);
    }
    if !out.status.success() {
        return Err(format!("child exited with {}", out.status));
    }
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix(RESULT_PREFIX))
        .ok_or("child printed no result")?;
    serde_json::from_str(line).map_err(|e| format!("child result is not JSON: {e}"))
}

/// The run that stands for the job: the median by events/s of the clean
/// runs (those during which the rest of the machine used at most 5% of its
/// CPU time, or 50 ms), or of all runs when none was clean. Every run is kept under
/// `runs`.
fn median_run(job: &Job<'_>, mut job_runs: Vec<Value>, o: &Options) -> Value {
    if job_runs.is_empty() {
        return json!({
            "contender": job.contender.name,
            "threads": job.threads,
            "events": o.events,
            "error": "every run failed",
        });
    }
    let ncpu = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let clean = |r: &Value| {
        let other = r["other_cpu_s"].as_f64().unwrap_or(0.0);
        // /proc/stat counts in ticks of 10 ms: short runs get a floor.
        other <= (0.05 * r["elapsed_s"].as_f64().unwrap_or(0.0) * ncpu).max(0.05)
    };
    let rate = |r: &Value| r["events_per_s"].as_f64().unwrap_or(0.0);
    job_runs.sort_by(|a, b| rate(a).total_cmp(&rate(b)));
    let clean_runs: Vec<&Value> = job_runs.iter().filter(|r| clean(r)).collect();
    let pool: Vec<&Value> = if clean_runs.is_empty() {
        job_runs.iter().collect()
    } else {
        clean_runs.clone()
    };
    let mut chosen = pool[(pool.len() - 1) / 2].clone();
    chosen["repeats"] = json!(job_runs.len());
    chosen["clean_runs"] = json!(clean_runs.len());
    chosen["events_per_s_runs"] = job_runs.iter().map(rate).collect();
    chosen["runs"] = Value::Array(job_runs);
    chosen
}

/// Adds each row's throughput as a multiple of spdlog's at the same thread
/// count, and of the single-thread loop's.
fn add_ratios(results: &mut [Value]) {
    let rate = |results: &[Value], name: &str, threads: Option<u64>| {
        results
            .iter()
            .find(|r| {
                r["contender"] == name
                    && threads.is_none_or(|t| r["threads"].as_u64() == Some(t))
                    && r.get("error").is_none()
            })
            .and_then(|r| r["events_per_s"].as_f64())
    };
    let reference = rate(results, "loop", None);
    let ratios: Vec<(Option<f64>, Option<f64>)> = results
        .iter()
        .map(|r| {
            let own = r["events_per_s"].as_f64();
            let spdlog = rate(results, "spdlog", r["threads"].as_u64());
            (
                own.zip(spdlog).map(|(a, b)| a / b),
                own.zip(reference).map(|(a, b)| a / b),
            )
        })
        .collect();
    for (r, (vs_spdlog, vs_loop)) in results.iter_mut().zip(ratios) {
        r["vs_spdlog"] = json!(vs_spdlog);
        r["vs_loop"] = json!(vs_loop);
    }
}

fn print_table(results: &[Value], machine: &Value, o: &Options) {
    println!(
        "{} events per run; {}; {} CPUs ({}); kernel {}; {}",
        o.events,
        machine["hostname"].as_str().unwrap_or("?"),
        machine["nproc"],
        machine["cpu_model"].as_str().unwrap_or("?"),
        machine["kernel"].as_str().unwrap_or("?"),
        machine["rustc"].as_str().unwrap_or("?"),
    );
    let timer = results
        .iter()
        .find_map(|r| r["producer_ns"]["timer_overhead_ns"].as_u64())
        .unwrap_or(0);
    println!(
        "producer ns: one call in {SAMPLE_EVERY} on average (drawn gaps) timed with \
         the fenced TSC, including ~{timer} ns of timer reads; timer p99: an empty region timed the \
         same way between the timed calls, the floor under the p99"
    );
    println!(
        "CPU s: CPU time of the contender's process while logging; other CPU s: \
         CPU time the rest of the machine used meanwhile"
    );
    println!(
        "each row: of {} run(s), the median by events/s of the clean ones (the rest of \
         the machine used at most 5% of its CPU time meanwhile, or 50 ms), or of all when \
         none was clean",
        o.repeat
    );
    println!();
    let header = [
        "contender",
        "threads",
        "events/s",
        "vs spdlog",
        "vs loop",
        "CPU s",
        "other CPU s",
        "p50 ns",
        "p99 ns",
        "timer p99 ns",
        "p99.9 ns",
        "max ns",
        "peak RSS MiB",
        "bytes/line",
        "verified / lost",
        "clean runs",
    ];
    let mut rows = vec![header.iter().map(|s| s.to_string()).collect::<Vec<_>>()];
    for r in results {
        let name = r["contender"].as_str().unwrap_or("?").to_string();
        let threads = r["threads"].to_string();
        if let Some(e) = r.get("error") {
            let mut row = vec![
                name,
                threads,
                format!("failed: {}", e.as_str().unwrap_or("?")),
            ];
            row.resize(header.len(), String::new());
            rows.push(row);
            continue;
        }
        let p = &r["producer_ns"];
        let ratio = |v: &Value| v.as_f64().map_or("n/a".into(), |x| format!("{x:.2}x"));
        rows.push(vec![
            name,
            threads,
            group_thousands(r["events_per_s"].as_f64().unwrap_or(0.0) as u64),
            ratio(&r["vs_spdlog"]),
            ratio(&r["vs_loop"]),
            format!("{:.2}", r["cpu_s"].as_f64().unwrap_or(0.0)),
            format!("{:.2}", r["other_cpu_s"].as_f64().unwrap_or(0.0)),
            p["p50"].to_string(),
            p["p99"].to_string(),
            p["timer_floor"]["p99"].to_string(),
            p["p999"].to_string(),
            group_thousands(p["max"].as_u64().unwrap_or(0)),
            format!(
                "{:.1}",
                r["rss_kib"]["peak"].as_f64().unwrap_or(0.0) / 1024.0
            ),
            format!("{:.1}", r["bytes_per_line"].as_f64().unwrap_or(0.0)),
            format!(
                "{} / {}",
                group_thousands(r["verify"]["verified"].as_u64().unwrap_or(0)),
                r["verify"]["lost"]
            ),
            format!("{}/{}", r["clean_runs"], r["repeats"]),
        ]);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|i| rows.iter().map(|r| r[i].len()).max().unwrap_or(0))
        .collect();
    for (n, row) in rows.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i < 2 {
                    format!("{c:<w$}", w = widths[i])
                } else {
                    format!("{c:>w$}", w = widths[i])
                }
            })
            .collect();
        println!("| {} |", cells.join(" | "));
        if n == 0 {
            let rule: Vec<String> = widths
                .iter()
                .enumerate()
                .map(|(i, &w)| {
                    if i < 2 {
                        "-".repeat(w)
                    } else {
                        format!("{}:", "-".repeat(w - 1))
                    }
                })
                .collect();
            println!("| {} |", rule.join(" | "));
        }
    }
}

/// `1234567` as `1,234,567`.
fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A path shown relative to the current directory when it lies inside it.
fn display_path(p: &Path) -> String {
    let p = p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    match std::env::current_dir()
        .ok()
        .and_then(|d| p.strip_prefix(d).ok().map(Path::to_path_buf))
    {
        Some(rel) => rel.display().to_string(),
        None => p.display().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::group_thousands;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1000), "1,000");
        assert_eq!(group_thousands(12_345_678), "12,345,678");
    }
}
