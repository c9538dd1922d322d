// E-mail: the SMTP client against a tiny SMTP sink started here on 127.0.0.1, and the
// notifier sending the most severe alerts at once and the rest in a digest.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <utility>  // before Asio: Boost 1.74 uses std::exchange without including it

#include <boost/asio.hpp>

#include <atomic>
#include <mutex>
#include <thread>

#include "incidents/incident_fixture.h"
#include "monitoring/generated_activity.h"
#include "monitoring/monitoring.h"

namespace esafe::monitoring {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using ::testing::HasSubstr;
using ::testing::Not;

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

SmtpSettings Settings(uint16_t port) {
  SmtpSettings s;
  s.host = "127.0.0.1";
  s.port = port;
  s.from = "esafe-alerts@partnership.example";
  s.timeout = std::chrono::milliseconds(2000);
  s.alert_url_base = "https://esafe.partnership.example/alerts/";
  return s;
}

TEST(SmtpClientTest, DeliversToALocalSink) {
  SmtpSink sink;
  SmtpClient client(Settings(sink.port()));
  auto sent = client.Send({{"officer@school.example", "dsl@school.example"},
                           "Test\r\nBcc: injected@evil.example",
                           "first line\n.a line starting with a dot\n.\nlast line"});
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  auto got = sink.messages();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].from, "<esafe-alerts@partnership.example>");
  EXPECT_THAT(got[0].to, ::testing::ElementsAre("<officer@school.example>", "<dsl@school.example>"));
  EXPECT_THAT(got[0].data, HasSubstr("Subject: Test  Bcc: injected@evil.example\n"));
  EXPECT_THAT(got[0].data, Not(HasSubstr("\nBcc:")));
  EXPECT_THAT(got[0].data, HasSubstr("\n\nfirst line\n.a line starting with a dot\n.\nlast line\n"));
}

TEST(SmtpClientTest, RefusalsAndTimeoutsAreErrors) {
  {
    SmtpSink sink;
    auto sent = SmtpClient(Settings(sink.port())).Send({{"refuse@school.example"}, "x", "y"});
    ASSERT_FALSE(sent.ok());
    EXPECT_THAT(sent.error().message, HasSubstr("550 no such user"));
  }
  {
    SmtpSink silent(true);
    auto settings = Settings(silent.port());
    settings.timeout = std::chrono::milliseconds(300);
    auto sent = SmtpClient(settings).Send({{"a@school.example"}, "x", "y"});
    ASSERT_FALSE(sent.ok());
    EXPECT_THAT(sent.error().message, HasSubstr("timed out"));
  }
  auto bad = SmtpClient(Settings(1)).Send({{"not an address"}, "x", "y"});
  EXPECT_EQ(bad.error().kind, ErrorKind::kInvalid);
  EXPECT_FALSE(ValidMailAddress("a@b@c"));
  EXPECT_FALSE(ValidMailAddress("a@b\r\nRCPT TO:<x@y>"));
  EXPECT_TRUE(ValidMailAddress("first.last+tag@school.sch.uk"));
}

TEST(SmtpSettingsTest, ParsesAndRefusesWithLines) {
  auto ok = ParseSmtpSettings("host: relay.example\nport: 2525\nfrom: alerts@p.example\nimmediate_from: critical\n", "smtp.yaml");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->port, 2525);
  EXPECT_EQ(ok->immediate_from, Severity::kCritical);
  auto bad = ParseSmtpSettings("host: relay.example\nport: 70000\nfrom: nobody\n", "smtp.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message, HasSubstr("smtp.yaml:2: 'port' must be from 1 to 65535"));
  EXPECT_THAT(bad.error().message, HasSubstr("smtp.yaml:3: 'from' must be an e-mail address"));
}

class NotifierTest : public incidents::IncidentFixture {};

TEST_F(NotifierTest, MostSevereAtOnceTheRestInADigest) {
  TermsInForce terms;
  ASSERT_TRUE(terms.Reload(std::string(std::getenv("ESAFE_SOURCE_DIR")) + "/data/monitoring/terms").ok());
  AlertLog alerts(tdb.db());
  Monitor monitor(terms, {}, [&](AlertDraft&& d) { ASSERT_TRUE(alerts.Record(d).ok()); });
  monitor.Feed(testing::Merge(testing::CleanActivity(), testing::Plants()));
  monitor.Flush();
  ASSERT_TRUE(alerts.AddRecipient(Officer(school), school, "School ESLO", "eslo@northfield.example").ok());
  ASSERT_TRUE(alerts.AddRecipient(Lead(), std::nullopt, "Partnership lead", "lead@partnership.example").ok());
  EXPECT_EQ(alerts.AddRecipient(Officer(school), library, "x", "x@y.example").error().kind, ErrorKind::kForbidden);
  EXPECT_EQ(alerts.AddRecipient(Officer(school), school, "x", "x@@y").error().field, "email");

  SmtpSink sink;
  SmtpClient client(Settings(sink.port()));
  Notifier notifier(tdb.db(), Settings(sink.port()), [&](const MailMessage& m) { return client.Send(m); });

  // Two critical alerts (self-harm at the school; radicalisation at the library, which
  // has no recipient of its own, so the partnership's gets it).
  auto now = notifier.SendImmediate();
  ASSERT_TRUE(now.ok()) << now.error().message;
  EXPECT_EQ(now->immediate, 2u);
  EXPECT_EQ(now->failures, 0u);
  auto got = sink.messages();
  ASSERT_EQ(got.size(), 2u);
  std::map<std::string, std::string> by_recipient;
  for (const auto& m : got) by_recipient[m.to.at(0)] = m.data;
  EXPECT_THAT(by_recipient["<eslo@northfield.example>"], HasSubstr("Subject: [esafe] critical alert #"));
  EXPECT_THAT(by_recipient["<eslo@northfield.example>"], HasSubstr("Self-harm and suicide"));
  EXPECT_THAT(by_recipient["<eslo@northfield.example>"], HasSubstr("https://esafe.partnership.example/alerts/"));
  EXPECT_THAT(by_recipient["<lead@partnership.example>"], HasSubstr("Radicalisation"));
  for (const auto& m : got) {
    EXPECT_THAT(m.data, Not(HasSubstr("10.0.")));    // no client address
    EXPECT_THAT(m.data, Not(HasSubstr("k1ll")));     // no search words
    EXPECT_THAT(m.data, Not(HasSubstr("u-201")));    // no user
  }
  EXPECT_EQ(notifier.SendImmediate()->immediate, 0u);  // sent once

  auto digest = notifier.SendDigest();
  ASSERT_TRUE(digest.ok());
  EXPECT_EQ(digest->digested, 3u);  // repeated blocks, spike, proxy: all the school's
  EXPECT_EQ(digest->messages, 1u);
  got = sink.messages();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_THAT(got[2].to, ::testing::ElementsAre("<eslo@northfield.example>"));
  EXPECT_THAT(got[2].data, HasSubstr("Subject: [esafe] digest: 3 monitoring alerts"));
  EXPECT_THAT(got[2].data, HasSubstr("repeated_blocks"));
  EXPECT_THAT(got[2].data, HasSubstr("block_rate_spike"));
  EXPECT_THAT(got[2].data, HasSubstr("proxy_avoidance"));
  EXPECT_EQ(notifier.SendDigest()->messages, 0u);
}

TEST_F(NotifierTest, AFailedSendIsRetriedNextTime) {
  AlertLog alerts(tdb.db());
  TermsInForce terms;
  ASSERT_TRUE(terms.Reload(std::string(std::getenv("ESAFE_SOURCE_DIR")) + "/data/monitoring/terms").ok());
  Monitor monitor(terms, {}, [&](AlertDraft&& d) { ASSERT_TRUE(alerts.Record(d).ok()); });
  monitor.Feed(testing::Event(testing::kStartUs, 0, 9, "https://www.google.com/search?q=pipe+bomb", "", activity::Action::kAllow));
  monitor.Flush();
  ASSERT_TRUE(alerts.AddRecipient(Lead(), std::nullopt, "Lead", "lead@partnership.example").ok());
  bool up = false;
  int sent = 0;
  Notifier notifier(tdb.db(), Settings(1), [&](const MailMessage&) -> Result<void> {
    if (!up) return Error::Internal("relay down");
    ++sent;
    return Ok();
  });
  EXPECT_EQ(notifier.SendImmediate()->failures, 1u);
  up = true;
  EXPECT_EQ(notifier.SendImmediate()->immediate, 1u);
  EXPECT_EQ(sent, 1);
}

}  // namespace
}  // namespace esafe::monitoring
