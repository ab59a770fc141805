//! Building and placing plugins for the plugin tests.
//!
//! C plugins are compiled here with `cc` from `core/tests/plugins/` and
//! `plugins/c-level-filter/`, one fresh shared object per case, with the
//! flags a real C plugin uses. Rust plugins are built once per test
//! binary with `cargo build` into `target/tmp/plugin-build` (a target
//! directory of their own, so the build does not wait for the one
//! running the tests); set `ASYNCLOG_TEST_PLUGIN_DIR` to a directory
//! holding prebuilt `libasynclog_*.so` files to skip that step.
//!
//! Every plugin is placed in a fresh directory of mode 0755 as a file of
//! mode 0644, which is what the loader's checks accept.

#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use asynclog_core::Config;

/// A directory plugins may be loaded from, removed at drop.
pub struct PluginDir {
    _temp: tempfile::TempDir,
    pub path: PathBuf,
}

impl PluginDir {
    pub fn new() -> PluginDir {
        let temp = tempfile::tempdir().unwrap();
        let path = temp.path().canonicalize().unwrap();
        chmod(&path, 0o755);
        PluginDir { _temp: temp, path }
    }

    /// This directory as the only plugin directory.
    pub fn dirs(&self) -> Vec<PathBuf> {
        vec![self.path.clone()]
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// `"plugins": {"dirs": [this]}` as a JSON fragment.
    pub fn dirs_json(&self) -> serde_json::Value {
        serde_json::json!({ "dirs": [self.path] })
    }

    /// The C test plugin, built with `defines` (`TP_KIND=3`, ...) as
    /// `name` in this directory.
    pub fn test_plugin(&self, name: &str, defines: &[&str]) -> PathBuf {
        let source = manifest_dir().join("tests/plugins/test_plugin.c");
        self.compile_c(name, &source, defines)
    }

    /// The C level filter from `plugins/c-level-filter`.
    pub fn level_filter(&self, name: &str) -> PathBuf {
        let source = manifest_dir().join("../plugins/c-level-filter/level_filter.c");
        self.compile_c(name, &source, &[])
    }

    pub fn compile_c(&self, name: &str, source: &Path, defines: &[&str]) -> PathBuf {
        let out = self.join(name);
        let include = manifest_dir().join("../include");
        let mut cc = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()));
        cc.args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic"])
            .args(["-fPIC", "-shared", "-fvisibility=hidden"])
            .arg("-I")
            .arg(&include);
        for d in defines {
            cc.arg(format!("-D{d}"));
        }
        cc.arg(source).arg("-o").arg(&out);
        let result = cc.output().expect("running cc");
        assert!(
            result.status.success(),
            "cc failed for {name} {defines:?}:\n{}",
            String::from_utf8_lossy(&result.stderr)
        );
        chmod(&out, 0o644);
        out
    }

    /// A Rust plugin of this workspace (`env_enricher`, `file_sink`,
    /// `fault`), copied into this directory as `libasynclog_<name>.so`.
    pub fn rust_plugin(&self, name: &str) -> PathBuf {
        let file = format!("libasynclog_{name}.so");
        let built = rust_plugins().join(&file);
        let out = self.join(&file);
        std::fs::copy(&built, &out).unwrap_or_else(|e| panic!("copying {}: {e}", built.display()));
        chmod(&out, 0o644);
        out
    }
}

pub fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Where the workspace's Rust plugins are built, building them once.
fn rust_plugins() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        if let Some(dir) = std::env::var_os("ASYNCLOG_TEST_PLUGIN_DIR") {
            return PathBuf::from(dir);
        }
        let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("plugin-build");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| env!("CARGO").to_string());
        let output = Command::new(cargo)
            .current_dir(manifest_dir().join(".."))
            .args(["build", "--quiet"])
            .args(["-p", "asynclog-env-enricher"])
            .args(["-p", "asynclog-file-sink"])
            .args(["-p", "asynclog-fault"])
            .arg("--target-dir")
            .arg(&target)
            .output()
            .expect("running cargo build for the Rust plugins");
        assert!(
            output.status.success(),
            "building the Rust plugins failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        target.join("debug")
    })
}

/// Parses a JSON configuration.
pub fn config(doc: serde_json::Value) -> Config {
    Config::parse_with(
        &doc.to_string(),
        asynclog_core::config::Format::Json,
        &|_| None,
    )
    .unwrap_or_else(|e| panic!("bad test config: {e}"))
}

/// The error `Logger::new` gives for a configuration, as text.
pub fn start_error(doc: serde_json::Value) -> String {
    match asynclog_core::Logger::new(config(doc)) {
        Ok(_) => panic!("the logger started"),
        Err(e) => e.to_string(),
    }
}
