//! The level methods (`Logger.info` and friends) as vectorcall methods.
//!
//! PyO3's `**fields` builds a dict for every call, on top of the one the
//! interpreter builds for a `METH_VARARGS` method. These methods take the
//! `METH_FASTCALL | METH_KEYWORDS` form instead: the message and the field
//! values arrive as one array and the field names as the call's tuple of
//! keyword names, and are written from there, so an ordinary call makes
//! no Python object at all.
//!
//! `METH_FASTCALL` is part of the stable ABI from Python 3.10 and has the
//! same form in every CPython since 3.7, so it is used here for the 3.9
//! build as well; so are `PyDescr_NewMethod` and the `PyContextVar_*`
//! functions, exported with unchanged signatures by every CPython this
//! module supports.

use std::ffi::{CStr, c_int};
use std::panic::AssertUnwindSafe;

use asynclog_core::Level;
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyType;

use crate::{Fields, Logger};

const METH_FASTCALL: c_int = 0x0080;
const ARGUMENTS_OFFSET: ffi::Py_ssize_t = 1 << (ffi::Py_ssize_t::BITS - 1);

unsafe extern "C" {
    fn PyDescr_NewMethod(
        t: *mut ffi::PyTypeObject,
        def: *mut ffi::PyMethodDef,
    ) -> *mut ffi::PyObject;
    fn PyContextVar_Get(
        var: *mut ffi::PyObject,
        default: *mut ffi::PyObject,
        value: *mut *mut ffi::PyObject,
    ) -> c_int;
    fn PyContextVar_Set(var: *mut ffi::PyObject, value: *mut ffi::PyObject) -> *mut ffi::PyObject;
    fn PyContextVar_Reset(var: *mut ffi::PyObject, token: *mut ffi::PyObject) -> c_int;
}

type FastWithKeywords = unsafe extern "C" fn(
    *mut ffi::PyObject,
    *const *mut ffi::PyObject,
    ffi::Py_ssize_t,
    *mut ffi::PyObject,
) -> *mut ffi::PyObject;

/// The current value of a `ContextVar` (a new reference), or `None` on
/// error, with the error cleared.
pub fn context_var_get<'py>(py: Python<'py>, var: &Py<PyAny>) -> Option<Bound<'py, PyAny>> {
    let mut value = std::ptr::null_mut();
    let rc = unsafe { PyContextVar_Get(var.as_ptr(), std::ptr::null_mut(), &mut value) };
    if rc < 0 {
        unsafe { ffi::PyErr_Clear() };
        return None;
    }
    unsafe { Bound::from_owned_ptr_or_opt(py, value) }
}

/// Sets a `ContextVar` in the current context; returns the token that
/// [`context_var_reset`] takes to restore the previous value.
pub fn context_var_set<'py>(
    py: Python<'py>,
    var: &Py<PyAny>,
    value: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let token = unsafe { PyContextVar_Set(var.as_ptr(), value.as_ptr()) };
    unsafe { Bound::from_owned_ptr_or_err(py, token) }
}

/// Restores a `ContextVar` to its value before the set that returned
/// `token`; fails as `ContextVar.reset` does (a token used twice, or in
/// another context).
pub fn context_var_reset(
    py: Python<'_>,
    var: &Py<PyAny>,
    token: &Bound<'_, PyAny>,
) -> PyResult<()> {
    if unsafe { PyContextVar_Reset(var.as_ptr(), token.as_ptr()) } < 0 {
        return Err(PyErr::fetch(py));
    }
    Ok(())
}

/// One level method: `logger.<level>(message, /, **fields)`.
unsafe extern "C" fn level_method<const L: u8>(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargsf: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: the interpreter calls methods with the GIL held.
    let py = unsafe { Python::assume_attached() };
    let call = AssertUnwindSafe(|| unsafe { call(py, L, slf, args, nargsf, kwnames) });
    let outcome = std::panic::catch_unwind(call).unwrap_or_else(|_| {
        Err(PyRuntimeError::new_err(
            "asynclog: a log call panicked; the event was not logged",
        ))
    });
    match outcome {
        Ok(()) => unsafe {
            let none = ffi::Py_None();
            ffi::Py_IncRef(none);
            none
        },
        Err(e) => {
            e.restore(py);
            std::ptr::null_mut()
        }
    }
}

unsafe fn call(
    py: Python<'_>,
    level: u8,
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargsf: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> PyResult<()> {
    let nargs = (nargsf & !ARGUMENTS_OFFSET) as usize;
    if nargs != 1 {
        return Err(PyTypeError::new_err(format!(
            "a log call takes the message as its one positional argument ({nargs} given); \
             pass fields as keywords"
        )));
    }
    let this = unsafe { Bound::from_borrowed_ptr(py, slf) };
    let this = this.cast::<Logger>()?;
    let message = unsafe { Bound::from_borrowed_ptr(py, *args) };
    let nkw = if kwnames.is_null() {
        0
    } else {
        unsafe { ffi::PyTuple_Size(kwnames) as usize }
    };
    let fields = if nkw == 0 {
        Fields::None
    } else {
        let values = unsafe { std::slice::from_raw_parts(args.add(1), nkw) };
        Fields::Keywords {
            names: kwnames,
            values,
        }
    };
    let level = Level::from_u8(level).expect("a level number from the table");
    this.get().emit(py, level, &message, fields, None)
}

/// The methods, by name; the generic argument is the level's number.
const LEVELS: [(&CStr, FastWithKeywords); 10] = [
    (c"trace", level_method::<{ Level::Trace as u8 }>),
    (c"debug", level_method::<{ Level::Debug as u8 }>),
    (c"info", level_method::<{ Level::Info as u8 }>),
    (c"warn", level_method::<{ Level::Warn as u8 }>),
    (c"warning", level_method::<{ Level::Warn as u8 }>),
    (c"error", level_method::<{ Level::Error as u8 }>),
    (c"fatal", level_method::<{ Level::Fatal as u8 }>),
    (c"critical", level_method::<{ Level::Fatal as u8 }>),
    (c"audit", level_method::<{ Level::Audit as u8 }>),
    (c"security", level_method::<{ Level::Security as u8 }>),
];

/// Adds the level methods to the `Logger` type.
pub fn install(ty: &Bound<'_, PyType>) -> PyResult<()> {
    for (name, f) in LEVELS {
        // The interpreter keeps a pointer to the definition for as long as
        // the method exists: the definitions live for the process.
        let def = Box::leak(Box::new(ffi::PyMethodDef {
            ml_name: name.as_ptr(),
            // The flags tell the interpreter the real signature; this
            // field's declared type is only the 3.9 limited API's.
            ml_meth: ffi::PyMethodDefPointer {
                PyCFunctionWithKeywords: unsafe {
                    std::mem::transmute::<FastWithKeywords, ffi::PyCFunctionWithKeywords>(f)
                },
            },
            ml_flags: METH_FASTCALL | ffi::METH_KEYWORDS,
            ml_doc: c"log(message, /, **fields): logs one event at this method's level".as_ptr(),
        }));
        let descr = unsafe { PyDescr_NewMethod(ty.as_ptr().cast(), def) };
        let descr = unsafe { Bound::from_owned_ptr_or_err(ty.py(), descr)? };
        ty.setattr(name.to_str().expect("ASCII method names"), descr)?;
    }
    Ok(())
}
