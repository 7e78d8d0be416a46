#include "app/recon.h"

#include <fmt/format.h>

#include "core/event.h"
#include "core/model_json.h"
#include "reconcile/report_json.h"

namespace hub::app {

Result<ReconRun> RunReconciliation(store::Store& store, const Clock& clock) {
  HUB_TRY_STATUS(store.Migrate(reconcile::ReconcileMigrations()));
  HUB_TRY(auto conn, store.Connect());
  HUB_TRY(store::Statement * q,
          conn->Prepare("SELECT event FROM bus_work WHERE domain = 'ledger' AND state = 'done' "
                        "ORDER BY message_seq, idx"));
  ReconRun run;
  std::map<std::string, std::size_t> payout_index;
  for (;;) {
    HUB_TRY(bool row, q->Step());
    if (!row) {
      break;
    }
    auto e = EventFromJson(q->Text(0));
    if (!e) {
      continue;
    }
    const boost::json::value data(e->data);
    if (e->type == "tender.captured") {
      if (auto t = FromJson<Tender>(data); t) {
        if (auto x = reconcile::ExpectedFromTender(*t, e->key); x) {
          run.expected.push_back(*x);
        }
      }
    } else if (e->type == "refund.created") {
      if (auto r = FromJson<Refund>(data); r) {
        if (auto x = reconcile::ExpectedFromRefund(*r); x) {
          run.expected.push_back(*x);
        }
      }
    } else if (e->type.starts_with("dispute.")) {
      if (auto d = FromJson<Dispute>(data); d) {
        if (auto x = reconcile::ExpectedFromDispute(*d); x) {
          run.expected.push_back(*x);
        }
      }
    } else if (e->type == "payout.paid") {
      if (auto p = FromJson<Payout>(data); p && !p->lines.empty()) {
        payout_index[p->payout_id] = run.payouts.size();
        run.payouts.push_back(std::move(*p));
      }
    }
  }
  q->Reset();
  reconcile::ReconcileInput in;
  in.payouts = run.payouts;
  in.expected = run.expected;
  in.as_of = clock.Now();
  HUB_TRY(run.output, reconcile::Reconcile(in, reconcile::ReconcileConfig::Defaults()));
  reconcile::ExceptionQueue queue(*conn, clock, {});
  HUB_TRY(run.new_exceptions, queue.Upsert(run.output.match.exceptions));
  return run;
}

Result<boost::json::object> PayoutReportJson(const ReconRun& run, const std::string& payout_id,
                                             Instant as_of) {
  for (std::size_t i = 0; i < run.payouts.size(); ++i) {
    if (run.payouts[i].payout_id == payout_id) {
      reconcile::ReconcileInput in;
      in.payouts = run.payouts;
      in.expected = run.expected;
      in.as_of = as_of;
      return reconcile::ToJson(reconcile::BuildPayoutReport(in, run.output, i));
    }
  }
  return Fail(ErrorCode::kNotFound, fmt::format("no payout {} with lines", payout_id), "id");
}

}  // namespace hub::app
