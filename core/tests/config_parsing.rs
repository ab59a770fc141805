//! Reading configuration files through the public API.

use std::fs;
use std::path::Path;

use asynclog_core::Level;
use asynclog_core::config::{Config, ConfigError, Format, SinkKind};

fn no_env(_: &str) -> Option<String> {
    None
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path
}

#[test]
fn toml_and_json_files_by_extension() {
    let dir = tempfile::tempdir().unwrap();
    let toml = write(
        dir.path(),
        "app.toml",
        "level = \"warn\"\n[[sinks]]\ntype = \"stderr\"\n",
    );
    let json = write(
        dir.path(),
        "app.json",
        r#"{"level": "warn", "sinks": [{"type": "stderr"}]}"#,
    );
    let from_toml = Config::from_file_with(&toml, &no_env).unwrap();
    let from_json = Config::from_file_with(&json, &no_env).unwrap();
    assert_eq!(from_toml, from_json);
    assert_eq!(from_toml.level, Level::Warn);
    assert_eq!(from_toml.sinks[0].kind, SinkKind::Stderr);
}

#[test]
fn other_extensions_are_detected() {
    let dir = tempfile::tempdir().unwrap();
    let json = write(dir.path(), "asynclog.conf", r#"{"name": "a"}"#);
    let toml = write(dir.path(), "asynclog", "name = \"b\"");
    assert_eq!(Config::from_file_with(&json, &no_env).unwrap().name, "a");
    assert_eq!(Config::from_file_with(&toml, &no_env).unwrap().name, "b");
}

#[test]
fn the_extension_wins_over_detection() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "app.toml", r#"{"name": "a"}"#);
    let error = Config::from_file_with(&path, &no_env).unwrap_err();
    assert!(
        error.message.starts_with("invalid TOML at line 1"),
        "{error}"
    );
    assert_eq!(Format::detect(r#"{"name": "a"}"#), Format::Json);
}

#[test]
fn errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "app.json",
        r#"{"sinks": [{"type": "file", "path": "logs/app.log"}]}"#,
    );
    let error = Config::from_file_with(&path, &no_env).unwrap_err();
    assert_eq!(
        error,
        ConfigError {
            file: Some(path.clone()),
            path: "sinks[0].path".to_owned(),
            message: "must be an absolute path".to_owned(),
        }
    );
    assert_eq!(
        error.to_string(),
        format!(
            "{}: sinks[0].path: must be an absolute path",
            path.display()
        )
    );
}

#[test]
fn environment_errors_name_the_file_too() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "app.toml", "name = \"${APP_NAME}\"");
    let error = Config::from_file_with(&path, &no_env).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("{}: name: ${{APP_NAME}} is not set", path.display())
    );

    let env = |name: &str| (name == "ASYNCLOG_QUEUE_CAPACITY").then(|| "many".to_owned());
    let error = Config::from_file_with(&path, &env).unwrap_err();
    assert_eq!(error.file.as_deref(), Some(path.as_path()));
}

#[test]
fn an_unreadable_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.toml");
    let error = Config::from_file(&missing).unwrap_err();
    assert_eq!(error.file.as_deref(), Some(missing.as_path()));
    assert_eq!(error.path, "");
    assert!(
        error
            .to_string()
            .starts_with(&format!("{}: cannot read the file: ", missing.display())),
        "{error}"
    );
}

#[test]
fn configs_built_in_code_are_validated() {
    let mut config = Config::default();
    config.queue.capacity = 0;
    assert_eq!(
        config.validate().unwrap_err().to_string(),
        "queue.capacity: must be at least 1, got 0"
    );
    Config::default().validate().unwrap();
}
