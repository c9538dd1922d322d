// Result<T>: a value or an Error, the way every capability reports failure.
//
// Errors travel as values across capability boundaries, never as exceptions, so
// that an HTTP handler or a CLI command can always turn a failure into a clear
// message for the person who caused it. An Error carries the kind of failure
// (which the web layer maps to a status code), a message written for a person,
// and, where one input field is at fault, that field's name.
#pragma once

#include <cassert>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace esafe {

enum class ErrorKind {
  kInvalid,          // the input is wrong; the message says how
  kNotFound,         // no such record, or not one the caller may see
  kForbidden,        // the caller may not do this
  kUnauthenticated,  // no valid session
  kConflict,         // duplicates an existing record, or the record is in use
  kThrottled,        // too many attempts; try later
  kTooLarge,         // input over a size cap
  kInternal,         // our fault (database unreachable, bug); never the caller's
};

struct Error {
  ErrorKind kind = ErrorKind::kInternal;
  std::string message;
  std::string field;  // empty when no single field is at fault
  int64_t retry_after_seconds = 0;  // kThrottled: when trying again can succeed (0: unknown)

  static Error Invalid(std::string message, std::string field = {}) {
    return {ErrorKind::kInvalid, std::move(message), std::move(field)};
  }
  static Error NotFound(std::string message) { return {ErrorKind::kNotFound, std::move(message), {}}; }
  static Error Forbidden(std::string message) { return {ErrorKind::kForbidden, std::move(message), {}}; }
  static Error Unauthenticated(std::string message) {
    return {ErrorKind::kUnauthenticated, std::move(message), {}};
  }
  static Error Conflict(std::string message, std::string field = {}) {
    return {ErrorKind::kConflict, std::move(message), std::move(field)};
  }
  static Error Throttled(std::string message, int64_t retry_after_seconds = 0) {
    return {ErrorKind::kThrottled, std::move(message), {}, retry_after_seconds};
  }
  static Error TooLarge(std::string message, std::string field = {}) {
    return {ErrorKind::kTooLarge, std::move(message), std::move(field)};
  }
  static Error Internal(std::string message) { return {ErrorKind::kInternal, std::move(message), {}}; }
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}           // NOLINT: implicit by design
  Result(Error error) : state_(std::move(error)) {}       // NOLINT: implicit by design

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(state_); }
  const T& value() const& { assert(ok()); return std::get<0>(state_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { assert(!ok()); return std::get<1>(state_); }

 private:
  std::variant<T, Error> state_;
};

// Result<void>: success carries nothing.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { assert(!ok_); return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

inline Result<void> Ok() { return {}; }

}  // namespace esafe

// Returns the error of `expr` from the enclosing function when it failed.
#define ESAFE_TRY(expr)                                   \
  do {                                                    \
    auto esafe_try_result_ = (expr);                      \
    if (!esafe_try_result_.ok()) return esafe_try_result_.error(); \
  } while (0)
