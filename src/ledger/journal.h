// Journal: the double-entry book of record. It validates and stores journal
// entries, keeps balances (per account and currency, plus sub-ledgers such as
// 2300 per order) in the same transaction, enforces idempotency, periods and
// append-only corrections (reversals), and answers trial balance, statement,
// entry and lineage queries. Not here: posting rules (which draft entries)
// and reconciliation.
//
// Storage (see journal.cc for the measurements behind it): the entries one
// commit writes are one row of ledger_segments, packed back to back
// (codec_internal.h). The Engine holds every entry's key, balances and
// posting columns in memory, and the journal indexes order and correlation
// ids in memory, so no per-entry index is written. Balances are written as
// rows in the same transaction.
//
// Invariant: every stored entry balances per currency and ledger_balances
// equals the sum of stored postings. Before it writes, a Journal checks that
// the store holds no entry its memory lacks (another process, e.g. a CLI
// command, may have posted) and reloads if it does, inside the write lock.
// Thread-compatible: callers serialise access.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/money.h"
#include "core/result.h"
#include "core/time.h"
#include "ledger/chart.h"
#include "ledger/engine.h"
#include "ledger/entry.h"
#include "store/store.h"

namespace hub::ledger {

// Schema of the ledger module, applied by store::Store::Migrate.
std::span<const store::Migration> LedgerMigrations();

struct JournalOptions {
  // PostBatch writes all drafts in one transaction; a larger span is refused
  // so one call cannot hold the write lock for long.
  std::size_t batch_entries_max = 65'536;
  // Entries() and Statement() stop after this many entries.
  std::size_t query_entries_max = 100'000;
  EngineOptions engine;
};

struct PostResult {
  std::int64_t entry_id = 0;
  bool existing = false;  // idempotent repeat: the entry was already posted with this content
};

struct TrialBalanceRow {
  std::string account;
  std::string name;
  AccountType type = AccountType::kAsset;
  Money debit;
  Money credit;
  Money balance;  // debit - credit
};

struct StoredEntry {
  std::int64_t id = 0;
  EntryDraft draft;
  std::int64_t reversed_by = 0;  // 0 when not reversed
};

struct StatementLine {
  std::int64_t entry_id = 0;
  std::size_t posting_index = 0;
  Instant effective_at;
  std::string description;
  Posting posting;
  Money running_balance;  // in the posting's currency, from the opening balance
};

struct AccountStatement {
  std::string account;
  std::vector<Money> opening;  // per currency, balance before `from`
  std::vector<StatementLine> lines;
};

struct EntryFilter {
  std::string order_id;
  std::string correlation_id;
  std::string account;
};

struct PostingRef {
  std::int64_t entry_id = 0;
  std::size_t index = 0;
};

struct PostingLineage {
  std::int64_t entry_id = 0;
  Posting posting;
  std::string idempotency_key;
  std::string event_type;
  std::string source_system;
  std::string source_id;
  std::string message_id;
  std::string correlation_id;
  std::string reverses_entry_id;
};

class Journal {
 public:
  // Migrates the schema, then loads every entry and period into memory.
  static Result<std::unique_ptr<Journal>> Open(store::Store& store, Chart chart,
                                               JournalOptions options = {});
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // One entry, one transaction. See Engine::Apply for the error codes.
  Result<PostResult> Post(const EntryDraft& draft);
  // Many entries in one transaction (group commit): one result per draft, in
  // order. A draft that fails validation fails alone; if the store fails, the
  // whole batch fails with that error and nothing is written.
  std::vector<Result<PostResult>> PostBatch(std::span<const EntryDraft> drafts);
  // Posts the negation of entry_id, linked by reverses_entry_id. effective_at
  // defaults to the original's (pass a date in an open period if that one is
  // closed). Reversing an entry twice is kConflict.
  Result<PostResult> Reverse(std::int64_t entry_id, std::string_view reason,
                             std::string_view idempotency_key,
                             std::optional<Instant> effective_at = std::nullopt);

  // Monthly UTC periods, "2026-11". Periods are open until closed.
  Status OpenPeriod(std::string_view period);
  Status ClosePeriod(std::string_view period);

  // Account totals with activity; as_of counts entries with effective_at <= as_of.
  std::vector<TrialBalanceRow> TrialBalance(std::optional<Instant> as_of = std::nullopt) const;
  // Postings to `account` with effective_at in [from, to), with running balances.
  Result<AccountStatement> Statement(std::string_view account, Instant from, Instant to);
  // Entries matching every non-empty field of the filter, in id order.
  Result<std::vector<StoredEntry>> Entries(const EntryFilter& filter);
  Result<StoredEntry> Get(std::int64_t entry_id);
  Result<PostingLineage> Lineage(PostingRef ref);

  // Balance of one account (all sub-ledger values) or of one sub-ledger value.
  Result<Sums> Balance(std::string_view account, Currency currency) const;
  Result<Sums> SubledgerBalance(std::string_view account, Currency currency,
                                std::string_view value) const;

  // Rebuilds memory from the store: after a caller's transaction that
  // included posts was rolled back.
  Status Resync();

  const Chart& chart() const { return engine_->chart(); }
  // Chart::Relabel on the live chart (a mapping change; names are not stored
  // in entries, so history reads with the new labels).
  Status RelabelAccount(std::string_view code, std::string name, std::string erp_code);
  store::Connection& connection() { return *conn_; }

 private:
  Journal(std::unique_ptr<store::Connection> conn, Chart chart, JournalOptions options);
  struct ValueIndex;
  struct SegmentCache;
  Status Reload();
  Status LoadEntries(std::int64_t from_id);
  Status LoadPeriods();
  Status ConvertLegacyEntries();
  Status CatchUp();
  void IndexEntry(std::int64_t id, const EntryDraft& d);
  Status WriteSegment(std::int64_t first_id, std::int64_t last_id);
  Status WriteBalances();

  std::unique_ptr<store::Connection> conn_;
  Chart chart_;
  JournalOptions options_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<ValueIndex> by_order_;        // order id of any posting -> entry ids
  std::unique_ptr<ValueIndex> by_correlation_;  // correlation id -> entry ids
  std::unique_ptr<SegmentCache> cache_;         // the segment Get() read last
  std::string segment_;                         // reused encode buffers
  std::string scratch_;
  store::Statement* insert_segment_ = nullptr;
  store::Statement* upsert_balance_ = nullptr;
};

}  // namespace hub::ledger
