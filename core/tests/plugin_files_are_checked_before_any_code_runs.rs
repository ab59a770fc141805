//! The loader refuses unsafe plugin files before `dlopen`, so none of
//! their code runs: each test plugin here has a constructor that creates
//! a marker file, and after every refusal the marker must not exist.

mod plugin_support;

use std::path::{Path, PathBuf};

use asynclog_core::plugin;
use plugin_support::{PluginDir, chmod, start_error};
use serde_json::json;

/// A sink test plugin whose constructor creates `<dir>/marker`.
fn marked(dir: &PluginDir, name: &str) -> (PathBuf, PathBuf) {
    let marker = dir.join(&format!("{name}.marker"));
    let define = format!("TP_MARKER=\"{}\"", marker.display());
    let so = dir.test_plugin(name, &[&define]);
    (so, marker)
}

fn refused(spec: &Path, dirs: &[PathBuf]) -> String {
    plugin::load(spec.to_str().unwrap(), None, dirs)
        .unwrap_err()
        .to_string()
}

#[test]
fn a_clean_file_loads_and_its_constructor_runs() {
    let dir = PluginDir::new();
    let (so, marker) = marked(&dir, "clean.so");
    let p = plugin::load(so.to_str().unwrap(), None, &dir.dirs()).unwrap();
    assert_eq!(p.name(), "test-plugin");
    assert_eq!(p.version(), "1.2.3");
    assert_eq!(p.kind(), plugin::PluginKind::Sink);
    assert_eq!(p.path(), so);
    assert!(marker.exists(), "loading must run the constructor");
}

#[test]
fn a_world_writable_file_is_refused() {
    let dir = PluginDir::new();
    let (so, marker) = marked(&dir, "ww.so");
    chmod(&so, 0o646);
    assert_eq!(
        refused(&so, &dir.dirs()),
        format!("{}: world-writable file (mode 0646)", so.display())
    );
    assert!(!marker.exists());
}

#[test]
fn a_group_writable_file_is_refused() {
    let dir = PluginDir::new();
    let (so, marker) = marked(&dir, "gw.so");
    chmod(&so, 0o664);
    assert_eq!(
        refused(&so, &dir.dirs()),
        format!("{}: group-writable file (mode 0664)", so.display())
    );
    assert!(!marker.exists());
}

#[test]
fn a_world_writable_directory_is_refused() {
    let dir = PluginDir::new();
    let (so, marker) = marked(&dir, "wwd.so");
    chmod(&dir.path, 0o757);
    let e = refused(&so, &dir.dirs());
    chmod(&dir.path, 0o755);
    assert_eq!(
        e,
        format!(
            "{}: world-writable directory {} (mode 0757)",
            so.display(),
            dir.path.display()
        )
    );
    assert!(!marker.exists());
}

#[test]
fn a_writable_subdirectory_of_a_plugin_directory_is_refused() {
    let dir = PluginDir::new();
    let sub = dir.join("sub");
    std::fs::create_dir(&sub).unwrap();
    chmod(&sub, 0o775);
    let marker = dir.join("sub.marker");
    let define = format!("TP_MARKER=\"{}\"", marker.display());
    let so = dir.test_plugin("sub/p.so", &[&define]);
    assert_eq!(
        refused(&so, &dir.dirs()),
        format!(
            "{}: group-writable directory {} (mode 0775)",
            so.display(),
            sub.display()
        )
    );
    assert!(!marker.exists());
}

#[test]
fn a_symbolic_link_is_refused_even_to_a_good_file() {
    let dir = PluginDir::new();
    let (so, marker) = marked(&dir, "target.so");
    let link = dir.join("link.so");
    std::os::unix::fs::symlink(&so, &link).unwrap();
    assert_eq!(
        refused(&link, &dir.dirs()),
        format!(
            "{}: is a symbolic link; name the file itself, inside a plugin directory",
            link.display()
        )
    );
    assert!(!marker.exists());
}

#[test]
fn a_hard_linked_file_is_refused() {
    let dir = PluginDir::new();
    let (so, marker) = marked(&dir, "hard.so");
    let other = dir.join("other-name.so");
    std::fs::hard_link(&so, &other).unwrap();
    let expected = |p: &Path| {
        format!(
            "{}: has 2 hard links; a plugin must have exactly one",
            p.display()
        )
    };
    assert_eq!(refused(&so, &dir.dirs()), expected(&so));
    assert_eq!(refused(&other, &dir.dirs()), expected(&other));
    assert!(!marker.exists());
}

#[test]
fn a_file_outside_the_plugin_directories_is_refused() {
    let allowed = PluginDir::new();
    let elsewhere = PluginDir::new();
    let (so, marker) = marked(&elsewhere, "outside.so");
    let e = refused(&so, &allowed.dirs());
    assert_eq!(
        e,
        format!(
            "{}: is not inside a plugin directory (plugins.dirs: {})",
            so.display(),
            allowed.path.display()
        )
    );
    // Walking out with `..` ends in the same place.
    let sneaky = allowed
        .path
        .join("..")
        .join(elsewhere.path.file_name().unwrap())
        .join("outside.so");
    assert!(refused(&sneaky, &allowed.dirs()).contains("is not inside a plugin directory"));
    assert!(!marker.exists());
}

fn sha256_of(path: &Path) -> String {
    let out = std::process::Command::new("sha256sum")
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()[..64].to_string()
}

#[test]
fn a_checksum_mismatch_is_refused_and_a_match_loads() {
    let dir = PluginDir::new();
    let (so, marker) = marked(&dir, "pinned.so");
    let actual = sha256_of(&so);
    let wrong = "ab".repeat(32);
    let e = plugin::load(so.to_str().unwrap(), Some(&wrong), &dir.dirs()).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "{}: sha256 mismatch: expected {wrong}, got {actual}",
            so.display()
        )
    );
    assert!(!marker.exists());

    let upper = actual.to_ascii_uppercase();
    let p = plugin::load(so.to_str().unwrap(), Some(&upper), &dir.dirs()).unwrap();
    assert_eq!(p.sha256(), actual);
    assert!(marker.exists());
}

#[test]
fn bare_names_are_found_in_the_plugin_directories() {
    let first = PluginDir::new();
    let second = PluginDir::new();
    let so = second.test_plugin("libfinder.so", &["TP_NAME=\"finder\""]);
    let dirs = [first.path.clone(), second.path.clone()];
    let p = plugin::load("finder", None, &dirs).unwrap();
    assert_eq!(p.path(), so);
    assert_eq!(p.name(), "finder");
    let e = plugin::load("missing", None, &dirs)
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("missing: not found as missing, missing.so or libmissing.so"),
        "{e}"
    );
}

#[test]
fn loading_a_file_twice_gives_the_same_library() {
    let dir = PluginDir::new();
    let so = dir.test_plugin("twice.so", &[]);
    let a = plugin::load(so.to_str().unwrap(), None, &dir.dirs()).unwrap();
    let b = plugin::load(so.to_str().unwrap(), None, &dir.dirs()).unwrap();
    assert!(a.same_library(&b));
    // The checks run again on the second load.
    chmod(&so, 0o666);
    assert!(refused(&so, &dir.dirs()).ends_with("world-writable file (mode 0666)"));
}

#[test]
fn without_plugin_directories_nothing_loads() {
    let dir = PluginDir::new();
    let (so, marker) = marked(&dir, "nodirs.so");
    let e = start_error(json!({
        "sinks": [{"type": "plugin", "name": "p", "plugin": so}]
    }));
    assert_eq!(
        e,
        format!(
            "sinks[0] (p): {}: no plugin directory is configured; list one under plugins.dirs",
            so.display()
        )
    );
    assert!(!marker.exists());
}
