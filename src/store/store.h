// Store: the storage interface every domain writes through. SQLite (embedded,
// the default) implements it here; PostgreSQL can implement the same
// interface (see docs/adr/0003-portable-sql.md): domain SQL uses only the
// portable subset — `$1`-style numbered parameters, INTEGER/TEXT/BLOB
// columns, INSERT ... ON CONFLICT DO NOTHING, RETURNING.
// Thread-safety: a Store is thread-safe; a Connection and its Statements
// belong to one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "core/result.h"

namespace hub::store {

// A prepared statement. Parameters are 1-based ($1 is index 1); columns are
// 0-based. Owned by its Connection; valid until the Connection is destroyed.
class Statement {
 public:
  virtual ~Statement() = default;
  virtual Statement& BindNull(int index) = 0;
  virtual Statement& Bind(int index, std::int64_t value) = 0;
  virtual Statement& Bind(int index, std::string_view text) = 0;
  virtual Statement& BindBlob(int index, std::string_view bytes) = 0;
  // The same without copying: the bytes must stay valid and unchanged until
  // the statement has run (Run, or the last Step) — never a temporary. For
  // hot writes of fields that outlive the call.
  virtual Statement& BindView(int index, std::string_view text) { return Bind(index, text); }
  virtual Statement& BindBlobView(int index, std::string_view bytes) {
    return BindBlob(index, bytes);
  }
  // Advances to the next row: true when a row is available, false when done.
  virtual Result<bool> Step() = 0;
  // Runs to completion (no rows expected); returns the number of rows changed.
  virtual Result<std::int64_t> Run() = 0;
  virtual bool IsNull(int column) const = 0;
  virtual std::int64_t Int(int column) const = 0;
  virtual std::string Text(int column) const = 0;
  // Clears bindings and rewinds; called automatically by Prepare().
  virtual void Reset() = 0;
};

// Steps `q` through its rows, calling `fn(row)` on each (`row` is `q`, read
// only), then resets it. `fn` returns void, or a Status: the first error
// stops the walk and is returned. The walk stops early only that way.
template <typename Fn>
Status ForEachRow(Statement& q, Fn&& fn) {
  for (;;) {
    Result<bool> row = q.Step();
    if (!row) {
      q.Reset();
      return tl::unexpected(std::move(row).error());
    }
    if (!*row) {
      break;
    }
    if constexpr (std::is_void_v<std::invoke_result_t<Fn&, const Statement&>>) {
      fn(std::as_const(q));
    } else {
      Status st = fn(std::as_const(q));
      if (!st) {
        q.Reset();
        return st;
      }
    }
  }
  q.Reset();
  return Ok();
}

class Connection {
 public:
  virtual ~Connection() = default;
  // Runs one or more statements without parameters (DDL, pragmas).
  virtual Status Execute(std::string_view sql) = 0;
  // Returns a cached prepared statement, reset and with bindings cleared.
  virtual Result<Statement*> Prepare(std::string_view sql) = 0;
  virtual Status Begin() = 0;  // an immediate (write-locking) transaction
  virtual Status Commit() = 0;
  virtual Status Rollback() = 0;
  virtual bool InTransaction() const = 0;
  // Resets every cached statement, ending the read transaction that a
  // statement left on a row holds open. A long-lived connection shared by
  // callers calls this between them: a stale read snapshot makes this
  // connection's next write fail with kUnavailable (SQLITE_BUSY_SNAPSHOT) once
  // another connection has committed.
  virtual void ReleaseReads() {}
  // Commits on this connection return before they reach the disk; they
  // become durable with the next durable commit on the same database (the
  // write-ahead log is one sequence) or at the next checkpoint. A crash of
  // the process loses nothing; a power loss may lose the last of them,
  // whole transactions, never half of one. Only for stages whose every
  // effect is derived from input already durable and that resume from what
  // they committed (the translate stage): after a power loss they redo the
  // lost suffix and reach the same state.
  virtual Status DeferDurability() { return Ok(); }
};

// RAII transaction: rolls back unless Commit() succeeded.
class Transaction {
 public:
  explicit Transaction(Connection& c) : conn_(c) {}
  ~Transaction() {
    if (active_) {
      (void)conn_.Rollback();
    }
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Status Begin() {
    HUB_TRY_STATUS(conn_.Begin());
    active_ = true;
    return Ok();
  }
  Status Commit() {
    active_ = false;
    return conn_.Commit();
  }

 private:
  Connection& conn_;
  bool active_ = false;
};

// One schema step of one module. Versions of a module apply in order, once.
struct Migration {
  std::string_view module;
  int version;
  std::string_view sql;
};

class Store {
 public:
  virtual ~Store() = default;
  // A new connection for the calling thread.
  virtual Result<std::unique_ptr<Connection>> Connect() = 0;
  // "sqlite" or "postgres".
  virtual std::string_view dialect() const = 0;
  // Applies the migrations not yet recorded in schema_migrations.
  virtual Status Migrate(std::span<const Migration> migrations) = 0;
};

struct SqliteOptions {
  std::string path;              // database file; ":memory:" only for tests of one connection
  bool synchronous_full = true;  // fsync on every commit: an acknowledged write survives power loss
  int busy_timeout_ms = 5000;    // how long a writer waits for the lock before kUnavailable
  std::int64_t cache_kib = 64 * 1024;
};

Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options);

}  // namespace hub::store
