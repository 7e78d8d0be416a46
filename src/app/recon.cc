#include "app/recon.h"

#include <fmt/format.h>

#include "core/event.h"
#include "core/model_json.h"
#include "reconcile/report_json.h"

namespace hub::app {

namespace {

// A bank.transaction event's record as a statement row (credits are deposits).
std::optional<reconcile::BankRow> BankRowFrom(const boost::json::object& data) {
  const auto* id = data.if_contains("transaction_id");
  const auto* amount = data.if_contains("amount");
  const auto* booked = data.if_contains("booked_at");
  if (id == nullptr || !id->is_string() || amount == nullptr || booked == nullptr ||
      !booked->is_string()) {
    return std::nullopt;
  }
  auto m = FromJson<Money>(*amount);
  auto at = ParseRfc3339(booked->as_string());
  if (!m || !at) {
    return std::nullopt;
  }
  reconcile::BankRow row;
  row.row_id = std::string(id->as_string());
  row.amount = *m;
  row.date = *at;
  if (const auto* ref = data.if_contains("reference"); ref != nullptr && ref->is_string()) {
    row.reference = std::string(ref->as_string());
  }
  return row;
}

}  // namespace

Result<ReconRun> RunReconciliation(store::Store& store, const Clock& clock) {
  return RunReconciliation(store, reconcile::ReconcileConfig::Defaults(), clock);
}

Result<ReconRun> RunReconciliation(store::Store& store, const reconcile::ReconcileConfig& config,
                                   const Clock& clock) {
  HUB_TRY_STATUS(store.Migrate(reconcile::ReconcileMigrations()));
  HUB_TRY(auto conn, store.Connect());
  // The reconcile domain's applied log: what the hub has seen of tenders,
  // refunds, disputes, payouts and bank lines, in log order.
  HUB_TRY(store::Statement * q,
          conn->Prepare("SELECT event FROM bus_work WHERE domain = 'reconcile' AND state = "
                        "'done' ORDER BY message_seq, idx"));
  ReconRun run;
  std::map<std::string, std::size_t> payout_index;
  HUB_TRY_STATUS(store::ForEachRow(*q, [&](const store::Statement& row) {
    auto e = EventFromJson(row.Text(0));
    if (!e) {
      return;
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
        // A statement delivered again (a corrected file) replaces the earlier one.
        if (auto it = payout_index.find(p->payout_id); it != payout_index.end()) {
          run.payouts[it->second] = std::move(*p);
        } else {
          payout_index[p->payout_id] = run.payouts.size();
          run.payouts.push_back(std::move(*p));
        }
      }
    } else if (e->type == "bank.transaction") {
      if (auto bank_row = BankRowFrom(e->data); bank_row && bank_row->amount.minor_units() > 0) {
        run.bank.push_back(std::move(*bank_row));
      }
    }
  }));
  reconcile::ReconcileInput in;
  in.payouts = run.payouts;
  in.expected = run.expected;
  in.bank = run.bank;
  // Deposits are checked once a bank statement has been seen at all: without
  // one, every payout would be "missing" from a bank the hub cannot see.
  in.check_bank = !run.bank.empty();
  in.as_of = clock.Now();
  HUB_TRY(run.output, reconcile::Reconcile(in, config));
  run.config = config;
  run.ran_at = in.as_of;
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
      in.bank = run.bank;
      in.check_bank = !run.bank.empty();
      in.as_of = as_of;
      return reconcile::ToJson(reconcile::BuildPayoutReport(in, run.output, i));
    }
  }
  return Fail(ErrorCode::kNotFound, fmt::format("no payout {} with lines", payout_id), "id");
}

}  // namespace hub::app
