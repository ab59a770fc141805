//! Fields as C builds them: plain structs on the stack, no allocation.

use std::ffi::c_char;

use asynclog_core::FieldWriter;

/// The level of an event: one of the `ASYNCLOG_LEVEL_*` values.
pub type asynclog_level = u32;

/// Very detailed tracing.
pub const ASYNCLOG_LEVEL_TRACE: asynclog_level = 0;
/// Debugging detail.
pub const ASYNCLOG_LEVEL_DEBUG: asynclog_level = 1;
/// Normal operation.
pub const ASYNCLOG_LEVEL_INFO: asynclog_level = 2;
/// Something unexpected that the program handled.
pub const ASYNCLOG_LEVEL_WARN: asynclog_level = 3;
/// A failed operation.
pub const ASYNCLOG_LEVEL_ERROR: asynclog_level = 4;
/// The program cannot continue (logging it does not exit).
pub const ASYNCLOG_LEVEL_FATAL: asynclog_level = 5;
/// An audit event: never filtered or sampled, by default never dropped.
pub const ASYNCLOG_LEVEL_AUDIT: asynclog_level = 6;
/// A security event: never filtered or sampled, by default never dropped.
pub const ASYNCLOG_LEVEL_SECURITY: asynclog_level = 7;

/// The type of a field's value: one of the `ASYNCLOG_FIELD_*` values.
pub type asynclog_field_type = u32;

/// No value (JSON null).
pub const ASYNCLOG_FIELD_NULL: asynclog_field_type = 0;
/// `value.str`: UTF-8 text.
pub const ASYNCLOG_FIELD_STR: asynclog_field_type = 1;
/// `value.i64`: a signed integer.
pub const ASYNCLOG_FIELD_I64: asynclog_field_type = 2;
/// `value.u64`: an unsigned integer.
pub const ASYNCLOG_FIELD_U64: asynclog_field_type = 3;
/// `value.f64`: a double.
pub const ASYNCLOG_FIELD_F64: asynclog_field_type = 4;
/// `value.boolean`: a boolean.
pub const ASYNCLOG_FIELD_BOOL: asynclog_field_type = 5;
/// `value.bytes`: raw bytes, written as base64 by text encoders.
pub const ASYNCLOG_FIELD_BYTES: asynclog_field_type = 6;
/// `value.children`: a nested object of keyed fields.
pub const ASYNCLOG_FIELD_OBJECT: asynclog_field_type = 7;
/// `value.children`: a nested array; the children's keys are ignored.
pub const ASYNCLOG_FIELD_ARRAY: asynclog_field_type = 8;

/// A borrowed run of bytes: UTF-8 text for strings.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct asynclog_str {
    /// The first byte; may be NULL when `len` is 0.
    pub ptr: *const c_char,
    /// Number of bytes.
    pub len: usize,
}

/// A borrowed array of fields.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct asynclog_fields {
    /// The first field; may be NULL when `len` is 0.
    pub ptr: *const asynclog_field,
    /// Number of fields.
    pub len: usize,
}

/// A field's value; which member is read depends on the field's type.
#[repr(C)]
#[derive(Clone, Copy)]
pub union asynclog_value {
    /// For `ASYNCLOG_FIELD_STR`.
    pub str: asynclog_str,
    /// For `ASYNCLOG_FIELD_I64`.
    pub i64: i64,
    /// For `ASYNCLOG_FIELD_U64`.
    pub u64: u64,
    /// For `ASYNCLOG_FIELD_F64`.
    pub f64: f64,
    /// For `ASYNCLOG_FIELD_BOOL`.
    pub boolean: bool,
    /// For `ASYNCLOG_FIELD_BYTES`.
    pub bytes: asynclog_str,
    /// For `ASYNCLOG_FIELD_OBJECT` and `ASYNCLOG_FIELD_ARRAY`.
    pub children: asynclog_fields,
}

/// One key and its typed value. Build them on the stack with the
/// `asynclog_field_*` helpers; nothing is kept after the call returns.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct asynclog_field {
    /// The key, UTF-8; may be NULL when `key_len` is 0.
    pub key: *const c_char,
    /// Key length in bytes.
    pub key_len: usize,
    /// One of the `ASYNCLOG_FIELD_*` values.
    pub type_: asynclog_field_type,
    /// The value, read according to `type_`.
    pub value: asynclog_value,
}

/// What was wrong with a field, and where: `at` lists the indices from
/// the innermost array outwards, so that the hot path builds no path and
/// an error builds it once, on the way out.
pub(crate) struct FieldError {
    at: Vec<usize>,
    what: FieldProblem,
}

enum FieldProblem {
    /// The array itself is NULL with a length.
    NullArray(usize),
    NullKey(usize),
    NullStr(usize),
    NullBytes(usize),
    UnknownType(u32),
}

impl FieldError {
    /// The message: `fields[2][0].key: NULL with length 3`.
    pub(crate) fn message(&self) -> String {
        let mut path = String::from("fields");
        for i in self.at.iter().rev() {
            path.push_str(&format!("[{i}]"));
        }
        let nested = !self.at.is_empty();
        match self.what {
            FieldProblem::NullArray(n) if nested => {
                format!("{path}.children: NULL with length {n}")
            }
            FieldProblem::NullArray(n) => format!("{path}: NULL with length {n}"),
            FieldProblem::NullKey(n) => format!("{path}.key: NULL with length {n}"),
            FieldProblem::NullStr(n) => format!("{path}.str: NULL with length {n}"),
            FieldProblem::NullBytes(n) => format!("{path}.bytes: NULL with length {n}"),
            FieldProblem::UnknownType(t) => format!("{path}: unknown field type {t}"),
        }
    }
}

/// Views a `(pointer, length)` pair; `None` for NULL with a length.
///
/// # Safety
/// A non-NULL `ptr` must point to `len` readable bytes.
#[inline]
unsafe fn view<'a>(ptr: *const c_char, len: usize) -> Option<&'a [u8]> {
    if ptr.is_null() {
        return if len == 0 { Some(&[]) } else { None };
    }
    // SAFETY: the caller guarantees `len` readable bytes.
    Some(unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) })
}

/// Writes a C field array through the core's writer, which applies the
/// limits (nesting past the depth limit is not followed, so a cyclic
/// `children` pointer ends there). Errors name the field's position.
///
/// # Safety
/// `fields` must point to `len` valid fields (or be NULL with `len` 0),
/// and every pointer inside them must be valid for its length.
pub(crate) unsafe fn write_fields(
    w: &mut FieldWriter<'_>,
    fields: *const asynclog_field,
    len: usize,
    keyed: bool,
) -> Result<(), FieldError> {
    if fields.is_null() {
        if len == 0 {
            return Ok(());
        }
        return Err(FieldError {
            at: Vec::new(),
            what: FieldProblem::NullArray(len),
        });
    }
    // SAFETY: the caller guarantees `len` valid fields.
    let fields = unsafe { std::slice::from_raw_parts(fields, len) };
    for (i, f) in fields.iter().enumerate() {
        // SAFETY: as for the whole call.
        if let Err(mut e) = unsafe { write_field(w, f, keyed) } {
            e.at.push(i);
            return Err(e);
        }
    }
    Ok(())
}

/// # Safety
/// As for [`write_fields`].
#[inline]
unsafe fn write_field(
    w: &mut FieldWriter<'_>,
    f: &asynclog_field,
    keyed: bool,
) -> Result<(), FieldError> {
    let fail = |what| FieldError {
        at: Vec::new(),
        what,
    };
    let key = if keyed {
        // SAFETY: the caller guarantees the key pointer and length.
        let k = unsafe { view(f.key, f.key_len) };
        Some(k.ok_or_else(|| fail(FieldProblem::NullKey(f.key_len)))?)
    } else {
        None
    };
    // SAFETY: each arm reads the union member the type names, and the
    // caller guarantees the pointers inside.
    unsafe {
        match f.type_ {
            ASYNCLOG_FIELD_NULL => w.null(key),
            ASYNCLOG_FIELD_STR => {
                let s = f.value.str;
                w.str(
                    key,
                    view(s.ptr, s.len).ok_or_else(|| fail(FieldProblem::NullStr(s.len)))?,
                )
            }
            ASYNCLOG_FIELD_I64 => w.i64(key, f.value.i64),
            ASYNCLOG_FIELD_U64 => w.u64(key, f.value.u64),
            ASYNCLOG_FIELD_F64 => w.f64(key, f.value.f64),
            ASYNCLOG_FIELD_BOOL => {
                // Read the byte, not a `bool`: C may store any value.
                let raw: u8 = std::ptr::addr_of!(f.value.boolean).cast::<u8>().read();
                w.bool(key, raw != 0)
            }
            ASYNCLOG_FIELD_BYTES => {
                let b = f.value.bytes;
                let data =
                    view(b.ptr, b.len).ok_or_else(|| fail(FieldProblem::NullBytes(b.len)))?;
                w.bytes(key, data)
            }
            ASYNCLOG_FIELD_OBJECT | ASYNCLOG_FIELD_ARRAY => {
                let object = f.type_ == ASYNCLOG_FIELD_OBJECT;
                let children = f.value.children;
                let opened = if object {
                    w.begin_object(key)
                } else {
                    w.begin_array(key)
                };
                if opened {
                    write_fields(w, children.ptr, children.len, object)?;
                    w.end();
                }
            }
            other => return Err(fail(FieldProblem::UnknownType(other))),
        }
    }
    Ok(())
}
