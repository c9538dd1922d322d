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
};

// The account record as the API shows it (never the password hash).
const RecordSchema& AccountSchema();

// Creates an account. Agency roles need an existing agency; partnership roles
// must not have one. `actor` is recorded in the audit trail (nullptr: the
// command line, recorded as "system"). Returns the new account's id; Conflict
// when the username is taken.
Result<int64_t> AddAccount(store::Database& db, const NewAccount& account, const Principal* actor);

// Every account (partnership admins only; checked by the caller's role).
Result<Json> ListAccounts(store::Database& db, const Principal& actor);

// ---- Sessions and login ----

struct Session {
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
};

// Checks the username and password and opens a session. Unauthenticated for a
// wrong username or password (the same message for both); Throttled, without
// checking the password, once too many attempts have failed recently.
// Every attempt is recorded, and logins appear in the audit trail.
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

}  // namespace esafe::access
