//! Finding, checking and loading plugin shared objects.
//!
//! `dlopen` runs a library's constructors, so everything that can be
//! checked about the file is checked before it:
//!
//! 1. The path is absolute, or a bare name found in a plugin directory.
//! 2. The path itself is not a symbolic link (`lstat`), and its canonical
//!    form lies inside a canonical plugin directory.
//! 3. The file is opened once, with `O_NOFOLLOW`, and every later check
//!    reads that descriptor: `fstat` says it is the file `lstat` saw, a
//!    regular file with exactly one link, owned by root or by this
//!    process's user, and not writable by group or others; its directory
//!    and every directory up to the plugin directory are not writable by
//!    group or others either.
//! 4. The SHA-256 pin, when given, is checked on the bytes read through
//!    that same descriptor.
//! 5. The library is opened through `/proc/self/fd/N`, which names the
//!    open descriptor and so the very inode that was checked and hashed.
//!
//! Why this closes the race between check and use: the name is resolved
//! once, at `open`; what is hashed and what `dlopen` maps are both the
//! inode behind that descriptor, so renaming or replacing the path after
//! the check changes nothing. What remains is writing into that inode in
//! place, and the checks above leave that to root and to this process's
//! own user, who could change the program itself anyway. Without `/proc`
//! the library is opened by its canonical path and its identity (device
//! and inode) is compared with the checked descriptor afterwards: a swap
//! in that window is then refused, though its constructors have run.
//!
//! The descriptor stays open for the life of the process: glibc knows a
//! loaded library by the name it was opened with, and a closed descriptor
//! number reused later must never alias an old `/proc/self/fd/N`.
//!
//! After `dlopen` the entry point is called and its descriptor checked:
//! ABI major and minor, `struct_size`, the sanity block, the kind, the
//! callbacks that kind needs, the name and the config schema. Libraries
//! are never unloaded; the process-wide registry of them only grows,
//! keyed by device and inode, so a second logger that names the same file
//! shares the library (and gets instances of its own).

use std::ffi::{CStr, c_char};
use std::fmt;
use std::fs::{File, Metadata};
use std::io::Read;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use asynclog_plugin_abi as abi;
use sha2::{Digest, Sha256};

use super::PluginKind;
use super::schema::{ConfigType, SchemaField};

/// Why a plugin could not be loaded or started. The message names the
/// file and the reason: `/opt/p/x.so: abi_major 2, this host supports 1`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PluginError {
    /// The plugin as named: the path looked at, or the bare name when no
    /// file was found.
    pub file: PathBuf,
    /// What is wrong, in lower case.
    pub reason: String,
}

impl PluginError {
    pub(crate) fn new(file: impl Into<PathBuf>, reason: impl Into<String>) -> PluginError {
        PluginError {
            file: file.into(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for PluginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file.display(), self.reason)
    }
}

impl std::error::Error for PluginError {}

/// A loaded plugin library and what its descriptor says. Cheap to copy:
/// the library lives for the rest of the process.
#[derive(Clone, Copy)]
pub struct Plugin {
    lib: &'static Library,
}

/// One loaded shared object.
pub(crate) struct Library {
    /// The canonical path.
    pub path: PathBuf,
    dev: u64,
    ino: u64,
    sha256: [u8; 32],
    pub meta: Meta,
    /// The callbacks, copied from the plugin's static descriptor.
    pub callbacks: Callbacks,
    /// Never closed: see the module documentation.
    _fd: File,
    /// Never unloaded.
    _library: libloading::os::unix::Library,
}

/// The descriptor's metadata, checked and copied.
pub(crate) struct Meta {
    pub name: String,
    pub version: String,
    pub description: String,
    pub kind: PluginKind,
    pub capabilities: u64,
    pub abi_minor: u32,
    pub schema: Vec<SchemaField>,
}

/// The callbacks of a checked descriptor. `create` and `destroy` are
/// present; `process` for processors and `write_batch` for sinks.
#[derive(Clone, Copy)]
pub(crate) struct Callbacks {
    pub create: CreateFn,
    pub destroy: unsafe extern "C" fn(*mut std::ffi::c_void),
    pub process: Option<ProcessFn>,
    /// Since minor 2; `None` for older plugins.
    pub process_batch: Option<ProcessBatchFn>,
    pub write_batch: Option<WriteBatchFn>,
    pub flush: Option<unsafe extern "C" fn(*mut std::ffi::c_void, u64) -> i32>,
    pub health: Option<unsafe extern "C" fn(*mut std::ffi::c_void) -> i32>,
}

pub(crate) type CreateFn = unsafe extern "C" fn(
    *const abi::asynclog_host,
    *const abi::asynclog_host_api,
    *const abi::asynclog_config_entry,
    usize,
    *mut *mut std::ffi::c_void,
) -> i32;

pub(crate) type ProcessBatchFn = unsafe extern "C" fn(
    *mut std::ffi::c_void,
    *const abi::asynclog_record_view,
    *const *mut abi::asynclog_record_edit,
    *mut i32,
    usize,
) -> usize;

pub(crate) type ProcessFn = unsafe extern "C" fn(
    *mut std::ffi::c_void,
    *const abi::asynclog_record_view,
    *mut abi::asynclog_record_edit,
) -> i32;

pub(crate) type WriteBatchFn = unsafe extern "C" fn(
    *mut std::ffi::c_void,
    *const abi::asynclog_bytes,
    usize,
    *mut usize,
) -> i32;

/// Every library loaded by this process. Only grows.
static LIBRARIES: Mutex<Vec<&'static Library>> = Mutex::new(Vec::new());

impl Plugin {
    /// The name from the descriptor: `[a-z0-9_-]+`.
    pub fn name(&self) -> &str {
        &self.lib.meta.name
    }

    /// The plugin's own version.
    pub fn version(&self) -> &str {
        &self.lib.meta.version
    }

    /// One line saying what it does.
    pub fn description(&self) -> &str {
        &self.lib.meta.description
    }

    /// What it does.
    pub fn kind(&self) -> PluginKind {
        self.lib.meta.kind
    }

    /// `ASYNCLOG_PLUGIN_CAP_*` flags.
    pub fn capabilities(&self) -> u64 {
        self.lib.meta.capabilities
    }

    /// The ABI minor version the plugin was built against.
    pub fn abi_minor(&self) -> u32 {
        self.lib.meta.abi_minor
    }

    /// The names of the callbacks it has, in descriptor order.
    pub fn callbacks(&self) -> Vec<&'static str> {
        let c = &self.lib.callbacks;
        [
            (true, "create"),
            (true, "destroy"),
            (c.process.is_some(), "process"),
            (c.write_batch.is_some(), "write_batch"),
            (c.flush.is_some(), "flush"),
            (c.health.is_some(), "health"),
            (c.process_batch.is_some(), "process_batch"),
        ]
        .into_iter()
        .filter_map(|(has, name)| has.then_some(name))
        .collect()
    }

    /// The settings it takes.
    pub fn schema(&self) -> &[SchemaField] {
        &self.lib.meta.schema
    }

    /// The canonical path of the shared object.
    pub fn path(&self) -> &Path {
        &self.lib.path
    }

    /// The SHA-256 of the shared object as it was loaded, in hex.
    pub fn sha256(&self) -> String {
        hex(&self.lib.sha256)
    }

    /// Checks settings against the plugin's schema; `at` is the path of
    /// the settings table in errors, such as `sinks[1].config`. Secret
    /// values appear in no error and in no `Debug` output of the result.
    pub fn validate(
        &self,
        settings: &crate::config::PluginSettings,
        at: &str,
    ) -> Result<super::PluginConfig, crate::config::ConfigError> {
        super::schema::validate(self.schema(), settings, at)
    }

    /// True when both name the same loaded library.
    pub fn same_library(&self, other: &Plugin) -> bool {
        std::ptr::eq(self.lib, other.lib)
    }

    pub(crate) fn library(&self) -> &'static Library {
        self.lib
    }
}

impl fmt::Debug for Plugin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Plugin")
            .field("name", &self.name())
            .field("version", &self.version())
            .field("kind", &self.kind())
            .field("path", &self.path())
            .finish()
    }
}

/// Loads a plugin: `spec` is an absolute path, or a bare name looked up
/// in `dirs` as `NAME`, `NAME.so` and `libNAME.so`, directory by
/// directory. `sha256`, when given, is the expected digest in hex.
///
/// Every check described in the module documentation runs before the
/// library's code does; a refusal names the file and the reason. Loading
/// a file already loaded returns the same library after the same checks.
pub fn load(spec: &str, sha256: Option<&str>, dirs: &[PathBuf]) -> Result<Plugin, PluginError> {
    let path = resolve(spec, dirs)?;
    let fail = |reason: String| PluginError::new(&path, reason);

    let allowed = canonical_dirs(dirs).map_err(fail)?;
    let link = std::fs::symlink_metadata(&path).map_err(|e| fail(format!("cannot stat: {e}")))?;
    if link.file_type().is_symlink() {
        return Err(fail(
            "is a symbolic link; name the file itself, inside a plugin directory".into(),
        ));
    }
    let canonical = path
        .canonicalize()
        .map_err(|e| fail(format!("cannot resolve the path: {e}")))?;
    let parent = canonical
        .parent()
        .ok_or_else(|| fail("has no parent directory".into()))?;
    let Some(root) = allowed.iter().find(|dir| parent.starts_with(dir)) else {
        let listed: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
        return Err(fail(format!(
            "is not inside a plugin directory (plugins.dirs: {})",
            listed.join(", ")
        )));
    };

    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NOCTTY | libc::O_NONBLOCK)
        .open(&canonical)
        .map_err(|e| fail(format!("cannot open: {e}")))?;
    let meta = file
        .metadata()
        .map_err(|e| fail(format!("cannot stat the open file: {e}")))?;
    if (meta.dev(), meta.ino()) != (link.dev(), link.ino()) {
        return Err(fail("changed while it was being checked".into()));
    }
    check_file(&meta).map_err(fail)?;
    check_dirs(parent, root).map_err(fail)?;

    let mut hasher = Sha256::new();
    let mut chunk = vec![0u8; 64 << 10];
    loop {
        match file.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => hasher.update(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(fail(format!("cannot read: {e}"))),
        }
    }
    let digest: [u8; 32] = hasher.finalize().into();
    if let Some(expected) = sha256 {
        let got = hex(&digest);
        if !expected.eq_ignore_ascii_case(&got) {
            return Err(fail(format!(
                "sha256 mismatch: expected {}, got {got}",
                expected.to_ascii_lowercase()
            )));
        }
    }

    let mut libraries = LIBRARIES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(lib) = libraries
        .iter()
        .find(|l| (l.dev, l.ino) == (meta.dev(), meta.ino()))
    {
        if lib.sha256 != digest {
            return Err(fail(format!(
                "changed on disk since it was loaded (sha256 then {}, now {}); \
                 restart the process to load the new version",
                hex(&lib.sha256),
                hex(&digest)
            )));
        }
        return Ok(Plugin { lib });
    }

    let library = open_library(&file, &canonical, &meta).map_err(fail)?;
    let checked = entry_descriptor(&library).and_then(check_descriptor);
    let (meta_out, callbacks) = match checked {
        Ok(found) => found,
        Err(reason) => {
            // Its constructors have run: never unload it, and keep the
            // descriptor open so its /proc name is never reused.
            std::mem::forget(library);
            std::mem::forget(file);
            return Err(fail(reason));
        }
    };
    let lib: &'static Library = Box::leak(Box::new(Library {
        path: canonical,
        dev: meta.dev(),
        ino: meta.ino(),
        sha256: digest,
        meta: meta_out,
        callbacks,
        _fd: file,
        _library: library,
    }));
    libraries.push(lib);
    Ok(Plugin { lib })
}

/// The path a spec names: itself when absolute, otherwise the first
/// `NAME`, `NAME.so` or `libNAME.so` present in a plugin directory.
fn resolve(spec: &str, dirs: &[PathBuf]) -> Result<PathBuf, PluginError> {
    if dirs.is_empty() {
        return Err(PluginError::new(
            spec,
            "no plugin directory is configured; list one under plugins.dirs",
        ));
    }
    let path = Path::new(spec);
    if path.is_absolute() {
        return Ok(path.to_path_buf());
    }
    let bare = !spec.is_empty()
        && spec != "."
        && spec != ".."
        && spec
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if !bare {
        return Err(PluginError::new(
            spec,
            "expected an absolute path or a bare plugin name",
        ));
    }
    let candidates = [
        spec.to_owned(),
        format!("{spec}.so"),
        format!("lib{spec}.so"),
    ];
    for dir in dirs {
        for name in &candidates {
            let candidate = dir.join(name);
            if std::fs::symlink_metadata(&candidate).is_ok() {
                return Ok(candidate);
            }
        }
    }
    let listed: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
    Err(PluginError::new(
        spec,
        format!(
            "not found as {spec}, {spec}.so or lib{spec}.so in plugins.dirs ({})",
            listed.join(", ")
        ),
    ))
}

/// The plugin directories that exist, canonicalized.
fn canonical_dirs(dirs: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let found: Vec<PathBuf> = dirs.iter().filter_map(|d| d.canonicalize().ok()).collect();
    if found.is_empty() {
        let listed: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
        return Err(format!(
            "none of plugins.dirs exists ({})",
            listed.join(", ")
        ));
    }
    Ok(found)
}

/// The checks of the open file itself.
fn check_file(meta: &Metadata) -> Result<(), String> {
    if !meta.file_type().is_file() {
        return Err("is not a regular file".into());
    }
    if meta.nlink() != 1 {
        return Err(format!(
            "has {} hard links; a plugin must have exactly one",
            meta.nlink()
        ));
    }
    check_owner(meta, "file")?;
    check_writable(meta, "file", None)
}

/// The checks of every directory from the file's up to the plugin
/// directory it lies in.
fn check_dirs(parent: &Path, root: &Path) -> Result<(), String> {
    let mut dir = parent;
    loop {
        let meta = std::fs::metadata(dir)
            .map_err(|e| format!("cannot stat directory {}: {e}", dir.display()))?;
        check_owner(&meta, &format!("directory {}", dir.display()))?;
        check_writable(&meta, "directory", Some(dir))?;
        if dir == root {
            return Ok(());
        }
        match dir.parent() {
            Some(up) => dir = up,
            None => return Ok(()),
        }
    }
}

fn check_owner(meta: &Metadata, what: &str) -> Result<(), String> {
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    if meta.uid() == 0 || meta.uid() == me {
        Ok(())
    } else {
        Err(format!(
            "{what} is owned by uid {}, neither root nor this process's user ({me})",
            meta.uid()
        ))
    }
}

fn check_writable(meta: &Metadata, what: &str, dir: Option<&Path>) -> Result<(), String> {
    let mode = meta.mode() & 0o7777;
    let who = if mode & 0o002 != 0 {
        "world-writable"
    } else if mode & 0o020 != 0 {
        "group-writable"
    } else {
        return Ok(());
    };
    Err(match dir {
        Some(dir) => format!("{who} {what} {} (mode {mode:04o})", dir.display()),
        None => format!("{who} {what} (mode {mode:04o})"),
    })
}

/// Opens the library through the checked descriptor.
fn open_library(
    file: &File,
    canonical: &Path,
    checked: &Metadata,
) -> Result<libloading::os::unix::Library, String> {
    use libloading::os::unix::{Library, RTLD_LOCAL, RTLD_NOW};

    let by_fd = PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd()));
    let through_proc = std::fs::metadata(&by_fd)
        .is_ok_and(|m| (m.dev(), m.ino()) == (checked.dev(), checked.ino()));
    let target = if through_proc { &by_fd } else { canonical };
    // SAFETY: loading runs the library's constructors; every check this
    // host can make has passed, and the library is never unloaded.
    let library = unsafe { Library::open(Some(target), RTLD_NOW | RTLD_LOCAL) }
        .map_err(|e| format!("dlopen failed: {e}"))?;
    if !through_proc {
        let now = std::fs::metadata(canonical).map_err(|e| format!("cannot stat: {e}"))?;
        if (now.dev(), now.ino()) != (checked.dev(), checked.ino()) {
            std::mem::forget(library);
            return Err("was replaced while it was being loaded".into());
        }
    }
    Ok(library)
}

/// Calls the entry point and returns the descriptor it gives.
fn entry_descriptor(
    library: &libloading::os::unix::Library,
) -> Result<*const abi::asynclog_plugin_descriptor, String> {
    // SAFETY: the symbol's type is the ABI's entry point type.
    let entry = unsafe {
        library.get::<abi::asynclog_plugin_entry_v1_fn>(abi::ASYNCLOG_PLUGIN_ENTRY_SYMBOL)
    }
    .map_err(|_| {
        "has no asynclog_plugin_entry_v1 symbol; is it an asynclog plugin, with the entry \
             point exported?"
            .to_string()
    })?;
    // SAFETY: the entry point takes no arguments and returns a pointer.
    let descriptor = unsafe { entry() };
    if descriptor.is_null() {
        return Err("asynclog_plugin_entry_v1 returned NULL".into());
    }
    Ok(descriptor)
}

/// The descriptor as minors 0 and 1 define it: everything before the
/// first field minor 2 appended.
const V1_SIZE: usize = std::mem::offset_of!(abi::asynclog_plugin_descriptor, process_batch);

/// Checks a descriptor, reading no byte past its `struct_size`.
pub(crate) fn check_descriptor(
    ptr: *const abi::asynclog_plugin_descriptor,
) -> Result<(Meta, Callbacks), String> {
    // The first three fields are the same in every version.
    let head = ptr.cast::<u32>();
    // SAFETY: every descriptor starts with three u32s.
    let (struct_size, major, minor) = unsafe {
        (
            head.read_unaligned(),
            head.add(1).read_unaligned(),
            head.add(2).read_unaligned(),
        )
    };
    if major != abi::ASYNCLOG_PLUGIN_ABI_MAJOR {
        return Err(format!(
            "abi_major {major}, this host supports {}",
            abi::ASYNCLOG_PLUGIN_ABI_MAJOR
        ));
    }
    if minor > abi::ASYNCLOG_PLUGIN_ABI_MINOR {
        return Err(format!(
            "abi_minor {minor} is newer than this host's {}; upgrade asynclog to load it",
            abi::ASYNCLOG_PLUGIN_ABI_MINOR
        ));
    }
    if (struct_size as usize) < V1_SIZE {
        return Err(format!(
            "struct_size {struct_size} is smaller than a v1 descriptor ({V1_SIZE} bytes)"
        ));
    }
    // Fields past the plugin's `struct_size` were appended by a later
    // minor than the plugin's: they read as zero, which is NULL for every
    // callback.
    let d = {
        let mut d = std::mem::MaybeUninit::<abi::asynclog_plugin_descriptor>::zeroed();
        let n = (struct_size as usize).min(std::mem::size_of::<abi::asynclog_plugin_descriptor>());
        // SAFETY: the plugin's descriptor has `struct_size` readable bytes,
        // and `n` fits ours; an all-zero descriptor is a valid value (NULL
        // pointers, `None` callbacks, zero numbers), so any prefix copied
        // over it is one too.
        unsafe {
            std::ptr::copy_nonoverlapping(ptr.cast::<u8>(), d.as_mut_ptr().cast::<u8>(), n);
            d.assume_init()
        }
    };

    let host = abi::sanity();
    let sanity = d.sanity;
    if sanity.magic != abi::ASYNCLOG_PLUGIN_MAGIC {
        return Err(format!(
            "sanity.magic is {:#010x}, expected {:#010x}; not a descriptor, or a corrupt one",
            sanity.magic,
            abi::ASYNCLOG_PLUGIN_MAGIC
        ));
    }
    // Sizes of structures a minor may extend: at most the host's.
    for (field, size, ours) in [
        (
            "sanity.record_view_size",
            sanity.record_view_size,
            host.record_view_size,
        ),
        (
            "sanity.host_api_size",
            sanity.host_api_size,
            host.host_api_size,
        ),
    ] {
        if size == 0 || size > ours {
            return Err(format!("{field} {size}, this host's is {ours}"));
        }
    }
    // An array element: its size never changes within a major.
    if sanity.config_entry_size != host.config_entry_size {
        return Err(format!(
            "sanity.config_entry_size {}, this host's is {}",
            sanity.config_entry_size, host.config_entry_size
        ));
    }

    let name = c_text(d.name).ok_or("name is NULL")?;
    if !valid_name(&name) {
        return Err(format!(
            "name {name:?} is not valid: use 1 to 64 of a-z, 0-9, \"_\" and \"-\""
        ));
    }
    let kind = PluginKind::from_abi(d.kind).ok_or_else(|| {
        format!(
            "kind {} is unknown; this host knows 1 (sink), 2 (enricher), 3 (filter) and \
             4 (redactor)",
            d.kind
        )
    })?;
    let create = d.create.ok_or("create callback is NULL")?;
    let destroy = d.destroy.ok_or("destroy callback is NULL")?;
    if kind.is_processor() && d.process.is_none() {
        return Err(format!(
            "process callback is NULL; a {kind} plugin needs one"
        ));
    }
    if kind == PluginKind::Sink && d.write_batch.is_none() {
        return Err("write_batch callback is NULL; a sink plugin needs one".into());
    }
    let schema = read_schema(d.config_fields, d.config_field_count)?;

    let meta = Meta {
        name,
        version: c_text(d.version).unwrap_or_default(),
        description: c_text(d.description).unwrap_or_default(),
        kind,
        capabilities: d.capabilities,
        abi_minor: minor,
        schema,
    };
    let callbacks = Callbacks {
        create,
        destroy,
        process: if kind.is_processor() { d.process } else { None },
        process_batch: if kind.is_processor() && minor >= 2 {
            d.process_batch
        } else {
            None
        },
        write_batch: if kind == PluginKind::Sink {
            d.write_batch
        } else {
            None
        },
        flush: d.flush,
        health: d.health,
    };
    Ok((meta, callbacks))
}

/// Most entries a schema may have.
const MAX_SCHEMA_FIELDS: usize = 256;

fn read_schema(
    fields: *const abi::asynclog_config_field,
    count: usize,
) -> Result<Vec<SchemaField>, String> {
    if count == 0 {
        return Ok(Vec::new());
    }
    if fields.is_null() {
        return Err(format!(
            "config_fields is NULL with config_field_count {count}"
        ));
    }
    if count > MAX_SCHEMA_FIELDS {
        return Err(format!(
            "config_field_count {count} is more than {MAX_SCHEMA_FIELDS}"
        ));
    }
    let mut schema: Vec<SchemaField> = Vec::with_capacity(count);
    for i in 0..count {
        // SAFETY: the descriptor says `count` entries are there.
        let f = unsafe { fields.add(i).read_unaligned() };
        let at = format!("config_fields[{i}]");
        let name = c_text(f.name).ok_or_else(|| format!("{at}.name is NULL"))?;
        if !valid_key(&name) {
            return Err(format!(
                "{at}.name {name:?} is not valid: use 1 to 64 of a-z, 0-9 and \"_\""
            ));
        }
        if schema.iter().any(|s| s.name == name) {
            return Err(format!("{at}.name {name:?} is declared twice"));
        }
        let ty = ConfigType::from_abi(f.type_)
            .ok_or_else(|| format!("{at} ({name}): type {} is unknown", f.type_))?;
        let known = abi::ASYNCLOG_CONFIG_REQUIRED | abi::ASYNCLOG_CONFIG_SECRET;
        if f.flags & !known != 0 {
            return Err(format!(
                "{at} ({name}): flags {:#x} hold bits this host does not know",
                f.flags
            ));
        }
        schema.push(SchemaField {
            name,
            ty,
            required: f.flags & abi::ASYNCLOG_CONFIG_REQUIRED != 0,
            secret: f.flags & abi::ASYNCLOG_CONFIG_SECRET != 0,
            description: c_text(f.description).unwrap_or_default(),
        });
    }
    Ok(schema)
}

/// A NUL-terminated string from the plugin, repaired if not UTF-8.
fn c_text(ptr: *const c_char) -> Option<String> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: the ABI requires static NUL-terminated strings.
    let s = unsafe { CStr::from_ptr(ptr) };
    Some(String::from_utf8_lossy(s.to_bytes()).into_owned())
}

/// A plugin name: 1 to 64 of `[a-z0-9_-]`.
pub(crate) fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// A schema key: 1 to 64 of `[a-z0-9_]`.
fn valid_key(key: &str) -> bool {
    (1..=64).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_keys() {
        assert!(valid_name("env-enricher"));
        assert!(valid_name("a_1"));
        assert!(!valid_name(""));
        assert!(!valid_name("Env"));
        assert!(!valid_name("a b"));
        assert!(!valid_name(&"a".repeat(65)));
        assert!(valid_key("max_bytes"));
        assert!(!valid_key("max-bytes"));
    }

    #[test]
    fn hex_is_lowercase() {
        assert_eq!(hex(&[0x00, 0xab, 0x7f]), "00ab7f");
    }

    #[test]
    fn no_directory_means_no_plugin() {
        let e = load("/opt/p/x.so", None, &[]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "/opt/p/x.so: no plugin directory is configured; list one under plugins.dirs"
        );
    }

    #[test]
    fn bare_names_are_looked_up_in_the_directories() {
        let e = load("nope", None, &[PathBuf::from("/nonexistent-dir")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "nope: not found as nope, nope.so or libnope.so in plugins.dirs (/nonexistent-dir)"
        );
    }
}
