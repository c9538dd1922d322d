// libFuzzer target for the Squid helper protocol: any bytes, as lines, in both helper
// modes. Never crashes; every line gets exactly one answer line, and that answer starts
// with the request's channel ID when it has one, then OK, ERR or BH.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "enforce/squid_helper.h"
#include "filter/list_loader.h"

namespace {

using namespace esafe;

enforce::Enforcer& TheEnforcer() {
  static enforce::NullSink sink;
  static enforce::Enforcer* enforcer = [] {
    std::vector<filter::ProfileProblem> problems;
    auto set = filter::ParseProfileSet(R"(version: "fuzz"
default_profile: pupil
mandatory: [{category: iwf, file: iwf.hashes, format: hashes}]
profiles:
  - {name: pupil, safe_search: true, block: [adult], time_rules: [{days: [all], from: "00:00", to: "24:00", block: [games]}]}
  - {name: staff, overrides: {allow: [ok.example]}}
clients: [{cidr: 10.0.0.0/8, profile: staff}]
groups: [{name: t, profile: staff, members: ["*@t"]}]
)", "fuzz.yaml", problems);
    if (!set) std::abort();
    filter::ListSnapshotBuilder builder;
    filter::LoadReport report;
    (void)filter::LoadListText("adult.example\n", "a", "adult", filter::ListFormat::kDomains, builder, report);
    (void)filter::LoadListText("games.example\n", "g", "games", filter::ListFormat::kDomains, builder, report);
    (void)filter::LoadListText(filter::DigestToHex(filter::Sha256("iwf.example/x")) + "\n", "i", "iwf",
                               filter::ListFormat::kUrlHashes, builder, report);
    auto state = filter::BuildPolicyState(std::make_shared<const filter::ProfileSet>(std::move(*set)), builder, problems);
    if (!state) std::abort();
    auto clients = filter::ClientMap::Build(*(*state)->profiles);
    if (!clients) std::abort();
    return new enforce::Enforcer({*state, std::make_shared<const filter::ClientMap>(std::move(*clients))}, sink, {});
  }();
  return *enforcer;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const enforce::Enforcer& enforcer = TheEnforcer();
  while (!input.empty()) {
    const size_t newline = input.find('\n');
    const std::string_view line = input.substr(0, newline);
    input.remove_prefix(newline == std::string_view::npos ? input.size() : newline + 1);
    for (auto mode : {enforce::SquidMode::kRewrite, enforce::SquidMode::kAcl}) {
      enforce::SquidHelperOptions options;
      options.mode = mode;
      const std::string reply = enforce::HandleSquidLine(line, enforcer, options);
      if (reply.find('\n') != std::string::npos || reply.find('\r') != std::string::npos) std::abort();
      std::string channel;
      (void)enforce::ParseSquidLine(line, mode, options.channels, channel);
      std::string_view rest = reply;
      if (!channel.empty()) {
        if (!rest.starts_with(channel + " ")) std::abort();
        rest.remove_prefix(channel.size() + 1);
      }
      if (!rest.starts_with("OK") && !rest.starts_with("ERR") && !rest.starts_with("BH")) std::abort();
    }
  }
  return 0;
}
