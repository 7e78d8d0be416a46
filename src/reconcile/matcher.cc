// Matcher passes. Data layout for 1M x 1M: lines are referenced by a flat
// index, expected items by their index; references go through hash maps of
// string_views into the caller's data (no copies); tolerance search runs on a
// vector sorted by (currency, kind, amount). Nothing enumerates pairs.
#include "reconcile/matcher.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <string_view>
#include <unordered_map>

#include "core/model_json.h"

namespace hub::reconcile {

namespace {

constexpr std::int64_t kMicrosPerDay = 86'400'000'000;
constexpr std::int64_t kScorePpmMax = 1'000'000;
constexpr std::size_t kCandidatesKept = 3;

struct FlatLine {
  std::uint32_t payout;
  std::uint32_t line;
};

std::int64_t Abs(std::int64_t v) { return v < 0 ? -v : v; }
std::int64_t DaysBetween(Instant a, Instant b) { return Abs(a.micros - b.micros) / kMicrosPerDay; }

std::optional<ExpectedKind> ClassOf(PayoutLineKind k) {
  switch (k) {
    case PayoutLineKind::kCharge:
      return ExpectedKind::kTender;
    case PayoutLineKind::kRefund:
      return ExpectedKind::kRefund;
    case PayoutLineKind::kDispute:
      return ExpectedKind::kDispute;
    default:
      return std::nullopt;
  }
}

std::uint64_t HashOf(std::string_view s) { return std::hash<std::string_view>{}(s); }

// Open-addressing index of item numbers keyed by strings that live in the
// caller's data: 8 bytes per slot (hash tag + index), linear probing, load
// <= 0.5. Node-based maps cost a cache miss per node at 1M keys; this costs
// one per probe. `equal(index)` compares the probe key with item `index`.
class FlatIndex {
 public:
  explicit FlatIndex(std::size_t n) {
    std::size_t cap = 16;
    while (cap < 2 * n + 1) {
      cap <<= 1;
    }
    slots_.assign(cap, Slot{0, kNoIndex});
    mask_ = cap - 1;
  }
  // The index already stored under an equal key, else stores `index` and
  // returns kNoIndex.
  template <typename Equal>
  std::uint32_t FindOrInsert(std::uint64_t hash, std::uint32_t index, Equal equal) {
    const auto tag = static_cast<std::uint32_t>(hash >> 32);
    for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.index == kNoIndex) {
        s = Slot{tag, index};
        return kNoIndex;
      }
      if (s.tag == tag && equal(s.index)) {
        return s.index;
      }
    }
  }
  template <typename Equal>
  std::uint32_t Find(std::uint64_t hash, Equal equal) const {
    const auto tag = static_cast<std::uint32_t>(hash >> 32);
    for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.index == kNoIndex) {
        return kNoIndex;
      }
      if (s.tag == tag && equal(s.index)) {
        return s.index;
      }
    }
  }

 private:
  struct Slot {
    std::uint32_t tag;
    std::uint32_t index;
  };
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
};

std::uint64_t CurrencyKey(Currency c, ExpectedKind k) {
  const std::string_view code = c.valid() ? c.code() : std::string_view("\0\0\0", 3);
  return (static_cast<std::uint64_t>(static_cast<unsigned char>(code[0])) << 24) |
         (static_cast<std::uint64_t>(static_cast<unsigned char>(code[1])) << 16) |
         (static_cast<std::uint64_t>(static_cast<unsigned char>(code[2])) << 8) |
         static_cast<std::uint64_t>(k);
}

// All the state of one run, so that each pass is a short member function.
class Run {
 public:
  Run(std::span<const Payout> payouts, std::span<const ExpectedItem> expected,
      const ReconcileConfig& config, Instant as_of)
      : payouts_(payouts), expected_(expected), config_(config), as_of_(as_of) {}

  MatchResult Execute() {
    Flatten();
    FindDuplicateLines();
    Pass1Lookup();
    ResolveReferenceGroups();
    Pass2Tolerance();
    Pass3Orders();
    RaiseLeftovers();
    return std::move(out_);
  }

 private:
  const PayoutLine& L(std::uint32_t i) const {
    return payouts_[flat_[i].payout].lines[flat_[i].line];
  }
  const Payout& P(std::uint32_t i) const { return payouts_[flat_[i].payout]; }
  std::int64_t Remaining(std::uint32_t e) const {
    return expected_[e].amount.minor_units() - expected_[e].settled_before_minor;
  }
  bool Open(std::uint32_t e) const { return touched_[e] == 0; }

  void Flatten() {
    out_.rule_names = {"exact_reference", "group_reference", "partial_reference", "group_order"};
    for (const MatchRule& r : config_.rules) {
      out_.rule_names.push_back(r.name);
    }
    std::size_t total = 0;
    for (const Payout& p : payouts_) {
      total += p.lines.size();
    }
    flat_.reserve(total);
    out_.payout_offset.reserve(payouts_.size() + 1);
    for (std::uint32_t p = 0; p < payouts_.size(); ++p) {
      out_.payout_offset.push_back(static_cast<std::uint32_t>(flat_.size()));
      for (std::uint32_t l = 0; l < payouts_[p].lines.size(); ++l) {
        flat_.push_back({p, l});
      }
    }
    out_.payout_offset.push_back(static_cast<std::uint32_t>(flat_.size()));
    out_.lines.assign(flat_.size(), LineOutcome{});
    out_.expected.assign(expected_.size(), ExpectedOutcome{});
    for (std::uint32_t e = 0; e < expected_.size(); ++e) {
      out_.expected[e].settled_minor = expected_[e].settled_before_minor;
    }
    touched_.assign(expected_.size(), 0);
    hit_.assign(flat_.size(), kNoIndex);
    out_.stats.lines_total = static_cast<std::int64_t>(flat_.size());
    out_.stats.expected_total = static_cast<std::int64_t>(expected_.size());
  }

  void LineException(std::uint32_t i, ReasonCode reason, std::int64_t amount_minor,
                     std::string message, std::string_view subject_suffix = {}) {
    const PayoutLine& l = L(i);
    const Payout& p = P(i);
    ExceptionRecord r;
    r.reason = reason;
    r.gateway = p.gateway;
    r.payout_id = p.payout_id;
    r.line_id = l.line_id;
    r.reference = l.source_reference;
    r.amount = Money(amount_minor, l.gross.currency());
    r.message = std::move(message);
    r.id = MakeExceptionId(reason, p.gateway,
                           fmt::format("{}/{}{}", p.payout_id, l.line_id, subject_suffix));
    if (auto c = candidates_.find(i); c != candidates_.end()) {
      r.candidates = std::move(c->second);
    }
    out_.exceptions.push_back(std::move(r));
    out_.lines[i].status = LineStatus::kException;
    ++out_.stats.line_exceptions;
  }

  void ExpectedException(std::uint32_t e, ReasonCode reason, std::int64_t amount_minor,
                         std::string message) {
    const ExpectedItem& x = expected_[e];
    ExceptionRecord r;
    r.reason = reason;
    r.gateway = x.gateway;
    r.reference = x.reference;
    r.amount = Money(amount_minor, x.amount.currency());
    r.message = std::move(message);
    r.id = MakeExceptionId(reason, x.gateway, x.reference);
    out_.exceptions.push_back(std::move(r));
    out_.expected[e].status = ExpectedStatus::kException;
  }

  void MatchLine(std::uint32_t i, std::uint32_t e, std::uint8_t pass, std::int16_t rule,
                 LineStatus status = LineStatus::kMatched) {
    LineOutcome& o = out_.lines[i];
    o.status = status;
    o.pass = pass;
    o.rule = rule;
    o.expected = e;
    o.late = (L(i).occurred_at.micros - expected_[e].occurred_at.micros) >
             config_.late_days * kMicrosPerDay;
    out_.stats.late += o.late ? 1 : 0;
    out_.expected[e].settled_minor += L(i).gross.minor_units();
    touched_[e] = 1;
    if (status == LineStatus::kPartial) {
      ++out_.stats.partial;
    } else if (pass == 1) {
      ++out_.stats.matched_pass1;
    } else if (pass == 2) {
      ++out_.stats.matched_pass2;
    } else {
      ++out_.stats.matched_pass3;
    }
  }

  void SettleExpected(std::uint32_t e) {
    out_.expected[e].status = ExpectedStatus::kSettled;
    ++out_.stats.expected_settled;
  }

  // The same (gateway, line id) twice: the later copies are duplicate_line.
  void FindDuplicateLines() {
    FlatIndex seen(flat_.size());
    for (std::uint32_t i = 0; i < flat_.size(); ++i) {
      const PayoutLine& l = L(i);
      if (l.line_id.empty()) {
        continue;
      }
      const std::string& gateway = P(i).gateway;
      const std::uint64_t h = HashOf(l.line_id) * 31 + HashOf(gateway);
      const std::uint32_t first = seen.FindOrInsert(h, i, [&](std::uint32_t j) {
        return L(j).line_id == l.line_id && P(j).gateway == gateway;
      });
      if (first != kNoIndex) {
        LineException(i, ReasonCode::kDuplicateLine, -l.gross.minor_units(),
                      fmt::format("line {} appears again in payout {} (first in payout {})",
                                  l.line_id, P(i).payout_id, P(first).payout_id),
                      fmt::format("#{}", i));
      }
    }
  }

  void Pass1Lookup() {
    FlatIndex by_ref(expected_.size());
    std::size_t disputes = 0;
    for (const ExpectedItem& x : expected_) {
      disputes += x.kind == ExpectedKind::kDispute ? 1 : 0;
    }
    FlatIndex dispute_by_charge(disputes);
    for (std::uint32_t e = 0; e < expected_.size(); ++e) {
      const std::string& ref = expected_[e].reference;
      (void)by_ref.FindOrInsert(HashOf(ref), e,
                                [&](std::uint32_t j) { return expected_[j].reference == ref; });
      if (expected_[e].kind == ExpectedKind::kDispute && !expected_[e].alias.empty()) {
        const std::string& alias = expected_[e].alias;
        (void)dispute_by_charge.FindOrInsert(
            HashOf(alias), e, [&](std::uint32_t j) { return expected_[j].alias == alias; });
      }
    }
    for (std::uint32_t i = 0; i < flat_.size(); ++i) {
      if (out_.lines[i].status == LineStatus::kException) {
        continue;
      }
      const PayoutLine& l = L(i);
      const std::optional<ExpectedKind> cls = ClassOf(l.kind);
      if (!cls) {
        if (l.kind == PayoutLineKind::kOther) {
          LineException(i, ReasonCode::kUnknownCategory, -l.gross.minor_units(),
                        fmt::format("line {} has a category the hub cannot account for ({})",
                                    l.line_id, l.description));
        }
        continue;
      }
      ++out_.stats.lines_matchable;
      if (l.source_reference.empty()) {
        pool_.push_back(i);
        continue;
      }
      const std::string& ref = l.source_reference;
      const std::uint64_t h = HashOf(ref);
      std::uint32_t e =
          by_ref.Find(h, [&](std::uint32_t j) { return expected_[j].reference == ref; });
      if (e == kNoIndex && *cls == ExpectedKind::kDispute) {
        e = dispute_by_charge.Find(h, [&](std::uint32_t j) { return expected_[j].alias == ref; });
      }
      if (e == kNoIndex) {
        unknown_.push_back(i);
        continue;
      }
      const ExpectedItem& x = expected_[e];
      if (x.kind != *cls) {
        LineException(
            i, ReasonCode::kUnknownReference, -l.gross.minor_units(),
            fmt::format("{} line {} names {}, which the hub knows as a {}", ToString(l.kind),
                        l.line_id, l.source_reference, ExpectedKindName(x.kind)));
        continue;
      }
      if (!(x.amount.currency() == l.gross.currency())) {
        LineException(
            i, ReasonCode::kCurrencyMismatch, -l.gross.minor_units(),
            fmt::format("line {} settles {} in {} but {} was {}", l.line_id, l.source_reference,
                        l.gross.currency().code(), x.reference, x.amount.ToString()));
        touched_[e] = 1;  // the item is accounted for by this exception
        continue;
      }
      hit_[i] = e;
    }
  }

  // Lines grouped per expected item (counting sort), then each group is
  // decided: exact, group, tolerance, duplicate, partial or mismatch.
  void ResolveReferenceGroups() {
    std::vector<std::uint32_t> start(expected_.size() + 1, 0);
    for (std::uint32_t i = 0; i < flat_.size(); ++i) {
      if (hit_[i] != kNoIndex) {
        ++start[hit_[i] + 1];
      }
    }
    for (std::size_t e = 0; e < expected_.size(); ++e) {
      start[e + 1] += start[e];
    }
    std::vector<std::uint32_t> members(start.back());
    std::vector<std::uint32_t> fill(start.begin(), start.end() - 1);
    for (std::uint32_t i = 0; i < flat_.size(); ++i) {
      if (hit_[i] != kNoIndex) {
        members[fill[hit_[i]]++] = i;
      }
    }
    for (std::uint32_t e = 0; e < expected_.size(); ++e) {
      if (start[e] != start[e + 1]) {
        DecideGroup(
            e, std::span<const std::uint32_t>(members.data() + start[e], start[e + 1] - start[e]));
      }
    }
  }

  bool WithinWindow(std::span<const std::uint32_t> lines, std::uint32_t e,
                    std::int64_t days) const {
    return std::all_of(lines.begin(), lines.end(), [&](std::uint32_t i) {
      return DaysBetween(L(i).occurred_at, expected_[e].occurred_at) <= days;
    });
  }

  void DecideGroup(std::uint32_t e, std::span<const std::uint32_t> lines) {
    touched_[e] = 1;
    const std::int64_t remaining = Remaining(e);
    std::int64_t sum = 0;
    for (std::uint32_t i : lines) {
      sum += L(i).gross.minor_units();  // |amount| < 2^53 per line: no overflow for 4G lines
    }
    const std::int64_t first = L(lines[0]).gross.minor_units();
    if (lines.size() == 1 && first == remaining) {
      MatchLine(lines[0], e, 1, kRuleExactReference);
      SettleExpected(e);
      return;
    }
    if (lines.size() > 1 && sum == remaining &&
        static_cast<std::int64_t>(lines.size()) <= config_.group_size_max) {
      for (std::uint32_t i : lines) {
        MatchLine(i, e, 3, kRuleGroupReference);
      }
      SettleExpected(e);
      return;
    }
    if (lines.size() > 1 && first == remaining) {
      MatchLine(lines[0], e, 1, kRuleExactReference);
      SettleExpected(e);
      for (std::uint32_t i : lines.subspan(1)) {
        const std::int64_t g = L(i).gross.minor_units();
        if (g == remaining) {
          LineException(i, ReasonCode::kDuplicateLine, -g,
                        fmt::format("{} is settled again by line {} (already by line {})",
                                    expected_[e].reference, L(i).line_id, L(lines[0]).line_id));
        } else {
          LineException(i, ReasonCode::kAmountMismatch, -g,
                        fmt::format("{} is already settled; line {} adds {}",
                                    expected_[e].reference, L(i).line_id, L(i).gross.ToString()));
        }
      }
      return;
    }
    for (std::size_t r = 0; r < config_.rules.size(); ++r) {
      const MatchRule& rule = config_.rules[r];
      if (Abs(sum - remaining) <= rule.ToleranceFor(remaining) &&
          WithinWindow(lines, e, rule.date_window_days)) {
        for (std::uint32_t i : lines) {
          MatchLine(i, e, 2, static_cast<std::int16_t>(kFirstConfiguredRule + r));
        }
        SettleExpected(e);
        return;
      }
    }
    const bool short_settled = (sum > 0) == (remaining > 0) && Abs(sum) < Abs(remaining);
    const std::int64_t age_days = (as_of_.micros - expected_[e].occurred_at.micros) / kMicrosPerDay;
    if (short_settled && age_days <= config_.partial_window_days) {
      for (std::uint32_t i : lines) {
        MatchLine(i, e, 3, kRulePartialReference, LineStatus::kPartial);
      }
      out_.expected[e].status = ExpectedStatus::kPartial;
      return;
    }
    const ExpectedItem& x = expected_[e];
    ExpectedException(
        e, ReasonCode::kAmountMismatch, remaining - sum,
        fmt::format("{} {} expects {} but {} line(s) settle {}", ExpectedKindName(x.kind),
                    x.reference, Money(remaining, x.amount.currency()).ToString(), lines.size(),
                    Money(sum, x.amount.currency()).ToString()));
    out_.exceptions.back().payout_id = P(lines[0]).payout_id;
    out_.exceptions.back().line_id = L(lines[0]).line_id;
    for (std::uint32_t i : lines) {
      out_.lines[i].status = LineStatus::kException;
      out_.lines[i].expected = e;
      ++out_.stats.line_exceptions;
    }
  }

  struct Slot {
    std::uint64_t key;
    std::int64_t amount;
    std::uint32_t e;
  };

  void Pass2Tolerance() {
    if (config_.rules.empty()) {
      return;
    }
    bool any_unknown = false;
    for (const MatchRule& r : config_.rules) {
      any_unknown = any_unknown || r.include_unknown_references;
    }
    if (pool_.empty() && !(any_unknown && !unknown_.empty())) {
      return;
    }
    std::vector<Slot> slots;
    for (std::uint32_t e = 0; e < expected_.size(); ++e) {
      if (Open(e)) {
        slots.push_back(
            {CurrencyKey(expected_[e].amount.currency(), expected_[e].kind), Remaining(e), e});
      }
    }
    std::sort(slots.begin(), slots.end(), [](const Slot& a, const Slot& b) {
      return a.key != b.key ? a.key < b.key : a.amount < b.amount;
    });
    std::vector<std::uint32_t> still;
    auto run = [&](std::vector<std::uint32_t>& lines, bool unknown_refs) {
      for (std::uint32_t i : lines) {
        if (!TryTolerance(i, slots, unknown_refs)) {
          still.push_back(i);
        }
      }
      lines.swap(still);
      still.clear();
    };
    run(pool_, false);
    if (any_unknown) {
      run(unknown_, true);
    }
  }

  bool TryTolerance(std::uint32_t i, const std::vector<Slot>& slots, bool unknown_ref) {
    const PayoutLine& l = L(i);
    const ExpectedKind cls = *ClassOf(l.kind);
    const std::uint64_t key = CurrencyKey(l.gross.currency(), cls);
    const std::int64_t g = l.gross.minor_units();
    for (std::size_t r = 0; r < config_.rules.size(); ++r) {
      const MatchRule& rule = config_.rules[r];
      if (unknown_ref && !rule.include_unknown_references) {
        continue;
      }
      const std::int64_t tol = rule.ToleranceFor(g);
      auto it = std::lower_bound(slots.begin(), slots.end(), Slot{key, g - tol, 0},
                                 [](const Slot& a, const Slot& b) {
                                   return a.key != b.key ? a.key < b.key : a.amount < b.amount;
                                 });
      std::vector<Candidate> found;
      std::vector<std::uint32_t> found_e;
      std::int64_t scanned = 0;
      for (; it != slots.end() && it->key == key && it->amount <= g + tol &&
             scanned < config_.candidates_scanned_max;
           ++it, ++scanned) {
        const ExpectedItem& x = expected_[it->e];
        if (!Open(it->e) || x.gateway != P(i).gateway) {
          continue;
        }
        const std::int64_t days = DaysBetween(l.occurred_at, x.occurred_at);
        if (days > rule.date_window_days) {
          continue;
        }
        if (rule.require_order_reference &&
            (l.order_reference.empty() || l.order_reference != x.order_id)) {
          continue;
        }
        const std::int64_t score = kScorePpmMax -
                                   (kScorePpmMax / 2) * Abs(it->amount - g) / (tol + 1) -
                                   (kScorePpmMax / 2) * days / (rule.date_window_days + 1);
        found.push_back({x.reference, x.amount, score});
        found_e.push_back(it->e);
      }
      if (found.empty()) {
        continue;
      }
      std::vector<std::size_t> order(found.size());
      for (std::size_t k = 0; k < order.size(); ++k) {
        order[k] = k;
      }
      std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return found[a].score_ppm > found[b].score_ppm;
      });
      if (order.size() == 1 || found[order[0]].score_ppm > found[order[1]].score_ppm) {
        const std::uint32_t e = found_e[order[0]];
        MatchLine(i, e, 2, static_cast<std::int16_t>(kFirstConfiguredRule + r));
        SettleExpected(e);  // within tolerance: the rule accepts the difference
        return true;
      }
      std::vector<Candidate>& keep = candidates_[i];
      for (std::size_t k = 0; k < order.size() && k < kCandidatesKept; ++k) {
        keep.push_back(found[order[k]]);
      }
      return false;  // ambiguous: raised with candidates, never guessed
    }
    return false;
  }

  // Pass 3 by order: one line = Σ open items of its order (one-to-many), or
  // Σ unmatched lines of an order = one open item (many-to-one).
  void Pass3Orders() {
    std::vector<std::uint32_t> lines;
    for (std::uint32_t i : pool_) {
      if (!L(i).order_reference.empty()) {
        lines.push_back(i);
      }
    }
    if (lines.empty()) {
      return;
    }
    std::unordered_map<std::string_view, std::vector<std::uint32_t>> by_order;
    for (std::uint32_t i : lines) {
      by_order[L(i).order_reference];
    }
    for (std::uint32_t e = 0; e < expected_.size(); ++e) {
      if (Open(e) && !expected_[e].order_id.empty()) {
        if (auto it = by_order.find(expected_[e].order_id); it != by_order.end()) {
          it->second.push_back(e);
        }
      }
    }
    std::unordered_map<std::string_view, std::vector<std::uint32_t>> lines_by_order;
    for (std::uint32_t i : lines) {
      lines_by_order[L(i).order_reference].push_back(i);
    }
    for (auto& [order, group] : lines_by_order) {
      const std::vector<std::uint32_t>& items = by_order[order];
      if (items.empty()) {
        continue;
      }
      for (std::uint32_t i : group) {
        OneToMany(i, items);
      }
      ManyToOne(group, items);
    }
    std::erase_if(
        pool_, [&](std::uint32_t i) { return out_.lines[i].status != LineStatus::kNotMatchable; });
  }

  bool Compatible(std::uint32_t i, std::uint32_t e) const {
    return Open(e) && expected_[e].kind == *ClassOf(L(i).kind) &&
           expected_[e].amount.currency() == L(i).gross.currency() &&
           expected_[e].gateway == P(i).gateway;
  }

  void OneToMany(std::uint32_t i, const std::vector<std::uint32_t>& items) {
    if (out_.lines[i].status != LineStatus::kNotMatchable) {
      return;
    }
    std::vector<std::uint32_t> take;
    std::int64_t sum = 0;
    for (std::uint32_t e : items) {
      if (Compatible(i, e)) {
        take.push_back(e);
        sum += Remaining(e);
      }
    }
    if (take.size() < 2 || static_cast<std::int64_t>(take.size()) > config_.group_size_max ||
        sum != L(i).gross.minor_units()) {
      return;
    }
    // One line, several items: the line points at the first; every item is settled.
    MatchLine(i, take[0], 3, kRuleGroupOrder);
    out_.expected[take[0]].settled_minor = expected_[take[0]].amount.minor_units();
    for (std::uint32_t e : take) {
      touched_[e] = 1;
      out_.expected[e].settled_minor = expected_[e].amount.minor_units();
      SettleExpected(e);
    }
  }

  void ManyToOne(const std::vector<std::uint32_t>& group, const std::vector<std::uint32_t>& items) {
    std::vector<std::uint32_t> open;
    for (std::uint32_t i : group) {
      if (out_.lines[i].status == LineStatus::kNotMatchable) {
        open.push_back(i);
      }
    }
    if (open.size() < 2 || static_cast<std::int64_t>(open.size()) > config_.group_size_max) {
      return;
    }
    std::int64_t sum = 0;
    for (std::uint32_t i : open) {
      sum += L(i).gross.minor_units();
    }
    for (std::uint32_t e : items) {
      const bool fits =
          std::all_of(open.begin(), open.end(), [&](std::uint32_t i) { return Compatible(i, e); });
      if (fits && Remaining(e) == sum) {
        for (std::uint32_t i : open) {
          MatchLine(i, e, 3, kRuleGroupOrder);
        }
        SettleExpected(e);
        return;
      }
    }
  }

  void RaiseLeftovers() {
    for (std::uint32_t i : pool_) {
      if (out_.lines[i].status != LineStatus::kNotMatchable) {
        continue;
      }
      const PayoutLine& l = L(i);
      LineException(i, ReasonCode::kUnmatchedPayoutLine, -l.gross.minor_units(),
                    fmt::format("{} line {} ({}) has no reference and no rule matched it{}",
                                ToString(l.kind), l.line_id, l.gross.ToString(),
                                candidates_.count(i) != 0 ? "; several candidates fit" : ""));
    }
    for (std::uint32_t i : unknown_) {
      if (out_.lines[i].status != LineStatus::kNotMatchable) {
        continue;
      }
      const PayoutLine& l = L(i);
      LineException(i, ReasonCode::kUnknownReference, -l.gross.minor_units(),
                    fmt::format("{} line {} names {}, which the hub has not seen", ToString(l.kind),
                                l.line_id, l.source_reference));
    }
    for (std::uint32_t e = 0; e < expected_.size(); ++e) {
      if (!Open(e) || Remaining(e) == 0) {
        continue;
      }
      const ExpectedItem& x = expected_[e];
      const std::int64_t age_days = (as_of_.micros - x.occurred_at.micros) / kMicrosPerDay;
      if (age_days > config_.aging_days) {
        ExpectedException(
            e, ReasonCode::kTenderNotSettled, Remaining(e),
            fmt::format("{} {} ({}) not settled after {} days", ExpectedKindName(x.kind),
                        x.reference, Money(Remaining(e), x.amount.currency()).ToString(),
                        age_days));
      }
    }
  }

  std::span<const Payout> payouts_;
  std::span<const ExpectedItem> expected_;
  const ReconcileConfig& config_;
  Instant as_of_;
  MatchResult out_;
  std::vector<FlatLine> flat_;
  std::vector<std::uint32_t> hit_;      // line -> expected found by reference
  std::vector<std::uint8_t> touched_;   // expected has a line (or was consumed)
  std::vector<std::uint32_t> pool_;     // lines without a reference, for passes 2 and 3
  std::vector<std::uint32_t> unknown_;  // lines whose reference is unknown
  std::unordered_map<std::uint32_t, std::vector<Candidate>> candidates_;
};

}  // namespace

std::string_view ExpectedKindName(ExpectedKind k) {
  switch (k) {
    case ExpectedKind::kTender:
      return "tender";
    case ExpectedKind::kRefund:
      return "refund";
    case ExpectedKind::kDispute:
      return "dispute";
  }
  return "unknown";
}

std::optional<ExpectedItem> ExpectedFromTender(const Tender& t, std::string_view order_id) {
  const bool gateway_kind = t.kind == TenderKind::kCard || t.kind == TenderKind::kMarketplace ||
                            t.kind == TenderKind::kOther;
  if (!gateway_kind || t.gateway.empty() || t.gateway_reference.empty() || t.status != "captured") {
    return std::nullopt;
  }
  return ExpectedItem{.kind = ExpectedKind::kTender,
                      .reference = t.gateway_reference,
                      .gateway = t.gateway,
                      .order_id = std::string(order_id),
                      .amount = t.amount,
                      .occurred_at = t.occurred_at};
}

std::optional<ExpectedItem> ExpectedFromRefund(const Refund& r) {
  std::string gateway;
  std::string reference = r.refund_id;
  std::int64_t total = 0;
  for (const Tender& t : r.tenders) {
    if (!t.gateway.empty() && t.kind == TenderKind::kCard) {
      gateway = t.gateway;
      total += t.amount.minor_units();
      // The gateway's own refund id (Stripe re_…) is what its settlement
      // lines name; the channel's refund id is only ours.
      if (!t.gateway_reference.empty()) {
        reference = t.gateway_reference;
      }
    }
  }
  if (gateway.empty() && !r.tenders.empty()) {
    return std::nullopt;
  }
  // Reported by the gateway itself (a Stripe or Square refund object), the
  // refund's own id is the gateway's refund id: its tender's reference is the
  // charge or payment it refunds, which is the tender's own settlement key.
  if (r.lineage.source_system == gateway) {
    reference = r.refund_id;
  }
  if (r.tenders.empty()) {
    gateway = r.lineage.source_system;
    total = r.amount.minor_units();
  }
  return ExpectedItem{.kind = ExpectedKind::kRefund,
                      .reference = reference,
                      .gateway = gateway,
                      .order_id = r.order_id,
                      .amount = Money(-total, r.amount.currency()),
                      .occurred_at = r.occurred_at};
}

std::optional<ExpectedItem> ExpectedFromDispute(const Dispute& d) {
  if (d.dispute_id.empty()) {
    return std::nullopt;
  }
  return ExpectedItem{.kind = ExpectedKind::kDispute,
                      .reference = d.dispute_id,
                      .alias = d.charge_reference,
                      .gateway = d.gateway,
                      .order_id = d.order_id,
                      .amount = Money(-d.amount.minor_units(), d.amount.currency()),
                      .occurred_at = d.occurred_at};
}

Result<MatchResult> Match(std::span<const Payout> payouts, std::span<const ExpectedItem> expected,
                          const ReconcileConfig& config, Instant as_of) {
  std::size_t total = 0;
  for (const Payout& p : payouts) {
    total += p.lines.size();
  }
  if (total >= kNoIndex || expected.size() >= kNoIndex) {
    return Fail(ErrorCode::kTooLarge, "a reconciliation run holds at most 4e9 lines and items");
  }
  return Run(payouts, expected, config, as_of).Execute();
}

}  // namespace hub::reconcile
