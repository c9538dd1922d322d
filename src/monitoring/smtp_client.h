// monitoring: SMTP settings and a minimal SMTP client.
// Part of the monitoring capability's interface; monitoring/monitoring.h is the overview.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "monitoring/severity.h"

namespace esafe::monitoring {

struct SmtpSettings {
  std::string host = "127.0.0.1";
  uint16_t port = 25;
  std::string from;                     // local@domain
  std::string helo = "esafe.localhost";  // the name esafe gives in EHLO
  std::chrono::milliseconds timeout{10000};
  // Alerts at or above this severity are sent at once; the rest wait for the digest.
  Severity immediate_from = Severity::kHigh;
  std::string alert_url_base;           // e.g. "https://esafe.example/alerts/", for links; may be empty
  // STARTTLS (RFC 3207) before anything else is sent; the relay's certificate is checked
  // against `host` and the system's CAs, or `ca_file` when given.
  bool starttls = false;
  std::string ca_file;
  // AUTH PLAIN (RFC 4954), only over TLS; the password is read from password_file
  // (mode 0600) so that it is never in the settings file, the logs or the status.
  std::string username;
  std::string password;
};

// Parses SMTP settings YAML (host, port, from, helo, timeout_ms, immediate_from,
// alert_url_base, starttls, ca_file, username, password_file). Fails kInvalid with
// "FILE:LINE: reason"; a username without starttls is refused (no password in clear),
// and the password file is read when the settings are parsed.
Result<SmtpSettings> ParseSmtpSettings(std::string_view yaml, std::string_view file_name);

// True for a plain local@domain address: no spaces, angle brackets, CR or LF.
bool ValidMailAddress(std::string_view address);

struct MailMessage {
  std::vector<std::string> to;
  std::string subject;  // one line; non-ASCII is replaced
  std::string body;     // UTF-8 text; lines end \n or \r\n
};

// A minimal SMTP client (RFC 5321) over Boost.Asio: EHLO (HELO fallback), MAIL,
// RCPT, DATA with dot-stuffing, QUIT. Plain SMTP; meant for a relay on the same
// host or network. Every step has the settings' timeout.
class SmtpClient {
 public:
  explicit SmtpClient(SmtpSettings settings) : settings_(std::move(settings)) {}
  // Sends one message on one connection. Fails kInvalid on a bad address and
  // kInternal (with the server's reply) when the server refuses or times out.
  Result<void> Send(const MailMessage& message);

 private:
  SmtpSettings settings_;
};

}  // namespace esafe::monitoring
