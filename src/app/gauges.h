// Business figures for finance and stewardship, beside the technical
// counters of bus/ and api/: open exceptions by class and reason, return
// exceptions, postings delayed beyond their SLA, unmatched settlements and
// their amount, payouts that do not close, the duplicate-customer rate.
// Computed from the store, the identity domain and the reconciler's latest
// run; exported as gauges at /metrics and as `business` in /v1/overview.
// Thread-safety: safe to call from any request thread.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <string>

#include "core/result.h"

namespace hub::app {

class Hub;

struct BusinessFigures {
  std::map<std::pair<std::string, std::string>, std::int64_t> failures_open;  // (kind, reason)
  std::int64_t return_exceptions_open = 0;
  std::int64_t postings_delayed = 0;
  std::int64_t posting_sla_s = 0;
  std::int64_t source_records = 0;
  std::int64_t golden_customers = 0;
  std::int64_t review_pairs = 0;
  std::int64_t duplicate_rate_ppm = 0;
  // From the reconciler's latest run.
  std::map<std::string, std::int64_t> reconcile_exceptions;  // reason → count
  std::map<std::string, std::int64_t> unmatched_count;       // currency → count
  std::map<std::string, std::int64_t> unmatched_minor;       // currency → |amount|
  std::int64_t payouts = 0;
  std::int64_t payouts_not_closing = 0;
};

Result<BusinessFigures> ComputeBusinessFigures(Hub& hub);
// Sets the retailhub_* business gauges (series seen once stay, at 0).
void ExportBusinessGauges(const BusinessFigures& f);
boost::json::object BusinessJson(const BusinessFigures& f);

// ComputeBusinessFigures + ExportBusinessGauges (the /metrics handler).
Status RefreshBusinessGauges(Hub& hub);

// What /v1/overview shows now and the overview history samples:
// {"ingest_total","backlog":{domain→n},"parked","errors_by_class":{kind→n},"business":{…}}.
Result<boost::json::object> OverviewFigures(Hub& hub);

}  // namespace hub::app
