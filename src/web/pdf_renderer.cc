#include "web/pdf_renderer.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>
#include <vector>

#include <fmt/format.h>

namespace esafe::web {
namespace {

std::atomic<int> renders_running{0};
constexpr int kMaxRenders = 2;

struct RemoveDir {
  std::string path;
  ~RemoveDir() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
};

}  // namespace

std::optional<std::string> FindChromium() {
  if (const char* env = std::getenv("ESAFE_CHROMIUM"); env && *env) {
    if (::access(env, X_OK) == 0) return std::string(env);
    return std::nullopt;
  }
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"}) {
    if (::access(p, X_OK) == 0) return std::string(p);
  }
  return std::nullopt;
}

Result<std::string> RenderPdf(const std::string& html, int timeout_seconds) {
  auto chromium = FindChromium();
  if (!chromium) {
    return Error::Conflict(
        "PDF rendering needs Chromium, which is not installed on the server (apt-get install chromium, or set "
        "ESAFE_CHROMIUM); the HTML report prints to PDF from any browser meanwhile");
  }
  if (renders_running.fetch_add(1) >= kMaxRenders) {
    renders_running.fetch_sub(1);
    return Error::Throttled("the server is already printing reports; try again in a minute");
  }
  struct Release {
    ~Release() { renders_running.fetch_sub(1); }
  } release;

  std::string dir_template = (std::filesystem::temp_directory_path() / "esafe-pdf-XXXXXX").string();
  if (mkdtemp(dir_template.data()) == nullptr) return Error::Internal("cannot make a temporary directory for the PDF");
  RemoveDir cleanup{dir_template};  // mkdtemp makes it 0700: the report is readable by this user only
  const std::string html_path = dir_template + "/report.html";
  const std::string pdf_path = dir_template + "/report.pdf";
  const std::string log_path = dir_template + "/chromium.log";
  {
    std::ofstream out(html_path, std::ios::binary);
    out << html;
    if (!out) return Error::Internal("cannot write the report for Chromium");
  }

  std::vector<std::string> args = {*chromium,
                                   "--headless",
                                   "--disable-gpu",
                                   "--no-first-run",
                                   "--no-default-browser-check",
                                   "--disable-extensions",
                                   "--disable-background-networking",
                                   "--disable-component-update",
                                   "--disable-sync",
                                   "--disable-dev-shm-usage",
                                   "--user-data-dir=" + dir_template + "/profile",
                                   "--no-pdf-header-footer",
                                   "--print-to-pdf=" + pdf_path,
                                   "file://" + html_path};
  // Chromium's sandbox cannot start as root (containers); the page is our own
  // file with scripts off, so there it runs without it.
  if (geteuid() == 0) args.insert(args.begin() + 1, "--no-sandbox");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  // Everything the child needs is prepared before fork: between fork and exec
  // only async-signal-safe calls are made (the server is multi-threaded).
  int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (log_fd < 0 || null_fd < 0) {
    if (log_fd >= 0) ::close(log_fd);
    if (null_fd >= 0) ::close(null_fd);
    return Error::Internal("cannot open files for Chromium");
  }
  long max_fd = sysconf(_SC_OPEN_MAX);
  if (max_fd < 0 || max_fd > 65536) max_fd = 65536;
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);  // its own group, so a hung render is stopped with all its helpers
    dup2(null_fd, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    // Not the server's listening socket or database files.
    for (long fd = 3; fd < max_fd; ++fd) ::close(static_cast<int>(fd));
    execv(argv[0], argv.data());
    _exit(127);
  }
  ::close(log_fd);
  ::close(null_fd);
  if (pid < 0) return Error::Internal("cannot start Chromium");

  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  for (;;) {
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0) return Error::Internal("lost track of Chromium");
    if (std::chrono::steady_clock::now() > deadline) {
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      return Error::Internal(fmt::format("Chromium took longer than {} seconds to print the report", timeout_seconds));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  std::ifstream in(pdf_path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  std::string pdf = bytes.str();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !pdf.starts_with("%PDF")) {
    std::ifstream log(log_path);
    std::string tail((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    if (tail.size() > 2000) tail = tail.substr(tail.size() - 2000);
    return Error::Internal(fmt::format("Chromium did not print the report (status {}): {}", status, tail));
  }
  return pdf;
}

}  // namespace esafe::web
