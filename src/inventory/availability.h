// Availability: stock per SKU x location, fed by every channel. On hand comes
// from adjustments and counts, reserved from open orders (released on cancel,
// consumed on fulfilment), restocked by restockable returns; available = on
// hand - reserved. Every change returns AvailabilityChanged for the caller to
// emit as `inventory.availability_changed`. Not here: persistence (the caller
// stores ToJson()), costs (orders/posting.h). Invariants: on hand and reserved
// are never negative; a rejected event (oversell, negative stock) changes
// nothing. Thread-compatible: one writer at a time.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/model.h"
#include "core/result.h"

namespace hub::inventory {

struct AvailabilityChanged {
  std::string sku;
  std::string location;
  std::int64_t on_hand = 0;
  std::int64_t reserved = 0;
  std::int64_t available = 0;  // on_hand - reserved; negative only after a count below reserved
  friend bool operator==(const AvailabilityChanged&, const AvailabilityChanged&) = default;
};

struct StockLevel {
  std::int64_t on_hand = 0;
  std::int64_t reserved = 0;
  friend bool operator==(const StockLevel&, const StockLevel&) = default;
};

struct AvailabilityOptions {
  // Where an order without a location (web, ship) reserves its stock.
  std::string default_location = "WH-01";
};

class Availability {
 public:
  explicit Availability(AvailabilityOptions options = {}) : options_(std::move(options)) {}

  // A delta or, when on_hand is set, a count. kFailedPrecondition when a
  // delta would take on hand below zero.
  Result<AvailabilityChanged> Adjust(const InventoryAdjustment& a);
  // Reserves (or re-reserves, after an order edit) the order's quantities.
  // All or nothing: an oversell is kFailedPrecondition naming sku, location,
  // available and requested, and reserves nothing.
  Result<std::vector<AvailabilityChanged>> Reserve(const Order& order);
  // Cancellation: releases what the order still holds.
  Result<std::vector<AvailabilityChanged>> Release(std::string_view order_id);
  // Shipment or pickup: consumes the reservation and takes the units off hand
  // at the fulfilment location. A repeated fulfillment id changes nothing.
  Result<std::vector<AvailabilityChanged>> Consume(const Fulfillment& f);
  // Restockable return lines go back on hand at the return's location.
  Result<std::vector<AvailabilityChanged>> Restock(const Return& r);

  StockLevel Level(std::string_view sku, std::string_view location) const;
  AvailabilityChanged Snapshot(std::string_view sku, std::string_view location) const;
  // Every location holding or reserving `sku`, in location order.
  std::vector<AvailabilityChanged> ForSku(std::string_view sku) const;

  std::string ToJson() const;
  static Result<Availability> FromJson(std::string_view json, AvailabilityOptions options = {});

 private:
  using Key = std::pair<std::string, std::string>;  // sku, location
  struct Held {
    Key key;
    std::int64_t quantity = 0;
  };
  AvailabilityChanged Changed(const Key& k) const;
  std::vector<AvailabilityChanged> ChangedAll(const std::set<Key>& keys) const;

  AvailabilityOptions options_;
  std::map<Key, StockLevel> levels_;
  std::map<std::string, std::vector<Held>, std::less<>> reservations_;  // by order id
  std::set<std::string, std::less<>> applied_;  // "fulfillment:<id>", "return:<id>"
};

}  // namespace hub::inventory
