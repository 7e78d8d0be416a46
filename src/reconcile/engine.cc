// Reconcile(): matcher, payout proof, bank deposits; PostPayout(); reports.
#include "reconcile/engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "core/model_json.h"

namespace hub::reconcile {

namespace {

constexpr std::int64_t kMicrosPerDay = 86'400'000'000;

// Sums minor units of one currency with overflow checking.
class Sum {
 public:
  Status Add(std::int64_t v) {
    HUB_TRY(total_, CheckedAdd(total_, v));
    return Ok();
  }
  std::int64_t value() const { return total_; }

 private:
  std::int64_t total_ = 0;
};

struct ProofSums {
  Sum charges, refunds, disputes, adjustments, reserves, commissions, taxes, fee_lines, other, fees,
      net;
};

Sum& BucketFor(ProofSums& s, PayoutLineKind k) {
  switch (k) {
    case PayoutLineKind::kCharge:
      return s.charges;
    case PayoutLineKind::kRefund:
      return s.refunds;
    case PayoutLineKind::kDispute:
      return s.disputes;
    case PayoutLineKind::kAdjustment:
      return s.adjustments;
    case PayoutLineKind::kReserve:
      return s.reserves;
    case PayoutLineKind::kCommission:
      return s.commissions;
    case PayoutLineKind::kTax:
      return s.taxes;
    case PayoutLineKind::kFee:
      return s.fee_lines;
    default:
      return s.other;
  }
}

ExceptionRecord PayoutLineException(const Payout& p, const PayoutLine& l, ReasonCode reason,
                                    std::int64_t amount_minor, std::string message) {
  ExceptionRecord r;
  r.reason = reason;
  r.gateway = p.gateway;
  r.payout_id = p.payout_id;
  r.line_id = l.line_id;
  r.reference = l.source_reference;
  r.amount = Money(amount_minor, p.amount.currency());
  r.message = std::move(message);
  r.id = MakeExceptionId(reason, p.gateway, fmt::format("{}/{}/payout", p.payout_id, l.line_id));
  return r;
}

void AddBlock(PayoutProof& proof, ReasonCode r) {
  if (std::find(proof.blocked_by.begin(), proof.blocked_by.end(), r) == proof.blocked_by.end()) {
    proof.blocked_by.push_back(r);
  }
}

using IssueKey = std::pair<std::string_view, std::string_view>;
struct IssueHash {
  std::size_t operator()(const IssueKey& k) const noexcept {
    return std::hash<std::string_view>{}(k.first) * 31 + std::hash<std::string_view>{}(k.second);
  }
};

Result<PayoutProof> Prove(const Payout& p,
                          const std::unordered_map<IssueKey, const LineIssue*, IssueHash>& issues,
                          std::vector<ExceptionRecord>& exceptions) {
  const Currency cur = p.amount.currency();
  ProofSums s;
  PayoutProof proof;
  proof.payout_id = p.payout_id;
  proof.gateway = p.gateway;
  proof.paid = p.amount;
  for (const PayoutLine& l : p.lines) {
    if (l.kind == PayoutLineKind::kPayout) {
      continue;  // the transfer itself
    }
    const bool fee_valid = l.fee.currency().valid();
    if (!(l.gross.currency() == cur) || (fee_valid && !(l.fee.currency() == cur))) {
      exceptions.push_back(
          PayoutLineException(p, l, ReasonCode::kCurrencyMismatch, -l.gross.minor_units(),
                              fmt::format("line {} is in {} but payout {} pays {}", l.line_id,
                                          l.gross.currency().code(), p.payout_id, cur.code())));
      AddBlock(proof, ReasonCode::kCurrencyMismatch);
      continue;
    }
    const std::int64_t fee = fee_valid ? l.fee.minor_units() : 0;
    HUB_TRY_STATUS(BucketFor(s, l.kind).Add(l.gross.minor_units()));
    HUB_TRY_STATUS(s.fees.Add(fee));
    HUB_TRY(const std::int64_t line_net, CheckedAdd(l.gross.minor_units(), -fee));
    HUB_TRY_STATUS(s.net.Add(line_net));
    const auto issue = issues.find({p.payout_id, l.line_id});
    const bool net_given = l.net.currency().valid();
    if (issue != issues.end()) {
      exceptions.push_back(
          PayoutLineException(p, l, ReasonCode::kFeeMismatch, 0, issue->second->message));
      AddBlock(proof, ReasonCode::kFeeMismatch);
    } else if (net_given && l.net.minor_units() != line_net) {
      exceptions.push_back(PayoutLineException(
          p, l, ReasonCode::kFeeMismatch, l.net.minor_units() - line_net,
          fmt::format("line {}: gross {} - fee {} = {} but net is {}", l.line_id,
                      l.gross.ToDecimal(), Money(fee, cur).ToDecimal(),
                      Money(line_net, cur).ToDecimal(), l.net.ToDecimal())));
      AddBlock(proof, ReasonCode::kFeeMismatch);
    }
  }
  auto m = [&](const Sum& x) { return Money(x.value(), cur); };
  proof.charges = m(s.charges);
  proof.refunds = m(s.refunds);
  proof.disputes = m(s.disputes);
  proof.adjustments = m(s.adjustments);
  proof.reserves = m(s.reserves);
  proof.commissions = m(s.commissions);
  proof.taxes = m(s.taxes);
  proof.fee_lines = m(s.fee_lines);
  proof.other = m(s.other);
  proof.fees = m(s.fees);
  proof.lines_net = m(s.net);
  HUB_TRY(proof.residual, p.amount.Sub(proof.lines_net));
  proof.closes = proof.residual.is_zero();
  if (!proof.closes) {
    ExceptionRecord r;
    r.reason = ReasonCode::kPayoutResidual;
    r.gateway = p.gateway;
    r.payout_id = p.payout_id;
    r.amount = proof.residual;
    r.message =
        fmt::format("payout {} paid {} but its lines net to {}: residual {}", p.payout_id,
                    p.amount.ToString(), proof.lines_net.ToString(), proof.residual.ToString());
    r.id = MakeExceptionId(ReasonCode::kPayoutResidual, p.gateway, p.payout_id);
    exceptions.push_back(std::move(r));
    AddBlock(proof, ReasonCode::kPayoutResidual);
  }
  return proof;
}

// (currency, amount) as plain integers: sortable without touching strings.
std::pair<std::uint32_t, std::int64_t> BankKey(const Money& m) {
  const Currency c = m.currency();
  std::uint32_t k = 0;
  if (c.valid()) {
    for (const char ch : c.code()) {
      k = (k << 8) | static_cast<unsigned char>(ch);
    }
  }
  return {k, m.minor_units()};
}

void MatchBank(const ReconcileInput& in, const ReconcileConfig& config, ReconcileOutput& out) {
  out.bank_row_for_payout.assign(in.payouts.size(), kNoIndex);
  if (!in.check_bank && in.bank.empty()) {
    return;
  }
  std::vector<std::uint8_t> used(in.bank.size(), 0);
  std::unordered_map<std::string_view, std::uint32_t> by_ref;
  for (std::uint32_t b = 0; b < in.bank.size(); ++b) {
    by_ref.try_emplace(in.bank[b].reference, b);
  }
  // (currency, amount) -> rows, for deposits whose reference is not the payout id.
  std::vector<std::uint32_t> sorted(in.bank.size());
  for (std::uint32_t b = 0; b < sorted.size(); ++b) {
    sorted[b] = b;
  }
  auto key = [&](std::uint32_t b) { return BankKey(in.bank[b].amount); };
  std::sort(sorted.begin(), sorted.end(),
            [&](std::uint32_t a, std::uint32_t b) { return key(a) < key(b); });
  std::vector<std::uint32_t> second;
  for (std::uint32_t i = 0; i < in.payouts.size(); ++i) {
    const Payout& p = in.payouts[i];
    if (p.status == "failed" || p.status == "canceled" || p.status == "cancelled") {
      continue;
    }
    const auto it = by_ref.find(p.payout_id);
    if (it != by_ref.end() && !used[it->second] && in.bank[it->second].amount == p.amount) {
      used[it->second] = 1;
      out.bank_row_for_payout[i] = it->second;
    } else {
      second.push_back(i);
    }
  }
  for (std::uint32_t i : second) {
    const Payout& p = in.payouts[i];
    const auto want = BankKey(p.amount);
    auto it = std::lower_bound(sorted.begin(), sorted.end(), want,
                               [&](std::uint32_t b, const auto& w) { return key(b) < w; });
    for (; it != sorted.end() && key(*it) == want; ++it) {
      const std::int64_t d = in.bank[*it].date.micros - p.arrival_at.micros;
      if (!used[*it] && (d < 0 ? -d : d) <= config.bank_window_days * kMicrosPerDay) {
        used[*it] = 1;
        out.bank_row_for_payout[i] = *it;
        break;
      }
    }
    const bool overdue =
        in.as_of.micros - p.arrival_at.micros > config.bank_window_days * kMicrosPerDay;
    if (out.bank_row_for_payout[i] == kNoIndex && p.status == "paid" && overdue) {
      ExceptionRecord r;
      r.reason = ReasonCode::kMissingPayout;
      r.gateway = p.gateway;
      r.payout_id = p.payout_id;
      r.amount = p.amount;
      r.message = fmt::format("payout {} ({}) arrived {} but no bank deposit matches it",
                              p.payout_id, p.amount.ToString(), FormatRfc3339(p.arrival_at));
      r.id = MakeExceptionId(ReasonCode::kMissingPayout, p.gateway, "payout/" + p.payout_id);
      out.match.exceptions.push_back(std::move(r));
    }
  }
  for (std::uint32_t b = 0; b < in.bank.size(); ++b) {
    if (used[b]) {
      continue;
    }
    const BankRow& row = in.bank[b];
    ExceptionRecord r;
    r.reason = ReasonCode::kMissingPayout;
    r.reference = row.reference;
    r.amount = Money(-row.amount.minor_units(), row.amount.currency());
    r.message = fmt::format("bank deposit {} of {} ({}) has no payout file", row.row_id,
                            row.amount.ToString(), row.reference);
    r.id = MakeExceptionId(ReasonCode::kMissingPayout, "", "bank/" + row.row_id);
    out.match.exceptions.push_back(std::move(r));
  }
}

ledger::Dimensions Dims(const Payout& p, const std::string& order_id = {}) {
  ledger::Dimensions d;
  d.gateway = p.gateway;
  d.payout = p.payout_id;
  d.order_id = order_id;
  return d;
}

ledger::EntryDraft DraftFor(const Payout& p, std::string key, std::string event_type,
                            std::string description) {
  ledger::EntryDraft d;
  d.idempotency_key = std::move(key);
  d.event_type = std::move(event_type);
  d.effective_at = p.arrival_at;
  d.description = std::move(description);
  d.source_system = p.lineage.source_system.empty() ? p.gateway : p.lineage.source_system;
  d.source_id = p.payout_id;
  d.message_id = p.lineage.message_id;
  d.correlation_id = p.lineage.correlation_id;
  return d;
}

void AddPosting(ledger::EntryDraft& d, const std::string& account, std::int64_t minor, Currency c,
                ledger::Dimensions dims, std::string memo) {
  if (minor != 0) {
    d.postings.push_back(
        ledger::Posting{account, Money(minor, c), std::move(dims), std::move(memo)});
  }
}

}  // namespace

Result<ReconcileOutput> Reconcile(const ReconcileInput& in, const ReconcileConfig& config) {
  ReconcileOutput out;
  HUB_TRY(out.match, Match(in.payouts, in.expected, config, in.as_of));
  std::unordered_map<IssueKey, const LineIssue*, IssueHash> issues;
  for (const LineIssue& i : in.line_issues) {
    issues.emplace(IssueKey{i.payout_id, i.line_id}, &i);
  }
  out.proofs.reserve(in.payouts.size());
  for (const Payout& p : in.payouts) {
    HUB_TRY(PayoutProof proof, Prove(p, issues, out.match.exceptions));
    out.proofs.push_back(std::move(proof));
  }
  MatchBank(in, config, out);
  return out;
}

Result<std::vector<ledger::EntryDraft>> PostPayout(const Payout& p, const PayoutProof& proof,
                                                   const ReconcileConfig& config) {
  if (!proof.closes || !proof.blocked_by.empty()) {
    std::string why;
    for (ReasonCode r : proof.blocked_by) {
      why += (why.empty() ? "" : ", ") + std::string(ReasonName(r));
    }
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("payout {} is not posted: {}", p.payout_id, why), "payout");
  }
  const Currency cur = p.amount.currency();
  const std::string& clearing = config.ClearingAccount(p.gateway);
  ledger::EntryDraft main = DraftFor(p, "payout:" + p.payout_id, "payout.reconciled",
                                     fmt::format("{} payout {}", p.gateway, p.payout_id));
  std::vector<ledger::EntryDraft> out;
  Sum fees, commissions;
  std::vector<ledger::Posting> clearing_postings;
  for (const PayoutLine& l : p.lines) {
    if (l.kind == PayoutLineKind::kPayout) {
      continue;
    }
    const std::int64_t fee = l.fee.currency().valid() ? l.fee.minor_units() : 0;
    const std::int64_t g = l.gross.minor_units();
    const std::string memo =
        fmt::format("{} {} {}", ToString(l.kind), l.line_id, l.source_reference);
    switch (l.kind) {
      case PayoutLineKind::kFee:
      case PayoutLineKind::kTax:  // tax charged on the gateway's fees
        HUB_TRY_STATUS(fees.Add(fee - g));
        break;
      case PayoutLineKind::kCommission:
        HUB_TRY_STATUS(commissions.Add(-g));
        HUB_TRY_STATUS(fees.Add(fee));
        break;
      case PayoutLineKind::kDispute: {
        // The withdrawal and its fee clear through clearing; the loss is the
        // chargeback entry's (or the orders module's, see post_chargebacks).
        HUB_TRY(const std::int64_t net, CheckedAdd(g, -fee));
        if (net != 0) {
          clearing_postings.push_back(
              {clearing, Money(-net, cur), Dims(p, l.order_reference), memo});
        }
        if (config.post_chargebacks) {
          ledger::EntryDraft cb =
              DraftFor(p, fmt::format("payout:{}:dispute:{}", p.payout_id, l.line_id),
                       g < 0 ? "chargeback.settled" : "chargeback.reversed",
                       fmt::format("chargeback {} in {} payout {}", l.source_reference, p.gateway,
                                   p.payout_id));
          AddPosting(cb, config.chargeback_account, -g, cur, Dims(p, l.order_reference), memo);
          AddPosting(cb, config.fees_account, fee, cur, Dims(p, l.order_reference),
                     "dispute fee " + l.line_id);
          AddPosting(cb, clearing, net, cur, Dims(p, l.order_reference), memo);
          out.push_back(std::move(cb));
        }
        break;
      }
      default:
        HUB_TRY_STATUS(fees.Add(fee));
        if (g != 0) {
          clearing_postings.push_back({clearing, Money(-g, cur), Dims(p, l.order_reference), memo});
        }
        break;
    }
  }
  AddPosting(main, config.bank_account, p.amount.minor_units(), cur, Dims(p),
             "payout " + p.payout_id);
  AddPosting(main, config.fees_account, fees.value(), cur, Dims(p), "processing fees");
  AddPosting(main, config.commissions_account, commissions.value(), cur, Dims(p),
             "marketplace commissions");
  for (ledger::Posting& c : clearing_postings) {
    main.postings.push_back(std::move(c));
  }
  out.insert(out.begin(), std::move(main));
  return out;
}

PayoutReport BuildPayoutReport(const ReconcileInput& in, const ReconcileOutput& o, std::size_t pi) {
  const Payout& p = in.payouts[pi];
  const Currency cur = p.amount.currency();
  PayoutReport r;
  r.payout_id = p.payout_id;
  r.gateway = p.gateway;
  r.status = p.status;
  r.proof = o.proofs[pi];
  std::int64_t matched = 0, unmatched = 0;
  for (std::size_t li = 0; li < p.lines.size(); ++li) {
    const PayoutLine& l = p.lines[li];
    const LineOutcome& lo = o.match.Line(pi, li);
    PayoutLineReport lr;
    lr.line_id = l.line_id;
    lr.kind = std::string(ToString(l.kind));
    lr.source_reference = l.source_reference;
    lr.gross = l.gross;
    lr.fee = l.fee;
    lr.net = l.net;
    lr.pass = lo.pass;
    lr.late = lo.late;
    if (lo.rule >= 0) {
      lr.rule = o.match.rule_names[static_cast<std::size_t>(lo.rule)];
    }
    if (lo.expected != kNoIndex) {
      lr.expected_reference = in.expected[lo.expected].reference;
    }
    switch (lo.status) {
      case LineStatus::kMatched:
        lr.status = "matched";
        ++r.lines_matched;
        matched += l.gross.minor_units();
        break;
      case LineStatus::kPartial:
        lr.status = "partial";
        ++r.lines_partial;
        matched += l.gross.minor_units();
        break;
      case LineStatus::kException:
        lr.status = "exception";
        ++r.lines_exception;
        unmatched += l.gross.minor_units();
        break;
      case LineStatus::kNotMatchable:
        lr.status = "not_matchable";
        ++r.lines_not_matchable;
        break;
    }
    r.lines.push_back(std::move(lr));
  }
  r.matched_gross = Money(matched, cur);
  r.unmatched_gross = Money(unmatched, cur);
  if (o.bank_row_for_payout[pi] != kNoIndex) {
    r.bank_row_id = in.bank[o.bank_row_for_payout[pi]].row_id;
  }
  for (const ExceptionRecord& e : o.match.exceptions) {
    if (e.payout_id == p.payout_id && e.gateway == p.gateway) {
      r.exception_ids.push_back(e.id);
    }
  }
  return r;
}

std::vector<ClearingReport> BuildClearingReports(std::span<const ExpectedItem> expected,
                                                 const MatchResult& match,
                                                 std::span<const GatewayBalance> balances,
                                                 const ReconcileConfig& config) {
  struct Acc {
    Currency cur;
    std::int64_t tenders = 0, refunds = 0, disputes = 0;
  };
  std::map<std::string, Acc, std::less<>> acc;
  for (std::size_t e = 0; e < expected.size(); ++e) {
    const ExpectedItem& x = expected[e];
    const std::int64_t remaining = x.amount.minor_units() - match.expected[e].settled_minor;
    Acc& a = acc[x.gateway];
    a.cur = x.amount.currency();
    (x.kind == ExpectedKind::kTender   ? a.tenders
     : x.kind == ExpectedKind::kRefund ? a.refunds
                                       : a.disputes) += remaining;
  }
  std::vector<ClearingReport> out;
  for (const GatewayBalance& b : balances) {
    const Currency cur = b.balance.currency();
    ClearingReport r;
    r.gateway = b.gateway;
    r.account = config.ClearingAccount(b.gateway);
    r.clearing_balance = b.balance;
    const auto it = acc.find(b.gateway);
    const Acc a = it == acc.end() ? Acc{cur} : it->second;
    r.unsettled_tenders = Money(a.tenders, cur);
    r.unsettled_refunds = Money(a.refunds, cur);
    r.unsettled_disputes = Money(a.disputes, cur);
    r.expected_balance = Money(a.tenders + a.refunds + a.disputes, cur);
    r.difference = Money(b.balance.minor_units() - r.expected_balance.minor_units(), cur);
    r.ties = r.difference.is_zero() && (it == acc.end() || a.cur == cur);
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<AgingReport> BuildAgingReports(std::span<const ExpectedItem> expected,
                                           const MatchResult& match, Instant as_of) {
  std::map<std::pair<std::string, std::string>, AgingReport> by;
  for (std::size_t e = 0; e < expected.size(); ++e) {
    const ExpectedItem& x = expected[e];
    const std::int64_t remaining = x.amount.minor_units() - match.expected[e].settled_minor;
    if (x.kind != ExpectedKind::kTender || remaining == 0 ||
        match.expected[e].status == ExpectedStatus::kSettled) {
      continue;
    }
    const Currency cur = x.amount.currency();
    auto [it, inserted] = by.try_emplace({x.gateway, std::string(cur.code())});
    AgingReport& r = it->second;
    if (inserted) {
      r.gateway = x.gateway;
      r.currency = cur;
      const char* labels[] = {"0-2", "3-7", "8-30", ">30"};
      for (std::size_t k = 0; k < r.buckets.size(); ++k) {
        r.buckets[k].label = labels[k];
        r.buckets[k].amount = Money::Zero(cur);
      }
    }
    const std::int64_t days = (as_of.micros - x.occurred_at.micros) / kMicrosPerDay;
    const std::size_t k = days <= 2 ? 0 : days <= 7 ? 1 : days <= 30 ? 2 : 3;
    ++r.buckets[k].count;
    r.buckets[k].amount = Money(r.buckets[k].amount.minor_units() + remaining, cur);
  }
  std::vector<AgingReport> out;
  for (auto& [k, v] : by) {
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace hub::reconcile
