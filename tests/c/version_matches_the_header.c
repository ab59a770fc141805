/*
 * Rule: the library reports the version the header was generated for,
 * and both match the workspace's Cargo.toml (which the build passes in as
 * ASYNCLOG_EXPECTED_VERSION). A mismatch means a stale header or a stale
 * library.
 */

#include <stdio.h>

#include "check.h"

int main(void) {
  const char *version = asynclog_version();
  REQUIRE(version != NULL);

  char from_macros[64];
  snprintf(from_macros, sizeof from_macros, "%d.%d.%d", ASYNCLOG_VERSION_MAJOR,
           ASYNCLOG_VERSION_MINOR, ASYNCLOG_VERSION_PATCH);
  CHECK_STR(version, from_macros);
  CHECK_STR(version, ASYNCLOG_EXPECTED_VERSION);

  /* A static string: the same pointer every time. */
  CHECK(asynclog_version() == version);

  return CHECK_DONE();
}
