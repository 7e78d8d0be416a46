#include "app/views.h"

#include <fmt/format.h>

#include "core/json.h"
#include "core/model_json.h"

namespace hub::app {

namespace json = boost::json;

json::object TrialBalanceJson(const ledger::Journal& j, std::optional<Instant> as_of, Instant now) {
  json::array accounts;
  for (const auto& row : j.TrialBalance(as_of)) {
    accounts.push_back(json::object{{"account", row.account},
                                    {"name", row.name},
                                    {"currency", row.balance.currency().code()},
                                    {"debit", row.debit.ToDecimal()},
                                    {"credit", row.credit.ToDecimal()},
                                    {"balance", row.balance.ToDecimal()}});
  }
  return json::object{{"as_of", FormatRfc3339(as_of ? *as_of : now)}, {"accounts", accounts}};
}

json::object EntryJson(const ledger::StoredEntry& e) {
  const auto& d = e.draft;
  json::array postings;
  for (const auto& p : d.postings) {
    json::object dims;
    auto put = [&](const char* k, const std::string& v) {
      if (!v.empty()) {
        dims[k] = v;
      }
    };
    put("order", p.dims.order_id);
    put("channel", p.dims.channel);
    put("location", p.dims.location);
    put("gateway", p.dims.gateway);
    put("customer", p.dims.customer);
    put("payout", p.dims.payout);
    const bool debit = p.amount.minor_units() >= 0;
    const Money abs(debit ? p.amount.minor_units() : -p.amount.minor_units(), p.amount.currency());
    postings.push_back(json::object{{"account", p.account},
                                    {"debit", debit ? abs.ToDecimal() : ""},
                                    {"credit", debit ? "" : abs.ToDecimal()},
                                    {"currency", p.amount.currency().code()},
                                    {"memo", p.memo},
                                    {"dimensions", dims}});
  }
  return json::object{{"id", e.id},
                      {"idempotency_key", d.idempotency_key},
                      {"event_type", d.event_type},
                      {"effective_at", FormatRfc3339(d.effective_at)},
                      {"description", d.description},
                      {"source_system", d.source_system},
                      {"source_id", d.source_id},
                      {"message_id", d.message_id},
                      {"correlation_id", d.correlation_id},
                      {"reverses_entry_id", d.reverses_entry_id},
                      {"reversed_by", e.reversed_by},
                      {"postings", postings}};
}

Result<json::object> OrderJson(const orders::OrderBook& book, const std::string& id) {
  const orders::OrderRecord* o = book.Find(id);
  if (o == nullptr) {
    return Fail(ErrorCode::kNotFound, fmt::format("no order {}", id), "id");
  }
  json::array lines;
  for (const auto& l : o->lines) {
    lines.push_back(json::object{{"line_id", l.line_id},
                                 {"sku", l.sku},
                                 {"quantity", l.quantity},
                                 {"fulfilled", l.fulfilled},
                                 {"returned", l.returned},
                                 {"unit_price", l.unit_price.ToDecimal()},
                                 {"net", l.net.ToDecimal()}});
  }
  json::array tenders;
  for (const auto& t : o->tenders) {
    tenders.push_back(json::object{{"tender_id", t.tender_id},
                                   {"kind", ToString(t.kind)},
                                   {"gateway", t.gateway},
                                   {"captured", t.captured.ToDecimal()},
                                   {"refunded", t.refunded.ToDecimal()},
                                   {"voided", t.voided}});
  }
  json::array timeline;
  for (const auto& t : o->timeline) {
    timeline.push_back(json::object{{"type", t.type},
                                    {"at", FormatRfc3339(t.at)},
                                    {"source", t.source_system},
                                    {"source_id", t.source_id},
                                    {"correlation_id", t.correlation_id},
                                    {"message_id", t.message_id}});
  }
  return json::object{{"order_id", o->order_id},
                      {"order_number", o->order_number},
                      {"status", orders::OrderStatusName(o->status)},
                      {"channel", ToString(o->channel)},
                      {"location", o->location_id},
                      {"fulfillment_method", ToString(o->method)},
                      {"customer", o->customer},
                      {"currency", o->currency.code()},
                      {"total", o->total.ToDecimal()},
                      {"lines", lines},
                      {"tenders", tenders},
                      {"timeline", timeline}};
}

json::array AvailabilityJson(const inventory::Availability& a, const std::string& sku,
                             const std::string& location) {
  json::array out;
  auto add = [&](const inventory::AvailabilityChanged& c) {
    out.push_back(json::object{{"sku", c.sku},
                               {"location", c.location},
                               {"on_hand", c.on_hand},
                               {"reserved", c.reserved},
                               {"available", c.available}});
  };
  if (!location.empty()) {
    add(a.Snapshot(sku, location));
  } else {
    for (const auto& c : a.ForSku(sku)) {
      add(c);
    }
  }
  return out;
}

Result<json::object> CustomerJson(const identity::Resolver& r, const std::string& id) {
  if (!id.starts_with("cus_")) {
    return Fail(ErrorCode::kInvalidArgument, "customer ids look like cus_<n>", "id");
  }
  identity::CustomerId cid;
  try {
    cid.value = std::stoull(id.substr(4));
  } catch (...) {
    return Fail(ErrorCode::kInvalidArgument, "customer ids look like cus_<n>", "id");
  }
  HUB_TRY(identity::GoldenRecord g, r.Golden(cid));
  json::object values, lineage;
  for (std::size_t i = 0; i < identity::kFieldCount; ++i) {
    const auto& v = g.values[i];
    if (!v) {
      continue;
    }
    const std::string name(identity::FieldName(static_cast<identity::Field>(i)));
    values[name] = v->value;
    lineage[name] =
        json::object{{"source", v->lineage.source}, {"source_id", v->lineage.source_id}};
  }
  json::array sources;
  for (const auto& m : g.members) {
    sources.push_back(json::object{{"source", m.source}, {"source_id", m.id}});
  }
  return json::object{{"id", g.id.ToString()},
                      {"erased", g.erased},
                      {"values", values},
                      {"lineage", lineage},
                      {"sources", sources}};
}

json::object ExplanationJson(const identity::Explanation& e) {
  json::array fields;
  for (const auto& f : e.fields) {
    fields.push_back(json::object{{"field", identity::CmpFieldName(f.field)},
                                  {"level", f.level},
                                  {"weight", f.weight},
                                  {"tf_adjustment", f.tf_adjustment}});
  }
  return json::object{{"fields", fields},
                      {"prior_weight", e.prior_weight},
                      {"total_weight", e.total_weight},
                      {"probability", e.probability},
                      {"band", identity::BandName(e.band)},
                      {"rule", e.rule}};
}

boost::json::object FailureJson(const bus::Failure& f, bool with_attempts) {
  boost::json::object o{{"id", f.id},
                        {"kind", f.kind},
                        {"stage", f.stage},
                        {"state", f.state},
                        {"reason", f.reason_code},
                        {"message", f.message},
                        {"field", f.field},
                        {"source", f.source},
                        {"topic", f.topic},
                        {"message_id", f.message_id},
                        {"event_id", f.event_id},
                        {"event_type", f.event_type},
                        {"correlation_id", f.correlation_id},
                        {"created_at", FormatRfc3339(f.created_at)},
                        {"finance", f.finance}};
  if (with_attempts) {
    boost::system::error_code ec;
    auto a = boost::json::parse(f.attempts, ec);
    o["attempts"] = ec ? boost::json::value(boost::json::array{}) : a;
    o["resolution"] = f.resolution;
  }
  return o;
}

}  // namespace hub::app
