//! Tests of the file sink.

use std::fs;
use std::io::Read;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::Duration;

use flate2::read::GzDecoder;

use super::rotate::{format_stamp, rename_active, rotation_key};
use super::{FileSink, Sink};
use crate::config::FileSinkConfig;

/// A config for `name` in `dir`, without rotation.
fn config(dir: &Path, name: &str) -> FileSinkConfig {
    FileSinkConfig::new(dir.join(name))
}

/// The permission bits of `path`.
fn mode_of(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

/// The rotated files of `base` in `dir`, oldest first.
fn rotated(dir: &Path, base: &str) -> Vec<PathBuf> {
    let mut files: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .filter_map(|name| {
            let key = rotation_key(base.as_bytes(), name.as_encoded_bytes())?;
            Some(((key.0.to_vec(), key.1), dir.join(&name)))
        })
        .collect();
    files.sort();
    files.into_iter().map(|(_, path)| path).collect()
}

/// The contents of `path`, decompressed if it ends in `.gz`.
fn contents(path: &Path) -> Vec<u8> {
    let raw = fs::read(path).unwrap();
    if path.extension().is_some_and(|ext| ext == "gz") {
        let mut out = Vec::new();
        GzDecoder::new(&raw[..]).read_to_end(&mut out).unwrap();
        out
    } else {
        raw
    }
}

/// Everything written: rotated files oldest first, then the active file.
fn all_contents(dir: &Path, base: &str) -> Vec<u8> {
    let mut all: Vec<u8> = rotated(dir, base)
        .iter()
        .flat_map(|p| contents(p))
        .collect();
    all.extend(contents(&dir.join(base)));
    all
}

/// The message of the error of a failed open.
fn open_error(cfg: &FileSinkConfig) -> String {
    match FileSink::open(cfg) {
        Ok(_) => panic!("{} opened", cfg.path.display()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn creates_with_the_configured_mode() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, mode) in [("a.log", 0o600), ("b.log", 0o640), ("c.log", 0o666)] {
        let mut cfg = config(tmp.path(), name);
        cfg.mode = mode;
        let mut sink = FileSink::open(&cfg).unwrap();
        sink.write(b"one\n").unwrap();
        sink.close().unwrap();
        // 0o666 shows the umask plays no part.
        assert_eq!(mode_of(&cfg.path), mode, "{name}");
        assert_eq!(fs::read(&cfg.path).unwrap(), b"one\n");
    }
}

#[test]
fn appends_to_an_existing_file_and_keeps_its_mode() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config(tmp.path(), "app.log");
    fs::write(&cfg.path, b"old\n").unwrap();
    fs::set_permissions(&cfg.path, fs::Permissions::from_mode(0o644)).unwrap();
    let mut sink = FileSink::open(&cfg).unwrap();
    sink.write(b"new\n").unwrap();
    sink.flush().unwrap();
    sink.close().unwrap();
    assert_eq!(fs::read(&cfg.path).unwrap(), b"old\nnew\n");
    assert_eq!(mode_of(&cfg.path), 0o644);
}

#[test]
fn refuses_a_symlink_as_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("target");
    fs::write(&target, b"keep\n").unwrap();
    let cfg = config(tmp.path(), "app.log");
    symlink(&target, &cfg.path).unwrap();
    let message = open_error(&cfg);
    let expected = format!(
        "{}: a path component is a symbolic link",
        cfg.path.display()
    );
    assert_eq!(message, expected);
    assert_eq!(fs::read(&target).unwrap(), b"keep\n");

    // A dangling link is refused too, rather than creating its target.
    let dangling = config(tmp.path(), "dangling.log");
    symlink(tmp.path().join("nowhere"), &dangling.path).unwrap();
    assert!(open_error(&dangling).contains("symbolic link"));
    assert!(!tmp.path().join("nowhere").exists());
}

#[test]
fn refuses_a_symlinked_directory_component() {
    let tmp = tempfile::tempdir().unwrap();
    let real = tmp.path().join("real");
    fs::create_dir(&real).unwrap();
    let link = tmp.path().join("link");
    symlink(&real, &link).unwrap();
    let message = open_error(&config(&link, "app.log"));
    assert_eq!(
        message,
        format!("{}: a path component is a symbolic link", link.display())
    );
    assert!(!real.join("app.log").exists());
}

#[test]
fn refuses_a_hard_linked_file() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config(tmp.path(), "app.log");
    fs::write(&cfg.path, b"").unwrap();
    fs::hard_link(&cfg.path, tmp.path().join("other")).unwrap();
    let expected = format!(
        "{}: refusing a hard-linked file (2 links)",
        cfg.path.display()
    );
    assert_eq!(open_error(&cfg), expected);
}

#[test]
fn errors_name_the_path() {
    let tmp = tempfile::tempdir().unwrap();
    assert_eq!(
        open_error(&FileSinkConfig::new("relative.log")),
        "relative.log: must be an absolute path"
    );

    let missing = tmp.path().join("missing");
    let message = open_error(&config(&missing, "app.log"));
    assert!(message.starts_with(&format!("{}: cannot open the directory", missing.display())));

    let file = tmp.path().join("file");
    fs::write(&file, b"").unwrap();
    let message = open_error(&config(&file, "app.log"));
    assert_eq!(
        message,
        format!("{}: a path component is not a directory", file.display())
    );

    let dir = config(tmp.path(), "dir");
    fs::create_dir(&dir.path).unwrap();
    let expected = format!(
        "{}: refusing a directory: not a regular file",
        dir.path.display()
    );
    assert_eq!(open_error(&dir), expected);

    let dotdot = FileSinkConfig::new(tmp.path().join("..").join("app.log"));
    assert!(open_error(&dotdot).contains("must not contain `..`"));
}

/// Writes 20,000 numbered lines in batches of 100 with 64 KiB files and
/// checks each line arrives once, in order.
fn size_rotation_loses_nothing(compress: bool) {
    let tmp = tempfile::tempdir().unwrap();
    let mut cfg = config(tmp.path(), "app.log");
    cfg.rotation.max_bytes = Some(64 << 10);
    cfg.rotation.keep = 1000;
    cfg.rotation.compress = compress;
    let mut sink = FileSink::open(&cfg).unwrap();
    let mut expected = Vec::new();
    for batch in 0..200 {
        let mut data = Vec::new();
        for line in batch * 100..(batch + 1) * 100 {
            data.extend(format!("line {line:05} of the size rotation test\n").bytes());
        }
        sink.write(&data).unwrap();
        assert!(sink.take_rotation_error().is_none());
        expected.extend(data);
    }
    sink.close().unwrap();

    let files = rotated(tmp.path(), "app.log");
    assert!(files.len() >= 10, "only {} rotated files", files.len());
    for file in &files {
        let is_gz = file.extension().is_some_and(|ext| ext == "gz");
        assert_eq!(is_gz, compress, "{}", file.display());
        assert!(fs::metadata(file).unwrap().len() <= 64 << 10 || compress);
        assert_eq!(mode_of(file), 0o600);
        assert!(contents(file).ends_with(b"\n"));
    }
    let names: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(!names.iter().any(|n| n.to_string_lossy().ends_with(".tmp")));
    assert_eq!(names.len(), files.len() + 1);

    let all = all_contents(tmp.path(), "app.log");
    assert!(all == expected, "lines lost, duplicated or out of order");
}

#[test]
fn size_rotation_loses_no_line() {
    size_rotation_loses_nothing(false);
}

#[test]
fn compressed_size_rotation_loses_no_line() {
    size_rotation_loses_nothing(true);
}

/// Rotates 20 times with `keep` 3 and checks the newest 3 remain, and
/// unrelated files stay.
fn prunes_to_keep(compress: bool) {
    let tmp = tempfile::tempdir().unwrap();
    let unrelated = [
        "app.log.old",
        "app.log.20000101T000000.000000000Z.gz.tmp",
        "other.log.20000101T000000.000000000Z",
        "app.log.2000",
    ];
    for name in unrelated {
        fs::write(tmp.path().join(name), b"x").unwrap();
    }
    let mut cfg = config(tmp.path(), "app.log");
    cfg.rotation.max_bytes = Some(100);
    cfg.rotation.keep = 3;
    cfg.rotation.compress = compress;
    let mut sink = FileSink::open(&cfg).unwrap();
    for batch in 0..21 {
        sink.write(format!("{batch:099}\n").as_bytes()).unwrap();
    }
    sink.close().unwrap();

    let files = rotated(tmp.path(), "app.log");
    let kept: Vec<_> = files.iter().map(|f| contents(f)).collect();
    let newest: Vec<_> = (17..20)
        .map(|b| format!("{b:099}\n").into_bytes())
        .collect();
    assert_eq!(kept, newest);
    assert_eq!(
        contents(&tmp.path().join("app.log")),
        format!("{:099}\n", 20).as_bytes()
    );
    for name in unrelated {
        assert!(tmp.path().join(name).exists(), "{name} removed");
    }
}

#[test]
fn keep_prunes_to_exactly_n() {
    prunes_to_keep(false);
}

#[test]
fn keep_prunes_compressed_files_to_exactly_n() {
    prunes_to_keep(true);
}

#[test]
fn keep_zero_removes_every_rotated_file() {
    let tmp = tempfile::tempdir().unwrap();
    let mut cfg = config(tmp.path(), "app.log");
    cfg.rotation.max_bytes = Some(10);
    cfg.rotation.keep = 0;
    let mut sink = FileSink::open(&cfg).unwrap();
    for _ in 0..5 {
        sink.write(b"0123456789\n").unwrap();
    }
    sink.close().unwrap();
    assert!(rotated(tmp.path(), "app.log").is_empty());
    assert_eq!(fs::read(&cfg.path).unwrap(), b"0123456789\n");
}

#[test]
fn time_rotation_starts_a_new_file_each_interval() {
    let tmp = tempfile::tempdir().unwrap();
    let mut cfg = config(tmp.path(), "app.log");
    cfg.rotation.interval = Some(Duration::from_secs(1));
    let mut sink = FileSink::open(&cfg).unwrap();
    sink.write(b"first\n").unwrap();
    thread::sleep(Duration::from_millis(1100));
    sink.write(b"second\n").unwrap();
    sink.close().unwrap();

    let files = rotated(tmp.path(), "app.log");
    assert_eq!(files.len(), 1);
    assert_eq!(fs::read(&files[0]).unwrap(), b"first\n");
    assert_eq!(fs::read(&cfg.path).unwrap(), b"second\n");
}

#[test]
fn time_rotation_rotates_a_file_from_an_earlier_interval() {
    let tmp = tempfile::tempdir().unwrap();
    let mut cfg = config(tmp.path(), "app.log");
    cfg.rotation.interval = Some(Duration::from_secs(3600));
    fs::write(&cfg.path, b"yesterday\n").unwrap();
    let old = std::time::SystemTime::now() - Duration::from_secs(2 * 3600);
    fs::File::options()
        .append(true)
        .open(&cfg.path)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let mut sink = FileSink::open(&cfg).unwrap();
    sink.write(b"today\n").unwrap();
    sink.close().unwrap();
    let files = rotated(tmp.path(), "app.log");
    assert_eq!(files.len(), 1);
    assert_eq!(fs::read(&files[0]).unwrap(), b"yesterday\n");
    assert_eq!(fs::read(&cfg.path).unwrap(), b"today\n");
}

#[test]
fn rotated_names_avoid_existing_files() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config(tmp.path(), "app.log");
    let stamp = 1_700_000_000_123_456_789;
    let stem = "app.log.20231114T221320.123456789Z";
    fs::write(tmp.path().join(stem), b"a").unwrap();
    fs::write(tmp.path().join(format!("{stem}-1.gz")), b"b").unwrap();
    let mut sink = FileSink::open(&cfg).unwrap();
    sink.write(b"c\n").unwrap();
    let name = rename_active(&sink.dir, stamp).unwrap();
    assert_eq!(name, format!("{stem}-2").as_str());
    assert_eq!(fs::read(tmp.path().join(&name)).unwrap(), b"c\n");
    assert_eq!(fs::read(tmp.path().join(stem)).unwrap(), b"a");
}

#[test]
fn stamps_are_utc_and_sort_by_name() {
    assert_eq!(format_stamp(0), "19700101T000000.000000000Z");
    assert_eq!(
        format_stamp(951_782_400_000_000_001),
        "20000229T000000.000000001Z"
    );
    assert_eq!(
        format_stamp(1_700_000_000_123_456_789),
        "20231114T221320.123456789Z"
    );
    assert_eq!(
        format_stamp(253_402_300_799_999_999_999),
        "99991231T235959.999999999Z"
    );

    let base = b"app.log";
    let key = |name: &str| rotation_key(base, name.as_bytes()).map(|(s, n)| (s.to_vec(), n));
    let stamp = "20231114T221320.123456789Z";
    let expected = |n| Some((stamp.as_bytes().to_vec(), n));
    assert_eq!(key(&format!("app.log.{stamp}")), expected(0));
    assert_eq!(key(&format!("app.log.{stamp}.gz")), expected(0));
    assert_eq!(key(&format!("app.log.{stamp}-10.gz")), expected(10));
    assert!(key(&format!("app.log.{stamp}-2")) < key(&format!("app.log.{stamp}-10")));
    for other in [
        format!("app.log.{stamp}.gz.tmp"),
        format!("app.log.{stamp}-"),
        format!("app.log.{stamp}-01"),
        format!("app.log.{stamp}x"),
        format!("app.logx{stamp}"),
        format!("other.log.{stamp}"),
        "app.log".to_string(),
        "app.log.20231114T221320.12345678Z".to_string(),
    ] {
        assert_eq!(key(&other), None, "{other}");
    }
}

#[test]
fn writing_after_close_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let mut sink = FileSink::open(&config(tmp.path(), "app.log")).unwrap();
    sink.close().unwrap();
    sink.close().unwrap();
    let message = sink.write(b"late\n").unwrap_err().to_string();
    assert!(
        message.ends_with("app.log: the sink is closed"),
        "{message}"
    );
}
