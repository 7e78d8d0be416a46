#include "app/gauges.h"

#include <array>
#include <boost/json.hpp>
#include <mutex>

#include "app/hub.h"
#include "core/money.h"
#include "obs/metrics.h"

namespace hub::app {
namespace {

namespace json = boost::json;

obs::Registry& R() { return obs::Registry::Default(); }

Status OpenFailures(store::Connection& c, BusinessFigures& f) {
  HUB_TRY(store::Statement * q,
          c.Prepare("SELECT kind, reason_code, COUNT(*) FROM bus_failures WHERE state = 'open' "
                    "GROUP BY kind, reason_code"));
  HUB_TRY_STATUS(store::ForEachRow(*q, [&](const store::Statement& row) {
    f.failures_open[{row.Text(0), row.Text(1)}] = row.Int(2);
  }));
  HUB_TRY(store::Statement * r,
          c.Prepare("SELECT COUNT(*) FROM bus_failures WHERE state = 'open' AND kind = "
                    "'exception' AND (event_type LIKE 'return.%' OR event_type LIKE 'refund.%')"));
  HUB_TRY(bool row, r->Step());
  f.return_exceptions_open = row ? r->Int(0) : 0;
  r->Reset();
  return Ok();
}

Status DelayedPostings(store::Connection& c, Instant now, BusinessFigures& f) {
  const std::int64_t cutoff = now.micros - f.posting_sla_s * 1'000'000;
  // Financial events translated but not posted, and messages not yet
  // translated at all, older than the SLA. The open states go through the
  // (state, message_seq) index; `+domain` keeps SQLite from walking every
  // ledger row by the primary key instead (seconds at a million rows, every
  // 10 s for the overview sampler).
  HUB_TRY(
      store::Statement * w,
      c.Prepare("SELECT COUNT(DISTINCT w.message_seq) FROM bus_work w JOIN bus_messages m ON "
                "m.seq = w.message_seq WHERE w.state IN ('pending', 'parked', 'dlq', 'exception') "
                "AND +w.domain = 'ledger' AND "
                "m.received_at < $1"));
  w->Bind(1, cutoff);
  HUB_TRY(bool row, w->Step());
  f.postings_delayed = row ? w->Int(0) : 0;
  w->Reset();
  HUB_TRY(store::Statement * n,
          c.Prepare("SELECT COUNT(*) FROM bus_messages WHERE state = 'new' AND received_at < $1"));
  n->Bind(1, cutoff);
  HUB_TRY(row, n->Step());
  f.postings_delayed += row ? n->Int(0) : 0;
  n->Reset();
  return Ok();
}

void Walk(const identity::ResolverState& st, BusinessFigures& f) {
  for (const auto& r : st.records) {
    f.source_records += r.erased ? 0 : 1;
  }
  for (const auto& [id, c] : st.clusters) {
    f.golden_customers += (c.erased || c.members.empty()) ? 0 : 1;
  }
}

// The walk over every record and cluster takes ~170 ms at a million
// customers, under the identity lock that ingest and the API also take; the
// sampler asks every 10 s. The counts are cached against a fingerprint of the
// state's sizes and its steward history, so the walk runs only after identity
// changed (a merge, unmerge or erasure always appends to the history; a new
// record always grows `records`).
void Identity(IdentityDomain& d, BusinessFigures& f) {
  std::lock_guard l(d.mu);
  const auto& st = d.resolver->state();
  f.review_pairs = static_cast<std::int64_t>(st.review.size());
  const std::array<std::size_t, 4> fp{st.records.size(), st.clusters.size(), st.review.size(),
                                      st.history.size()};
  auto& cache = d.gauge_counts;
  if (!cache || cache->fingerprint != fp) {
    BusinessFigures walked;
    Walk(st, walked);
    cache = IdentityDomain::Counts{fp, walked.source_records, walked.golden_customers};
  }
  f.source_records = cache->source_records;
  f.golden_customers = cache->golden_customers;
  f.duplicate_rate_ppm = f.source_records == 0 ? 0
                                               : (f.source_records - f.golden_customers) *
                                                     1'000'000 / f.source_records;
}

void Reconciliation(const ReconRun& run, BusinessFigures& f) {
  for (const reconcile::ReasonCode r : reconcile::kAllReasons) {
    f.reconcile_exceptions[std::string(reconcile::ReasonName(r))] = 0;
  }
  for (const auto& x : run.output.match.exceptions) {
    ++f.reconcile_exceptions[std::string(reconcile::ReasonName(x.reason))];
    if (x.reason == reconcile::ReasonCode::kUnmatchedPayoutLine ||
        x.reason == reconcile::ReasonCode::kUnknownReference ||
        x.reason == reconcile::ReasonCode::kTenderNotSettled ||
        x.reason == reconcile::ReasonCode::kMissingPayout) {
      const std::string cur(x.amount.currency().code());
      ++f.unmatched_count[cur];
      const std::int64_t m = x.amount.minor_units();
      f.unmatched_minor[cur] += m < 0 ? -m : m;
    }
  }
  // Every currency that has payouts gets its series, at 0 when all match, so
  // an alert on the gauge sees 0 rather than no data.
  for (const auto& p : run.payouts) {
    const std::string cur(p.amount.currency().code());
    f.unmatched_count.try_emplace(cur, 0);
    f.unmatched_minor.try_emplace(cur, 0);
  }
  f.payouts = static_cast<std::int64_t>(run.payouts.size());
  for (const auto& p : run.output.proofs) {
    f.payouts_not_closing += p.closes ? 0 : 1;
  }
}

// Series seen once keep being exported (at 0) after they empty.
template <typename K>
void Remember(std::map<K, std::int64_t>& now, std::map<K, std::int64_t>& seen) {
  for (const auto& [k, v] : now) {
    seen[k] = v;
  }
  for (auto& [k, v] : seen) {
    if (!now.contains(k)) {
      v = 0;
    }
  }
}

std::string Decimal(std::int64_t minor, const std::string& currency) {
  auto c = Currency::FromCode(currency);
  return c ? Money(minor, *c).ToDecimal() : std::to_string(minor);
}

}  // namespace

Result<BusinessFigures> ComputeBusinessFigures(Hub& hub) {
  BusinessFigures f;
  f.posting_sla_s = hub.config().bus.posting_sla_s;
  HUB_TRY(auto conn, hub.store().Connect());
  HUB_TRY_STATUS(OpenFailures(*conn, f));
  HUB_TRY_STATUS(DelayedPostings(*conn, SystemClock::Get().Now(), f));
  Identity(hub.identity(), f);
  HUB_TRY(auto run, hub.reconciler().Latest());
  Reconciliation(*run, f);
  return f;
}

void ExportBusinessGauges(const BusinessFigures& f) {
  static std::mutex mu;
  static std::map<std::pair<std::string, std::string>, std::int64_t> failures_seen;
  static std::map<std::string, std::int64_t> count_seen, amount_seen;
  std::lock_guard l(mu);
  auto failures = f.failures_open;
  Remember(failures, failures_seen);
  for (const auto& [k, n] : failures_seen) {
    R().GetGauge("retailhub_failures_open",
                 "Open DLQ entries (kind=dlq) and business exceptions (kind=exception) by reason",
                 {{"kind", k.first}, {"reason", k.second}})
        .Set(n);
  }
  R().GetGauge("retailhub_return_exceptions_open",
               "Open business exceptions on returns and refunds")
      .Set(f.return_exceptions_open);
  R().GetGauge("retailhub_postings_delayed",
               "Messages whose financial events are not posted within bus.posting_sla_s of "
               "arrival (parked, retrying, in exception or not yet processed)")
      .Set(f.postings_delayed);
  R().GetGauge("retailhub_customer_source_records", "Source customer records known to identity")
      .Set(f.source_records);
  R().GetGauge("retailhub_golden_customers", "Golden customer records (one per person)")
      .Set(f.golden_customers);
  R().GetGauge("retailhub_duplicate_customer_rate_ppm",
               "Duplicate-customer rate in parts per million: (source records - golden "
               "records) / source records")
      .Set(f.duplicate_rate_ppm);
  R().GetGauge("retailhub_identity_review_pairs", "Grey-band pairs waiting for a steward")
      .Set(f.review_pairs);
  for (const auto& [reason, n] : f.reconcile_exceptions) {
    R().GetGauge("retailhub_reconcile_exceptions",
                 "Reconciliation exceptions found by the latest run, by reason code",
                 {{"reason", reason}})
        .Set(n);
  }
  auto counts = f.unmatched_count;
  auto amounts = f.unmatched_minor;
  Remember(counts, count_seen);
  Remember(amounts, amount_seen);
  for (const auto& [cur, n] : count_seen) {
    R().GetGauge("retailhub_unmatched_settlements",
                 "Settlement items without a counterpart (unmatched or unknown lines, tenders "
                 "not settled, payouts without deposit) in the latest reconciliation",
                 {{"currency", cur}})
        .Set(n);
  }
  for (const auto& [cur, n] : amount_seen) {
    R().GetGauge("retailhub_unmatched_settlement_amount_minor",
                 "Absolute amount of the unmatched settlement items, in minor units",
                 {{"currency", cur}})
        .Set(n);
  }
  R().GetGauge("retailhub_payouts", "Payouts with statement lines seen by reconciliation")
      .Set(f.payouts);
  R().GetGauge("retailhub_payouts_not_closing",
               "Payouts whose lines do not add up to the amount paid (latest reconciliation)")
      .Set(f.payouts_not_closing);
}

json::object BusinessJson(const BusinessFigures& f) {
  json::object exceptions_by_reason;
  json::object dlq_by_reason;
  for (const auto& [k, n] : f.failures_open) {
    (k.first == "dlq" ? dlq_by_reason : exceptions_by_reason)[k.second] = n;
  }
  json::array unmatched;
  for (const auto& [cur, n] : f.unmatched_count) {
    const auto it = f.unmatched_minor.find(cur);
    unmatched.push_back(
        json::object{{"currency", cur},
                     {"count", n},
                     {"amount", Decimal(it == f.unmatched_minor.end() ? 0 : it->second, cur)}});
  }
  json::object recon;
  for (const auto& [reason, n] : f.reconcile_exceptions) {
    if (n != 0) {
      recon[reason] = n;
    }
  }
  return json::object{{"unmatched_settlements", std::move(unmatched)},
                      {"reconcile_exceptions_by_reason", std::move(recon)},
                      {"payouts", f.payouts},
                      {"payouts_not_closing", f.payouts_not_closing},
                      {"postings_delayed", f.postings_delayed},
                      {"posting_sla_s", f.posting_sla_s},
                      {"exceptions_by_reason", std::move(exceptions_by_reason)},
                      {"dlq_by_reason", std::move(dlq_by_reason)},
                      {"return_exceptions_open", f.return_exceptions_open},
                      {"source_customers", f.source_records},
                      {"golden_customers", f.golden_customers},
                      {"duplicate_customer_rate", static_cast<double>(f.duplicate_rate_ppm) / 1e6},
                      {"review_pairs", f.review_pairs}};
}

Result<json::object> OverviewFigures(Hub& hub) {
  auto stats = hub.bus().Stats();
  json::object backlog;
  for (const auto& [d, n] : stats.domain_backlog) {
    backlog[d] = n;
  }
  backlog["translate"] = stats.translate_backlog;
  HUB_TRY(BusinessFigures f, ComputeBusinessFigures(hub));
  ExportBusinessGauges(f);
  json::object errors;
  for (const auto& [k, n] : f.failures_open) {
    errors[k.first] = errors.contains(k.first) ? errors[k.first].as_int64() + n : n;
  }
  return json::object{
      {"ingest_total", R().GetCounter("retailhub_ingest_messages_total", "").value()},
      {"backlog", std::move(backlog)},
      {"parked", stats.parked},
      {"errors_by_class", std::move(errors)},
      {"business", BusinessJson(f)}};
}

Status RefreshBusinessGauges(Hub& hub) {
  HUB_TRY(BusinessFigures f, ComputeBusinessFigures(hub));
  ExportBusinessGauges(f);
  return Ok();
}

}  // namespace hub::app
