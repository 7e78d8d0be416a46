// JSON views of the hub's state shared by the CLI and the REST API: one
// place decides what a trial balance, an order or a journal entry looks
// like on the wire. Callers hold the domain's mutex.
#pragma once

#include <boost/json.hpp>

#include <optional>

#include "app/domains.h"
#include "bus/bus.h"

namespace hub::app {

// {"as_of":"…","accounts":[{"account","name","currency","debit","credit","balance"}]}
boost::json::object TrialBalanceJson(const ledger::Journal& j, std::optional<Instant> as_of,
                                     Instant now);
boost::json::object EntryJson(const ledger::StoredEntry& e);
// {"order_id","order_number","status","channel","location","currency","total",
//  "customer","lines":[…],"tenders":[…],"timeline":[…]}
Result<boost::json::object> OrderJson(const orders::OrderBook& book, const std::string& id);
boost::json::array AvailabilityJson(const inventory::Availability& a, const std::string& sku,
                                    const std::string& location);
Result<boost::json::object> CustomerJson(const identity::Resolver& r, const std::string& id);
boost::json::object ExplanationJson(const identity::Explanation& e);
// A DLQ or exception entry; with_attempts adds the attempt history and resolution.
boost::json::object FailureJson(const bus::Failure& f, bool with_attempts);

}  // namespace hub::app
