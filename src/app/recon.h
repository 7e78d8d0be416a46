// Reconciliation over what the hub has applied: the expected side from the
// captured tenders, refunds and disputes in the reconcile domain's log, the
// payouts (with their lines) and bank statement lines from the same log;
// exceptions stored in the reconciliation queue. Payout journals are posted by the ledger domain as
// payouts arrive; this run proves and matches them.
#pragma once

#include <boost/json.hpp>

#include "reconcile/engine.h"
#include "reconcile/exceptions.h"
#include "store/store.h"

namespace hub::app {

struct ReconRun {
  std::vector<Payout> payouts;
  std::vector<reconcile::ExpectedItem> expected;
  std::vector<reconcile::BankRow> bank;
  reconcile::ReconcileOutput output;
  reconcile::ReconcileConfig config;
  std::int64_t new_exceptions = 0;
  Instant ran_at;
};

// Runs the matcher and stores new exceptions (idempotent: a re-run raises
// nothing twice).
Result<ReconRun> RunReconciliation(store::Store& store, const reconcile::ReconcileConfig& config,
                                   const Clock& clock);
// With ReconcileConfig::Defaults().
Result<ReconRun> RunReconciliation(store::Store& store, const Clock& clock);
// Per-payout report JSON (proof, lines, rule per line, residual).
Result<boost::json::object> PayoutReportJson(const ReconRun& run, const std::string& payout_id,
                                             Instant as_of);

}  // namespace hub::app
