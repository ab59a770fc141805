//! The checker's verdicts, on C plugins compiled here with `cc`.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn compile(dir: &Path, name: &str, source: &str, defines: &[&str]) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = dir.join(name);
    let status = Command::new("cc")
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic"])
        .args(["-fPIC", "-shared", "-fvisibility=hidden", "-I"])
        .arg(root.join("include"))
        .args(defines.iter().map(|d| format!("-D{d}")))
        .arg(root.join(source))
        .arg("-o")
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    chmod(&out, 0o644);
    out
}

fn check(so: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_asynclog-plugin-check"))
        .arg(so)
        .args(["--events", "500"])
        .args(args)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.success(), text)
}

fn plugin_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    chmod(dir.path(), 0o755);
    dir
}

#[test]
fn the_c_level_filter_passes() {
    let dir = plugin_dir();
    let so = compile(
        dir.path(),
        "lf.so",
        "plugins/c-level-filter/level_filter.c",
        &[],
    );
    let (ok, out) = check(&so, &["--config", r#"{"min_level": "warn"}"#]);
    assert!(ok, "{out}");
    assert!(out.contains("plugin      level-filter"), "{out}");
    assert!(
        out.contains("callbacks   create, destroy, process\n"),
        "{out}"
    );
    assert!(out.contains("min_level"), "{out}");
    assert!(out.contains("PASS: level-filter"), "{out}");
}

#[test]
fn a_plugin_that_gives_up_fails_with_the_reason() {
    let dir = plugin_dir();
    let so = compile(
        dir.path(),
        "tp.so",
        "core/tests/plugins/test_plugin.c",
        &["TP_KIND=3"],
    );
    let (ok, out) = check(&so, &["--config", r#"{"mode": "fatal", "after": 1}"#]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("instance retired: retired after process returned FATAL: fatal asked for"),
        "{out}"
    );
}

#[test]
fn an_unsafe_file_is_refused_before_loading() {
    let dir = plugin_dir();
    let so = compile(
        dir.path(),
        "lf.so",
        "plugins/c-level-filter/level_filter.c",
        &[],
    );
    chmod(&so, 0o666);
    let (ok, out) = check(&so, &[]);
    assert!(!ok);
    assert!(
        out.contains("refused by the loader:") && out.contains("world-writable file"),
        "{out}"
    );
}

#[test]
fn bad_settings_fail_with_the_path() {
    let dir = plugin_dir();
    let so = compile(
        dir.path(),
        "lf.so",
        "plugins/c-level-filter/level_filter.c",
        &[],
    );
    let (ok, out) = check(&so, &["--config", r#"{"min_levle": "warn"}"#]);
    assert!(!ok);
    assert!(
        out.contains("processors[0].config.min_levle: unknown key"),
        "{out}"
    );
}
