// OrderBook: applying canonical records to per-order state. Validation comes
// first and mutation last, so a rejected record leaves the book unchanged.
#include "orders/order_book.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <tuple>
#include <utility>

namespace hub::orders {
namespace {

// Bounds on input figures, so that sums over an order cannot overflow int64.
constexpr std::int64_t kAmountMinorMax = 1'000'000'000'000'000;  // 10^15 minor units
constexpr std::int64_t kQuantityMax = 1'000'000;
constexpr std::int64_t kMicrosPerDay = 86'400'000'000;

Status CheckAmount(const Money& m, std::string_view what) {
  if (m.minor_units() > kAmountMinorMax || m.minor_units() < -kAmountMinorMax) {
    return Fail(ErrorCode::kTooLarge,
                fmt::format("{} {} exceeds the amount limit", what, m.ToString()));
  }
  return Ok();
}

Status SameCurrency(const Money& m, Currency c, std::string_view what) {
  if (!(m.currency() == c)) {
    return Fail(
        ErrorCode::kCurrencyMismatch,
        fmt::format("{} is in {} but the order is in {}", what, m.currency().code(), c.code()),
        std::string(what));
  }
  return CheckAmount(m, what);
}

// Versions compare numerically when both are integers, else as text.
int CompareVersions(std::string_view a, std::string_view b) {
  std::int64_t x = 0;
  std::int64_t y = 0;
  const auto ra = std::from_chars(a.data(), a.data() + a.size(), x);
  const auto rb = std::from_chars(b.data(), b.data() + b.size(), y);
  const bool numeric = !a.empty() && !b.empty() && ra.ec == std::errc() &&
                       ra.ptr == a.data() + a.size() && rb.ec == std::errc() &&
                       rb.ptr == b.data() + b.size();
  if (numeric) {
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  return a < b ? -1 : (a > b ? 1 : 0);
}

Result<Money> SumDiscounts(const std::vector<DiscountAllocation>& ds, Currency c) {
  Money sum = Money::Zero(c);
  for (const DiscountAllocation& d : ds) {
    HUB_TRY_STATUS(SameCurrency(d.amount, c, "discount " + d.code));
    HUB_TRY(sum, sum.Add(d.amount));
  }
  return sum;
}

Result<std::vector<TaxShare>> Taxes(const std::vector<TaxLine>& taxes, Currency c) {
  std::vector<TaxShare> out;
  for (const TaxLine& t : taxes) {
    HUB_TRY_STATUS(SameCurrency(t.amount, c, "tax " + t.code));
    if (!t.amount.is_zero()) {
      out.push_back(TaxShare{t.code, t.amount});
    }
  }
  return out;
}

Money SumTaxes(const std::vector<TaxShare>& taxes, Currency c) {
  std::int64_t sum = 0;  // bounded by CheckAmount on each part
  for (const TaxShare& t : taxes) {
    sum += t.amount.minor_units();
  }
  return Money(sum, c);
}

TimelineEntry Timeline(std::string type, Instant at, const Lineage& l) {
  return TimelineEntry{std::move(type),  at,          l.source_system, l.source_id,
                       l.correlation_id, l.message_id};
}

Error Precondition(std::string message, std::string field) {
  return Error(ErrorCode::kFailedPrecondition, std::move(message), std::move(field));
}

// The line a fulfillment / return line refers to: by line id, else by SKU.
Result<std::size_t> MatchLine(const OrderRecord& r, std::string_view line_id,
                              std::string_view sku) {
  for (std::size_t i = 0; i < r.lines.size(); ++i) {
    if (!line_id.empty() ? r.lines[i].line_id == line_id : r.lines[i].sku == sku) {
      return i;
    }
  }
  return Fail(ErrorCode::kInvalidArgument,
              fmt::format("order {} has no line '{}' (sku '{}')", r.order_id, line_id, sku),
              "lines");
}

// Lines of the order with revenue net of line and order-level discounts.
Status BuildLines(const Order& o, const OrderRecord* existing, OrderRecord& r) {
  std::vector<std::int64_t> weights;
  for (const OrderLine& l : o.lines) {
    if (l.quantity <= 0 || l.quantity > kQuantityMax) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("line {} quantity {} is out of range", l.line_id, l.quantity),
                  "lines");
    }
    HUB_TRY_STATUS(SameCurrency(l.unit_price, o.currency, "unit price of " + l.sku));
    HUB_TRY(const Money gross, l.unit_price.Multiply(l.quantity));
    HUB_TRY(const Money discounts, SumDiscounts(l.discounts, o.currency));
    HUB_TRY(const Money net, gross.Sub(discounts));
    HUB_TRY(std::vector<TaxShare> taxes, Taxes(l.taxes, o.currency));
    LineState s{l.line_id,    l.sku, l.quantity,       0,          0,
                l.unit_price, net,   std::move(taxes), l.gift_card};
    if (existing != nullptr) {
      if (const LineState* old = existing->FindLine(l.line_id); old != nullptr) {
        if (l.quantity < old->fulfilled) {
          return Fail(Precondition(fmt::format("line {} quantity {} is below the {} fulfilled",
                                               l.line_id, l.quantity, old->fulfilled),
                                   "lines"));
        }
        s.fulfilled = old->fulfilled;
        s.returned = old->returned;
      }
    }
    weights.push_back(l.gift_card ? 0 : std::max<std::int64_t>(net.minor_units(), 0));
    r.lines.push_back(std::move(s));
  }
  HUB_TRY(const Money order_discount, SumDiscounts(o.order_discounts, o.currency));
  if (!order_discount.is_zero()) {
    if (std::all_of(weights.begin(), weights.end(), [](std::int64_t w) { return w == 0; })) {
      return Fail(
          ErrorCode::kInvalidArgument,
          fmt::format("order discount {} has no discountable line", order_discount.ToString()),
          "order_discounts");
    }
    HUB_TRY(const std::vector<Money> parts, order_discount.Allocate(weights));
    for (std::size_t i = 0; i < r.lines.size(); ++i) {
      HUB_TRY(r.lines[i].net, r.lines[i].net.Sub(parts[i]));
    }
  }
  if (o.taxes_included) {
    for (LineState& l : r.lines) {
      HUB_TRY(l.net, l.net.Sub(SumTaxes(l.taxes, o.currency)));
    }
  }
  return Ok();
}

Result<OrderRecord> BuildRecord(const Order& o, const OrderRecord* existing) {
  if (o.order_id.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "order has no order_id", "order_id");
  }
  if (!o.currency.valid()) {
    return Fail(ErrorCode::kInvalidArgument, fmt::format("order {} has no currency", o.order_id),
                "currency");
  }
  OrderRecord r;
  if (existing != nullptr) {
    r = *existing;  // keeps tenders, flags, applied events and the timeline
    r.lines.clear();
    r.shipping_taxes.clear();
  }
  r.order_id = o.order_id;
  r.order_number = o.order_number;
  r.channel = o.channel;
  r.location_id = o.location_id;
  r.method = o.fulfillment_method;
  r.customer =
      o.customer.has_value() && !o.customer->id.empty() ? o.customer->id : o.customer_source_id;
  r.currency = o.currency;
  r.presentment_currency = o.presentment_currency;
  r.marketplace_collects_tax = o.marketplace_collects_tax;
  HUB_TRY_STATUS(BuildLines(o, existing, r));
  r.shipping_net = Money::Zero(o.currency);
  for (const ShippingLine& s : o.shipping) {
    HUB_TRY_STATUS(SameCurrency(s.price, o.currency, "shipping " + s.title));
    HUB_TRY(const Money discounts, SumDiscounts(s.discounts, o.currency));
    HUB_TRY(const Money net, s.price.Sub(discounts));
    HUB_TRY(r.shipping_net, r.shipping_net.Add(net));
    HUB_TRY(std::vector<TaxShare> taxes, Taxes(s.taxes, o.currency));
    for (TaxShare& t : taxes) {
      r.shipping_taxes.push_back(std::move(t));
    }
  }
  if (o.taxes_included) {
    HUB_TRY(r.shipping_net, r.shipping_net.Sub(SumTaxes(r.shipping_taxes, o.currency)));
  }
  if (existing == nullptr) {
    r.tenders.clear();
  }
  r.total = o.total.currency().valid() ? o.total : Money::Zero(o.currency);
  HUB_TRY_STATUS(SameCurrency(r.total, o.currency, "order total"));
  r.updated_at = o.updated_at;
  r.source_version = o.lineage.source_version;
  r.lineage = o.lineage;
  if (o.status == "closed" || o.status == "archived") {
    r.closed = true;
  }
  return r;
}

}  // namespace

std::string_view OrderStatusName(OrderStatus s) {
  switch (s) {
    case OrderStatus::kPlaced:
      return "placed";
    case OrderStatus::kPartlyPaid:
      return "partly_paid";
    case OrderStatus::kPaid:
      return "paid";
    case OrderStatus::kPartlyFulfilled:
      return "partly_fulfilled";
    case OrderStatus::kFulfilled:
      return "fulfilled";
    case OrderStatus::kPartlyReturned:
      return "partly_returned";
    case OrderStatus::kReturned:
      return "returned";
    case OrderStatus::kClosed:
      return "closed";
    case OrderStatus::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

const LineState* OrderRecord::FindLine(std::string_view line_id) const {
  for (const LineState& l : lines) {
    if (l.line_id == line_id) {
      return &l;
    }
  }
  return nullptr;
}

const TenderState* OrderRecord::FindTender(std::string_view tender_id) const {
  for (const TenderState& t : tenders) {
    if (t.tender_id == tender_id) {
      return &t;
    }
  }
  return nullptr;
}

Money OrderRecord::Captured() const {
  std::int64_t sum = 0;  // each amount is bounded by kAmountMinorMax
  for (const TenderState& t : tenders) {
    sum += t.captured.minor_units() - t.refunded.minor_units();
  }
  return Money(sum, currency);
}

OrderStatus DeriveStatus(const OrderRecord& r) {
  if (r.cancelled) {
    return OrderStatus::kCancelled;
  }
  if (r.closed) {
    return OrderStatus::kClosed;
  }
  std::int64_t quantity = 0;
  std::int64_t fulfilled = 0;
  std::int64_t returned = 0;
  for (const LineState& l : r.lines) {
    quantity += l.quantity;
    fulfilled += l.fulfilled;
    returned += l.returned;
  }
  if (returned > 0) {
    return returned == fulfilled ? OrderStatus::kReturned : OrderStatus::kPartlyReturned;
  }
  if (fulfilled > 0) {
    return fulfilled == quantity ? OrderStatus::kFulfilled : OrderStatus::kPartlyFulfilled;
  }
  const std::int64_t paid = r.Captured().minor_units();
  if (paid <= 0) {
    return OrderStatus::kPlaced;
  }
  return paid >= r.total.minor_units() ? OrderStatus::kPaid : OrderStatus::kPartlyPaid;
}

OrderRecord* OrderBook::Mutable(std::string_view order_id) {
  auto it = orders_.find(order_id);
  return it == orders_.end() ? nullptr : &it->second;
}

const OrderRecord* OrderBook::Find(std::string_view order_id) const {
  auto it = orders_.find(order_id);
  return it == orders_.end() ? nullptr : &it->second;
}

Result<const OrderRecord*> OrderBook::Require(std::string_view order_id) const {
  const OrderRecord* r = Find(order_id);
  if (r == nullptr) {
    return Fail(Precondition(fmt::format("order '{}' is not known yet", order_id), "predecessor"));
  }
  return r;
}

Result<OrderRecord*> OrderBook::MutableOrPredecessor(std::string_view order_id,
                                                     std::string_view what) {
  OrderRecord* r = Mutable(order_id);
  if (r == nullptr) {
    return Fail(Precondition(
        fmt::format("{} for order '{}' arrived before the order", what, order_id), "predecessor"));
  }
  return r;
}

Applied OrderBook::Duplicate() {
  ++duplicates_ignored_;
  return Applied::kDuplicate;
}

void OrderBook::Restore(std::string_view order_id, const std::optional<OrderRecord>& before) {
  if (before.has_value()) {
    orders_.insert_or_assign(std::string(order_id), *before);
  } else if (auto it = orders_.find(order_id); it != orders_.end()) {
    orders_.erase(it);
  }
}

Status OrderBook::AddRefunded(std::string_view order_id, const std::vector<Money>& by_tender) {
  OrderRecord* r = Mutable(order_id);
  if (r == nullptr || by_tender.size() > r->tenders.size()) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("refund split does not fit the tenders of order '{}'", order_id));
  }
  for (std::size_t i = 0; i < by_tender.size(); ++i) {
    if (by_tender[i].is_zero()) {
      continue;
    }
    TenderState& t = r->tenders[i];
    Money refunded = t.refunded.currency().valid() ? t.refunded : Money::Zero(r->currency);
    HUB_TRY(t.refunded, refunded.Add(by_tender[i]));
  }
  r->status = DeriveStatus(*r);
  return Ok();
}

Result<Applied> OrderBook::ApplyOrder(const Order& order) {
  const OrderRecord* existing = Find(order.order_id);
  if (existing != nullptr) {
    const auto applied = std::make_tuple(existing->updated_at, existing->source_version);
    const int by_time = order.updated_at < existing->updated_at
                            ? -1
                            : (existing->updated_at < order.updated_at ? 1 : 0);
    const int cmp = by_time != 0
                        ? by_time
                        : CompareVersions(order.lineage.source_version, std::get<1>(applied));
    if (cmp < 0) {
      ++stale_ignored_;
      return Applied::kStale;
    }
    if (cmp == 0) {
      return Duplicate();
    }
  }
  HUB_TRY(OrderRecord r, BuildRecord(order, existing));
  r.timeline.push_back(Timeline(existing == nullptr ? "order.created" : "order.updated",
                                order.updated_at, order.lineage));
  r.status = DeriveStatus(r);
  if (existing == nullptr) {
    for (const LineState& l : r.lines) {
      if (l.gift_card || l.net.minor_units() <= 0) {
        continue;
      }
      std::vector<PricePoint>& history = prices_[l.sku];
      history.push_back(
          PricePoint{order.placed_at, Money(l.net.minor_units() / l.quantity, l.net.currency())});
      if (history.size() > kPriceHistoryPerSkuMax) {
        history.erase(history.begin());
      }
    }
  }
  orders_.insert_or_assign(order.order_id, std::move(r));
  return Applied::kApplied;
}

Result<Applied> OrderBook::ApplyTender(std::string_view order_id, const Tender& tender,
                                       const Lineage& lineage) {
  HUB_TRY(OrderRecord * r, MutableOrPredecessor(order_id, "tender " + tender.tender_id));
  const std::string key = fmt::format("tender:{}:{}", tender.tender_id, tender.status);
  if (r->applied.contains(key)) {
    return Duplicate();
  }
  HUB_TRY_STATUS(SameCurrency(tender.amount, r->currency, "tender " + tender.tender_id));
  TenderState* t = nullptr;
  for (TenderState& s : r->tenders) {
    if (s.tender_id == tender.tender_id) {
      t = &s;
    }
  }
  if (t == nullptr) {
    r->tenders.push_back(TenderState{tender.tender_id, tender.kind, tender.gateway,
                                     tender.gift_card_id, Money::Zero(r->currency),
                                     Money::Zero(r->currency), tender.presentment_amount, false});
    t = &r->tenders.back();
  }
  if (tender.status == "captured") {
    t->captured = tender.amount;
  } else if (tender.status == "voided") {
    t->voided = true;
  }
  r->applied.insert(key);
  r->timeline.push_back(Timeline("tender." + tender.status, tender.occurred_at, lineage));
  r->status = DeriveStatus(*r);
  return Applied::kApplied;
}

Result<Applied> OrderBook::ApplyFulfillment(const Fulfillment& f) {
  HUB_TRY(OrderRecord * r, MutableOrPredecessor(f.order_id, "fulfillment " + f.fulfillment_id));
  const std::string key = "fulfillment:" + f.fulfillment_id;
  if (r->applied.contains(key)) {
    return Duplicate();
  }
  if (r->cancelled) {
    return Fail(Precondition(fmt::format("order '{}' is cancelled", f.order_id), "status"));
  }
  if (!f.status.empty() && f.status != "success") {
    return Fail(Precondition(
        fmt::format("fulfillment {} has status '{}': only successful fulfillments are applied",
                    f.fulfillment_id, f.status),
        "status"));
  }
  std::vector<std::int64_t> fulfilled;
  for (const LineState& l : r->lines) {
    fulfilled.push_back(l.fulfilled);
  }
  for (const FulfillmentLine& fl : f.lines) {
    HUB_TRY(const std::size_t i, MatchLine(*r, fl.line_id, fl.sku));
    if (fl.quantity <= 0 || fulfilled[i] + fl.quantity > r->lines[i].quantity) {
      return Fail(Precondition(
          fmt::format("fulfillment {} ships {} of {} but only {} remain", f.fulfillment_id,
                      fl.quantity, r->lines[i].sku, r->lines[i].quantity - fulfilled[i]),
          "lines"));
    }
    fulfilled[i] += fl.quantity;
  }
  for (std::size_t i = 0; i < r->lines.size(); ++i) {
    r->lines[i].fulfilled = fulfilled[i];
  }
  if (f.includes_shipping) {
    r->shipping_posted = true;
  }
  r->applied.insert(key);
  r->timeline.push_back(Timeline("fulfillment.created", f.occurred_at, f.lineage));
  r->status = DeriveStatus(*r);
  return Applied::kApplied;
}

namespace {
// Validates returned quantities against what was fulfilled; returns new counts.
Result<std::vector<std::int64_t>> ReturnedAfter(const OrderRecord& r, std::string_view id,
                                                const std::vector<ReturnLine>& lines) {
  std::vector<std::int64_t> returned;
  for (const LineState& l : r.lines) {
    returned.push_back(l.returned);
  }
  for (const ReturnLine& rl : lines) {
    HUB_TRY(const std::size_t i, MatchLine(r, rl.line_id, rl.sku));
    if (rl.quantity <= 0 || returned[i] + rl.quantity > r.lines[i].fulfilled) {
      return Fail(Precondition(
          fmt::format("{} returns {} of {} but only {} were fulfilled and not returned", id,
                      rl.quantity, r.lines[i].sku, r.lines[i].fulfilled - returned[i]),
          "lines"));
    }
    returned[i] += rl.quantity;
  }
  return returned;
}
}  // namespace

Result<Applied> OrderBook::ApplyReturn(const Return& ret) {
  const std::string key = "return:" + ret.return_id;
  if (ret.order_id.empty()) {
    if (!orderless_events_.insert(key).second) {
      return Duplicate();
    }
    return Applied::kApplied;
  }
  HUB_TRY(OrderRecord * r, MutableOrPredecessor(ret.order_id, "return " + ret.return_id));
  if (r->applied.contains(key)) {
    return Duplicate();
  }
  HUB_TRY(const std::vector<std::int64_t> returned, ReturnedAfter(*r, key, ret.lines));
  for (std::size_t i = 0; i < r->lines.size(); ++i) {
    r->lines[i].returned = returned[i];
  }
  r->applied.insert(key);
  r->timeline.push_back(Timeline("return.created", ret.occurred_at, ret.lineage));
  r->status = DeriveStatus(*r);
  return Applied::kApplied;
}

Result<Applied> OrderBook::ApplyRefund(const Refund& refund) {
  HUB_TRY(OrderRecord * r, MutableOrPredecessor(refund.order_id, "refund " + refund.refund_id));
  const std::string key = "refund:" + refund.refund_id;
  if (r->applied.contains(key)) {
    return Duplicate();
  }
  // Refund line items without a separate return are the return (Shopify).
  if (refund.return_id.empty() && !refund.lines.empty()) {
    HUB_TRY(const std::vector<std::int64_t> returned, ReturnedAfter(*r, key, refund.lines));
    for (std::size_t i = 0; i < r->lines.size(); ++i) {
      r->lines[i].returned = returned[i];
    }
  }
  r->applied.insert(key);
  r->timeline.push_back(Timeline("refund.created", refund.occurred_at, refund.lineage));
  r->status = DeriveStatus(*r);
  return Applied::kApplied;
}

Result<Applied> OrderBook::ApplyCancellation(const Cancellation& c) {
  HUB_TRY(OrderRecord * r, MutableOrPredecessor(c.order_id, "cancellation"));
  if (r->cancelled) {
    return Duplicate();
  }
  for (const LineState& l : r->lines) {
    if (l.fulfilled > 0) {
      return Fail(Precondition(
          fmt::format("order '{}' has fulfilled lines: cancel by return instead", c.order_id),
          "status"));
    }
  }
  r->cancelled = true;
  r->applied.insert("cancellation:" + c.order_id);
  r->timeline.push_back(Timeline("order.cancelled", c.occurred_at, c.lineage));
  r->status = DeriveStatus(*r);
  return Applied::kApplied;
}

Result<Applied> OrderBook::ApplyDispute(const Dispute& d) {
  const std::string key = fmt::format("dispute:{}:{}", d.dispute_id, d.status);
  if (d.order_id.empty()) {
    if (!orderless_events_.insert(key).second) {
      return Duplicate();
    }
    return Applied::kApplied;
  }
  HUB_TRY(OrderRecord * r, MutableOrPredecessor(d.order_id, "dispute " + d.dispute_id));
  if (r->applied.contains(key)) {
    return Duplicate();
  }
  r->applied.insert(key);
  r->timeline.push_back(Timeline("dispute." + d.status, d.occurred_at, d.lineage));
  return Applied::kApplied;
}

Result<Applied> OrderBook::ApplyClose(std::string_view order_id, Instant at,
                                      const Lineage& lineage) {
  HUB_TRY(OrderRecord * r, MutableOrPredecessor(order_id, "close"));
  if (r->closed) {
    return Duplicate();
  }
  r->closed = true;
  r->timeline.push_back(Timeline("order.closed", at, lineage));
  r->status = DeriveStatus(*r);
  return Applied::kApplied;
}

std::optional<Money> OrderBook::LowestRecentPrice(std::string_view sku, Instant as_of,
                                                  std::int64_t lookback_days) const {
  auto it = prices_.find(sku);
  if (it == prices_.end()) {
    return std::nullopt;
  }
  const Instant from{as_of.micros - lookback_days * kMicrosPerDay};
  std::optional<Money> lowest;
  for (const PricePoint& p : it->second) {
    if (p.at <= from || as_of < p.at) {
      continue;
    }
    if (!lowest.has_value() || p.unit_net.minor_units() < lowest->minor_units()) {
      lowest = p.unit_net;
    }
  }
  return lowest;
}

}  // namespace hub::orders
