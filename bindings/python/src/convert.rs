//! Python values into the core's field encoding.
//!
//! Two passes. [`is_native`] walks a value without allocating and says
//! whether every part of it is a type the writer handles directly: exact
//! `str`, `int`, `float`, `bool`, `None`, `bytes`, and `dict` (with `str`
//! keys), `list` and `tuple` of those, with no container inside itself.
//! Such values go straight to the [`FieldWriter`]: the common case, with no
//! Python code run and nothing allocated.
//!
//! Anything else is first rebuilt by [`normalize`] into such a value,
//! before the core claims a queue slot, because rebuilding may run Python
//! code (the fallback hook, `__str__`, pydantic's `model_dump`) that could
//! release the GIL or log in turn. A container met again inside itself
//! becomes [`RECURSIVE_MARKER`], and a value the hook cannot convert becomes
//! an `[unencodable: TYPE]` string; both are counted, and neither raises.

use std::ffi::c_char;
use std::ptr::addr_of_mut;
use std::sync::atomic::{AtomicU64, Ordering};

use asynclog_core::FieldWriter;
use asynclog_core::record::DEPTH_MARKER;
use asynclog_core::value::MAX_DEPTH_CAP;
use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};

/// Written in place of a container found inside itself.
pub const RECURSIVE_MARKER: &str = "[recursive]";

/// Values replaced because they contained themselves.
pub static RECURSIVE: AtomicU64 = AtomicU64::new(0);
/// Values replaced because the fallback could not convert them.
pub static UNENCODABLE: AtomicU64 = AtomicU64::new(0);

/// The Python function that turns a value of any other type into a simpler
/// one (`datetime` into its ISO string, a dataclass into a dict...).
pub static FALLBACK: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

unsafe extern "C" {
    // In the stable ABI from 3.10, and exported with the same signature by
    // every CPython this module supports. pyo3-ffi declares it only for
    // 3.10+ builds; the module is built for abi3-py39.
    fn PyUnicode_AsUTF8AndSize(
        unicode: *mut ffi::PyObject,
        size: *mut ffi::Py_ssize_t,
    ) -> *const c_char;
}

/// The UTF-8 text of a `str` object, borrowed from the object itself, or
/// `None` if it holds lone surrogates (the error is cleared).
///
/// # Safety
/// `obj` must be a live `str` (or subclass) and the GIL held; the slice
/// lives as long as the object.
#[inline]
pub unsafe fn utf8<'a>(obj: *mut ffi::PyObject) -> Option<&'a [u8]> {
    let mut size: ffi::Py_ssize_t = 0;
    let data = unsafe { PyUnicode_AsUTF8AndSize(obj, &mut size) };
    if data.is_null() {
        unsafe { ffi::PyErr_Clear() };
        return None;
    }
    Some(unsafe { std::slice::from_raw_parts(data.cast::<u8>(), size as usize) })
}

/// Text for the writer: borrowed from a `str`, or the bytes of one that
/// held lone surrogates, encoded with `surrogatepass` so the core replaces
/// them and counts them as invalid UTF-8.
pub enum Text<'py> {
    Borrowed(&'py [u8]),
    Owned(Bound<'py, PyBytes>),
}

impl Text<'_> {
    #[inline]
    pub fn bytes(&self) -> &[u8] {
        match self {
            Text::Borrowed(b) => b,
            Text::Owned(b) => b.as_bytes(),
        }
    }
}

/// The text of `s`, which must be a `str`.
#[inline]
pub fn text_of<'py>(s: &Bound<'py, PyAny>) -> Text<'py> {
    if let Some(b) = unsafe { utf8(s.as_ptr()) } {
        return Text::Borrowed(b);
    }
    let encoded = unsafe {
        ffi::PyUnicode_AsEncodedString(s.as_ptr(), c"utf-8".as_ptr(), c"surrogatepass".as_ptr())
    };
    match unsafe { Bound::from_owned_ptr_or_err(s.py(), encoded) } {
        Ok(b) => Text::Owned(unsafe { b.cast_into_unchecked() }),
        Err(_) => Text::Borrowed(b"\xef\xbf\xbd"),
    }
}

/// The text of any object: a `str` as it is, anything else through
/// `str()`, or a marker if that raises.
pub fn any_text<'py>(v: &Bound<'py, PyAny>) -> Text<'py> {
    if is_type(v.as_ptr(), addr_of_mut!(ffi::PyUnicode_Type)) || v.is_instance_of::<PyString>() {
        return text_of(v);
    }
    match v.str() {
        Ok(s) => {
            // The new string dies here; its text is copied out.
            let s = s.into_any();
            let copied = PyBytes::new(v.py(), text_of(&s).bytes());
            Text::Owned(copied)
        }
        Err(_) => {
            UNENCODABLE.fetch_add(1, Ordering::Relaxed);
            let marker = unencodable_marker(v);
            Text::Owned(PyBytes::new(v.py(), marker.as_bytes()))
        }
    }
}

#[inline]
fn is_type(obj: *mut ffi::PyObject, t: *mut ffi::PyTypeObject) -> bool {
    unsafe { ffi::Py_TYPE(obj) == t }
}

/// The exact built-in kinds the writer takes directly.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Str,
    Int,
    Float,
    Bool,
    None,
    Bytes,
    Dict,
    List,
    Tuple,
    Other,
}

#[inline]
fn kind(obj: *mut ffi::PyObject) -> Kind {
    unsafe {
        let t = ffi::Py_TYPE(obj);
        if t == addr_of_mut!(ffi::PyUnicode_Type) {
            Kind::Str
        } else if t == addr_of_mut!(ffi::PyLong_Type) {
            Kind::Int
        } else if t == addr_of_mut!(ffi::PyFloat_Type) {
            Kind::Float
        } else if t == addr_of_mut!(ffi::PyBool_Type) {
            Kind::Bool
        } else if obj == ffi::Py_None() {
            Kind::None
        } else if t == addr_of_mut!(ffi::PyDict_Type) {
            Kind::Dict
        } else if t == addr_of_mut!(ffi::PyList_Type) {
            Kind::List
        } else if t == addr_of_mut!(ffi::PyTuple_Type) {
            Kind::Tuple
        } else if t == addr_of_mut!(ffi::PyBytes_Type) {
            Kind::Bytes
        } else {
            Kind::Other
        }
    }
}

/// Containers open on the way down, to find one inside itself.
pub struct Stack {
    open: Vec<*mut ffi::PyObject>,
}

impl Stack {
    pub fn new() -> Stack {
        Stack { open: Vec::new() }
    }

    #[inline]
    fn contains(&self, p: *mut ffi::PyObject) -> bool {
        self.open.contains(&p)
    }
}

/// True when `v` can be written as it is (see the module docs).
pub fn is_native(v: *mut ffi::PyObject, depth: usize, stack: &mut Stack) -> bool {
    match kind(v) {
        Kind::Str | Kind::Int | Kind::Float | Kind::Bool | Kind::None | Kind::Bytes => true,
        Kind::Other => false,
        // Past the deepest nesting the writer keeps, it writes a marker and
        // looks no further, so neither do we.
        _ if depth >= MAX_DEPTH_CAP => true,
        _ if stack.contains(v) => false,
        Kind::Dict => {
            stack.open.push(v);
            let ok = dict_is_native(v, depth, stack);
            stack.open.pop();
            ok
        }
        Kind::List | Kind::Tuple => {
            stack.open.push(v);
            let ok = seq_items(v).all(|item| is_native(item, depth + 1, stack));
            stack.open.pop();
            ok
        }
    }
}

/// True when every key of the dict `d` is an exact `str` and every value
/// is native.
pub fn dict_is_native(d: *mut ffi::PyObject, depth: usize, stack: &mut Stack) -> bool {
    dict_items(d).all(|(k, v)| kind(k) == Kind::Str && is_native(v, depth + 1, stack))
}

/// Borrowed items of an exact list or tuple.
fn seq_items(v: *mut ffi::PyObject) -> impl Iterator<Item = *mut ffi::PyObject> {
    let list = kind(v) == Kind::List;
    let len = unsafe {
        if list {
            ffi::PyList_Size(v)
        } else {
            ffi::PyTuple_Size(v)
        }
    };
    // A list can shrink while we walk it only if Python code runs, which
    // the writer never does; the index check keeps it safe regardless.
    (0..len).map_while(move |i| {
        let item = unsafe {
            if list {
                ffi::PyList_GetItem(v, i)
            } else {
                ffi::PyTuple_GetItem(v, i)
            }
        };
        if item.is_null() {
            unsafe { ffi::PyErr_Clear() };
            None
        } else {
            Some(item)
        }
    })
}

/// Borrowed key-value pairs of a dict.
pub fn dict_items(
    d: *mut ffi::PyObject,
) -> impl Iterator<Item = (*mut ffi::PyObject, *mut ffi::PyObject)> {
    let mut pos: ffi::Py_ssize_t = 0;
    std::iter::from_fn(move || {
        let mut k = std::ptr::null_mut();
        let mut v = std::ptr::null_mut();
        if unsafe { ffi::PyDict_Next(d, &mut pos, &mut k, &mut v) } != 0 {
            Some((k, v))
        } else {
            None
        }
    })
}

/// Writes the entries of a native dict as fields.
pub fn write_dict(py: Python<'_>, w: &mut FieldWriter<'_>, d: *mut ffi::PyObject) {
    for (k, v) in dict_items(d) {
        let k = unsafe { Bound::from_borrowed_ptr(py, k) };
        let key = text_of(&k);
        write_value(py, w, Some(key.bytes()), v);
    }
}

/// Writes keyword fields: names from a vectorcall's tuple of keyword
/// names, values from its argument array.
pub fn write_keywords(
    py: Python<'_>,
    w: &mut FieldWriter<'_>,
    names: *mut ffi::PyObject,
    values: &[*mut ffi::PyObject],
) {
    for (i, &v) in values.iter().enumerate() {
        let name = unsafe { ffi::PyTuple_GetItem(names, i as ffi::Py_ssize_t) };
        if name.is_null() {
            unsafe { ffi::PyErr_Clear() };
            return;
        }
        let name = unsafe { Bound::from_borrowed_ptr(py, name) };
        let key = text_of(&name);
        write_value(py, w, Some(key.bytes()), v);
    }
}

/// Writes one native value (see [`is_native`]).
pub fn write_value(
    py: Python<'_>,
    w: &mut FieldWriter<'_>,
    key: Option<&[u8]>,
    v: *mut ffi::PyObject,
) {
    match kind(v) {
        Kind::Str => {
            let s = unsafe { Bound::from_borrowed_ptr(py, v) };
            w.str(key, text_of(&s).bytes());
        }
        Kind::Int => write_int(py, w, key, v),
        Kind::Float => w.f64(key, unsafe { ffi::PyFloat_AsDouble(v) }),
        Kind::Bool => w.bool(key, v == unsafe { ffi::Py_True() }),
        Kind::None => w.null(key),
        Kind::Bytes => {
            let b = unsafe { Bound::from_borrowed_ptr(py, v).cast_into_unchecked::<PyBytes>() };
            w.bytes(key, b.as_bytes());
        }
        Kind::Dict => {
            if w.begin_object(key) {
                write_dict(py, w, v);
                w.end();
            }
        }
        Kind::List | Kind::Tuple => {
            if w.begin_array(key) {
                for item in seq_items(v) {
                    write_value(py, w, None, item);
                }
                w.end();
            }
        }
        // Not reached after `is_native`; written as text rather than lost.
        Kind::Other => {
            let o = unsafe { Bound::from_borrowed_ptr(py, v) };
            w.str(key, any_text(&o).bytes());
        }
    }
}

/// Writes an `int`: as i64, as u64 when larger, or as its decimal string
/// when it fits neither.
fn write_int(py: Python<'_>, w: &mut FieldWriter<'_>, key: Option<&[u8]>, v: *mut ffi::PyObject) {
    let mut overflow = 0;
    let n = unsafe { ffi::PyLong_AsLongLongAndOverflow(v, &mut overflow) };
    if overflow == 0 {
        if n == -1 && unsafe { !ffi::PyErr_Occurred().is_null() } {
            unsafe { ffi::PyErr_Clear() };
        } else {
            return w.i64(key, n);
        }
    }
    if overflow > 0 {
        let u = unsafe { ffi::PyLong_AsUnsignedLongLong(v) };
        if unsafe { ffi::PyErr_Occurred().is_null() } {
            return w.u64(key, u);
        }
        unsafe { ffi::PyErr_Clear() };
    }
    let o = unsafe { Bound::from_borrowed_ptr(py, v) };
    w.str(key, any_text(&o).bytes());
}

fn unencodable_marker(v: &Bound<'_, PyAny>) -> String {
    let name = v
        .get_type()
        .qualname()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".into());
    format!("[unencodable: {name}]")
}

/// Rebuilds `v` as a native value (see the module docs).
pub fn normalize<'py>(v: &Bound<'py, PyAny>, depth: usize, stack: &mut Stack) -> Bound<'py, PyAny> {
    let py = v.py();
    let p = v.as_ptr();
    match kind(p) {
        Kind::Str | Kind::Int | Kind::Float | Kind::Bool | Kind::None | Kind::Bytes => {
            return v.clone();
        }
        _ => {}
    }
    if depth >= MAX_DEPTH_CAP {
        return PyString::new(py, DEPTH_MARKER).into_any();
    }
    if stack.contains(p) {
        RECURSIVE.fetch_add(1, Ordering::Relaxed);
        return PyString::new(py, RECURSIVE_MARKER).into_any();
    }
    stack.open.push(p);
    let out = match kind(p) {
        Kind::Dict => normalize_dict(v, depth, stack).map(Bound::into_any),
        Kind::List | Kind::Tuple => {
            let items: Vec<_> = seq_items(p)
                .map(|item| {
                    normalize(
                        &unsafe { Bound::from_borrowed_ptr(py, item) },
                        depth + 1,
                        stack,
                    )
                })
                .collect();
            PyList::new(py, items).map(Bound::into_any)
        }
        _ => through_fallback(v, depth, stack),
    };
    stack.open.pop();
    out.unwrap_or_else(|_| {
        UNENCODABLE.fetch_add(1, Ordering::Relaxed);
        PyString::new(py, &unencodable_marker(v)).into_any()
    })
}

/// A dict with `str` keys and native values, from a dict.
pub fn normalize_dict<'py>(
    d: &Bound<'py, PyAny>,
    depth: usize,
    stack: &mut Stack,
) -> PyResult<Bound<'py, PyDict>> {
    let py = d.py();
    let out = PyDict::new(py);
    for (k, v) in dict_items(d.as_ptr()) {
        let k = unsafe { Bound::from_borrowed_ptr(py, k) };
        let v = unsafe { Bound::from_borrowed_ptr(py, v) };
        let key = if kind(k.as_ptr()) == Kind::Str {
            k
        } else {
            let t = normalize_key(&k);
            PyString::new(py, &String::from_utf8_lossy(t.bytes())).into_any()
        };
        out.set_item(key, normalize(&v, depth + 1, stack))?;
    }
    Ok(out)
}

/// The text of a dict key that is not a `str`: an Enum's value, else
/// `str()`.
fn normalize_key<'py>(k: &Bound<'py, PyAny>) -> Text<'py> {
    if let Ok(value) = k.getattr(pyo3::intern!(k.py(), "_value_")) {
        return any_text(&value);
    }
    any_text(k)
}

/// Converts an object of another type with the fallback hook, then
/// normalizes what it returned.
fn through_fallback<'py>(
    v: &Bound<'py, PyAny>,
    depth: usize,
    stack: &mut Stack,
) -> PyResult<Bound<'py, PyAny>> {
    let py = v.py();
    let hook = FALLBACK
        .get(py)
        .ok_or_else(|| PyTypeError::new_err("no fallback encoder installed"))?;
    let converted = hook.bind(py).call1((v,))?;
    // A hook that hands back an object of the very same type would loop.
    if converted.get_type().is(v.get_type()) && kind(converted.as_ptr()) == Kind::Other {
        return Err(PyTypeError::new_err("fallback returned the same type"));
    }
    Ok(normalize(&converted, depth + 1, stack))
}
