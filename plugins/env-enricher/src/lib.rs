//! `env-enricher`: adds who and where to every record.
//!
//! | setting | type | default | adds |
//! |---|---|---|---|
//! | `fields` | list | none | each `key=value` as a string field |
//! | `service_name` | string | `$SERVICE_NAME` | `service.name` |
//! | `service_version` | string | `$SERVICE_VERSION` | `service.version` |
//! | `host` | bool | true | `host.name`, from `/proc/sys/kernel/hostname` |
//! | `pid` | bool | true | `process.pid` |
//! | `container` | bool | true | `container.id` from `/proc/self/cgroup`; `k8s.pod.name` from `$POD_NAME`, or `$HOSTNAME` inside Kubernetes |
//!
//! Everything is read once, in `create`, and given to the host as static
//! fields, which it encodes once: the plugin is never called per record.
//! A field the event already has keeps the event's value.

use asynclog_plugin_sdk::{Config, ConfigField, ConfigType, Edit, Error, Host, Processor, Record};

enum Added {
    Str(String, String),
    Int(String, i64),
}

struct EnvEnricher;

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The first run of 64 hex digits in `/proc/self/cgroup`: the container
/// id under Docker, containerd and CRI-O, with cgroup v1 or v2.
fn container_id(cgroup: &str) -> Option<String> {
    for line in cgroup.lines() {
        let bytes = line.as_bytes();
        let mut run = 0;
        for (i, b) in bytes.iter().enumerate() {
            if b.is_ascii_hexdigit() && !b.is_ascii_uppercase() {
                run += 1;
                let ends = bytes.get(i + 1).is_none_or(|n| !n.is_ascii_hexdigit());
                if run == 64 && ends {
                    return Some(line[i + 1 - 64..=i].to_string());
                }
            } else {
                run = 0;
            }
        }
    }
    None
}

fn host_name() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| env("HOSTNAME"))
}

impl Processor for EnvEnricher {
    fn create(config: &Config, host: &Host) -> Result<Self, Error> {
        let mut fields = Vec::new();
        for item in config.get_list("fields").unwrap_or(&[]) {
            let Some((key, value)) = item.split_once('=') else {
                return Err(Error::bad_config(format!(
                    "fields: expected key=value, got {item:?}"
                )));
            };
            if key.is_empty() {
                return Err(Error::bad_config(format!("fields: empty key in {item:?}")));
            }
            fields.push(Added::Str(key.to_string(), value.to_string()));
        }
        let service = config
            .get_str("service_name")
            .map(str::to_string)
            .or_else(|| env("SERVICE_NAME"));
        if let Some(name) = service {
            fields.push(Added::Str("service.name".into(), name));
        }
        let version = config
            .get_str("service_version")
            .map(str::to_string)
            .or_else(|| env("SERVICE_VERSION"));
        if let Some(version) = version {
            fields.push(Added::Str("service.version".into(), version));
        }
        if config.get_bool("host").unwrap_or(true) {
            match host_name() {
                Some(name) => fields.push(Added::Str("host.name".into(), name)),
                None => host.warn("no host name found; host.name is left out"),
            }
        }
        if config.get_bool("pid").unwrap_or(true) {
            fields.push(Added::Int("process.pid".into(), std::process::id() as i64));
        }
        if config.get_bool("container").unwrap_or(true) {
            let cgroup = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
            if let Some(id) = container_id(&cgroup) {
                fields.push(Added::Str("container.id".into(), id));
            }
            let pod = env("POD_NAME")
                .or_else(|| env("KUBERNETES_SERVICE_HOST").and_then(|_| env("HOSTNAME")));
            if let Some(pod) = pod {
                fields.push(Added::Str("k8s.pod.name".into(), pod));
            }
        }
        for f in &fields {
            match f {
                Added::Str(k, v) => host.add_static_str(k, v)?,
                Added::Int(k, v) => host.add_static_i64(k, *v)?,
            }
        }
        Ok(EnvEnricher)
    }

    /// Not called: the plugin declares `ASYNCLOG_PLUGIN_CAP_STATIC_ONLY`.
    fn process(&mut self, _record: &Record<'_>, _edit: &mut Edit<'_>) -> Result<(), Error> {
        Ok(())
    }
}

const SCHEMA: &[ConfigField] = &[
    ConfigField::new(
        c"fields",
        ConfigType::List,
        c"Static fields to add, each key=value",
    ),
    ConfigField::new(
        c"service_name",
        ConfigType::String,
        c"service.name; default $SERVICE_NAME",
    ),
    ConfigField::new(
        c"service_version",
        ConfigType::String,
        c"service.version; default $SERVICE_VERSION",
    ),
    ConfigField::new(c"host", ConfigType::Bool, c"Add host.name (default true)"),
    ConfigField::new(c"pid", ConfigType::Bool, c"Add process.pid (default true)"),
    ConfigField::new(
        c"container",
        ConfigType::Bool,
        c"Add container.id and k8s.pod.name when found (default true)",
    ),
];

asynclog_plugin_sdk::export_plugin!(enricher EnvEnricher {
    name: "env-enricher",
    description: "Adds static fields, host, pid, service and container identity to every record",
    schema: SCHEMA,
    capabilities: asynclog_plugin_sdk::abi::ASYNCLOG_PLUGIN_CAP_STATIC_ONLY,
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_container_ids_in_cgroup_v1_and_v2() {
        let id = "a".repeat(32) + &"0123456789abcdef".repeat(2);
        let v2 = format!("0::/system.slice/docker-{id}.scope\n");
        assert_eq!(container_id(&v2), Some(id.clone()));
        let v1 = format!("12:memory:/docker/{id}\n11:cpu:/docker/{id}\n");
        assert_eq!(container_id(&v1), Some(id.clone()));
        assert_eq!(container_id("0::/user.slice/user-1000.slice\n"), None);
        let too_long = format!("0::/x/{id}ab\n");
        assert_eq!(container_id(&too_long), None);
    }
}
