//! `file-sink`: appends every line to a file.
//!
//! | setting | type | default | |
//! |---|---|---|---|
//! | `path` | string | required | absolute path of the file |
//! | `fsync` | bool | false | `fsync` the file on every flush |
//!
//! The file is created `0600` if missing, opened with `O_APPEND`,
//! `O_NOFOLLOW` and close-on-exec, and refused when it has more than one
//! hard link. A batch is written with as few `write` calls as the kernel
//! allows; a failed write is reported as `RETRY` when it is transient and
//! as `ERROR` otherwise, with nothing of the batch counted as accepted.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;
use std::time::Duration;

use asynclog_plugin_sdk::{Config, ConfigField, ConfigType, Error, Host, Sink};

struct FileSink {
    file: File,
    fsync: bool,
    buf: Vec<u8>,
    host: Host,
}

impl Sink for FileSink {
    fn create(config: &Config, host: &Host) -> Result<Self, Error> {
        let path = config.require_str("path")?;
        if !Path::new(path).is_absolute() {
            return Err(Error::bad_config(format!(
                "path: must be an absolute path, got {path:?}"
            )));
        }
        let file = OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NOCTTY)
            .open(path)
            .map_err(|e| Error::bad_config(format!("path: cannot open {path}: {e}")))?;
        let meta = file
            .metadata()
            .map_err(|e| Error::bad_config(format!("path: cannot stat {path}: {e}")))?;
        if !meta.file_type().is_file() {
            return Err(Error::bad_config(format!(
                "path: {path} is not a regular file"
            )));
        }
        if meta.nlink() > 1 {
            return Err(Error::bad_config(format!(
                "path: {path} has {} hard links; refusing it",
                meta.nlink()
            )));
        }
        Ok(FileSink {
            file,
            fsync: config.get_bool("fsync").unwrap_or(false),
            buf: Vec::with_capacity(64 << 10),
            host: *host,
        })
    }

    fn write_batch(&mut self, lines: &[&[u8]]) -> Result<usize, Error> {
        self.buf.clear();
        for line in lines {
            self.buf.extend_from_slice(line);
        }
        self.file.write_all(&self.buf)?;
        self.host
            .counter_add("bytes_written", self.buf.len() as u64);
        Ok(lines.len())
    }

    fn flush(&mut self, _timeout: Duration) -> Result<(), Error> {
        if self.fsync {
            self.file.sync_data()?;
        }
        Ok(())
    }
}

const SCHEMA: &[ConfigField] = &[
    ConfigField::new(
        c"path",
        ConfigType::String,
        c"Absolute path of the file to append to",
    )
    .required(),
    ConfigField::new(
        c"fsync",
        ConfigType::Bool,
        c"fsync the file on every flush (default false)",
    ),
];

asynclog_plugin_sdk::export_plugin!(sink FileSink {
    name: "file-sink",
    description: "Appends every line to a file",
    schema: SCHEMA,
});
