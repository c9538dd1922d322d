// A minimal SMTP client (RFC 5321) over Boost.Asio. Each step runs asynchronously on
// a private io_context for at most the configured timeout, so a relay that stops
// answering cannot hang the notifier.
#include <utility>  // before Asio: Boost 1.74 uses std::exchange without including it

#include <boost/asio.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <random>

#include "core/clock.h"
#include "monitoring/monitoring.h"
#include "monitoring/yaml_reader.h"

namespace esafe::monitoring {
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

constexpr size_t kMaxReplyBytes = 64 * 1024;
constexpr size_t kMaxRecipients = 100;

class Session {
 public:
  explicit Session(const SmtpSettings& s) : settings_(s), socket_(io_) {}

  Result<void> Connect() {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(settings_.host, ec);
    std::vector<tcp::endpoint> endpoints;
    if (!ec) {
      endpoints.emplace_back(address, settings_.port);
    } else {
      tcp::resolver resolver(io_);
      auto results = resolver.resolve(settings_.host, std::to_string(settings_.port), ec);
      if (ec) return Error::Internal(fmt::format("cannot resolve the mail server {}: {}", settings_.host, ec.message()));
      for (const auto& r : results) endpoints.push_back(r.endpoint());
    }
    bool done = false;
    asio::async_connect(socket_, endpoints, [&](const boost::system::error_code& e, const tcp::endpoint&) {
      ec = e;
      done = true;
    });
    ESAFE_TRY(RunUntil(done, "connecting"));
    if (ec) return Error::Internal(fmt::format("cannot connect to the mail server {}:{}: {}", settings_.host,
                                               settings_.port, ec.message()));
    return Ok();
  }

  // Reads one reply (all its lines) and checks its code is `expected` (first digit).
  Result<std::string> Expect(char expected, std::string_view step) {
    std::string reply;
    while (true) {
      boost::system::error_code ec;
      bool done = false;
      asio::async_read_until(socket_, asio::dynamic_buffer(buffer_, kMaxReplyBytes), "\r\n",
                             [&](const boost::system::error_code& e, size_t) {
                               ec = e;
                               done = true;
                             });
      ESAFE_TRY(RunUntil(done, step));
      if (ec) return Error::Internal(fmt::format("mail server: {} failed: {}", step, ec.message()));
      const size_t end = buffer_.find("\r\n");
      std::string line = buffer_.substr(0, end);
      buffer_.erase(0, end + 2);
      reply += line + "\n";
      if (line.size() < 3) return Error::Internal(fmt::format("mail server: malformed reply during {}", step));
      if (line.size() >= 4 && line[3] == '-') continue;  // more lines follow
      if (line[0] != expected) {
        return Error::Internal(fmt::format("mail server refused {}: {}", step, line.substr(0, 300)));
      }
      return reply;
    }
  }

  Result<void> Write(const std::string& data, std::string_view step) {
    boost::system::error_code ec;
    bool done = false;
    asio::async_write(socket_, asio::buffer(data), [&](const boost::system::error_code& e, size_t) {
      ec = e;
      done = true;
    });
    ESAFE_TRY(RunUntil(done, step));
    if (ec) return Error::Internal(fmt::format("mail server: {} failed: {}", step, ec.message()));
    return Ok();
  }

  Result<std::string> Command(const std::string& line, char expected, std::string_view step) {
    ESAFE_TRY(Write(line + "\r\n", step));
    return Expect(expected, step);
  }

 private:
  Result<void> RunUntil(bool& done, std::string_view step) {
    io_.restart();
    io_.run_for(settings_.timeout);
    if (!done) {
      boost::system::error_code ignored;
      socket_.close(ignored);
      io_.restart();
      io_.run_for(std::chrono::milliseconds(100));  // let the cancelled operation finish
      return Error::Internal(fmt::format("mail server: timed out {}", step));
    }
    return Ok();
  }

  const SmtpSettings& settings_;
  asio::io_context io_;
  tcp::socket socket_;
  std::string buffer_;
};

// Subjects are one line of printable ASCII: no header injection, no encoding to get wrong.
std::string HeaderText(std::string_view in) {
  std::string out;
  for (char c : in) {
    const auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? c : (u < 0x80 ? ' ' : '?');
  }
  return out.substr(0, 200);
}

// CRLF line endings, and a leading "." doubled (RFC 5321 4.5.2) so no line ends the data early.
std::string DotStuffed(std::string_view body) {
  std::string out;
  size_t start = 0;
  while (start <= body.size()) {
    size_t end = body.find('\n', start);
    std::string_view line = body.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty() && line.front() == '.') out += '.';
    out += line;
    out += "\r\n";
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

std::string DateHeader() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

}  // namespace

bool ValidMailAddress(std::string_view a) {
  if (a.size() < 3 || a.size() > 254) return false;
  const size_t at = a.find('@');
  if (at == std::string_view::npos || at == 0 || at == a.size() - 1 || a.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  for (char c : a) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '<' || c == '>' || c == '(' || c == ')' || c == ',' || c == ';' || c == ':' ||
        c == '"' || c == '\\' || c == '[' || c == ']') {
      return false;
    }
  }
  const auto domain = a.substr(at + 1);
  return domain.front() != '.' && domain.back() != '.' && domain.find("..") == std::string_view::npos;
}

Result<void> SmtpClient::Send(const MailMessage& message) {
  if (!ValidMailAddress(settings_.from)) return Error::Invalid("the sender address is not local@domain", "from");
  if (message.to.empty()) return Error::Invalid("a message needs at least one recipient", "to");
  if (message.to.size() > kMaxRecipients) return Error::Invalid("too many recipients", "to");
  for (const auto& to : message.to) {
    if (!ValidMailAddress(to)) return Error::Invalid(fmt::format("'{}' is not an e-mail address", HeaderText(to)), "to");
  }
  for (char c : settings_.helo) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) {
      return Error::Invalid("the EHLO name must be a host name", "helo");
    }
  }

  Session s(settings_);
  ESAFE_TRY(s.Connect());
  if (auto r = s.Expect('2', "the greeting"); !r.ok()) return r.error();
  if (auto r = s.Command("EHLO " + settings_.helo, '2', "EHLO"); !r.ok()) {
    if (auto h = s.Command("HELO " + settings_.helo, '2', "HELO"); !h.ok()) return h.error();
  }
  if (auto r = s.Command("MAIL FROM:<" + settings_.from + ">", '2', "MAIL FROM"); !r.ok()) return r.error();
  for (const auto& to : message.to) {
    if (auto r = s.Command("RCPT TO:<" + to + ">", '2', "RCPT TO"); !r.ok()) return r.error();
  }
  if (auto r = s.Command("DATA", '3', "DATA"); !r.ok()) return r.error();

  std::string to_header;
  for (const auto& to : message.to) to_header += (to_header.empty() ? "" : ", ") + to;
  std::mt19937_64 rng(std::random_device{}());
  const auto domain = settings_.from.substr(settings_.from.find('@') + 1);
  std::string data = fmt::format(
      "From: {}\r\nTo: {}\r\nSubject: {}\r\nDate: {}\r\nMessage-ID: <{:016x}.{}@{}>\r\nMIME-Version: 1.0\r\n"
      "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\nAuto-Submitted: auto-generated\r\n\r\n",
      settings_.from, to_header, HeaderText(message.subject), DateHeader(), rng(), clock::NowSeconds(), domain);
  data += DotStuffed(message.body);
  data += ".\r\n";
  ESAFE_TRY(s.Write(data, "sending the message"));
  if (auto r = s.Expect('2', "accepting the message"); !r.ok()) return r.error();
  (void)s.Command("QUIT", '2', "QUIT");  // the message is accepted; a rude close does not matter
  return Ok();
}

Result<SmtpSettings> ParseSmtpSettings(std::string_view yaml, std::string_view file_name) {
  internal::YamlReader in(file_name);
  auto root = in.ParseMap(yaml, "SMTP settings");
  if (!root) return in.ToError();
  in.CheckKeys(*root, {"host", "port", "from", "helo", "timeout_ms", "immediate_from", "alert_url_base"}, "smtp");
  SmtpSettings s;
  if (auto v = in.Text(*root, "host", true, 253)) s.host = *v;
  if (auto v = in.Integer(*root, "port", false, 1, 65535)) s.port = static_cast<uint16_t>(*v);
  if (auto v = in.Text(*root, "from", true, 254)) {
    if (ValidMailAddress(*v)) {
      s.from = *v;
    } else {
      in.Fail((*root)["from"].Mark(), "'from' must be an e-mail address (local@domain)");
    }
  }
  if (auto v = in.Text(*root, "helo", false, 253)) s.helo = *v;
  if (auto v = in.Integer(*root, "timeout_ms", false, 100, 600000)) s.timeout = std::chrono::milliseconds(*v);
  if (auto v = in.Text(*root, "immediate_from", false, 20)) {
    if (auto sev = ParseSeverity(*v)) {
      s.immediate_from = *sev;
    } else {
      in.Fail((*root)["immediate_from"].Mark(), "'immediate_from' must be low, medium, high or critical");
    }
  }
  if (auto v = in.Text(*root, "alert_url_base", false, 500)) {
    if (v->starts_with("https://") || v->starts_with("http://")) {
      s.alert_url_base = *v;
    } else {
      in.Fail((*root)["alert_url_base"].Mark(), "'alert_url_base' must start with https:// or http://");
    }
  }
  if (!in.ok()) return in.ToError();
  return s;
}

}  // namespace esafe::monitoring
