# Run by the build (cmake -P) when bindings/cpp is built on its own:
# makes sure cargo's libasynclog.so exists (running cargo if it does not,
# or every time with ALWAYS_CARGO), adds the SONAME link next to it, and
# copies it into OUT_DIR under its SONAME, with a libasynclog.so link.
# The copy keeps the tests away from a concurrent cargo build rewriting
# target/release while they run.
#
#   -DCARGO=... -DREPO=... -DTARGET_DIR=... -DOUT_DIR=... -DALWAYS_CARGO=ON|OFF

set(_so "${TARGET_DIR}/release/libasynclog.so")

if(ALWAYS_CARGO OR NOT EXISTS "${_so}")
  if(NOT CARGO)
    message(FATAL_ERROR
      "${_so} is missing and cargo was not found: install Rust (rustup), "
      "pass -DCARGO=/path/to/cargo, or build it with "
      "`cargo build --release -p asynclog-ffi`")
  endif()
  message(STATUS "cargo build --release -p asynclog-ffi")
  execute_process(
    COMMAND "${CARGO}" build --release -p asynclog-ffi
            --target-dir "${TARGET_DIR}"
    WORKING_DIRECTORY "${REPO}"
    RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "cargo build --release -p asynclog-ffi failed (${_rc})")
  endif()
endif()

# Programs linked against target/release itself look for the SONAME.
if(NOT EXISTS "${TARGET_DIR}/release/libasynclog.so.0")
  file(CREATE_LINK "libasynclog.so" "${TARGET_DIR}/release/libasynclog.so.0"
    SYMBOLIC)
endif()

file(MAKE_DIRECTORY "${OUT_DIR}")
execute_process(
  COMMAND "${CMAKE_COMMAND}" -E copy_if_different
          "${_so}" "${OUT_DIR}/libasynclog.so.0"
  RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "cannot copy ${_so} to ${OUT_DIR}")
endif()
if(NOT EXISTS "${OUT_DIR}/libasynclog.so")
  file(CREATE_LINK "libasynclog.so.0" "${OUT_DIR}/libasynclog.so" SYMBOLIC)
endif()
