// SQLite implementation of Store: WAL mode, synchronous=FULL by default,
// numbered `$N` parameters rewritten to SQLite's `?N`, statements cached per
// connection. SQLITE_BUSY/LOCKED map to kUnavailable (transient, retried by
// callers); everything else to kInternal with SQLite's message.
//
// Writers of one process queue on an in-process gate (one per database
// file) before BEGIN IMMEDIATE. SQLite's own busy handler polls with sleeps
// of 1, 2, 5, 10 ... 100 ms, so writers meeting only on the file lock (the
// ingest committer, the translate stage, the domain workers) lost
// milliseconds at every collision; on the gate the next writer starts the
// moment the last one commits. Other processes (the CLI) still meet the
// busy handler.
#include <sqlite3.h>

#include <fmt/format.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>

#include "store/store.h"

namespace hub::store {
namespace {

Error SqlError(sqlite3* db, int rc, std::string_view what) {
  const int primary = rc & 0xff;
  const ErrorCode code =
      (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
          ? ErrorCode::kUnavailable
          : (primary == SQLITE_CONSTRAINT ? ErrorCode::kConflict : ErrorCode::kInternal);
  return Error(code, fmt::format("sqlite {}: {} ({})", what,
                                 db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc), rc));
}

// "$12" -> "?12" outside of quoted strings and identifiers.
std::string RewriteParams(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  char quote = 0;
  for (char c : sql) {
    if (quote != 0) {
      if (c == quote) {
        quote = 0;
      }
      out.push_back(c);
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
    }
    out.push_back(c == '$' ? '?' : c);
  }
  return out;
}

// One per database file in this process; shared by its connections. A flag
// under a mutex rather than a mutex held across the transaction, so that a
// transaction may end on another thread than the one that began it.
class WriterGate {
 public:
  bool Acquire(std::chrono::milliseconds timeout) {
    std::unique_lock l(mu_);
    if (!cv_.wait_for(l, timeout, [&] { return !held_; })) {
      return false;
    }
    held_ = true;
    return true;
  }
  void Release() {
    {
      std::lock_guard l(mu_);
      held_ = false;
    }
    cv_.notify_one();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false;
};

std::shared_ptr<WriterGate> GateFor(const std::string& path) {
  if (path.empty() || path == ":memory:" || path.find("mode=memory") != std::string::npos) {
    return std::make_shared<WriterGate>();  // a database of its own
  }
  static std::mutex registry_mu;
  static std::map<std::string, std::weak_ptr<WriterGate>> registry;
  std::lock_guard l(registry_mu);
  auto& weak = registry[path];
  auto gate = weak.lock();
  if (!gate) {
    gate = std::make_shared<WriterGate>();
    weak = gate;
  }
  return gate;
}

class SqliteStatement final : public Statement {
 public:
  SqliteStatement(sqlite3* db, sqlite3_stmt* s) : db_(db), stmt_(s) {}
  ~SqliteStatement() override { sqlite3_finalize(stmt_); }
  Statement& BindNull(int i) override {
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  Statement& Bind(int i, std::int64_t v) override {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Statement& Bind(int i, std::string_view t) override {
    sqlite3_bind_text64(stmt_, i, t.data(), t.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    return *this;
  }
  Statement& BindBlob(int i, std::string_view b) override {
    sqlite3_bind_blob64(stmt_, i, b.data(), b.size(), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& BindView(int i, std::string_view t) override {
    sqlite3_bind_text64(stmt_, i, t.data(), t.size(), SQLITE_STATIC, SQLITE_UTF8);
    return *this;
  }
  Statement& BindBlobView(int i, std::string_view b) override {
    sqlite3_bind_blob64(stmt_, i, b.data(), b.size(), SQLITE_STATIC);
    return *this;
  }
  Result<bool> Step() override {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) {
      return true;
    }
    if (rc == SQLITE_DONE) {
      return false;
    }
    Error e = SqlError(db_, rc, "step");
    sqlite3_reset(stmt_);
    return Fail(std::move(e));
  }
  Result<std::int64_t> Run() override {
    for (;;) {
      HUB_TRY(bool row, Step());
      if (!row) {
        break;
      }
    }
    return static_cast<std::int64_t>(sqlite3_changes64(db_));
  }
  bool IsNull(int c) const override { return sqlite3_column_type(stmt_, c) == SQLITE_NULL; }
  std::int64_t Int(int c) const override { return sqlite3_column_int64(stmt_, c); }
  std::string Text(int c) const override {
    const void* p = sqlite3_column_blob(stmt_, c);
    const int n = sqlite3_column_bytes(stmt_, c);
    if (p == nullptr) {
      return {};
    }
    return std::string(static_cast<const char*>(p), static_cast<std::size_t>(n));
  }
  void Reset() override {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  ~SqliteConnection() override {
    cache_.clear();
    sqlite3_close_v2(db_);  // rolls back an open transaction
    if (holds_gate_) {
      gate_->Release();
    }
  }
  Status Execute(std::string_view sql) override {
    std::string s(sql);
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
      sqlite3_free(err);
      Error e = SqlError(db_, rc, "exec");
      e.message += ": " + msg;
      return Fail(std::move(e));
    }
    return Ok();
  }
  Result<Statement*> Prepare(std::string_view sql) override {
    auto it = cache_.find(sql);
    if (it != cache_.end()) {
      it->second->Reset();
      return it->second.get();
    }
    const std::string rewritten = RewriteParams(sql);
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, rewritten.c_str(), static_cast<int>(rewritten.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) {
      return Fail(SqlError(db_, rc, fmt::format("prepare [{}]", sql)));
    }
    auto owned = std::make_unique<SqliteStatement>(db_, stmt);
    Statement* raw = owned.get();
    cache_.emplace(std::string(sql), std::move(owned));
    return raw;
  }
  void ReleaseReads() override {
    if (sqlite3_get_autocommit(db_) == 0) {
      return;  // inside an explicit transaction the statements belong to it
    }
    for (auto& [sql, stmt] : cache_) {
      stmt->Reset();
    }
  }
  Status Begin() override {
    if (!gate_->Acquire(std::chrono::milliseconds(busy_timeout_ms_))) {
      return Fail(ErrorCode::kUnavailable,
                  fmt::format("sqlite begin: another writer in this process held the store for "
                              "over {} ms; retry",
                              busy_timeout_ms_));
    }
    holds_gate_ = true;
    auto st = Execute("BEGIN IMMEDIATE");
    ReleaseGateUnlessInTransaction();
    return st;
  }
  Status Commit() override {
    auto st = Execute("COMMIT");
    ReleaseGateUnlessInTransaction();
    return st;
  }
  Status Rollback() override {
    if (sqlite3_get_autocommit(db_) != 0) {
      ReleaseGateUnlessInTransaction();
      return Ok();
    }
    auto st = Execute("ROLLBACK");
    ReleaseGateUnlessInTransaction();
    return st;
  }
  bool InTransaction() const override { return sqlite3_get_autocommit(db_) == 0; }
  Status DeferDurability() override { return Execute("PRAGMA synchronous=NORMAL"); }

  void SetGate(std::shared_ptr<WriterGate> gate, int busy_timeout_ms) {
    gate_ = std::move(gate);
    busy_timeout_ms_ = busy_timeout_ms;
  }

 private:
  void ReleaseGateUnlessInTransaction() {
    if (holds_gate_ && sqlite3_get_autocommit(db_) != 0) {
      holds_gate_ = false;
      gate_->Release();
    }
  }

  sqlite3* db_;
  std::shared_ptr<WriterGate> gate_;
  int busy_timeout_ms_ = 5000;
  bool holds_gate_ = false;
  std::map<std::string, std::unique_ptr<SqliteStatement>, std::less<>> cache_;
};

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(SqliteOptions o) : options_(std::move(o)), gate_(GateFor(options_.path)) {}
  Result<std::unique_ptr<Connection>> Connect() override {
    sqlite3* db = nullptr;
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    const int rc = sqlite3_open_v2(options_.path.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
      Error e = SqlError(db, rc, fmt::format("open {}", options_.path));
      sqlite3_close_v2(db);
      return Fail(std::move(e));
    }
    sqlite3_busy_timeout(db, options_.busy_timeout_ms);
    auto conn = std::make_unique<SqliteConnection>(db);
    conn->SetGate(gate_, options_.busy_timeout_ms);
    HUB_TRY_STATUS(conn->Execute(
        fmt::format("PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous={}; "
                    "PRAGMA foreign_keys=ON; "
                    "PRAGMA cache_size=-{}; PRAGMA temp_store=MEMORY;",
                    options_.synchronous_full ? "FULL" : "NORMAL", options_.cache_kib)));
    return std::unique_ptr<Connection>(std::move(conn));
  }
  std::string_view dialect() const override { return "sqlite"; }

  Status Migrate(std::span<const Migration> migrations) override {
    std::lock_guard lock(migrate_mu_);
    HUB_TRY(auto conn, Connect());
    HUB_TRY_STATUS(conn->Execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (module TEXT NOT NULL, version INTEGER NOT "
        "NULL, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP, PRIMARY KEY (module, "
        "version))"));
    for (const Migration& m : migrations) {
      Transaction tx(*conn);
      HUB_TRY_STATUS(tx.Begin());
      HUB_TRY(Statement * q,
              conn->Prepare("SELECT 1 FROM schema_migrations WHERE module = $1 AND version = $2"));
      q->Bind(1, m.module).Bind(2, static_cast<std::int64_t>(m.version));
      HUB_TRY(bool applied, q->Step());
      q->Reset();
      if (applied) {
        continue;
      }
      auto ran = conn->Execute(m.sql);
      if (!ran) {
        Error e = ran.error();
        e.message = fmt::format("migration {} v{} failed: {}", m.module, m.version, e.message);
        return Fail(std::move(e));
      }
      HUB_TRY(Statement * ins,
              conn->Prepare("INSERT INTO schema_migrations (module, version) VALUES ($1, $2)"));
      ins->Bind(1, m.module).Bind(2, static_cast<std::int64_t>(m.version));
      HUB_TRY_STATUS(ins->Run());
      HUB_TRY_STATUS(tx.Commit());
    }
    return Ok();
  }

 private:
  SqliteOptions options_;
  std::shared_ptr<WriterGate> gate_;
  std::mutex migrate_mu_;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options) {
  if (options.path.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "sqlite path is empty", "store.path");
  }
  auto store = std::make_unique<SqliteStore>(options);
  // Open once to create the file and switch it to WAL before anyone else.
  HUB_TRY(auto probe, store->Connect());
  (void)probe;
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace hub::store
