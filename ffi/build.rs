//! Gives the shared library its SONAME, so programs record
//! `libasynclog.so.0` and keep working across compatible releases.

fn main() {
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_else(|_| "0".into());
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libasynclog.so.{major}");
    println!("cargo:rerun-if-changed=build.rs");
}
