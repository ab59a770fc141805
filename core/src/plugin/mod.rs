//! The plugin host: shared objects that add processor stages and sinks.
//!
//! A plugin is a shared object exporting `asynclog_plugin_entry_v1`, which
//! returns a static descriptor (see the `asynclog-plugin-abi` crate and
//! `include/asynclog_plugin.h`). The host runs it in four steps:
//!
//! 1. [`load`] checks the file before `dlopen` runs any of its code: an
//!    absolute path inside one of the configured plugin directories, a
//!    regular file with one link, not writable by group or others in
//!    directories that are not either, and the SHA-256 pin when one is
//!    given. It then checks the descriptor: ABI version, sizes, required
//!    callbacks, name and schema. Loaded libraries are never unloaded.
//! 2. [`Plugin::validate`] checks the user's settings against the schema
//!    the plugin declares, with errors naming the key path
//!    (`sinks[1].config.endpoint: required`) and never a secret's value.
//! 3. [`crate::Logger::new`] creates one instance per use: processors run
//!    on the worker, before encoding, in the order enrich → filter →
//!    redact; sink plugins get a delivery thread like any other sink.
//! 4. An instance that returns `FATAL` or `PANIC` is retired: destroyed
//!    once and never called again. A retired processor lets records pass
//!    unchanged; a retired sink counts every later event as dropped
//!    (`sink_error`). [`crate::Logger::health`] reports each instance.
//!
//! What the host cannot do is contain a plugin that corrupts memory or
//! crashes: it runs in the process, like any library.

mod host;
mod instance;
mod loader;
mod schema;
pub(crate) mod sink;
pub(crate) mod stage;

use std::fmt;

pub use instance::{HealthReport, PluginHealth};
pub(crate) use instance::{Held, Instance, create_instance};
pub use loader::{Plugin, PluginError, load};
pub use schema::{ConfigType, PluginConfig, SchemaField};

/// What a plugin does, from its descriptor's `kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PluginKind {
    /// Writes batches of encoded records.
    Sink,
    /// Adds fields to records.
    Enricher,
    /// Keeps or drops records.
    Filter,
    /// Replaces values in records.
    Redactor,
}

impl PluginKind {
    /// The kind's name: `sink`, `enricher`, `filter` or `redactor`.
    pub fn as_str(self) -> &'static str {
        match self {
            PluginKind::Sink => "sink",
            PluginKind::Enricher => "enricher",
            PluginKind::Filter => "filter",
            PluginKind::Redactor => "redactor",
        }
    }

    /// "a" or "an", for messages.
    pub(crate) fn article(self) -> &'static str {
        match self {
            PluginKind::Enricher => "an",
            _ => "a",
        }
    }

    /// True for the kinds that run as processor stages on the worker.
    pub fn is_processor(self) -> bool {
        self != PluginKind::Sink
    }

    /// The stage's place in the pipeline: enrich, then filter, then redact.
    pub(crate) fn phase(self) -> u8 {
        match self {
            PluginKind::Enricher => 0,
            PluginKind::Filter => 1,
            PluginKind::Redactor => 2,
            PluginKind::Sink => 3,
        }
    }

    pub(crate) fn from_abi(kind: u32) -> Option<PluginKind> {
        use asynclog_plugin_abi as abi;
        match kind {
            abi::ASYNCLOG_PLUGIN_KIND_SINK => Some(PluginKind::Sink),
            abi::ASYNCLOG_PLUGIN_KIND_ENRICHER => Some(PluginKind::Enricher),
            abi::ASYNCLOG_PLUGIN_KIND_FILTER => Some(PluginKind::Filter),
            abi::ASYNCLOG_PLUGIN_KIND_REDACTOR => Some(PluginKind::Redactor),
            _ => None,
        }
    }
}

impl fmt::Display for PluginKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name of a callback status, for errors and diagnostics.
pub(crate) fn status_name(status: i32) -> String {
    use asynclog_plugin_abi as abi;
    match status {
        abi::ASYNCLOG_PLUGIN_OK => "OK".into(),
        abi::ASYNCLOG_PLUGIN_RETRY => "RETRY".into(),
        abi::ASYNCLOG_PLUGIN_ERROR => "ERROR".into(),
        abi::ASYNCLOG_PLUGIN_FATAL => "FATAL".into(),
        abi::ASYNCLOG_PLUGIN_PANIC => "PANIC".into(),
        abi::ASYNCLOG_PLUGIN_BAD_CONFIG => "BAD_CONFIG".into(),
        other => format!("unknown status {other}"),
    }
}

use std::sync::Arc;

use crate::config::{ConfigError, PluginRef};
use crate::error::Error;

/// The plugin instances one logger has started, in order.
#[derive(Default)]
pub(crate) struct Started {
    pub instances: Vec<Arc<Instance>>,
}

impl Started {
    /// Loads, checks, configures and creates the plugin `plugin` names.
    /// `at` is its place in the configuration (`sinks[1]`,
    /// `processors[0]`), `label` its name in the health report, and
    /// `sink` whether a sink plugin is wanted (else a processor).
    pub(crate) fn start(
        &mut self,
        plugin: &PluginRef,
        dirs: &[std::path::PathBuf],
        at: &str,
        label: &str,
        sink: bool,
    ) -> Result<Arc<Instance>, Error> {
        let context = if sink {
            format!("{at} ({label})")
        } else {
            at.to_string()
        };
        let refused = |e: PluginError| Error::Plugin {
            context: context.clone(),
            source: e,
        };
        let config_error = |path: String, message: String| {
            Error::Config(ConfigError {
                file: None,
                path,
                message,
            })
        };

        let loaded = load(&plugin.plugin, plugin.sha256.as_deref(), dirs).map_err(refused)?;
        let kind = loaded.kind();
        if kind.is_processor() == sink {
            let place = if sink { "processors" } else { "sinks" };
            return Err(config_error(
                format!("{at}.plugin"),
                format!(
                    "{} is {} {kind} plugin; list it under {place}",
                    loaded.path().display(),
                    kind.article()
                ),
            ));
        }
        let clash = self
            .instances
            .iter()
            .find(|i| i.plugin.name() == loaded.name() && !i.plugin.same_library(&loaded));
        if let Some(other) = clash {
            return Err(refused(PluginError::new(
                loaded.path(),
                format!(
                    "plugin name {:?} is already used by {} in this logger",
                    loaded.name(),
                    other.plugin.path().display()
                ),
            )));
        }
        let config = loaded.validate(&plugin.config, &format!("{at}.config"))?;
        let instance = match create_instance(loaded, label, &context, &config) {
            Ok(instance) => instance,
            Err(instance::CreateError::BadConfig(message)) => {
                return Err(config_error(format!("{at}.config"), message));
            }
            Err(instance::CreateError::Failed(reason)) => {
                return Err(refused(PluginError::new(loaded.path(), reason)));
            }
        };
        self.instances.push(Arc::clone(&instance));
        Ok(instance)
    }

    /// Starts the processors in order, checking that enrichers come
    /// before filters and filters before redactors.
    pub(crate) fn processors(
        &mut self,
        processors: &[PluginRef],
        dirs: &[std::path::PathBuf],
    ) -> Result<stage::Stages, Error> {
        let mut stages: Vec<Arc<Instance>> = Vec::with_capacity(processors.len());
        for (i, p) in processors.iter().enumerate() {
            let at = format!("processors[{i}]");
            let instance = self.start(p, dirs, &at, &at, false)?;
            if let Some(previous) = stages.last() {
                if instance.kind().phase() < previous.kind().phase() {
                    return Err(Error::Config(ConfigError {
                        file: None,
                        path: at,
                        message: format!(
                            "{} {} cannot follow {} {}: processors run enrichers, then \
                             filters, then redactors",
                            instance.kind().article(),
                            instance.kind(),
                            previous.kind().article(),
                            previous.kind()
                        ),
                    }));
                }
            }
            stages.push(instance);
        }
        Ok(stage::Stages::new(stages))
    }

    /// The health of every instance.
    pub(crate) fn health(&self) -> HealthReport {
        HealthReport {
            plugins: self.instances.iter().map(|i| i.health()).collect(),
        }
    }
}
