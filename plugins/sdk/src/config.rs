//! A plugin's settings, as the host passes them to `create`.

use std::fmt;
use std::time::Duration;

use crate::{ConfigField, Error, abi};

/// One setting's value.
#[derive(Clone, PartialEq)]
pub enum ConfigValue {
    /// Text.
    String(String),
    /// An integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// A number.
    Float(f64),
    /// A size in bytes.
    Size(u64),
    /// A duration.
    Duration(Duration),
    /// A list of strings.
    List(Vec<String>),
}

/// Checked settings: only keys the schema declares, each of its declared
/// type. `Debug` shows secret values as `[REDACTED]`.
#[derive(Clone, Default, PartialEq)]
pub struct Config {
    entries: Vec<(String, ConfigValue, bool)>,
}

impl Config {
    /// Settings from `(key, value)` pairs, for tests of a plugin's own
    /// logic. Keys named secret in `schema` are masked in `Debug`.
    pub fn from_pairs(schema: &[ConfigField], pairs: Vec<(&str, ConfigValue)>) -> Config {
        Config {
            entries: pairs
                .into_iter()
                .map(|(k, v)| {
                    let secret = schema.iter().any(|f| f.name() == k && f.is_secret());
                    (k.to_string(), v, secret)
                })
                .collect(),
        }
    }

    /// Reads the host's entry array.
    ///
    /// # Safety
    /// `entries` must be NULL or point to `len` valid entries whose
    /// strings are readable.
    pub(crate) unsafe fn from_abi(
        schema: &[ConfigField],
        entries: *const abi::asynclog_config_entry,
        len: usize,
    ) -> Config {
        let mut config = Config::default();
        if entries.is_null() {
            return config;
        }
        for i in 0..len {
            // SAFETY: as the caller promises.
            let e = unsafe { &*entries.add(i) };
            // SAFETY: the host's strings live for the call.
            let name = unsafe { text(e.name) };
            // SAFETY: the union field read is the one `type_` names.
            let value = unsafe {
                match e.type_ {
                    abi::ASYNCLOG_CONFIG_STRING => ConfigValue::String(text(e.value.string)),
                    abi::ASYNCLOG_CONFIG_INT => ConfigValue::Int(e.value.integer),
                    abi::ASYNCLOG_CONFIG_BOOL => ConfigValue::Bool(e.value.boolean != 0),
                    abi::ASYNCLOG_CONFIG_FLOAT => ConfigValue::Float(e.value.number),
                    abi::ASYNCLOG_CONFIG_SIZE => ConfigValue::Size(e.value.quantity),
                    abi::ASYNCLOG_CONFIG_DURATION => {
                        ConfigValue::Duration(Duration::from_millis(e.value.quantity))
                    }
                    abi::ASYNCLOG_CONFIG_LIST => {
                        let list = e.value.list;
                        let items = if list.items.is_null() {
                            Vec::new()
                        } else {
                            (0..list.len).map(|j| text(*list.items.add(j))).collect()
                        };
                        ConfigValue::List(items)
                    }
                    _ => continue,
                }
            };
            let secret = schema.iter().any(|f| f.name() == name && f.is_secret());
            config.entries.push((name, value, secret));
        }
        config
    }

    /// The value of `key`, if set.
    pub fn get(&self, key: &str) -> Option<&ConfigValue> {
        self.entries
            .iter()
            .find(|(k, _, _)| k == key)
            .map(|(_, v, _)| v)
    }

    /// True when `key` was set.
    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// A string setting.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        match self.get(key)? {
            ConfigValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// A string setting the plugin cannot do without: `BAD_CONFIG` if
    /// absent.
    pub fn require_str(&self, key: &str) -> Result<&str, Error> {
        self.get_str(key)
            .ok_or_else(|| Error::bad_config(format!("{key}: required")))
    }

    /// An integer setting.
    pub fn get_int(&self, key: &str) -> Option<i64> {
        match self.get(key)? {
            ConfigValue::Int(n) => Some(*n),
            _ => None,
        }
    }

    /// A boolean setting.
    pub fn get_bool(&self, key: &str) -> Option<bool> {
        match self.get(key)? {
            ConfigValue::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// A number setting.
    pub fn get_float(&self, key: &str) -> Option<f64> {
        match self.get(key)? {
            ConfigValue::Float(n) => Some(*n),
            _ => None,
        }
    }

    /// A size setting, in bytes.
    pub fn get_size(&self, key: &str) -> Option<u64> {
        match self.get(key)? {
            ConfigValue::Size(n) => Some(*n),
            _ => None,
        }
    }

    /// A duration setting.
    pub fn get_duration(&self, key: &str) -> Option<Duration> {
        match self.get(key)? {
            ConfigValue::Duration(d) => Some(*d),
            _ => None,
        }
    }

    /// A list setting.
    pub fn get_list(&self, key: &str) -> Option<&[String]> {
        match self.get(key)? {
            ConfigValue::List(items) => Some(items),
            _ => None,
        }
    }
}

/// # Safety
/// `b` must describe readable bytes.
unsafe fn text(b: abi::asynclog_bytes) -> String {
    if b.ptr.is_null() || b.len == 0 {
        return String::new();
    }
    // SAFETY: as the caller promises.
    let bytes = unsafe { std::slice::from_raw_parts(b.ptr, b.len) };
    String::from_utf8_lossy(bytes).into_owned()
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (key, value, secret) in &self.entries {
            if *secret {
                map.entry(key, &format_args!("[REDACTED]"));
            } else {
                map.entry(key, value);
            }
        }
        map.finish()
    }
}

impl fmt::Debug for ConfigValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigValue::String(s) => s.fmt(f),
            ConfigValue::Int(n) => n.fmt(f),
            ConfigValue::Bool(b) => b.fmt(f),
            ConfigValue::Float(n) => n.fmt(f),
            ConfigValue::Size(n) => write!(f, "{n} bytes"),
            ConfigValue::Duration(d) => d.fmt(f),
            ConfigValue::List(items) => items.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ConfigType;

    #[test]
    fn secrets_are_masked_in_debug() {
        const SCHEMA: &[ConfigField] = &[
            ConfigField::new(c"user", ConfigType::String, c"").required(),
            ConfigField::new(c"password", ConfigType::String, c"").secret(),
        ];
        let c = Config::from_pairs(
            SCHEMA,
            vec![
                ("user", ConfigValue::String("ann".into())),
                ("password", ConfigValue::String("hunter2".into())),
            ],
        );
        let debug = format!("{c:?}");
        assert_eq!(debug, r#"{"user": "ann", "password": [REDACTED]}"#);
        assert_eq!(c.get_str("password"), Some("hunter2"));
        assert_eq!(
            c.require_str("nope").unwrap_err().kind,
            crate::ErrorKind::BadConfig
        );
    }
}
