// access: accounts, roles scoped to an agency, sessions, login throttling and
// the audit trail of who read or changed what.
//
// Every function that touches the database takes the store::Database (or a
// Connection inside the caller's transaction) and is safe to call from many
// threads. Secrets never leave this capability in clear except the session
// and CSRF tokens handed once to the client that logged in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/record_schema.h"
#include "core/result.h"
#include "store/database.h"
#include "store/keyset.h"

namespace esafe::access {

enum class Role {
  kPartnershipAdmin,  // runs the system: accounts, audit trail, everything
  kPartnershipLead,   // the partnership e-safety lead: every agency's records
  kAgencyOfficer,     // an agency's e-safety officer (ESLO): own agency, read and write
  kAgencyStaff,       // any member of staff: own agency, reads what staff need
  kBoardMember,       // aggregates only; never a person's record
  kAuditor,           // read-only; partnership-wide unless tied to an agency
};

// "partnership_admin", "partnership_lead", "agency_officer", "agency_staff",
// "board_member", "auditor".
std::string_view RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);
const std::vector<std::string>& RoleNames();

// Who is asking: the account behind a request, with where it came from.
struct Principal {
  int64_t user_id = 0;
  std::string username;
  std::string display_name;
  Role role = Role::kAgencyStaff;
  std::optional<int64_t> agency_id;  // set for agency-scoped roles
  std::string ip;
  // What this account must do before anything else: a session opened by a reset
  // password may only change it; one of an account that needs two-step sign-in and has
  // none may only set it up. Every other route answers 403 (web/app.cc).
  enum class Setup { kNone, kChangePassword, kEnrolTotp };
  Setup setup = Setup::kNone;
  bool totp_enabled = false;  // signs in with a code as well as the password

  // True when the role sees every agency (subject to what the role may read at all).
  bool SeesAllAgencies() const;
  // May read the records of `agency_id` (directory records: sites, register, people).
  bool CanReadAgency(int64_t agency_id) const;
  // May create, change or delete the records of `agency_id`.
  bool CanWriteAgency(int64_t agency_id) const;
  // May create or delete agencies themselves and manage partnership-wide data.
  bool IsPartnershipManager() const;
  // May read records about individual people (board members may not).
  bool CanReadPeople() const;
};

// ---- Passwords (Argon2id via libsodium) ----

// Checks the password rules: 10 to 256 characters, not all one character.
Result<void> CheckPasswordRules(std::string_view password);
// An Argon2id hash string (libsodium's encoded format, salt included).
Result<std::string> HashPassword(std::string_view password);
// True when `password` matches `hash`.
bool VerifyPassword(const std::string& hash, std::string_view password);

// ---- Accounts ----

struct NewAccount {
  std::string username;
  std::string display_name;
  std::string password;
  // An Argon2id string already computed from `password` (the demo partnership's accounts
  // share one password); empty: `password` is checked and hashed here.
  std::string password_hash;
  Role role = Role::kAgencyStaff;
  std::optional<int64_t> agency_id;
  // Made by --demo: suspended whenever the server runs without --demo.
  bool demo = false;
};

// The account record as the API shows it (never the password hash).
const RecordSchema& AccountSchema();

// Creates an account. Agency roles need an existing agency; partnership roles
// must not have one. `actor` is recorded in the audit trail (nullptr: the
// command line, recorded as "system"). Returns the new account's id; Conflict
// when the username is taken.
Result<int64_t> AddAccount(store::Database& db, const NewAccount& account, const Principal* actor);

// Every account, with whether it is disabled, demo, has two-step sign-in, its last
// sign-in and its recent failed sign-ins. kForbidden unless `actor` is a partnership
// administrator.
Result<Json> ListAccounts(store::Database& db, const Principal& actor);

// Only partnership administrators manage accounts. Each function below that takes
// `const Principal* actor` answers kForbidden for any other role (nullptr: the command
// line, run by the operator, recorded as "system"), kNotFound for an unknown account,
// and records what it did in the audit trail in the same transaction.

// Disables (every session of the account ends at once) or enables the account.
// kInvalid when an administrator disables themselves or the last enabled administrator.
Result<void> SetAccountDisabled(store::Database& db, const Principal* actor, int64_t user_id, bool disabled);

// Gives the account a new random one-time password, returned once and never stored in
// clear; it must be changed at the next sign-in (the session can do nothing else until
// then). Every session of the account ends.
Result<std::string> ResetPassword(store::Database& db, const Principal* actor, int64_t user_id);

// Changes the signed-in person's own password after checking the current one
// (kInvalid naming "current_password" when wrong). Ends their other sessions, keeps
// `keep_session_id`, and lifts a reset's must-change.
Result<void> ChangeOwnPassword(store::Database& db, const Principal& self, std::string_view current_password,
                               std::string_view new_password, std::string_view keep_session_id);

// The account id for a sign-in name (case-insensitive); kNotFound naming it otherwise.
Result<int64_t> AccountIdByUsername(store::Database& db, std::string_view username);

// ---- Sessions of an account ----

// The account's live sessions: public id, created, last seen, expires, address, user
// agent, and whether it is `current_session_id`; never the token. The account's owner or
// a partnership administrator; kForbidden (others) or kNotFound.
Result<Json> ListSessions(store::Database& db, const Principal& actor, int64_t user_id,
                          std::string_view current_session_id = {});

// Ends one session of the account by its public id (kNotFound when it is not one of the
// account's), or all of them when `session_id` is empty; the owner or an administrator;
// audited. Answers how many ended.
Result<int64_t> RevokeSessions(store::Database& db, const Principal& actor, int64_t user_id,
                               std::string_view session_id);

// ---- Two-step sign-in (TOTP, RFC 6238: 6 digits, 30 s steps, HMAC-SHA-1, one step of
// clock drift either way; a code once accepted is never accepted again) ----

struct TotpEnrolment {
  std::string secret_base32;  // for typing into an authenticator app
  std::string otpauth_uri;    // otpauth://totp/esafe:USERNAME?secret=…&issuer=esafe
};

// A new secret for the signed-in person, pending until ConfirmTotp; an earlier one stays
// in force until then. The secret is stored in the database as it is (no field encryption).
Result<TotpEnrolment> BeginTotpEnrolment(store::Database& db, const Principal& self);

// Switches two-step sign-in on with the pending secret when `code` is right for it;
// kInvalid naming "code" otherwise, or when there is nothing pending. Audited.
Result<void> ConfirmTotp(store::Database& db, const Principal& self, std::string_view code);

// Switches the account's two-step sign-in off (administrators; audited) and ends its
// sessions: the owner signs in with the password and, if required, sets it up again.
Result<void> ResetTotp(store::Database& db, const Principal* actor, int64_t user_id);

// ---- Demo accounts ----

// Suspends (`demo_mode` false) or lifts the suspension of (`demo_mode` true) every
// account made by --demo; suspending ends their sessions. Answers how many changed.
Result<int64_t> SetDemoAccountsActive(store::Database& db, bool demo_mode);

// How many accounts --demo made, and how many of them can sign in now (neither
// disabled nor suspended). Reads only, on `c` (a read-only connection will do).
struct DemoAccountCounts {
  int64_t present = 0;
  int64_t can_sign_in = 0;
};
Result<DemoAccountCounts> CountDemoAccounts(store::Connection& c);

// ---- Sessions and login ----

struct Session {
  std::string id;          // the public id: names the session in lists, never signs in
  std::string token;       // goes in the HttpOnly cookie; only its hash is stored
  std::string csrf_token;  // sent back by the client in X-CSRF-Token on every change
  int64_t expires_at = 0;
  Principal principal;
};

// Failed sign-ins slow the guesser, not the account's owner. Past each limit, the next
// attempt from that scope must wait 1 s, then 2, 4, … (at most the window) after the
// last failure; refused attempts are not failures, so waiting always works.
//  - per (account, address): max_failures — a guesser at one address;
//  - per address, across accounts: max_failures_per_ip — one address trying many;
//  - per account, across addresses: max_failures_per_account, applied only at addresses
//    the account has not signed in from lately, so that guesses from elsewhere never
//    keep the owner out from their usual computer.
struct LoginPolicy {
  int max_failures = 5;                // per (account, address)
  int max_failures_per_ip = 30;        // from one address, across usernames
  int max_failures_per_account = 20;   // across addresses, at addresses the account does not use
  int64_t usual_address_days = 90;     // a success from an address within this makes it usual
  int64_t window_seconds = 15 * 60;    // how far back failures count
  int64_t session_idle_seconds = 30 * 60;
  int64_t session_max_seconds = 12 * 3600;
  // Partnership administrators and leads, and disclosure request handlers, must use
  // two-step sign-in: without it, their sessions may only set it up. Off here (tests,
  // --demo); `esafe serve` turns it on unless told otherwise.
  bool require_totp = false;
};

// What a sign-in sends: the password, and the code from the authenticator app once the
// account has two-step sign-in; the browser's User-Agent is kept with the session.
struct LoginRequest {
  std::string_view username;
  std::string_view password;
  std::string_view totp;        // empty: none given
  std::string_view user_agent;  // may be empty
};

// Checks the username and password and opens a session. Unauthenticated for a
// wrong username or password (the same message for both, and for a disabled or
// suspended account); Throttled, without checking the password, once too many attempts
// have failed recently. When the account has two-step sign-in, a right password without
// a code answers Unauthenticated naming the field "totp" (not counted as a failure); a
// wrong or replayed code is a failure like a wrong password. Every attempt is recorded,
// and logins appear in the audit trail.
Result<Session> Login(store::Database& db, const LoginRequest& request, const std::string& ip,
                      const LoginPolicy& policy = {});
Result<Session> Login(store::Database& db, std::string_view username, std::string_view password,
                      const std::string& ip, const LoginPolicy& policy = {});

// The session for `token`, extending its idle timeout; Unauthenticated when it
// is unknown, expired or its account disabled.
Result<Session> Authenticate(store::Database& db, std::string_view token, const std::string& ip,
                             const LoginPolicy& policy = {});

// Clears the failed sign-ins that throttle account `user_id` (an administrator unlocking
// it), from every address; audited. Answers how many were cleared. kForbidden unless
// `actor` is a partnership administrator (nullptr: the CLI, run by the operator);
// kNotFound for an unknown account.
Result<int64_t> ClearLoginFailures(store::Database& db, const Principal* actor, int64_t user_id);

// Ends the session (no error when it is already gone).
Result<void> Logout(store::Database& db, std::string_view token);

// True when `given` equals the session's CSRF token (constant time).
bool CsrfTokenMatches(const Session& session, std::string_view given);

// ---- Audit trail ----

// Appends one event inside the caller's transaction, so the event exists if
// and only if what it records happened. `actor` nullptr means the system.
Result<void> RecordAudit(store::Connection& c, const Principal* actor, std::string_view action,
                         std::string_view entity, std::optional<int64_t> entity_id, std::string_view summary);
// Appends one event of a read, for a caller that read on a reading connection
// (Database::Read) and has not yet handed over what it read. Returns once the
// event is committed, in one transaction with the other events queued at the same
// time (Database::WriteGrouped), so that a burst of reads costs one commit, not one
// each. On failure the caller must fail the read: a read is never returned
// unrecorded.
Result<void> RecordAudit(store::Database& db, const Principal* actor, std::string_view action,
                         std::string_view entity, std::optional<int64_t> entity_id, std::string_view summary);

struct AuditQuery {
  std::optional<std::string> entity;
  std::optional<int64_t> entity_id;
  std::optional<std::string> action;
  std::optional<int64_t> user_id;
  int64_t limit = 200;
  int64_t before_id = 0;  // page backwards: events with id < before_id
};

const RecordSchema& AuditEventSchema();

// The newest matching events first. Partnership admins and auditors only.
Result<Json> ListAudit(store::Database& db, const Principal& actor, const AuditQuery& query);
// One page of the same, newest first (store/keyset.h); Invalid naming "cursor" when
// page.after is not a key of it.
Result<store::Page> ListAuditPage(store::Database& db, const Principal& actor, const AuditQuery& q,
                                  const store::PageQuery& page);

}  // namespace esafe::access
