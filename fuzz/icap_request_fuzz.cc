// libFuzzer target for the ICAP service: any bytes as one connection's input, through the
// whole connection logic (ICAP head, Encapsulated, HTTP head, chunked body, decision).
// Never crashes; every response is a complete ICAP/1.0 status line with an ISTag; a
// connection that ends in a 400 answers nothing after it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "enforce/icap_server.h"
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
  - {name: pupil, safe_search: true, block: [adult]}
  - {name: staff}
clients: [{cidr: 10.0.0.0/8, profile: staff}]
)", "fuzz.yaml", problems);
    if (!set) std::abort();
    filter::ListSnapshotBuilder builder;
    filter::LoadReport report;
    (void)filter::LoadListText("adult.example\n", "a", "adult", filter::ListFormat::kDomains, builder, report);
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
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  enforce::StringSource source(input);
  bool ended = false;
  enforce::ServeIcapConnection(
      source,
      [&](std::string_view response) {
        if (ended) std::abort();
        if (!response.starts_with("ICAP/1.0 ") || response.find("\r\nISTag: \"esafe-") == std::string_view::npos) {
          std::abort();
        }
        if (response.starts_with("ICAP/1.0 400")) ended = true;
        return true;
      },
      TheEnforcer(), {});
  // The parsers on their own, with the input as each kind of head.
  (void)enforce::ParseIcapHead(input);
  (void)enforce::ParseHttpRequestHead(input);
  (void)enforce::ParseEncapsulated(input);
  bool ieof = false;
  (void)enforce::ParseChunkSize(input, ieof);
  return 0;
}
