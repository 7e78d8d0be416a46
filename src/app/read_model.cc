#include "app/read_model.h"

#include <fmt/format.h>

#include "app/erasure.h"
#include "app/gauges.h"
#include "app/hub.h"
#include "app/mappings.h"
#include "app/recon.h"
#include "app/views.h"
#include "obs/metrics.h"
#include "reconcile/report_json.h"

namespace hub::app {
namespace {

namespace json = boost::json;
using api::v1::Page;

// Cursors are opaque to clients; here they are offsets.
std::size_t Offset(const std::string& cursor) {
  try {
    return cursor.empty() ? 0 : static_cast<std::size_t>(std::stoull(cursor));
  } catch (...) {
    return 0;
  }
}

Page Slice(json::array all, const std::string& cursor, int limit) {
  const std::size_t from = Offset(cursor);
  const std::size_t n = static_cast<std::size_t>(limit > 0 ? limit : 50);
  Page p;
  for (std::size_t i = from; i < all.size() && i < from + n; ++i) {
    p.items.push_back(all[i]);
  }
  if (from + n < all.size()) {
    p.next_cursor = std::to_string(from + n);
  }
  return p;
}

json::object ReplayJson(const bus::ReplayRequest& r) {
  json::array ids;
  for (const auto& i : r.failure_ids) {
    ids.emplace_back(i);
  }
  return json::object{{"id", r.id},
                      {"state", r.state},
                      {"finance", r.finance},
                      {"requested_by", r.requested_by},
                      {"approved_by", r.approved_by},
                      {"reason", r.reason},
                      {"failure_ids", ids},
                      {"requested_at", FormatRfc3339(r.requested_at)}};
}

Result<identity::CustomerId> ParseCustomerId(const std::string& id) {
  if (!id.starts_with("cus_")) {
    return Fail(ErrorCode::kInvalidArgument, "customer ids look like cus_<n>", "id");
  }
  try {
    return identity::CustomerId{std::stoull(id.substr(4))};
  } catch (...) {
    return Fail(ErrorCode::kInvalidArgument, "customer ids look like cus_<n>", "id");
  }
}

Result<identity::RecordKey> ParseRecordKey(const std::string& s) {
  const auto colon = s.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == s.size()) {
    return Fail(ErrorCode::kInvalidArgument, "source records look like <source>:<id>", "record");
  }
  return identity::RecordKey{s.substr(0, colon), s.substr(colon + 1)};
}

json::object IdentityEventsJson(const std::vector<identity::Event>& events) {
  json::array a;
  for (const auto& e : events) {
    a.push_back(json::object{{"type", identity::EventName(e.type)},
                             {"from", e.from.value != 0 ? e.from.ToString() : ""},
                             {"to", e.to.value != 0 ? e.to.ToString() : ""},
                             {"record", e.record.ToString()},
                             {"reason", e.reason}});
  }
  return json::object{{"events", a}};
}

class HubReadModel final : public api::v1::ReadModel {
 public:
  explicit HubReadModel(Hub& hub) : hub_(hub) {}

  // --- bus ---
  Result<Page> Messages(const api::v1::MessageQuery& q) override {
    std::lock_guard l(mu_);
    HUB_TRY(store::Connection * c, Conn());
    HUB_TRY(store::Statement * s,
            c->Prepare("SELECT seq, id, source, account, topic, received_at, correlation_id, "
                       "state FROM bus_messages WHERE ($1 = '' OR source = $1) AND ($2 = '' OR "
                       "topic = $2) AND ($3 = '' OR correlation_id = $3) AND received_at >= $4 "
                       "AND received_at <= $5 AND seq > $6 ORDER BY seq LIMIT $7"));
    s->Bind(1, q.source)
        .Bind(2, q.topic)
        .Bind(3, q.correlation_id)
        .Bind(4, q.from ? q.from->micros : INT64_MIN)
        .Bind(5, q.to ? q.to->micros : INT64_MAX)
        .Bind(6, static_cast<std::int64_t>(Offset(q.cursor)))
        .Bind(7, static_cast<std::int64_t>(q.limit > 0 ? q.limit : 50));
    Page p;
    std::int64_t last = 0;
    HUB_TRY_STATUS(store::ForEachRow(*s, [&](const store::Statement& row) {
      last = row.Int(0);
      p.items.push_back(json::object{{"seq", last},
                                     {"id", row.Text(1)},
                                     {"source", row.Text(2)},
                                     {"account", row.Text(3)},
                                     {"topic", row.Text(4)},
                                     {"received_at", FormatRfc3339(Instant{row.Int(5)})},
                                     {"correlation_id", row.Text(6)},
                                     {"state", row.Text(7)}});
    }));
    if (static_cast<int>(p.items.size()) == (q.limit > 0 ? q.limit : 50)) {
      p.next_cursor = std::to_string(last);
    }
    return p;
  }

  Result<json::object> Message(const std::string& id, bool with_body) override {
    std::lock_guard l(mu_);
    HUB_TRY(bus::Operations * ops, Ops());
    HUB_TRY(bus::RawMessage m, ops->GetMessage(id));
    json::array headers;
    for (const auto& [k, v] : m.headers) {
      headers.push_back(json::array{json::string(k), json::string(v)});
    }
    json::object o{{"id", m.id},
                   {"seq", m.seq},
                   {"source", m.source},
                   {"account", m.account},
                   {"topic", m.topic},
                   {"dedup_key", m.dedup_key},
                   {"received_at", FormatRfc3339(m.received_at)},
                   {"correlation_id", m.correlation_id},
                   {"traceparent", m.traceparent},
                   {"headers", headers}};
    if (with_body) {
      o["body"] = m.body;
    }
    return o;
  }

  Result<Page> Failures(const api::v1::FailureQuery& q) override {
    std::lock_guard l(mu_);
    HUB_TRY(bus::Operations * ops, Ops());
    bus::FailureFilter f;
    f.kind = q.kind;
    f.state = q.state;
    f.source = q.source;
    f.topic = q.topic;
    f.reason_code = q.reason;
    f.after_id = q.cursor;
    f.limit = q.limit > 0 ? q.limit : 50;
    HUB_TRY(auto list, ops->ListFailures(f));
    Page p;
    for (const auto& x : list) {
      p.items.push_back(FailureJson(x, false));
    }
    if (static_cast<std::int64_t>(list.size()) == f.limit) {
      p.next_cursor = list.back().id;
    }
    return p;
  }

  Result<json::object> Failure(const std::string& id) override {
    std::lock_guard l(mu_);
    HUB_TRY(bus::Operations * ops, Ops());
    HUB_TRY(bus::Failure f, ops->GetFailure(id));
    return FailureJson(f, true);
  }

  Status ResolveFailure(const std::string& id, const std::string& actor,
                        const std::string& note) override {
    std::lock_guard l(mu_);
    HUB_TRY(bus::Operations * ops, Ops());
    return ops->Resolve(id, actor, note);
  }

  Result<json::object> RequestReplay(const std::vector<std::string>& ids, const std::string& actor,
                                     const std::string& reason) override {
    std::lock_guard l(mu_);
    HUB_TRY(bus::Operations * ops, Ops());
    HUB_TRY(bus::ReplayRequest r, ops->RequestReplay(ids, actor, reason));
    return ReplayJson(r);
  }

  Result<json::object> ApproveReplay(const std::string& id, const std::string& actor) override {
    std::lock_guard l(mu_);
    HUB_TRY(bus::Operations * ops, Ops());
    HUB_TRY(bus::ReplayRequest r, ops->Approve(id, actor));
    return ReplayJson(r);
  }

  Result<Page> Replays(const std::string& state) override {
    std::lock_guard l(mu_);
    HUB_TRY(bus::Operations * ops, Ops());
    HUB_TRY(auto list, ops->ListReplays(state));
    Page p;
    for (const auto& r : list) {
      p.items.push_back(ReplayJson(r));
    }
    return p;
  }

  // --- customers ---
  Result<Page> SearchCustomers(const std::string& query, const std::string& cursor,
                               int limit) override {
    auto& d = hub_.identity();
    std::lock_guard l(d.mu);
    std::string needle = query;
    std::transform(needle.begin(), needle.end(), needle.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    json::array all;
    for (const auto& [id, cluster] : d.resolver->state().clusters) {
      auto g = CustomerJson(*d.resolver, identity::CustomerId{id}.ToString());
      if (!g) {
        continue;
      }
      std::string hay = json::serialize(g->at("values"));
      std::transform(hay.begin(), hay.end(), hay.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (needle.empty() || hay.find(needle) != std::string::npos) {
        all.push_back(*g);
      }
    }
    return Slice(std::move(all), cursor, limit);
  }

  Result<json::object> Customer(const std::string& id) override {
    auto& d = hub_.identity();
    std::lock_guard l(d.mu);
    return CustomerJson(*d.resolver, id);
  }

  Result<Page> ReviewQueue(const std::string& cursor, int limit) override {
    auto& d = hub_.identity();
    std::lock_guard l(d.mu);
    json::array all;
    for (const auto& r : d.resolver->ReviewQueue()) {
      all.push_back(json::object{
          {"a", r.a.ToString()}, {"b", r.b.ToString()}, {"probability", r.probability}});
    }
    return Slice(std::move(all), cursor, limit);
  }

  Result<json::object> Explain(const std::string& a, const std::string& b) override {
    HUB_TRY(auto ka, ParseRecordKey(a));
    HUB_TRY(auto kb, ParseRecordKey(b));
    auto& d = hub_.identity();
    std::lock_guard l(d.mu);
    HUB_TRY(identity::Explanation e, d.resolver->Explain(ka, kb));
    return ExplanationJson(e);
  }

  Result<json::object> Merge(const std::string& a, const std::string& b,
                             const std::string& actor) override {
    HUB_TRY(auto ka, ParseRecordKey(a));
    HUB_TRY(auto kb, ParseRecordKey(b));
    auto& d = hub_.identity();
    std::lock_guard l(d.mu);
    HUB_TRY(auto ca, d.resolver->ClusterOf(ka));
    HUB_TRY(auto cb, d.resolver->ClusterOf(kb));
    HUB_TRY(auto events, d.resolver->Merge(ca, cb));
    HUB_TRY_STATUS(RecordStewardAction(hub_.store(), "merge", a, b, actor, SystemClock::Get()));
    return IdentityEventsJson(events);
  }

  Result<json::object> Unmerge(const std::string& record, const std::string& actor) override {
    HUB_TRY(auto k, ParseRecordKey(record));
    auto& d = hub_.identity();
    std::lock_guard l(d.mu);
    HUB_TRY(auto events, d.resolver->Unmerge(k));
    HUB_TRY_STATUS(
        RecordStewardAction(hub_.store(), "unmerge", record, "", actor, SystemClock::Get()));
    return IdentityEventsJson(events);
  }

  // The resolver forgets the person, then every stored copy of their data is
  // scrubbed (see erasure.h); the answer says how much was rewritten.
  Result<json::object> Erase(const std::string& customer_id, const std::string& actor) override {
    HUB_TRY(auto id, ParseCustomerId(customer_id));
    auto& d = hub_.identity();
    std::lock_guard l(d.mu);
    HUB_TRY(ErasureOutcome done,
            ErasePerson(d, hub_.store(), id, actor, SystemClock::Get(),
                        std::filesystem::path(hub_.config().store.data_dir) / "inbox"));
    json::object out = IdentityEventsJson(done.events);
    out["scrubbed"] = json::object{{"messages", done.scrubbed.messages},
                                   {"events", done.scrubbed.events},
                                   {"values", done.scrubbed.values},
                                   {"files", done.scrubbed.files}};
    return out;
  }

  // --- orders ---
  Result<json::object> Order(const std::string& id) override {
    auto& f = hub_.finance();
    std::lock_guard l(f.mu);
    return OrderJson(f.book, id);
  }

  Result<json::array> OrderPostings(const std::string& id) override {
    auto& f = hub_.finance();
    std::lock_guard l(f.mu);
    if (f.book.Find(id) == nullptr) {
      return Fail(ErrorCode::kNotFound, fmt::format("no order {}", id), "id");
    }
    ledger::EntryFilter filter;
    filter.order_id = id;
    HUB_TRY(auto entries, f.journal->Entries(filter));
    json::array out;
    for (const auto& e : entries) {
      out.push_back(EntryJson(e));
    }
    return out;
  }

  // --- ledger ---
  Result<json::array> Accounts() override {
    auto& f = hub_.finance();
    std::lock_guard l(f.mu);
    json::array out;
    for (const auto& a : f.journal->chart().accounts()) {
      out.push_back(json::object{{"code", a.code}, {"name", a.name}, {"erp_code", a.erp_code}});
    }
    return out;
  }

  Result<json::object> TrialBalance(std::optional<Instant> as_of) override {
    auto& f = hub_.finance();
    std::lock_guard l(f.mu);
    return TrialBalanceJson(*f.journal, as_of, SystemClock::Get().Now());
  }

  Result<Page> Entries(const std::string& order_id, const std::string& correlation_id,
                       const std::string& account, const std::string& cursor, int limit) override {
    auto& f = hub_.finance();
    std::lock_guard l(f.mu);
    ledger::EntryFilter filter{order_id, correlation_id, account};
    json::array all;
    if (order_id.empty() && correlation_id.empty() && account.empty()) {
      for (std::int64_t id = 1;; ++id) {
        auto e = f.journal->Get(id);
        if (!e) {
          break;
        }
        all.push_back(EntryJson(*e));
      }
    } else {
      HUB_TRY(auto entries, f.journal->Entries(filter));
      for (const auto& e : entries) {
        all.push_back(EntryJson(e));
      }
    }
    return Slice(std::move(all), cursor, limit);
  }

  Result<json::object> Statement(const std::string& account, Instant from, Instant to) override {
    auto& f = hub_.finance();
    std::lock_guard l(f.mu);
    HUB_TRY(ledger::AccountStatement s, f.journal->Statement(account, from, to));
    json::array lines;
    for (const auto& x : s.lines) {
      lines.push_back(json::object{{"entry_id", x.entry_id},
                                   {"effective_at", FormatRfc3339(x.effective_at)},
                                   {"description", x.description},
                                   {"amount", x.posting.amount.ToDecimal()},
                                   {"currency", x.posting.amount.currency().code()},
                                   {"memo", x.posting.memo},
                                   {"running_balance", x.running_balance.ToDecimal()}});
    }
    json::array opening;
    for (const auto& m : s.opening) {
      opening.push_back(json::object{{"amount", m.ToDecimal()}, {"currency", m.currency().code()}});
    }
    return json::object{{"account", account}, {"opening", opening}, {"lines", lines}};
  }

  // --- reconciliation ---
  Result<Page> Payouts(const std::string& cursor, int limit) override {
    HUB_TRY(auto latest, hub_.reconciler().Latest());
    const ReconRun& run = *latest;
    json::array all;
    for (std::size_t i = 0; i < run.payouts.size(); ++i) {
      const auto& p = run.payouts[i];
      const auto& proof = run.output.proofs[i];
      all.push_back(json::object{{"payout_id", p.payout_id},
                                 {"gateway", p.gateway},
                                 {"amount", p.amount.ToDecimal()},
                                 {"currency", p.amount.currency().code()},
                                 {"status", p.status},
                                 {"arrival_at", FormatRfc3339(p.arrival_at)},
                                 {"lines", p.lines.size()},
                                 {"closes", proof.closes},
                                 {"residual", proof.residual.ToDecimal()}});
    }
    return Slice(std::move(all), cursor, limit);
  }

  Result<json::object> PayoutReport(const std::string& payout_id) override {
    HUB_TRY(auto latest, hub_.reconciler().Latest());
    return PayoutReportJson(*latest, payout_id, latest->ran_at);
  }

  Result<Page> ReconExceptions(const std::string& reason, const std::string& cursor,
                               int limit) override {
    // The exceptions are stored by the reconciler's runs; make sure one ran.
    HUB_TRY(auto latest, hub_.reconciler().Latest());
    (void)latest;
    std::lock_guard l(mu_);
    HUB_TRY(store::Connection * c, Conn());
    reconcile::ExceptionQueue queue(*c, SystemClock::Get(), {});
    reconcile::ExceptionFilter f;
    if (!reason.empty()) {
      HUB_TRY(f.reason, reconcile::ParseReason(reason));
    }
    HUB_TRY(auto list, queue.List(f));
    json::array all;
    for (const auto& x : list) {
      all.push_back(reconcile::ToJson(x));
    }
    return Slice(std::move(all), cursor, limit);
  }

  Result<json::object> ReconAction(const std::string& exception_id, const std::string& action,
                                   const json::object& args, const std::string& actor) override {
    std::lock_guard l(mu_);
    HUB_TRY(store::Connection * c, Conn());
    reconcile::ExceptionQueue queue(*c, SystemClock::Get(), {});
    reconcile::Actor who{actor, {"finance"}};
    const std::string note = args.contains("note") && args.at("note").is_string()
                                 ? std::string(args.at("note").as_string())
                                 : "";
    if (action == "match" || action == "ignore") {
      const std::string ref = args.contains("reference") && args.at("reference").is_string()
                                  ? std::string(args.at("reference").as_string())
                                  : "";
      HUB_TRY_STATUS(queue.Resolve(
          exception_id, who,
          action == "match" ? reconcile::ResolveAction::kMatch : reconcile::ResolveAction::kIgnore,
          ref, note));
    } else if (action == "write-off") {
      HUB_TRY_STATUS(queue.RequestWriteOff(exception_id, who, note));
    } else if (action == "approve-write-off") {
      HUB_TRY(auto draft, queue.ApproveWriteOff(exception_id, who));
      auto& f = hub_.finance();
      std::lock_guard fl(f.mu);
      HUB_TRY(auto posted, f.journal->Post(draft));
      (void)posted;
    } else {
      return Fail(ErrorCode::kInvalidArgument,
                  "action must be match, ignore, write-off or approve-write-off", "action");
    }
    HUB_TRY(auto rec, queue.Get(exception_id));
    return reconcile::ToJson(rec);
  }

  // --- inventory ---
  Result<json::array> Availability(const std::string& sku, const std::string& location) override {
    auto& d = hub_.inventory();
    std::lock_guard l(d.mu);
    return AvailabilityJson(d.availability, sku, location);
  }

  // --- mappings ---
  Result<json::object> Mappings() override {
    std::lock_guard l(mu_);
    HUB_TRY(store::Connection * c, Conn());
    HUB_TRY(std::int64_t version, MappingVersion(*c));
    auto& f = hub_.finance();
    std::lock_guard fl(f.mu);
    return MappingsJson(f, version);
  }

  Result<json::object> UpdateMapping(const std::string& section, const json::value& doc,
                                     std::int64_t version, const std::string& actor) override {
    std::lock_guard l(mu_);
    HUB_TRY(store::Connection * c, Conn());
    auto& f = hub_.finance();
    std::lock_guard fl(f.mu);
    HUB_TRY(std::int64_t now,
            app::UpdateMapping(f, *c, section, doc, version, actor, SystemClock::Get().Now()));
    return MappingsJson(f, now);
  }

  Result<json::object> Overview(bool with_series) override {
    HUB_TRY(json::object o, OverviewFigures(hub_));
    if (with_series) {
      o["series"] = hub_.overview_history().ToJson();
    }
    return o;
  }

 private:
  Result<store::Connection*> Conn() {
    if (!conn_) {
      HUB_TRY(conn_, hub_.store().Connect());
    }
    return conn_.get();
  }
  Result<bus::Operations*> Ops() {
    HUB_TRY(store::Connection * c, Conn());
    if (!ops_) {
      ops_ = std::make_unique<bus::Operations>(*c, SystemClock::Get());
    }
    return ops_.get();
  }

  Hub& hub_;
  std::mutex mu_;  // guards conn_ and ops_
  std::unique_ptr<store::Connection> conn_;
  std::unique_ptr<bus::Operations> ops_;
};

}  // namespace

std::unique_ptr<api::v1::ReadModel> MakeHubReadModel(Hub& hub) {
  return std::make_unique<HubReadModel>(hub);
}

}  // namespace hub::app
