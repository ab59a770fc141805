//! Sink plugins behind the [`Sink`] trait, on a delivery thread of their
//! own like every sink.
//!
//! Each batch is split into lines (each a complete record with its
//! newline) and passed to `write_batch` as one `asynclog_bytes` per line.
//! Statuses map onto the delivery thread's error handling:
//!
//! | status | what happens |
//! |---|---|
//! | `OK` | the batch is written |
//! | `RETRY` | an error of kind `WouldBlock`: the delivery thread retries with backoff; a plugin with `ASYNCLOG_PLUGIN_CAP_PARTIAL_BATCH` that accepted a prefix is sent only the rest on the retry |
//! | `ERROR`, unknown | an error of kind `Other`: retried like any failed write, then counted as `sink_error` |
//! | `FATAL`, `PANIC` | the instance is retired (destroyed once, unhealthy); this and every later batch fails with `BrokenPipe` and ends as `sink_error` |

use std::io;
use std::sync::Arc;

use asynclog_plugin_abi as abi;

use super::{Instance, status_name};
use crate::sink::Sink;

/// A sink plugin instance.
pub(crate) struct PluginSink {
    instance: Arc<Instance>,
    /// The batch a partial write left unfinished: its address, length,
    /// a hash of its bytes, and how many lines the plugin accepted.
    partial: Option<(usize, usize, u64, usize)>,
    flush_timeout_ms: u64,
}

impl PluginSink {
    pub(crate) fn new(instance: Arc<Instance>, flush_timeout_ms: u64) -> PluginSink {
        PluginSink {
            instance,
            partial: None,
            flush_timeout_ms,
        }
    }

    fn retired_error(&self) -> io::Error {
        io::Error::new(
            io::ErrorKind::BrokenPipe,
            format!(
                "plugin {} ({}) is retired",
                self.instance.plugin.name(),
                self.instance.label
            ),
        )
    }

    /// The error for a failed call, after recording or retiring.
    fn failed(&self, status: i32, during: &str) -> io::Error {
        match status {
            abi::ASYNCLOG_PLUGIN_FATAL | abi::ASYNCLOG_PLUGIN_PANIC => {
                self.instance.retire(status, during);
                self.retired_error()
            }
            abi::ASYNCLOG_PLUGIN_RETRY => {
                self.instance.note_error(status, during);
                io::Error::new(
                    io::ErrorKind::WouldBlock,
                    format!(
                        "plugin {}: {during} asked to retry",
                        self.instance.plugin.name()
                    ),
                )
            }
            other => {
                self.instance.note_error(other, during);
                io::Error::other(format!(
                    "plugin {}: {during} returned {}",
                    self.instance.plugin.name(),
                    status_name(other)
                ))
            }
        }
    }
}

/// FNV-1a, to tell a retried batch from a new one at the same address.
fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Splits a batch into lines, each keeping its newline.
fn lines(data: &[u8]) -> Vec<abi::asynclog_bytes> {
    data.split_inclusive(|&b| b == b'\n')
        .map(|line| abi::asynclog_bytes {
            ptr: line.as_ptr(),
            len: line.len(),
        })
        .collect()
}

impl Sink for PluginSink {
    /// Only `ASYNCLOG_PLUGIN_RETRY` is retried: `ERROR` counts the batch as
    /// dropped at once, and a retired instance never succeeds.
    fn retryable(&self, error: &io::Error) -> bool {
        error.kind() == io::ErrorKind::WouldBlock
    }

    fn write(&mut self, data: &[u8]) -> io::Result<()> {
        if self.instance.is_retired() {
            return Err(self.retired_error());
        }
        let all = lines(data);
        let id = (data.as_ptr() as usize, data.len());
        let skip = match self.partial.take() {
            Some((ptr, len, hash, accepted)) if (ptr, len) == id && hash == fnv1a(data) => accepted,
            _ => 0,
        };
        let rest = &all[skip.min(all.len())..];
        if rest.is_empty() {
            return Ok(());
        }
        let Some((status, accepted)) = self.instance.write_batch(rest) else {
            return Err(self.retired_error());
        };
        match status {
            abi::ASYNCLOG_PLUGIN_OK if accepted == rest.len() => Ok(()),
            // OK with fewer lines, or RETRY after some: keep what was taken
            // when the plugin says it may take part of a batch.
            abi::ASYNCLOG_PLUGIN_OK | abi::ASYNCLOG_PLUGIN_RETRY => {
                let partial = self.instance.plugin.capabilities()
                    & abi::ASYNCLOG_PLUGIN_CAP_PARTIAL_BATCH
                    != 0;
                if partial && accepted > 0 {
                    self.partial = Some((id.0, id.1, fnv1a(data), skip + accepted));
                }
                Err(self.failed(abi::ASYNCLOG_PLUGIN_RETRY, "write_batch"))
            }
            other => Err(self.failed(other, "write_batch")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.instance.flush(self.flush_timeout_ms) {
            None | Some(abi::ASYNCLOG_PLUGIN_OK) => Ok(()),
            Some(status) => Err(self.failed(status, "flush")),
        }
    }

    fn close(&mut self) -> io::Result<()> {
        let flushed = self.flush();
        self.instance.destroy();
        flushed
    }
}
