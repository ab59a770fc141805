// hello: the README's first example, built and run by the tests so that
// it stays true. Logs a few records as NDJSON to stdout.

#include <asynclog/asynclog.hpp>
#include <chrono>
#include <cstdio>
#include <string>

namespace {

std::string build_sql() {
  return "SELECT * FROM items WHERE id = ?";
}

}  // namespace

int main() {
  using namespace std::chrono_literals;
  const std::string trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  try {
    // NDJSON to stdout at INFO; or pass a JSON/TOML document, or use
    // asynclog::Logger::from_file("/etc/app/logging.toml").
    auto log = asynclog::Logger::create();

    log.info("request handled",
             {{"user_id", 42},
              {"path", "/api/v1/items"},
              {"latency_ms", 12.5},
              {"cached", false},
              asynclog::object("http", {{"status", 200}, {"method", "GET"}}),
              asynclog::array("tags", {"api", "v1"})});

    auto db = log.child("db", {{"pool", "main"}});  // a name, bound fields
    if (db.enabled(asynclog::Level::debug)) {
      db.debug("query", {{"sql", build_sql()}});
    }

    {
      asynclog::ContextScope scope{{asynclog::keys::correlation_id, "c-17"},
                                   {asynclog::keys::trace_id, trace_id}};
      db.warn("slow query", {{"ms", 812}});  // carries both ids
    }

    log.flush(5s);  // throws asynclog::Error (ASYNCLOG_ERR_TIMEOUT) if late
  } catch (const asynclog::Error& e) {
    std::fprintf(stderr, "hello: %s (%s)\n", e.what(),
                 asynclog::status_str(e.code()));
    return 1;
  }
}  // the last handle is freed with `log`: every sink drains
