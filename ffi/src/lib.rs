//! The C ABI of asynclog.
//!
//! This crate is the only place with `extern "C"`. cbindgen turns it, doc
//! comments included, into `include/asynclog.h`.
//!
//! Conventions, for every function:
//! - names start with `asynclog_`; objects have `_new` and `_free`; the
//!   object comes first and outputs come last;
//! - strings are `(pointer, length)` pairs of UTF-8, never NUL-terminated
//!   formats; invalid UTF-8 is replaced with U+FFFD and counted;
//! - a function returns an `asynclog_status`; on failure the message is
//!   kept for the calling thread and `asynclog_last_error` copies it out;
//!   outputs are written only on success;
//! - a NULL pointer where one is required returns `ASYNCLOG_ERR_NULL`;
//! - no panic crosses the boundary: one turns into `ASYNCLOG_ERR_PANIC`.

#![allow(non_camel_case_types)]
#![deny(missing_docs)]

mod context;
mod field;
mod logger;
mod status;

pub use context::*;
pub use field::*;
pub use logger::*;
pub use status::*;

/// Major version of this library. Programs built against one major work
/// with any release of that major.
pub const ASYNCLOG_VERSION_MAJOR: u32 = 0;
/// Minor version of this library.
pub const ASYNCLOG_VERSION_MINOR: u32 = 1;
/// Patch version of this library.
pub const ASYNCLOG_VERSION_PATCH: u32 = 0;

/// The library's version as a static NUL-terminated string, such as
/// `"0.1.0"`. Compare with the `ASYNCLOG_VERSION_*` macros to detect a
/// header and library mismatch.
#[unsafe(no_mangle)]
pub extern "C" fn asynclog_version() -> *const std::ffi::c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

#[cfg(test)]
mod tests {
    #[test]
    fn version_constants_match_the_package() {
        let parts: Vec<u32> = env!("CARGO_PKG_VERSION")
            .split('.')
            .map(|p| p.parse().unwrap())
            .collect();
        assert_eq!(
            parts,
            [
                super::ASYNCLOG_VERSION_MAJOR,
                super::ASYNCLOG_VERSION_MINOR,
                super::ASYNCLOG_VERSION_PATCH
            ]
        );
    }
}
