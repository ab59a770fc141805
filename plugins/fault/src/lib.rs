//! `fault`: a filter plugin for tests, benchmarks and the conformance
//! checker. In its default mode it passes every record untouched, which
//! measures what a plugin stage costs; other modes fail on purpose after
//! a number of records.
//!
//! | setting | type | default | |
//! |---|---|---|---|
//! | `mode` | string | `pass` | `pass`, `drop`, `error`, `fatal` or `panic` |
//! | `after` | int | 0 | records passed untouched before the mode applies |

use asynclog_plugin_sdk::{Config, ConfigField, ConfigType, Edit, Error, Host, Processor, Record};

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Pass,
    Drop,
    Error,
    Fatal,
    Panic,
}

struct Fault {
    mode: Mode,
    after: u64,
    seen: u64,
    host: Host,
}

impl Processor for Fault {
    fn create(config: &Config, host: &Host) -> Result<Self, Error> {
        let mode = match config.get_str("mode").unwrap_or("pass") {
            "pass" => Mode::Pass,
            "drop" => Mode::Drop,
            "error" => Mode::Error,
            "fatal" => Mode::Fatal,
            "panic" => Mode::Panic,
            other => {
                return Err(Error::bad_config(format!(
                    "mode: expected pass, drop, error, fatal or panic, got {other:?}"
                )));
            }
        };
        let after = config.get_int("after").unwrap_or(0);
        let after = u64::try_from(after)
            .map_err(|_| Error::bad_config(format!("after: must be 0 or more, got {after}")))?;
        Ok(Fault {
            mode,
            after,
            seen: 0,
            host: *host,
        })
    }

    fn process(&mut self, _record: &Record<'_>, edit: &mut Edit<'_>) -> Result<(), Error> {
        self.seen += 1;
        if self.seen <= self.after {
            return Ok(());
        }
        match self.mode {
            Mode::Pass => Ok(()),
            Mode::Drop => {
                edit.drop_record();
                Ok(())
            }
            Mode::Error => {
                self.host.counter_add("errors_returned", 1);
                Err(Error::error(format!(
                    "failing record {} on purpose",
                    self.seen
                )))
            }
            Mode::Fatal => Err(Error::fatal(format!("giving up at record {}", self.seen))),
            Mode::Panic => panic!("fault plugin panics at record {}", self.seen),
        }
    }
}

const SCHEMA: &[ConfigField] = &[
    ConfigField::new(
        c"mode",
        ConfigType::String,
        c"pass, drop, error, fatal or panic (default pass)",
    ),
    ConfigField::new(
        c"after",
        ConfigType::Int,
        c"records passed untouched before the mode applies (default 0)",
    ),
];

asynclog_plugin_sdk::export_plugin!(filter Fault {
    name: "fault",
    description: "Passes records untouched, or fails on purpose, for tests and benchmarks",
    schema: SCHEMA,
});
