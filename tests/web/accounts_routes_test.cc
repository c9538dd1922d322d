// Account management through HTTP, as the server calls the app: disabling, password
// reset, sessions, two-step sign-in (TOTP) and the demo accounts kept apart from
// production. Codes are made from the secret with liboath's own generator.
#include <liboath/oath.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "access/access.h"
#include "core/clock.h"
#include "directory/directory.h"
#include "support/app_client.h"
#include "support/test_database.h"
#include "web/app.h"

namespace esafe::web {
namespace {

using testing::AppClient;

class AccountRoutes : public ::testing::Test {
 protected:
  static constexpr const char* kPassword = "accounts-test-password-1";

  void SetUp() override {
    ASSERT_TRUE(directory::LoadDemo(tdb.db(), kPassword).ok());
    Open({});
  }

  void Open(AppOptions options) {
    app = std::make_unique<App>(tdb.db(), std::move(options));
    client = std::make_unique<AppClient>(*app);
  }

  AppClient::Session SignIn(const std::string& user, const std::string& password = kPassword,
                            const std::string& totp = "") {
    Json body = {{"username", user}, {"password", password}};
    if (!totp.empty()) body["totp"] = totp;
    auto r = client->Send("POST", "/api/v1/session", body.dump(), {{"user-agent", "TestBrowser/1.0"}});
    EXPECT_EQ(r.status, 200) << user << ": " << r.body;
    return AppClient::SessionOf(r);
  }

  // The answer to a sign-in expected to fail.
  Response SignInFails(const std::string& user, const std::string& password, const std::string& totp = "") {
    Json body = {{"username", user}, {"password", password}};
    if (!totp.empty()) body["totp"] = totp;
    return client->Send("POST", "/api/v1/session", body.dump(), {});
  }

  int64_t IdOf(const std::string& username) { return access::AccountIdByUsername(tdb.db(), username).value(); }

  std::string AccountPath(const std::string& username, const std::string& rest = "") {
    return "/api/v1/accounts/" + std::to_string(IdOf(username)) + rest;
  }

  Json AccountListed(const AppClient::Session& admin, const std::string& username) {
    for (const auto& a : client->Expect(200, admin, "GET", "/api/v1/accounts")) {
      if (a["username"] == username) return a;
    }
    ADD_FAILURE() << username << " not listed";
    return Json();
  }

  // The code an authenticator app shows for the base32 `secret`, `offset_steps` 30 s steps from now.
  static std::string Code(const std::string& secret, int offset_steps = 0) {
    char* raw = nullptr;
    size_t len = 0;
    EXPECT_EQ(oath_base32_decode(secret.data(), secret.size(), &raw, &len), OATH_OK);
    char otp[7] = {};
    EXPECT_EQ(oath_totp_generate(raw, len, static_cast<time_t>(clock::NowSeconds() + 30 * offset_steps), 30, 0, 6, otp),
              OATH_OK);
    std::free(raw);
    return otp;
  }

  // Enrols `s`'s account in two-step sign-in; returns the secret.
  std::string EnrolTotp(const AppClient::Session& s) {
    auto e = client->Expect(200, s, "POST", "/api/v1/account/totp/enrol");
    EXPECT_TRUE(e.value("otpauth_uri", "").starts_with("otpauth://totp/esafe:")) << e.dump();
    const std::string secret = e.value("secret", "");
    client->Expect(200, s, "POST", "/api/v1/account/totp/confirm", {{"code", Code(secret)}});
    return secret;
  }

  ::esafe::testing::TestDatabase tdb;
  std::unique_ptr<App> app;
  std::unique_ptr<AppClient> client;
};

TEST_F(AccountRoutes, ADisabledAccountCannotSignInAndItsSessionsEndAtOnce) {
  auto admin = SignIn("admin");
  auto officer = SignIn("library.eslo");
  client->Expect(200, officer, "GET", "/api/v1/session");

  auto done = client->Expect(200, admin, "POST", AccountPath("library.eslo", "/disable"));
  EXPECT_EQ(done["disabled"], true);
  EXPECT_EQ(client->As(officer, "GET", "/api/v1/session").status, 401);
  auto refused = SignInFails("library.eslo", kPassword);
  EXPECT_EQ(refused.status, 401);
  EXPECT_NE(refused.body.find("wrong username or password"), std::string::npos) << refused.body;
  EXPECT_EQ(AccountListed(admin, "library.eslo")["disabled"], true);

  // Not yourself, nor the last enabled administrator.
  auto self = client->Expect(400, admin, "POST", AccountPath("admin", "/disable"));
  EXPECT_NE(self.value("error", "").find("your own account"), std::string::npos) << self.dump();
  auto last = access::SetAccountDisabled(tdb.db(), nullptr, IdOf("admin"), true);
  ASSERT_FALSE(last.ok());
  EXPECT_NE(last.error().message.find("last enabled administrator"), std::string::npos) << last.error().message;

  client->Expect(200, admin, "POST", AccountPath("library.eslo", "/enable"));
  SignIn("library.eslo");
  // Both are in the audit trail.
  auto audit = client->Expect(200, admin, "GET", "/api/v1/audit-events?entity=account&entity_id=" +
                                                     std::to_string(IdOf("library.eslo")));
  std::string actions;
  for (const auto& e : audit) actions += e["action"].get<std::string>() + " ";
  EXPECT_NE(actions.find("disable"), std::string::npos) << actions;
  EXPECT_NE(actions.find("enable"), std::string::npos) << actions;
}

TEST_F(AccountRoutes, OnlyThePartnershipAdministratorManagesAccounts) {
  const std::string admin_id = std::to_string(IdOf("admin"));
  for (const char* who : {"library.eslo", "lead", "board"}) {
    auto s = SignIn(who);
    SCOPED_TRACE(who);
    client->Expect(403, s, "GET", "/api/v1/accounts");
    client->Expect(403, s, "POST", "/api/v1/accounts",
                   {{"username", "new.one"}, {"display_name", "New"}, {"password", "a long password 9"},
                    {"role", "partnership_admin"}});
    client->Expect(403, s, "POST", AccountPath("riverside.eslo", "/disable"));
    client->Expect(403, s, "POST", AccountPath("riverside.eslo", "/password-reset"));
    client->Expect(403, s, "POST", AccountPath("riverside.eslo", "/totp-reset"));
    client->Expect(403, s, "POST", AccountPath("riverside.eslo", "/unlock"));
    client->Expect(403, s, "GET", AccountPath("admin", "/sessions"));
    client->Expect(403, s, "DELETE", AccountPath("admin", "/sessions"));
  }
  SignIn("riverside.eslo");  // still enabled
}

TEST_F(AccountRoutes, APasswordResetMustBeChangedBeforeAnythingElse) {
  auto admin = SignIn("admin");
  auto old_session = SignIn("library.eslo");
  auto reset = client->Expect(200, admin, "POST", AccountPath("library.eslo", "/password-reset"));
  const std::string temporary = reset.value("temporary_password", "");
  ASSERT_GE(temporary.size(), 16u);
  EXPECT_EQ(client->As(old_session, "GET", "/api/v1/session").status, 401);
  EXPECT_EQ(SignInFails("library.eslo", kPassword).status, 401);

  auto s = SignIn("library.eslo", temporary);
  EXPECT_EQ(client->Expect(200, s, "GET", "/api/v1/session")["user"]["setup"], "change_password");
  auto blocked = client->Expect(403, s, "GET", "/api/v1/agencies");
  EXPECT_NE(blocked.value("error", "").find("change your temporary password"), std::string::npos) << blocked.dump();

  client->Expect(400, s, "POST", "/api/v1/account/password",
                 {{"current_password", "not the password"}, {"password", "my own new password"}});
  client->Expect(400, s, "POST", "/api/v1/account/password", {{"current_password", temporary}, {"password", "short"}});
  client->Expect(204, s, "POST", "/api/v1/account/password",
                 {{"current_password", temporary}, {"password", "my own new password"}});
  client->Expect(200, s, "GET", "/api/v1/agencies");
  EXPECT_EQ(client->Expect(200, s, "GET", "/api/v1/session")["user"]["setup"], "none");
  EXPECT_EQ(SignInFails("library.eslo", temporary).status, 401);
  SignIn("library.eslo", "my own new password");
}

TEST_F(AccountRoutes, SessionsAreListedWithoutTokensAndCanBeEnded) {
  auto admin = SignIn("admin");
  auto first = SignIn("library.eslo");
  auto second = SignIn("library.eslo");
  auto r = client->As(admin, "GET", AccountPath("library.eslo", "/sessions"));
  ASSERT_EQ(r.status, 200) << r.body;
  for (const auto& s : {first, second}) {
    const std::string token = s.cookie.substr(s.cookie.find('=') + 1);
    EXPECT_EQ(r.body.find(token), std::string::npos) << "a session token is listed";
    EXPECT_EQ(r.body.find(s.csrf), std::string::npos) << "a CSRF token is listed";
  }
  auto listed = Json::parse(r.body);
  ASSERT_EQ(listed.size(), 2u) << r.body;
  EXPECT_EQ(listed[0]["user_agent"], "TestBrowser/1.0");
  EXPECT_EQ(listed[0]["ip"], "127.0.0.1");

  // The owner sees their own, the one they are using marked; another's are not theirs.
  auto own = client->Expect(200, second, "GET", "/api/v1/account/sessions");
  ASSERT_EQ(own.size(), 2u);
  std::string current_id, other_id;
  for (const auto& s : own) (s["current"] == true ? current_id : other_id) = s["id"];
  ASSERT_FALSE(current_id.empty());
  ASSERT_FALSE(other_id.empty());
  client->Expect(403, second, "GET", AccountPath("admin", "/sessions"));
  client->Expect(404, second, "DELETE", "/api/v1/account/sessions/no-such-session");

  // The owner ends the other session: its cookie no longer works, theirs does.
  EXPECT_EQ(client->Expect(200, second, "DELETE", "/api/v1/account/sessions/" + other_id)["ended"], 1);
  EXPECT_EQ(client->As(first, "GET", "/api/v1/session").status, 401);
  client->Expect(200, second, "GET", "/api/v1/session");

  // The administrator ends one by id, then all.
  auto third = SignIn("library.eslo");
  client->Expect(200, admin, "DELETE", AccountPath("library.eslo", "/sessions/" + current_id));
  EXPECT_EQ(client->As(second, "GET", "/api/v1/session").status, 401);
  client->Expect(200, third, "GET", "/api/v1/session");
  EXPECT_EQ(client->Expect(200, admin, "DELETE", AccountPath("library.eslo", "/sessions"))["ended"], 1);
  EXPECT_EQ(client->As(third, "GET", "/api/v1/session").status, 401);
}

TEST_F(AccountRoutes, TwoStepSignInNeedsAFreshRightCodeAndAWrongOneIsAFailure) {
  auto officer = SignIn("library.eslo");
  auto enrol = client->Expect(200, officer, "POST", "/api/v1/account/totp/enrol");
  const std::string secret = enrol["secret"];
  EXPECT_NE(enrol["otpauth_uri"].get<std::string>().find("secret=" + secret), std::string::npos);
  client->Expect(400, officer, "POST", "/api/v1/account/totp/confirm", {{"code", "12345"}});
  const std::string confirm_code = Code(secret);
  const std::string wrong = confirm_code == "000000" ? "111111" : "000000";
  client->Expect(400, officer, "POST", "/api/v1/account/totp/confirm", {{"code", wrong}});
  client->Expect(200, officer, "POST", "/api/v1/account/totp/confirm", {{"code", confirm_code}});
  EXPECT_EQ(client->Expect(200, officer, "GET", "/api/v1/session")["user"]["totp_enabled"], true);

  // The password alone is asked for a code, and that is not a failure.
  auto asked = SignInFails("library.eslo", kPassword);
  EXPECT_EQ(asked.status, 401);
  EXPECT_EQ(Json::parse(asked.body)["field"], "totp") << asked.body;
  auto admin = SignIn("admin");
  EXPECT_EQ(AccountListed(admin, "library.eslo")["failed_sign_ins"], 0);
  EXPECT_EQ(AccountListed(admin, "library.eslo")["totp_enabled"], true);

  // A wrong code is a failure, counted by the sign-in throttle.
  EXPECT_EQ(SignInFails("library.eslo", kPassword, wrong).status, 401);
  EXPECT_EQ(AccountListed(admin, "library.eslo")["failed_sign_ins"], 1);
  // A wrong password with the right code is still refused.
  EXPECT_EQ(SignInFails("library.eslo", "not the password", Code(secret, 1)).status, 401);

  // The code used to confirm cannot sign in; the next one can, once.
  EXPECT_EQ(SignInFails("library.eslo", kPassword, confirm_code).status, 401);
  const std::string next = Code(secret, 1);
  SignIn("library.eslo", kPassword, next);
  auto replay = SignInFails("library.eslo", kPassword, next);
  EXPECT_EQ(replay.status, 401);
  EXPECT_NE(replay.body.find("already used"), std::string::npos) << replay.body;

  // The administrator resets it (a lost phone): the password alone signs in again.
  client->Expect(200, admin, "POST", AccountPath("library.eslo", "/totp-reset"));
  EXPECT_EQ(AccountListed(admin, "library.eslo")["totp_enabled"], false);
  SignIn("library.eslo");
}

TEST_F(AccountRoutes, TwoStepSignInIsRequiredOfAdministratorsLeadsAndDisclosureHandlersOnly) {
  AppOptions options;
  options.login_policy.require_totp = true;
  Open(options);
  // library.eslo handles a disclosure request; riverside.eslo, an officer too, does not.
  const int64_t handler = IdOf("library.eslo");
  ASSERT_TRUE(tdb.db()
                  .Transaction<bool>([&](store::Connection& c) -> Result<bool> {
                    auto id = c.QueryOne(
                        "INSERT INTO disclosure_requests (agency_id, requesting_body, investigating_officer, "
                        "authorising_officer, notice_reference, requested_data, received_on, deadline, created_by, "
                        "created_at, updated_at) SELECT agency_id, 'Police', 'DC A', 'DI B', 'N1', 'logs', "
                        "'2026-01-01', '2026-01-08', id, '2026-01-01', '2026-01-01' FROM users WHERE username = "
                        "'library.eslo' RETURNING id",
                        {}, "request");
                    if (!id.ok()) return id.error();
                    ESAFE_TRY(c.Execute("INSERT INTO disclosure_handlers (request_id, user_id) VALUES (?, ?)",
                                        {id->Int("id"), handler}));
                    return true;
                  })
                  .ok());

  for (const char* who : {"admin", "lead", "library.eslo"}) {
    SCOPED_TRACE(who);
    auto s = SignIn(who);
    EXPECT_EQ(client->Expect(200, s, "GET", "/api/v1/session")["user"]["setup"], "enrol_totp");
    auto refused = client->Expect(403, s, "GET", "/api/v1/agencies");
    EXPECT_NE(refused.value("error", "").find("set up two-step sign-in first"), std::string::npos) << refused.dump();
    client->Expect(403, s, "GET", "/api/v1/incidents");
    const std::string secret = EnrolTotp(s);
    client->Expect(200, s, "GET", "/api/v1/agencies");  // the same session, now enrolled
    SignIn(who, kPassword, Code(secret, 1));
  }
  auto staff = SignIn("riverside.eslo");
  EXPECT_EQ(client->Expect(200, staff, "GET", "/api/v1/session")["user"]["setup"], "none");
  client->Expect(200, staff, "GET", "/api/v1/agencies");
}

TEST_F(AccountRoutes, DemoAccountsSignInOnlyWhileTheServerRunsAsADemo) {
  auto admin = SignIn("admin");
  client->Expect(201, admin, "POST", "/api/v1/accounts",
                 {{"username", "real.admin"}, {"display_name", "Real administrator"},
                  {"password", "a long real password"}, {"role", "partnership_admin"}});
  EXPECT_EQ(AccountListed(admin, "admin")["demo"], true);
  EXPECT_EQ(AccountListed(admin, "real.admin")["demo"], false);

  // `esafe serve` without --demo.
  EXPECT_EQ(access::SetDemoAccountsActive(tdb.db(), false).value(), 5);
  EXPECT_EQ(access::SetDemoAccountsActive(tdb.db(), false).value(), 0);
  EXPECT_EQ(client->As(admin, "GET", "/api/v1/session").status, 401);
  EXPECT_EQ(SignInFails("admin", kPassword).status, 401);
  EXPECT_EQ(SignInFails("library.eslo", kPassword).status, 401);
  auto real = SignIn("real.admin", "a long real password");
  EXPECT_EQ(AccountListed(real, "admin")["demo_suspended"], true);

  // With --demo again.
  EXPECT_EQ(access::SetDemoAccountsActive(tdb.db(), true).value(), 5);
  SignIn("admin");
  SignIn("library.eslo");
}

TEST_F(AccountRoutes, BadInputIsRefusedNamingTheField) {
  auto s = SignIn("library.eslo");
  EXPECT_EQ(client->Expect(400, s, "POST", "/api/v1/account/password", {{"password", "a new password 1"}})["field"],
            "current_password");
  EXPECT_EQ(client->Expect(400, s, "POST", "/api/v1/account/password",
                           {{"current_password", kPassword}, {"password", "x new password"}, {"extra", 1}})["field"],
            "extra");
  EXPECT_EQ(client->Expect(400, s, "POST", "/api/v1/account/totp/confirm", {{"code", "123456"}})["field"], "code");
  EXPECT_EQ(client->Expect(400, s, "POST", "/api/v1/account/totp/confirm", {{"code", 123456}})["field"], "code");
  auto admin = SignIn("admin");
  client->Expect(404, admin, "POST", "/api/v1/accounts/999999/disable");
  client->Expect(400, admin, "POST", "/api/v1/accounts/x/password-reset");
  auto r = client->Send("POST", "/api/v1/session",
                        Json{{"username", "library.eslo"}, {"password", kPassword}, {"totp", 5}}.dump(), {});
  EXPECT_EQ(r.status, 400) << r.body;
}

}  // namespace
}  // namespace esafe::web
