// Amazon translation of three Selling Partner API pages (docs/events.md):
//   orders                 getOrders / getOrder (+ each order's OrderItems as
//                          getOrderItems returns them) → order.created /
//                          order.updated / order.cancelled, and tender.captured
//                          once Amazon has charged the buyer for everything.
//   financial_events       listFinancialEvents / listFinancialEventsByGroupId /
//                          listFinancialEventsByOrderId → fulfillment.created per
//                          shipment event, refund.created per refunded item, and
//                          one payout with a line per charge, fee, promotion,
//                          withheld tax, service fee, retrocharge, adjustment.
//   financial_event_groups listFinancialEventGroups → one payout per group.
//
// Why these events (DESIGN.md §3, config/posting.toml, src/orders/posting.cc):
//   marketplace sale fulfilled  Dr 1150 / Cr 4000 (2100 unless Amazon remits
//       the tax): the Order says marketplace_collects_tax, and the *shipment
//       event* is the hand-over, so it becomes fulfillment.created (one per
//       shipment, item-precise; the orders page cannot tell partial shipments).
//   marketplace settlement      Dr 1000 net, Dr 6110 commission, Dr 6100 fees /
//       Cr 1150: the group's payout.paid with its lines; PostPayout credits 1150
//       with Σ gross of non-commission lines, books −gross of commission lines
//       at 6110 and `fee` of fee lines at 6100.
//   Tax Amazon collects and remits is not the seller's money: on an item whose
//   withheld tax says MarketplaceFacilitator, the tax charges and the withheld
//   tax are both `tax` lines (they net to zero), so 1150 is credited with
//   exactly what the fulfilment debited. The marketplace tender is likewise
//   the seller's share (OrderTotal less that tax), which is what the charge
//   lines of the order settle in reconciliation. Refunds are the seller-borne
//   part (without tenders, so reconciliation expects them under their
//   OrderAdjustmentItemId, the reference their refund lines carry).
//
// Finances amounts are signed from the seller's account (positive credits the
// seller), so every line's net is the amount as Amazon reports it: a charge or
// commission line has gross = amount, fee 0; any other fee line has gross 0,
// fee = −amount (positive: what Amazon kept).
#include "connectors/amazon/amazon.h"

#include <fmt/format.h>

#include <cctype>
#include <map>
#include <optional>

#include "connectors/json_internal.h"
#include "core/model_json.h"

namespace hub {
namespace {

using namespace connectors_internal;  // NOLINT(google-build-using-namespace): private helpers

constexpr std::string_view kSystem = "amazon";
constexpr std::string_view kGateway = "amazon";
// Hex digits of the body hash naming a payout of events not assigned to a group.
constexpr std::size_t kUngroupedPayoutHashChars = 16;

// A segment of a line id: "-" for an absent reference, so ids keep their shape.
std::string_view Part(std::string_view s) { return s.empty() ? std::string_view("-") : s; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

struct Ctx {
  EventIds ids;
  std::string account;
  std::string body_hash;
  std::size_t next_index = 0;
  std::vector<Event> events;

  Lineage MakeLineage(std::string source_id, std::string version) const {
    Lineage l;
    l.source_system = std::string(kSystem);
    l.source_account = account;
    l.source_id = std::move(source_id);
    l.source_version = std::move(version);
    l.correlation_id = ids.correlation_id;
    return l;
  }
  std::string OrderKey(std::string_view amazon_order_id) const {
    return fmt::format("amazon:{}:{}", account, amazon_order_id);
  }
  std::string PayoutKey(std::string_view payout_id) const {
    return fmt::format("amazon:{}:payout:{}", account, payout_id);
  }
  void Emit(std::string type, std::string key, std::string source_id, Instant at,
            boost::json::object data) {
    events.push_back(MakeEvent(ids, next_index++, std::move(type), std::move(key),
                               std::move(source_id), at, std::move(data)));
  }
};

// ---- money -----------------------------------------------------------------

// Largest power of ten an amount's exponent may shift by ("1E+40"): beyond
// any currency amount, and it bounds the text built below.
constexpr int kAmountExponentMax = 40;

// A JSON number may carry an exponent ("1.034E1"; Java's BigDecimal writes
// "1E-7"). The decimal point is moved in the text, exactly, never through a
// double; what is left is checked by ParseMoney like any other amount.
std::string PlainDecimal(std::string_view text, std::string_view leaf) {
  const std::size_t e = text.find_first_of("eE");
  if (e == std::string_view::npos) {
    return std::string(text);
  }
  std::string_view mantissa = text.substr(0, e);
  std::string_view exponent = text.substr(e + 1);
  const bool exponent_negative = !exponent.empty() && exponent.front() == '-';
  if (!exponent.empty() && (exponent.front() == '-' || exponent.front() == '+')) {
    exponent.remove_prefix(1);
  }
  int shift = 0;
  for (char c : exponent) {
    if (c < '0' || c > '9' || shift > kAmountExponentMax) {
      break;
    }
    shift = shift * 10 + (c - '0');
  }
  if (exponent.empty() || exponent.find_first_not_of("0123456789") != std::string_view::npos ||
      shift > kAmountExponentMax) {
    Throw(ErrorCode::kInvalidArgument,
          fmt::format("amount \"{}\" has an exponent beyond {}", text, kAmountExponentMax), leaf);
  }
  shift = exponent_negative ? -shift : shift;
  const bool negative = !mantissa.empty() && mantissa.front() == '-';
  if (negative) {
    mantissa.remove_prefix(1);
  }
  const std::size_t dot = mantissa.find('.');
  std::string digits(mantissa.substr(0, dot));
  if (dot != std::string_view::npos) {
    digits += mantissa.substr(dot + 1);
  }
  // Position of the decimal point within `digits` after the shift.
  const auto point =
      static_cast<std::int64_t>(dot == std::string_view::npos ? mantissa.size() : dot) + shift;
  std::string out;
  if (point <= 0) {
    out = "0." + std::string(static_cast<std::size_t>(-point), '0') + digits;
  } else if (static_cast<std::size_t>(point) >= digits.size()) {
    out = digits + std::string(static_cast<std::size_t>(point) - digits.size(), '0');
  } else {
    out = digits.substr(0, static_cast<std::size_t>(point)) + "." +
          digits.substr(static_cast<std::size_t>(point));
  }
  const std::size_t first = out.find_first_not_of('0');
  if (first == std::string::npos) {
    out = "0";
  } else if (first > 0) {
    out.erase(0, out[first] == '.' ? first - 1 : first);
  }
  return negative ? "-" + out : out;
}

Money ExactMoney(std::string_view text, Currency c, std::string_view leaf) {
  return ParseMoney(PlainDecimal(text, leaf), c, leaf);
}

// Finances v0 Currency {"CurrencyCode":"USD","CurrencyAmount":10.34}: the
// amount is a JSON number, read from its raw token (never as a double).
// Finances 2024-06-19 spells the keys in camelCase; both are accepted.
Money ReadCurrency(od::value& v) {
  std::string_view code;
  std::string_view amount;
  ForEachField(v, [&](std::string_view k, od::value& f) {
    if (k == "CurrencyCode" || k == "currencyCode") {
      code = Str(f);
    } else if (k == "CurrencyAmount" || k == "currencyAmount") {
      amount = DecimalText(f);
    }
  });
  const Currency c = ParseCurrency(code, "CurrencyCode");
  return ExactMoney(amount, c, "CurrencyAmount");
}

std::optional<Money> OptCurrency(od::value& v) {
  if (IsNull(v)) {
    return std::nullopt;
  }
  return ReadCurrency(v);
}

// Orders v0 Money {"CurrencyCode":"USD","Amount":"11.01"}: the amount is a string.
std::optional<Money> OptOrderMoney(od::value& v) {
  if (IsNull(v)) {
    return std::nullopt;
  }
  std::string_view code;
  std::string_view amount;
  ForEachField(v, [&](std::string_view k, od::value& f) {
    if (k == "CurrencyCode") {
      code = Str(f);
    } else if (k == "Amount") {
      amount = DecimalText(f);
    }
  });
  const Currency c = ParseCurrency(code, "CurrencyCode");
  return ExactMoney(amount, c, "Amount");
}

Money Negated(const Money& m) {
  auto r = m.Negate();
  if (!r) {
    Throw(r.error().code, r.error().message);
  }
  return *r;
}

// Adds `m` to an optional running sum (unset until the first amount).
void Accumulate(std::optional<Money>& sum, const Money& m) { sum = sum ? AddMoney(*sum, m) : m; }

// ---- financial events: reading ---------------------------------------------

// A ChargeComponent, FeeComponent, Promotion or DirectPayment.
struct Component {
  std::string type;
  std::string id;  // PromotionId
  Money amount;
};

Component ReadComponent(od::value& v, std::string_view type_key, std::string_view amount_key) {
  Component c;
  bool has_amount = false;
  ForEachField(v, [&](std::string_view k, od::value& f) {
    if (k == type_key) {
      c.type = std::string(Str(f));
    } else if (k == "PromotionId") {
      c.id = std::string(Str(f));
    } else if (k == amount_key && !IsNull(f)) {
      c.amount = ReadCurrency(f);
      has_amount = true;
    }
  });
  if (!has_amount) {
    Throw(ErrorCode::kInvalidArgument, fmt::format("{} is missing", amount_key), amount_key);
  }
  return c;
}

void ReadComponents(od::value& list, std::string_view type_key, std::string_view amount_key,
                    std::vector<Component>& out) {
  ForEachElement(list, [&](std::int64_t, od::value& e) {
    out.push_back(ReadComponent(e, type_key, amount_key));
  });
}

// TaxWithheldComponentList: [{"TaxCollectionModel", "TaxesWithheld": [ChargeComponent]}].
// Returns true when any component says Amazon collects and remits the tax.
bool ReadWithheld(od::value& list, std::vector<Component>& out) {
  bool facilitator = false;
  ForEachElement(list, [&](std::int64_t, od::value& e) {
    ForEachField(e, [&](std::string_view k, od::value& f) {
      if (k == "TaxCollectionModel") {
        facilitator = facilitator || Str(f) == "MarketplaceFacilitator";
      } else if (k == "TaxesWithheld") {
        ReadComponents(f, "ChargeType", "ChargeAmount", out);
      }
    });
  });
  return facilitator;
}

struct ShipmentItem {
  std::string order_item_id, adjustment_id, sku;
  std::int64_t quantity = 0;
  // Each list together with its *Adjustment* twin: the event class says which.
  std::vector<Component> charges, fees, promotions, withheld;
  bool facilitator = false;
};

struct ShipmentEvent {
  std::string amazon_order_id, seller_order_id, posted_text;
  Instant posted;
  std::vector<Component> order_charges, fees, direct_payments;  // order and shipment level
  std::vector<ShipmentItem> items;
};

void RefuseNonZero(od::value& v, std::string_view what) {
  if (auto m = OptCurrency(v); m && !m->is_zero()) {
    Throw(ErrorCode::kUnmapped,
          fmt::format("{} {} is not translated yet (Amazon Points have no canonical account)", what,
                      m->ToString()));
  }
}

ShipmentItem ReadShipmentItem(od::value& v) {
  ShipmentItem item;
  ForEachField(v, [&](std::string_view k, od::value& f) {
    if (k == "SellerSKU") {
      item.sku = std::string(Str(f));
    } else if (k == "OrderItemId") {
      item.order_item_id = Id(f);
    } else if (k == "OrderAdjustmentItemId") {
      item.adjustment_id = Id(f);
    } else if (k == "QuantityShipped") {
      item.quantity = IsNull(f) ? 0 : Int(f);
    } else if (k == "ItemChargeList" || k == "ItemChargeAdjustmentList") {
      ReadComponents(f, "ChargeType", "ChargeAmount", item.charges);
    } else if (k == "ItemFeeList" || k == "ItemFeeAdjustmentList") {
      ReadComponents(f, "FeeType", "FeeAmount", item.fees);
    } else if (k == "PromotionList" || k == "PromotionAdjustmentList") {
      ReadComponents(f, "PromotionType", "PromotionAmount", item.promotions);
    } else if (k == "ItemTaxWithheldList") {
      item.facilitator = ReadWithheld(f, item.withheld) || item.facilitator;
    } else if (k == "CostOfPointsGranted" || k == "CostOfPointsReturned") {
      RefuseNonZero(f, k);
    }
  });
  if (item.quantity < 0) {
    Throw(ErrorCode::kInvalidArgument, "QuantityShipped must not be negative", "QuantityShipped");
  }
  return item;
}

ShipmentEvent ReadShipmentEvent(od::value& v) {
  ShipmentEvent s;
  ForEachField(v, [&](std::string_view k, od::value& f) {
    if (k == "AmazonOrderId") {
      s.amazon_order_id = Id(f);
    } else if (k == "SellerOrderId") {
      s.seller_order_id = Id(f);
    } else if (k == "PostedDate") {
      s.posted_text = std::string(Str(f));
      s.posted = TimeText(s.posted_text);
    } else if (k == "OrderChargeList" || k == "OrderChargeAdjustmentList") {
      ReadComponents(f, "ChargeType", "ChargeAmount", s.order_charges);
    } else if (k == "ShipmentFeeList" || k == "ShipmentFeeAdjustmentList" || k == "OrderFeeList" ||
               k == "OrderFeeAdjustmentList") {
      ReadComponents(f, "FeeType", "FeeAmount", s.fees);
    } else if (k == "DirectPaymentList") {
      ReadComponents(f, "DirectPaymentType", "DirectPaymentAmount", s.direct_payments);
    } else if (k == "ShipmentItemList" || k == "ShipmentItemAdjustmentList") {
      ForEachElement(f,
                     [&](std::int64_t, od::value& e) { s.items.push_back(ReadShipmentItem(e)); });
    }
  });
  if (s.amazon_order_id.empty() && s.seller_order_id.empty()) {
    Throw(ErrorCode::kInvalidArgument, "shipment event has neither AmazonOrderId nor SellerOrderId",
          "AmazonOrderId");
  }
  if (s.posted_text.empty()) {
    // It dates the hand-over and names the shipment (two shipments of one order).
    Throw(ErrorCode::kInvalidArgument, "PostedDate is missing", "PostedDate");
  }
  return s;
}

// ---- financial events: lines -----------------------------------------------

// Charge types that are tax withheld by Amazon (MarketplaceFacilitatorTax-*,
// India's Tax Collected at Source), never the seller's money.
bool IsWithheldTaxType(std::string_view type) {
  return type.starts_with("MarketplaceFacilitator") || type.starts_with("TCS-");
}
// Tax, ShippingTax, GiftwrapTax, CODItemTaxCharge, TaxDiscount…
bool IsTaxType(std::string_view type) { return type.find("Tax") != std::string_view::npos; }

// Amazon's commission (its referral fee, and the part it keeps of a refunded
// one) is the marketplace's cut: booked at marketplace commissions. Every
// other fee (closing fees, FBA fees, service fees…) is a fee line.
bool IsCommission(std::string_view fee_type) {
  return fee_type == "Commission" || fee_type == "RefundCommission";
}

// The payout lines of one translation, with ids unique within the payout.
class Lines {
 public:
  // A money line: gross = net = amount, no fee.
  void Amount(PayoutLineKind kind, std::string id, const Money& amount, std::string reference,
              std::string order_reference, std::string description, Instant at) {
    PayoutLine l;
    l.kind = kind;
    l.gross = amount;
    l.fee = Money::Zero(amount.currency());
    l.net = amount;
    Append(std::move(l), std::move(id), std::move(reference), std::move(order_reference),
           std::move(description), at);
  }
  // A fee Amazon charged (amount negative) or gave back (positive).
  void Fee(const Component& fee, std::string id, std::string reference, std::string order_reference,
           std::string description, Instant at) {
    if (IsCommission(fee.type)) {
      Amount(PayoutLineKind::kCommission, std::move(id), fee.amount, std::move(reference),
             std::move(order_reference), std::move(description), at);
      return;
    }
    PayoutLine l;
    l.kind = PayoutLineKind::kFee;
    l.gross = Money::Zero(fee.amount.currency());
    l.fee = Negated(fee.amount);
    l.net = fee.amount;
    Append(std::move(l), std::move(id), std::move(reference), std::move(order_reference),
           std::move(description), at);
  }

  std::size_t size() const { return lines_.size(); }
  // Σ net of lines [from, size()); unset when there are none.
  std::optional<Money> NetSince(std::size_t from) const {
    std::optional<Money> sum;
    for (std::size_t i = from; i < lines_.size(); ++i) {
      Accumulate(sum, lines_[i].net);
    }
    return sum;
  }
  std::vector<PayoutLine> Take(std::string_view payout_id) {
    for (PayoutLine& l : lines_) {
      l.line_id = fmt::format("{}/{}", payout_id, l.line_id);
    }
    return std::move(lines_);
  }

 private:
  void Append(PayoutLine l, std::string id, std::string reference, std::string order_reference,
              std::string description, Instant at) {
    const int n = ++seen_[id];
    l.line_id = n == 1 ? std::move(id) : fmt::format("{}#{}", id, n);
    l.source_reference = std::move(reference);
    l.order_reference = std::move(order_reference);
    l.description = std::move(description);
    l.occurred_at = at;
    lines_.push_back(std::move(l));
  }
  std::vector<PayoutLine> lines_;
  std::map<std::string, int, std::less<>> seen_;
};

enum class EventClass : std::uint8_t { kShipment, kRefund, kDispute };

struct ClassInfo {
  std::string_view label;  // in line ids
  PayoutLineKind base;     // the kind of the buyer's money in this event
};

ClassInfo InfoFor(EventClass cls, std::string_view list) {
  switch (cls) {
    case EventClass::kShipment:
      return {"shipment", PayoutLineKind::kCharge};
    case EventClass::kRefund:
      return {"refund", PayoutLineKind::kRefund};
    case EventClass::kDispute:
      return {list == "ChargebackEventList" ? "chargeback" : "guarantee_claim",
              PayoutLineKind::kDispute};
  }
  return {"other", PayoutLineKind::kOther};
}

// Tax on an item whose tax Amazon collects and remits is passed through: a
// `tax` line, netting to zero against the withheld tax.
PayoutLineKind ChargeKind(const ShipmentItem* item, std::string_view type, PayoutLineKind base) {
  if (IsWithheldTaxType(type) || (item != nullptr && item->facilitator && IsTaxType(type))) {
    return PayoutLineKind::kTax;
  }
  return base;
}

// Lines of one shipment-shaped event, checked: Σ of every amount it carries
// equals the net of its lines (guards the sign conventions above).
void ShipmentLines(const ShipmentEvent& s, EventClass cls, std::string_view list, const Ctx& ctx,
                   Lines& lines) {
  const ClassInfo info = InfoFor(cls, list);
  const std::string& ref = s.amazon_order_id.empty() ? s.seller_order_id : s.amazon_order_id;
  const std::string order_ref = s.amazon_order_id.empty() ? "" : ctx.OrderKey(s.amazon_order_id);
  const std::size_t first = lines.size();
  std::optional<Money> charges, fees, promotions, withheld, direct;
  for (const ShipmentItem& item : s.items) {
    // Refund, claim and chargeback lines name the adjustment they settle.
    const std::string& item_ref =
        cls != EventClass::kShipment && !item.adjustment_id.empty() ? item.adjustment_id : ref;
    const std::string item_id =
        fmt::format("{}/{}/{}", info.label, ref,
                    Part(item.adjustment_id.empty() ? item.order_item_id : item.adjustment_id));
    for (const Component& c : item.charges) {
      Accumulate(charges, c.amount);
      lines.Amount(ChargeKind(&item, c.type, info.base), fmt::format("{}/{}", item_id, c.type),
                   c.amount, item_ref, order_ref, c.type, s.posted);
    }
    for (const Component& c : item.withheld) {
      Accumulate(withheld, c.amount);
      lines.Amount(PayoutLineKind::kTax, fmt::format("{}/withheld:{}", item_id, c.type), c.amount,
                   item_ref, order_ref, "withheld " + c.type, s.posted);
    }
    for (const Component& c : item.promotions) {
      Accumulate(promotions, c.amount);
      const std::string& name = c.id.empty() ? c.type : c.id;
      lines.Amount(info.base, fmt::format("{}/promotion:{}", item_id, name), c.amount, item_ref,
                   order_ref, "promotion " + name, s.posted);
    }
    for (const Component& c : item.fees) {
      Accumulate(fees, c.amount);
      lines.Fee(c, fmt::format("{}/{}", item_id, c.type), item_ref, order_ref, c.type, s.posted);
    }
  }
  const std::string event_id = fmt::format("{}/{}", info.label, ref);
  for (const Component& c : s.order_charges) {
    Accumulate(charges, c.amount);
    lines.Amount(ChargeKind(nullptr, c.type, info.base), fmt::format("{}/{}", event_id, c.type),
                 c.amount, ref, order_ref, c.type, s.posted);
  }
  for (const Component& c : s.fees) {
    Accumulate(fees, c.amount);
    lines.Fee(c, fmt::format("{}/{}", event_id, c.type), ref, order_ref, c.type, s.posted);
  }
  for (const Component& c : s.direct_payments) {
    Accumulate(direct, c.amount);
    lines.Amount(PayoutLineKind::kAdjustment, fmt::format("{}/direct:{}", event_id, c.type),
                 c.amount, ref, order_ref, "direct payment " + c.type, s.posted);
  }
  std::optional<Money> expected;
  for (const auto* part : {&charges, &fees, &promotions, &withheld, &direct}) {
    if (*part) {
      Accumulate(expected, **part);
    }
  }
  const std::optional<Money> net = lines.NetSince(first);
  if (expected.has_value() != net.has_value() || (expected && *expected != *net)) {
    auto text = [](const std::optional<Money>& m) { return m ? m->ToDecimal() : "0"; };
    Throw(ErrorCode::kAmountMismatch,
          fmt::format("{} {}: charges {} + fees {} + promotions {} + withheld tax {} + direct "
                      "payments {} = {} but its payout lines net to {}",
                      info.label, ref, text(charges), text(fees), text(promotions), text(withheld),
                      text(direct), text(expected), text(net)));
  }
}

// The shipment is the hand-over: revenue is recognised from it (marketplace
// receivable), item by item, once per shipment event.
void EmitFulfillment(const ShipmentEvent& s, Ctx& ctx) {
  if (s.amazon_order_id.empty()) {
    return;
  }
  Fulfillment f;
  f.fulfillment_id = fmt::format("{}/{}", s.amazon_order_id, FormatRfc3339(s.posted));
  f.order_id = ctx.OrderKey(s.amazon_order_id);
  f.kind = FulfillmentMethod::kShip;
  for (const ShipmentItem& item : s.items) {
    if (item.quantity > 0 && !item.order_item_id.empty()) {
      f.lines.push_back(FulfillmentLine{item.order_item_id, item.sku, item.quantity});
    }
  }
  if (f.lines.empty()) {
    return;
  }
  f.includes_shipping = true;  // the order book posts shipping revenue once
  f.status = "success";
  f.occurred_at = s.posted;
  f.lineage = ctx.MakeLineage(f.fulfillment_id, s.posted_text);
  std::string key = f.order_id;
  std::string id = f.fulfillment_id;
  ctx.Emit("fulfillment.created", std::move(key), std::move(id), s.posted,
           ToJson(f, EventStorage()));
}

// One refund per refunded item: the seller-borne money given back (charges
// and promotions, without tax Amazon remits). No tenders: the order book
// credits the order's marketplace tender; reconciliation expects the refund
// under its id, which its refund lines carry as their reference.
void EmitRefunds(const ShipmentEvent& s, Ctx& ctx) {
  if (s.amazon_order_id.empty()) {
    return;
  }
  for (const ShipmentItem& item : s.items) {
    std::optional<Money> given, tax, shipping;
    for (const Component& c : item.charges) {
      if (ChargeKind(&item, c.type, PayoutLineKind::kRefund) != PayoutLineKind::kRefund) {
        continue;
      }
      Accumulate(given, c.amount);
      if (IsTaxType(c.type)) {
        Accumulate(tax, c.amount);
      } else if (c.type == "ShippingCharge") {
        Accumulate(shipping, c.amount);
      }
    }
    for (const Component& c : item.promotions) {
      Accumulate(given, c.amount);
    }
    if (!given || !given->is_negative()) {
      continue;  // nothing went back to the buyer (a fee-only adjustment)
    }
    Refund r;
    r.refund_id = !item.adjustment_id.empty()
                      ? item.adjustment_id
                      : fmt::format("{}/{}/{}", s.amazon_order_id, item.order_item_id,
                                    FormatRfc3339(s.posted));
    r.order_id = ctx.OrderKey(s.amazon_order_id);
    r.amount = Negated(*given);
    const Money zero = Money::Zero(r.amount.currency());
    r.tax_refunded = tax ? Negated(*tax) : zero;
    r.shipping_refunded = shipping ? Negated(*shipping) : zero;
    r.occurred_at = s.posted;
    r.lineage = ctx.MakeLineage(r.refund_id, s.posted_text);
    std::string key = r.order_id;
    std::string id = r.refund_id;
    ctx.Emit("refund.created", std::move(key), std::move(id), s.posted, ToJson(r, EventStorage()));
  }
}

void ServiceFeeEvent(od::value& v, const Ctx& ctx, Lines& lines) {
  std::string order, reason, sku, description;
  std::vector<Component> fees;
  ForEachField(v, [&](std::string_view k, od::value& f) {
    if (k == "AmazonOrderId") {
      order = Id(f);
    } else if (k == "FeeReason") {
      reason = std::string(Str(f));
    } else if (k == "SellerSKU") {
      sku = std::string(Str(f));
    } else if (k == "FeeDescription") {
      description = std::string(Str(f));
    } else if (k == "FeeList") {
      ReadComponents(f, "FeeType", "FeeAmount", fees);
    }
  });
  const std::string order_ref = order.empty() ? "" : ctx.OrderKey(order);
  for (const Component& c : fees) {
    // A service fee has no date of its own (ServiceFeeEvent has no PostedDate).
    lines.Fee(c,
              fmt::format("service_fee/{}/{}/{}", Part(order.empty() ? sku : order), Part(reason),
                          c.type),
              order, order_ref,
              fmt::format("service fee {}: {}", c.type, description.empty() ? reason : description),
              Instant{});
  }
}

void RetrochargeEvent(od::value& v, const Ctx& ctx, Lines& lines) {
  std::string type, order, posted_text;
  Instant posted;
  std::vector<Component> parts, withheld;
  ForEachField(v, [&](std::string_view k, od::value& f) {
    if (k == "RetrochargeEventType") {
      type = std::string(Str(f));
    } else if (k == "AmazonOrderId") {
      order = Id(f);
    } else if (k == "PostedDate") {
      posted_text = std::string(Str(f));
      posted = TimeText(posted_text);
    } else if ((k == "BaseTax" || k == "ShippingTax") && !IsNull(f)) {
      parts.push_back(Component{std::string(k), {}, ReadCurrency(f)});
    } else if (k == "RetrochargeTaxWithheldList") {
      (void)ReadWithheld(f, withheld);
    }
  });
  const std::string order_ref = order.empty() ? "" : ctx.OrderKey(order);
  const std::string id = fmt::format("retrocharge/{}/{}", Part(order), FormatRfc3339(posted));
  for (const Component& c : parts) {
    lines.Amount(PayoutLineKind::kAdjustment, fmt::format("{}/{}", id, c.type), c.amount, order,
                 order_ref, fmt::format("{} {}", type.empty() ? "Retrocharge" : type, c.type),
                 posted);
  }
  for (const Component& c : withheld) {
    lines.Amount(PayoutLineKind::kTax, fmt::format("{}/withheld:{}", id, c.type), c.amount, order,
                 order_ref, "withheld " + c.type, posted);
  }
}

void AdjustmentEvent(od::value& v, Lines& lines) {
  std::string type, posted_text;
  Instant posted;
  std::optional<Money> amount;
  ForEachField(v, [&](std::string_view k, od::value& f) {
    if (k == "AdjustmentType") {
      type = std::string(Str(f));
    } else if (k == "PostedDate") {
      posted_text = std::string(Str(f));
      posted = TimeText(posted_text);
    } else if (k == "AdjustmentAmount") {
      amount = OptCurrency(f);
    }
  });
  if (!amount) {
    Throw(ErrorCode::kInvalidArgument, "AdjustmentAmount is missing", "AdjustmentAmount");
  }
  const PayoutLineKind kind =
      type == "ReserveEvent" ? PayoutLineKind::kReserve : PayoutLineKind::kAdjustment;
  lines.Amount(kind, fmt::format("adjustment/{}/{}", Part(type), FormatRfc3339(posted)), *amount,
               {}, {}, "adjustment " + type, posted);
}

void PayWithAmazonEvent(od::value& v, Lines& lines) {
  std::string seller_order, posted_text;
  Instant posted;
  std::vector<Component> charges, fees;
  ForEachField(v, [&](std::string_view k, od::value& f) {
    if (k == "SellerOrderId") {
      seller_order = Id(f);
    } else if (k == "TransactionPostedDate") {
      posted_text = std::string(Str(f));
      posted = TimeText(posted_text);
    } else if (k == "Charge" && !IsNull(f)) {
      charges.push_back(ReadComponent(f, "ChargeType", "ChargeAmount"));
    } else if (k == "FeeList") {
      ReadComponents(f, "FeeType", "FeeAmount", fees);
    }
  });
  const std::string id = fmt::format("pay_with_amazon/{}", Part(seller_order));
  for (const Component& c : charges) {
    lines.Amount(ChargeKind(nullptr, c.type, PayoutLineKind::kCharge),
                 fmt::format("{}/{}", id, c.type), c.amount, seller_order, {}, c.type, posted);
  }
  for (const Component& c : fees) {
    lines.Fee(c, fmt::format("{}/{}", id, c.type), seller_order, {}, c.type, posted);
  }
}

void ProviderCreditEvent(od::value& v, Lines& lines) {
  std::string seller_order, type;
  Instant created;
  std::optional<Money> amount;
  ForEachField(v, [&](std::string_view k, od::value& f) {
    if (k == "SellerOrderId") {
      seller_order = Id(f);
    } else if (k == "ProviderTransactionType") {
      type = std::string(Str(f));
    } else if (k == "TransactionCreationDate") {
      created = Time(f).value_or(Instant{});
    } else if (k == "TransactionAmount") {
      amount = OptCurrency(f);
    }
  });
  if (!amount) {
    Throw(ErrorCode::kInvalidArgument, "TransactionAmount is missing", "TransactionAmount");
  }
  lines.Amount(PayoutLineKind::kAdjustment,
               fmt::format("provider_credit/{}/{}", Part(seller_order), Part(type)), *amount,
               seller_order, {}, "solution provider credit " + type, created);
}

void RentalEvent(od::value& v, const Ctx& ctx, Lines& lines) {
  std::string order, type;
  Instant posted;
  std::vector<Component> charges, fees, withheld;
  std::optional<Money> reimbursement;
  ForEachField(v, [&](std::string_view k, od::value& f) {
    if (k == "AmazonOrderId") {
      order = Id(f);
    } else if (k == "RentalEventType") {
      type = std::string(Str(f));
    } else if (k == "PostedDate") {
      posted = Time(f).value_or(Instant{});
    } else if (k == "RentalChargeList") {
      ReadComponents(f, "ChargeType", "ChargeAmount", charges);
    } else if (k == "RentalFeeList") {
      ReadComponents(f, "FeeType", "FeeAmount", fees);
    } else if (k == "RentalTaxWithheldList") {
      (void)ReadWithheld(f, withheld);
    } else if (k == "RentalReimbursement") {
      reimbursement = OptCurrency(f);  // money Amazon pays for a lost item or failed charge
    }
  });
  const PayoutLineKind base =
      type.starts_with("RentalCustomerRefund") ? PayoutLineKind::kRefund : PayoutLineKind::kCharge;
  const std::string order_ref = order.empty() ? "" : ctx.OrderKey(order);
  const std::string id =
      fmt::format("rental/{}/{}/{}", Part(order), Part(type), FormatRfc3339(posted));
  for (const Component& c : charges) {
    lines.Amount(ChargeKind(nullptr, c.type, base), fmt::format("{}/{}", id, c.type), c.amount,
                 order, order_ref, "rental " + c.type, posted);
  }
  for (const Component& c : withheld) {
    lines.Amount(PayoutLineKind::kTax, fmt::format("{}/withheld:{}", id, c.type), c.amount, order,
                 order_ref, "withheld " + c.type, posted);
  }
  for (const Component& c : fees) {
    lines.Fee(c, fmt::format("{}/{}", id, c.type), order, order_ref, "rental " + c.type, posted);
  }
  if (reimbursement) {
    lines.Amount(PayoutLineKind::kAdjustment, id + "/reimbursement", *reimbursement, order,
                 order_ref, "rental reimbursement", posted);
  }
}

// Sponsored Products: transactionValue = baseValue + taxValue, per the model.
void ProductAdsEvent(od::value& v, Lines& lines) {
  std::string invoice, type;
  Instant posted;
  std::optional<Money> base, tax, total;
  ForEachField(v, [&](std::string_view k, od::value& f) {
    if (k == "invoiceId") {
      invoice = Id(f);
    } else if (k == "transactionType") {
      type = std::string(Str(f));
    } else if (k == "postedDate") {
      posted = Time(f).value_or(Instant{});
    } else if (k == "baseValue") {
      base = OptCurrency(f);
    } else if (k == "taxValue") {
      tax = OptCurrency(f);
    } else if (k == "transactionValue") {
      total = OptCurrency(f);
    }
  });
  if (!total) {
    Throw(ErrorCode::kInvalidArgument, "transactionValue is missing", "transactionValue");
  }
  if (base) {
    const Money sum = tax ? AddMoney(*base, *tax) : *base;
    if (sum != *total) {
      Throw(ErrorCode::kAmountMismatch,
            fmt::format("product ads payment {}: baseValue {} + taxValue {} = {} but "
                        "transactionValue is {}",
                        invoice, base->ToDecimal(), tax ? tax->ToDecimal() : "0", sum.ToDecimal(),
                        total->ToDecimal()),
            "transactionValue");
    }
  }
  lines.Fee(Component{"ProductAdsPayment", {}, *total},
            fmt::format("product_ads/{}/{}", Part(invoice), Part(type)), invoice, {},
            fmt::format("sponsored products {} {}", type, invoice), posted);
}

// ---- financial events: the page --------------------------------------------

struct Group {
  std::string id, processing, transfer;  // statuses lower-cased
  std::optional<Money> original, converted;
  std::optional<Instant> transfer_date, start, end;

  std::optional<Money> Total() const { return original ? original : converted; }
  bool Closed() const { return processing == "closed"; }
  // "paid", "failed", "in_transit" (closed, money not yet arrived), "open",
  // else Amazon's own word.
  std::string Status() const {
    if (transfer == "failed") {
      return "failed";
    }
    if (Closed()) {
      return transfer == "succeeded" ? "paid" : "in_transit";
    }
    if (processing == "open") {
      return "open";
    }
    return !transfer.empty() ? transfer : !processing.empty() ? processing : "unknown";
  }
  Instant At() const { return transfer_date.value_or(end.value_or(start.value_or(Instant{}))); }
};

Group ReadGroup(od::value& v) {
  Group g;
  ForEachField(v, [&](std::string_view k, od::value& f) {
    if (k == "FinancialEventGroupId") {
      g.id = Id(f);
    } else if (k == "ProcessingStatus") {
      g.processing = Lower(Str(f));
    } else if (k == "FundTransferStatus") {
      g.transfer = Lower(Str(f));
    } else if (k == "OriginalTotal") {
      g.original = OptCurrency(f);
    } else if (k == "ConvertedTotal") {
      g.converted = OptCurrency(f);
    } else if (k == "FundTransferDate") {
      g.transfer_date = Time(f);
    } else if (k == "FinancialEventGroupStart") {
      g.start = Time(f);
    } else if (k == "FinancialEventGroupEnd") {
      g.end = Time(f);
    }
  });
  if (g.id.empty()) {
    Throw(ErrorCode::kInvalidArgument, "FinancialEventGroupId is missing", "FinancialEventGroupId");
  }
  return g;
}

// Only a closed group whose money arrived is paid; a failed transfer failed.
std::string GroupEventType(const Group& g) {
  const std::string status = g.Status();
  return status == "paid" ? "payout.paid" : status == "failed" ? "payout.failed" : "payout.updated";
}

Payout GroupPayout(const Group& g, const Ctx& ctx) {
  Payout p;
  p.payout_id = g.id;
  p.gateway = std::string(kGateway);
  // OriginalTotal is in the marketplace currency, like the events' amounts;
  // ConvertedTotal (the disbursement currency) only when it is all there is.
  if (auto total = g.Total()) {
    p.amount = *total;
  }
  p.status = g.Status();
  p.arrival_at = g.transfer_date.value_or(Instant{});
  p.lineage = ctx.MakeLineage(g.id, {});
  return p;
}

// Event lists whose money would be lost if skipped: anything not read below
// is refused (kUnmapped), never silently dropped from a payout.
void RefuseList(od::value& v, std::string_view name) {
  auto refuse = [&] {
    Throw(
        ErrorCode::kUnmapped,
        fmt::format("{} is not translated yet: its money would be missing from the payout", name));
  };
  const auto type = v.type().value();
  if (type == od::json_type::array) {
    ForEachElement(v, [&](std::int64_t, od::value&) { refuse(); });
  } else if (type == od::json_type::object) {  // the model declares a few lists as objects
    ForEachField(v, [&](std::string_view, od::value&) { refuse(); });
  }
}

void FinancialEvents(od::value& v, Ctx& ctx, Lines& lines) {
  ForEachField(v, [&](std::string_view k, od::value& f) {
    if (k == "ShipmentEventList" || k == "RefundEventList" || k == "GuaranteeClaimEventList" ||
        k == "ChargebackEventList") {
      const EventClass cls = k == "ShipmentEventList" ? EventClass::kShipment
                             : k == "RefundEventList" ? EventClass::kRefund
                                                      : EventClass::kDispute;
      ForEachElement(f, [&](std::int64_t, od::value& e) {
        const ShipmentEvent s = ReadShipmentEvent(e);
        ShipmentLines(s, cls, k, ctx, lines);
        if (cls == EventClass::kShipment) {
          EmitFulfillment(s, ctx);
        } else if (cls == EventClass::kRefund) {
          EmitRefunds(s, ctx);
        }
      });
    } else if (k == "ServiceFeeEventList") {
      ForEachElement(f, [&](std::int64_t, od::value& e) { ServiceFeeEvent(e, ctx, lines); });
    } else if (k == "RetrochargeEventList") {
      ForEachElement(f, [&](std::int64_t, od::value& e) { RetrochargeEvent(e, ctx, lines); });
    } else if (k == "AdjustmentEventList") {
      ForEachElement(f, [&](std::int64_t, od::value& e) { AdjustmentEvent(e, lines); });
    } else if (k == "PayWithAmazonEventList") {
      ForEachElement(f, [&](std::int64_t, od::value& e) { PayWithAmazonEvent(e, lines); });
    } else if (k == "ServiceProviderCreditEventList") {
      ForEachElement(f, [&](std::int64_t, od::value& e) { ProviderCreditEvent(e, lines); });
    } else if (k == "RentalTransactionEventList") {
      ForEachElement(f, [&](std::int64_t, od::value& e) { RentalEvent(e, ctx, lines); });
    } else if (k == "ProductAdsPaymentEventList") {
      ForEachElement(f, [&](std::int64_t, od::value& e) { ProductAdsEvent(e, lines); });
    } else if (k.ends_with("EventList")) {
      RefuseList(f, k);
    }
  });
}

// An SP-API error response ({"errors":[{"code","message"}]}) is not a page.
void RefuseErrors(od::value& v) {
  ForEachElement(v, [&](std::int64_t, od::value& e) {
    std::string code, message;
    ForEachField(e, [&](std::string_view k, od::value& f) {
      if (k == "code") {
        code = std::string(Str(f));
      } else if (k == "message") {
        message = std::string(Str(f));
      }
    });
    Throw(ErrorCode::kInvalidArgument,
          fmt::format("the file is an SP-API error response ({}: {}), not a page", code, message));
  });
}

// Events by date range or by order are not yet a settlement: one
// informational payout per currency, named after the page.
void EmitUngroupedPayouts(Lines& lines, Ctx& ctx) {
  std::vector<PayoutLine> all = lines.Take("");
  std::vector<Payout> payouts;
  for (PayoutLine& l : all) {
    const std::string id =
        fmt::format("events-{}-{}", ctx.body_hash.substr(0, kUngroupedPayoutHashChars),
                    l.net.currency().code());
    Payout* p = nullptr;
    for (Payout& candidate : payouts) {
      p = candidate.payout_id == id ? &candidate : p;
    }
    if (p == nullptr) {
      payouts.emplace_back();
      p = &payouts.back();
      p->payout_id = id;
      p->gateway = std::string(kGateway);
      p->amount = Money::Zero(l.net.currency());
      p->status = "open";
    }
    l.line_id = id + l.line_id;  // Take("") left a leading "/"
    p->amount = AddMoney(p->amount, l.net);
    p->lines.push_back(std::move(l));
  }
  for (Payout& p : payouts) {
    p.lineage = ctx.MakeLineage(p.payout_id, {});
    const Instant at = p.lines.front().occurred_at;
    std::string key = ctx.PayoutKey(p.payout_id);
    std::string id = p.payout_id;
    ctx.Emit("payout.updated", std::move(key), std::move(id), at, ToJson(p, EventStorage()));
  }
}

// The group's payout with its events' lines. A closed group's events, all of
// them, add up to what it paid. An open group is still accruing and a page
// with a NextToken is a part: neither is checked, and a part never posts as
// the whole settlement.
void EmitGroupPayout(Lines& lines, const Group& group, bool complete, Ctx& ctx) {
  Payout p = GroupPayout(group, ctx);
  const std::optional<Money> net = lines.NetSince(0);
  p.lines = lines.Take(group.id);
  if (complete && group.Closed()) {
    const std::optional<Money> total = group.Total();
    if (!total) {
      Throw(ErrorCode::kInvalidArgument, "a closed group needs its OriginalTotal",
            "FinancialEventGroup.OriginalTotal");
    }
    const Money explained = net.value_or(Money::Zero(total->currency()));
    if (explained != *total) {
      Throw(ErrorCode::kAmountMismatch,
            fmt::format("financial event group {}: its events net to {} but OriginalTotal is {}",
                        group.id, explained.ToString(), total->ToString()),
            "FinancialEventGroup.OriginalTotal");
    }
  }
  std::string type = GroupEventType(group);
  if (!complete && type == "payout.paid") {
    type = "payout.updated";
  }
  std::string key = ctx.PayoutKey(p.payout_id);
  std::string id = p.payout_id;
  ctx.Emit(std::move(type), std::move(key), std::move(id), group.At(), ToJson(p, EventStorage()));
}

// {"payload":{"NextToken":…,"FinancialEvents":{…}}} and, for the events of one
// group, the group itself at the top level: "FinancialEventGroup": {…} as
// listFinancialEventGroups returns it (added by whoever fetched the page).
void TranslateFinancialEvents(od::document& doc, Ctx& ctx) {
  Lines lines;
  std::optional<Group> group;
  std::string next_token;
  bool has_payload = false;
  ForEachField(doc.get_object().value(), [&](std::string_view k, od::value& f) {
    if (k == "payload") {
      has_payload = true;
      ForEachField(f, [&](std::string_view pk, od::value& pf) {
        if (pk == "NextToken") {
          next_token = std::string(Str(pf));
        } else if (pk == "FinancialEvents" && !IsNull(pf)) {
          FinancialEvents(pf, ctx, lines);
        }
      });
    } else if (k == "FinancialEventGroup" && !IsNull(f)) {
      group = ReadGroup(f);
    } else if (k == "errors") {
      RefuseErrors(f);
    }
  });
  if (!has_payload) {
    Throw(ErrorCode::kInvalidArgument, "payload is missing", "payload");
  }
  if (group) {
    EmitGroupPayout(lines, *group, next_token.empty(), ctx);
  } else {
    EmitUngroupedPayouts(lines, ctx);
  }
}

// {"payload":{"NextToken":…,"FinancialEventGroupList":[…]}}: a payout notice
// per group, without lines (the ledger waits for the group's events).
void TranslateGroups(od::document& doc, Ctx& ctx) {
  bool has_payload = false;
  ForEachField(doc.get_object().value(), [&](std::string_view k, od::value& f) {
    if (k == "payload") {
      has_payload = true;
      ForEachField(f, [&](std::string_view pk, od::value& pf) {
        if (pk != "FinancialEventGroupList") {
          return;
        }
        ForEachElement(pf, [&](std::int64_t, od::value& e) {
          const Group g = ReadGroup(e);
          Payout p = GroupPayout(g, ctx);
          std::string key = ctx.PayoutKey(p.payout_id);
          std::string id = p.payout_id;
          ctx.Emit(GroupEventType(g), std::move(key), std::move(id), g.At(),
                   ToJson(p, EventStorage()));
        });
      });
    } else if (k == "errors") {
      RefuseErrors(f);
    }
  });
  if (!has_payload) {
    Throw(ErrorCode::kInvalidArgument, "payload is missing", "payload");
  }
}

// ---- orders ----------------------------------------------------------------

struct OrderItem {
  std::string id, sku, asin, title;
  std::int64_t quantity = 0;
  std::optional<Money> price, tax, shipping, shipping_tax, shipping_discount, shipping_discount_tax,
      promotion, promotion_tax, cod_fee, cod_fee_discount, gift_wrap, gift_wrap_tax;
  std::vector<std::string> promotion_ids;
  bool facilitator = false;  // Amazon collects and remits this item's tax
};

struct OrderRec {
  std::string id, status, updated_text;
  std::optional<Instant> purchased, updated;
  std::optional<Money> total;
  std::vector<OrderItem> items;
};

OrderItem ReadOrderItem(od::value& v) {
  OrderItem it;
  ForEachField(v, [&](std::string_view k, od::value& f) {
    if (k == "OrderItemId") {
      it.id = Id(f);
    } else if (k == "SellerSKU") {
      it.sku = std::string(Str(f));
    } else if (k == "ASIN") {
      it.asin = std::string(Str(f));
    } else if (k == "Title") {
      it.title = std::string(Str(f));
    } else if (k == "QuantityOrdered") {
      it.quantity = IsNull(f) ? 0 : Int(f);
    } else if (k == "ItemPrice") {
      it.price = OptOrderMoney(f);
    } else if (k == "ItemTax") {
      it.tax = OptOrderMoney(f);
    } else if (k == "ShippingPrice") {
      it.shipping = OptOrderMoney(f);
    } else if (k == "ShippingTax") {
      it.shipping_tax = OptOrderMoney(f);
    } else if (k == "ShippingDiscount") {
      it.shipping_discount = OptOrderMoney(f);
    } else if (k == "ShippingDiscountTax") {
      it.shipping_discount_tax = OptOrderMoney(f);
    } else if (k == "PromotionDiscount") {
      it.promotion = OptOrderMoney(f);
    } else if (k == "PromotionDiscountTax") {
      it.promotion_tax = OptOrderMoney(f);
    } else if (k == "CODFee") {
      it.cod_fee = OptOrderMoney(f);
    } else if (k == "CODFeeDiscount") {
      it.cod_fee_discount = OptOrderMoney(f);
    } else if (k == "PromotionIds") {
      ForEachElement(f, [&](std::int64_t, od::value& e) { it.promotion_ids.emplace_back(Str(e)); });
    } else if (k == "TaxCollection" && !IsNull(f)) {
      ForEachField(f, [&](std::string_view tk, od::value& tf) {
        if (tk == "Model") {
          it.facilitator = it.facilitator || Str(tf) == "MarketplaceFacilitator";
        }
      });
    } else if (k == "DeemedResellerCategory") {
      // IOSS / UOSS: Amazon is the deemed reseller and remits the EU/UK VAT.
      it.facilitator = it.facilitator || !Str(f).empty();
    } else if (k == "BuyerInfo" && !IsNull(f)) {
      ForEachField(f, [&](std::string_view bk, od::value& bf) {
        if (bk == "GiftWrapPrice") {
          it.gift_wrap = OptOrderMoney(bf);
        } else if (bk == "GiftWrapTax") {
          it.gift_wrap_tax = OptOrderMoney(bf);
        }
      });
    }
  });
  if (it.id.empty()) {
    Throw(ErrorCode::kInvalidArgument, "OrderItemId is missing", "OrderItemId");
  }
  if (it.quantity < 0) {
    Throw(ErrorCode::kInvalidArgument, "QuantityOrdered must not be negative", "QuantityOrdered");
  }
  return it;
}

// False for a key that is not an order's (getOrders' NextToken, CreatedBefore…).
bool ReadOrderField(std::string_view k, od::value& f, OrderRec& o) {
  if (k == "AmazonOrderId") {
    o.id = Id(f);
  } else if (k == "OrderStatus") {
    o.status = std::string(Str(f));
  } else if (k == "PurchaseDate") {
    o.purchased = Time(f);
  } else if (k == "LastUpdateDate") {
    o.updated_text = std::string(Str(f));
    o.updated = TimeText(o.updated_text);
  } else if (k == "OrderTotal") {
    o.total = OptOrderMoney(f);
  } else if (k == "OrderItems") {
    ForEachElement(f, [&](std::int64_t, od::value& e) { o.items.push_back(ReadOrderItem(e)); });
  } else {
    return false;
  }
  return true;
}

// Sum of an optional amount over items, in `c`.
template <typename F>
Money SumItems(const std::vector<OrderItem>& items, Currency c, F&& pick) {
  Money sum = Money::Zero(c);
  for (const OrderItem& it : items) {
    if (it.quantity > 0) {
      if (const std::optional<Money>& m = pick(it)) {
        sum = AddMoney(sum, *m);
      }
    }
  }
  return sum;
}

// Items → lines and the shipping-like lines (shipping, gift wrap, COD fee).
// ItemPrice is the price of the whole quantity: the unit price is rounded up
// and the cents that do not divide are a "price rounding" discount, so that
// unit_price × quantity − discounts is exactly ItemPrice.
void BuildLines(const OrderRec& rec, Order& o) {
  const Currency c = o.currency;
  const Money zero = Money::Zero(c);
  for (const OrderItem& it : rec.items) {
    if (it.quantity == 0) {
      continue;  // cancelled before shipment: nothing ordered, nothing charged
    }
    const Money price = it.price.value_or(zero);
    if (price.is_negative()) {
      Throw(ErrorCode::kInvalidArgument,
            fmt::format("item {} ItemPrice {} is negative", it.id, price.ToString()), "ItemPrice");
    }
    OrderLine line;
    line.line_id = it.id;
    line.sku = it.sku.empty() ? it.asin : it.sku;
    line.title = it.title;
    line.quantity = it.quantity;
    const std::int64_t unit = (price.minor_units() + it.quantity - 1) / it.quantity;
    line.unit_price = Money(unit, price.currency());
    const Money gross = MulMoney(line.unit_price, it.quantity, "QuantityOrdered");
    if (const Money rounding = SubMoney(gross, price); !rounding.is_zero()) {
      line.discounts.push_back(DiscountAllocation{"price rounding", rounding});
    }
    if (it.promotion && !it.promotion->is_zero()) {
      std::string code;
      for (const std::string& id : it.promotion_ids) {
        code += code.empty() ? id : "," + id;
      }
      line.discounts.push_back(
          DiscountAllocation{code.empty() ? "promotion" : code, *it.promotion});
    }
    Money tax = it.tax.value_or(zero);
    if (it.promotion_tax) {
      tax = SubMoney(tax, *it.promotion_tax);
    }
    if (!tax.is_zero()) {
      line.taxes.push_back(TaxLine{"ItemTax", 0, tax});
    }
    o.lines.push_back(std::move(line));
  }
  auto add_shipping = [&](std::string title, const Money& price, const Money& discount,
                          std::string tax_code, const Money& tax) {
    if (price.is_zero() && discount.is_zero() && tax.is_zero()) {
      return;
    }
    ShippingLine s;
    s.title = std::move(title);
    s.price = price;
    if (!discount.is_zero()) {
      s.discounts.push_back(DiscountAllocation{s.title + " discount", discount});
    }
    if (!tax.is_zero()) {
      s.taxes.push_back(TaxLine{std::move(tax_code), 0, tax});
    }
    o.shipping.push_back(std::move(s));
  };
  const auto& items = rec.items;
  add_shipping(
      "Shipping", SumItems(items, c, [](const OrderItem& i) { return i.shipping; }),
      SumItems(items, c, [](const OrderItem& i) { return i.shipping_discount; }), "ShippingTax",
      SubMoney(SumItems(items, c, [](const OrderItem& i) { return i.shipping_tax; }),
               SumItems(items, c, [](const OrderItem& i) { return i.shipping_discount_tax; })));
  add_shipping("Gift wrap", SumItems(items, c, [](const OrderItem& i) { return i.gift_wrap; }),
               zero, "GiftWrapTax",
               SumItems(items, c, [](const OrderItem& i) { return i.gift_wrap_tax; }));
  add_shipping("COD fee", SumItems(items, c, [](const OrderItem& i) { return i.cod_fee; }),
               SumItems(items, c, [](const OrderItem& i) { return i.cod_fee_discount; }), {}, zero);
}

// Totals from the lines, and the check: lines − discounts + shipping (+ tax
// unless included) == OrderTotal. Amazon prices exclude tax in the US and
// include it in VAT marketplaces; the payload says which by which sum holds.
void CheckTotals(const std::string& id, Order& o) {
  const Money zero = Money::Zero(o.currency);
  Money subtotal = zero, discounts = zero, shipping = zero, tax = zero;
  for (const OrderLine& l : o.lines) {
    subtotal = AddMoney(subtotal, MulMoney(l.unit_price, l.quantity, "QuantityOrdered"));
    for (const DiscountAllocation& d : l.discounts) {
      discounts = AddMoney(discounts, d.amount);
    }
    for (const TaxLine& t : l.taxes) {
      tax = AddMoney(tax, t.amount);
    }
  }
  for (const ShippingLine& s : o.shipping) {
    shipping = AddMoney(shipping, s.price);
    for (const DiscountAllocation& d : s.discounts) {
      discounts = AddMoney(discounts, d.amount);
    }
    for (const TaxLine& t : s.taxes) {
      tax = AddMoney(tax, t.amount);
    }
  }
  o.subtotal = subtotal;
  o.total_discounts = discounts;
  o.total_shipping = shipping;
  o.total_tax = tax;
  const Money included = AddMoney(SubMoney(subtotal, discounts), shipping);
  const Money excluded = AddMoney(included, tax);
  if (excluded == o.total) {
    o.taxes_included = false;
  } else if (!tax.is_zero() && included == o.total) {
    o.taxes_included = true;
  } else {
    Throw(ErrorCode::kAmountMismatch,
          fmt::format("order {}: items {} - discounts {} + shipping {} + tax {} = {} ({} with tax "
                      "included) but OrderTotal is {}",
                      id, subtotal.ToDecimal(), discounts.ToDecimal(), shipping.ToDecimal(),
                      tax.ToDecimal(), excluded.ToDecimal(), included.ToDecimal(),
                      o.total.ToDecimal()),
          "OrderTotal");
  }
}

// Lines, totals and who remits the tax, from the order's items.
void PriceFromItems(const OrderRec& rec, Order& o) {
  std::size_t facilitated = 0;
  std::size_t ordered = 0;
  for (const OrderItem& it : rec.items) {
    facilitated += it.facilitator && it.quantity > 0 ? 1 : 0;
    ordered += it.quantity > 0 ? 1 : 0;
  }
  if (facilitated != 0 && facilitated != ordered) {
    Throw(ErrorCode::kUnmapped,
          fmt::format("order {} mixes items whose tax Amazon remits with items whose tax the "
                      "seller remits; the canonical order has one marketplace_collects_tax",
                      rec.id),
          "OrderItems");
  }
  o.marketplace_collects_tax = facilitated != 0;
  BuildLines(rec, o);
  CheckTotals(rec.id, o);
}

std::string TenderStatus(std::string_view order_status) {
  if (order_status == "Shipped" || order_status == "InvoiceUnconfirmed") {
    return "captured";  // Amazon charges the buyer as items ship
  }
  if (order_status == "Unshipped" || order_status == "PartiallyShipped") {
    return "authorized";
  }
  return "pending";  // payment not authorised yet (a Canceled order has no tender)
}

void EmitOrder(const OrderRec& rec, Ctx& ctx) {
  if (rec.id.empty()) {
    Throw(ErrorCode::kInvalidArgument, "AmazonOrderId is missing", "AmazonOrderId");
  }
  if (rec.status.empty()) {
    Throw(ErrorCode::kInvalidArgument,
          fmt::format("order {} has no OrderStatus: order items alone are not an order (put the "
                      "getOrderItems OrderItems inside their order)",
                      rec.id),
          "OrderStatus");
  }
  Order o;
  o.order_id = ctx.OrderKey(rec.id);
  o.order_number = rec.id;
  o.channel = Channel::kMarketplace;
  o.fulfillment_method = FulfillmentMethod::kShip;
  o.status = Lower(rec.status);
  o.placed_at = rec.purchased.value_or(Instant{});
  o.updated_at = rec.updated.value_or(o.placed_at);
  o.lineage = ctx.MakeLineage(rec.id, rec.updated_text);
  const Instant at = o.updated_at;
  std::string key = o.order_id;
  if (rec.status == "Canceled") {
    if (rec.total) {
      o.currency = rec.total->currency();
      o.total = *rec.total;
    }
    ctx.Emit("order.cancelled", std::move(key), rec.id, at, ToJson(o, EventStorage()));
    return;
  }
  if (!rec.total) {
    return;  // Pending: Amazon publishes no amounts before payment is authorised
  }
  o.currency = rec.total->currency();
  o.total = *rec.total;
  const bool has_items = !rec.items.empty();
  if (has_items) {
    PriceFromItems(rec, o);
  }
  // The marketplace tender is what Amazon owes the seller for the order: the
  // buyer's total less the tax Amazon collects and remits itself.
  Tender t;
  t.tender_id = rec.id;
  t.kind = TenderKind::kMarketplace;
  t.gateway = std::string(kGateway);
  t.gateway_reference = rec.id;
  t.amount = o.marketplace_collects_tax ? SubMoney(o.total, o.total_tax) : o.total;
  t.status = TenderStatus(rec.status);
  t.occurred_at = at;
  o.tenders.push_back(t);
  const bool open =
      rec.status == "Pending" || rec.status == "PendingAvailability" || rec.status == "Unshipped";
  // A stateless connector cannot know whether the hub has seen the order: an
  // open order is order.created (the book treats a known id as an update).
  ctx.Emit(open ? "order.created" : "order.updated", key, rec.id, at, ToJson(o, EventStorage()));
  // Captured once everything shipped, and only when the items tell the tax
  // split (without them the seller's share is unknown).
  if (t.status == "captured" && has_items) {
    ctx.Emit("tender.captured", std::move(key), rec.id, at, ToJson(t, EventStorage()));
  }
}

// {"payload":{"Orders":[…]}} (getOrders) or {"payload":{order}} (getOrder);
// an order may carry "OrderItems": […] as getOrderItems returns them.
void TranslateOrders(od::document& doc, Ctx& ctx) {
  bool has_payload = false;
  ForEachField(doc.get_object().value(), [&](std::string_view k, od::value& f) {
    if (k == "payload") {
      has_payload = true;
      OrderRec single;
      bool is_single = false;
      ForEachField(f, [&](std::string_view pk, od::value& pf) {
        if (pk == "Orders") {
          ForEachElement(pf, [&](std::int64_t, od::value& e) {
            OrderRec rec;
            ForEachField(
                e, [&](std::string_view ok, od::value& of) { (void)ReadOrderField(ok, of, rec); });
            EmitOrder(rec, ctx);
          });
        } else {
          is_single = ReadOrderField(pk, pf, single) || is_single;
        }
      });
      if (is_single) {
        EmitOrder(single, ctx);
      }
    } else if (k == "errors") {
      RefuseErrors(f);
    }
  });
  if (!has_payload) {
    Throw(ErrorCode::kInvalidArgument, "payload is missing", "payload");
  }
}

bool Translated(std::string_view topic) {
  return topic == AmazonConnector::kTopicOrders ||
         topic == AmazonConnector::kTopicFinancialEvents ||
         topic == AmazonConnector::kTopicFinancialEventGroups;
}

}  // namespace

Status AmazonConnector::Verify(const Delivery& /*delivery*/, const Secrets& /*secrets*/,
                               const Clock& /*clock*/) const {
  return Fail(ErrorCode::kUnauthenticated,
              "Amazon sends no webhooks: Amazon data is ingested from files (retailhub ingest "
              "--source amazon --topic orders|financial_events|financial_event_groups FILE)");
}

Result<std::string> AmazonConnector::DedupKey(const Delivery& delivery) const {
  return "sha256:" + Sha256Hex(delivery.body);
}

Result<std::string> AmazonConnector::Topic(const Delivery& delivery) const {
  if (!delivery.topic.empty()) {
    return delivery.topic;
  }
  std::string topic;
  auto r = RunTranslator(delivery.body, [&](od::document& doc) {
    ForEachField(doc.get_object().value(), [&](std::string_view k, od::value& f) {
      if (k != "payload" || f.type().value() != od::json_type::object) {
        return;
      }
      ForEachField(f, [&](std::string_view pk, od::value&) {
        if (pk == "FinancialEvents") {
          topic = kTopicFinancialEvents;
        } else if (pk == "FinancialEventGroupList") {
          topic = kTopicFinancialEventGroups;
        } else if ((pk == "Orders" || pk == "AmazonOrderId") && topic.empty()) {
          topic = kTopicOrders;
        }
      });
    });
    return std::vector<Event>{};
  });
  if (!r) {
    return Fail(r.error());
  }
  if (topic.empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                "cannot tell the Amazon topic from the body (no payload.Orders, "
                "payload.FinancialEvents or payload.FinancialEventGroupList): pass --topic "
                "orders, financial_events or financial_event_groups",
                "topic");
  }
  return topic;
}

Result<std::vector<Event>> AmazonConnector::Translate(const Delivery& delivery) const {
  HUB_TRY(const std::string topic, Topic(delivery));
  if (!Translated(topic)) {
    return Fail(ErrorCode::kUnmapped,
                fmt::format("Amazon topic \"{}\" is not translated (orders, financial_events, "
                            "financial_event_groups)",
                            topic),
                "topic");
  }
  HUB_TRY(const std::string dedup, DedupKey(delivery));
  Ctx ctx;
  ctx.ids = MakeEventIds(kSystem, delivery.account, dedup);
  ctx.account = delivery.account;
  ctx.body_hash = dedup.substr(std::string_view("sha256:").size());
  return RunTranslator(delivery.body, [&](od::document& doc) {
    if (topic == kTopicOrders) {
      TranslateOrders(doc, ctx);
    } else if (topic == kTopicFinancialEvents) {
      TranslateFinancialEvents(doc, ctx);
    } else {
      TranslateGroups(doc, ctx);
    }
    return std::move(ctx.events);
  });
}

}  // namespace hub
