//! The reference: one thread that formats each line itself and writes the
//! file with `write(2)` whenever its 64 KiB buffer is full. No queue, no
//! other thread, no record in between; it reads the clock and escapes its
//! strings like a logger must, and writes the same line as asynclog. It
//! stands for the most one core can format and write, so a logger that
//! moves the work to other threads can be held against it.

use std::fs::File;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::Path;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde_json::json;

use super::Finished;
use crate::harness::produce;
use crate::workload::{LOGGER_NAME, MESSAGE, PATH, Plan};

const BUFFER: usize = 64 << 10;
/// Room kept free for one more line; workload lines are under 200 bytes.
const LINE_MAX: usize = 512;

pub fn run(path: &Path, plan: &Plan) -> Result<Finished, String> {
    if plan.threads != 1 {
        return Err("the reference loop runs on one thread only".into());
    }
    let file = File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut writer = Some(LineWriter {
        buf: Vec::with_capacity(BUFFER),
        fd: OwnedFd::from(file),
        clock: Clock::new(),
        writes: 0,
    });

    // The writer moves into the producer thread; when that thread ends it
    // drops the writer, which writes the rest and closes the file.
    let produced = produce(plan, |_| {
        let mut w = writer.take().expect("one producer thread");
        move |id, latency| {
            w.line(id, latency);
            true
        }
    });
    let end = Instant::now();

    Ok(Finished {
        produced,
        end,
        details: json!({ "buffer_bytes": BUFFER }),
    })
}

struct LineWriter {
    buf: Vec<u8>,
    fd: OwnedFd,
    clock: Clock,
    writes: u64,
}

impl LineWriter {
    #[inline]
    fn line(&mut self, user_id: u64, latency_ms: f64) {
        if self.buf.len() + LINE_MAX > BUFFER {
            self.write_out();
        }
        let b = &mut self.buf;
        b.extend_from_slice(b"{\"ts\":\"");
        self.clock.now(b);
        b.extend_from_slice(b"\",\"level\":\"INFO\",\"logger\":");
        json_str(b, LOGGER_NAME);
        b.extend_from_slice(b",\"msg\":");
        json_str(b, MESSAGE);
        b.extend_from_slice(b",\"user_id\":");
        b.extend_from_slice(itoa::Buffer::new().format(user_id as i64).as_bytes());
        b.extend_from_slice(b",\"path\":");
        json_str(b, PATH);
        b.extend_from_slice(b",\"latency_ms\":");
        b.extend_from_slice(ryu::Buffer::new().format_finite(latency_ms).as_bytes());
        b.extend_from_slice(b"}\n");
    }

    fn write_out(&mut self) {
        let mut rest = &self.buf[..];
        while !rest.is_empty() {
            // SAFETY: an open descriptor and `rest.len()` readable bytes.
            let n = unsafe { libc::write(self.fd.as_raw_fd(), rest.as_ptr().cast(), rest.len()) };
            if n < 0 {
                let e = std::io::Error::last_os_error();
                if e.kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                panic!("reference loop: write failed: {e}");
            }
            rest = &rest[n as usize..];
        }
        self.writes += 1;
        self.buf.clear();
    }
}

impl Drop for LineWriter {
    fn drop(&mut self) {
        self.write_out();
        // The descriptor closes as `fd` drops.
    }
}

/// Appends `s` as a quoted JSON string, escaping what JSON requires.
#[inline]
fn json_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    if !bytes.iter().any(|&c| c < 0x20 || c == b'"' || c == b'\\') {
        out.extend_from_slice(bytes);
    } else {
        for &c in bytes {
            match c {
                b'"' => out.extend_from_slice(b"\\\""),
                b'\\' => out.extend_from_slice(b"\\\\"),
                c if c < 0x20 => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    out.extend_from_slice(b"\\u00");
                    out.push(HEX[(c >> 4) as usize]);
                    out.push(HEX[(c & 15) as usize]);
                }
                c => out.push(c),
            }
        }
    }
    out.push(b'"');
}

/// Wall-clock time as `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`, the date and time
/// formatted once per second.
struct Clock {
    second: u64,
    prefix: [u8; 20],
}

impl Clock {
    fn new() -> Clock {
        Clock {
            second: u64::MAX,
            prefix: [0; 20],
        }
    }

    #[inline]
    fn now(&mut self, out: &mut Vec<u8>) {
        let d = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let second = d.as_secs();
        if second != self.second {
            self.second = second;
            self.prefix = date_time(second);
        }
        out.extend_from_slice(&self.prefix);
        let mut frac = [b'0'; 10];
        let mut n = d.subsec_nanos();
        for slot in frac[..9].iter_mut().rev() {
            *slot = b'0' + (n % 10) as u8;
            n /= 10;
        }
        frac[9] = b'Z';
        out.extend_from_slice(&frac);
    }
}

/// `YYYY-MM-DDTHH:MM:SS.` for seconds since the Unix epoch, UTC.
fn date_time(secs: u64) -> [u8; 20] {
    let (y, m, d) = crate::machine::civil_date((secs / 86_400) as i64);
    let rem = secs % 86_400;
    let text = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    );
    let mut out = [0u8; 20];
    out.copy_from_slice(&text.as_bytes()[..20]);
    out
}
