// Matcher: pairs payout lines with what the hub expects to be settled
// (captured tenders, refunds, disputes) in passes.
//   pass 1  exact reference: line.source_reference == the item's reference
//           (hash join); one line for the full amount.
//   pass 2  tolerance rules (config order): the same reference settled off by
//           a tolerated amount, or, for lines without a usable reference,
//           currency + amount within tolerance + date window + gateway, best
//           score wins; a tie is not guessed but raised with the candidates.
//   pass 3  groups: several lines settling one item (by reference, or by
//           order), or one line settling several items of an order.
// A matched item is consumed: never offered again. Every match records the
// rule that made it. Cost: O((L + E) log E) time, O(L + E) memory; no pair
// enumeration. Pure function of its inputs: thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/model.h"
#include "core/result.h"
#include "reconcile/config.h"
#include "reconcile/exceptions.h"

namespace hub::reconcile {

enum class ExpectedKind : std::uint8_t { kTender = 1, kRefund = 2, kDispute = 3 };
std::string_view ExpectedKindName(ExpectedKind k);

// Something the hub has seen and the gateway must settle.
struct ExpectedItem {
  ExpectedKind kind = ExpectedKind::kTender;
  std::string reference;  // tender gateway_reference / refund id / dispute id
  std::string alias;      // disputes: the charge reference (lines may name it)
  std::string gateway;
  std::string order_id;
  // Signed as it appears in a payout: a capture is positive, a refund or a
  // dispute withdrawal negative.
  Money amount;
  // Already settled by earlier runs (the caller keeps it from the previous
  // MatchResult), same sign as amount.
  std::int64_t settled_before_minor = 0;
  Instant occurred_at;
};

// Captured card-like tenders only (not cash, gift card, store credit, or a
// tender without gateway); nullopt otherwise.
std::optional<ExpectedItem> ExpectedFromTender(const Tender& t, std::string_view order_id);
// The gateway part of a refund (its tenders with a gateway); nullopt if none.
std::optional<ExpectedItem> ExpectedFromRefund(const Refund& r);
std::optional<ExpectedItem> ExpectedFromDispute(const Dispute& d);

inline constexpr std::uint32_t kNoIndex = 0xFFFFFFFFu;

// Fixed rule ids; configured rules follow from kFirstConfiguredRule.
inline constexpr std::int16_t kRuleExactReference = 0;
inline constexpr std::int16_t kRuleGroupReference = 1;
inline constexpr std::int16_t kRulePartialReference = 2;
inline constexpr std::int16_t kRuleGroupOrder = 3;
inline constexpr std::int16_t kFirstConfiguredRule = 4;

enum class LineStatus : std::uint8_t {
  kNotMatchable = 0,  // fee, adjustment, reserve, tax, commission, payout: accounted in the proof
  kMatched = 1,
  kPartial = 2,    // settles part of an item still inside partial_window_days
  kException = 3,  // see MatchResult::exceptions
};

struct LineOutcome {
  LineStatus status = LineStatus::kNotMatchable;
  std::uint8_t pass = 0;   // 1, 2, 3; 0 when not matched
  std::int16_t rule = -1;  // index into MatchResult::rule_names
  bool late = false;       // matched more than late_days after the item
  std::uint32_t expected = kNoIndex;
};

enum class ExpectedStatus : std::uint8_t { kOpen = 0, kSettled = 1, kPartial = 2, kException = 3 };

struct ExpectedOutcome {
  ExpectedStatus status = ExpectedStatus::kOpen;
  std::int64_t settled_minor = 0;  // including settled_before_minor
};

struct PassStats {
  std::int64_t lines_total = 0;
  std::int64_t lines_matchable = 0;  // charge / refund / dispute lines
  std::int64_t matched_pass1 = 0;
  std::int64_t matched_pass2 = 0;
  std::int64_t matched_pass3 = 0;
  std::int64_t partial = 0;
  std::int64_t late = 0;
  std::int64_t line_exceptions = 0;
  std::int64_t expected_total = 0;
  std::int64_t expected_settled = 0;
};

struct MatchResult {
  std::vector<std::string> rule_names;
  // Lines flattened in payout order: payout i's lines are
  // [payout_offset[i], payout_offset[i + 1]).
  std::vector<std::uint32_t> payout_offset;
  std::vector<LineOutcome> lines;
  std::vector<ExpectedOutcome> expected;
  std::vector<ExceptionRecord> exceptions;  // line- and item-level; ids deterministic
  PassStats stats;

  const LineOutcome& Line(std::size_t payout, std::size_t line) const {
    return lines[payout_offset[payout] + line];
  }
};

// kTooLarge beyond 4 billion lines or items; otherwise never fails on data:
// every problem becomes an exception record.
Result<MatchResult> Match(std::span<const Payout> payouts, std::span<const ExpectedItem> expected,
                          const ReconcileConfig& config, Instant as_of);

}  // namespace hub::reconcile
