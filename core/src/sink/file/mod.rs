//! The file sink: appends batches to a file, rotates it at batch boundaries,
//! and compresses rotated files off the write path.
//!
//! # Opening, without following links
//!
//! The configured path must be absolute. It is walked from `/` one component
//! at a time, each directory opened with
//! `openat(parent, name, O_PATH | O_DIRECTORY | O_NOFOLLOW)`, so a symbolic
//! link anywhere in the path is refused rather than followed (`..` is refused
//! too). The file itself is opened relative to its directory with
//! `O_WRONLY | O_APPEND | O_NOFOLLOW` (and `O_CREAT | O_EXCL` to create it),
//! then checked with `fstat`: anything but a regular file is refused, and so
//! is a file with more than one hard link, which could be another file under
//! a second name. A file the sink creates gets `mode` with `fchmod`, whatever
//! the umask; an existing file keeps its mode. Only the permission bits of
//! `mode` (`0o777`) are used.
//!
//! The directory stays open for the sink's life. Every rename, unlink,
//! listing and re-open happens relative to that descriptor, so replacing a
//! directory in the path with a link after opening cannot redirect them.
//!
//! # Rotation and names
//!
//! Rotation is checked before each batch, never inside one, so no record is
//! split across files. A non-empty file rotates when the batch would take it
//! past `max_bytes`, or when the wall clock has crossed a multiple of
//! `interval` since the Unix epoch since the file was opened or last rotated
//! (for an existing file, since it was last modified). An empty file is never
//! rotated away.
//!
//! The active file `<name>` is renamed to `<name>.<stamp>`, where `<stamp>` is
//! the UTC time of the rotation as `YYYYMMDDTHHMMSS.nnnnnnnnnZ`, for example
//! `app.log.20250101T000000.000000000Z`; if that name (or its `.gz`) exists,
//! `-1`, `-2`... is appended. Within one sink the stamps only increase, even
//! if the clock steps back. A fresh `<name>` is then opened the same secure
//! way. With compression on, `<name>.<stamp>` becomes `<name>.<stamp>.gz`
//! (written as `<name>.<stamp>.gz.tmp` first). Rotated files sort by name from
//! oldest to newest, and only the newest `keep` are kept: a file and its
//! `.gz` count once, `.tmp` files and unrelated names are never touched.
//!
//! # Compression
//!
//! With `compress` on, the first rotation starts one `asynclog-gzip` thread,
//! fed by a channel. It gzips each rotated file, fsyncs the result, renames
//! it into place, removes the original, and prunes. Without compression,
//! pruning happens right after the rotation. [`Sink::close`] (or dropping
//! the sink) waits for the thread, so after it returns every rotated file is
//! compressed.
//!
//! # Errors
//!
//! Every error names the path and what failed, such as
//! `/var/log/app.log: refusing a hard-linked file (2 links)`. A failed
//! rotation does not fail the batch: if the rename fails, the batch goes to
//! the current file and rotation is retried before the next batch; if the
//! rename worked but the new file cannot be opened, the batch goes to the
//! renamed file, and opening is retried before the next batch. Errors of
//! rotation, compression and pruning are kept for
//! [`FileSink::take_rotation_error`]; an error from `write` always means the
//! batch itself was not (entirely) written.

use std::ffi::{CString, OsStr, OsString};
use std::fs::{File, Metadata, Permissions};
use std::io::{self, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use super::Sink;
use crate::config::FileSinkConfig;

mod rotate;
mod sys;
#[cfg(test)]
mod tests;

use rotate::Compressor;

/// A sink that appends batches to a file, with optional rotation, pruning and
/// compression (see the [module documentation](self)).
pub(crate) struct FileSink {
    /// The directory of the active file, shared with the compressor.
    dir: Arc<Dir>,
    /// The file batches go to; `None` once closed.
    file: Option<File>,
    /// Set when `file` is no longer the active file: it was renamed to this
    /// rotated name, but no new active file could be opened yet.
    detached: Option<OsString>,
    /// Size of `file`: its size when opened plus the bytes written since.
    size: u64,
    /// Rotate before a batch that would take the file past this size.
    max_bytes: Option<u64>,
    /// Rotate at multiples of this many nanoseconds since the epoch.
    interval: Option<u128>,
    /// The next multiple of `interval`, in nanoseconds since the epoch.
    next_rotation: Option<u128>,
    /// The stamp of the last rotation, to keep stamps increasing.
    last_stamp: Option<u128>,
    /// Whether rotated files are compressed.
    compress: bool,
    /// The compression thread, once started.
    compressor: Option<Compressor>,
}

/// The open directory of the active file and what rotation needs to know
/// about it; shared with the compression thread.
struct Dir {
    /// `O_PATH` descriptor of the directory.
    fd: OwnedFd,
    /// Path of the directory, for messages.
    path: PathBuf,
    /// File name of the active file.
    base: OsString,
    /// Permission bits for files the sink creates.
    mode: u32,
    /// How many rotated files to keep.
    keep: usize,
    /// The first rotation, compression or pruning error not yet taken.
    error: Mutex<Option<io::Error>>,
}

impl Dir {
    /// The path of `name` in this directory.
    fn path_of(&self, name: &OsStr) -> PathBuf {
        self.path.join(name)
    }

    /// Keeps the error of `result`, unless an earlier one is still waiting.
    fn report(&self, result: io::Result<()>) {
        if let Err(e) = result {
            let mut slot = self.error.lock().unwrap_or_else(PoisonError::into_inner);
            slot.get_or_insert(e);
        }
    }

    /// Takes the waiting error, if any.
    fn take_error(&self) -> Option<io::Error> {
        self.error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}

impl FileSink {
    /// Opens (or creates) the file of `cfg` for appending, securely: see the
    /// [module documentation](self).
    pub(crate) fn open(cfg: &FileSinkConfig) -> io::Result<FileSink> {
        let (fd, path, base) = open_dir(&cfg.path)?;
        let dir = Arc::new(Dir {
            fd,
            path,
            base,
            mode: cfg.mode & 0o777,
            keep: cfg.rotation.keep,
            error: Mutex::new(None),
        });
        let (file, meta) = open_file(&dir)?;
        let interval = cfg
            .rotation
            .interval
            .map(|i| i.as_nanos())
            .filter(|&i| i > 0);
        let size = meta.len();
        // An existing file belongs to the interval it was last written in.
        let since = match meta.modified() {
            Ok(modified) if size > 0 => nanos_since_epoch(modified),
            _ => now(),
        };
        Ok(FileSink {
            next_rotation: interval.map(|i| next_boundary(since, i)),
            dir,
            file: Some(file),
            detached: None,
            size,
            max_bytes: cfg.rotation.max_bytes,
            interval,
            last_stamp: None,
            compress: cfg.rotation.compress,
            compressor: None,
        })
    }

    /// Takes the first rotation, compression or pruning error since the last
    /// call. Such errors never fail [`Sink::write`], whose batch was written
    /// to whichever file was open.
    pub(crate) fn take_rotation_error(&mut self) -> Option<io::Error> {
        self.dir.take_error()
    }

    /// The path of the file batches currently go to.
    fn current_path(&self) -> PathBuf {
        self.dir
            .path_of(self.detached.as_deref().unwrap_or(&self.dir.base))
    }

    /// Rotates, or retries a half-done rotation, before a batch of
    /// `incoming` bytes. Errors are kept for [`FileSink::take_rotation_error`].
    fn before_batch(&mut self, incoming: u64) {
        let result = if self.detached.is_some() {
            self.reopen()
        } else {
            let now = now();
            if self.rotation_due(incoming, now) {
                self.rotate(now)
            } else {
                Ok(())
            }
        };
        self.dir.report(result);
    }

    /// Whether the file should rotate before `incoming` more bytes at `now`.
    fn rotation_due(&mut self, incoming: u64, now: u128) -> bool {
        let by_time = self.next_rotation.is_some_and(|next| now >= next);
        if self.size == 0 {
            // Nothing to rotate away: an empty file just starts the interval.
            if by_time {
                self.next_rotation = self.interval.map(|i| next_boundary(now, i));
            }
            return false;
        }
        by_time
            || self
                .max_bytes
                .is_some_and(|max| self.size.saturating_add(incoming) > max)
    }

    /// Renames the active file to its rotated name and opens a new one.
    fn rotate(&mut self, now: u128) -> io::Result<()> {
        let stamp = match self.last_stamp {
            Some(last) if now <= last => last + 1,
            _ => now,
        };
        match rotate::rename_active(&self.dir, stamp) {
            Ok(name) => self.detached = Some(name),
            // Removed behind our back: nothing to rename, just start afresh.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        self.last_stamp = Some(stamp);
        self.next_rotation = self.interval.map(|i| next_boundary(now, i));
        self.reopen()
    }

    /// Opens the active file anew and retires the detached one, if any.
    fn reopen(&mut self) -> io::Result<()> {
        let (file, meta) = open_file(&self.dir)?;
        self.file = Some(file);
        self.size = meta.len();
        if let Some(name) = self.detached.take() {
            self.retire(name);
        }
        Ok(())
    }

    /// Hands a finished rotated file to compression, or prunes right away.
    fn retire(&mut self, name: OsString) {
        // The compressor prunes after compressing. Without one, the file
        // stays uncompressed, and still counts towards `keep`.
        if self.compress && self.submit(name) {
            return;
        }
        self.dir.report(rotate::prune(&self.dir));
    }

    /// Queues `name` for compression, starting the compressor on first use.
    /// Returns whether a compressor took it; if not, the error is kept.
    fn submit(&mut self, name: OsString) -> bool {
        let compressor = match self.compressor.take() {
            Some(compressor) => compressor,
            None => match Compressor::spawn(Arc::clone(&self.dir)) {
                Ok(compressor) => compressor,
                Err(e) => {
                    self.dir.report(Err(e));
                    return false;
                }
            },
        };
        if compressor.submit(name) {
            self.compressor = Some(compressor);
            true
        } else {
            // The thread is gone (it panicked); a new one starts next time.
            self.dir.report(compressor.finish(&self.dir));
            false
        }
    }

    /// Writes all of `data` to the open file, retrying short writes and
    /// `EINTR`.
    fn write_batch(&mut self, mut data: &[u8]) -> io::Result<()> {
        let Some(file) = &self.file else {
            return Err(closed(&self.current_path()));
        };
        while !data.is_empty() {
            match (&*file).write(data) {
                Ok(0) => {
                    let e = io::Error::from(io::ErrorKind::WriteZero);
                    return Err(context(&self.current_path(), "write failed", e));
                }
                Ok(n) => {
                    self.size += n as u64;
                    data = &data[n..];
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(context(&self.current_path(), "write failed", e)),
            }
        }
        Ok(())
    }
}

impl Sink for FileSink {
    /// Writes one batch with `write(2)`, rotating first if due.
    ///
    /// `Ok` means the whole batch is in a file: the active one, or the
    /// previous one if rotating failed (see
    /// [`FileSink::take_rotation_error`]).
    fn write(&mut self, data: &[u8]) -> io::Result<()> {
        if self.file.is_none() {
            return Err(closed(&self.current_path()));
        }
        if data.is_empty() {
            return Ok(());
        }
        self.before_batch(data.len() as u64);
        self.write_batch(data)
    }

    /// Nothing is buffered in user space, and this does not fsync.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }

    /// Waits for compression of every rotated file, then closes the files.
    ///
    /// Returns the error of a compression thread that panicked, or else a
    /// rotation error not yet taken with [`FileSink::take_rotation_error`].
    /// Closing again does nothing.
    fn close(&mut self) -> io::Result<()> {
        if self.file.is_none() {
            return Ok(());
        }
        self.flush()?;
        if let Some(name) = self.detached.take() {
            self.retire(name);
        }
        let joined = match self.compressor.take() {
            Some(compressor) => compressor.finish(&self.dir),
            None => Ok(()),
        };
        self.file = None;
        joined?;
        self.take_rotation_error().map_or(Ok(()), Err)
    }
}

impl Drop for FileSink {
    fn drop(&mut self) {
        // Errors have nowhere to go; waiting for compression is what matters.
        let _ = self.close();
    }
}

/// Walks the absolute `path` from `/` without following links; returns the
/// parent directory's descriptor and path, and the file name.
fn open_dir(path: &Path) -> io::Result<(OwnedFd, PathBuf, OsString)> {
    if !path.is_absolute() {
        return Err(refusal(
            io::ErrorKind::InvalidInput,
            path,
            "must be an absolute path",
        ));
    }
    let mut names = Vec::new();
    for component in path.components() {
        match component {
            Component::RootDir | Component::CurDir => {}
            Component::Normal(name) => names.push(name),
            Component::ParentDir | Component::Prefix(_) => {
                let message = "must not contain `..` components";
                return Err(refusal(io::ErrorKind::InvalidInput, path, message));
            }
        }
    }
    let Some(file_name) = names.pop() else {
        return Err(refusal(io::ErrorKind::InvalidInput, path, "names no file"));
    };
    let mut dir_path = PathBuf::from("/");
    let mut dir =
        sys::open_root().map_err(|e| context(&dir_path, "cannot open the directory", e))?;
    for name in names {
        dir_path.push(name);
        let c_name = c_name(&dir_path, name)?;
        let flags = libc::O_PATH | libc::O_DIRECTORY | libc::O_NOFOLLOW;
        dir = match sys::openat(dir.as_fd(), &c_name, flags, 0) {
            Ok(fd) => fd,
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) => return Err(symlink(&dir_path)),
            Err(e) if e.raw_os_error() == Some(libc::ENOTDIR) => {
                return Err(match sys::lstatat(dir.as_fd(), &c_name) {
                    Ok(Some(st)) if !sys::is_symlink(&st) => refusal(
                        io::ErrorKind::NotADirectory,
                        &dir_path,
                        "a path component is not a directory",
                    ),
                    _ => symlink(&dir_path),
                });
            }
            Err(e) => return Err(context(&dir_path, "cannot open the directory", e)),
        };
    }
    Ok((dir, dir_path, file_name.to_os_string()))
}

/// Opens the active file of `dir` for appending, creating it with `dir.mode`
/// if missing, and checks it is a regular file with a single link.
fn open_file(dir: &Dir) -> io::Result<(File, Metadata)> {
    let path = dir.path_of(&dir.base);
    let name = c_name(&path, &dir.base)?;
    let fd = dir.fd.as_fd();
    // O_NONBLOCK: opening a FIFO for writing must not wait for a reader.
    let flags =
        libc::O_WRONLY | libc::O_APPEND | libc::O_NOFOLLOW | libc::O_NOCTTY | libc::O_NONBLOCK;
    let (file, created) = loop {
        match sys::openat(fd, &name, flags | libc::O_CREAT | libc::O_EXCL, dir.mode) {
            Ok(file) => break (file, true),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(open_error(&path, e)),
        }
        match sys::openat(fd, &name, flags, 0) {
            Ok(file) => break (file, false),
            // Removed between the two calls: try creating it again.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(open_error(&path, e)),
        }
    };
    let file = File::from(file);
    let meta = file
        .metadata()
        .map_err(|e| context(&path, "cannot stat the file", e))?;
    let file_type = meta.file_type();
    if !file_type.is_file() {
        let kind = if file_type.is_dir() {
            "a directory"
        } else if file_type.is_fifo() {
            "a FIFO"
        } else if file_type.is_socket() {
            "a socket"
        } else if file_type.is_char_device() || file_type.is_block_device() {
            "a device"
        } else {
            "a special file"
        };
        let message = format!("refusing {kind}: not a regular file");
        return Err(refusal(io::ErrorKind::PermissionDenied, &path, &message));
    }
    if meta.nlink() > 1 {
        let message = format!("refusing a hard-linked file ({} links)", meta.nlink());
        return Err(refusal(io::ErrorKind::PermissionDenied, &path, &message));
    }
    sys::set_blocking(file.as_fd()).map_err(|e| context(&path, "cannot set blocking mode", e))?;
    if created {
        file.set_permissions(Permissions::from_mode(dir.mode))
            .map_err(|e| context(&path, "cannot set the mode", e))?;
    }
    Ok((file, meta))
}

/// The error for a failed `openat` of the file at `path`.
fn open_error(path: &Path, e: io::Error) -> io::Error {
    match e.raw_os_error() {
        Some(libc::ELOOP) => symlink(path),
        Some(libc::EISDIR) => refusal(
            io::ErrorKind::PermissionDenied,
            path,
            "refusing a directory: not a regular file",
        ),
        // What O_NONBLOCK opens of FIFOs without readers and sockets give.
        Some(libc::ENXIO) => refusal(
            io::ErrorKind::PermissionDenied,
            path,
            "refusing a special file: not a regular file",
        ),
        _ => context(path, "cannot open the file", e),
    }
}

/// `name` as a C string; `path` names it in the error for a NUL byte.
fn c_name(path: &Path, name: &OsStr) -> io::Result<CString> {
    CString::new(name.as_bytes())
        .map_err(|_| refusal(io::ErrorKind::InvalidInput, path, "contains a NUL byte"))
}

/// `<path>: <what>: <err>`, keeping the kind of `err`.
fn context(path: &Path, what: &str, err: io::Error) -> io::Error {
    io::Error::new(err.kind(), format!("{}: {what}: {err}", path.display()))
}

/// `<path>: <message>`, of `kind`.
fn refusal(kind: io::ErrorKind, path: &Path, message: &str) -> io::Error {
    io::Error::new(kind, format!("{}: {message}", path.display()))
}

/// The refusal of a symbolic link at `path`.
fn symlink(path: &Path) -> io::Error {
    let message = "a path component is a symbolic link";
    refusal(io::ErrorKind::PermissionDenied, path, message)
}

/// The error for using a closed sink.
fn closed(path: &Path) -> io::Error {
    refusal(io::ErrorKind::BrokenPipe, path, "the sink is closed")
}

/// Nanoseconds since the Unix epoch, now; `0` before the epoch.
fn now() -> u128 {
    nanos_since_epoch(SystemTime::now())
}

/// Nanoseconds from the Unix epoch to `time`; `0` before the epoch.
fn nanos_since_epoch(time: SystemTime) -> u128 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos())
}

/// The first multiple of `interval` after `time` (both in nanoseconds).
fn next_boundary(time: u128, interval: u128) -> u128 {
    (time / interval + 1) * interval
}
