// Fuzzes the whole request path the server hands to the application: target
// parsing, cookies, routing, JSON bodies, schema validation, CSV import and
// every handler, on an in-memory SQLite database, signed in as an
// administrator so that the handlers behind authentication are reached.
//
// Input: "METHOD TARGET\nName: value\n…\n\nBODY".
#include <cstdint>
#include <cstdlib>
#include <string>

#include "access/access.h"
#include "directory/directory.h"
#include "store/database.h"
#include "web/app.h"

namespace {

struct World {
  std::unique_ptr<esafe::store::Database> db;
  std::unique_ptr<esafe::web::App> app;
  std::string cookie, csrf;

  World() {
    db = std::move(esafe::store::Open("sqlite::memory:").value());
    (void)esafe::directory::LoadDemo(*db, "fuzzing-password-1");
    auto s = esafe::access::Login(*db, "admin", "fuzzing-password-1", "127.0.0.1");
    if (!s.ok()) std::abort();
    cookie = "esafe_session=" + s->token;
    csrf = s->csrf_token;
    esafe::access::LoginPolicy policy;
    policy.max_failures = 1000000;  // the fuzzer must not lock itself out
    policy.max_failures_per_ip = 1000000;
    app = std::make_unique<esafe::web::App>(*db, esafe::web::AppOptions{.login_policy = policy});
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World world;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto line_end = in.find('\n');
  std::string_view first = in.substr(0, line_end);
  auto space = first.find(' ');
  if (space == std::string_view::npos) return 0;
  esafe::web::Request req;
  req.method = std::string(first.substr(0, space));
  auto target = esafe::web::ParseTarget(first.substr(space + 1));
  if (!target) return 0;
  req.path = target->path;
  req.query = target->query;
  req.remote_ip = "127.0.0.1";
  req.headers["cookie"] = world.cookie;
  req.headers["x-csrf-token"] = world.csrf;
  req.headers["content-type"] = "application/json";
  std::string_view rest = line_end == std::string_view::npos ? std::string_view() : in.substr(line_end + 1);
  while (!rest.empty()) {
    auto end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    if (line.empty()) break;
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name(line.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    req.headers[name] = std::string(line.substr(colon + 1));
  }
  req.body = std::string(rest);
  auto response = world.app->Handle(req);
  // The application's contract: bad input is never a server error.
  if (response.status >= 500) std::abort();
  return 0;
}
