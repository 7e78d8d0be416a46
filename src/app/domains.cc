#include "app/domains.h"

#include "app/erasure.h"

#include <fmt/format.h>
#include <boost/json.hpp>

#include "core/model_json.h"
#include "obs/log.h"
#include "obs/metrics.h"

namespace hub::app {
namespace {

constexpr store::Migration kMigrations[] = {
    {"domains", 1,
     R"sql(
CREATE TABLE inventory_changes (
  seq INTEGER PRIMARY KEY,
  sku TEXT NOT NULL,
  location TEXT NOT NULL,
  on_hand INTEGER NOT NULL,
  reserved INTEGER NOT NULL,
  available INTEGER NOT NULL,
  event_id TEXT NOT NULL
);
CREATE TABLE identity_events (
  seq INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  from_id TEXT NOT NULL,
  to_id TEXT NOT NULL,
  record TEXT NOT NULL,
  reason TEXT NOT NULL,
  event_id TEXT NOT NULL
);
CREATE TABLE identity_actions (
  seq INTEGER PRIMARY KEY,
  action TEXT NOT NULL,
  a TEXT NOT NULL,
  b TEXT NOT NULL,
  actor TEXT NOT NULL,
  at INTEGER NOT NULL,
  after_message_seq INTEGER NOT NULL
);
)sql"},
};

template <typename T>
Result<T> Data(const Event& e) {
  return FromJson<T>(boost::json::value(e.data), "data");
}

Result<Lineage> LineageOf(const Event& e, const bus::RawMessage* msg) {
  Lineage l;
  l.source_system = e.source.system;
  l.source_account = e.source.account;
  l.source_id = e.source.id;
  l.correlation_id = e.correlation_id;
  if (msg != nullptr) {
    l.message_id = msg->id;
    if (l.correlation_id.empty()) {
      l.correlation_id = msg->correlation_id;
    }
  }
  return l;
}

// Fills in what connectors cannot know: the inbox message and correlation id.
template <typename T>
void Stamp(T& record, const Event& e, const bus::RawMessage* msg) {
  if (msg != nullptr && record.lineage.message_id.empty()) {
    record.lineage.message_id = msg->id;
  }
  // The inbound message's correlation id wins (X-Correlation-Id or
  // traceparent), so every record of one delivery shares it.
  if (!e.correlation_id.empty()) {
    record.lineage.correlation_id = e.correlation_id;
  } else if (record.lineage.correlation_id.empty() && msg != nullptr) {
    record.lineage.correlation_id = msg->correlation_id;
  }
}

class LedgerHandler final : public bus::Handler {
 public:
  explicit LedgerHandler(FinanceDomain& d) : d_(d) {}
  std::string_view domain() const override { return "ledger"; }
  bool finance() const override { return true; }
  bool Wants(const Event& e) const override {
    const std::string& t = e.type;
    return t.starts_with("order.") || t.starts_with("tender.") || t == "fulfillment.created" ||
           t == "return.created" || t == "refund.created" || t == "gift_card.activity" ||
           t == "payout.paid" || t.starts_with("dispute.");
  }
  store::Connection* connection() override { return &d_.journal->connection(); }
  std::mutex* connection_mutex() override { return &d_.mu; }
  Status Apply(const Event& e, const bus::RawMessage& m, store::Connection&) override {
    // d_.mu is held by the bus for the whole transaction.
    return ApplyFinanceEvent(d_, e, &m, true);
  }
  void OnRollback() override {
    // The journal and the order book go back to what the store holds.
    if (auto st = d_.journal->Resync(); !st) {
      obs::LogError("ledger.resync_failed", "", {{"error", st.error().ToString()}});
    }
    d_.book = orders::OrderBook();
    auto conn = &d_.journal->connection();
    auto st = RebuildDomain(*conn, "ledger", [this](const Event& e) {
      return ApplyFinanceEvent(d_, e, nullptr, false);
    });
    if (!st) {
      obs::LogError("ledger.rebuild_failed", "", {{"error", st.error().ToString()}});
    }
  }

 private:
  FinanceDomain& d_;
};

class InventoryHandler final : public bus::Handler {
 public:
  explicit InventoryHandler(InventoryDomain& d) : d_(d) {}
  std::string_view domain() const override { return "inventory"; }
  bool Wants(const Event& e) const override {
    return e.type == "order.created" || e.type == "order.cancelled" ||
           e.type == "fulfillment.created" || e.type == "return.created" ||
           e.type == "inventory.adjusted";
  }
  Status Apply(const Event& e, const bus::RawMessage&, store::Connection& tx) override {
    std::lock_guard l(d_.mu);
    snapshot_ = d_.availability.ToJson();
    return ApplyInventoryEvent(d_, e, &tx);
  }
  void OnRollback() override {
    std::lock_guard l(d_.mu);
    auto restored = inventory::Availability::FromJson(snapshot_);
    if (restored) {
      d_.availability = std::move(*restored);
    }
  }

 private:
  InventoryDomain& d_;
  std::string snapshot_;
};

class IdentityHandler final : public bus::Handler {
 public:
  explicit IdentityHandler(IdentityDomain& d) : d_(d) {}
  std::string_view domain() const override { return "identity"; }
  bool Wants(const Event& e) const override {
    return e.type == "customer.upserted" || e.type == "order.created";
  }
  Status Apply(const Event& e, const bus::RawMessage&, store::Connection& tx) override {
    std::lock_guard l(d_.mu);
    return ApplyIdentityEvent(d_, e, &tx);
  }

 private:
  IdentityDomain& d_;
};

Status PostDrafts(FinanceDomain& d, std::vector<ledger::EntryDraft>& drafts, const Event& e,
                  const bus::RawMessage* msg) {
  if (drafts.empty()) {
    return Ok();
  }
  for (auto& dr : drafts) {
    if (dr.message_id.empty() && msg != nullptr) {
      dr.message_id = msg->id;
    }
    if (dr.correlation_id.empty()) {
      dr.correlation_id = e.correlation_id;
    }
  }
  auto results = d.journal->PostBatch(drafts);
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (!results[i]) {
      Error err = results[i].error();
      err.message = fmt::format("entry {}: {}", drafts[i].idempotency_key, err.message);
      return Fail(std::move(err));
    }
  }
  return Ok();
}

}  // namespace

std::span<const store::Migration> DomainMigrations() { return kMigrations; }

std::unique_ptr<bus::Handler> MakeLedgerHandler(FinanceDomain& d) {
  return std::make_unique<LedgerHandler>(d);
}
std::unique_ptr<bus::Handler> MakeInventoryHandler(InventoryDomain& d) {
  return std::make_unique<InventoryHandler>(d);
}
std::unique_ptr<bus::Handler> MakeIdentityHandler(IdentityDomain& d) {
  return std::make_unique<IdentityHandler>(d);
}

Status RebuildDomain(store::Connection& conn, std::string_view domain,
                     const std::function<Status(const Event&)>& apply,
                     const std::function<void(std::int64_t)>& before_message) {
  HUB_TRY(store::Statement * q,
          conn.Prepare("SELECT message_seq, event FROM bus_work WHERE domain = $1 AND state = "
                       "'done' ORDER BY message_seq, idx"));
  q->Bind(1, domain);
  std::vector<std::pair<std::int64_t, std::string>> events;
  HUB_TRY_STATUS(store::ForEachRow(
      *q, [&](const store::Statement& row) { events.emplace_back(row.Int(0), row.Text(1)); }));
  for (const auto& [seq, json] : events) {
    if (before_message) {
      before_message(seq);
    }
    HUB_TRY(Event e, EventFromJson(json));
    auto st = apply(e);
    if (!st) {
      obs::Warn("domain.rebuild.skip", e.correlation_id,
                {{"domain", std::string(domain)},
                 {"event_id", e.event_id},
                 {"error", st.error().ToString()}});
    }
  }
  return Ok();
}

Status ApplyFinanceEvent(FinanceDomain& d, const Event& e, const bus::RawMessage* msg,
                         bool journal_post) {
  orders::OrderProcessor proc(d.book, *d.engine);
  const std::string& t = e.type;
  Result<orders::Processed> r = orders::Processed{};
  std::vector<ledger::EntryDraft> direct;  // postings that do not go through the book
  if (t == "order.changed") {
    // A notification (Square's order.created / order.updated) names the order
    // and its state but carries no lines or amounts: nothing to post. The
    // order read back from the API (order.updated) carries the change.
    return Ok();
  }
  if (t == "order.created" || t == "order.updated" || t == "order.paid") {
    HUB_TRY(Order o, Data<Order>(e));
    Stamp(o, e, msg);
    r = proc.Handle(o);
  } else if (t == "order.cancelled") {
    orders::Cancellation c;
    c.order_id = e.key;
    c.occurred_at = e.occurred_at;
    HUB_TRY(c.lineage, LineageOf(e, msg));
    if (e.data.contains("order_id") && e.data.at("order_id").is_string()) {
      c.order_id = std::string(e.data.at("order_id").as_string());
    }
    r = proc.Handle(c);
  } else if (t.starts_with("tender.")) {
    HUB_TRY(Tender tender, Data<Tender>(e));
    HUB_TRY(Lineage l, LineageOf(e, msg));
    r = proc.Handle(e.key, tender, l);
  } else if (t == "fulfillment.created") {
    HUB_TRY(Fulfillment f, Data<Fulfillment>(e));
    Stamp(f, e, msg);
    r = proc.Handle(f);
  } else if (t == "return.created") {
    HUB_TRY(Return ret, Data<Return>(e));
    Stamp(ret, e, msg);
    r = proc.Handle(ret);
  } else if (t == "refund.created") {
    HUB_TRY(Refund ref, Data<Refund>(e));
    Stamp(ref, e, msg);
    r = proc.Handle(ref);
  } else if (t.starts_with("dispute.")) {
    HUB_TRY(Dispute dis, Data<Dispute>(e));
    Stamp(dis, e, msg);
    r = proc.Handle(dis);
  } else if (t == "gift_card.activity") {
    HUB_TRY(GiftCard g, Data<GiftCard>(e));
    Stamp(g, e, msg);
    HUB_TRY(orders::Posted p, d.engine->PostGiftCard(g));
    direct = std::move(p.entries);
  } else if (t == "payout.paid") {
    HUB_TRY(Payout p, Data<Payout>(e));
    Stamp(p, e, msg);
    HUB_TRY(orders::Posted posted, d.engine->PostPayout(p));
    direct = std::move(posted.entries);
  } else {
    return Ok();  // informational for this domain
  }
  if (!r) {
    return Fail(r.error());
  }
  if (r->outcome == orders::Applied::kStale) {
    ++d.stale_ignored;
    obs::Registry::Default()
        .GetCounter("retailhub_stale_updates_total",
                    "Order updates older than what was applied, ignored")
        .Inc();
  }
  if (!journal_post) {
    return Ok();
  }
  auto drafts = std::move(r->posted.entries);
  for (auto& x : direct) {
    drafts.push_back(std::move(x));
  }
  return PostDrafts(d, drafts, e, msg);
}

Status ApplyInventoryEvent(InventoryDomain& d, const Event& e, store::Connection* tx) {
  std::vector<inventory::AvailabilityChanged> changes;
  const std::string& t = e.type;
  if (t == "order.created") {
    HUB_TRY(Order o, Data<Order>(e));
    HUB_TRY(changes, d.availability.Reserve(o));
  } else if (t == "order.cancelled") {
    HUB_TRY(changes, d.availability.Release(e.key));
  } else if (t == "fulfillment.created") {
    HUB_TRY(Fulfillment f, Data<Fulfillment>(e));
    HUB_TRY(changes, d.availability.Consume(f));
  } else if (t == "return.created") {
    HUB_TRY(Return r, Data<Return>(e));
    HUB_TRY(changes, d.availability.Restock(r));
  } else if (t == "inventory.adjusted") {
    HUB_TRY(InventoryAdjustment a, Data<InventoryAdjustment>(e));
    HUB_TRY(auto c, d.availability.Adjust(a));
    changes.push_back(c);
  }
  if (tx == nullptr) {
    return Ok();
  }
  // inventory.availability_changed, kept for channels to pick up.
  for (const auto& c : changes) {
    HUB_TRY(store::Statement * ins,
            tx->Prepare("INSERT INTO inventory_changes (sku, location, on_hand, reserved, "
                        "available, event_id) VALUES ($1, $2, $3, $4, $5, $6)"));
    ins->Bind(1, c.sku)
        .Bind(2, c.location)
        .Bind(3, c.on_hand)
        .Bind(4, c.reserved)
        .Bind(5, c.available)
        .Bind(6, e.event_id);
    HUB_TRY_STATUS(ins->Run());
  }
  return Ok();
}

identity::SourceRecord ToSourceRecord(const Customer& c) {
  using identity::Field;
  identity::SourceRecord r;
  r.key = {c.lineage.source_system, c.lineage.source_id};
  r.get(Field::kFirstName) = c.first_name;
  r.get(Field::kLastName) = c.last_name;
  if (!c.emails.empty()) {
    r.get(Field::kEmail) = c.emails.front();
  }
  if (!c.phones.empty()) {
    r.get(Field::kPhone) = c.phones.front();
  }
  if (!c.addresses.empty()) {
    const Address& a = c.addresses.front();
    r.get(Field::kAddressLine1) = a.line1;
    r.get(Field::kAddressLine2) = a.line2;
    r.get(Field::kCity) = a.city;
    r.get(Field::kPostcode) = a.postcode;
    r.get(Field::kRegion) = a.region;
    r.get(Field::kCountry) = a.country;
    r.phone_region = a.country;
  }
  r.get(Field::kBirthDate) = c.birth_date;
  r.get(Field::kLoyaltyId) = c.loyalty_id;
  if (auto t = ParseRfc3339(c.lineage.source_version); t) {
    r.updated_at_us = t->micros;
  }
  return r;
}

Status ApplyIdentityEvent(IdentityDomain& d, const Event& e, store::Connection* tx) {
  if (const auto* marker = e.data.if_contains("hub_erased"); marker != nullptr) {
    return ApplyErasedMarker(d, *marker);  // an erased person's record (rebuild)
  }
  Customer c;
  if (e.type == "customer.upserted") {
    HUB_TRY(c, Data<Customer>(e));
  } else {
    HUB_TRY(Order o, Data<Order>(e));
    if (!o.customer) {
      return Ok();
    }
    c = *o.customer;
  }
  if (c.lineage.source_system.empty()) {
    c.lineage.source_system = e.source.system;
  }
  if (c.lineage.source_id.empty()) {
    return Ok();  // an anonymous customer: nothing to resolve
  }
  if (c.first_name == Redactor::kErased && c.last_name == Redactor::kErased) {
    return Ok();  // a scrubbed message replayed: nobody left to resolve
  }
  HUB_TRY(auto events, d.resolver->Add(ToSourceRecord(c)));
  if (tx == nullptr) {
    return Ok();
  }
  for (const auto& ev : events) {
    HUB_TRY(store::Statement * ins,
            tx->Prepare("INSERT INTO identity_events (type, from_id, to_id, record, reason, "
                        "event_id) VALUES ($1, $2, $3, $4, $5, $6)"));
    ins->Bind(1, identity::EventName(ev.type))
        .Bind(2, ev.from.value != 0 ? ev.from.ToString() : "")
        .Bind(3, ev.to.value != 0 ? ev.to.ToString() : "")
        .Bind(4, ev.record.ToString())
        .Bind(5, ev.reason)
        .Bind(6, e.event_id);
    HUB_TRY_STATUS(ins->Run());
  }
  return Ok();
}

Status RecordStewardAction(store::Store& store, std::string_view action, std::string_view a,
                           std::string_view b, std::string_view actor, const Clock& clock) {
  HUB_TRY(auto conn, store.Connect());
  HUB_TRY(store::Statement * ins,
          conn->Prepare("INSERT INTO identity_actions (action, a, b, actor, at, after_message_seq) "
                        "VALUES ($1, $2, $3, $4, $5, (SELECT COALESCE(MAX(message_seq), 0) FROM "
                        "bus_work WHERE domain = 'identity' AND state = 'done'))"));
  ins->Bind(1, action).Bind(2, a).Bind(3, b).Bind(4, actor).Bind(5, clock.Now().micros);
  HUB_TRY_STATUS(ins->Run());
  return Ok();
}

namespace {
Result<identity::RecordKey> KeyOf(const std::string& s) {
  const auto colon = s.find(':');
  if (colon == std::string::npos) {
    return Fail(ErrorCode::kInvalidArgument, "bad record key " + s, "record");
  }
  return identity::RecordKey{s.substr(0, colon), s.substr(colon + 1)};
}
}  // namespace

namespace {

struct StewardActionRow {
  std::string action, a, b;
  std::int64_t after_message_seq = 0;
};

void ApplyStewardAction(IdentityDomain& d, const StewardActionRow& row) {
  const auto& [action, a, b, after] = row;
  Status st = Ok();
  if (action == "merge") {
    auto ka = KeyOf(a);
    auto kb = KeyOf(b);
    if (ka && kb) {
      auto ca = d.resolver->ClusterOf(*ka);
      auto cb = d.resolver->ClusterOf(*kb);
      if (ca && cb && !(*ca == *cb)) {
        st = d.resolver->Merge(*ca, *cb).map([](auto&&) {});
      }
    }
  } else if (action == "unmerge") {
    if (auto k = KeyOf(a); k) {
      st = d.resolver->Unmerge(*k).map([](auto&&) {});
    }
  } else if (action == "erase") {
    if (a.starts_with("cus_")) {
      st = d.resolver->Erase(identity::CustomerId{std::stoull(a.substr(4))}).map([](auto&&) {});
    }
  }
  if (!st) {
    obs::Warn("identity.replay_action.skip", "",
              {{"action", action}, {"error", st.error().ToString()}});
  }
}

}  // namespace

Status RebuildIdentity(IdentityDomain& d, store::Connection& conn) {
  HUB_TRY(
      store::Statement * q,
      conn.Prepare("SELECT action, a, b, after_message_seq FROM identity_actions ORDER BY seq"));
  std::vector<StewardActionRow> actions;
  HUB_TRY_STATUS(store::ForEachRow(*q, [&](const store::Statement& row) {
    actions.push_back({row.Text(0), row.Text(1), row.Text(2), row.Int(3)});
  }));
  std::size_t next = 0;
  HUB_TRY_STATUS(RebuildDomain(
      conn, "identity", [&d](const Event& e) { return ApplyIdentityEvent(d, e, nullptr); },
      [&](std::int64_t message_seq) {
        // An action taken when the identity domain had applied messages up
        // to `after_message_seq` goes before every later message, as it did.
        while (next < actions.size() && actions[next].after_message_seq < message_seq) {
          ApplyStewardAction(d, actions[next++]);
        }
      }));
  for (; next < actions.size(); ++next) {
    ApplyStewardAction(d, actions[next]);
  }
  d.resolver->DrainEvents();
  return Ok();
}

}  // namespace hub::app
