//! Thin, safe wrappers over the Linux system calls the file sink needs.
//!
//! Every wrapper works relative to a directory descriptor and never follows a
//! symbolic link on its own. Errors are the bare operating-system errors; the
//! callers add the path and the operation to the message.

use std::ffi::{CStr, OsString};
use std::fs::File;
use std::io;
use std::mem::MaybeUninit;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStringExt;

/// Turns a `-1` return value into the current `errno`.
fn cvt(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// `openat(2)` with `O_CLOEXEC` added, retried on `EINTR`.
fn openat_raw(dir: RawFd, name: &CStr, flags: libc::c_int, mode: u32) -> io::Result<OwnedFd> {
    loop {
        // SAFETY: `name` is NUL-terminated and outlives the call, and `dir` is
        // an open descriptor or `AT_FDCWD`. The call reads nothing else.
        let fd = unsafe {
            libc::openat(
                dir,
                name.as_ptr(),
                flags | libc::O_CLOEXEC,
                mode as libc::c_uint,
            )
        };
        if fd >= 0 {
            // SAFETY: a non-negative result is a new descriptor owned by no one else.
            return Ok(unsafe { OwnedFd::from_raw_fd(fd) });
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

/// Opens `/` as an `O_PATH` directory descriptor: the start of every walk.
pub(super) fn open_root() -> io::Result<OwnedFd> {
    openat_raw(libc::AT_FDCWD, c"/", libc::O_PATH | libc::O_DIRECTORY, 0)
}

/// `openat(2)` relative to `dir`; `O_CLOEXEC` is always added.
pub(super) fn openat(
    dir: BorrowedFd<'_>,
    name: &CStr,
    flags: libc::c_int,
    mode: u32,
) -> io::Result<OwnedFd> {
    openat_raw(dir.as_raw_fd(), name, flags, mode)
}

/// `fstatat(2)` with `AT_SYMLINK_NOFOLLOW`: `None` when `name` does not exist.
pub(super) fn lstatat(dir: BorrowedFd<'_>, name: &CStr) -> io::Result<Option<libc::stat>> {
    let mut st = MaybeUninit::<libc::stat>::uninit();
    // SAFETY: `name` is NUL-terminated, `dir` is open, and `st` points to
    // writable memory of the right size for the kernel to fill.
    let ret = unsafe {
        libc::fstatat(
            dir.as_raw_fd(),
            name.as_ptr(),
            st.as_mut_ptr(),
            libc::AT_SYMLINK_NOFOLLOW,
        )
    };
    match cvt(ret) {
        // SAFETY: on success the kernel initialised the whole structure.
        Ok(_) => Ok(Some(unsafe { st.assume_init() })),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err),
    }
}

/// Whether a `stat` result describes a symbolic link.
pub(super) fn is_symlink(st: &libc::stat) -> bool {
    st.st_mode & libc::S_IFMT == libc::S_IFLNK
}

/// `renameat(2)` within one directory, replacing `to` if it exists.
pub(super) fn rename(dir: BorrowedFd<'_>, from: &CStr, to: &CStr) -> io::Result<()> {
    let fd = dir.as_raw_fd();
    // SAFETY: both names are NUL-terminated and outlive the call; `fd` is open.
    cvt(unsafe { libc::renameat(fd, from.as_ptr(), fd, to.as_ptr()) }).map(drop)
}

/// Renames `from` to `to` within one directory, failing with `EEXIST` if
/// `to` exists.
///
/// Uses `renameat2(RENAME_NOREPLACE)`; on file systems without it, falls
/// back to a check followed by a plain rename.
pub(super) fn rename_noreplace(dir: BorrowedFd<'_>, from: &CStr, to: &CStr) -> io::Result<()> {
    let fd = dir.as_raw_fd();
    // SAFETY: both names are NUL-terminated and outlive the call; `fd` is open.
    let ret =
        unsafe { libc::renameat2(fd, from.as_ptr(), fd, to.as_ptr(), libc::RENAME_NOREPLACE) };
    match cvt(ret) {
        Ok(_) => Ok(()),
        Err(err) if matches!(err.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS)) => {
            if lstatat(dir, to)?.is_some() {
                return Err(io::Error::from_raw_os_error(libc::EEXIST));
            }
            rename(dir, from, to)
        }
        Err(err) => Err(err),
    }
}

/// `unlinkat(2)` of a non-directory.
pub(super) fn unlink(dir: BorrowedFd<'_>, name: &CStr) -> io::Result<()> {
    // SAFETY: `name` is NUL-terminated and outlives the call; `dir` is open.
    cvt(unsafe { libc::unlinkat(dir.as_raw_fd(), name.as_ptr(), 0) }).map(drop)
}

/// Clears `O_NONBLOCK` on an open descriptor.
pub(super) fn set_blocking(fd: BorrowedFd<'_>) -> io::Result<()> {
    // SAFETY: F_GETFL only reads the flags of an open descriptor.
    let flags = cvt(unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) })?;
    if flags & libc::O_NONBLOCK != 0 {
        // SAFETY: F_SETFL only changes the status flags of an open descriptor.
        cvt(unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, flags & !libc::O_NONBLOCK) })?;
    }
    Ok(())
}

/// Makes the entries of `dir` durable: `fsync(2)` of the directory.
pub(super) fn sync_dir(dir: BorrowedFd<'_>) -> io::Result<()> {
    File::from(openat(dir, c".", libc::O_RDONLY | libc::O_DIRECTORY, 0)?).sync_all()
}

/// An open directory stream, closed on drop.
struct DirStream(*mut libc::DIR);

impl Drop for DirStream {
    fn drop(&mut self) {
        // SAFETY: the stream came from a successful `fdopendir` and is closed
        // only here; this also closes its descriptor.
        unsafe { libc::closedir(self.0) };
    }
}

/// The names in `dir`, without `.` and `..`, in no particular order.
pub(super) fn list_dir(dir: BorrowedFd<'_>) -> io::Result<Vec<OsString>> {
    let fd = openat(dir, c".", libc::O_RDONLY | libc::O_DIRECTORY, 0)?.into_raw_fd();
    // SAFETY: `fd` is an open directory descriptor; on success the stream
    // owns it.
    let stream = unsafe { libc::fdopendir(fd) };
    if stream.is_null() {
        let err = io::Error::last_os_error();
        // SAFETY: `fdopendir` failed, so `fd` is still ours to close.
        drop(unsafe { OwnedFd::from_raw_fd(fd) });
        return Err(err);
    }
    let stream = DirStream(stream);
    let mut names = Vec::new();
    loop {
        // SAFETY: `errno` is thread-local; clearing it is how `readdir` tells
        // the end of the stream from an error.
        unsafe { *libc::__errno_location() = 0 };
        // SAFETY: the stream is open and used by this thread only.
        let entry = unsafe { libc::readdir(stream.0) };
        if entry.is_null() {
            let err = io::Error::last_os_error();
            return match err.raw_os_error() {
                Some(0) => Ok(names),
                _ => Err(err),
            };
        }
        // SAFETY: a non-null entry stays valid until the next `readdir` on
        // this stream, and its `d_name` is NUL-terminated.
        let name = unsafe { CStr::from_ptr((*entry).d_name.as_ptr()) }.to_bytes();
        if name != b"." && name != b".." {
            names.push(OsString::from_vec(name.to_vec()));
        }
    }
}
