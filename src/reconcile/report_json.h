// JSON (Boost.JSON) of the reconciliation reports and exceptions, for the CLI
// and the API. Money is {"amount":"12.30","currency":"USD"}; field names are
// the struct's. Pure functions: thread-safe.
#pragma once

#include <boost/json.hpp>
#include <span>

#include "reconcile/engine.h"
#include "reconcile/exceptions.h"

namespace hub::reconcile {

boost::json::object ToJson(const PayoutProof& v);
boost::json::object ToJson(const PayoutReport& v);
boost::json::object ToJson(const ClearingReport& v);
boost::json::object ToJson(const AgingReport& v);
boost::json::object ToJson(const ExceptionRecord& v);
boost::json::object ToJson(const AuditRow& v);
// Per pass: counts and shares of matchable lines.
boost::json::object ToJson(const PassStats& v);

}  // namespace hub::reconcile
