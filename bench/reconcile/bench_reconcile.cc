// bench_reconcile: N captured tenders and their payout lines from a seeded
// generator with injected noise (missing settlement, duplicated line, amount
// drift, late settlement, unknown reference, reference stripped), reconciled
// in one run. Reports wall time per stage, peak RSS (VmHWM), the share matched
// per pass, and checks that every injected fault was found: exits non-zero
// otherwise or when a target is missed (N=1M: <= 10 s, <= 2 GB, exact
// matching >= 1M lines/s).
#include <fmt/format.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "reconcile/engine.h"

namespace {

using hub::Money;
using hub::PayoutLine;
using hub::PayoutLineKind;
using namespace hub::reconcile;

constexpr std::int64_t kDay = 86'400'000'000;
constexpr std::int64_t kLinesPerPayout = 1000;

std::int64_t VmHwmKib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      return std::strtoll(line.c_str() + 6, nullptr, 10);
    }
  }
  return -1;
}

double Seconds(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

struct Noise {
  std::unordered_set<std::string> missing, drift, unknown;
  std::unordered_set<std::string> unknown_tenders;  // their tender stays unsettled
  std::unordered_set<std::string> duplicated;       // line ids
  std::int64_t late = 0, stripped = 0;
};

}  // namespace

int main(int argc, char** argv) {
  std::int64_t n = 1'000'000;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) {
      n = 100'000;
    } else if (std::strcmp(argv[i], "--n") == 0 && i + 1 < argc) {
      n = std::strtoll(argv[++i], nullptr, 10);
    }
  }
  const hub::Currency usd = *hub::Currency::FromCode("USD");
  const hub::Instant base{1'750'000'000'000'000};
  const hub::Instant as_of{base.micros + 40 * kDay};
  std::mt19937_64 rng(20260115);
  std::uniform_int_distribution<std::int64_t> amount(100, 500'000);
  std::uniform_int_distribution<std::int64_t> day(0, 29);
  std::uniform_int_distribution<int> noise(0, 9999);

  const auto t0 = std::chrono::steady_clock::now();
  std::vector<ExpectedItem> expected;
  expected.reserve(static_cast<std::size_t>(n));
  std::vector<hub::Payout> payouts;
  Noise injected;
  hub::Payout current;
  auto flush = [&]() {
    std::int64_t net = 0;
    for (const PayoutLine& l : current.lines) {
      net += l.net.minor_units();
    }
    current.amount = Money(net, usd);
    current.gateway = "stripe";
    current.status = "paid";
    payouts.push_back(std::move(current));
    current = hub::Payout{};
    current.payout_id = fmt::format("po_{:08}", payouts.size());
    current.arrival_at = hub::Instant{base.micros + 32 * kDay};
  };
  current.payout_id = "po_00000000";
  current.arrival_at = hub::Instant{base.micros + 32 * kDay};
  for (std::int64_t i = 0; i < n; ++i) {
    ExpectedItem x;
    x.kind = ExpectedKind::kTender;
    x.reference = fmt::format("ch_{:016x}", i * 0x9E3779B97F4A7C15ULL >> 4);
    x.gateway = "stripe";
    x.order_id = fmt::format("ord_{:09}", i);
    x.amount = Money(amount(rng), usd);
    x.occurred_at = hub::Instant{base.micros + day(rng) * kDay};
    PayoutLine l;
    l.line_id = fmt::format("txn_{:012}", i);
    l.kind = PayoutLineKind::kCharge;
    l.source_reference = x.reference;
    l.order_reference = x.order_id;
    l.gross = x.amount;
    l.fee = Money(x.amount.minor_units() * 29 / 1000 + 30, usd);
    l.occurred_at = hub::Instant{x.occurred_at.micros + 2 * kDay};
    const int r = noise(rng);
    bool emit = true;
    if (r < 10) {  // 0.1%: the gateway never settled it
      injected.missing.insert(x.reference);
      emit = false;
    } else if (r < 20) {  // 0.1%: settled off by more than any tolerance
      l.gross = Money(x.amount.minor_units() + 500 + r, usd);
      injected.drift.insert(x.reference);
    } else if (r < 30) {  // 0.1%: a reference the hub never saw
      l.source_reference = "ch_unknown_" + std::to_string(i);
      injected.unknown.insert(l.source_reference);
      injected.unknown_tenders.insert(x.reference);
    } else if (r < 80) {  // 0.5%: settled 10+ days late
      l.occurred_at = hub::Instant{x.occurred_at.micros + 10 * kDay};
      ++injected.late;
    } else if (r < 100) {  // 0.2%: reference stripped: pass 2 must find it
      l.source_reference.clear();
      ++injected.stripped;
    }
    l.net = Money(l.gross.minor_units() - l.fee.minor_units(), usd);
    expected.push_back(std::move(x));
    if (emit) {
      current.lines.push_back(l);
      if (r >= 100 && r < 110) {  // 0.1%: the same line again in the file
        current.lines.push_back(l);
        injected.duplicated.insert(l.line_id);
      }
    }
    if (static_cast<std::int64_t>(current.lines.size()) >= kLinesPerPayout) {
      flush();
    }
  }
  flush();
  std::int64_t lines_total = 0;
  for (const hub::Payout& p : payouts) {
    lines_total += static_cast<std::int64_t>(p.lines.size());
  }
  const auto t1 = std::chrono::steady_clock::now();

  ReconcileConfig config = ReconcileConfig::Defaults();
  config.rules = {MatchRule{.name = "order_cents",
                            .amount_tolerance_minor = 2,
                            .date_window_days = 3,
                            .require_order_reference = true}};
  const ReconcileInput in{payouts, expected, {}, false, {}, as_of};
  const auto out = Reconcile(in, config);
  const auto t2 = std::chrono::steady_clock::now();
  if (!out) {
    fmt::print(stderr, "reconcile failed: {}\n", out.error().ToString());
    return 2;
  }
  // Exact-reference matching alone, for its throughput.
  ReconcileConfig exact_only = config;
  exact_only.rules.clear();
  const auto t3 = std::chrono::steady_clock::now();
  const auto exact = Match(payouts, expected, exact_only, as_of);
  const auto t4 = std::chrono::steady_clock::now();
  std::int64_t posted = 0;
  for (std::size_t i = 0; i < payouts.size(); ++i) {
    if (auto d = PostPayout(payouts[i], out->proofs[i], config)) {
      posted += static_cast<std::int64_t>(d->size());
    }
  }
  const auto t5 = std::chrono::steady_clock::now();

  // Every injected fault must be found with its reason.
  std::int64_t found_missing = 0, found_drift = 0, found_unknown = 0, found_dup = 0, other = 0;
  std::int64_t consequential = 0;
  for (const ExceptionRecord& e : out->match.exceptions) {
    if (e.reason == ReasonCode::kTenderNotSettled && injected.missing.count(e.reference)) {
      ++found_missing;
    } else if (e.reason == ReasonCode::kAmountMismatch && injected.drift.count(e.reference)) {
      ++found_drift;
    } else if (e.reason == ReasonCode::kUnknownReference && injected.unknown.count(e.reference)) {
      ++found_unknown;
    } else if (e.reason == ReasonCode::kDuplicateLine && injected.duplicated.count(e.line_id)) {
      ++found_dup;
    } else if (e.reason == ReasonCode::kTenderNotSettled &&
               injected.unknown_tenders.count(e.reference)) {
      ++consequential;
    } else {
      ++other;
    }
  }
  const PassStats& s = out->match.stats;
  const double wall = Seconds(t1, t2);
  const double exact_rate = static_cast<double>(lines_total) / Seconds(t3, t4);
  const std::int64_t hwm = VmHwmKib();
  auto share = [&](std::int64_t k) {
    return 100.0 * static_cast<double>(k) / static_cast<double>(s.lines_matchable);
  };
  fmt::print("bench_reconcile n={} lines={} payouts={}\n", n, lines_total, payouts.size());
  fmt::print("  generate            {:.2f} s\n", Seconds(t0, t1));
  fmt::print("  reconcile (all)     {:.2f} s  ({:.0f} lines/s)\n", wall,
             static_cast<double>(lines_total) / wall);
  fmt::print("  exact-only match    {:.2f} s  ({:.0f} lines/s)\n", Seconds(t3, t4), exact_rate);
  fmt::print("  post {} drafts      {:.2f} s\n", posted, Seconds(t4, t5));
  fmt::print("  peak RSS (VmHWM)    {:.0f} MiB\n", static_cast<double>(hwm) / 1024.0);
  fmt::print("  matched pass1 {:.3f}%  pass2 {:.3f}%  pass3 {:.3f}%  late {}  exceptions {}\n",
             share(s.matched_pass1), share(s.matched_pass2), share(s.matched_pass3), s.late,
             out->match.exceptions.size());
  fmt::print(
      "  found/injected: missing {}/{}  drift {}/{}  unknown {}/{}  duplicate {}/{}  "
      "late {}/{}  stripped->pass2 {}/{}\n  tenders of unknown-reference lines left unsettled {}, "
      "unexplained exceptions {}\n",
      found_missing, injected.missing.size(), found_drift, injected.drift.size(), found_unknown,
      injected.unknown.size(), found_dup, injected.duplicated.size(), s.late, injected.late,
      s.matched_pass2, injected.stripped, consequential, other);
  bool ok = found_missing == static_cast<std::int64_t>(injected.missing.size()) &&
            found_drift == static_cast<std::int64_t>(injected.drift.size()) &&
            found_unknown == static_cast<std::int64_t>(injected.unknown.size()) &&
            found_dup == static_cast<std::int64_t>(injected.duplicated.size()) &&
            s.late >= injected.late && s.matched_pass2 == injected.stripped && other == 0 &&
            exact.has_value();
  if (!ok) {
    fmt::print(stderr, "FAIL: an injected fault was not found\n");
  }
  if (n >= 1'000'000) {
    const bool fast = wall <= 10.0 && hwm <= 2 * 1024 * 1024 && exact_rate >= 1e6;
    if (!fast) {
      fmt::print(stderr, "FAIL: target missed (<=10 s, <=2 GiB, >=1M lines/s exact)\n");
    }
    ok = ok && fast;
  }
  return ok ? 0 : 1;
}
