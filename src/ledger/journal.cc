// Journal: storage and queries around the in-memory Engine.
//
// Why a commit's entries are one row (a segment) — measured with
// bench_ledger on the shared 2-core VM (200k retail entries, 5 postings
// each, WAL + synchronous=FULL, batches of 1,024):
// - the bare SQLite loop writing a row per entry and a row per posting, with
//   no index, balance or check, ran at ~100k entries per CPU-second;
// - a row per entry with its postings packed, plus the indexes its queries
//   needed (idempotency key, order, correlation), ran at ~119k entries per
//   CPU-second. The row and its three index B-trees were 43% of the profile.
// The Engine already holds every idempotency key, balance and posting in
// memory (it must, to validate at memory speed), so the store only has to
// keep the entries in order: a segment row per commit is written as one
// blob, and order and correlation lookups come from indexes in memory,
// rebuilt on load. Get() reads an entry's segment and keeps the last one.
#include "ledger/journal.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>
#include <unordered_map>

#include "core/assert.h"
#include "ledger/codec_internal.h"

namespace hub::ledger {
namespace {

constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE ledger_entries (
  id INTEGER PRIMARY KEY,
  idempotency_key TEXT NOT NULL,
  effective_at INTEGER NOT NULL,
  correlation_id TEXT NOT NULL,
  order_id TEXT NOT NULL,
  reverses_entry_id INTEGER,
  body BLOB NOT NULL
);
CREATE UNIQUE INDEX ledger_entries_key ON ledger_entries (idempotency_key);
CREATE UNIQUE INDEX ledger_entries_reverses ON ledger_entries (reverses_entry_id)
  WHERE reverses_entry_id IS NOT NULL;
CREATE INDEX ledger_entries_correlation ON ledger_entries (correlation_id)
  WHERE correlation_id <> '';
CREATE INDEX ledger_entries_order ON ledger_entries (order_id) WHERE order_id <> '';
CREATE TABLE ledger_entry_orders (
  order_id TEXT NOT NULL,
  entry_id INTEGER NOT NULL,
  PRIMARY KEY (order_id, entry_id)
);
CREATE TABLE ledger_balances (
  account TEXT NOT NULL,
  currency TEXT NOT NULL,
  dimension TEXT NOT NULL,
  debit INTEGER NOT NULL,
  credit INTEGER NOT NULL,
  PRIMARY KEY (account, currency, dimension)
);
CREATE TABLE ledger_periods (
  period TEXT PRIMARY KEY,
  closed INTEGER NOT NULL
);
)sql";

// Entries first_id..last_id, packed (codec_internal.h). Journal::Open moves
// a v1 journal's ledger_entries rows here and drops the v1 entry tables.
constexpr std::string_view kSchemaV2 = R"sql(
CREATE TABLE ledger_segments (
  first_id INTEGER PRIMARY KEY,
  last_id INTEGER NOT NULL,
  body BLOB NOT NULL
);
)sql";

constexpr std::array<store::Migration, 2> kMigrations = {
    {{"ledger", 1, kSchemaV1}, {"ledger", 2, kSchemaV2}}};

constexpr std::string_view kInsertSegment =
    "INSERT INTO ledger_segments (first_id, last_id, body) VALUES ($1, $2, $3)";
constexpr std::string_view kUpsertBalance =
    "INSERT INTO ledger_balances (account, currency, dimension, debit, credit) "
    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account, currency, dimension) "
    "DO UPDATE SET debit = excluded.debit, credit = excluded.credit";
constexpr std::string_view kUpsertPeriod =
    "INSERT INTO ledger_periods (period, closed) VALUES ($1, $2) "
    "ON CONFLICT (period) DO UPDATE SET closed = excluded.closed";

// Segments of a converted v1 journal hold at most this many entries.
constexpr std::int64_t kLegacySegmentEntries = 1'024;

}  // namespace

// Value -> ids of the entries that carry it, in id order. Keyed by a 64-bit
// hash: a lookup may return an entry of another value whose hash collides,
// so callers check the entry itself.
struct Journal::ValueIndex {
  struct Node {
    std::uint32_t entry = 0;
    std::uint32_t prev = 0;  // node index + 1 of the previous entry with this hash; 0 = none
  };
  std::unordered_map<std::uint64_t, std::uint32_t> head;  // hash -> node index + 1
  std::vector<Node> nodes;

  static std::uint64_t Hash(std::string_view v) { return std::hash<std::string_view>{}(v); }
  void Add(std::string_view value, std::int64_t id) {
    if (value.empty()) {
      return;
    }
    const auto entry = static_cast<std::uint32_t>(id);
    auto [it, inserted] = head.try_emplace(Hash(value), 0);
    if (!inserted && nodes[it->second - 1].entry == entry) {
      return;  // the entry names the value twice
    }
    nodes.push_back(Node{entry, it->second});
    it->second = static_cast<std::uint32_t>(nodes.size());
  }
  std::vector<std::int64_t> Find(std::string_view value) const {
    std::vector<std::int64_t> ids;
    const auto it = head.find(Hash(value));
    for (std::uint32_t n = it == head.end() ? 0 : it->second; n != 0; n = nodes[n - 1].prev) {
      ids.push_back(nodes[n - 1].entry);
    }
    std::reverse(ids.begin(), ids.end());
    return ids;
  }
};

struct Journal::SegmentCache {
  std::int64_t first_id = 0;  // 0: empty
  std::string blob;
  std::vector<internal::RecordSpan> records;
  bool Holds(std::int64_t id) const {
    return first_id != 0 && id >= first_id &&
           id < first_id + static_cast<std::int64_t>(records.size());
  }
};

std::span<const store::Migration> LedgerMigrations() { return kMigrations; }

Journal::Journal(std::unique_ptr<store::Connection> conn, Chart chart, JournalOptions options)
    : conn_(std::move(conn)), chart_(std::move(chart)), options_(options) {}

Journal::~Journal() = default;

Result<std::unique_ptr<Journal>> Journal::Open(store::Store& store, Chart chart,
                                               JournalOptions options) {
  HUB_TRY_STATUS(store.Migrate(LedgerMigrations()));
  HUB_TRY(auto conn, store.Connect());
  std::unique_ptr<Journal> j(new Journal(std::move(conn), std::move(chart), options));
  HUB_TRY(j->insert_segment_, j->conn_->Prepare(kInsertSegment));
  HUB_TRY(j->upsert_balance_, j->conn_->Prepare(kUpsertBalance));
  HUB_TRY_STATUS(j->ConvertLegacyEntries());
  HUB_TRY_STATUS(j->Reload());
  return j;
}

// A v1 journal kept a row per entry; pack them into segments, in order, and
// drop the v1 entry tables, in one transaction. A journal created at v2
// drops them empty.
Status Journal::ConvertLegacyEntries() {
  // Without the write lock first: a read-only command on a converted journal
  // must not queue behind the hub's writers.
  if (auto probe = conn_->Prepare("SELECT 1 FROM ledger_entries LIMIT 1"); !probe) {
    return Ok();  // converted already: the table is gone
  }
  store::Transaction tx(*conn_);
  HUB_TRY_STATUS(tx.Begin());
  if (auto probe = conn_->Prepare("SELECT count(*) FROM ledger_entries"); !probe) {
    return Ok();  // another process converted it meanwhile
  }
  HUB_TRY(store::Statement * q,
          conn_->Prepare(fmt::format("SELECT {} FROM ledger_entries ORDER BY id",
                                     internal::kLegacyEntryColumns)));
  std::int64_t first = 0;
  std::int64_t last = 0;
  HUB_TRY_STATUS(store::ForEachRow(*q, [&](const store::Statement& row) -> Status {
    HUB_TRY(const StoredEntry e, internal::ReadLegacyEntryRow(row));
    if (e.id != last + 1) {
      return Fail(ErrorCode::kInternal,
                  fmt::format("ledger_entries skips from entry {} to {}; the journal cannot be "
                              "converted",
                              last, e.id));
    }
    if (first == 0) {
      first = e.id;
      internal::BeginSegment(segment_);
    }
    internal::AppendSegmentEntry(e.draft, segment_, scratch_);
    last = e.id;
    if (last - first + 1 == kLegacySegmentEntries) {
      HUB_TRY_STATUS(WriteSegment(first, last));
      first = 0;
    }
    return Ok();
  }));
  if (first != 0) {
    HUB_TRY_STATUS(WriteSegment(first, last));
  }
  HUB_TRY_STATUS(conn_->Execute("DROP TABLE ledger_entry_orders; DROP TABLE ledger_entries"));
  return tx.Commit();
}

void Journal::IndexEntry(std::int64_t id, const EntryDraft& d) {
  by_correlation_->Add(d.correlation_id, id);
  for (const Posting& p : d.postings) {
    by_order_->Add(p.dims.order_id, id);
  }
}

// Rebuilds the in-memory state from the store: on open, and after a failed
// write so memory never holds what the store rolled back.
Status Journal::Reload() {
  engine_ = std::make_unique<Engine>(chart_, options_.engine);
  by_order_ = std::make_unique<ValueIndex>();
  by_correlation_ = std::make_unique<ValueIndex>();
  cache_ = std::make_unique<SegmentCache>();
  HUB_TRY_STATUS(LoadEntries(1));
  return LoadPeriods();
}

// Replays and indexes the stored entries from from_id on; their balances are
// already stored, so none is left dirty.
Status Journal::LoadEntries(std::int64_t from_id) {
  HUB_TRY_STATUS(internal::ScanEntries(
      *conn_,
      [&](std::int64_t id, EntryDraft& d) -> Status {
        HUB_TRY_STATUS(engine_->Replay(d, id));
        IndexEntry(id, d);
        return Ok();
      },
      from_id));
  (void)engine_->TakeDirty();
  return Ok();
}

// Every period as stored: closed ones closed, reopened ones open.
Status Journal::LoadPeriods() {
  HUB_TRY(store::Statement * p, conn_->Prepare("SELECT period, closed FROM ledger_periods"));
  HUB_TRY_STATUS(store::ForEachRow(*p, [&](const store::Statement& row) -> Status {
    HUB_TRY(const PeriodKey key, ParsePeriod(row.Text(0)));
    if (row.Int(1) != 0) {
      engine_->ClosePeriod(key);
    } else {
      engine_->OpenPeriod(key);
    }
    return Ok();
  }));
  return Ok();
}

// Inside the write lock: if another Journal on this database (a CLI command
// while the hub runs) has posted since we loaded, load its entries first so
// ids, idempotency and balances continue from the store, not from memory;
// and take up the periods it opened or closed.
Status Journal::CatchUp() {
  HUB_TRY(store::Statement * q,
          conn_->Prepare("SELECT last_id FROM ledger_segments ORDER BY first_id DESC LIMIT 1"));
  HUB_TRY(const bool row, q->Step());
  const std::int64_t stored = row ? q->Int(0) : 0;
  q->Reset();
  const std::int64_t known = engine_->last_entry_id();
  if (stored < known) {
    return Reload();  // the store lost what memory holds: trust the store
  }
  if (stored > known) {
    if (auto loaded = LoadEntries(known + 1); !loaded || engine_->last_entry_id() != stored) {
      return Reload();
    }
  }
  return LoadPeriods();
}

Status Journal::WriteSegment(std::int64_t first_id, std::int64_t last_id) {
  store::Statement& s = *insert_segment_;
  s.Reset();
  s.Bind(1, first_id).Bind(2, last_id).BindBlobView(3, segment_);  // segment_ outlives Run()
  HUB_TRY_STATUS(s.Run());
  return Ok();
}

Status Journal::WriteBalances() {
  const Engine::Dirty dirty = engine_->TakeDirty();
  auto put = [&](std::uint32_t account, Currency c, std::string_view dim, const Sums& s) {
    upsert_balance_->Reset();
    upsert_balance_->Bind(1, chart_.at(account).code)
        .Bind(2, c.code())
        .Bind(3, dim)
        .Bind(4, s.debit)
        .Bind(5, s.credit);
    return upsert_balance_->Run();
  };
  for (const Engine::BalanceRow& r : dirty.totals) {
    HUB_TRY_STATUS(put(r.account, r.currency, "", r.sums));
  }
  std::string dim;
  for (const Engine::Dirty::Sub& s : dirty.subs) {
    dim = fmt::format("{}={}", SubledgerName(chart_.at(s.account).subledger), s.value);
    HUB_TRY_STATUS(put(s.account, s.currency, dim, s.sums));
  }
  return Ok();
}

Result<PostResult> Journal::Post(const EntryDraft& draft) {
  auto results = PostBatch(std::span<const EntryDraft>(&draft, 1));
  return std::move(results.front());
}

std::vector<Result<PostResult>> Journal::PostBatch(std::span<const EntryDraft> drafts) {
  std::vector<Result<PostResult>> results;
  results.reserve(drafts.size());
  if (drafts.size() > options_.batch_entries_max) {
    for (std::size_t i = 0; i < drafts.size(); ++i) {
      results.emplace_back(
          Fail(ErrorCode::kTooLarge, fmt::format("batch of {} entries exceeds batch_entries_max {}",
                                                 drafts.size(), options_.batch_entries_max)));
    }
    return results;
  }
  // When the caller already holds a transaction on connection() (the bus
  // applying an event), the entries join it and commit with the caller's
  // other effects; the caller must call Resync() if it rolls back.
  const bool joined = conn_->InTransaction();
  auto write = [&]() -> Status {
    store::Transaction tx(*conn_);
    if (!joined) {
      HUB_TRY_STATUS(tx.Begin());
    }
    HUB_TRY_STATUS(CatchUp());
    const std::int64_t first_id = engine_->last_entry_id() + 1;
    internal::BeginSegment(segment_);
    std::vector<const EntryDraft*> pending;  // this batch's new entries, from first_id
    for (const EntryDraft& d : drafts) {
      auto applied = engine_->Apply(d);
      if (!applied) {
        results.emplace_back(Fail(std::move(applied).error()));
        continue;
      }
      if (applied->existing) {
        // The engine compares 64-bit content hashes; confirm field by field,
        // against this batch's draft when the first copy is in this batch.
        bool same = false;
        if (applied->entry_id >= first_id) {
          same = *pending[static_cast<std::size_t>(applied->entry_id - first_id)] == d;
        } else {
          HUB_TRY(const StoredEntry stored, Get(applied->entry_id));
          same = stored.draft == d;
        }
        if (!same) {
          results.emplace_back(
              Fail(ErrorCode::kConflict,
                   fmt::format("idempotency key {} was already posted as entry {} with "
                               "different content",
                               d.idempotency_key, applied->entry_id),
                   "idempotency_key"));
          continue;
        }
      } else {
        internal::AppendSegmentEntry(d, segment_, scratch_);
        IndexEntry(applied->entry_id, d);
        pending.push_back(&d);
      }
      results.emplace_back(PostResult{applied->entry_id, applied->existing});
    }
    if (const std::int64_t last_id = engine_->last_entry_id(); last_id >= first_id) {
      HUB_TRY_STATUS(WriteSegment(first_id, last_id));
    }
    HUB_TRY_STATUS(WriteBalances());
    return joined ? Ok() : tx.Commit();
  };
  if (auto written = write(); !written) {
    // The transaction rolled back: rebuild memory from the store, fail every draft.
    const Error e = written.error();
    if (auto reloaded = Reload(); !reloaded) {
      HUB_ASSERT(false && "ledger reload after a failed write failed");
    }
    results.clear();
    for (std::size_t i = 0; i < drafts.size(); ++i) {
      results.emplace_back(Fail(e));
    }
  }
  return results;
}

Status Journal::RelabelAccount(std::string_view code, std::string name, std::string erp_code) {
  HUB_TRY_STATUS(engine_->mutable_chart().Relabel(code, name, erp_code));
  return chart_.Relabel(code, std::move(name), std::move(erp_code));
}

Status Journal::Resync() { return Reload(); }

Result<PostResult> Journal::Reverse(std::int64_t entry_id, std::string_view reason,
                                    std::string_view idempotency_key,
                                    std::optional<Instant> effective_at) {
  HUB_TRY(const StoredEntry orig, Get(entry_id));
  EntryDraft d = orig.draft;
  d.idempotency_key = std::string(idempotency_key);
  d.event_type = "ledger.reversal";
  d.description = fmt::format("reversal of entry {}: {}", entry_id, reason);
  d.reverses_entry_id = std::to_string(entry_id);
  if (effective_at) {
    d.effective_at = *effective_at;
  }
  for (Posting& p : d.postings) {
    p.amount = Money(-p.amount.minor_units(), p.amount.currency());
  }
  return Post(d);
}

Status Journal::OpenPeriod(std::string_view period) {
  HUB_TRY(const PeriodKey key, ParsePeriod(period));
  HUB_TRY(store::Statement * s, conn_->Prepare(kUpsertPeriod));
  s->Bind(1, PeriodName(key)).Bind(2, std::int64_t{0});
  HUB_TRY_STATUS(s->Run());
  engine_->OpenPeriod(key);
  return Ok();
}

Status Journal::ClosePeriod(std::string_view period) {
  HUB_TRY(const PeriodKey key, ParsePeriod(period));
  HUB_TRY(store::Statement * s, conn_->Prepare(kUpsertPeriod));
  s->Bind(1, PeriodName(key)).Bind(2, std::int64_t{1});
  HUB_TRY_STATUS(s->Run());
  engine_->ClosePeriod(key);
  return Ok();
}

std::vector<TrialBalanceRow> Journal::TrialBalance(std::optional<Instant> as_of) const {
  std::vector<TrialBalanceRow> rows;
  for (const Engine::BalanceRow& r : engine_->Balances(as_of)) {
    const Account& a = chart_.at(r.account);
    rows.push_back(TrialBalanceRow{a.code, a.name, a.type, Money(r.sums.debit, r.currency),
                                   Money(r.sums.credit, r.currency),
                                   Money(r.sums.balance(), r.currency)});
  }
  std::sort(rows.begin(), rows.end(), [](const TrialBalanceRow& x, const TrialBalanceRow& y) {
    return std::pair(x.account, x.balance.currency()) < std::pair(y.account, y.balance.currency());
  });
  return rows;
}

Result<StoredEntry> Journal::Get(std::int64_t entry_id) {
  if (entry_id < 1 || entry_id > engine_->last_entry_id()) {
    return Fail(ErrorCode::kNotFound, fmt::format("journal entry {} does not exist", entry_id),
                "entry_id");
  }
  SegmentCache& c = *cache_;
  if (!c.Holds(entry_id)) {
    HUB_TRY(store::Statement * q,
            conn_->Prepare("SELECT first_id, body FROM ledger_segments WHERE first_id <= $1 "
                           "ORDER BY first_id DESC LIMIT 1"));
    q->Bind(1, entry_id);
    HUB_TRY(const bool row, q->Step());
    c.first_id = 0;
    if (row) {
      c.blob = q->Text(1);
      c.first_id = q->Int(0);
    }
    q->Reset();
    if (c.first_id != 0) {
      if (auto split = internal::SplitSegment(c.blob, c.records); !split) {
        c.first_id = 0;
        return Fail(split.error());
      }
    }
    if (!c.Holds(entry_id)) {
      c.first_id = 0;
      return Fail(ErrorCode::kInternal,
                  fmt::format("journal entry {} is missing from the store", entry_id));
    }
  }
  StoredEntry e;
  e.id = entry_id;
  const internal::RecordSpan r = c.records[static_cast<std::size_t>(entry_id - c.first_id)];
  if (auto dec =
          internal::DecodeSegmentEntry(std::string_view(c.blob).substr(r.first, r.second), e.draft);
      !dec) {
    Error err = dec.error();
    err.message += fmt::format(" (entry {})", entry_id);
    return Fail(std::move(err));
  }
  e.reversed_by = engine_->reversed_by(entry_id);
  return e;
}

Result<std::vector<StoredEntry>> Journal::Entries(const EntryFilter& f) {
  std::vector<std::int64_t> ids;
  if (!f.order_id.empty()) {
    ids = by_order_->Find(f.order_id);
  } else if (!f.correlation_id.empty()) {
    ids = by_correlation_->Find(f.correlation_id);
  } else if (!f.account.empty()) {
    const auto account = chart_.IndexOf(f.account);
    if (!account) {
      return Fail(ErrorCode::kUnmapped,
                  fmt::format("account \"{}\" is not in the chart of accounts", f.account),
                  "account");
    }
    ids = engine_
              ->Activity(*account, Instant{std::numeric_limits<std::int64_t>::min()},
                         Instant{std::numeric_limits<std::int64_t>::max()})
              .entry_ids;
  } else {
    return Fail(ErrorCode::kInvalidArgument, "entry filter is empty", "filter");
  }
  std::vector<StoredEntry> out;
  for (const std::int64_t id : ids) {
    if (out.size() >= options_.query_entries_max) {
      break;
    }
    HUB_TRY(StoredEntry e, Get(id));
    const auto& ps = e.draft.postings;
    const bool order_ok =
        f.order_id.empty() || std::any_of(ps.begin(), ps.end(), [&](const Posting& p) {
          return p.dims.order_id == f.order_id;
        });
    const bool account_ok =
        f.account.empty() ||
        std::any_of(ps.begin(), ps.end(), [&](const Posting& p) { return p.account == f.account; });
    const bool corr_ok = f.correlation_id.empty() || e.draft.correlation_id == f.correlation_id;
    if (order_ok && account_ok && corr_ok) {
      out.push_back(std::move(e));
    }
  }
  return out;
}

Result<AccountStatement> Journal::Statement(std::string_view account, Instant from, Instant to) {
  const auto index = chart_.IndexOf(account);
  if (!index) {
    return Fail(ErrorCode::kUnmapped,
                fmt::format("account \"{}\" is not in the chart of accounts", account), "account");
  }
  const Engine::AccountActivity act = engine_->Activity(*index, from, to);
  AccountStatement st;
  st.account = std::string(account);
  for (const auto& [currency, minor] : act.opening) {
    st.opening.emplace_back(minor, currency);
  }
  for (const std::int64_t id : act.entry_ids) {
    if (st.lines.size() >= options_.query_entries_max) {
      break;
    }
    HUB_TRY(StoredEntry e, Get(id));
    for (std::size_t i = 0; i < e.draft.postings.size(); ++i) {
      const Posting& p = e.draft.postings[i];
      if (p.account != account) {
        continue;
      }
      st.lines.push_back(
          StatementLine{id, i, e.draft.effective_at, e.draft.description, p, Money()});
    }
  }
  // Lines in effective-date order (ids are in posting order); running balances follow.
  std::stable_sort(st.lines.begin(), st.lines.end(),
                   [](const StatementLine& x, const StatementLine& y) {
                     return x.effective_at < y.effective_at;
                   });
  std::vector<Money> running = st.opening;
  for (StatementLine& l : st.lines) {
    auto it = std::find_if(running.begin(), running.end(), [&](const Money& m) {
      return m.currency() == l.posting.amount.currency();
    });
    if (it == running.end()) {
      it = running.insert(running.end(), Money::Zero(l.posting.amount.currency()));
    }
    HUB_TRY(*it, it->Add(l.posting.amount));
    l.running_balance = *it;
  }
  return st;
}

Result<PostingLineage> Journal::Lineage(PostingRef ref) {
  HUB_TRY(StoredEntry e, Get(ref.entry_id));
  if (ref.index >= e.draft.postings.size()) {
    return Fail(ErrorCode::kNotFound,
                fmt::format("entry {} has no posting #{}", ref.entry_id, ref.index), "index");
  }
  EntryDraft& d = e.draft;
  return PostingLineage{e.id,
                        std::move(d.postings[ref.index]),
                        std::move(d.idempotency_key),
                        std::move(d.event_type),
                        std::move(d.source_system),
                        std::move(d.source_id),
                        std::move(d.message_id),
                        std::move(d.correlation_id),
                        std::move(d.reverses_entry_id)};
}

Result<Sums> Journal::Balance(std::string_view account, Currency currency) const {
  const auto index = chart_.IndexOf(account);
  if (!index) {
    return Fail(ErrorCode::kUnmapped,
                fmt::format("account \"{}\" is not in the chart of accounts", account), "account");
  }
  return engine_->Total(*index, currency);
}

Result<Sums> Journal::SubledgerBalance(std::string_view account, Currency currency,
                                       std::string_view value) const {
  const auto index = chart_.IndexOf(account);
  if (!index) {
    return Fail(ErrorCode::kUnmapped,
                fmt::format("account \"{}\" is not in the chart of accounts", account), "account");
  }
  return engine_->SubTotal(*index, currency, value);
}

}  // namespace hub::ledger
