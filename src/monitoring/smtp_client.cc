// A minimal SMTP client (RFC 5321) over Boost.Asio. Each step runs asynchronously on
// a private io_context for at most the configured timeout, so a relay that stops
// answering cannot hang the notifier.
#include <utility>  // before Asio: Boost 1.74 uses std::exchange without including it

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <sodium.h>
#include <sys/stat.h>

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

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
  explicit Session(const SmtpSettings& s)
      : settings_(s), tls_context_(asio::ssl::context::tls_client), stream_(io_, tls_context_) {}

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
    asio::async_connect(stream_.next_layer(), endpoints, [&](const boost::system::error_code& e, const tcp::endpoint&) {
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
      auto on_read = [&](const boost::system::error_code& e, size_t) {
        ec = e;
        done = true;
      };
      if (tls_) {
        asio::async_read_until(stream_, asio::dynamic_buffer(buffer_, kMaxReplyBytes), "\r\n", on_read);
      } else {
        asio::async_read_until(stream_.next_layer(), asio::dynamic_buffer(buffer_, kMaxReplyBytes), "\r\n", on_read);
      }
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
    auto on_write = [&](const boost::system::error_code& e, size_t) {
      ec = e;
      done = true;
    };
    if (tls_) {
      asio::async_write(stream_, asio::buffer(data), on_write);
    } else {
      asio::async_write(stream_.next_layer(), asio::buffer(data), on_write);
    }
    ESAFE_TRY(RunUntil(done, step));
    if (ec) return Error::Internal(fmt::format("mail server: {} failed: {}", step, ec.message()));
    return Ok();
  }

  Result<std::string> Command(const std::string& line, char expected, std::string_view step) {
    ESAFE_TRY(Write(line + "\r\n", step));
    return Expect(expected, step);
  }

  // Upgrades the connection after "220 ready to start TLS": TLS 1.2 or later, the
  // relay's certificate checked against the configured host name.
  Result<void> StartTls() {
    boost::system::error_code ec;
    tls_context_.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                             asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                             asio::ssl::context::no_tlsv1_1);
    if (settings_.ca_file.empty()) {
      tls_context_.set_default_verify_paths(ec);
    } else {
      tls_context_.load_verify_file(settings_.ca_file, ec);
    }
    if (ec) return Error::Internal(fmt::format("mail server: cannot load the certificate authorities: {}", ec.message()));
    stream_.set_verify_mode(asio::ssl::verify_peer);
    stream_.set_verify_callback(asio::ssl::host_name_verification(settings_.host));
    if (!SSL_set_tlsext_host_name(stream_.native_handle(), settings_.host.c_str())) {
      return Error::Internal("mail server: cannot set the TLS server name");
    }
    bool done = false;
    stream_.async_handshake(asio::ssl::stream_base::client, [&](const boost::system::error_code& e) {
      ec = e;
      done = true;
    });
    ESAFE_TRY(RunUntil(done, "the TLS handshake"));
    if (ec) return Error::Internal(fmt::format("mail server: the TLS handshake failed: {}", ec.message()));
    tls_ = true;
    buffer_.clear();  // nothing sent before the handshake may be trusted (RFC 3207 4.2)
    return Ok();
  }

 private:
  Result<void> RunUntil(bool& done, std::string_view step) {
    io_.restart();
    io_.run_for(settings_.timeout);
    if (!done) {
      boost::system::error_code ignored;
      stream_.next_layer().close(ignored);
      io_.restart();
      io_.run_for(std::chrono::milliseconds(100));  // let the cancelled operation finish
      return Error::Internal(fmt::format("mail server: timed out {}", step));
    }
    return Ok();
  }

  const SmtpSettings& settings_;
  asio::io_context io_;
  asio::ssl::context tls_context_;
  asio::ssl::stream<tcp::socket> stream_;
  bool tls_ = false;
  std::string buffer_;
};

// True when an EHLO reply offers `capability` (a line "250-STARTTLS", "250 AUTH PLAIN LOGIN").
bool Offers(const std::string& ehlo_reply, std::string_view capability) {
  std::istringstream lines(ehlo_reply);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.size() < 4) continue;
    std::string words = line.substr(4);
    for (char& c : words) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    std::istringstream in(words);
    std::string word;
    if (!(in >> word) || word != capability.substr(0, capability.find(' '))) continue;
    if (capability.find(' ') == std::string_view::npos) return true;
    const std::string wanted(capability.substr(capability.find(' ') + 1));
    while (in >> word) {
      if (word == wanted) return true;
    }
  }
  return false;
}

std::string Base64(std::string_view bytes) {
  std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

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
  auto ehlo = s.Command("EHLO " + settings_.helo, '2', "EHLO");
  if (!ehlo.ok()) {
    if (settings_.starttls) return ehlo.error();  // STARTTLS needs EHLO
    if (auto h = s.Command("HELO " + settings_.helo, '2', "HELO"); !h.ok()) return h.error();
  }
  if (settings_.starttls) {
    // Never fall back to plain text: a relay (or something between) that does not offer
    // STARTTLS gets nothing, not even the addresses.
    if (!Offers(*ehlo, "STARTTLS")) return Error::Internal("mail server: STARTTLS is required but not offered");
    if (auto r = s.Command("STARTTLS", '2', "STARTTLS"); !r.ok()) return r.error();
    ESAFE_TRY(s.StartTls());
    ehlo = s.Command("EHLO " + settings_.helo, '2', "EHLO after STARTTLS");
    if (!ehlo.ok()) return ehlo.error();
  }
  if (!settings_.username.empty()) {
    if (!settings_.starttls) return Error::Invalid("AUTH is only sent over STARTTLS", "username");
    if (!Offers(*ehlo, "AUTH PLAIN")) return Error::Internal("mail server: AUTH PLAIN is not offered");
    std::string token;
    token.push_back('\0');
    token += settings_.username;
    token.push_back('\0');
    token += settings_.password;
    auto authed = s.Command("AUTH PLAIN " + Base64(token), '2', "AUTH");
    sodium_memzero(token.data(), token.size());
    if (!authed.ok()) return Error::Internal("mail server refused the user name or password");
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
  in.CheckKeys(*root, {"host", "port", "from", "helo", "timeout_ms", "immediate_from", "alert_url_base", "starttls",
                       "ca_file", "username", "password_file"},
              "smtp");
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
  if (const auto node = (*root)["starttls"]) {
    if (!node.IsScalar() || (node.Scalar() != "true" && node.Scalar() != "false")) {
      in.Fail(node.Mark(), "'starttls' must be true or false");
    } else {
      s.starttls = node.Scalar() == "true";
    }
  }
  // Files named in the settings are found beside them, whatever the working directory.
  const std::filesystem::path beside = std::filesystem::path(file_name).parent_path();
  auto resolve = [&](const std::string& p) { return std::filesystem::path(p).is_absolute() ? p : (beside / p).string(); };
  if (auto v = in.Text(*root, "ca_file", false, 1000)) s.ca_file = resolve(*v);
  if (auto v = in.Text(*root, "username", false, 200)) s.username = *v;
  if (auto v = in.Text(*root, "password_file", false, 1000)) {
    const std::string path = resolve(*v);
    struct stat st {};
    std::ifstream file(path, std::ios::binary);
    std::ostringstream text;
    text << file.rdbuf();
    if (!file || ::stat(path.c_str(), &st) != 0) {
      in.Fail((*root)["password_file"].Mark(), "'password_file' cannot be read");
    } else if ((st.st_mode & 077) != 0) {
      in.Fail((*root)["password_file"].Mark(), "'password_file' must be readable by its owner only (chmod 600)");
    } else {
      s.password = text.str();
      while (!s.password.empty() && (s.password.back() == '\n' || s.password.back() == '\r')) s.password.pop_back();
      if (s.password.empty()) in.Fail((*root)["password_file"].Mark(), "'password_file' is empty");
    }
  }
  if (!s.username.empty() && s.password.empty() && in.ok()) {
    in.Fail((*root)["username"].Mark(), "'username' needs 'password_file'");
  }
  if (!s.username.empty() && !s.starttls && in.ok()) {
    in.Fail((*root)["username"].Mark(), "'username' needs 'starttls: true': a password is never sent in clear");
  }
  if (!in.ok()) return in.ToError();
  return s;
}

}  // namespace esafe::monitoring
