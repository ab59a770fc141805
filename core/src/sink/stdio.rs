//! Standard output and standard error.
//!
//! Batches go straight to the file descriptor with `write(2)`, bypassing
//! the standard library's line buffer: a batch is already one large write
//! of whole lines.

use std::io;

use super::Sink;

/// A sink writing to file descriptor 1 or 2.
pub(crate) struct Stdio {
    fd: libc::c_int,
}

impl Stdio {
    pub(crate) fn stdout() -> Stdio {
        Stdio { fd: 1 }
    }

    pub(crate) fn stderr() -> Stdio {
        Stdio { fd: 2 }
    }

    /// True when the descriptor is a terminal.
    pub(crate) fn is_tty(&self) -> bool {
        // SAFETY: isatty only inspects the descriptor.
        unsafe { libc::isatty(self.fd) == 1 }
    }
}

/// Writes all of `data` to `fd`, retrying on EINTR and short writes.
pub(crate) fn write_all_fd(fd: libc::c_int, mut data: &[u8]) -> io::Result<()> {
    while !data.is_empty() {
        // SAFETY: the pointer and length describe a live slice.
        let n = unsafe { libc::write(fd, data.as_ptr().cast(), data.len()) };
        if n < 0 {
            let err = io::Error::last_os_error();
            if err.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(err);
        }
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::WriteZero, "write returned 0"));
        }
        data = &data[n as usize..];
    }
    Ok(())
}

impl Sink for Stdio {
    fn write(&mut self, data: &[u8]) -> io::Result<()> {
        write_all_fd(self.fd, data).map_err(|e| {
            let name = if self.fd == 1 { "stdout" } else { "stderr" };
            io::Error::new(e.kind(), format!("{name}: {e}"))
        })
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
