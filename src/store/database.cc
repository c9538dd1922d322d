// The reader pool of store::Database (database.h).
#include "store/database.h"

#include <thread>

namespace esafe::store {

Database::Database(std::unique_ptr<Connection> writer, Opener open_reader, int max_readers)
    : connection_(std::move(writer)), open_reader_(std::move(open_reader)), max_readers_(max_readers) {}

Database::~Database() = default;

int Database::open_readers() const {
  std::lock_guard lock(pool_mutex_);
  return open_readers_;
}

int64_t Database::grouped_commits() const {
  std::lock_guard lock(group_mutex_);
  return grouped_commits_;
}

// Leader and followers: the caller that finds no commit in flight leads, waits the
// window, takes every write queued by then and commits them together; the others
// wait for their result. Writes queued during a commit are taken by the next leader.
Result<void> Database::WriteGrouped(const std::function<Result<void>(Connection&)>& write) {
  GroupedWrite mine{&write, std::nullopt};
  std::unique_lock lock(group_mutex_);
  group_queue_.push_back(&mine);
  while (!mine.result) {
    if (group_leader_) {
      group_committed_.wait(lock);
      continue;
    }
    group_leader_ = true;
    lock.unlock();
    if (group_window_.count() > 0) std::this_thread::sleep_for(group_window_);
    lock.lock();
    std::vector<GroupedWrite*> group;
    group.swap(group_queue_);
    lock.unlock();
    std::vector<Result<void>> results = CommitGroup(group);
    lock.lock();
    for (size_t i = 0; i < group.size(); ++i) group[i]->result.emplace(std::move(results[i]));
    group_leader_ = false;
    group_committed_.notify_all();
  }
  return std::move(*mine.result);
}

std::vector<Result<void>> Database::CommitGroup(const std::vector<GroupedWrite*>& group) {
  // An exception from one write must not leave the others waiting for ever.
  auto commit = [&](size_t from, size_t to) -> Result<void> {
    Result<void> r;
    try {
      r = Transaction<void>([&](Connection& c) -> Result<void> {
        for (size_t i = from; i < to; ++i) ESAFE_TRY((*group[i]->write)(c));
        return Ok();
      });
    } catch (const std::exception& e) {
      r = Error::Internal(std::string("database: ") + e.what());
    }
    if (r.ok()) {
      std::lock_guard lock(group_mutex_);
      ++grouped_commits_;
    }
    return r;
  };
  auto together = commit(0, group.size());
  if (together.ok() || group.size() == 1) return std::vector<Result<void>>(group.size(), together);
  std::vector<Result<void>> results;
  results.reserve(group.size());
  for (size_t i = 0; i < group.size(); ++i) results.push_back(commit(i, i + 1));
  return results;
}

Database::ReaderLease::ReaderLease(Database& db) : db_(db) {
  if (db.max_readers_ <= 0) return;
  std::unique_lock lock(db.pool_mutex_);
  for (;;) {
    if (!db.idle_readers_.empty()) {
      connection_ = std::move(db.idle_readers_.back());
      db.idle_readers_.pop_back();
      return;
    }
    if (db.open_readers_ < db.max_readers_) {
      ++db.open_readers_;
      lock.unlock();
      auto opened = db.open_reader_();
      lock.lock();
      if (opened.ok()) {
        connection_ = std::move(*opened);
        return;
      }
      --db.open_readers_;
      // Cannot open another (the server's connection limit, say): wait for one that is
      // open, or, with none open, read in the writer's turn (connection() is null).
      if (db.open_readers_ == 0) return;
    }
    db.reader_returned_.wait(lock);
  }
}

Database::ReaderLease::~ReaderLease() {
  if (!connection_) return;
  std::lock_guard lock(db_.pool_mutex_);
  db_.idle_readers_.push_back(std::move(connection_));
  db_.reader_returned_.notify_one();
}

}  // namespace esafe::store
