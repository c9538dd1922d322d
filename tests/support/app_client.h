// Drives the web App in process as the server calls it: sign in as a user,
// send requests with the session cookie and CSRF token, read JSON answers.
// For route tests that need no socket (tests that need one start the server).
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "web/app.h"

namespace esafe::testing {

class AppClient {
 public:
  using Json = nlohmann::json;

  struct Session {
    std::string cookie, csrf;
    Json user;  // the signed-in account as the session answer gives it
  };

  // Requests come from `remote_ip`, with `host` as their Host header when it is set
  // (the public pages check Origin against it).
  explicit AppClient(web::App& app, std::string remote_ip = "127.0.0.1", std::string host = "")
      : app_(app), remote_ip_(std::move(remote_ip)), host_(std::move(host)) {}

  web::Response Send(const std::string& method, const std::string& target, const std::string& body = "",
                     std::map<std::string, std::string> headers = {}) {
    return SendFrom(remote_ip_, method, target, body, std::move(headers));
  }

  web::Response SendFrom(const std::string& remote_ip, const std::string& method, const std::string& target,
                         const std::string& body = "", std::map<std::string, std::string> headers = {}) {
    auto t = web::ParseTarget(target);
    EXPECT_TRUE(t.has_value()) << target;
    web::Request r;
    r.method = method;
    r.path = t ? t->path : target;
    r.query = t ? t->query : decltype(r.query){};
    r.body = body;
    r.remote_ip = remote_ip;
    if (!host_.empty()) headers.emplace("host", host_);
    r.headers = std::move(headers);
    if (!body.empty() && !r.headers.count("content-type")) r.headers["content-type"] = "application/json";
    return app_.Handle(r);
  }

  // The value of response header `name` as the App set it ("" when absent).
  static std::string Header(const web::Response& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return "";
  }

  // The session that sign-in answer `r` opened (empty when it opened none).
  static Session SessionOf(const web::Response& r) {
    Session s;
    for (const auto& [k, v] : r.headers) {
      if (k == "Set-Cookie") s.cookie = v.substr(0, v.find(';'));
    }
    auto parsed = Json::parse(r.body, nullptr, false);
    if (parsed.is_object() && parsed.contains("csrf_token")) s.csrf = parsed["csrf_token"];
    if (parsed.is_object() && parsed.contains("user")) s.user = parsed["user"];
    return s;
  }

  // Signs in; a failed sign-in fails the test and returns an empty session.
  Session SignIn(const std::string& user, const std::string& password,
                 std::map<std::string, std::string> headers = {}) {
    auto r = Send("POST", "/api/v1/session", Json{{"username", user}, {"password", password}}.dump(),
                  std::move(headers));
    EXPECT_EQ(r.status, 200) << user << ": " << r.body;
    return SessionOf(r);
  }

  // A request as `s`; a JSON body is sent as JSON, a string body as it is.
  web::Response As(const Session& s, const std::string& method, const std::string& target, const Json& body = nullptr,
                   const std::string& content_type = "") {
    std::map<std::string, std::string> h = {{"cookie", s.cookie}, {"x-csrf-token", s.csrf}};
    if (!content_type.empty()) h["content-type"] = content_type;
    return Send(method, target, body.is_null() ? "" : body.is_string() ? body.get<std::string>() : body.dump(), h);
  }

  // As(), without the CSRF token: what a forged cross-site request looks like.
  web::Response WithoutCsrf(const Session& s, const std::string& method, const std::string& target,
                            const std::string& body = "") {
    return Send(method, target, body, {{"cookie", s.cookie}});
  }

  // As(), expecting `status`; the parsed JSON answer (null when it is not JSON).
  Json Expect(int status, const Session& s, const std::string& method, const std::string& target,
              const Json& body = nullptr) {
    auto r = As(s, method, target, body);
    EXPECT_EQ(r.status, status) << method << " " << target << ": " << r.body.substr(0, 2000);
    auto parsed = Json::parse(r.body, nullptr, false);
    return parsed.is_discarded() ? Json() : parsed;
  }

 private:
  web::App& app_;
  std::string remote_ip_, host_;
};

}  // namespace esafe::testing
