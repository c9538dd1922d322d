// E-mail: the SMTP client against a tiny SMTP sink started here on 127.0.0.1, and the
// notifier sending the most severe alerts at once and the rest in a digest.
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <utility>  // before Asio: Boost 1.74 uses std::exchange without including it

#include <boost/asio.hpp>

#include <filesystem>
#include <fstream>
#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "incidents/incident_fixture.h"
#include "monitoring/generated_activity.h"
#include "monitoring/monitoring.h"
#include "monitoring/smtp_sink.h"

namespace esafe::monitoring {
namespace {

using testing::SmtpSink;
using ::testing::HasSubstr;
using ::testing::Not;

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

// A password is never sent in clear: AUTH needs STARTTLS, and the password lives in a file
// only its owner can read, never in the settings.
TEST(SmtpSettingsTest, AUserNameNeedsStartTlsAndAPrivatePasswordFile) {
  const auto dir = std::filesystem::temp_directory_path() / ("esafe-smtp-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto pw = dir / "password";
  { std::ofstream(pw) << "s3cret\n"; }
  std::filesystem::permissions(pw, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  const std::string file = (dir / "smtp.yaml").string();
  const std::string base = "host: relay.example\nfrom: alerts@p.example\nusername: esafe\npassword_file: password\n";
  auto clear = ParseSmtpSettings(base, file);
  ASSERT_FALSE(clear.ok());
  EXPECT_THAT(clear.error().message, HasSubstr("smtp.yaml:3: 'username' needs 'starttls: true'"));
  auto ok = ParseSmtpSettings(base + "starttls: true\n", file);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->password, "s3cret");  // read from the file beside the settings, newline dropped
  EXPECT_TRUE(ok->starttls);
  std::filesystem::permissions(pw, std::filesystem::perms::group_read, std::filesystem::perm_options::add);
  auto loose = ParseSmtpSettings(base + "starttls: true\n", file);
  ASSERT_FALSE(loose.ok());
  EXPECT_THAT(loose.error().message, HasSubstr("smtp.yaml:4: 'password_file' must be readable by its owner only"));
  EXPECT_THAT(ParseSmtpSettings("host: r.example\nfrom: a@p.example\nstarttls: yes\n", file).error().message,
              HasSubstr("'starttls' must be true or false"));
  std::filesystem::remove_all(dir);
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

  // Three critical alerts (self-harm at the school, raised at once and its follow-up;
  // radicalisation at the library, which has no recipient of its own, so the
  // partnership's gets it).
  auto now = notifier.SendImmediate();
  ASSERT_TRUE(now.ok()) << now.error().message;
  EXPECT_EQ(now->immediate, 3u);
  EXPECT_EQ(now->failures, 0u);
  auto got = sink.messages();
  ASSERT_EQ(got.size(), 3u);
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
  ASSERT_EQ(got.size(), 4u);
  EXPECT_THAT(got[3].to, ::testing::ElementsAre("<eslo@northfield.example>"));
  EXPECT_THAT(got[3].data, HasSubstr("Subject: [esafe] digest: 3 monitoring alerts"));
  EXPECT_THAT(got[3].data, HasSubstr("repeated_blocks"));
  EXPECT_THAT(got[3].data, HasSubstr("block_rate_spike"));
  EXPECT_THAT(got[3].data, HasSubstr("proxy_avoidance"));
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

// Issue 17 item 7: with no recipient named, the directory's leads receive alerts (the
// agency's designated safeguarding lead; for an alert no agency owns, the chair of the
// e-safety sub-group); with nobody at all, the alert is counted undeliverable.
TEST_F(NotifierTest, WithNoRecipientNamedTheDirectoryLeadsReceiveAlertsOrTheyAreCountedUndeliverable) {
  AlertLog alerts(tdb.db());
  auto record = [&](std::optional<int64_t> agency, int n) {
    AlertDraft d;
    d.rule = Rule::kRepeatedBlocks;
    d.severity = Severity::kCritical;
    if (agency) d.agency = std::to_string(*agency);
    d.site = "Northfield";
    d.client = "10.0.1.1";
    d.subject = "adult";
    d.incident_category = "deliberate_inappropriate";
    d.summary = "blocked requests";
    d.first_us = 1'790'000'000'000'000 + 1'000'000'000LL * n;
    d.last_us = d.first_us + 1'000'000;
    d.event_count = 1;
    d.events = {{d.first_us, d.client, 1}};
    ASSERT_TRUE(alerts.Record(d).ok());
  };
  record(school, 1);
  record(std::nullopt, 2);
  std::vector<MailMessage> sent;
  Notifier notifier(tdb.db(), Settings(1), [&](const MailMessage& m) -> Result<void> {
    sent.push_back(m);
    return Ok();
  });
  auto nobody = notifier.SendImmediate();
  ASSERT_TRUE(nobody.ok());
  EXPECT_EQ(nobody->undeliverable, 2u);
  EXPECT_TRUE(sent.empty());

  auto person = [&](int64_t agency, const char* email, const char* role, const char* subgroup) {
    ASSERT_TRUE(tdb.db().Transaction<bool>([&](store::Connection& c) -> Result<bool> {
      ESAFE_TRY(c.Execute("INSERT INTO people (agency_id, full_name, email, esafety_role, subgroup_role, created_at, "
                          "updated_at) VALUES (?, 'A Person', ?, ?, ?, '2026-01-01', '2026-01-01')",
                          {agency, std::string(email), std::string(role), std::string(subgroup)}));
      return true;
    }).ok());
  };
  person(school, "dsl@northfield.example", "designated safeguarding lead", "none");
  person(school, "tech@northfield.example", "network / infrastructure", "none");
  person(library, "chair@partnership.example", "none", "chair");
  auto found = notifier.SendImmediate();
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->undeliverable, 0u);
  EXPECT_EQ(found->immediate, 2u);
  std::set<std::string> to;
  for (const auto& m : sent) to.insert(m.to.begin(), m.to.end());
  EXPECT_EQ(to, (std::set<std::string>{"dsl@northfield.example", "chair@partnership.example"}));
}

}  // namespace
}  // namespace esafe::monitoring
