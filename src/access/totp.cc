// Two-step sign-in with TOTP (RFC 6238) through liboath.
#include <liboath/oath.h>
#include <sodium.h>

#include <fmt/format.h>

#include <cstdlib>
#include <stdexcept>

#include "access/access.h"
#include "access/internal.h"
#include "core/clock.h"

namespace esafe::access {
namespace {

constexpr unsigned kTotpStepSeconds = 30;
constexpr unsigned kTotpDigits = 6;
constexpr size_t kTotpWindow = 1;       // one step of clock drift either way
constexpr size_t kTotpSecretBytes = 20; // 160 bits, as RFC 4226 recommends for SHA-1

void InitOath() {
  static const bool ready = [] {
    if (oath_init() != OATH_OK) throw std::runtime_error("liboath failed to initialise");
    return true;
  }();
  (void)ready;
}

std::string HexOf(const unsigned char* bytes, size_t n) {
  std::string hex(n * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), bytes, n);
  hex.pop_back();
  return hex;
}

Result<std::string> BytesOfHex(const std::string& hex) {
  std::string bytes(hex.size() / 2, '\0');
  size_t n = 0;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size(), hex.data(), hex.size(), nullptr, &n,
                     nullptr) != 0 || n != bytes.size()) {
    return Error::Internal("a stored TOTP secret is not hexadecimal");
  }
  return bytes;
}

std::string Base32Of(const std::string& bytes) {
  InitOath();
  char* out = nullptr;
  size_t len = 0;
  if (oath_base32_encode(bytes.data(), bytes.size(), &out, &len) != OATH_OK) return "";
  std::string text(out, len);
  std::free(out);
  while (!text.empty() && text.back() == '=') text.pop_back();
  return text;
}

bool IsSixDigits(std::string_view code) {
  if (code.size() != kTotpDigits) return false;
  for (char ch : code) {
    if (ch < '0' || ch > '9') return false;
  }
  return true;
}

// The time step `code` is right for, within the window around now; nullopt otherwise.
std::optional<uint64_t> StepOf(const std::string& secret, std::string_view code) {
  InitOath();
  if (!IsSixDigits(code)) return std::nullopt;
  const std::string otp(code);
  int position = 0;
  uint64_t counter = 0;
  const int r = oath_totp_validate3(secret.data(), secret.size(), static_cast<time_t>(clock::NowSeconds()),
                                    kTotpStepSeconds, 0, kTotpWindow, &position, &counter, otp.c_str());
  if (r < 0) return std::nullopt;
  return counter;
}

}  // namespace

Result<void> internal::AcceptTotpCode(store::Connection& c, int64_t user_id, const std::string& secret_hex,
                                      std::string_view code) {
  auto secret = BytesOfHex(secret_hex);
  if (!secret.ok()) return secret.error();
  auto step = StepOf(*secret, code);
  if (!step) return Error::Invalid("wrong code", "totp");
  // The step is taken only if it is newer than the last one accepted: a code seen over a
  // shoulder, or sent twice at once, signs in once at most.
  auto taken = c.Execute("UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?",
                         {static_cast<int64_t>(*step), user_id, static_cast<int64_t>(*step)});
  if (!taken.ok()) return taken.error();
  if (*taken != 1) return Error::Invalid("that code was used already", "totp");
  return Ok();
}

Result<TotpEnrolment> BeginTotpEnrolment(store::Database& db, const Principal& self) {
  unsigned char bytes[kTotpSecretBytes];
  randombytes_buf(bytes, sizeof bytes);
  const std::string hex = HexOf(bytes, sizeof bytes);
  TotpEnrolment e;
  e.secret_base32 = Base32Of(std::string(reinterpret_cast<const char*>(bytes), sizeof bytes));
  sodium_memzero(bytes, sizeof bytes);
  if (e.secret_base32.empty()) return Error::Internal("could not encode a TOTP secret");
  e.otpauth_uri = fmt::format("otpauth://totp/esafe:{}?secret={}&issuer=esafe&algorithm=SHA1&digits={}&period={}",
                              self.username, e.secret_base32, kTotpDigits, kTotpStepSeconds);
  auto stored = db.Transaction<bool>([&](store::Connection& c) -> Result<bool> {
    ESAFE_TRY(c.Execute("UPDATE users SET totp_pending_secret = ? WHERE id = ?", {hex, self.user_id}));
    ESAFE_TRY(RecordAudit(c, &self, "totp_enrol", "account", self.user_id, "began setting up two-step sign-in"));
    return true;
  });
  if (!stored.ok()) return stored.error();
  return e;
}

Result<void> ConfirmTotp(store::Database& db, const Principal& self, std::string_view code) {
  if (!IsSixDigits(code)) return Error::Invalid("the code is the 6 digits the app shows", "code");
  return internal::Done(db.Transaction<bool>([&](store::Connection& c) -> Result<bool> {
    auto row = c.QueryOne("SELECT totp_pending_secret FROM users WHERE id = ?", {self.user_id}, "account");
    if (!row.ok()) return row.error();
    if (row->IsNull("totp_pending_secret"))
      return Error::Invalid("start setting up two-step sign-in first", "code");
    const std::string pending = row->Text("totp_pending_secret");
    // The step is checked against the new secret; the last step used starts afresh.
    ESAFE_TRY(c.Execute("UPDATE users SET totp_last_step = 0 WHERE id = ?", {self.user_id}));
    auto accepted = internal::AcceptTotpCode(c, self.user_id, pending, code);
    if (!accepted.ok()) {
      if (accepted.error().kind == ErrorKind::kInvalid)
        return Error::Invalid("that code is not right for the new secret; check the app's clock and try again",
                              "code");
      return accepted.error();
    }
    ESAFE_TRY(c.Execute("UPDATE users SET totp_secret = totp_pending_secret, totp_pending_secret = NULL WHERE id = ?",
                        {self.user_id}));
    ESAFE_TRY(RecordAudit(c, &self, "totp_on", "account", self.user_id, "two-step sign-in switched on"));
    return true;
  }));
}

Result<void> ResetTotp(store::Database& db, const Principal* actor, int64_t user_id) {
  ESAFE_TRY(internal::RequireAdministrator(actor));
  return internal::Done(db.Transaction<bool>([&](store::Connection& c) -> Result<bool> {
    auto user = c.QueryOne("SELECT username FROM users WHERE id = ?", {user_id}, "account");
    if (!user.ok()) return user.error();
    ESAFE_TRY(c.Execute("UPDATE users SET totp_secret = NULL, totp_pending_secret = NULL, totp_last_step = 0, "
                        "updated_at = ? WHERE id = ?",
                        {clock::NowIso8601(), user_id}));
    auto ended = internal::EndAccountSessions(c, user_id);
    if (!ended.ok()) return ended.error();
    ESAFE_TRY(RecordAudit(c, actor, "totp_reset", "account", user_id,
                          fmt::format("two-step sign-in reset for {}; {} sessions ended", user->Text("username"),
                                      *ended)));
    return true;
  }));
}

}  // namespace esafe::access
