//! Rotated files: their names, pruning, and the background compressor.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::fs::{File, Permissions};
use std::io;
use std::os::fd::AsFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;
use std::sync::mpsc::{self, Sender};
use std::thread::{self, JoinHandle};

use flate2::Compression;
use flate2::write::GzEncoder;

use super::{Dir, c_name, context, sys};

/// Length of the timestamp in a rotated name: `YYYYMMDDTHHMMSS.nnnnnnnnnZ`.
const STAMP_LEN: usize = 26;

/// Nanoseconds in a second.
const NANOS: u128 = 1_000_000_000;

/// Formats nanoseconds since the Unix epoch as `YYYYMMDDTHHMMSS.nnnnnnnnnZ`
/// (UTC), the timestamp of a rotated name.
pub(super) fn format_stamp(nanos: u128) -> String {
    let secs = nanos / NANOS;
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX);
    let day_secs = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}.{:09}Z",
        day_secs / 3600,
        day_secs / 60 % 60,
        day_secs % 60,
        nanos % NANOS,
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard
/// Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // day of era, [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // month from March, [0, 11]
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Whether `stamp` has the shape of a rotation timestamp.
fn is_stamp(stamp: &[u8]) -> bool {
    stamp.len() == STAMP_LEN
        && stamp.iter().enumerate().all(|(i, &b)| match i {
            8 => b == b'T',
            15 => b == b'.',
            25 => b == b'Z',
            _ => b.is_ascii_digit(),
        })
}

/// The sort key of `name` if it is a rotated file of the active file `base`:
/// its timestamp and collision counter (`0` without a `-N` suffix).
///
/// Both `<base>.<stamp>[-N]` and `<base>.<stamp>[-N].gz` match, with the
/// same key; anything else, including `.gz.tmp` files still being written,
/// gives `None`.
pub(super) fn rotation_key<'a>(base: &[u8], name: &'a [u8]) -> Option<(&'a [u8], u64)> {
    let rest = name.strip_prefix(base)?.strip_prefix(b".")?;
    let rest = rest.strip_suffix(b".gz").unwrap_or(rest);
    if rest.len() < STAMP_LEN {
        return None;
    }
    let (stamp, suffix) = rest.split_at(STAMP_LEN);
    if !is_stamp(stamp) {
        return None;
    }
    let seq = match suffix {
        [] => 0,
        [b'-', digits @ ..]
            if digits.first().is_some_and(|&d| d != b'0')
                && digits.iter().all(u8::is_ascii_digit) =>
        {
            std::str::from_utf8(digits).ok()?.parse().ok()?
        }
        _ => return None,
    };
    Some((stamp, seq))
}

/// `name` with `suffix` appended.
fn with_suffix(name: &OsStr, suffix: &str) -> OsString {
    let mut name = name.to_os_string();
    name.push(suffix);
    name
}

/// Renames the active file to `<base>.<stamp>`, adding `-1`, `-2`... while
/// that name, or its `.gz`, already exists. Returns the name used.
pub(super) fn rename_active(dir: &Dir, nanos: u128) -> io::Result<OsString> {
    let stem = with_suffix(&dir.base, &format!(".{}", format_stamp(nanos)));
    let active_path = dir.path_of(&dir.base);
    let active = c_name(&active_path, &dir.base)?;
    let mut seq = 0u64;
    loop {
        let name = match seq {
            0 => stem.clone(),
            n => with_suffix(&stem, &format!("-{n}")),
        };
        seq += 1;
        let path = dir.path_of(&name);
        let gz = with_suffix(&name, ".gz");
        let gz_exists = sys::lstatat(dir.fd.as_fd(), &c_name(&path, &gz)?)
            .map_err(|e| context(&path, "cannot check for a rotated file", e))?
            .is_some();
        if gz_exists {
            continue;
        }
        match sys::rename_noreplace(dir.fd.as_fd(), &active, &c_name(&path, &name)?) {
            Ok(()) => return Ok(name),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                let what = format!("cannot rename to {}", path.display());
                return Err(context(&active_path, &what, e));
            }
        }
    }
}

/// Removes the oldest rotated files of `dir.base` until only `dir.keep`
/// remain. A file and its `.gz` count as one; `.tmp` files and unrelated
/// names are left alone.
pub(super) fn prune(dir: &Dir) -> io::Result<()> {
    let names = sys::list_dir(dir.fd.as_fd())
        .map_err(|e| context(&dir.path, "cannot list the directory", e))?;
    let base = dir.base.as_bytes();
    let mut rotated: BTreeMap<(Vec<u8>, u64), Vec<OsString>> = BTreeMap::new();
    for name in names {
        if let Some((stamp, seq)) = rotation_key(base, name.as_bytes()) {
            rotated.entry((stamp.to_vec(), seq)).or_default().push(name);
        }
    }
    let excess = rotated.len().saturating_sub(dir.keep);
    let mut first_error = None;
    for name in rotated.into_values().take(excess).flatten() {
        let path = dir.path_of(&name);
        let removed = c_name(&path, &name).and_then(|c| {
            sys::unlink(dir.fd.as_fd(), &c)
                .map_err(|e| context(&path, "cannot remove an old rotated file", e))
        });
        match removed {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                first_error.get_or_insert(e);
            }
            _ => {}
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// Gzips the rotated file `name` into `<name>.gz`, then removes `name`.
///
/// Writes `<name>.gz.tmp` (created exclusively, never through a link, with
/// the sink's mode), fsyncs it, renames it into place and fsyncs the
/// directory before removing the original, so a crash leaves either the
/// original or a complete `.gz`. A file already pruned is skipped.
fn compress(dir: &Dir, name: &OsStr) -> io::Result<()> {
    let path = dir.path_of(name);
    let fd = dir.fd.as_fd();
    let source = c_name(&path, name)?;
    let flags = libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_NONBLOCK;
    let mut input = match sys::openat(fd, &source, flags, 0) {
        Ok(file) => File::from(file),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(context(&path, "cannot open for compression", e)),
    };
    let tmp = c_name(&path, &with_suffix(name, ".gz.tmp"))?;
    let gz = c_name(&path, &with_suffix(name, ".gz"))?;
    let written = (|| {
        if !input.metadata()?.file_type().is_file() {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "not a regular file",
            ));
        }
        match sys::unlink(fd, &tmp) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        let flags = libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW;
        let output = File::from(sys::openat(fd, &tmp, flags, dir.mode)?);
        output.set_permissions(Permissions::from_mode(dir.mode))?;
        let mut encoder = GzEncoder::new(output, Compression::default());
        io::copy(&mut input, &mut encoder)?;
        encoder.finish()?.sync_all()?;
        sys::rename(fd, &tmp, &gz)?;
        sys::sync_dir(fd)
    })();
    if let Err(e) = written {
        // Best effort: the original is intact, so only the partial copy goes.
        let _ = sys::unlink(fd, &tmp);
        return Err(context(&path, "compression failed", e));
    }
    match sys::unlink(fd, &source) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            Err(context(&path, "cannot remove after compression", e))
        }
        _ => Ok(()),
    }
}

/// The background thread that compresses rotated files, then prunes.
///
/// It takes rotated names from a channel in rotation order. Its errors go to
/// the sink's error slot ([`Dir::report`]).
pub(super) struct Compressor {
    /// Rotated names waiting for compression.
    jobs: Sender<OsString>,
    /// The `asynclog-gzip` thread.
    thread: JoinHandle<()>,
}

impl Compressor {
    /// Starts the `asynclog-gzip` thread for the files of `dir`.
    pub(super) fn spawn(dir: Arc<Dir>) -> io::Result<Compressor> {
        let (jobs, queue) = mpsc::channel::<OsString>();
        let dir_path = dir.path.clone();
        let thread = thread::Builder::new()
            .name("asynclog-gzip".to_string())
            .spawn(move || {
                for name in queue {
                    dir.report(compress(&dir, &name));
                    dir.report(prune(&dir));
                }
            })
            .map_err(|e| context(&dir_path, "cannot start the compression thread", e))?;
        Ok(Compressor { jobs, thread })
    }

    /// Queues the rotated file `name`; `false` if the thread is gone.
    pub(super) fn submit(&self, name: OsString) -> bool {
        self.jobs.send(name).is_ok()
    }

    /// Closes the queue and waits until every queued file is compressed.
    pub(super) fn finish(self, dir: &Dir) -> io::Result<()> {
        drop(self.jobs);
        self.thread.join().map_err(|_| {
            let message = format!("{}: the compression thread panicked", dir.path.display());
            io::Error::other(message)
        })
    }
}
