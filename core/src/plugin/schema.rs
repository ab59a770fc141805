//! Plugin settings: the schema a plugin declares, and the user's settings
//! checked against it.
//!
//! The host checks settings before `create`, so every plugin refuses bad
//! settings with the same errors: an unknown key, a missing required one,
//! or a value of the wrong type, each naming its path
//! (`sinks[1].config.endpoint: required`). Values of fields marked secret
//! never appear in an error, in `Debug` output or in metrics: they show
//! as `[REDACTED]`.

use std::fmt;

use asynclog_plugin_abi as abi;
use serde_json::Value;

use crate::config::{ConfigError, PluginSettings, describe, parse_duration_ms, parse_size};

/// Shown in place of a secret value.
pub(crate) const REDACTED: &str = "[REDACTED]";

/// The type of one setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigType {
    /// UTF-8 text.
    String,
    /// A signed 64-bit integer.
    Int,
    /// `true` or `false`.
    Bool,
    /// A number.
    Float,
    /// A byte size: an integer, or a string with a unit (`"64KiB"`), as
    /// everywhere in the configuration.
    Size,
    /// A duration: milliseconds, or a string with a unit `ms`, `s`, `m`,
    /// `h` or `d` (`"5s"`).
    Duration,
    /// A list of strings.
    List,
}

impl ConfigType {
    pub(crate) fn from_abi(t: u32) -> Option<ConfigType> {
        Some(match t {
            abi::ASYNCLOG_CONFIG_STRING => ConfigType::String,
            abi::ASYNCLOG_CONFIG_INT => ConfigType::Int,
            abi::ASYNCLOG_CONFIG_BOOL => ConfigType::Bool,
            abi::ASYNCLOG_CONFIG_FLOAT => ConfigType::Float,
            abi::ASYNCLOG_CONFIG_SIZE => ConfigType::Size,
            abi::ASYNCLOG_CONFIG_DURATION => ConfigType::Duration,
            abi::ASYNCLOG_CONFIG_LIST => ConfigType::List,
            _ => return None,
        })
    }

    fn to_abi(self) -> u32 {
        match self {
            ConfigType::String => abi::ASYNCLOG_CONFIG_STRING,
            ConfigType::Int => abi::ASYNCLOG_CONFIG_INT,
            ConfigType::Bool => abi::ASYNCLOG_CONFIG_BOOL,
            ConfigType::Float => abi::ASYNCLOG_CONFIG_FLOAT,
            ConfigType::Size => abi::ASYNCLOG_CONFIG_SIZE,
            ConfigType::Duration => abi::ASYNCLOG_CONFIG_DURATION,
            ConfigType::List => abi::ASYNCLOG_CONFIG_LIST,
        }
    }

    /// The type's name: `string`, `int`, `bool`, `float`, `size`,
    /// `duration` or `list`.
    pub fn as_str(self) -> &'static str {
        match self {
            ConfigType::String => "string",
            ConfigType::Int => "int",
            ConfigType::Bool => "bool",
            ConfigType::Float => "float",
            ConfigType::Size => "size",
            ConfigType::Duration => "duration",
            ConfigType::List => "list",
        }
    }

    /// What a value of the type looks like, for errors.
    fn expected(self) -> &'static str {
        match self {
            ConfigType::String => "a string",
            ConfigType::Int => "an integer",
            ConfigType::Bool => "true or false",
            ConfigType::Float => "a number",
            ConfigType::Size => "a size such as 1048576 or \"1MiB\"",
            ConfigType::Duration => "a duration such as 250 (ms) or \"5s\"",
            ConfigType::List => "a list of strings",
        }
    }
}

/// One setting a plugin declares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaField {
    /// The key: `[a-z0-9_]+`.
    pub name: String,
    /// Its type.
    pub ty: ConfigType,
    /// The user must set it.
    pub required: bool,
    /// Its value is never shown.
    pub secret: bool,
    /// What it does; may be empty.
    pub description: String,
}

/// One checked value.
#[derive(Clone, PartialEq)]
pub(crate) enum Setting {
    Str(String),
    Int(i64),
    Bool(bool),
    Float(f64),
    Quantity(u64),
    List(Vec<String>),
}

/// Settings checked against a plugin's schema, ready for `create`.
///
/// `Debug` shows secret values as `[REDACTED]`.
#[derive(Clone, PartialEq)]
pub struct PluginConfig {
    /// `(schema field, value)` in schema order.
    entries: Vec<(SchemaField, Setting)>,
}

impl PluginConfig {
    /// The keys that were set, in schema order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(f, _)| f.name.as_str())
    }

    /// Calls `f` with the settings as the ABI's entry array. The array and
    /// what it points to live for the duration of the call.
    pub(crate) fn with_entries<R>(&self, f: impl FnOnce(&[abi::asynclog_config_entry]) -> R) -> R {
        let bytes = |s: &str| abi::asynclog_bytes {
            ptr: s.as_ptr(),
            len: s.len(),
        };
        // The lists' item arrays first: entries point into them.
        let lists: Vec<Vec<abi::asynclog_bytes>> = self
            .entries
            .iter()
            .map(|(_, v)| match v {
                Setting::List(items) => items.iter().map(|s| bytes(s)).collect(),
                _ => Vec::new(),
            })
            .collect();
        let entries: Vec<abi::asynclog_config_entry> = self
            .entries
            .iter()
            .zip(&lists)
            .map(|((field, value), list)| abi::asynclog_config_entry {
                name: bytes(&field.name),
                type_: field.ty.to_abi(),
                value: match value {
                    Setting::Str(s) => abi::asynclog_config_value { string: bytes(s) },
                    Setting::Int(n) => abi::asynclog_config_value { integer: *n },
                    Setting::Bool(b) => abi::asynclog_config_value { boolean: *b as u8 },
                    Setting::Float(n) => abi::asynclog_config_value { number: *n },
                    Setting::Quantity(n) => abi::asynclog_config_value { quantity: *n },
                    Setting::List(_) => abi::asynclog_config_value {
                        list: abi::asynclog_config_list {
                            items: list.as_ptr(),
                            len: list.len(),
                        },
                    },
                },
            })
            .collect();
        f(&entries)
    }
}

impl fmt::Debug for PluginConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (field, value) in &self.entries {
            if field.secret {
                map.entry(&field.name, &format_args!("{REDACTED}"));
                continue;
            }
            match value {
                Setting::Str(s) => map.entry(&field.name, s),
                Setting::Int(n) => map.entry(&field.name, n),
                Setting::Bool(b) => map.entry(&field.name, b),
                Setting::Float(n) => map.entry(&field.name, n),
                Setting::Quantity(n) => map.entry(&field.name, n),
                Setting::List(items) => map.entry(&field.name, items),
            };
        }
        map.finish()
    }
}

/// The path of `key` under `at`, quoted when it is not a bare word, as
/// the configuration's own errors do.
fn key_path(at: &str, key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if bare {
        format!("{at}.{key}")
    } else {
        format!("{at}[{key:?}]")
    }
}

fn error(path: String, message: impl Into<String>) -> ConfigError {
    ConfigError {
        file: None,
        path,
        message: message.into(),
    }
}

/// Checks `settings` against `schema`. `at` is the path of the settings
/// table, such as `sinks[1].config`.
pub(crate) fn validate(
    schema: &[SchemaField],
    settings: &PluginSettings,
    at: &str,
) -> Result<PluginConfig, ConfigError> {
    if let Some(unknown) = settings
        .0
        .keys()
        .find(|k| !schema.iter().any(|f| &f.name == *k))
    {
        let message = if schema.is_empty() {
            "unknown key; this plugin takes no settings".to_string()
        } else {
            let names: Vec<&str> = schema.iter().map(|f| f.name.as_str()).collect();
            format!("unknown key; expected one of {}", names.join(", "))
        };
        return Err(error(key_path(at, unknown), message));
    }
    let mut entries = Vec::new();
    for field in schema {
        let path = key_path(at, &field.name);
        match settings.0.get(&field.name) {
            Some(value) => {
                let setting = convert(field, value, &path)?;
                entries.push((field.clone(), setting));
            }
            None if field.required => return Err(error(path, "required")),
            None => {}
        }
    }
    Ok(PluginConfig { entries })
}

/// One value, by its field's type. Like the rest of the configuration,
/// any scalar may be written as a string.
fn convert(field: &SchemaField, value: &Value, path: &str) -> Result<Setting, ConfigError> {
    let wrong = || {
        let got = match field.secret {
            true => REDACTED.to_string(),
            false => describe(value),
        };
        error(
            path.to_string(),
            format!("expected {}, got {got}", field.ty.expected()),
        )
    };
    // Messages from the unit parsers quote the value; a secret's is
    // replaced.
    let quoted = |message: String| match field.secret {
        true => error(
            path.to_string(),
            format!("expected {}, got {REDACTED}", field.ty.expected()),
        ),
        false => error(path.to_string(), message),
    };
    Ok(match field.ty {
        ConfigType::String => Setting::Str(value.as_str().ok_or_else(wrong)?.to_string()),
        ConfigType::Int => Setting::Int(match value {
            Value::Number(n) => n.as_i64().ok_or_else(wrong)?,
            Value::String(s) => s.trim().parse().map_err(|_| wrong())?,
            _ => return Err(wrong()),
        }),
        ConfigType::Bool => Setting::Bool(match value {
            Value::Bool(b) => *b,
            Value::String(s) if s.trim().eq_ignore_ascii_case("true") => true,
            Value::String(s) if s.trim().eq_ignore_ascii_case("false") => false,
            _ => return Err(wrong()),
        }),
        ConfigType::Float => Setting::Float(match value {
            Value::Number(n) => n.as_f64().ok_or_else(wrong)?,
            Value::String(s) => s
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .ok_or_else(wrong)?,
            _ => return Err(wrong()),
        }),
        ConfigType::Size => Setting::Quantity(match value {
            Value::Number(n) => n.as_u64().ok_or_else(wrong)?,
            Value::String(s) => parse_size(s).map_err(quoted)?,
            _ => return Err(wrong()),
        }),
        ConfigType::Duration => Setting::Quantity(match value {
            Value::Number(n) => n.as_u64().ok_or_else(wrong)?,
            Value::String(s) => parse_duration_ms(s).map_err(quoted)?,
            _ => return Err(wrong()),
        }),
        ConfigType::List => {
            let items = value.as_array().ok_or_else(wrong)?;
            let mut list = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let s = item.as_str().ok_or_else(|| {
                    let got = match field.secret {
                        true => REDACTED.to_string(),
                        false => describe(item),
                    };
                    error(
                        format!("{path}[{i}]"),
                        format!("expected a string, got {got}"),
                    )
                })?;
                list.push(s.to_string());
            }
            Setting::List(list)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(name: &str, ty: ConfigType, required: bool, secret: bool) -> SchemaField {
        SchemaField {
            name: name.into(),
            ty,
            required,
            secret,
            description: String::new(),
        }
    }

    fn schema() -> Vec<SchemaField> {
        vec![
            field("endpoint", ConfigType::String, true, false),
            field("token", ConfigType::String, false, true),
            field("retries", ConfigType::Int, false, false),
            field("gzip", ConfigType::Bool, false, false),
            field("ratio", ConfigType::Float, false, false),
            field("buffer", ConfigType::Size, false, false),
            field("timeout", ConfigType::Duration, false, false),
            field("tags", ConfigType::List, false, false),
        ]
    }

    fn settings(v: serde_json::Value) -> PluginSettings {
        PluginSettings::from_json(v).unwrap()
    }

    fn err(v: serde_json::Value) -> String {
        validate(&schema(), &settings(v), "sinks[1].config")
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn every_type_converts() {
        let c = validate(
            &schema(),
            &settings(json!({
                "endpoint": "http://x", "token": "s3cret", "retries": "3", "gzip": true,
                "ratio": 0.5, "buffer": "64KiB", "timeout": "5s", "tags": ["a", "b"]
            })),
            "sinks[1].config",
        )
        .unwrap();
        let keys: Vec<&str> = c.keys().collect();
        assert_eq!(
            keys,
            [
                "endpoint", "token", "retries", "gzip", "ratio", "buffer", "timeout", "tags"
            ]
        );
        let debug = format!("{c:?}");
        assert!(debug.contains("\"buffer\": 65536"), "{debug}");
        assert!(debug.contains("\"timeout\": 5000"), "{debug}");
        assert!(debug.contains("\"token\": [REDACTED]"), "{debug}");
        assert!(!debug.contains("s3cret"), "{debug}");
        c.with_entries(|entries| {
            assert_eq!(entries.len(), 8);
            // SAFETY: entry 2 is the int.
            assert_eq!(unsafe { entries[2].value.integer }, 3);
            // SAFETY: entry 7 is the list.
            let list = unsafe { entries[7].value.list };
            assert_eq!(list.len, 2);
        });
    }

    #[test]
    fn errors_name_the_path() {
        assert_eq!(err(json!({})), "sinks[1].config.endpoint: required");
        assert_eq!(
            err(json!({"endpoint": "x", "endpiont": "y"})),
            "sinks[1].config.endpiont: unknown key; expected one of endpoint, token, retries, \
             gzip, ratio, buffer, timeout, tags"
        );
        assert_eq!(
            err(json!({"endpoint": 5})),
            "sinks[1].config.endpoint: expected a string, got 5"
        );
        assert_eq!(
            err(json!({"endpoint": "x", "retries": "many"})),
            "sinks[1].config.retries: expected an integer, got \"many\""
        );
        assert_eq!(
            err(json!({"endpoint": "x", "tags": ["a", 1]})),
            "sinks[1].config.tags[1]: expected a string, got 1"
        );
        assert!(err(json!({"endpoint": "x", "buffer": "9 parsecs"})).contains("invalid size"));
        assert!(err(json!({"endpoint": "x", "timeout": "soon"})).contains("invalid duration"));
    }

    #[test]
    fn secret_values_never_appear_in_errors() {
        let e = err(json!({"endpoint": "x", "token": 123456789}));
        assert_eq!(
            e,
            "sinks[1].config.token: expected a string, got [REDACTED]"
        );
        let schema = vec![field("size_secret", ConfigType::Size, false, true)];
        let e = validate(
            &schema,
            &settings(json!({"size_secret": "hunter2"})),
            "processors[0].config",
        )
        .unwrap_err()
        .to_string();
        assert!(!e.contains("hunter2"), "{e}");
    }

    #[test]
    fn settings_debug_shows_no_value() {
        let s = settings(json!({"token": "hunter2"}));
        let debug = format!("{s:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("token"), "{debug}");
    }
}
