//! A rotating, compressing file sink under load keeps every line, in
//! order, across all its files.

mod common;

use std::io::Read;

use asynclog_core::config::{FileSinkConfig, Rotation, SinkConfig, SinkKind};
use asynclog_core::{Config, Logger, field};

fn read_all(dir: &std::path::Path) -> (Vec<String>, usize) {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n != "app.log")
        .collect();
    names.sort();
    let rotated = names.len();
    names.push("app.log".into());
    let mut lines = Vec::new();
    for n in names {
        let raw = std::fs::read(dir.join(&n)).unwrap();
        let text = if n.ends_with(".gz") {
            let mut s = String::new();
            flate2::read::GzDecoder::new(&raw[..])
                .read_to_string(&mut s)
                .unwrap();
            s
        } else {
            String::from_utf8(raw).unwrap()
        };
        lines.extend(text.lines().map(str::to_owned));
    }
    (lines, rotated)
}

#[test]
fn size_rotation_with_gzip_under_two_producers() {
    let dir = tempfile::tempdir().unwrap();
    let mut file = FileSinkConfig::new(dir.path().join("app.log"));
    file.rotation = Rotation {
        max_bytes: Some(256 << 10),
        keep: 1000,
        compress: true,
        ..Rotation::default()
    };
    let mut c = Config {
        sinks: vec![SinkConfig::new("file", SinkKind::File(file))],
        ..Config::default()
    };
    c.batch.max_events = 512;
    let log = Logger::new(c).unwrap();
    let threads: Vec<_> = (0..2)
        .map(|t| {
            let log = log.clone();
            std::thread::spawn(move || {
                for i in 0..100_000u64 {
                    log.info("request handled", &[field("t", t), field("i", i)]);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let m = log.metrics();
    drop(log);
    assert_eq!(m.submitted, 200_000);

    let (lines, rotated) = read_all(dir.path());
    assert!(rotated > 20, "expected many rotations, got {rotated}");
    let mut next = [0u64; 2];
    for l in &lines {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        let t = v["t"].as_u64().unwrap() as usize;
        assert_eq!(v["i"].as_u64().unwrap(), next[t]);
        next[t] += 1;
    }
    assert_eq!(next, [100_000; 2]);
    for e in std::fs::read_dir(dir.path()).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        assert!(
            name == "app.log" || name.ends_with(".gz"),
            "left uncompressed: {name}"
        );
    }
}
