//! Compiles the spdlog shim when spdlog is installed, and records the
//! versions the results file names: rustc, spdlog, and the Rust
//! contenders as locked in the workspace's `Cargo.lock`.
//!
//! Without spdlog (`pkg-config --exists spdlog` fails) the benchmark is
//! built without that contender, and the build says so.

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(have_spdlog)");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=shim/spdlog_shim.cpp");
    println!("cargo:rerun-if-changed=../../Cargo.lock");
    // The source the numbers belong to: taken when the benchmark is built,
    // which is when the code under test is compiled into it.
    for dir in [
        "../../core/src",
        "../../ffi/src",
        "../../.git/HEAD",
        "../../.git/index",
    ] {
        println!("cargo:rerun-if-changed={dir}");
    }
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let commit = git(&["rev-parse", "HEAD"]).unwrap_or_else(|| "unknown".into());
    let dirty = match git(&[
        "status",
        "--porcelain",
        "--untracked-files=no",
        "--",
        "../../core",
        "../../ffi",
    ]) {
        Some(s) if s.is_empty() => "clean",
        Some(_) => "modified",
        None => "unknown",
    };
    println!("cargo:rustc-env=BENCH_GIT_COMMIT={commit}");
    println!("cargo:rustc-env=BENCH_GIT_STATE={dirty}");

    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let rustc_version = run(&rustc, &["--version"]).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=BENCH_RUSTC_VERSION={rustc_version}");

    let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.lock");
    let lock = std::fs::read_to_string(lock).unwrap_or_default();
    for (krate, var) in [
        ("tracing", "BENCH_TRACING_VERSION"),
        ("tracing-subscriber", "BENCH_TRACING_SUBSCRIBER_VERSION"),
        ("tracing-appender", "BENCH_TRACING_APPENDER_VERSION"),
    ] {
        let version = locked_version(&lock, krate).unwrap_or_else(|| "unknown".into());
        println!("cargo:rustc-env={var}={version}");
    }

    build_spdlog_shim();
}

/// Builds `shim/spdlog_shim.cpp` against the system spdlog and fmt.
fn build_spdlog_shim() {
    let exists = Command::new("pkg-config")
        .args(["--exists", "spdlog"])
        .status()
        .is_ok_and(|s| s.success());
    if !exists {
        println!(
            "cargo:warning=spdlog not found by pkg-config; the spdlog contender is left out \
             (install libspdlog-dev to include it)"
        );
        println!("cargo:rustc-env=BENCH_SPDLOG_VERSION=absent");
        // A path that is never created: Cargo reruns a build script whose
        // watched path is missing, so a build after spdlog is installed
        // looks again instead of keeping the binary without it.
        let out = std::env::var("OUT_DIR").unwrap_or_default();
        println!("cargo:rerun-if-changed={out}/spdlog-not-found-yet");
        return;
    }
    let version = run("pkg-config", &["--modversion", "spdlog"]).unwrap_or_default();
    let fmt_version = run("pkg-config", &["--modversion", "fmt"]).unwrap_or_default();
    println!("cargo:rustc-env=BENCH_SPDLOG_VERSION={version} (fmt {fmt_version})");

    let cflags = run("pkg-config", &["--cflags", "spdlog"]).unwrap_or_default();
    let libs = run("pkg-config", &["--libs", "spdlog"]).unwrap_or_default();

    let mut build = cc::Build::new();
    build
        .cpp(true)
        .std("c++17")
        .opt_level(2)
        .warnings(true)
        .file("shim/spdlog_shim.cpp");
    for flag in cflags.split_whitespace() {
        if let Some(define) = flag.strip_prefix("-D") {
            match define.split_once('=') {
                Some((k, v)) => build.define(k, v),
                None => build.define(define, None),
            };
        } else if let Some(dir) = flag.strip_prefix("-I") {
            build.include(dir);
        } else {
            build.flag(flag);
        }
    }
    build.compile("asynclog_bench_spdlog_shim");

    // After the shim's archive, so the linker resolves its references.
    for flag in libs.split_whitespace() {
        if let Some(lib) = flag.strip_prefix("-l") {
            println!("cargo:rustc-link-lib={lib}");
        } else if let Some(dir) = flag.strip_prefix("-L") {
            println!("cargo:rustc-link-search=native={dir}");
        }
    }
    println!("cargo:rustc-cfg=have_spdlog");
}

/// The first line a command prints, if it ran and succeeded.
fn run(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Some(text.lines().next().unwrap_or("").trim().to_string())
}

/// The version of `krate` in a `Cargo.lock`, read line by line.
fn locked_version(lock: &str, krate: &str) -> Option<String> {
    let name_line = format!("name = \"{krate}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == name_line {
            let version = lines.next()?.trim();
            let version = version.strip_prefix("version = \"")?.strip_suffix('"')?;
            return Some(version.to_string());
        }
    }
    None
}
