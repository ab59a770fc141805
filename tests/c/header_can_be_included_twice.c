/*
 * Rule: asynclog.h is guarded as a whole: a translation unit may include
 * it more than once (directly, and through other headers that include it)
 * without redefinitions.
 */

/* Kept apart from clang-format, which would merge the two lines. */
/* clang-format off */
#include "asynclog.h"
#include "asynclog.h"
/* clang-format on */

#include <stdio.h>

int main(void) {
  asynclog_field f = asynclog_field_i64("n", 1);
  int ok = f.type_ == ASYNCLOG_FIELD_I64 && f.value.i64 == 1;
  fprintf(stderr, "header_can_be_included_twice: %s\n", ok ? "ok" : "failed");
  return ok ? 0 : 1;
}
