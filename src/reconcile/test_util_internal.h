// Builders shared by the reconcile tests: USD amounts, lines, payouts and
// expected items, so each test states only what it is about.
#pragma once

#include <string>
#include <vector>

#include "core/model.h"
#include "reconcile/matcher.h"

namespace hub::reconcile::testing {

inline Currency Usd() { return *Currency::FromCode("USD"); }
inline Money Usd(std::int64_t minor) { return Money(minor, Usd()); }
inline constexpr std::int64_t kDay = 86'400'000'000;
inline Instant Day(std::int64_t d) { return Instant{1'750'000'000'000'000 + d * kDay}; }

inline PayoutLine Line(PayoutLineKind kind, std::string id, std::string ref, std::int64_t gross,
                       std::int64_t fee = 0, Instant at = Day(1)) {
  PayoutLine l;
  l.line_id = std::move(id);
  l.kind = kind;
  l.source_reference = std::move(ref);
  l.gross = Usd(gross);
  l.fee = Usd(fee);
  l.net = Usd(gross - fee);
  l.occurred_at = at;
  return l;
}

// The payout amount is the lines' net, so the proof closes unless a test says otherwise.
inline Payout MakePayout(std::string id, std::vector<PayoutLine> lines, Instant at = Day(2),
                         std::string gateway = "stripe") {
  Payout p;
  p.payout_id = std::move(id);
  p.gateway = std::move(gateway);
  p.status = "paid";
  p.arrival_at = at;
  std::int64_t net = 0;
  for (const PayoutLine& l : lines) {
    if (l.kind != PayoutLineKind::kPayout) {
      net += l.net.minor_units();
    }
  }
  p.amount = Usd(net);
  p.lines = std::move(lines);
  return p;
}

inline ExpectedItem Expect(ExpectedKind kind, std::string ref, std::int64_t amount,
                           Instant at = Day(0), std::string order = {},
                           std::string gateway = "stripe") {
  ExpectedItem x;
  x.kind = kind;
  x.reference = std::move(ref);
  x.gateway = std::move(gateway);
  x.order_id = std::move(order);
  x.amount = Usd(amount);
  x.occurred_at = at;
  return x;
}

}  // namespace hub::reconcile::testing
