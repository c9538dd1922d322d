// The reader pool of store::Database (database.h).
#include "store/database.h"

namespace esafe::store {

Database::Database(std::unique_ptr<Connection> writer, Opener open_reader, int max_readers)
    : connection_(std::move(writer)), open_reader_(std::move(open_reader)), max_readers_(max_readers) {}

Database::~Database() = default;

int Database::open_readers() const {
  std::lock_guard lock(pool_mutex_);
  return open_readers_;
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
