// BackupLog and RestoreLog: a consistent copy of a log that another process writes.
//
// The Store writes in this order: a batch goes to the WAL (fsync'd, then
// acknowledged); a seal writes the segment file, appends its chain entry, and only
// then unlinks the WAL it came from and opens the next one; retention writes any
// rewritten segment, appends its entry, then unlinks the old file. So the chain is
// read first: every event acknowledged before that read is in a segment the chain
// names or in the WAL after the chain's last sealed one. Segments never change once
// named, so they are copied at leisure (a missing one was removed by retention after
// the read: start again). The WAL is read next, and the chain once more: when no seal
// happened in between, the WAL read was the live one, holding every batch acknowledged
// until then; its torn tail (a batch being written, not yet acknowledged) is cut.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include "activity/internal.h"

namespace esafe::activity {

using namespace internal;

namespace {

namespace fs = std::filesystem;

constexpr int kBackupAttempts = 100;

// The files of a log that a backup holds: the chain, segments, the WAL. LOCK belongs to
// the process that has the log open, reports/ to its report jobs (removed at start).
bool IsLogDataFile(const std::string& name) {
  return name == "chain.log" || (name.size() == 16 && (name.starts_with("seg-") || name.starts_with("wal-")) &&
                                 (name.ends_with(".esl") || name.ends_with(".log")));
}

Result<void> MakeBackupDir(const std::string& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec) && (!fs::is_directory(dir, ec) || !fs::is_empty(dir, ec)))
    return Error::Invalid(dir + " is not empty: a backup goes into a new or empty directory", "dest");
  if (::mkdir(dir.c_str(), 0750) != 0 && errno != EEXIST)
    return Error::Internal("mkdir " + dir + ": " + std::strerror(errno));
  return Ok();
}

std::string ChainText(const std::vector<ChainEntry>& entries) {
  std::string text;
  for (const auto& e : entries) text += e.hash + " " + e.body + "\n";
  return text;
}

bool SealedSince(const std::vector<ChainEntry>& before, const std::vector<ChainEntry>& after) {
  for (size_t i = before.size(); i < after.size(); ++i)
    if (after[i].json.value("kind", "") == "segment") return true;
  return false;
}

// Cuts `path` to its whole records; returns the events they hold.
Result<uint64_t> TrimWal(const std::string& path) {
  auto wal = ReadWal(path);
  if (!wal) return wal.error();
  if (wal->torn) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return Error::Internal("open " + path + ": " + std::strerror(errno));
    const bool cut = ::ftruncate(fd, static_cast<off_t>(wal->good_bytes)) == 0 && ::fsync(fd) == 0;
    ::close(fd);
    if (!cut) return Error::Internal("truncate " + path + ": " + std::strerror(errno));
  }
  return static_cast<uint64_t>(wal->events.size());
}

}  // namespace

Result<LogBackup> BackupLog(const std::string& src, const std::string& dest) {
  std::error_code ec;
  if (!fs::is_directory(src, ec)) return Error::NotFound("no activity log at " + src);
  ESAFE_TRY(MakeBackupDir(dest));
  LogBackup out;
  std::set<std::string> copied;  // segment files already in dest
  for (int attempt = 1; attempt <= kBackupAttempts; ++attempt) {
    out.attempts = static_cast<uint64_t>(attempt);
    auto chain = ReadChain(src);
    if (!chain) return chain.error();
    if (!chain->problem.empty())
      return Error::Internal("the activity log " + src + " is corrupt (" + chain->problem + "); run esafe log verify");
    auto state = Replay(chain->entries);
    if (!state) return state.error();

    bool removed_meanwhile = false;
    for (const auto& [seq, seg] : state->live) {
      if (copied.count(seg.file)) continue;
      auto bytes = ReadFile(src + "/" + seg.file);
      if (!bytes && bytes.error().kind == ErrorKind::kNotFound) {
        removed_meanwhile = true;  // retention removed it after the chain was read
        break;
      }
      if (!bytes) return bytes.error();
      if (Sha256Hex(*bytes) != seg.sha256)
        return Error::Internal("segment " + seg.file + " does not match the chain; run esafe log verify " + src);
      ESAFE_TRY(WriteFileDurably(dest, seg.file, *bytes));
      copied.insert(seg.file);
    }
    if (removed_meanwhile) continue;

    const std::string wal_name = WalFileName(state->max_wal_gen + 1);
    auto wal = ReadFile(src + "/" + wal_name);
    if (!wal && wal.error().kind != ErrorKind::kNotFound) return wal.error();
    auto again = ReadChain(src);
    if (!again) return again.error();
    if (SealedSince(chain->entries, again->entries)) continue;

    // Segments copied on an earlier attempt that retention has since removed.
    for (auto it = copied.begin(); it != copied.end();) {
      bool live = false;
      for (const auto& [seq, seg] : state->live) live = live || seg.file == *it;
      if (live) {
        ++it;
      } else {
        ::unlink((dest + "/" + *it).c_str());
        it = copied.erase(it);
      }
    }
    ESAFE_TRY(WriteFileDurably(dest, wal_name, wal ? *wal : std::string()));
    auto wal_events = TrimWal(dest + "/" + wal_name);
    if (!wal_events) return wal_events.error();
    ESAFE_TRY(WriteFileDurably(dest, "chain.log", ChainText(chain->entries)));

    out.files = {"chain.log"};
    for (const auto& [seq, seg] : state->live) out.files.push_back(seg.file);
    out.files.push_back(wal_name);
    out.entries = chain->entries.size();
    out.head_hash = state->head;
    out.segments = state->live.size();
    out.wal_events = *wal_events;
    return out;
  }
  return Error::Internal("the activity log " + src + " was sealed " + std::to_string(kBackupAttempts) +
                         " times while it was being copied; try again");
}

Result<void> CheckLogRestoreTarget(const std::string& dest, bool force) {
  std::error_code ec;
  if (!fs::exists(dest, ec)) return Ok();
  if (!fs::is_directory(dest, ec)) return Error::Invalid(dest + " exists and is not a directory", "activity-log");
  const std::string lock = dest + "/LOCK";
  const int fd = ::open(lock.c_str(), O_RDWR | O_CLOEXEC);
  if (fd >= 0) {
    const bool held = ::flock(fd, LOCK_EX | LOCK_NB) != 0;
    ::close(fd);
    if (held) return Error::Conflict("the activity log " + dest + " is open in another process (stop esafe serve)");
  }
  if (!force && !fs::is_empty(dest, ec))
    return Error::Invalid("the activity log " + dest + " is not empty; add --force to replace it", "activity-log");
  return Ok();
}

Result<VerifyReport> RestoreLog(const std::string& backup, const std::string& dest, bool force) {
  ESAFE_TRY(CheckLogRestoreTarget(dest, force));
  auto report = Verify(backup);
  if (!report) return report.error();
  if (!report->ok)
    return Error::Conflict("the activity log in the backup does not verify: " +
                           (report->problems.empty() ? std::string("unknown problem") : report->problems.front()));
  fs::path target = fs::path(dest).lexically_normal();
  if (target.filename().empty()) target = target.parent_path();  // "log/" names the folder log
  const std::string staging = target.string() + ".restoring";
  const std::string replaced = target.string() + ".replaced";
  std::error_code ec;
  fs::remove_all(staging, ec);
  fs::create_directories(target.parent_path().empty() ? fs::path(".") : target.parent_path(), ec);
  if (::mkdir(staging.c_str(), 0750) != 0) return Error::Internal("mkdir " + staging + ": " + std::strerror(errno));
  auto fail = [&](Error e) -> Error {
    fs::remove_all(staging, ec);
    return e;
  };
  for (const auto& entry : fs::directory_iterator(backup, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || !IsLogDataFile(name)) continue;
    auto bytes = ReadFile(entry.path().string());
    if (!bytes) return fail(bytes.error());
    if (auto w = WriteFileDurably(staging, name, *bytes); !w) return fail(w.error());
  }
  if (ec) return fail(Error::Internal("cannot list " + backup + ": " + ec.message()));
  // A crash between the two renames leaves both whole folders beside `dest`
  // (.replaced and .restoring), never a part of one.
  if (fs::exists(target, ec)) {
    fs::remove_all(replaced, ec);
    if (::rename(target.c_str(), replaced.c_str()) != 0)
      return fail(Error::Internal("rename " + target.string() + ": " + std::strerror(errno)));
  }
  if (::rename(staging.c_str(), target.c_str()) != 0) {
    const Error e = Error::Internal("rename " + staging + ": " + std::strerror(errno));
    if (fs::exists(replaced, ec)) (void)::rename(replaced.c_str(), target.c_str());
    return fail(e);
  }
  fs::remove_all(replaced, ec);
  ESAFE_TRY(SyncDir(target.parent_path().empty() ? "." : target.parent_path().string()));
  return *report;
}

}  // namespace esafe::activity
