// The in-memory apply path: validation, idempotency and balances in flat
// arrays. Everything here is O(postings) with no allocation on the hot path
// except for sub-ledger keys and the growing columns.
#include "ledger/engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>

#include "core/assert.h"
#include "core/hash.h"

namespace hub::ledger {
namespace {

constexpr std::int64_t kMicrosPerDay = 86'400'000'000;
constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
// One entry rarely carries more than two currencies; this bounds the local
// per-currency accumulators of Validate().
constexpr std::size_t kEntryCurrenciesMax = 16;

// A small streaming hash (multiply-xorshift over 8-byte words, murmur3
// finalizer). Not cryptographic: keys are compared after a hash match.
class Hasher {
 public:
  void Word(std::uint64_t v) {
    h_ ^= v;
    h_ *= 0x9E3779B97F4A7C15ULL;
    h_ ^= h_ >> 29;
  }
  void Bytes(std::string_view s) {
    if (s.size() < 8) {  // one word: the bytes with the length in the top byte
      std::uint64_t w = static_cast<std::uint64_t>(s.size()) << 56;
      std::memcpy(&w, s.data(), s.size());
      Word(w);
      return;
    }
    Word(s.size());
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
      std::uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      Word(w);
    }
    if (i < s.size()) {
      std::uint64_t w = 0;
      std::memcpy(&w, s.data() + i, s.size() - i);
      Word(w);
    }
  }
  std::uint64_t Finish() const { return Fmix64(h_); }

 private:
  std::uint64_t h_ = 0x243F6A8885A308D3ULL;
};

std::uint64_t HashKey(std::string_view key) {
  Hasher h;
  h.Bytes(key);
  return h.Finish();
}

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

}  // namespace

PeriodKey PeriodOf(Instant t) {
  // Civil-from-days (H. Hinnant), kept to year and month.
  const std::int64_t z = FloorDiv(t.micros, kMicrosPerDay) + 719468;
  const std::int64_t era = FloorDiv(z, 146097);
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return static_cast<PeriodKey>(y * 12 + (m - 1));
}

std::string PeriodName(PeriodKey p) {
  return fmt::format("{:04}-{:02}", FloorDiv(p, 12), p - FloorDiv(p, 12) * 12 + 1);
}

Result<PeriodKey> ParsePeriod(std::string_view s) {
  auto digits = [&](std::size_t from, std::size_t n) {
    int v = 0;
    for (std::size_t i = from; i < from + n; ++i) {
      if (s[i] < '0' || s[i] > '9') {
        return -1;
      }
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  if (s.size() == 7 && s[4] == '-') {
    const int y = digits(0, 4);
    const int m = digits(5, 2);
    if (y >= 1970 && m >= 1 && m <= 12) {
      return static_cast<PeriodKey>(y * 12 + m - 1);
    }
  }
  return Fail(ErrorCode::kInvalidArgument,
              fmt::format("period \"{}\" is not a month YYYY-MM (1970 or later)", s), "period");
}

Result<std::int64_t> ParseEntryId(std::string_view text) {
  std::int64_t v = 0;
  bool ok = !text.empty() && text.size() <= 18 && text[0] != '0';
  for (char c : text) {
    ok = ok && c >= '0' && c <= '9';
    v = v * 10 + (c - '0');
  }
  if (!ok) {
    return Fail(ErrorCode::kInvalidArgument, fmt::format("entry id \"{}\" is not an id", text),
                "reverses_entry_id");
  }
  return v;
}

std::uint64_t ContentHash(const EntryDraft& d) {
  Hasher h;
  for (std::string_view s :
       {std::string_view(d.idempotency_key), std::string_view(d.event_type),
        std::string_view(d.description), std::string_view(d.source_system),
        std::string_view(d.source_id), std::string_view(d.message_id),
        std::string_view(d.correlation_id), std::string_view(d.reverses_entry_id)}) {
    h.Bytes(s);
  }
  h.Word(static_cast<std::uint64_t>(d.effective_at.micros));
  h.Word(d.postings.size());
  for (const Posting& p : d.postings) {
    h.Bytes(p.account);
    h.Word(static_cast<std::uint64_t>(p.amount.minor_units()));
    h.Bytes(p.amount.currency().code());
    const Dimensions& m = p.dims;
    for (std::string_view s :
         {std::string_view(m.order_id), std::string_view(m.channel), std::string_view(m.location),
          std::string_view(m.gateway), std::string_view(m.customer), std::string_view(m.payout),
          std::string_view(p.memo)}) {
      h.Bytes(s);
    }
  }
  return h.Finish();
}

Engine::Engine(Chart chart, EngineOptions options) : chart_(std::move(chart)), options_(options) {
  totals_.resize(chart_.size() * options_.currencies_max);
  totals_dirty_.resize(totals_.size());
  table_.resize(1024);
}

std::optional<std::uint16_t> Engine::FindCurrency(Currency c) const {
  for (std::size_t i = 0; i < currencies_.size(); ++i) {
    if (currencies_[i] == c) {
      return static_cast<std::uint16_t>(i);
    }
  }
  return std::nullopt;
}

Result<std::uint16_t> Engine::CurrencySlot(Currency c) {
  if (auto slot = FindCurrency(c)) {
    return *slot;
  }
  if (currencies_.size() >= options_.currencies_max) {
    return Fail(
        ErrorCode::kTooLarge,
        fmt::format("currency {} exceeds currencies_max {}", c.code(), options_.currencies_max),
        "currency");
  }
  currencies_.push_back(c);
  return static_cast<std::uint16_t>(currencies_.size() - 1);
}

std::uint32_t Engine::FindKey(std::uint64_t hash, std::string_view key) const {
  const std::size_t mask = table_.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& s = table_[i];
    if (s.entry == 0) {
      return 0;
    }
    if (s.hash == hash && KeyOf(entries_[s.entry - 1]) == key) {
      return s.entry;
    }
  }
}

void Engine::InsertKey(std::uint64_t hash, std::uint32_t entry_plus_one) {
  if ((table_used_ + 1) * 2 > table_.size()) {
    Grow();
  }
  const std::size_t mask = table_.size() - 1;
  std::size_t i = hash & mask;
  while (table_[i].entry != 0) {
    i = (i + 1) & mask;
  }
  table_[i] = Slot{hash, entry_plus_one};
  ++table_used_;
}

void Engine::Grow() {
  std::vector<Slot> old(table_.size() * 2);
  old.swap(table_);
  const std::size_t mask = table_.size() - 1;
  for (const Slot& s : old) {
    if (s.entry != 0) {
      std::size_t i = s.hash & mask;
      while (table_[i].entry != 0) {
        i = (i + 1) & mask;
      }
      table_[i] = s;
    }
  }
}

std::string_view Engine::DimValue(const Dimensions& dims, Subledger s) {
  switch (s) {
    case Subledger::kNone:
      return {};
    case Subledger::kOrder:
      return dims.order_id;
    case Subledger::kGateway:
      return dims.gateway;
    case Subledger::kChannel:
      return dims.channel;
    case Subledger::kLocation:
      return dims.location;
    case Subledger::kPayout:
      return dims.payout;
  }
  return {};
}

void Engine::SubKey(std::uint32_t account, std::uint16_t currency, std::string_view v,
                    std::string& out) {
  out.resize(6 + v.size());
  std::memcpy(out.data(), &account, 4);
  std::memcpy(out.data() + 4, &currency, 2);
  std::memcpy(out.data() + 6, v.data(), v.size());
}

void Engine::ClosePeriod(PeriodKey p) {
  auto it = std::lower_bound(closed_.begin(), closed_.end(), p);
  if (it == closed_.end() || *it != p) {
    closed_.insert(it, p);
  }
}

void Engine::OpenPeriod(PeriodKey p) {
  auto it = std::lower_bound(closed_.begin(), closed_.end(), p);
  if (it != closed_.end() && *it == p) {
    closed_.erase(it);
  }
}

bool Engine::IsClosed(PeriodKey p) const {
  return !closed_.empty() && std::binary_search(closed_.begin(), closed_.end(), p);
}

Status Engine::Validate(const EntryDraft& d, bool check_period) {
  const std::string& key = d.idempotency_key;
  const std::size_t n = d.postings.size();
  if (n == 0) {
    return Fail(ErrorCode::kInvalidArgument, fmt::format("entry {} has no postings", key),
                "postings");
  }
  if (n > options_.postings_per_entry_max) {
    return Fail(ErrorCode::kTooLarge,
                fmt::format("entry {} has {} postings, postings_per_entry_max is {}", key, n,
                            options_.postings_per_entry_max),
                "postings");
  }
  std::array<std::uint16_t, kEntryCurrenciesMax> cur{};
  std::array<std::int64_t, kEntryCurrenciesMax> debit{};
  std::array<std::int64_t, kEntryCurrenciesMax> credit{};
  std::size_t ncur = 0;
  std::int64_t abs_total = 0;  // <= 1e18 by the two limits above
  scratch_.clear();
  for (std::size_t i = 0; i < n; ++i) {
    const Posting& p = d.postings[i];
    const auto account = chart_.IndexOf(p.account);
    if (!account) {
      return Fail(ErrorCode::kUnmapped,
                  fmt::format("entry {} posting #{}: account \"{}\" is not in the chart of "
                              "accounts",
                              key, i, p.account),
                  fmt::format("postings[{}].account", i));
    }
    const std::int64_t m = p.amount.minor_units();
    if (!p.amount.currency().valid() || m == 0 || m > options_.posting_minor_abs_max ||
        m < -options_.posting_minor_abs_max) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("entry {} posting #{} to {}: amount {} {} is {}", key, i, p.account,
                              m, p.amount.currency().code(),
                              m == 0 ? "zero" : "invalid or beyond posting_minor_abs_max"),
                  fmt::format("postings[{}].amount", i));
    }
    HUB_TRY(const std::uint16_t slot, CurrencySlot(p.amount.currency()));
    std::size_t k = 0;
    while (k < ncur && cur[k] != slot) {
      ++k;
    }
    if (k == ncur) {
      if (ncur == kEntryCurrenciesMax) {
        return Fail(ErrorCode::kTooLarge, fmt::format("entry {} has too many currencies", key),
                    "postings");
      }
      cur[ncur++] = slot;
    }
    (m > 0 ? debit[k] : credit[k]) += m > 0 ? m : -m;
    abs_total += m > 0 ? m : -m;
    scratch_.push_back(Resolved{*account, slot});
  }
  for (std::size_t k = 0; k < ncur; ++k) {
    if (debit[k] != credit[k]) {
      const Currency c = currencies_[cur[k]];
      const std::int64_t off = debit[k] > credit[k] ? debit[k] - credit[k] : credit[k] - debit[k];
      return Fail(ErrorCode::kUnbalanced,
                  fmt::format("entry {} does not balance: {} debits {}, credits {}, off by {}", key,
                              c.code(), Money(debit[k], c).ToDecimal(),
                              Money(credit[k], c).ToDecimal(), Money(off, c).ToDecimal()),
                  "postings");
    }
  }
  if (check_period && !closed_.empty()) {
    const PeriodKey period = PeriodOf(d.effective_at);
    if (IsClosed(period)) {
      return Fail(ErrorCode::kClosedPeriod,
                  fmt::format("entry {} is dated {} in closed period {}", key,
                              FormatRfc3339(d.effective_at), PeriodName(period)),
                  "effective_at");
    }
  }
  if (!d.reverses_entry_id.empty()) {
    HUB_TRY_STATUS(ValidateReversal(d));
  }
  // Overflow is checked before anything changes so an entry applies whole or not at all.
  for (const Resolved& r : scratch_) {
    const Sums& s = totals_[r.account * options_.currencies_max + r.currency];
    if (s.debit > kInt64Max - abs_total || s.credit > kInt64Max - abs_total) {
      return Fail(ErrorCode::kOverflow,
                  fmt::format("entry {} would overflow the balance of account {}", key,
                              chart_.at(r.account).code),
                  "postings");
    }
  }
  return Ok();
}

Status Engine::ValidateReversal(const EntryDraft& d) {
  HUB_TRY(const std::int64_t target, ParseEntryId(d.reverses_entry_id));
  if (target > last_entry_id()) {
    return Fail(
        ErrorCode::kNotFound,
        fmt::format("entry {} reverses entry {}, which does not exist", d.idempotency_key, target),
        "reverses_entry_id");
  }
  const EntryMeta& orig = entries_[static_cast<std::size_t>(target - 1)];
  if (orig.reversed_by != 0) {
    return Fail(ErrorCode::kConflict,
                fmt::format("entry {} is already reversed by entry {}", target, orig.reversed_by),
                "reverses_entry_id");
  }
  bool negates = orig.posting_count == scratch_.size();
  for (std::size_t i = 0; negates && i < scratch_.size(); ++i) {
    const std::size_t j = orig.first_posting + i;
    negates = post_account_[j] == scratch_[i].account &&
              post_currency_[j] == scratch_[i].currency &&
              post_amount_[j] == -d.postings[i].amount.minor_units();
  }
  if (!negates) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("entry {} claims to reverse entry {} but does not negate its postings",
                            d.idempotency_key, target),
                "postings");
  }
  return Ok();
}

Result<Engine::Applied> Engine::Apply(const EntryDraft& d) { return ApplyImpl(d, 0); }

Status Engine::Replay(const EntryDraft& d, std::int64_t entry_id) {
  HUB_TRY(const Applied a, ApplyImpl(d, entry_id));
  if (a.existing) {
    return Fail(ErrorCode::kInternal, fmt::format("stored entry {} repeats idempotency key {}",
                                                  entry_id, d.idempotency_key));
  }
  return Ok();
}

Result<Engine::Applied> Engine::ApplyImpl(const EntryDraft& d, std::int64_t replay_id) {
  if (d.idempotency_key.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "entry has an empty idempotency_key",
                "idempotency_key");
  }
  const std::uint64_t key_hash = HashKey(d.idempotency_key);
  const std::uint64_t content = ContentHash(d);
  if (const std::uint32_t found = FindKey(key_hash, d.idempotency_key); found != 0) {
    if (entries_[found - 1].content_hash == content) {
      return Applied{static_cast<std::int64_t>(found), true};
    }
    return Fail(ErrorCode::kConflict,
                fmt::format("idempotency key {} was already posted as entry {} with different "
                            "content",
                            d.idempotency_key, found),
                "idempotency_key");
  }
  const std::int64_t id = last_entry_id() + 1;
  if (replay_id != 0 && replay_id != id) {
    return Fail(
        ErrorCode::kInternal,
        fmt::format("stored entry ids are not dense: expected {}, found {}", id, replay_id));
  }
  HUB_TRY_STATUS(Validate(d, replay_id == 0));

  const auto first = static_cast<std::uint32_t>(post_amount_.size());
  for (std::size_t i = 0; i < scratch_.size(); ++i) {
    const Resolved r = scratch_[i];
    const Posting& p = d.postings[i];
    const std::int64_t m = p.amount.minor_units();
    const std::size_t t = r.account * options_.currencies_max + r.currency;
    Sums& s = totals_[t];
    (m > 0 ? s.debit : s.credit) += m > 0 ? m : -m;
    if (options_.track_dirty && totals_dirty_[t] == 0) {
      totals_dirty_[t] = 1;
      totals_dirty_list_.push_back(static_cast<std::uint32_t>(t));
    }
    const Subledger sub = chart_.at(r.account).subledger;
    if (sub != Subledger::kNone) {
      const std::string_view v = DimValue(p.dims, sub);
      if (!v.empty()) {
        SubKey(r.account, r.currency, v, sub_key_);
        auto it = subs_.find(std::string_view(sub_key_));
        if (it == subs_.end()) {
          it = subs_.emplace(sub_key_, Sums{}).first;
        }
        Sums& ss = it->second;
        (m > 0 ? ss.debit : ss.credit) += m > 0 ? m : -m;
        if (options_.track_dirty) {
          subs_dirty_.push_back(&*it);
        }
      }
    }
    post_amount_.push_back(m);
    post_effective_.push_back(d.effective_at.micros);
    post_account_.push_back(r.account);
    post_currency_.push_back(r.currency);
    post_entry_.push_back(static_cast<std::uint32_t>(id));
  }
  if (!d.reverses_entry_id.empty()) {
    entries_[static_cast<std::size_t>(*ParseEntryId(d.reverses_entry_id) - 1)].reversed_by = id;
  }
  const std::uint64_t key_offset = keys_.size();
  keys_.append(d.idempotency_key);
  entries_.push_back(EntryMeta{key_offset, static_cast<std::uint32_t>(d.idempotency_key.size()),
                               content, d.effective_at.micros, first,
                               static_cast<std::uint32_t>(scratch_.size()), 0});
  InsertKey(key_hash, static_cast<std::uint32_t>(id));
  return Applied{id, false};
}

std::int64_t Engine::reversed_by(std::int64_t entry_id) const {
  if (entry_id < 1 || entry_id > last_entry_id()) {
    return 0;
  }
  return entries_[static_cast<std::size_t>(entry_id - 1)].reversed_by;
}

std::vector<Engine::BalanceRow> Engine::Balances(std::optional<Instant> as_of) const {
  const std::size_t stride = options_.currencies_max;
  std::vector<Sums> local;
  const std::vector<Sums>* sums = &totals_;
  if (as_of) {
    local.resize(totals_.size());
    const std::int64_t limit = as_of->micros;
    const std::size_t n = post_amount_.size();
    for (std::size_t i = 0; i < n; ++i) {
      if (post_effective_[i] <= limit) {
        const std::int64_t m = post_amount_[i];
        Sums& s = local[post_account_[i] * stride + post_currency_[i]];
        s.debit += m > 0 ? m : 0;
        s.credit += m < 0 ? -m : 0;
      }
    }
    sums = &local;
  }
  std::vector<BalanceRow> rows;
  for (std::uint32_t a = 0; a < chart_.size(); ++a) {
    for (std::size_t c = 0; c < currencies_.size(); ++c) {
      const Sums& s = (*sums)[a * stride + c];
      if (s.debit != 0 || s.credit != 0) {
        rows.push_back(BalanceRow{a, currencies_[c], s});
      }
    }
  }
  return rows;
}

Sums Engine::Total(std::uint32_t account, Currency c) const {
  const auto slot = FindCurrency(c);
  if (!slot || account >= chart_.size()) {
    return {};
  }
  return totals_[account * options_.currencies_max + *slot];
}

Sums Engine::SubTotal(std::uint32_t account, Currency c, std::string_view value) const {
  const auto slot = FindCurrency(c);
  if (!slot) {
    return {};
  }
  std::string k;
  SubKey(account, *slot, value, k);
  auto it = subs_.find(std::string_view(k));
  return it == subs_.end() ? Sums{} : it->second;
}

Engine::AccountActivity Engine::Activity(std::uint32_t account, Instant from, Instant to) const {
  AccountActivity out;
  std::vector<std::int64_t> opening(currencies_.size(), 0);
  std::vector<std::uint8_t> seen(currencies_.size(), 0);
  const std::size_t n = post_amount_.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (post_account_[i] != account) {
      continue;
    }
    const std::int64_t t = post_effective_[i];
    if (t < from.micros) {
      opening[post_currency_[i]] += post_amount_[i];
      seen[post_currency_[i]] = 1;
    } else if (t < to.micros) {
      const std::int64_t e = post_entry_[i];
      if (out.entry_ids.empty() || out.entry_ids.back() != e) {
        out.entry_ids.push_back(e);
      }
    }
  }
  for (std::size_t c = 0; c < currencies_.size(); ++c) {
    if (seen[c] != 0) {
      out.opening.emplace_back(currencies_[c], opening[c]);
    }
  }
  return out;
}

Engine::Dirty Engine::TakeDirty() {
  Dirty d;
  const std::size_t stride = options_.currencies_max;
  for (const std::uint32_t t : totals_dirty_list_) {
    totals_dirty_[t] = 0;
    d.totals.push_back(
        BalanceRow{static_cast<std::uint32_t>(t / stride), currencies_[t % stride], totals_[t]});
  }
  totals_dirty_list_.clear();
  std::sort(subs_dirty_.begin(), subs_dirty_.end());
  subs_dirty_.erase(std::unique(subs_dirty_.begin(), subs_dirty_.end()), subs_dirty_.end());
  for (const SubMap::value_type* node : subs_dirty_) {
    const std::string& k = node->first;
    std::uint32_t account = 0;
    std::uint16_t slot = 0;
    std::memcpy(&account, k.data(), 4);
    std::memcpy(&slot, k.data() + 4, 2);
    d.subs.push_back(Dirty::Sub{account, currencies_[slot], k.substr(6), node->second});
  }
  subs_dirty_.clear();
  return d;
}

}  // namespace hub::ledger
