//! Encoder output, checked line by line.

use super::*;
use crate::config::ColorMode;
use crate::level::Level;
use crate::record::{HEADER_BYTES, Limits, RecBuf};
use crate::value::{Field, FieldWriter, Value, field};

/// Builds a record the way the producer does, without a logger.
fn record(level: Level, name: &str, msg: &str, ctx: &[Field<'_>], fields: &[Field<'_>]) -> RecBuf {
    record_bound(level, name, msg, ctx, &[], fields)
}

/// [`record`], with bound fields.
fn record_bound(
    level: Level,
    name: &str,
    msg: &str,
    ctx: &[Field<'_>],
    bound: &[Field<'_>],
    fields: &[Field<'_>],
) -> RecBuf {
    let limits = Limits::default();
    let encode = |f: &[Field<'_>]| {
        let mut b = RecBuf::new();
        let mut w = FieldWriter::new(&mut b, &limits);
        w.fields(f);
        w.finish();
        b.as_slice().to_vec()
    };
    let ctx = encode(ctx);
    let bound = encode(bound);
    let fields = encode(fields);
    let mut buf = RecBuf::new();
    let mut h = [0u8; HEADER_BYTES];
    h[0] = level as u8;
    h[2..4].copy_from_slice(&(name.len() as u16).to_le_bytes());
    h[4..12].copy_from_slice(&1_796_316_263_123_456_789u64.to_le_bytes());
    h[12..16].copy_from_slice(&(ctx.len() as u32).to_le_bytes());
    h[16..20].copy_from_slice(&(bound.len() as u32).to_le_bytes());
    h[20..24].copy_from_slice(&(msg.len() as u32).to_le_bytes());
    buf.extend(&h);
    buf.extend(name.as_bytes());
    buf.extend(&ctx);
    buf.extend(&bound);
    buf.extend(msg.as_bytes());
    buf.extend(&fields);
    buf
}

fn encode_with(enc: &mut Encoder, rec: &RecBuf) -> String {
    let mut out = Vec::new();
    enc.encode(&RecordView::decode(rec.as_slice()), &mut out);
    String::from_utf8(out).unwrap()
}

fn json(rec: &RecBuf) -> String {
    encode_with(&mut Encoder::new(EncoderConfig::Ndjson, false), rec)
}

#[test]
fn ndjson_writes_the_workload_line() {
    let rec = record(
        Level::Info,
        "app",
        "request handled",
        &[],
        &[
            field("user_id", 42),
            field("path", "/api/v1/items"),
            field("latency_ms", 12.5),
        ],
    );
    assert_eq!(
        json(&rec),
        "{\"ts\":\"2026-12-03T16:44:23.123456789Z\",\"level\":\"INFO\",\"logger\":\"app\",\
         \"msg\":\"request handled\",\"user_id\":42,\"path\":\"/api/v1/items\",\
         \"latency_ms\":12.5}\n"
    );
}

#[test]
fn ndjson_escapes_control_characters_and_quotes() {
    let rec = record(Level::Warn, "a\"b", "line\nbreak\t\u{1b}[31m\\", &[], &[]);
    let line = json(&rec);
    assert!(line.contains(r#""logger":"a\"b""#), "{line}");
    assert!(
        line.contains(r#""msg":"line\nbreak\t\u001b[31m\\""#),
        "{line}"
    );
    let parsed: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(parsed["msg"], "line\nbreak\t\u{1b}[31m\\");
}

#[test]
fn ndjson_keeps_keys_unique_and_renames_reserved_ones() {
    let rec = record(
        Level::Info,
        "app",
        "m",
        &[field("user", "from-context"), field("msg", "ctx")],
        &[field("user", "from-event"), field("level", 3)],
    );
    let line = json(&rec);
    assert_eq!(line.matches("\"user\"").count(), 1, "{line}");
    assert!(line.contains(r#""user":"from-event""#));
    assert!(line.contains(r#""fields.msg":"ctx""#));
    assert!(line.contains(r#""fields.level":3"#));
    let parsed: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(parsed["level"], "INFO");
}

#[test]
fn ndjson_writes_every_value_type() {
    let inner = [field("a", 1u64), field("b", Value::Null)];
    let arr = [Value::Bool(true), Value::I64(-5), Value::Str("x")];
    let rec = record(
        Level::Error,
        "app",
        "m",
        &[],
        &[
            field("obj", &inner[..]),
            field("arr", &arr[..]),
            field("bytes", &b"hi"[..]),
            field("nan", f64::NAN),
            field("max", u64::MAX),
            field("min", i64::MIN),
        ],
    );
    let line = json(&rec);
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["obj"], serde_json::json!({"a": 1, "b": null}));
    assert_eq!(v["arr"], serde_json::json!([true, -5, "x"]));
    assert_eq!(v["bytes"], "aGk=");
    assert_eq!(v["nan"], "NaN");
    assert_eq!(v["max"], serde_json::json!(u64::MAX));
    assert_eq!(v["min"], serde_json::json!(i64::MIN));
}

#[test]
fn logfmt_flattens_and_quotes() {
    let inner = [field("status", 200), field("note", "two words")];
    let rec = record(
        Level::Info,
        "app",
        "request handled",
        &[],
        &[field("http", &inner[..])],
    );
    let line = encode_with(&mut Encoder::new(EncoderConfig::Logfmt, false), &rec);
    assert_eq!(
        line,
        "ts=2026-12-03T16:44:23.123456789Z level=info logger=app msg=\"request handled\" \
         http.status=200 http.note=\"two words\"\n"
    );
}

#[test]
fn console_escapes_terminal_sequences_and_colours_only_when_asked() {
    let rec = record(
        Level::Error,
        "app",
        "bad\u{1b}[2Jthing\n",
        &[],
        &[field("k", "v\u{7}")],
    );
    let plain = encode_with(
        &mut Encoder::new(
            EncoderConfig::Console {
                color: ColorMode::Auto,
            },
            false,
        ),
        &rec,
    );
    assert_eq!(
        plain,
        "2026-12-03T16:44:23.123Z ERROR app: bad\\x1b[2Jthing\\n k=v\\x07\n"
    );
    let coloured = encode_with(
        &mut Encoder::new(
            EncoderConfig::Console {
                color: ColorMode::Auto,
            },
            true,
        ),
        &rec,
    );
    assert!(coloured.contains("\u{1b}[31mERROR\u{1b}[0m"));
    assert_eq!(coloured.matches('\u{1b}').count(), 2);
}

#[test]
fn keys_stay_unique_whether_or_not_their_fingerprints_collide() {
    // Keys of many shapes, some repeated far apart, some alike in length
    // and first and last bytes but different (fingerprints that collide
    // without a repeat).
    let keys: Vec<String> = (0..40)
        .map(|i| match i % 5 {
            0 => format!("k{}", i % 7),
            1 => format!("a{}z", i),
            2 => format!("a{}z", i + 1),
            3 => "same".to_string(),
            _ => format!("key_{i}_x"),
        })
        .collect();
    let fields: Vec<Field<'_>> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| field(k, i as i64))
        .collect();
    let rec = record(Level::Info, "app", "m", &fields[..10], &fields[10..]);
    let line = json(&rec);
    let parsed: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&line).unwrap();
    // The last occurrence of each key wins, and each key appears once.
    let mut expected = std::collections::HashMap::new();
    for (i, k) in keys.iter().enumerate() {
        expected.insert(k.as_str(), i as i64);
    }
    for (k, v) in &expected {
        assert_eq!(parsed[*k], *v, "{k} in {line}");
        assert_eq!(
            line.matches(&format!("\"{k}\":")).count(),
            1,
            "{k} in {line}"
        );
    }
}

/// Field lists drawn from a few keys (reserved ones among them) and
/// values of every kind, so that context, bound fields, statics and the
/// event's fields often share keys.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        self.0 >> 33
    }

    fn fields(&mut self, max: u64) -> Vec<(String, Value<'static>)> {
        const KEYS: [&str; 8] = ["a", "b", "service", "ts", "msg", "user", "x\"y", "pod"];
        const NESTED: &[Field<'static>] = &[
            Field {
                key: "inner",
                value: Value::I64(1),
            },
            Field {
                key: "inner",
                value: Value::Str("again"),
            },
        ];
        (0..self.next() % (max + 1))
            .map(|_| {
                let key = KEYS[(self.next() % KEYS.len() as u64) as usize].to_string();
                let value = match self.next() % 6 {
                    0 => Value::I64(self.next() as i64 - (1 << 30)),
                    1 => Value::Str("checkout \"eu\"\n"),
                    2 => Value::F64(12.5),
                    3 => Value::Bool(true),
                    4 => Value::Object(NESTED),
                    _ => Value::Null,
                };
                (key, value)
            })
            .collect()
    }
}

fn as_fields<'a>(list: &'a [(String, Value<'static>)]) -> Vec<Field<'a>> {
    list.iter()
        .map(|(k, v)| Field {
            key: k.as_str(),
            value: *v,
        })
        .collect()
}

#[test]
fn bound_fields_written_from_their_rendered_form_match_the_walk() {
    let mut draw = Draw(7);
    let limits = Limits::default();
    for round in 0..3000 {
        let ctx = draw.fields(2);
        let bound = draw.fields(4);
        let fields = draw.fields(3);
        let statics = draw.fields(2);
        let rec = record_bound(
            Level::Info,
            "app",
            "m",
            &as_fields(&ctx),
            &as_fields(&bound),
            &as_fields(&fields),
        );
        let other = record_bound(Level::Info, "app", "m", &[], &[field("k", 1)], &[]);
        let st = (round % 2 == 0).then(|| {
            let mut b = RecBuf::new();
            let mut w = FieldWriter::new(&mut b, &limits);
            w.fields(&as_fields(&statics));
            w.finish();
            Statics::new(b.as_slice())
        });
        let encode = |enc: &mut Encoder, rec: &RecBuf| {
            let mut out = Vec::new();
            let view = RecordView::decode(rec.as_slice());
            match &st {
                Some(st) => enc.encode_with(&view, st, &mut out),
                None => enc.encode(&view, &mut out),
            }
            String::from_utf8(out).unwrap()
        };
        // The first sight of the bound fields is walked; the second
        // renders them; the third finds them as the last ones used; the
        // fourth, after another logger's record, through the table.
        let mut enc = Encoder::new(EncoderConfig::Ndjson, false);
        let walked = encode(&mut enc, &rec);
        let parsed: serde_json::Value = serde_json::from_str(&walked).unwrap();
        assert!(parsed.is_object(), "{walked}");
        for time in 2..=4 {
            if time == 4 {
                encode(&mut enc, &other);
            }
            assert_eq!(
                encode(&mut enc, &rec),
                walked,
                "encoding {time} of round {round}: ctx {ctx:?} bound {bound:?} fields {fields:?} \
                 statics {statics:?}"
            );
        }
    }
}
