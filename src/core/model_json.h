// JSON form of the canonical model (core/model.h): the `data` of every event.
// Money is {"amount":"12.30","currency":"USD"}, enums snake_case strings,
// instants RFC 3339 UTC, every field always present (absent optional → null),
// keys in declaration order, no floating-point numbers anywhere, so the
// serialized form is canonical and round-trips exactly. Not here: the event
// envelope (core/event.h). Stateless; thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// Views of an order's records for a writer whose text lives elsewhere (a
// parsed document, a delivery): the members of the record of the same name
// without "View", in the same order with the same defaults, std::string_view
// for std::string. Filling one copies no text; the text must outlive it.
struct LineageView {
  std::string_view source_system, source_account, source_id, source_version, correlation_id,
      message_id;
};
struct AddressView {
  std::string_view line1, line2, city, region, postcode, country;
};
struct CustomerView {
  std::string_view id;
  std::string_view first_name, last_name;
  std::vector<std::string_view> emails;
  std::vector<std::string_view> phones;
  std::vector<AddressView> addresses;
  std::string_view birth_date;
  std::string_view loyalty_id;
  bool accepts_marketing = false;
  LineageView lineage;
};
struct TaxLineView {
  std::string_view code;
  std::int64_t rate_ppm = 0;
  Money amount;
};
struct DiscountAllocationView {
  std::string_view code;
  Money amount;
};
struct OrderLineView {
  std::string_view line_id;
  std::string_view sku;
  std::string_view title;
  std::int64_t quantity = 0;
  Money unit_price;
  std::vector<DiscountAllocationView> discounts;
  std::vector<TaxLineView> taxes;
  bool gift_card = false;
};
struct ShippingLineView {
  std::string_view title;
  Money price;
  std::vector<DiscountAllocationView> discounts;
  std::vector<TaxLineView> taxes;
};
struct TenderView {
  std::string_view tender_id;
  TenderKind kind = TenderKind::kCard;
  std::string_view gateway;
  std::string_view gateway_reference;
  std::string_view gift_card_id;
  Money amount;
  std::optional<Money> presentment_amount;
  std::string_view status;
  Instant occurred_at;
};
struct OrderView {
  std::string_view order_id;
  std::string_view order_number;
  Channel channel = Channel::kWeb;
  std::string_view location_id;
  FulfillmentMethod fulfillment_method = FulfillmentMethod::kShip;
  std::string_view customer_source_id;
  std::optional<CustomerView> customer;
  Currency currency;
  std::optional<Currency> presentment_currency;
  bool taxes_included = false;
  bool marketplace_collects_tax = false;
  std::vector<OrderLineView> lines;
  std::vector<ShippingLineView> shipping;
  std::vector<DiscountAllocationView> order_discounts;
  std::vector<TenderView> tenders;
  Money subtotal, total_discounts, total_tax, total_shipping, total;
  std::string_view status;
  Instant placed_at;
  Instant updated_at;
  LineageView lineage;
};

// Appends the compact JSON text of ToJson(v), the same bytes as
// boost::json::serialize(ToJson(v)), without building the tree: for callers
// that only want the text (a connector's wire form). Instantiated for Money,
// Instant (the quoted RFC 3339 string) and every type above; a view is
// written exactly as the record it mirrors (the same field list writes both,
// so a member added to a record and not to its view does not compile).
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
