// Engine: the in-memory apply path of the journal. It validates a draft
// (accounts, non-zero postings, balance per currency, open period, reversal
// target), answers idempotency (same key + same content = the existing entry),
// and keeps every balance: flat debit/credit arrays indexed by account and
// currency, plus per-value sub-ledgers (2300 per order, 1100 per gateway).
// Not here: storage (journal.h writes what the engine accepts). Invariant:
// the balances equal the sum of all applied postings. Thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/money.h"
#include "core/result.h"
#include "core/time.h"
#include "ledger/chart.h"
#include "ledger/entry.h"

namespace hub::ledger {

struct EngineOptions {
  // An entry larger than this is refused: postings come from rules, not users,
  // and a runaway rule must not build a megabyte entry.
  std::size_t postings_per_entry_max = 1000;
  // |amount| of one posting; with postings_per_entry_max it bounds an entry's
  // total to 1e18 so balance sums can be checked for overflow up front.
  std::int64_t posting_minor_abs_max = 1'000'000'000'000'000;  // 1e15 minor units
  // Distinct currencies the ledger holds; balances are a flat array per currency slot.
  std::size_t currencies_max = 64;
  // Record which balances changed so the journal can write only those.
  bool track_dirty = true;
};

struct Sums {
  std::int64_t debit = 0;   // sum of positive amounts
  std::int64_t credit = 0;  // sum of |negative amounts|
  std::int64_t balance() const { return debit - credit; }
  friend bool operator==(const Sums&, const Sums&) = default;
};

// Monthly accounting period in UTC: year * 12 + (month - 1).
using PeriodKey = std::int32_t;
PeriodKey PeriodOf(Instant t);
std::string PeriodName(PeriodKey p);                       // "2026-11"
Result<PeriodKey> ParsePeriod(std::string_view yyyy_mm);   // errors name the input
Result<std::int64_t> ParseEntryId(std::string_view text);  // canonical positive decimal

// 64-bit hash of every field of the draft (stable within a process only; it is
// recomputed when the journal is loaded, never persisted).
std::uint64_t ContentHash(const EntryDraft& d);

class Engine {
 public:
  explicit Engine(Chart chart, EngineOptions options = {});

  struct Applied {
    std::int64_t entry_id = 0;
    bool existing = false;  // the key was seen with identical content; nothing applied
  };
  // Validates and applies a new entry with id = last_entry_id() + 1. Errors:
  // kInvalidArgument (empty key, no postings, zero or invalid amount),
  // kUnmapped (unknown account), kUnbalanced, kClosedPeriod, kConflict (key
  // reused with other content; reversing an entry twice), kNotFound
  // (reversal of an unknown entry), kTooLarge, kOverflow.
  Result<Applied> Apply(const EntryDraft& d);
  // Re-applies a stored entry on load: the id is given and periods are not checked.
  Status Replay(const EntryDraft& d, std::int64_t entry_id);

  void ClosePeriod(PeriodKey p);
  void OpenPeriod(PeriodKey p);
  bool IsClosed(PeriodKey p) const;

  struct BalanceRow {
    std::uint32_t account = 0;  // chart index
    Currency currency;
    Sums sums;
  };
  // Account totals with any activity; as_of limits to effective_at <= as_of
  // (a scan of every posting held in memory).
  std::vector<BalanceRow> Balances(std::optional<Instant> as_of) const;
  Sums Total(std::uint32_t account, Currency c) const;
  // Sub-ledger balance, e.g. account 2300 for one order id.
  Sums SubTotal(std::uint32_t account, Currency c, std::string_view value) const;
  // Opening balance of an account before `before` and the ids of entries that
  // touch it with effective_at in [from, to), in id order.
  struct AccountActivity {
    std::vector<std::pair<Currency, std::int64_t>> opening;
    std::vector<std::int64_t> entry_ids;
  };
  AccountActivity Activity(std::uint32_t account, Instant from, Instant to) const;

  struct Dirty {
    std::vector<BalanceRow> totals;
    struct Sub {
      std::uint32_t account;
      Currency currency;
      std::string value;
      Sums sums;
    };
    std::vector<Sub> subs;
  };
  // The balances changed since the last call, with their current sums.
  Dirty TakeDirty();

  std::int64_t last_entry_id() const { return static_cast<std::int64_t>(entries_.size()); }
  // 0 when the entry is not reversed.
  std::int64_t reversed_by(std::int64_t entry_id) const;
  const Chart& chart() const { return chart_; }
  Chart& mutable_chart() { return chart_; }
  std::size_t posting_count() const { return post_amount_.size(); }

 private:
  struct EntryMeta {
    std::uint64_t key_offset = 0;  // in keys_
    std::uint32_t key_size = 0;
    std::uint64_t content_hash = 0;
    std::int64_t effective_micros = 0;
    std::uint32_t first_posting = 0;
    std::uint32_t posting_count = 0;
    std::int64_t reversed_by = 0;
  };
  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t entry = 0;  // entry index + 1; 0 = empty
  };
  // Resolved posting, before it is applied.
  struct Resolved {
    std::uint32_t account;
    std::uint16_t currency;
  };

  Result<Applied> ApplyImpl(const EntryDraft& d, std::int64_t replay_id);
  Status Validate(const EntryDraft& d, bool check_period);
  Status ValidateReversal(const EntryDraft& d);
  Result<std::uint16_t> CurrencySlot(Currency c);
  std::optional<std::uint16_t> FindCurrency(Currency c) const;
  std::uint32_t FindKey(std::uint64_t hash, std::string_view key) const;  // entry index+1 or 0
  void InsertKey(std::uint64_t hash, std::uint32_t entry_plus_one);
  void Grow();
  static void SubKey(std::uint32_t account, std::uint16_t currency, std::string_view v,
                     std::string& out);
  std::string_view KeyOf(const EntryMeta& m) const {
    return {keys_.data() + m.key_offset, m.key_size};
  }
  static std::string_view DimValue(const Dimensions& dims, Subledger s);

  Chart chart_;
  EngineOptions options_;
  std::vector<Currency> currencies_;        // slot -> currency
  std::vector<Sums> totals_;                // [account * currencies_max + slot]
  std::vector<std::uint8_t> totals_dirty_;  // same index
  std::vector<std::uint32_t> totals_dirty_list_;
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using SubMap = std::unordered_map<std::string, Sums, KeyHash, std::equal_to<>>;
  SubMap subs_;                                  // SubKey -> sums
  std::vector<SubMap::value_type*> subs_dirty_;  // node pointers are stable
  std::string sub_key_;                          // reused lookup buffer
  std::string keys_;                             // every idempotency key, back to back
  std::vector<PeriodKey> closed_;                // sorted
  std::vector<EntryMeta> entries_;
  std::vector<Slot> table_;  // open addressing, linear probing, power-of-two size
  std::size_t table_used_ = 0;
  // Postings as columns, for as-of balances and account activity.
  std::vector<std::int64_t> post_amount_;
  std::vector<std::int64_t> post_effective_;
  std::vector<std::uint32_t> post_account_;
  std::vector<std::uint16_t> post_currency_;
  std::vector<std::uint32_t> post_entry_;
  std::vector<Resolved> scratch_;
};

}  // namespace hub::ledger
