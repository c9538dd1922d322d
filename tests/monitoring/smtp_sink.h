// A tiny SMTP server on 127.0.0.1 for the e-mail tests (smtp_test.cc, live_monitor_test.cc).
#pragma once

#include <utility>  // before Asio: Boost 1.74 uses std::exchange without including it

#include <boost/asio.hpp>

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace esafe::monitoring::testing {

namespace asio = boost::asio;
using asio::ip::tcp;

// A minimal SMTP server: accepts connections one at a time, speaks enough SMTP for a
// client to deliver, undoes dot-stuffing and keeps what it received. In `silent` mode
// it accepts and never answers (for timeouts). RCPT to an address containing
// "refuse" is refused.
class SmtpSink {
 public:
  struct Received {
    std::string from;
    std::vector<std::string> to;
    std::string data;
  };

  explicit SmtpSink(bool silent = false) : silent_(silent), acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { Serve(); });
  }
  ~SmtpSink() {
    stop_ = true;
    boost::system::error_code ec;
    tcp::socket wake(io_);
    wake.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
    thread_.join();
  }

  uint16_t port() const { return port_; }
  std::vector<Received> messages() {
    std::lock_guard lock(mutex_);
    return messages_;
  }

 private:
  void Serve() {
    while (!stop_) {
      tcp::socket socket(io_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stop_) break;
      if (silent_) {
        held_.push_back(std::move(socket));
        continue;
      }
      Session(socket);
    }
  }

  void Session(tcp::socket& socket) {
    boost::system::error_code ec;
    std::string buffer;
    auto send = [&](const std::string& s) { asio::write(socket, asio::buffer(s), ec); };
    auto line = [&]() -> std::optional<std::string> {
      size_t n = asio::read_until(socket, asio::dynamic_buffer(buffer), "\r\n", ec);
      if (ec) return std::nullopt;
      std::string l = buffer.substr(0, n - 2);
      buffer.erase(0, n);
      return l;
    };
    Received current;
    send("220 sink.test ESMTP\r\n");
    while (auto l = line()) {
      if (l->starts_with("EHLO")) {
        send("250-sink.test\r\n250 8BITMIME\r\n");
      } else if (l->starts_with("MAIL FROM:")) {
        current = {};
        current.from = l->substr(10);
        send("250 ok\r\n");
      } else if (l->starts_with("RCPT TO:")) {
        if (l->find("refuse") != std::string::npos) {
          send("550 no such user\r\n");
        } else {
          current.to.push_back(l->substr(8));
          send("250 ok\r\n");
        }
      } else if (*l == "DATA") {
        send("354 end with .\r\n");
        std::string data;
        while (auto d = line()) {
          if (*d == ".") break;
          data += (d->starts_with(".") ? d->substr(1) : *d) + "\n";
        }
        {
          std::lock_guard lock(mutex_);
          messages_.push_back(current);
          messages_.back().data = data;
        }
        send("250 queued\r\n");
      } else if (*l == "QUIT") {
        send("221 bye\r\n");
        break;
      } else {
        send("500 what\r\n");
      }
    }
  }

  bool silent_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mutex_;
  std::vector<Received> messages_;
  std::vector<tcp::socket> held_;
};

}  // namespace esafe::monitoring::testing
