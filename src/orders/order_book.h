// OrderBook: the lifecycle state of every order, fed by canonical records
// (order created/updated, tender captured/voided, fulfillment, return, refund,
// cancellation, dispute). Owns the state machine, stale-update detection,
// event de-duplication, the per-order timeline and the recent-price history
// used for returns without receipt. Not here: money movements (posting.h)
// and stock (inventory/). Invariant: per line, returned <= fulfilled <=
// quantity. State is plain structs, serializable to compact JSON.
// Thread-compatible: one writer at a time (the bus serializes per order key).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"
#include "core/result.h"

namespace hub::orders {

// Persisted by name in the JSON state; append only.
enum class OrderStatus : std::uint8_t {
  kPlaced = 1,
  kPartlyPaid = 2,
  kPaid = 3,
  kPartlyFulfilled = 4,
  kFulfilled = 5,
  kPartlyReturned = 6,
  kReturned = 7,
  kClosed = 8,
  kCancelled = 9,
};
std::string_view OrderStatusName(OrderStatus s);

// An order cancelled at the source (no canonical type in core/model.h yet).
struct Cancellation {
  std::string order_id;
  std::string reason;
  Instant occurred_at;
  Lineage lineage;
};

// One applied event on an order's timeline.
struct TimelineEntry {
  std::string type;  // "order.created", "tender.captured", "fulfillment.created", …
  Instant at;
  std::string source_system;
  std::string source_id;
  std::string correlation_id;
  std::string message_id;
  friend bool operator==(const TimelineEntry&, const TimelineEntry&) = default;
};

struct TaxShare {
  std::string code;
  Money amount;  // for the full ordered quantity
  friend bool operator==(const TaxShare&, const TaxShare&) = default;
};

struct LineState {
  std::string line_id;
  std::string sku;
  std::int64_t quantity = 0;
  std::int64_t fulfilled = 0;
  std::int64_t returned = 0;
  Money unit_price;  // as sold, before discounts
  // Revenue for the full quantity: price x quantity - line discounts - this
  // line's share of the order-level discounts (largest remainder), less tax
  // when the order's prices include tax. Partial fulfilments and returns
  // take it pro rata, so the promotion is honoured on partial returns.
  Money net;
  std::vector<TaxShare> taxes;
  bool gift_card = false;
  friend bool operator==(const LineState&, const LineState&) = default;
};

struct TenderState {
  std::string tender_id;
  TenderKind kind = TenderKind::kCard;
  std::string gateway;
  std::string gift_card_id;
  Money captured;  // zero until captured
  Money refunded;  // returned to this tender so far
  std::optional<Money> presentment;
  bool voided = false;
  friend bool operator==(const TenderState&, const TenderState&) = default;
};

struct OrderRecord {
  std::string order_id;
  std::string order_number;
  Channel channel = Channel::kWeb;
  std::string location_id;
  FulfillmentMethod method = FulfillmentMethod::kShip;
  std::string customer;  // canonical id when resolved, else the source customer id
  Currency currency;
  std::optional<Currency> presentment_currency;
  bool marketplace_collects_tax = false;
  std::vector<LineState> lines;
  Money shipping_net;
  std::vector<TaxShare> shipping_taxes;
  bool shipping_posted = false;
  Money total;
  std::vector<TenderState> tenders;
  bool cancelled = false;
  bool closed = false;
  OrderStatus status = OrderStatus::kPlaced;
  Instant updated_at;
  std::string source_version;
  std::set<std::string> applied;  // business event ids already applied ("fulfillment:F1")
  std::vector<TimelineEntry> timeline;
  Lineage lineage;  // of the order record last applied
  friend bool operator==(const OrderRecord&, const OrderRecord&) = default;

  const LineState* FindLine(std::string_view line_id) const;
  const TenderState* FindTender(std::string_view tender_id) const;
  Money Captured() const;  // sum of captured - refunded over tenders
};

enum class Applied : std::uint8_t {
  kApplied = 1,
  kStale = 2,      // older than what is applied: ignored and counted
  kDuplicate = 3,  // the same business event again: ignored
};

// Errors: kFailedPrecondition with field "predecessor" when the order is not
// known yet (the bus parks the event); kFailedPrecondition with field "lines"
// when quantities exceed what the state allows; kInvalidArgument for
// malformed records. On error the book is unchanged.
class OrderBook {
 public:
  // Largest number of prices kept per SKU for returns without receipt.
  static constexpr std::size_t kPriceHistoryPerSkuMax = 32;

  Result<Applied> ApplyOrder(const Order& order);
  // A tender of an order: status "captured" or "voided" (others: timeline only).
  Result<Applied> ApplyTender(std::string_view order_id, const Tender& tender,
                              const Lineage& lineage);
  Result<Applied> ApplyFulfillment(const Fulfillment& f);
  // A return without receipt (empty order_id) only de-duplicates.
  Result<Applied> ApplyReturn(const Return& r);
  Result<Applied> ApplyRefund(const Refund& r);
  Result<Applied> ApplyCancellation(const Cancellation& c);
  Result<Applied> ApplyDispute(const Dispute& d);
  // Closed at the source (archived / return window over).
  Result<Applied> ApplyClose(std::string_view order_id, Instant at, const Lineage& lineage);

  const OrderRecord* Find(std::string_view order_id) const;
  // kFailedPrecondition "predecessor" when the order is unknown.
  Result<const OrderRecord*> Require(std::string_view order_id) const;
  // Puts a record back as it was (or removes it): undo after a failed posting.
  void Restore(std::string_view order_id, const std::optional<OrderRecord>& before);
  // Records that refund amounts went to an order's tenders (engine-computed).
  Status AddRefunded(std::string_view order_id, const std::vector<Money>& by_tender);

  // Lowest net unit price of a SKU in orders placed in (as_of - lookback, as_of].
  std::optional<Money> LowestRecentPrice(std::string_view sku, Instant as_of,
                                         std::int64_t lookback_days) const;

  std::int64_t stale_ignored() const { return stale_ignored_; }
  std::int64_t duplicates_ignored() const { return duplicates_ignored_; }
  std::size_t size() const { return orders_.size(); }

  std::string ToJson() const;
  static Result<OrderBook> FromJson(std::string_view json);

 private:
  struct PricePoint {
    Instant at;
    Money unit_net;
  };
  OrderRecord* Mutable(std::string_view order_id);
  Result<OrderRecord*> MutableOrPredecessor(std::string_view order_id, std::string_view what);
  Applied Duplicate();

  std::map<std::string, OrderRecord, std::less<>> orders_;
  std::map<std::string, std::vector<PricePoint>, std::less<>> prices_;
  std::set<std::string, std::less<>> orderless_events_;  // returns without receipt
  std::int64_t stale_ignored_ = 0;
  std::int64_t duplicates_ignored_ = 0;
};

// The status the counters imply (cancelled and closed win).
OrderStatus DeriveStatus(const OrderRecord& r);

}  // namespace hub::orders
