// JSON form of the canonical model (core/model.h): the `data` of every event.
// Money is {"amount":"12.30","currency":"USD"}, enums snake_case strings,
// instants RFC 3339 UTC, every field always present (absent optional → null),
// keys in declaration order, no floating-point numbers anywhere, so the
// serialized form is canonical and round-trips exactly. Not here: the event
// envelope (core/event.h). Stateless; thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "core/model.h"
#include "core/result.h"

namespace hub {

// `sp` is the memory resource of the result (an arena per event keeps
// translation cheap); default: the global heap.
boost::json::value ToJson(const Money& m, boost::json::storage_ptr sp = {});  // null when unset
boost::json::object ToJson(const Lineage& v, boost::json::storage_ptr sp = {});
boost::json::object ToJson(const Address& v, boost::json::storage_ptr sp = {});
boost::json::object ToJson(const Customer& v, boost::json::storage_ptr sp = {});
boost::json::object ToJson(const TaxLine& v, boost::json::storage_ptr sp = {});
boost::json::object ToJson(const DiscountAllocation& v, boost::json::storage_ptr sp = {});
boost::json::object ToJson(const OrderLine& v, boost::json::storage_ptr sp = {});
boost::json::object ToJson(const ShippingLine& v, boost::json::storage_ptr sp = {});
boost::json::object ToJson(const Tender& v, boost::json::storage_ptr sp = {});
boost::json::object ToJson(const Order& v, boost::json::storage_ptr sp = {});
boost::json::object ToJson(const FulfillmentLine& v, boost::json::storage_ptr sp = {});
boost::json::object ToJson(const Fulfillment& v, boost::json::storage_ptr sp = {});
boost::json::object ToJson(const ReturnLine& v, boost::json::storage_ptr sp = {});
boost::json::object ToJson(const Return& v, boost::json::storage_ptr sp = {});
boost::json::object ToJson(const Refund& v, boost::json::storage_ptr sp = {});
boost::json::object ToJson(const PayoutLine& v, boost::json::storage_ptr sp = {});
boost::json::object ToJson(const Payout& v, boost::json::storage_ptr sp = {});
boost::json::object ToJson(const BankTransaction& v, boost::json::storage_ptr sp = {});
boost::json::object ToJson(const InventoryAdjustment& v, boost::json::storage_ptr sp = {});
boost::json::object ToJson(const GiftCard& v, boost::json::storage_ptr sp = {});
boost::json::object ToJson(const Dispute& v, boost::json::storage_ptr sp = {});

// Appends the compact JSON text of ToJson(v), the same bytes as
// boost::json::serialize(ToJson(v)), without building the tree: for callers
// that only want the text (a connector's wire form). Instantiated for Money,
// Instant (the quoted RFC 3339 string) and every type above.
template <typename T>
void AppendJson(const T& v, std::string* out);
// Appends `s` as a JSON string literal, escaped exactly as boost::json::serialize
// escapes it (", \, \b \t \n \f \r, other controls as \u00xx; UTF-8 as is).
void AppendJsonString(std::string_view s, std::string* out);

// Stable snake_case names ("gift_card", "in_store"); persisted, never renamed.
std::string_view ToString(Channel v);
std::string_view ToString(FulfillmentMethod v);
std::string_view ToString(TenderKind v);
std::string_view ToString(PayoutLineKind v);
std::string_view ToString(GiftCardActivityKind v);

// Parses what ToJson wrote. Errors are kInvalidArgument (or the Money/time
// parser's code) with Error::field the JSON path below `path` ("lines[1].unit_price").
// Unknown keys are rejected. Instantiated for Money and every type above.
template <typename T>
Result<T> FromJson(const boost::json::value& v, std::string_view path = "");

}  // namespace hub
