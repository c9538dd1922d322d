// Helpers the access capability's files share; not part of its interface (access.h).
#pragma once

#include <string>
#include <string_view>

#include "access/access.h"

namespace esafe::access::internal {

// The outcome of a transaction run for its effects.
inline Result<void> Done(const Result<bool>& r) {
  if (!r.ok()) return r.error();
  return Ok();
}

// 32 random bytes, URL-safe base64: session and CSRF tokens, one-time passwords.
std::string RandomToken();

// kForbidden unless `actor` is a partnership administrator (nullptr: the operator at the
// command line).
Result<void> RequireAdministrator(const Principal* actor);

// Ends every session of the account but `keep_public_id`; answers how many ended.
Result<int64_t> EndAccountSessions(store::Connection& c, int64_t user_id, std::string_view keep_public_id = {});

// Checks a 6-digit TOTP code against `secret_hex` at the current time (±1 step) and, when
// it is right, records its step as the account's last, in the caller's transaction.
// kInvalid naming "totp" for a wrong code or one whose step was already used.
Result<void> AcceptTotpCode(store::Connection& c, int64_t user_id, const std::string& secret_hex,
                            std::string_view code);

}  // namespace esafe::access::internal
