// SubmissionGuard: form tokens and the in-memory rate limit on public survey
// submissions.
//
// Why this design: the survey must stay anonymous, so nothing that could single
// out a respondent is stored or sent back. Repeated submissions are limited in two
// layers, neither of which identifies anyone:
//  - the page's device keeps a "done" marker (a cookie whose value is the same
//    for everyone, plus localStorage), so the browser refuses a second submission
//    and the server refuses a request that carries the cookie. A unique per-device
//    token would let responses be linked to each other and to a device; a shared
//    value cannot. Signing it would add nothing: someone who wants to answer twice
//    deletes the marker rather than forging one.
//  - here, a count of submissions per access code and network address over a short
//    window, so a script or a child tapping "send" in a loop is stopped. The key is
//    a keyed hash (BLAKE2b) with a salt that is random per process and never
//    written anywhere, the counts live only in memory and expire with the window.
//    The limit is generous because a whole classroom shares one address.
#include <sodium.h>

#include <fmt/format.h>

#include "surveys/surveys.h"

namespace esafe::surveys {
namespace {

constexpr size_t kMaxKeys = 100000;  // memory bound when many addresses submit at once

std::string Hex(const unsigned char* bytes, size_t n) {
  std::string out(n * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes, n);
  out.pop_back();
  return out;
}

// "ISSUED.NONCE.MAC": the MAC binds the time and nonce to the survey code.
std::string SignedFormToken(const unsigned char* key, std::string_view code, int64_t issued, std::string_view nonce) {
  const std::string message = fmt::format("survey-form:{}:{}:{}", code, issued, nonce);
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256(mac, reinterpret_cast<const unsigned char*>(message.data()), message.size(), key);
  return fmt::format("{}.{}.{}", issued, nonce, Hex(mac, sizeof mac));
}

}  // namespace

SubmissionGuard::SubmissionGuard(int max_per_window, int64_t window_seconds)
    : max_per_window_(max_per_window), window_seconds_(window_seconds) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not start");
  randombytes_buf(token_key_, sizeof token_key_);
  randombytes_buf(salt_, sizeof salt_);
}

std::string SubmissionGuard::IssueFormToken(std::string_view code, int64_t now) const {
  unsigned char nonce[12];
  randombytes_buf(nonce, sizeof nonce);
  return SignedFormToken(token_key_, code, now, Hex(nonce, sizeof nonce));
}

Result<void> SubmissionGuard::CheckFormToken(std::string_view code, std::string_view token, int64_t now) const {
  const auto stale = Error::Invalid("This page is out of date. Reload the page and try again.", "form_token");
  const size_t dot = token.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot > 20) return stale;
  const size_t second = token.find('.', dot + 1);
  if (second == std::string_view::npos || second - dot - 1 != 24) return stale;
  int64_t issued = 0;
  for (char c : token.substr(0, dot)) {
    if (c < '0' || c > '9') return stale;
    issued = issued * 10 + (c - '0');
  }
  if (issued > now + 60 || now - issued > kFormTokenSeconds) return stale;
  const std::string expected = SignedFormToken(token_key_, code, issued, token.substr(dot + 1, second - dot - 1));
  if (expected.size() != token.size() || sodium_memcmp(expected.data(), token.data(), token.size()) != 0) return stale;
  return {};
}

Result<void> SubmissionGuard::SpendFormToken(std::string_view code, std::string_view token, int64_t now) {
  ESAFE_TRY(CheckFormToken(code, token, now));
  std::lock_guard lock(mutex_);
  if (spent_.size() >= 4096) {
    for (auto it = spent_.begin(); it != spent_.end();) it = it->second < now ? spent_.erase(it) : std::next(it);
  }
  if (spent_.size() >= kMaxKeys) {
    return Error::Throttled("Too many answers are arriving just now. Please try again in a few minutes.");
  }
  const int64_t issued = std::stoll(std::string(token.substr(0, token.find('.'))));
  if (!spent_.emplace(std::string(token), issued + kFormTokenSeconds).second) {
    return Error::Invalid("These answers have already been sent from this page. Thank you! Reload the page only "
                          "if someone else is answering on this device.", "form_token");
  }
  return {};
}

void SubmissionGuard::RefundFormToken(std::string_view token) {
  std::lock_guard lock(mutex_);
  spent_.erase(std::string(token));
}

Result<void> SubmissionGuard::Admit(std::string_view code, std::string_view remote_ip, int64_t now) {
  const std::string material = fmt::format("{}\n{}", code, remote_ip);
  unsigned char digest[16];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(material.data()), material.size(),
                     salt_, sizeof salt_);
  const std::string key(reinterpret_cast<const char*>(digest), sizeof digest);

  std::lock_guard lock(mutex_);
  if (recent_.size() >= kMaxKeys) {
    for (auto it = recent_.begin(); it != recent_.end();) {
      while (!it->second.empty() && it->second.front() <= now - window_seconds_) it->second.pop_front();
      it = it->second.empty() ? recent_.erase(it) : std::next(it);
    }
    if (recent_.size() >= kMaxKeys) return Error::Throttled("Too many answers are arriving just now. Please try again in a few minutes.");
  }
  auto& times = recent_[key];
  while (!times.empty() && times.front() <= now - window_seconds_) times.pop_front();
  if (static_cast<int>(times.size()) >= max_per_window_) {
    return Error::Throttled("Too many answers have been sent from here just now. Please try again in a few minutes.");
  }
  times.push_back(now);
  return {};
}

std::string DoneCookieName(int64_t survey_id) { return fmt::format("esafe_survey_done_{}", survey_id); }

}  // namespace esafe::surveys
