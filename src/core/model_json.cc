// One field list per canonical type (HUB_FIELDS_*) drives both directions, so
// writer and reader cannot drift apart; keys are the member names.
#include "core/model_json.h"

#include <boost/json/array.hpp>
#include <boost/json/string.hpp>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace hub {
namespace {

namespace json = boost::json;

// ---- enums -----------------------------------------------------------------

template <typename E>
struct EnumName {
  E value;
  std::string_view name;
};

constexpr EnumName<Channel> kChannels[] = {{Channel::kWeb, "web"},
                                           {Channel::kPos, "pos"},
                                           {Channel::kMarketplace, "marketplace"},
                                           {Channel::kOther, "other"}};
constexpr EnumName<FulfillmentMethod> kFulfillmentMethods[] = {
    {FulfillmentMethod::kShip, "ship"},
    {FulfillmentMethod::kPickup, "pickup"},
    {FulfillmentMethod::kInStore, "in_store"}};
constexpr EnumName<TenderKind> kTenderKinds[] = {{TenderKind::kCard, "card"},
                                                 {TenderKind::kGiftCard, "gift_card"},
                                                 {TenderKind::kCash, "cash"},
                                                 {TenderKind::kStoreCredit, "store_credit"},
                                                 {TenderKind::kMarketplace, "marketplace"},
                                                 {TenderKind::kOther, "other"}};
constexpr EnumName<PayoutLineKind> kPayoutLineKinds[] = {
    {PayoutLineKind::kCharge, "charge"},   {PayoutLineKind::kRefund, "refund"},
    {PayoutLineKind::kFee, "fee"},         {PayoutLineKind::kAdjustment, "adjustment"},
    {PayoutLineKind::kDispute, "dispute"}, {PayoutLineKind::kCommission, "commission"},
    {PayoutLineKind::kTax, "tax"},         {PayoutLineKind::kReserve, "reserve"},
    {PayoutLineKind::kPayout, "payout"},   {PayoutLineKind::kOther, "other"}};
constexpr EnumName<GiftCardActivityKind> kGiftCardKinds[] = {
    {GiftCardActivityKind::kActivate, "activate"},
    {GiftCardActivityKind::kLoad, "load"},
    {GiftCardActivityKind::kRedeem, "redeem"},
    {GiftCardActivityKind::kRefund, "refund"},
    {GiftCardActivityKind::kAdjust, "adjust"},
    {GiftCardActivityKind::kDeactivate, "deactivate"}};

template <typename E, std::size_t N>
std::string_view NameOf(const EnumName<E> (&table)[N], E v) {
  for (const auto& e : table) {
    if (e.value == v) {
      return e.name;
    }
  }
  return "unknown";
}

template <typename E, std::size_t N>
std::optional<E> ValueOf(const EnumName<E> (&table)[N], std::string_view name) {
  for (const auto& e : table) {
    if (e.name == name) {
      return e.value;
    }
  }
  return std::nullopt;
}

auto& TableFor(Channel) { return kChannels; }
auto& TableFor(FulfillmentMethod) { return kFulfillmentMethods; }
auto& TableFor(TenderKind) { return kTenderKinds; }
auto& TableFor(PayoutLineKind) { return kPayoutLineKinds; }
auto& TableFor(GiftCardActivityKind) { return kGiftCardKinds; }

template <typename E>
concept ModelEnum = requires(E e) {
  TableFor(e);
};

// ---- writing ---------------------------------------------------------------

json::value W(const std::string& v, const json::storage_ptr& sp) { return json::string(v, sp); }
json::value W(bool v, const json::storage_ptr& sp) { return json::value(v, sp); }
json::value W(std::int64_t v, const json::storage_ptr& sp) { return json::value(v, sp); }
json::value W(Instant v, const json::storage_ptr& sp) { return json::string(FormatRfc3339(v), sp); }
json::value W(const Money& v, const json::storage_ptr& sp) { return ToJson(v, sp); }
json::value W(const Currency& v, const json::storage_ptr& sp) {
  return v.valid() ? json::value(json::string(v.code(), sp)) : json::value(nullptr, sp);
}
template <ModelEnum E>
json::value W(E v, const json::storage_ptr& sp) {
  return json::string(NameOf(TableFor(v), v), sp);
}
template <typename T>
requires requires(const T& t) { ToJson(t); }
json::value W(const T& v, const json::storage_ptr& sp) { return ToJson(v, sp); }
template <typename T>
json::value W(const std::optional<T>& v, const json::storage_ptr& sp) {
  return v ? W(*v, sp) : json::value(nullptr, sp);
}
template <typename T>
json::value W(const std::vector<T>& v, const json::storage_ptr& sp) {
  json::array a(sp);
  a.reserve(v.size());
  for (const auto& x : v) {
    a.push_back(W(x, sp));
  }
  return a;
}

// ---- reading ---------------------------------------------------------------

Error Bad(const std::string& path, std::string why) {
  return Error(ErrorCode::kInvalidArgument, std::move(why), path.empty() ? "$" : path);
}

std::string Join(std::string_view path, std::string_view key) {
  std::string out(path);
  if (!out.empty()) {
    out += '.';
  }
  out += key;
  return out;
}

Status R(const json::value& v, const std::string& path, std::string* out) {
  if (!v.is_string()) {
    return Fail(Bad(path, "must be a string"));
  }
  *out = std::string(v.get_string());
  return Ok();
}
Status R(const json::value& v, const std::string& path, bool* out) {
  if (!v.is_bool()) {
    return Fail(Bad(path, "must be true or false"));
  }
  *out = v.get_bool();
  return Ok();
}
Status R(const json::value& v, const std::string& path, std::int64_t* out) {
  if (!v.is_int64()) {
    return Fail(Bad(path, "must be an integer in the int64 range"));
  }
  *out = v.get_int64();
  return Ok();
}
Status R(const json::value& v, const std::string& path, Instant* out) {
  if (!v.is_string()) {
    return Fail(Bad(path, "must be an RFC 3339 string"));
  }
  auto t = ParseRfc3339(v.get_string());
  if (!t) {
    return Fail(Bad(path, t.error().message));
  }
  *out = *t;
  return Ok();
}
Status R(const json::value& v, const std::string& path, Currency* out) {
  if (v.is_null()) {
    *out = Currency();
    return Ok();
  }
  if (!v.is_string()) {
    return Fail(Bad(path, "must be an ISO 4217 code or null"));
  }
  auto c = Currency::FromCode(v.get_string());
  if (!c) {
    return Fail(Bad(path, c.error().message));
  }
  *out = *c;
  return Ok();
}
template <ModelEnum E>
Status R(const json::value& v, const std::string& path, E* out) {
  if (!v.is_string()) {
    return Fail(Bad(path, "must be a string"));
  }
  auto e = ValueOf(TableFor(*out), v.get_string());
  if (!e) {
    return Fail(Bad(path, "unknown value \"" + std::string(v.get_string()) + "\""));
  }
  *out = *e;
  return Ok();
}
template <typename T>
requires std::is_class_v<T> Status R(const json::value& v, const std::string& path, T* out) {
  HUB_TRY(*out, FromJson<T>(v, path));
  return Ok();
}
template <typename T>
Status R(const json::value& v, const std::string& path, std::optional<T>* out) {
  if (v.is_null()) {
    out->reset();
    return Ok();
  }
  T t{};
  HUB_TRY_STATUS(R(v, path, &t));
  *out = std::move(t);
  return Ok();
}
template <typename T>
Status R(const json::value& v, const std::string& path, std::vector<T>* out) {
  if (!v.is_array()) {
    return Fail(Bad(path, "must be an array"));
  }
  const json::array& a = v.get_array();
  out->clear();
  out->reserve(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    T t{};
    HUB_TRY_STATUS(R(a[i], path + "[" + std::to_string(i) + "]", &t));
    out->push_back(std::move(t));
  }
  return Ok();
}

// Reads named members of one object and, at the end, rejects unknown keys.
class ObjectReader {
 public:
  ObjectReader(const json::object& o, std::string_view path) : o_(o), path_(path) {}
  template <typename T>
  Status Get(std::string_view key, T* out) {
    known_.push_back(key);
    const json::value* v = o_.if_contains(key);
    if (v == nullptr) {
      return Fail(Bad(Join(path_, key), "missing"));
    }
    return R(*v, Join(path_, key), out);
  }
  Status Done() const {
    for (const auto& kv : o_) {
      bool found = false;
      for (std::string_view k : known_) {
        found = found || kv.key() == k;
      }
      if (!found) {
        return Fail(Bad(Join(path_, kv.key()), "unknown key"));
      }
    }
    return Ok();
  }

 private:
  const json::object& o_;
  std::string path_;
  std::vector<std::string_view> known_;
};

Result<const json::object*> AsObject(const json::value& v, std::string_view path) {
  if (!v.is_object()) {
    return Fail(Bad(std::string(path), "must be an object"));
  }
  return &v.get_object();
}

}  // namespace

std::string_view ToString(Channel v) { return NameOf(kChannels, v); }
std::string_view ToString(FulfillmentMethod v) { return NameOf(kFulfillmentMethods, v); }
std::string_view ToString(TenderKind v) { return NameOf(kTenderKinds, v); }
std::string_view ToString(PayoutLineKind v) { return NameOf(kPayoutLineKinds, v); }
std::string_view ToString(GiftCardActivityKind v) { return NameOf(kGiftCardKinds, v); }

json::value ToJson(const Money& m, json::storage_ptr sp) {
  if (!m.currency().valid()) {
    return json::value(nullptr, sp);
  }
  json::object o(sp);
  o.reserve(2);
  o.emplace("amount", m.ToDecimal());
  o.emplace("currency", m.currency().code());
  return o;
}

template <>
Result<Money> FromJson<Money>(const json::value& v, std::string_view path) {
  if (v.is_null()) {
    return Money();
  }
  HUB_TRY(const json::object* o, AsObject(v, path));
  ObjectReader r(*o, path);
  std::string amount, currency;
  HUB_TRY_STATUS(r.Get("amount", &amount));
  HUB_TRY_STATUS(r.Get("currency", &currency));
  HUB_TRY_STATUS(r.Done());
  auto m = Money::Parse(amount, currency);
  if (!m) {
    return Fail(Error(m.error().code, m.error().message, Join(path, "amount")));
  }
  return *m;
}

// X(member) lists, in wire order.
// clang-format off
#define HUB_FIELDS_Lineage(X) \
  X(source_system) X(source_account) X(source_id) X(source_version) X(correlation_id) X(message_id)
#define HUB_FIELDS_Address(X) X(line1) X(line2) X(city) X(region) X(postcode) X(country)
#define HUB_FIELDS_Customer(X) \
  X(id)                        \
  X(first_name)                \
  X(last_name)                 \
  X(emails) X(phones) X(addresses) X(birth_date) X(loyalty_id) X(accepts_marketing) X(lineage)
#define HUB_FIELDS_TaxLine(X) X(code) X(rate_ppm) X(amount)
#define HUB_FIELDS_DiscountAllocation(X) X(code) X(amount)
#define HUB_FIELDS_OrderLine(X) \
  X(line_id) X(sku) X(title) X(quantity) X(unit_price) X(discounts) X(taxes) X(gift_card)
#define HUB_FIELDS_ShippingLine(X) X(title) X(price) X(discounts) X(taxes)
#define HUB_FIELDS_Tender(X) \
  X(tender_id)               \
  X(kind)                    \
  X(gateway)                 \
  X(gateway_reference) X(gift_card_id) X(amount) X(presentment_amount) X(status) X(occurred_at)
#define HUB_FIELDS_Order(X)                                                                      \
  X(order_id)                                                                                    \
  X(order_number)                                                                                \
  X(channel)                                                                                     \
  X(location_id) X(fulfillment_method) X(customer_source_id) X(customer) X(currency)             \
      X(presentment_currency) X(taxes_included) X(marketplace_collects_tax) X(lines) X(shipping) \
          X(order_discounts) X(tenders) X(subtotal) X(total_discounts) X(total_tax)              \
              X(total_shipping) X(total) X(status) X(placed_at) X(updated_at) X(lineage)
#define HUB_FIELDS_FulfillmentLine(X) X(line_id) X(sku) X(quantity)
#define HUB_FIELDS_Fulfillment(X) \
  X(fulfillment_id)               \
  X(order_id)                     \
  X(kind) X(location_id) X(lines) X(includes_shipping) X(status) X(occurred_at) X(lineage)
#define HUB_FIELDS_ReturnLine(X) X(line_id) X(sku) X(quantity) X(restock) X(reason)
#define HUB_FIELDS_Return(X) \
  X(return_id) X(order_id) X(location_id) X(with_receipt) X(lines) X(occurred_at) X(lineage)
#define HUB_FIELDS_Refund(X)                                                                  \
  X(refund_id)                                                                                \
  X(order_id)                                                                                 \
  X(return_id)                                                                                \
  X(lines) X(tenders) X(amount) X(shipping_refunded) X(tax_refunded) X(reason) X(occurred_at) \
      X(lineage)
#define HUB_FIELDS_PayoutLine(X) \
  X(line_id)                     \
  X(kind)                        \
  X(source_reference) X(order_reference) X(gross) X(fee) X(net) X(description) X(occurred_at)
#define HUB_FIELDS_Payout(X) \
  X(payout_id) X(gateway) X(amount) X(status) X(arrival_at) X(lines) X(lineage)
#define HUB_FIELDS_InventoryAdjustment(X) \
  X(sku) X(location_id) X(delta) X(on_hand) X(reason) X(occurred_at) X(lineage)
#define HUB_FIELDS_GiftCard(X) \
  X(gift_card_id)              \
  X(activity)                  \
  X(amount)                    \
  X(balance_after) X(location_id) X(order_id) X(paid_with) X(gateway) X(occurred_at) X(lineage)
#define HUB_FIELDS_Dispute(X) \
  X(dispute_id)               \
  X(gateway)                  \
  X(charge_reference) X(order_id) X(amount) X(fee) X(status) X(reason) X(occurred_at) X(lineage)
// clang-format on

#define HUB_COUNT_FIELD_(m) +1
#define HUB_WRITE_FIELD_(m) o.emplace(#m, W(v.m, sp));
#define HUB_READ_FIELD_(m) HUB_TRY_STATUS(r.Get(#m, &out.m));

#define HUB_DEFINE_JSON_(Type)                                                   \
  json::object ToJson(const Type& v, json::storage_ptr sp) {                     \
    json::object o(sp);                                                          \
    o.reserve(0 HUB_FIELDS_##Type(HUB_COUNT_FIELD_));                            \
    HUB_FIELDS_##Type(HUB_WRITE_FIELD_) return o;                                \
  }                                                                              \
  template <>                                                                    \
  Result<Type> FromJson<Type>(const json::value& value, std::string_view path) { \
    HUB_TRY(const json::object* obj, AsObject(value, path));                     \
    ObjectReader r(*obj, path);                                                  \
    Type out{};                                                                  \
    HUB_FIELDS_##Type(HUB_READ_FIELD_) HUB_TRY_STATUS(r.Done());                 \
    return out;                                                                  \
  }

// Declaration order matters: a type's reader must be declared before a type
// that contains it is defined.
template <>
Result<Lineage> FromJson<Lineage>(const json::value&, std::string_view);
template <>
Result<Address> FromJson<Address>(const json::value&, std::string_view);
template <>
Result<Customer> FromJson<Customer>(const json::value&, std::string_view);
template <>
Result<TaxLine> FromJson<TaxLine>(const json::value&, std::string_view);
template <>
Result<DiscountAllocation> FromJson<DiscountAllocation>(const json::value&, std::string_view);
template <>
Result<OrderLine> FromJson<OrderLine>(const json::value&, std::string_view);
template <>
Result<ShippingLine> FromJson<ShippingLine>(const json::value&, std::string_view);
template <>
Result<Tender> FromJson<Tender>(const json::value&, std::string_view);
template <>
Result<FulfillmentLine> FromJson<FulfillmentLine>(const json::value&, std::string_view);
template <>
Result<ReturnLine> FromJson<ReturnLine>(const json::value&, std::string_view);
template <>
Result<PayoutLine> FromJson<PayoutLine>(const json::value&, std::string_view);

HUB_DEFINE_JSON_(Lineage)
HUB_DEFINE_JSON_(Address)
HUB_DEFINE_JSON_(Customer)
HUB_DEFINE_JSON_(TaxLine)
HUB_DEFINE_JSON_(DiscountAllocation)
HUB_DEFINE_JSON_(OrderLine)
HUB_DEFINE_JSON_(ShippingLine)
HUB_DEFINE_JSON_(Tender)
HUB_DEFINE_JSON_(Order)
HUB_DEFINE_JSON_(FulfillmentLine)
HUB_DEFINE_JSON_(Fulfillment)
HUB_DEFINE_JSON_(ReturnLine)
HUB_DEFINE_JSON_(Return)
HUB_DEFINE_JSON_(Refund)
HUB_DEFINE_JSON_(PayoutLine)
HUB_DEFINE_JSON_(Payout)
HUB_DEFINE_JSON_(InventoryAdjustment)
HUB_DEFINE_JSON_(GiftCard)
HUB_DEFINE_JSON_(Dispute)

}  // namespace hub
