#include <sodium.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "access/access.h"
#include "access/internal.h"
#include "core/clock.h"
#include "core/text.h"

namespace esafe::access {

std::string internal::RandomToken() {
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  char out[sodium_base64_ENCODED_LEN(sizeof bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(out, sizeof out, bytes, sizeof bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return out;
}

namespace {

using internal::RandomToken;

// Only a hash of the session token is stored, so a copy of the database does
// not hand out live sessions.
std::string TokenHash(std::string_view token) {
  unsigned char digest[32];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(token.data()), token.size(),
                     nullptr, 0);
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

// The columns a session's principal is read from, beyond users.*: whether the account
// handles a disclosure request (plan's register), which makes two-step sign-in required.
constexpr const char* kHandlerColumn =
    "(SELECT COUNT(*) FROM disclosure_handlers h WHERE h.user_id = u.id) AS handles_disclosures";

// Administrators and leads see every agency's records, and disclosure handlers the
// register of RIPA requests: a password alone is not enough for them (ASVS L2).
bool TwoStepRequired(const store::Row& r) {
  const Role role = ParseRole(r.Text("role")).value_or(Role::kAgencyStaff);
  return role == Role::kPartnershipAdmin || role == Role::kPartnershipLead || r.Int("handles_disclosures") > 0;
}

Principal::Setup SetupFor(const store::Row& r, const LoginPolicy& policy) {
  if (r.Int("must_change_password") != 0) return Principal::Setup::kChangePassword;
  if (policy.require_totp && r.IsNull("totp_secret") && TwoStepRequired(r)) return Principal::Setup::kEnrolTotp;
  return Principal::Setup::kNone;
}

bool MaySignIn(const store::Row& r) { return r.Int("disabled") == 0 && r.Int("demo_suspended") == 0; }

Principal PrincipalFromRow(const store::Row& r, const std::string& ip, const LoginPolicy& policy) {
  Principal p;
  p.user_id = r.Int("id");
  p.username = r.Text("username");
  p.display_name = r.Text("display_name");
  p.role = ParseRole(r.Text("role")).value_or(Role::kAgencyStaff);
  if (!r.IsNull("agency_id")) p.agency_id = r.Int("agency_id");
  p.ip = ip;
  p.setup = SetupFor(r, policy);
  p.totp_enabled = !r.IsNull("totp_secret");
  return p;
}

// A hash to verify against when the username is unknown, so that a wrong
// username takes as long as a wrong password and usernames cannot be probed.
const std::string& DummyHash() {
  static const std::string hash = HashPassword("esafe-no-such-user-password").value();
  return hash;
}

}  // namespace

Result<Session> Login(store::Database& db, std::string_view username, std::string_view password,
                      const std::string& ip, const LoginPolicy& policy) {
  return Login(db, LoginRequest{.username = username, .password = password}, ip, policy);
}

Result<Session> Login(store::Database& db, const LoginRequest& request, const std::string& ip,
                      const LoginPolicy& policy) {
  const std::string_view password = request.password;
  std::string username = text::Lower(text::Trim(request.username));
  if (username.empty() || username.size() > 64 || !text::IsValidUtf8(username)) {
    return Error::Unauthenticated("wrong username or password");
  }
  int64_t now = clock::NowSeconds();
  int64_t since = now - policy.window_seconds;

  // Throttling is decided, and the attempt recorded, before the password is looked at,
  // in one write transaction: parallel guesses queue here, so each one that is checked
  // has been counted (40 at once are not 40 checks against a limit of 5).
  auto reserved = db.Transaction<int64_t>([&](store::Connection& c) -> Result<int64_t> {
    if (c.dialect() == store::Dialect::kPostgres)
      ESAFE_TRY(c.Query("SELECT pg_advisory_xact_lock(hashtext('esafe-login'))"));
    // How long this scope must still wait: none below the limit, then 1 s, 2 s, 4 s, …
    // after its last failure, at most the window. Times are whole seconds, so the wait
    // counts from the end of the failure's second: never less than the delay.
    auto wait = [&](const store::Row& r, int limit) -> int64_t {
      const int64_t n = r.Int("n");
      if (n < limit) return 0;
      const int64_t delay = std::min<int64_t>(int64_t{1} << std::min<int64_t>(n - limit, 20), policy.window_seconds);
      return std::max<int64_t>(0, r.Int("last") + 1 + delay - now);
    };
    // Failures count from the scope's last success on; attempts are ordered by id
    // because several can share one second.
    auto pair = c.QueryOne(
        "SELECT COUNT(*) AS n, COALESCE(MAX(at), 0) AS last FROM login_attempts WHERE username = ? AND ip = ? AND "
        "succeeded = 0 AND at >= ? AND id > (SELECT COALESCE(MAX(id), 0) FROM login_attempts WHERE username = ? "
        "AND ip = ? AND succeeded = 1)",
        {username, ip, since, username, ip}, "attempts");
    if (!pair.ok()) return pair.error();
    auto by_ip = c.QueryOne(
        "SELECT COUNT(*) AS n, COALESCE(MAX(at), 0) AS last FROM login_attempts WHERE ip = ? AND succeeded = 0 "
        "AND at >= ?",
        {ip, since}, "attempts");
    if (!by_ip.ok()) return by_ip.error();
    int64_t remaining = std::max(wait(*pair, policy.max_failures), wait(*by_ip, policy.max_failures_per_ip));
    auto usual = c.Query("SELECT 1 AS yes FROM login_attempts WHERE username = ? AND ip = ? AND succeeded = 1 AND "
                         "at >= ? LIMIT 1",
                         {username, ip, now - policy.usual_address_days * 86400});
    if (!usual.ok()) return usual.error();
    if (usual->empty()) {
      auto by_account = c.QueryOne(
          "SELECT COUNT(*) AS n, COALESCE(MAX(at), 0) AS last FROM login_attempts WHERE username = ? AND "
          "succeeded = 0 AND at >= ? AND id > (SELECT COALESCE(MAX(id), 0) FROM login_attempts WHERE username = ? "
          "AND succeeded = 1)",
          {username, since, username}, "attempts");
      if (!by_account.ok()) return by_account.error();
      remaining = std::max(remaining, wait(*by_account, policy.max_failures_per_account));
    }
    if (remaining > 0) return Error::Throttled("", remaining);
    auto id = c.QueryOne("INSERT INTO login_attempts (username, ip, at, succeeded) VALUES (?, ?, ?, 0) RETURNING id",
                         {username, ip, now}, "attempt");
    if (!id.ok()) return id.error();
    return id->Int("id");
  });
  if (!reserved.ok()) {
    if (reserved.error().kind != ErrorKind::kThrottled) return reserved.error();
    // Refused attempts are not failures (waiting must always work), and go to the
    // server's log rather than the audit trail, which a guesser could otherwise flood.
    const int64_t retry = reserved.error().retry_after_seconds;
    spdlog::warn("sign-in for {} from {} refused: too many recent failures (retry in {} s)", username, ip, retry);
    return Error::Throttled(fmt::format("too many failed attempts; try again in {}, or ask an administrator to "
                                        "unlock the account",
                                        retry < 120 ? fmt::format("{} seconds", retry)
                                                    : fmt::format("{} minutes", (retry + 59) / 60)),
                            retry);
  }
  const int64_t attempt_id = *reserved;

  auto record_failure = [&](std::string_view why) -> Result<void> {
    return db.Transaction<bool>([&](store::Connection& c) -> Result<bool> {
             ESAFE_TRY(RecordAudit(c, nullptr, "login_failed", "account", std::nullopt,
                                   fmt::format("{} from {}: {}", username, ip, why)));
             return true;
           }).ok()
               ? Ok()
               : Result<void>(Error::Internal("could not record a failed login"));
  };

  auto user = db.Read<std::optional<store::Row>>([&](store::Connection& c) -> Result<std::optional<store::Row>> {
    auto rows = c.Query(fmt::format("SELECT u.*, {} FROM users u WHERE lower(u.username) = ?", kHandlerColumn),
                        {username});
    if (!rows.ok()) return rows.error();
    if (rows->empty()) return std::optional<store::Row>();
    return std::optional<store::Row>(rows->front());
  });
  if (!user.ok()) return user.error();

  bool good = false;
  if (user->has_value()) {
    // A disabled account gets the wrong-password answer: telling a leaver (or whoever has
    // their password) that the password is right but the account is off confirms a
    // password they may use elsewhere. The administrator sees the account disabled.
    good = VerifyPassword((*user)->Text("password_hash"), password) && MaySignIn(**user);
  } else {
    (void)VerifyPassword(DummyHash(), password);
  }
  if (!good) {
    ESAFE_TRY(record_failure("wrong username or password"));
    return Error::Unauthenticated("wrong username or password");
  }

  const int64_t user_id = (*user)->Int("id");
  if (!(*user)->IsNull("totp_secret")) {
    if (request.totp.empty()) {
      // Asking for the code is not a failure: the attempt is withdrawn, so signing in in
      // two steps does not use up the address's allowance.
      ESAFE_TRY(db.Transaction<int64_t>([&](store::Connection& c) {
        return c.Execute("DELETE FROM login_attempts WHERE id = ?", {attempt_id});
      }));
      Error e = Error::Unauthenticated("enter the 6-digit code from your authenticator app");
      e.field = "totp";
      return e;
    }
    auto accepted = db.Transaction<bool>([&](store::Connection& c) -> Result<bool> {
      ESAFE_TRY(internal::AcceptTotpCode(c, user_id, (*user)->Text("totp_secret"), request.totp));
      return true;
    });
    if (!accepted.ok()) {
      if (accepted.error().kind != ErrorKind::kInvalid) return accepted.error();
      ESAFE_TRY(record_failure("wrong or reused two-step code"));
      Error e = Error::Unauthenticated("wrong or already used code; wait for the next one and try again");
      e.field = "totp";
      return e;
    }
  }

  Session s;
  s.id = RandomToken().substr(0, 24);
  s.token = RandomToken();
  s.csrf_token = RandomToken();
  s.expires_at = now + policy.session_idle_seconds;
  s.principal = PrincipalFromRow(**user, ip, policy);
  const std::string user_agent(text::IsValidUtf8(request.user_agent) ? request.user_agent.substr(0, 300) : "");
  auto opened = db.Transaction<bool>([&](store::Connection& c) -> Result<bool> {
    ESAFE_TRY(c.Execute("UPDATE login_attempts SET succeeded = 1 WHERE id = ?", {attempt_id}));
    ESAFE_TRY(c.Execute("DELETE FROM sessions WHERE expires_at < ?", {now}));
    ESAFE_TRY(c.Execute(
        "INSERT INTO sessions (token_hash, public_id, user_id, csrf_token, ip, user_agent, created_at, last_seen, "
        "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {TokenHash(s.token), s.id, s.principal.user_id, s.csrf_token, ip, user_agent, now, now, s.expires_at}));
    ESAFE_TRY(c.Execute("UPDATE users SET last_login_at = ? WHERE id = ?", {clock::NowIso8601(), user_id}));
    ESAFE_TRY(RecordAudit(c, &s.principal, "login", "account", s.principal.user_id, "signed in"));
    return true;
  });
  if (!opened.ok()) return opened.error();
  return s;
}

Result<int64_t> ClearLoginFailures(store::Database& db, const Principal* actor, int64_t user_id) {
  ESAFE_TRY(internal::RequireAdministrator(actor));
  return db.Transaction<int64_t>([&](store::Connection& c) -> Result<int64_t> {
    auto user = c.QueryOne("SELECT username FROM users WHERE id = ?", {user_id}, "account");
    if (!user.ok()) return user.error();
    const std::string username = text::Lower(user->Text("username"));
    auto cleared = c.Execute("DELETE FROM login_attempts WHERE username = ? AND succeeded = 0", {username});
    if (!cleared.ok()) return cleared.error();
    ESAFE_TRY(RecordAudit(c, actor, "login_unlocked", "account", user_id,
                          fmt::format("cleared {} failed sign-ins for {}", *cleared, username)));
    return *cleared;
  });
}

Result<Session> Authenticate(store::Database& db, std::string_view token, const std::string& ip,
                             const LoginPolicy& policy) {
  if (token.empty() || token.size() > 128) return Error::Unauthenticated("please sign in");
  int64_t now = clock::NowSeconds();
  // Checked in a read snapshot, so that a signed-in request does not wait behind a long
  // write (an import holds the one writer for its whole transaction); the session is
  // written only when it has ended or its idle expiry is due to move on.
  struct Checked {
    Session session;
    bool ended = false;
    bool touch = false;
  };
  auto checked = db.Read<Checked>([&](store::Connection& c) -> Result<Checked> {
    auto rows = c.Query(fmt::format("SELECT u.*, {}, s.public_id, s.csrf_token, s.created_at AS session_created, "
                                    "s.expires_at, s.last_seen FROM sessions s JOIN users u ON u.id = s.user_id "
                                    "WHERE s.token_hash = ?",
                                    kHandlerColumn),
                        {TokenHash(token)});
    if (!rows.ok()) return rows.error();
    if (rows->empty()) return Error::Unauthenticated("please sign in");
    const auto& r = rows->front();
    Checked out;
    if (r.Int("expires_at") < now || r.Int("session_created") + policy.session_max_seconds < now ||
        !MaySignIn(r)) {
      out.ended = true;
      return out;
    }
    Session& s = out.session;
    s.id = r.Text("public_id");
    s.token = std::string(token);
    s.csrf_token = r.Text("csrf_token");
    s.principal = PrincipalFromRow(r, ip, policy);
    // The idle expiry slides in steps of at most a minute (a tenth of the idle time when shorter).
    const int64_t step = std::min<int64_t>(60, policy.session_idle_seconds / 10);
    out.touch = now - r.Int("last_seen") >= step;
    s.expires_at = out.touch ? now + policy.session_idle_seconds : r.Int("expires_at");
    return out;
  });
  if (!checked.ok()) return checked.error();
  if (checked->ended) {
    auto removed = db.Transaction<int64_t>([&](store::Connection& c) {
      return c.Execute("DELETE FROM sessions WHERE token_hash = ?", {TokenHash(token)});
    });
    if (!removed.ok()) return removed.error();
    return Error::Unauthenticated("your session has ended; please sign in again");
  }
  if (checked->touch) {
    auto touched = db.Transaction<int64_t>([&](store::Connection& c) {
      return c.Execute("UPDATE sessions SET last_seen = ?, expires_at = ? WHERE token_hash = ?",
                       {now, checked->session.expires_at, TokenHash(token)});
    });
    if (!touched.ok()) return touched.error();
  }
  return std::move(checked->session);
}

Result<void> Logout(store::Database& db, std::string_view token) {
  auto r = db.Transaction<int64_t>([&](store::Connection& c) {
    return c.Execute("DELETE FROM sessions WHERE token_hash = ?", {TokenHash(token)});
  });
  if (!r.ok()) return r.error();
  return Ok();
}

namespace {

// Sessions are the owner's, and the administrator's to see and end.
Result<void> MayManageSessionsOf(const Principal& actor, int64_t user_id) {
  if (actor.user_id == user_id) return Ok();
  return internal::RequireAdministrator(&actor);
}

}  // namespace

Result<Json> ListSessions(store::Database& db, const Principal& actor, int64_t user_id,
                          std::string_view current_session_id) {
  ESAFE_TRY(MayManageSessionsOf(actor, user_id));
  const int64_t now = clock::NowSeconds();
  return db.Read<Json>([&](store::Connection& c) -> Result<Json> {
    ESAFE_TRY(c.QueryOne("SELECT id FROM users WHERE id = ?", {user_id}, "account"));
    auto rows = c.Query(
        "SELECT public_id, ip, user_agent, created_at, last_seen, expires_at FROM sessions "
        "WHERE user_id = ? AND expires_at >= ? ORDER BY last_seen DESC",
        {user_id, now});
    if (!rows.ok()) return rows.error();
    Json out = Json::array();
    for (const auto& r : *rows) {
      out.push_back({{"id", r.Text("public_id")},
                     {"created_at", clock::Iso8601(r.Int("created_at"))},
                     {"last_seen", clock::Iso8601(r.Int("last_seen"))},
                     {"expires_at", clock::Iso8601(r.Int("expires_at"))},
                     {"ip", r.IsNull("ip") ? Json(nullptr) : Json(r.Text("ip"))},
                     {"user_agent", r.IsNull("user_agent") ? Json(nullptr) : Json(r.Text("user_agent"))},
                     {"current", !current_session_id.empty() && r.Text("public_id") == current_session_id}});
    }
    return out;
  });
}

Result<int64_t> RevokeSessions(store::Database& db, const Principal& actor, int64_t user_id,
                               std::string_view session_id) {
  ESAFE_TRY(MayManageSessionsOf(actor, user_id));
  return db.Transaction<int64_t>([&](store::Connection& c) -> Result<int64_t> {
    auto user = c.QueryOne("SELECT username FROM users WHERE id = ?", {user_id}, "account");
    if (!user.ok()) return user.error();
    Result<int64_t> ended = session_id.empty()
                                ? internal::EndAccountSessions(c, user_id)
                                : c.Execute("DELETE FROM sessions WHERE user_id = ? AND public_id = ?",
                                            {user_id, std::string(session_id)});
    if (!ended.ok()) return ended.error();
    if (!session_id.empty() && *ended == 0) return Error::NotFound("no such session of this account");
    ESAFE_TRY(RecordAudit(c, &actor, "session_revoke", "account", user_id,
                          fmt::format("ended {} sessions of {}", *ended, user->Text("username"))));
    return *ended;
  });
}

bool CsrfTokenMatches(const Session& session, std::string_view given) {
  if (given.size() != session.csrf_token.size() || given.empty()) return false;
  return sodium_memcmp(given.data(), session.csrf_token.data(), given.size()) == 0;
}

}  // namespace esafe::access
