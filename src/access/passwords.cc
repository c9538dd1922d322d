#include <sodium.h>

#include <stdexcept>

#include "access/access.h"
#include "core/text.h"

namespace esafe::access {
namespace {

void InitSodium() {
  static const bool ready = [] {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
    return true;
  }();
  (void)ready;
}

}  // namespace

Result<void> CheckPasswordRules(std::string_view password) {
  if (!text::IsValidUtf8(password)) return Error::Invalid("the password is not valid text", "password");
  size_t n = text::CodePointCount(password);
  if (n < 10) return Error::Invalid("the password must be at least 10 characters", "password");
  if (password.size() > 256) return Error::Invalid("the password must be at most 256 bytes", "password");
  if (password.find_first_not_of(password[0]) == std::string_view::npos) {
    return Error::Invalid("the password must not be one character repeated", "password");
  }
  return Ok();
}

Result<std::string> HashPassword(std::string_view password) {
  InitSodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Error::Internal("out of memory while hashing a password");
  }
  return std::string(out);
}

bool VerifyPassword(const std::string& hash, std::string_view password) {
  InitSodium();
  if (password.size() > 256) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

}  // namespace esafe::access
