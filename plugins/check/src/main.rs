//! `asynclog-plugin-check`: loads a plugin through the host's real checks
//! and puts it through its paces.
//!
//! ```text
//! asynclog-plugin-check PATH.so [--config JSON] [--dir DIR]... [--sha256 HEX] [--events N]
//! ```
//!
//! It prints the plugin's metadata and schema, starts a logger with the
//! plugin in it (as a processor or a sink, by its kind), feeds it
//! generated records (empty, a 1 MiB message, deep nesting, non-ASCII
//! text, repaired invalid UTF-8, every field type), checks that every
//! record is accounted for and the instance stays healthy, measures the
//! cost per event against the same logger without the plugin, and shuts
//! the logger down, which destroys the instance. It exits 0 when every
//! check passes and 1 otherwise, saying which failed and why.
//!
//! `--dir` defaults to the plugin's own directory, which must pass the
//! loader's checks like any plugin directory.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use asynclog_core::plugin::{self, Plugin, PluginKind};
use asynclog_core::{Config, Level, Logger, Value, field};
use serde_json::json;

struct Args {
    path: PathBuf,
    settings: serde_json::Value,
    dirs: Vec<PathBuf>,
    sha256: Option<String>,
    events: usize,
}

const USAGE: &str = "usage: asynclog-plugin-check PATH.so [--config JSON] [--dir DIR]... \
                     [--sha256 HEX] [--events N]";

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let mut path = None;
    let mut settings = json!({});
    let mut dirs = Vec::new();
    let mut sha256 = None;
    let mut events = 20_000;
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--config" => {
                let text = value("--config")?;
                settings =
                    serde_json::from_str(&text).map_err(|e| format!("--config: not JSON: {e}"))?;
                if !settings.is_object() {
                    return Err("--config: expected a JSON object".into());
                }
            }
            "--dir" => dirs.push(PathBuf::from(value("--dir")?)),
            "--sha256" => sha256 = Some(value("--sha256")?),
            "--events" => {
                events = value("--events")?
                    .parse()
                    .map_err(|_| "--events: expected a positive integer".to_string())?;
            }
            "-h" | "--help" => return Err(USAGE.into()),
            _ if arg.starts_with('-') => return Err(format!("unknown option {arg}\n{USAGE}")),
            _ if path.is_none() => path = Some(PathBuf::from(arg)),
            _ => return Err(format!("one plugin at a time\n{USAGE}")),
        }
    }
    let path = path.ok_or(USAGE)?;
    let path = if path.is_absolute() {
        path
    } else {
        std::env::current_dir()
            .map_err(|e| format!("cannot read the current directory: {e}"))?
            .join(path)
    };
    if dirs.is_empty() {
        dirs.push(path.parent().map(Path::to_path_buf).unwrap_or_default());
    }
    Ok(Args {
        path,
        settings,
        dirs,
        sha256,
        events: events.max(1),
    })
}

/// Collects failures; the run fails if there is any.
#[derive(Default)]
struct Report {
    failures: Vec<String>,
}

impl Report {
    fn pass(&self, what: &str) {
        println!("  ok    {what}");
    }

    fn fail(&mut self, what: &str, why: String) {
        println!("  FAIL  {what}: {why}");
        self.failures.push(format!("{what}: {why}"));
    }

    fn check(&mut self, what: &str, result: Result<(), String>) {
        match result {
            Ok(()) => self.pass(what),
            Err(why) => self.fail(what, why),
        }
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let plugin = match plugin::load(
        args.path.to_str().unwrap_or_default(),
        args.sha256.as_deref(),
        &args.dirs,
    ) {
        Ok(p) => p,
        Err(e) => {
            println!("FAIL: refused by the loader: {e}");
            return ExitCode::FAILURE;
        }
    };
    describe(&plugin);

    let mut report = Report::default();
    println!("\nchecks:");
    report.pass("loader checks (file, directory, descriptor, callbacks, schema)");
    run(&plugin, &args, &mut report);

    if report.failures.is_empty() {
        println!("\nPASS: {} ({})", plugin.name(), plugin.path().display());
        ExitCode::SUCCESS
    } else {
        println!("\nFAIL: {} check(s) failed:", report.failures.len());
        for f in &report.failures {
            println!("  - {f}");
        }
        ExitCode::FAILURE
    }
}

fn describe(p: &Plugin) {
    println!("plugin      {}", p.name());
    println!("version     {}", p.version());
    println!("kind        {}", p.kind());
    println!("abi         1.{}", p.abi_minor());
    println!("description {}", p.description());
    println!("capabilities {:#x}", p.capabilities());
    println!("callbacks   {}", p.callbacks().join(", "));
    println!("path        {}", p.path().display());
    println!("sha256      {}", p.sha256());
    println!("settings:");
    if p.schema().is_empty() {
        println!("  (none)");
    }
    for f in p.schema() {
        let mut flags = Vec::new();
        if f.required {
            flags.push("required");
        }
        if f.secret {
            flags.push("secret");
        }
        println!(
            "  {:<20} {:<9} {:<17} {}",
            f.name,
            f.ty.as_str(),
            flags.join(","),
            f.description
        );
    }
}

/// The logger configuration with the plugin under test, or without it.
fn config(p: &Plugin, args: &Args, with_plugin: bool) -> Result<Config, String> {
    let under_test = json!({"plugin": p.path(), "config": args.settings});
    let mut doc = json!({
        "name": "check",
        "level": "trace",
        "plugins": {"dirs": args.dirs},
        "limits": {"max_message_bytes": "2MiB", "max_record_bytes": "4MiB",
                   "max_depth": 64, "max_fields": 1024},
        "shutdown_timeout_ms": 10000,
        "sinks": [{"type": "capture", "name": "out"}]
    });
    if with_plugin {
        match p.kind() {
            PluginKind::Sink => {
                let mut sink = under_test;
                sink["type"] = json!("plugin");
                sink["name"] = json!("under-test");
                doc["sinks"] = json!([sink]);
            }
            _ => doc["processors"] = json!([under_test]),
        }
    }
    Config::parse_with(
        &doc.to_string(),
        asynclog_core::config::Format::Json,
        &|_| None,
    )
    .map_err(|e| e.to_string())
}

/// A generated record: its name, and the call that logs it.
type Case<'a> = (&'static str, Box<dyn Fn() + 'a>);

/// The generated records.
fn cases(log: &Logger) -> Vec<Case<'_>> {
    vec![
        ("an empty record", Box::new(|| log.info("", &[]))),
        (
            "every field type",
            Box::new(|| {
                let inner = [field("k", "v")];
                let list = [Value::I64(1), Value::Str("two"), Value::Null];
                log.warn(
                    "types",
                    &[
                        field("s", "text"),
                        field("i", -7),
                        field("u", u64::MAX),
                        field("f", 1.5),
                        field("nan", f64::NAN),
                        field("b", true),
                        field("n", Value::Null),
                        field("bytes", &b"\x00\x01\xff"[..]),
                        field("obj", &inner[..]),
                        field("arr", &list[..]),
                    ],
                )
            }),
        ),
        (
            "a 1 MiB message",
            Box::new(|| log.error(&"x".repeat(1 << 20), &[field("big", true)])),
        ),
        (
            "nesting 64 deep",
            Box::new(|| {
                // The writer closes what is left open.
                log.log_with(Level::Info, b"deep", |w| {
                    for _ in 0..64 {
                        let _ = w.begin_object(Some(b"d"));
                    }
                    w.str(Some(b"leaf"), b"bottom");
                });
            }),
        ),
        (
            "non-ASCII text",
            Box::new(|| {
                log.info(
                    "héllo wörld, 日本語, emoji 🦀, rtl שלום",
                    &[field("ключ", "значение")],
                )
            }),
        ),
        (
            "invalid UTF-8, repaired",
            Box::new(|| {
                log.log_with(Level::Debug, b"bad \xff\xfe bytes", |w| {
                    w.str(Some(b"k\xc3"), b"v\xe2\x82");
                });
            }),
        ),
        (
            "control characters",
            Box::new(|| log.info("tab\tnew\nline\u{1b}[31m", &[field("nul", "\0")])),
        ),
        (
            "an audit record",
            Box::new(|| log.audit("audit", &[field("who", "ann")])),
        ),
    ]
}

fn run(p: &Plugin, args: &Args, report: &mut Report) {
    let config = match config(p, args, true) {
        Ok(c) => c,
        Err(e) => return report.fail("settings", e),
    };
    let log = match Logger::new(config) {
        Ok(log) => log,
        Err(e) => return report.fail("create", e.to_string()),
    };
    report.pass("settings validated and instance created");

    for (name, case) in cases(&log) {
        case();
        let flushed = log.flush(Duration::from_secs(10));
        let health = log.health();
        let instance = &health.plugins[0];
        let result = if let Err(e) = flushed {
            Err(format!("flush: {e}"))
        } else if instance.retired {
            Err(format!(
                "instance retired: {}",
                instance.last_error.clone().unwrap_or_default()
            ))
        } else if instance.errors > 0 {
            Err(format!(
                "{} failed call(s): {}",
                instance.errors,
                instance.last_error.clone().unwrap_or_default()
            ))
        } else {
            accounted(&log, p)
        };
        report.check(name, result);
        if instance.retired {
            return;
        }
    }

    if p.kind().is_processor() {
        let text = log.capture("out").map(|c| c.text()).unwrap_or_default();
        let bad = text
            .lines()
            .filter(|l| serde_json::from_str::<serde_json::Value>(l).is_err())
            .count();
        report.check(
            "processed records still encode as valid JSON",
            match bad {
                0 => Ok(()),
                n => Err(format!("{n} line(s) are not JSON")),
            },
        );
    }

    let health = log.health();
    report.check(
        "health",
        match health.is_healthy() {
            true => Ok(()),
            false => Err(health.to_json()),
        },
    );

    match timing(p, args, &log) {
        Ok((with, without)) => {
            println!(
                "  info  {:.0} ns per event with the plugin, {:.0} without ({} events)",
                with, without, args.events
            );
        }
        Err(e) => report.fail("timing", e),
    }

    let final_health = log.health();
    println!("  info  health: {}", final_health.to_json());
    report.check(
        "shutdown drains and destroys the instance",
        log.shutdown(Duration::from_secs(10))
            .map_err(|e| e.to_string()),
    );
}

/// Every record submitted so far is written or filtered, none dropped.
fn accounted(log: &Logger, p: &Plugin) -> Result<(), String> {
    let m = log.metrics();
    let sink = if p.kind() == PluginKind::Sink {
        "under-test"
    } else {
        "out"
    };
    let s = m.sink(sink).ok_or("no sink in the metrics")?;
    if s.dropped.total() > 0 || s.in_flight > 0 {
        return Err(format!(
            "{} dropped, {} in flight: {}",
            s.dropped.total(),
            s.in_flight,
            m.to_json()
        ));
    }
    if s.written + s.filtered != m.submitted {
        return Err(format!("the books do not balance: {}", m.to_json()));
    }
    Ok(())
}

/// Nanoseconds per event through `log` and through the same logger
/// without the plugin, producer call to flushed.
fn timing(p: &Plugin, args: &Args, log: &Logger) -> Result<(f64, f64), String> {
    let burst = |log: &Logger| -> Result<f64, String> {
        let start = Instant::now();
        for i in 0..args.events {
            log.info("request handled", &[field("status", 200), field("i", i)]);
        }
        log.flush(Duration::from_secs(60))
            .map_err(|e| format!("flush: {e}"))?;
        Ok(start.elapsed().as_nanos() as f64 / args.events as f64)
    };
    let baseline = Logger::new(config(p, args, false)?).map_err(|e| e.to_string())?;
    let without = burst(&baseline)?;
    let with = burst(log)?;
    accounted(log, p)?;
    Ok((with, without))
}
