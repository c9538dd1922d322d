// RunChecks and the two ways its answer is shown (health.h).
#include <unistd.h>

#include <future>

#include <fmt/format.h>

#include "access/access.h"
#include "health/health.h"

namespace esafe::health {

std::string_view StatusName(Status status) {
  switch (status) {
    case Status::kOk: return "ok";
    case Status::kNotConfigured: return "not configured";
    case Status::kWarning: return "warning";
    case Status::kProblem: return "problem";
  }
  return "problem";
}

Status Worst(const std::vector<Check>& checks) {
  Status worst = Status::kOk;
  for (const auto& c : checks) {
    if (c.status == Status::kProblem) return Status::kProblem;
    if (c.status == Status::kWarning) worst = Status::kWarning;
  }
  return worst;
}

std::vector<Check> RunChecks(const Deployment& d) {
  const auto now = std::chrono::system_clock::now();
  // The slow ones (network, reading the whole log) start first and run side by side.
  auto smtp = std::async(std::launch::async, [&d] { return CheckSmtp(d); });
  auto mirror = std::async(std::launch::async, [&d] { return CheckMirror(d); });
  auto log_check = std::async(std::launch::async, [&d, now] { return CheckActivityLog(d, now); });
  std::vector<Check> checks;
  const auto append = [&checks](std::vector<Check> more) {
    for (auto& c : more) checks.push_back(std::move(c));
  };
  checks.push_back(CheckConfiguration(d));
  append(CheckFileModes(d, ::geteuid() == 0));
  checks.push_back(CheckDatabase(d));
  checks.push_back(CheckDemoAccounts(d));
  append(CheckListFiles(d, now));
  append(CheckNodes(d, now));
  checks.push_back(log_check.get());
  checks.push_back(mirror.get());
  checks.push_back(smtp.get());
  checks.push_back(CheckTlsCertificate(d, now));
  return checks;
}

Result<std::vector<Check>> DeploymentHealth(const access::Principal& who, const Deployment& deployment) {
  if (who.role != access::Role::kPartnershipAdmin) {
    return Error::Forbidden("only partnership administrators see the deployment's health");
  }
  return RunChecks(deployment);
}

nlohmann::json ToJson(const std::vector<Check>& checks) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& c : checks) {
    list.push_back({{"name", c.name}, {"status", StatusName(c.status)}, {"detail", c.detail}, {"advice", c.advice}});
  }
  return {{"status", StatusName(Worst(checks))}, {"checks", std::move(list)}};
}

std::string ToText(const std::vector<Check>& checks) {
  std::string out;
  for (const auto& c : checks) {
    out += fmt::format("{:<15}{}: {}", StatusName(c.status), c.name, c.detail);
    if (!c.advice.empty()) out += fmt::format(" — {}", c.advice);
    out += "\n";
  }
  return out;
}

}  // namespace esafe::health
