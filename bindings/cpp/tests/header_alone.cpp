// Compiled, not run: asynclog.hpp on its own (without asynclog.h first),
// under whichever C++ standard the build selects for this file (C++20
// here, where char8_t exists), with every warning an error.

#include <asynclog/asynclog.hpp>
#include <vector>

namespace {

[[maybe_unused]] asynclog::Status use(const asynclog::Logger& log) {
  std::vector<asynclog::Field> fields{{"k", 1}, {"s", "text"}};
  (void)log.info("m", fields);
  return log.warn("m", {{"b", true},
                        {"d", 1.5},
                        {"u", 1u},
                        {"n", nullptr},
                        asynclog::object("o", {{"x", 1}}),
                        asynclog::array("a", {1, "two"})});
}

}  // namespace
