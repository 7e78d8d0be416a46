// OrderBook <-> compact JSON, so the state can be persisted or inspected. Money is
// written as "12.30 USD", instants as int64 microseconds, enums as their
// frozen numbers. Boost.JSON throws on a missing key or a wrong type; that is
// caught here, at the edge, and returned as kParse.
#include <fmt/format.h>

#include <boost/json.hpp>
#include <exception>

#include "orders/order_book.h"

namespace hub::orders {
namespace json = boost::json;
namespace {

json::string MoneyOut(const Money& m) {
  return m.currency().valid() ? json::string(m.ToString()) : json::string();
}

// Throws std::invalid_argument on a bad amount (caught in FromJson).
Money MoneyIn(const json::value& v) {
  const std::string_view s = v.as_string();
  if (s.empty()) {
    return Money();
  }
  const std::size_t space = s.find(' ');
  auto m = space == std::string_view::npos ? Result<Money>(Fail(ErrorCode::kParse, "no currency"))
                                           : Money::Parse(s.substr(0, space), s.substr(space + 1));
  if (!m) {
    throw std::invalid_argument(m.error().ToString());
  }
  return *m;
}

std::string Str(const json::object& o, std::string_view key) {
  return std::string(o.at(key).as_string());
}

json::array TaxesOut(const std::vector<TaxShare>& taxes) {
  json::array a;
  for (const TaxShare& t : taxes) {
    a.push_back(json::array{json::string(t.code), MoneyOut(t.amount)});
  }
  return a;
}

std::vector<TaxShare> TaxesIn(const json::value& v) {
  std::vector<TaxShare> out;
  for (const json::value& t : v.as_array()) {
    const json::array& pair = t.as_array();
    out.push_back(TaxShare{std::string(pair.at(0).as_string()), MoneyIn(pair.at(1))});
  }
  return out;
}

json::object RecordOut(const OrderRecord& r) {
  json::array lines;
  for (const LineState& l : r.lines) {
    lines.push_back(json::object{{"id", l.line_id},
                                 {"sku", l.sku},
                                 {"q", l.quantity},
                                 {"f", l.fulfilled},
                                 {"r", l.returned},
                                 {"price", MoneyOut(l.unit_price)},
                                 {"net", MoneyOut(l.net)},
                                 {"tax", TaxesOut(l.taxes)},
                                 {"gc", l.gift_card}});
  }
  json::array tenders;
  for (const TenderState& t : r.tenders) {
    tenders.push_back(json::object{
        {"id", t.tender_id},
        {"kind", static_cast<int>(t.kind)},
        {"gw", t.gateway},
        {"gc", t.gift_card_id},
        {"cap", MoneyOut(t.captured)},
        {"ref", MoneyOut(t.refunded)},
        {"pres", t.presentment.has_value() ? MoneyOut(*t.presentment) : json::string()},
        {"void", t.voided}});
  }
  json::array timeline;
  for (const TimelineEntry& e : r.timeline) {
    timeline.push_back(json::array{json::string(e.type), e.at.micros, json::string(e.source_system),
                                   json::string(e.source_id), json::string(e.correlation_id),
                                   json::string(e.message_id)});
  }
  json::array applied;
  for (const std::string& k : r.applied) {
    applied.push_back(json::string(k));
  }
  const Lineage& l = r.lineage;
  return json::object{
      {"id", r.order_id},
      {"number", r.order_number},
      {"channel", static_cast<int>(r.channel)},
      {"location", r.location_id},
      {"method", static_cast<int>(r.method)},
      {"customer", r.customer},
      {"currency", r.currency.code()},
      {"presentment", r.presentment_currency.has_value() ? r.presentment_currency->code() : ""},
      {"mct", r.marketplace_collects_tax},
      {"lines", std::move(lines)},
      {"ship", MoneyOut(r.shipping_net)},
      {"ship_tax", TaxesOut(r.shipping_taxes)},
      {"ship_posted", r.shipping_posted},
      {"total", MoneyOut(r.total)},
      {"tenders", std::move(tenders)},
      {"cancelled", r.cancelled},
      {"closed", r.closed},
      {"status", static_cast<int>(r.status)},
      {"updated_at", r.updated_at.micros},
      {"version", r.source_version},
      {"applied", std::move(applied)},
      {"timeline", std::move(timeline)},
      {"lineage", json::array{json::string(l.source_system), json::string(l.source_account),
                              json::string(l.source_id), json::string(l.source_version),
                              json::string(l.correlation_id), json::string(l.message_id)}}};
}

Currency CurrencyIn(std::string_view code) {
  auto c = Currency::FromCode(code);
  if (!c) {
    throw std::invalid_argument(c.error().ToString());
  }
  return *c;
}

OrderRecord RecordIn(const json::object& o) {
  OrderRecord r;
  r.order_id = Str(o, "id");
  r.order_number = Str(o, "number");
  r.channel = static_cast<Channel>(o.at("channel").as_int64());
  r.location_id = Str(o, "location");
  r.method = static_cast<FulfillmentMethod>(o.at("method").as_int64());
  r.customer = Str(o, "customer");
  r.currency = CurrencyIn(o.at("currency").as_string());
  if (const std::string p = Str(o, "presentment"); !p.empty()) {
    r.presentment_currency = CurrencyIn(p);
  }
  r.marketplace_collects_tax = o.at("mct").as_bool();
  for (const json::value& v : o.at("lines").as_array()) {
    const json::object& l = v.as_object();
    r.lines.push_back(LineState{Str(l, "id"), Str(l, "sku"), l.at("q").as_int64(),
                                l.at("f").as_int64(), l.at("r").as_int64(), MoneyIn(l.at("price")),
                                MoneyIn(l.at("net")), TaxesIn(l.at("tax")), l.at("gc").as_bool()});
  }
  r.shipping_net = MoneyIn(o.at("ship"));
  r.shipping_taxes = TaxesIn(o.at("ship_tax"));
  r.shipping_posted = o.at("ship_posted").as_bool();
  r.total = MoneyIn(o.at("total"));
  for (const json::value& v : o.at("tenders").as_array()) {
    const json::object& t = v.as_object();
    TenderState s{Str(t, "id"),         static_cast<TenderKind>(t.at("kind").as_int64()),
                  Str(t, "gw"),         Str(t, "gc"),
                  MoneyIn(t.at("cap")), MoneyIn(t.at("ref")),
                  std::nullopt,         t.at("void").as_bool()};
    if (!t.at("pres").as_string().empty()) {
      s.presentment = MoneyIn(t.at("pres"));
    }
    r.tenders.push_back(std::move(s));
  }
  r.cancelled = o.at("cancelled").as_bool();
  r.closed = o.at("closed").as_bool();
  r.status = static_cast<OrderStatus>(o.at("status").as_int64());
  r.updated_at = Instant{o.at("updated_at").as_int64()};
  r.source_version = Str(o, "version");
  for (const json::value& v : o.at("applied").as_array()) {
    r.applied.insert(std::string(v.as_string()));
  }
  for (const json::value& v : o.at("timeline").as_array()) {
    const json::array& e = v.as_array();
    r.timeline.push_back(
        TimelineEntry{std::string(e.at(0).as_string()), Instant{e.at(1).as_int64()},
                      std::string(e.at(2).as_string()), std::string(e.at(3).as_string()),
                      std::string(e.at(4).as_string()), std::string(e.at(5).as_string())});
  }
  const json::array& l = o.at("lineage").as_array();
  r.lineage = Lineage{std::string(l.at(0).as_string()), std::string(l.at(1).as_string()),
                      std::string(l.at(2).as_string()), std::string(l.at(3).as_string()),
                      std::string(l.at(4).as_string()), std::string(l.at(5).as_string())};
  return r;
}

}  // namespace

std::string OrderBook::ToJson() const {
  json::array orders;
  for (const auto& [id, r] : orders_) {
    orders.push_back(RecordOut(r));
  }
  json::object prices;
  for (const auto& [sku, points] : prices_) {
    json::array a;
    for (const PricePoint& p : points) {
      a.push_back(json::array{p.at.micros, MoneyOut(p.unit_net)});
    }
    prices[sku] = std::move(a);
  }
  json::array orderless;
  for (const std::string& k : orderless_events_) {
    orderless.push_back(json::string(k));
  }
  return json::serialize(json::object{{"v", 1},
                                      {"orders", std::move(orders)},
                                      {"prices", std::move(prices)},
                                      {"orderless", std::move(orderless)},
                                      {"stale", stale_ignored_},
                                      {"dup", duplicates_ignored_}});
}

Result<OrderBook> OrderBook::FromJson(std::string_view text) {
  boost::system::error_code ec;
  const json::value doc = json::parse(text, ec);
  if (ec) {
    return Fail(ErrorCode::kParse, fmt::format("order book state is not JSON: {}", ec.message()));
  }
  OrderBook book;
  try {
    const json::object& o = doc.as_object();
    if (o.at("v").as_int64() != 1) {
      return Fail(ErrorCode::kParse, "order book state has an unknown version", "v");
    }
    for (const json::value& v : o.at("orders").as_array()) {
      OrderRecord r = RecordIn(v.as_object());
      std::string id = r.order_id;
      book.orders_.insert_or_assign(std::move(id), std::move(r));
    }
    for (const auto& [sku, points] : o.at("prices").as_object()) {
      std::vector<PricePoint>& history = book.prices_[std::string(sku)];
      for (const json::value& p : points.as_array()) {
        history.push_back(
            PricePoint{Instant{p.as_array().at(0).as_int64()}, MoneyIn(p.as_array().at(1))});
      }
    }
    for (const json::value& v : o.at("orderless").as_array()) {
      book.orderless_events_.insert(std::string(v.as_string()));
    }
    book.stale_ignored_ = o.at("stale").as_int64();
    book.duplicates_ignored_ = o.at("dup").as_int64();
  } catch (const std::exception& e) {
    return Fail(ErrorCode::kParse, fmt::format("order book state is malformed: {}", e.what()));
  }
  return book;
}

}  // namespace hub::orders
