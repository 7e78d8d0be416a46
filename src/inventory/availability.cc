// Availability: validate on a copy of the touched levels, then commit, so a
// rejected event leaves the projection unchanged.
#include "inventory/availability.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <exception>

namespace hub::inventory {
namespace {

constexpr std::int64_t kQuantityMax = 1'000'000'000;

Status CheckQuantity(std::int64_t q, std::string_view sku) {
  if (q <= 0 || q > kQuantityMax) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("quantity {} of sku '{}' is out of range", q, sku), "quantity");
  }
  return Ok();
}

}  // namespace

StockLevel Availability::Level(std::string_view sku, std::string_view location) const {
  auto it = levels_.find(Key{std::string(sku), std::string(location)});
  return it == levels_.end() ? StockLevel{} : it->second;
}

AvailabilityChanged Availability::Changed(const Key& k) const {
  const StockLevel l = Level(k.first, k.second);
  return AvailabilityChanged{k.first, k.second, l.on_hand, l.reserved, l.on_hand - l.reserved};
}

AvailabilityChanged Availability::Snapshot(std::string_view sku, std::string_view location) const {
  return Changed(Key{std::string(sku), std::string(location)});
}

std::vector<AvailabilityChanged> Availability::ChangedAll(const std::set<Key>& keys) const {
  std::vector<AvailabilityChanged> out;
  for (const Key& k : keys) {
    out.push_back(Changed(k));
  }
  return out;
}

Result<AvailabilityChanged> Availability::Adjust(const InventoryAdjustment& a) {
  if (a.sku.empty() || a.location_id.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "adjustment needs a sku and a location", "sku");
  }
  const Key k{a.sku, a.location_id};
  StockLevel l = Level(a.sku, a.location_id);
  if (a.on_hand.has_value()) {
    if (*a.on_hand < 0 || *a.on_hand > kQuantityMax) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("count {} of sku '{}' at '{}' is out of range", *a.on_hand, a.sku,
                              a.location_id),
                  "on_hand");
    }
    l.on_hand = *a.on_hand;
  } else {
    if (a.delta < -kQuantityMax || a.delta > kQuantityMax) {
      return Fail(ErrorCode::kInvalidArgument, fmt::format("delta {} is out of range", a.delta),
                  "delta");
    }
    if (l.on_hand + a.delta < 0) {
      return Fail(ErrorCode::kFailedPrecondition,
                  fmt::format("adjustment {} of sku '{}' at '{}' would leave on hand at {} (on "
                              "hand {}): count the location first",
                              a.delta, a.sku, a.location_id, l.on_hand + a.delta, l.on_hand),
                  "delta");
    }
    l.on_hand += a.delta;
  }
  levels_[k] = l;
  return Changed(k);
}

Result<std::vector<AvailabilityChanged>> Availability::Reserve(const Order& order) {
  const std::string location =
      order.location_id.empty() ? options_.default_location : order.location_id;
  std::map<Key, std::int64_t> wanted;
  for (const OrderLine& l : order.lines) {
    if (l.gift_card) {
      continue;  // no stock behind a gift card
    }
    HUB_TRY_STATUS(CheckQuantity(l.quantity, l.sku));
    wanted[Key{l.sku, location}] += l.quantity;
  }
  // What this order already holds counts as available to it (an order edit).
  std::map<Key, std::int64_t> held;
  if (auto it = reservations_.find(order.order_id); it != reservations_.end()) {
    for (const Held& h : it->second) {
      held[h.key] += h.quantity;
    }
  }
  for (const auto& [k, q] : wanted) {
    const StockLevel l = Level(k.first, k.second);
    const std::int64_t available = l.on_hand - l.reserved + held[k];
    if (q > available) {
      return Fail(ErrorCode::kFailedPrecondition,
                  fmt::format("order '{}' would oversell sku '{}' at '{}': available {}, "
                              "requested {}",
                              order.order_id, k.first, k.second, available, q),
                  "sku");
    }
  }
  std::set<Key> touched;
  for (const auto& [k, q] : held) {
    levels_[k].reserved -= q;
    touched.insert(k);
  }
  std::vector<Held> now;
  for (const auto& [k, q] : wanted) {
    levels_[k].reserved += q;
    now.push_back(Held{k, q});
    touched.insert(k);
  }
  reservations_.insert_or_assign(order.order_id, std::move(now));
  return ChangedAll(touched);
}

Result<std::vector<AvailabilityChanged>> Availability::Release(std::string_view order_id) {
  auto it = reservations_.find(order_id);
  if (it == reservations_.end()) {
    return std::vector<AvailabilityChanged>{};
  }
  std::set<Key> touched;
  for (const Held& h : it->second) {
    levels_[h.key].reserved -= h.quantity;
    touched.insert(h.key);
  }
  reservations_.erase(it);
  return ChangedAll(touched);
}

Result<std::vector<AvailabilityChanged>> Availability::Consume(const Fulfillment& f) {
  const std::string event = "fulfillment:" + f.fulfillment_id;
  if (applied_.contains(event)) {
    return std::vector<AvailabilityChanged>{};
  }
  std::vector<Held> held;
  if (auto it = reservations_.find(f.order_id); it != reservations_.end()) {
    held = it->second;
  }
  std::map<Key, StockLevel> next;  // the touched levels, committed only if all is valid
  auto level = [&](const Key& k) -> StockLevel& {
    auto [it, inserted] = next.try_emplace(k, Level(k.first, k.second));
    return it->second;
  };
  for (const FulfillmentLine& fl : f.lines) {
    HUB_TRY_STATUS(CheckQuantity(fl.quantity, fl.sku));
    const std::string location = f.location_id.empty() ? options_.default_location : f.location_id;
    std::int64_t remaining = fl.quantity;
    for (Held& h : held) {  // consume the order's reservation, wherever it was held
      if (h.key.first != fl.sku || remaining == 0) {
        continue;
      }
      const std::int64_t take = std::min(h.quantity, remaining);
      h.quantity -= take;
      level(h.key).reserved -= take;
      remaining -= take;
    }
    StockLevel& at = level(Key{fl.sku, location});
    if (at.on_hand < fl.quantity) {
      return Fail(ErrorCode::kFailedPrecondition,
                  fmt::format("fulfillment {} takes {} of sku '{}' at '{}' but on hand is {}",
                              f.fulfillment_id, fl.quantity, fl.sku, location, at.on_hand),
                  "sku");
    }
    at.on_hand -= fl.quantity;
  }
  std::set<Key> touched;
  for (auto& [k, l] : next) {
    levels_[k] = l;
    touched.insert(k);
  }
  if (auto it = reservations_.find(f.order_id); it != reservations_.end()) {
    std::erase_if(held, [](const Held& h) { return h.quantity == 0; });
    if (held.empty()) {
      reservations_.erase(it);
    } else {
      it->second = std::move(held);
    }
  }
  applied_.insert(event);
  return ChangedAll(touched);
}

Result<std::vector<AvailabilityChanged>> Availability::Restock(const Return& r) {
  const std::string event = "return:" + r.return_id;
  if (applied_.contains(event)) {
    return std::vector<AvailabilityChanged>{};
  }
  const std::string location = r.location_id.empty() ? options_.default_location : r.location_id;
  for (const ReturnLine& rl : r.lines) {
    HUB_TRY_STATUS(CheckQuantity(rl.quantity, rl.sku));
  }
  std::set<Key> touched;
  for (const ReturnLine& rl : r.lines) {
    if (!rl.restock) {
      continue;
    }
    const Key k{rl.sku, location};
    levels_[k].on_hand += rl.quantity;
    touched.insert(k);
  }
  applied_.insert(event);
  return ChangedAll(touched);
}

namespace json = boost::json;

std::string Availability::ToJson() const {
  json::array levels;
  for (const auto& [k, l] : levels_) {
    levels.push_back(
        json::array{json::string(k.first), json::string(k.second), l.on_hand, l.reserved});
  }
  json::object reservations;
  for (const auto& [order, held] : reservations_) {
    json::array a;
    for (const Held& h : held) {
      a.push_back(json::array{json::string(h.key.first), json::string(h.key.second), h.quantity});
    }
    reservations[order] = std::move(a);
  }
  json::array applied;
  for (const std::string& e : applied_) {
    applied.push_back(json::string(e));
  }
  return json::serialize(json::object{{"v", 1},
                                      {"levels", std::move(levels)},
                                      {"reservations", std::move(reservations)},
                                      {"applied", std::move(applied)}});
}

Result<Availability> Availability::FromJson(std::string_view text, AvailabilityOptions options) {
  boost::system::error_code ec;
  const json::value doc = json::parse(text, ec);
  if (ec) {
    return Fail(ErrorCode::kParse, fmt::format("availability state is not JSON: {}", ec.message()));
  }
  Availability a(std::move(options));
  try {  // Boost.JSON throws on a missing key or a wrong type
    const json::object& o = doc.as_object();
    if (o.at("v").as_int64() != 1) {
      return Fail(ErrorCode::kParse, "availability state has an unknown version", "v");
    }
    for (const json::value& v : o.at("levels").as_array()) {
      const json::array& l = v.as_array();
      const StockLevel level{l.at(2).as_int64(), l.at(3).as_int64()};
      if (level.on_hand < 0 || level.reserved < 0) {
        return Fail(ErrorCode::kParse, "availability state has a negative level", "levels");
      }
      a.levels_[Key{std::string(l.at(0).as_string()), std::string(l.at(1).as_string())}] = level;
    }
    for (const auto& [order, held] : o.at("reservations").as_object()) {
      std::vector<Held>& hs = a.reservations_[std::string(order)];
      for (const json::value& v : held.as_array()) {
        const json::array& h = v.as_array();
        hs.push_back(Held{Key{std::string(h.at(0).as_string()), std::string(h.at(1).as_string())},
                          h.at(2).as_int64()});
      }
    }
    for (const json::value& v : o.at("applied").as_array()) {
      a.applied_.insert(std::string(v.as_string()));
    }
  } catch (const std::exception& e) {
    return Fail(ErrorCode::kParse, fmt::format("availability state is malformed: {}", e.what()));
  }
  return a;
}

std::vector<AvailabilityChanged> Availability::ForSku(std::string_view sku) const {
  std::vector<AvailabilityChanged> out;
  for (auto it = levels_.lower_bound(Key{std::string(sku), ""});
       it != levels_.end() && it->first.first == sku; ++it) {
    out.push_back(Changed(it->first));
  }
  return out;
}

}  // namespace hub::inventory
