// The reconciliation engine: one run = match (matcher.h), prove every payout
// to the cent, match payouts to bank deposits, and collect the exceptions.
// Then, per payout, the journal drafts, and the reports (per payout, gateway
// clearing tie-out, aging of unsettled tenders). Not here: storing the
// drafts (ledger/) or the exceptions (exceptions.h), CLI and bus wiring.
// All functions are pure over their inputs: thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/model.h"
#include "core/result.h"
#include "ledger/entry.h"
#include "reconcile/config.h"
#include "reconcile/exceptions.h"
#include "reconcile/matcher.h"

namespace hub::reconcile {

// One row of a bank statement.
struct BankRow {
  std::string row_id;
  Instant date;
  Money amount;           // positive: deposit
  std::string reference;  // as printed: often the payout id or a gateway trace id
};

// A line the connector found inconsistent (Stripe `fee` vs `fee_details`,
// kAmountMismatch at translation): reported as fee_mismatch, never accepted.
struct LineIssue {
  std::string payout_id;
  std::string line_id;
  std::string message;
};

// Payout proof: paid = Σ gross − Σ fees (adjustments, disputes, reserves are
// lines with their own gross), to the cent; otherwise `residual` is the
// difference and the payout has exactly one payout_residual exception.
struct PayoutProof {
  std::string payout_id;
  std::string gateway;
  Money paid;
  Money charges, refunds, disputes, adjustments, reserves, commissions, taxes, fee_lines, other;
  Money fees;       // Σ line.fee (kept by the gateway on each line)
  Money lines_net;  // Σ gross − Σ fee
  Money residual;   // paid − lines_net
  bool closes = false;
  // Exceptions that stop the payout from posting (residual, fee or currency
  // mismatch). Line-level matching exceptions do not: the bank has the money.
  std::vector<ReasonCode> blocked_by;
};

struct ReconcileInput {
  std::span<const Payout> payouts;
  std::span<const ExpectedItem> expected;
  std::span<const BankRow> bank;  // empty + check_bank=false: no deposit matching
  bool check_bank = false;
  std::span<const LineIssue> line_issues;
  Instant as_of;  // "today" for aging; from the injected clock
};

struct ReconcileOutput {
  MatchResult match;                // match.exceptions holds every exception of the run
  std::vector<PayoutProof> proofs;  // aligned with input.payouts
  std::vector<std::uint32_t> bank_row_for_payout;  // kNoIndex: no deposit found
};

Result<ReconcileOutput> Reconcile(const ReconcileInput& input, const ReconcileConfig& config);

// Journal drafts of one proven payout (DESIGN §3):
//   "payout:<id>"  Dr bank (net paid), Dr fees (Σ line fees and fee lines),
//                  Dr commissions / Cr clearing, one posting per settlement
//                  line (memo "<kind> <line id> <reference>", dims.order_id),
//                  so each tender's clearing is traceable to its line.
//   "payout:<id>:dispute:<line id>"  (post_chargebacks) per dispute line:
//                  Dr chargeback losses (amount), Dr fees (dispute fee) /
//                  Cr clearing; a won dispute (positive line) reverses it.
// kFailedPrecondition when the proof does not close or is blocked.
Result<std::vector<ledger::EntryDraft>> PostPayout(const Payout& payout, const PayoutProof& proof,
                                                   const ReconcileConfig& config);

// ---- reports ---------------------------------------------------------------

struct PayoutLineReport {
  std::string line_id;
  std::string kind;
  std::string source_reference;
  Money gross, fee, net;
  std::string status;  // "matched", "partial", "exception", "not_matchable"
  int pass = 0;
  std::string rule;
  std::string expected_reference;
  bool late = false;
};

struct PayoutReport {
  std::string payout_id;
  std::string gateway;
  std::string status;
  PayoutProof proof;
  std::int64_t lines_matched = 0, lines_partial = 0, lines_exception = 0, lines_not_matchable = 0;
  Money matched_gross, unmatched_gross;
  std::string bank_row_id;  // empty when not found or not checked
  std::vector<PayoutLineReport> lines;
  std::vector<std::string> exception_ids;
};

PayoutReport BuildPayoutReport(const ReconcileInput& input, const ReconcileOutput& output,
                               std::size_t payout_index);

// Clearing balance per gateway as the ledger shows it (given by the caller).
struct GatewayBalance {
  std::string gateway;
  Money balance;
};

struct ClearingReport {
  std::string gateway;
  std::string account;
  Money clearing_balance;    // from the ledger
  Money unsettled_tenders;   // Σ remaining of captured tenders
  Money unsettled_refunds;   // Σ remaining of refunds (negative)
  Money unsettled_disputes;  // Σ remaining of disputes (negative)
  Money expected_balance;    // tenders + refunds + disputes
  Money difference;          // clearing_balance − expected_balance
  bool ties = false;
};

std::vector<ClearingReport> BuildClearingReports(std::span<const ExpectedItem> expected,
                                                 const MatchResult& match,
                                                 std::span<const GatewayBalance> balances,
                                                 const ReconcileConfig& config);

struct AgingBucket {
  std::string label;  // "0-2", "3-7", "8-30", ">30" (days)
  std::int64_t count = 0;
  Money amount;
};

struct AgingReport {
  std::string gateway;
  Currency currency;
  std::array<AgingBucket, 4> buckets;
};

// Unsettled captured tenders (remaining != 0), by age at `as_of`.
std::vector<AgingReport> BuildAgingReports(std::span<const ExpectedItem> expected,
                                           const MatchResult& match, Instant as_of);

}  // namespace hub::reconcile
