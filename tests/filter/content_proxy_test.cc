#include "filter/content_proxy.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "filter/filter_engine.h"
#include "filter/profile_policy.h"
#include "test_lists.h"

namespace esafe::filter {
namespace {

std::shared_ptr<const ContentProxies> Shipped() {
  const char* source = std::getenv("ESAFE_SOURCE_DIR");
  const std::filesystem::path root = source ? source : std::filesystem::path(__FILE__).parent_path() / "../..";
  std::vector<ProfileProblem> problems;
  auto proxies = ContentProxies::Load(root / "data/filter/content-proxies.yaml", problems);
  EXPECT_TRUE(proxies.ok()) << (proxies ? "" : proxies.error().message);
  return proxies ? *proxies : nullptr;
}

// The wrapped URL, or "-" when none.
std::string Unwrapped(const ContentProxies& proxies, std::string_view url) {
  auto canonical = CanonicalUrl::Parse(url);
  if (!canonical) return "ERROR";
  auto wrapped = proxies.Unwrap(*canonical);
  return wrapped ? wrapped->spec() : "-";
}

TEST(ContentProxyTest, ShippedFileUnwrapsEachForm) {
  auto proxies = Shipped();
  ASSERT_TRUE(proxies);
  const ContentProxies& p = *proxies;
  EXPECT_EQ(Unwrapped(p, "https://some--site-example.translate.goog/a?_x_tr_sl=auto"),
            "https://some-site.example/a?_x_tr_sl=auto");
  EXPECT_EQ(Unwrapped(p, "some--site-example.translate.goog:443"), "https://some-site.example/");
  EXPECT_EQ(Unwrapped(p, "https://translate.google.com/translate?sl=auto&tl=en&u=http://x.example/p"),
            "http://x.example/p");
  EXPECT_EQ(Unwrapped(p, "https://translate.google.com/translate?u=https%3A%2F%2Fx.example%2F"), "https://x.example/");
  EXPECT_EQ(Unwrapped(p, "https://www.google.com/amp/s/x.example/amp/page"), "https://x.example/amp/page");
  EXPECT_EQ(Unwrapped(p, "https://www.google.com/amp/x.example/"), "http://x.example/");
  EXPECT_EQ(Unwrapped(p, "https://x-example.cdn.ampproject.org/c/s/x.example/p"), "https://x.example/p");
  EXPECT_EQ(Unwrapped(p, "x-example.cdn.ampproject.org:443"), "https://x.example/");
  EXPECT_EQ(Unwrapped(p, "https://web.archive.org/web/20200101000000/http://x.example/p"), "http://x.example/p");
  EXPECT_EQ(Unwrapped(p, "https://web.archive.org/web/2020*/x.example"), "http://x.example/");
  EXPECT_EQ(Unwrapped(p, "https://web.archive.org/web/20200101id_/https://x.example/"), "https://x.example/");
  EXPECT_EQ(Unwrapped(p, "https://webcache.googleusercontent.com/search?q=cache:x.example/p&hl=en"),
            "http://x.example/p");
  // Nested: a translated archive.
  EXPECT_EQ(Unwrapped(p, "https://translate.google.com/translate?u=web.archive.org/web/2020/x.example/"),
            "http://x.example/");
  // Near misses: the proxies' own pages wrap nothing; other hosts are not proxies.
  EXPECT_EQ(Unwrapped(p, "https://translate.google.com/"), "-");
  EXPECT_EQ(Unwrapped(p, "https://translate.goog/"), "-");
  EXPECT_EQ(Unwrapped(p, "https://web.archive.org/"), "-");
  EXPECT_EQ(Unwrapped(p, "https://www.google.com/ampere/x.example"), "-");
  EXPECT_EQ(Unwrapped(p, "https://webcache.googleusercontent.com/search?q=x.example"), "-");
  EXPECT_EQ(Unwrapped(p, "https://example.com/translate?u=http://x.example/"), "-");
  EXPECT_EQ(Unwrapped(p, "https://evil-translate.goog/"), "-");
  EXPECT_EQ(p.Find("www.google.com.evil.example"), nullptr);
  EXPECT_NE(p.Find("a.translate.goog"), nullptr);
}

TEST(ContentProxyTest, StricterOfProxyAndWrappedDecidesAndRecordsVia) {
  auto lists = testing::SmallLists();
  CategoryPolicy policy;
  policy.block = lists->categories();
  auto state = MakeFilterState(lists, policy, Shipped());
  ASSERT_TRUE(state.ok());
  FilterEngine engine(*state);
  auto decision = engine.Decide("https://translate.google.com/translate?u=http://blocked.example/x");
  ASSERT_TRUE(decision.ok());
  EXPECT_EQ(decision->action, Action::kBlock);
  EXPECT_EQ(decision->entry, "blocked.example");
  EXPECT_EQ(decision->canonical.spec(), "http://blocked.example/x");
  EXPECT_EQ(decision->via, "https://translate.google.com/translate?u=http://blocked.example/x");
  auto allowed = engine.Decide("https://translate.google.com/translate?u=http://fine.example/");
  ASSERT_TRUE(allowed.ok());
  EXPECT_EQ(allowed->action, Action::kAllow);
  EXPECT_EQ(allowed->via, "https://translate.google.com/translate?u=http://fine.example/");
  auto ordinary = engine.Decide("http://fine.example/");
  ASSERT_TRUE(ordinary.ok());
  EXPECT_EQ(ordinary->via, "");
}

// Problems are reported with file and line, all of them, and nothing is loaded.
TEST(ContentProxyTest, ProblemsCarryFileAndLine) {
  std::vector<ProfileProblem> problems;
  auto parsed = ContentProxies::Parse(R"(version: "1"
proxies:
  - name: no way out
    host: proxy.example
  - name: bad host
    host: "not a host/"
    from_query: [{parameter: u}]
  - name: bad path
    host: "*.wrap.example"
    from_path: [{prefix: "web/", scheme: gopher}]
  - name: host form on an exact host
    host: exact.example
    from_host: true
  - name: twice
    host: proxy.example
    from_query: [{parameter: u, colour: red}]
)",
                                      "proxies.yaml", problems);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().message.substr(0, 15), "proxies.yaml:3:");
  std::vector<std::string> lines;
  for (const auto& problem : problems) lines.push_back(FormatProblem(problem));
  auto has = [&](const std::string& prefix, const std::string& part) {
    for (const auto& line : lines) {
      if (line.starts_with(prefix) && line.find(part) != std::string::npos) return true;
    }
    return false;
  };
  EXPECT_TRUE(has("proxies.yaml:3:", "says nowhere to find the wrapped URL")) << ::testing::PrintToString(lines);
  EXPECT_TRUE(has("proxies.yaml:6:", "is not a host name")) << ::testing::PrintToString(lines);
  EXPECT_TRUE(has("proxies.yaml:10:", "starts and ends with '/'")) << ::testing::PrintToString(lines);
  EXPECT_TRUE(has("proxies.yaml:10:", "must be http or https")) << ::testing::PrintToString(lines);
  EXPECT_TRUE(has("proxies.yaml:13:", "'from_host' needs")) << ::testing::PrintToString(lines);
  EXPECT_TRUE(has("proxies.yaml:15:", "given for two content proxies")) << ::testing::PrintToString(lines);
  EXPECT_TRUE(has("proxies.yaml:16:", "unknown key 'colour'")) << ::testing::PrintToString(lines);

  problems.clear();
  EXPECT_FALSE(ContentProxies::Parse("proxies: [", "broken.yaml", problems).ok());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_TRUE(problems[0].reason.starts_with("not valid YAML")) << problems[0].reason;
}

// A profiles file names its content-proxy file; a broken one stops the load with its line.
TEST(ContentProxyTest, ProfilesFileNamesTheProxyFile) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("esafe-proxy-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "lists/adult");
  auto write = [](const std::filesystem::path& path, const std::string& text) { std::ofstream(path) << text; };
  write(dir / "lists/adult/domains", "blocked.example\n");
  write(dir / "iwf.hashes", std::string(64, '0') + "\n");
  write(dir / "proxies.yaml", "version: \"1\"\nproxies:\n  - name: t\n    host: proxy.example\n    from_query: [{parameter: u}]\n");
  write(dir / "profiles.yaml", R"(version: "1"
default_profile: p
content_proxies: proxies.yaml
mandatory:
  - {category: iwf, file: iwf.hashes, format: hashes}
profiles:
  - name: p
    block: [adult]
)");
  LoadReport report;
  std::vector<ProfileProblem> problems;
  auto state = LoadPolicyState(dir / "profiles.yaml", dir / "lists", report, problems);
  ASSERT_TRUE(state.ok()) << state.error().message;
  PolicyEngine engine(*state);
  auto decision = engine.Decide("http://proxy.example/?u=blocked.example/x", "p", std::nullopt, LocalTime{0, 600});
  ASSERT_TRUE(decision.ok());
  EXPECT_EQ(decision->action, Action::kBlock);
  EXPECT_EQ(decision->via, "http://proxy.example/?u=blocked.example/x");

  write(dir / "proxies.yaml", "version: \"1\"\nproxies:\n  - name: t\n    host: proxy.example\n");
  problems.clear();
  auto broken = LoadPolicyState(dir / "profiles.yaml", dir / "lists", report, problems);
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.error().message.find("proxies.yaml:3:"), std::string::npos) << broken.error().message;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace esafe::filter
