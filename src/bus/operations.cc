// Operator actions over the bus tables: list/show/resolve failures, replay
// (with a second approver for finance), and the append-only audit log.
#include <fmt/format.h>
#include <boost/json.hpp>

#include "bus/bus.h"
#include "bus/internal.h"
#include "core/hash.h"
#include "core/ids.h"

namespace hub::bus {

namespace internal {

std::vector<std::pair<std::string, std::string>> HeadersFromJson(const std::string& json) {
  std::vector<std::pair<std::string, std::string>> out;
  boost::system::error_code ec;
  auto v = boost::json::parse(json, ec);
  if (ec || !v.is_array()) {
    return out;
  }
  for (const auto& h : v.as_array()) {
    if (h.is_array() && h.as_array().size() == 2 && h.as_array()[0].is_string() &&
        h.as_array()[1].is_string()) {
      out.emplace_back(std::string(h.as_array()[0].as_string()),
                       std::string(h.as_array()[1].as_string()));
    }
  }
  return out;
}

RawMessage ReadMessage(const store::Statement& q) {
  RawMessage m;
  m.seq = q.Int(0);
  m.id = q.Text(1);
  m.source = q.Text(2);
  m.account = q.Text(3);
  m.topic = q.Text(4);
  m.dedup_key = q.Text(5);
  m.received_at = Instant{q.Int(6)};
  m.correlation_id = q.Text(7);
  m.traceparent = q.Text(8);
  m.headers = HeadersFromJson(q.Text(9));
  m.url = q.Text(10);
  m.body = q.Text(11);
  return m;
}

std::string HeadersToJson(const std::vector<std::pair<std::string, std::string>>& headers) {
  boost::json::array a;
  for (const auto& [k, v] : headers) {
    a.push_back(boost::json::array{boost::json::string(k), boost::json::string(v)});
  }
  return boost::json::serialize(a);
}

Status InsertFailure(store::Connection& conn, const Clock& clock, std::string_view kind,
                     std::string_view stage, std::int64_t message_seq,
                     std::string_view correlation_id, std::string_view event_id,
                     std::string_view event_type, std::string_view reason_code,
                     std::string_view message, std::string_view field, std::string_view attempts,
                     bool finance) {
  HUB_TRY(store::Statement * ins,
          conn.Prepare("INSERT INTO bus_failures (id, kind, stage, message_seq, event_id, "
                       "event_type, reason_code, message, field, attempts, correlation_id, "
                       "created_at, state, resolution, finance) VALUES ($1, $2, $3, $4, $5, $6, "
                       "$7, $8, $9, $10, $11, $12, 'open', '', $13)"));
  ins->Bind(1, NewId("fail"))
      .Bind(2, kind)
      .Bind(3, stage)
      .Bind(4, message_seq)
      .Bind(5, event_id)
      .Bind(6, event_type)
      .Bind(7, reason_code)
      .Bind(8, message)
      .Bind(9, field)
      .Bind(10, attempts)
      .Bind(11, correlation_id)
      .Bind(12, clock.Now().micros)
      .Bind(13, std::int64_t{finance ? 1 : 0});
  HUB_TRY_STATUS(ins->Run());
  return Ok();
}

Result<std::int64_t> DedupMark(store::Connection& conn) {
  HUB_TRY(store::Statement * q, conn.Prepare("SELECT seq FROM bus_dedup_mark"));
  HUB_TRY(bool row, q->Step());
  const std::int64_t mark = row ? q->Int(0) : 0;
  q->Reset();
  return mark;
}

Result<std::optional<IngestResult>> FindIndexed(store::Connection& conn, std::string_view source,
                                                std::string_view account,
                                                std::string_view dedup_key) {
  HUB_TRY(store::Statement * q,
          conn.Prepare("SELECT d.seq, m.id FROM bus_dedup d JOIN bus_messages m ON m.seq = d.seq "
                       "WHERE d.source = $1 AND d.account = $2 AND d.dedup_key = $3"));
  q->BindView(1, source).BindView(2, account).BindView(3, dedup_key);
  HUB_TRY(bool row, q->Step());
  std::optional<IngestResult> found;
  if (row) {
    found = IngestResult{q->Text(1), q->Int(0), true};
  }
  q->Reset();
  return found;
}

Status CatchUpDedup(store::Connection& conn) {
  HUB_TRY(std::int64_t mark, DedupMark(conn));
  HUB_TRY(store::Statement * ins,
          conn.Prepare("INSERT INTO bus_dedup (source, account, dedup_key, seq) SELECT source, "
                       "account, dedup_key, seq FROM bus_messages WHERE seq > $1 ORDER BY source, "
                       "account, dedup_key ON CONFLICT DO NOTHING"));
  ins->Bind(1, mark);
  HUB_TRY_STATUS(ins->Run());
  HUB_TRY(store::Statement * mx, conn.Prepare("SELECT COALESCE(MAX(seq), 0) FROM bus_messages"));
  HUB_TRY(bool has, mx->Step());
  const std::int64_t end = has ? mx->Int(0) : 0;
  mx->Reset();
  return AdvanceDedupMark(conn, end);
}

Status AdvanceDedupMark(store::Connection& conn, std::int64_t seq) {
  HUB_TRY(store::Statement * up, conn.Prepare("UPDATE bus_dedup_mark SET seq = $1 WHERE seq < $1"));
  up->Bind(1, seq);
  HUB_TRY_STATUS(up->Run());
  return Ok();
}

namespace {
// The second hash of double hashing: an odd mix of the first, so a key's
// probes step through its part's bits.
std::uint64_t Rehash(std::uint64_t h) { return Fmix64(h) | 1; }
}  // namespace

void KeyFilter::Add(std::uint64_t hash) {
  if (parts_.empty() || parts_.back().count == parts_.back().capacity) {
    Part p;
    p.capacity = parts_.empty() ? kFirstCapacity : parts_.back().capacity * 2;
    p.bits = static_cast<std::uint64_t>(p.capacity) * kBitsPerKey;
    p.words.assign(static_cast<std::size_t>((p.bits + 63) / 64), 0);
    parts_.push_back(std::move(p));
  }
  Part& p = parts_.back();
  const std::uint64_t step = Rehash(hash);
  std::uint64_t h = hash;
  for (int i = 0; i < kProbes; ++i, h += step) {
    const std::uint64_t bit = h % p.bits;
    p.words[static_cast<std::size_t>(bit / 64)] |= std::uint64_t{1} << (bit % 64);
  }
  ++p.count;
  ++count_;
}

bool KeyFilter::MayContain(std::uint64_t hash) const {
  const std::uint64_t step = Rehash(hash);
  for (const Part& p : parts_) {
    std::uint64_t h = hash;
    bool all = true;
    for (int i = 0; i < kProbes && all; ++i, h += step) {
      const std::uint64_t bit = h % p.bits;
      all = (p.words[static_cast<std::size_t>(bit / 64)] >> (bit % 64)) & 1;
    }
    if (all) {
      return true;
    }
  }
  return false;
}

}  // namespace internal

namespace {

constexpr std::string_view kFailureColumns =
    "f.id, f.kind, f.stage, f.message_seq, m.id, m.source, m.topic, f.event_id, f.event_type, "
    "f.reason_code, f.message, f.field, f.attempts, f.correlation_id, f.created_at, f.state, "
    "f.resolution, f.finance";

Failure ReadFailure(const store::Statement& q) {
  Failure f;
  f.id = q.Text(0);
  f.kind = q.Text(1);
  f.stage = q.Text(2);
  f.message_seq = q.Int(3);
  f.message_id = q.Text(4);
  f.source = q.Text(5);
  f.topic = q.Text(6);
  f.event_id = q.Text(7);
  f.event_type = q.Text(8);
  f.reason_code = q.Text(9);
  f.message = q.Text(10);
  f.field = q.Text(11);
  f.attempts = q.Text(12);
  f.correlation_id = q.Text(13);
  f.created_at = Instant{q.Int(14)};
  f.state = q.Text(15);
  f.resolution = q.Text(16);
  f.finance = q.Int(17) != 0;
  return f;
}

ReplayRequest ReadReplay(const store::Statement& q) {
  ReplayRequest r;
  r.id = q.Text(0);
  boost::system::error_code ec;
  auto v = boost::json::parse(q.Text(1), ec);
  if (!ec && v.is_array()) {
    for (const auto& x : v.as_array()) {
      if (x.is_string()) {
        r.failure_ids.emplace_back(x.as_string());
      }
    }
  }
  r.requested_by = q.Text(2);
  r.approved_by = q.Text(3);
  r.reason = q.Text(4);
  r.state = q.Text(5);
  r.finance = q.Int(6) != 0;
  r.requested_at = Instant{q.Int(7)};
  r.decided_at = Instant{q.Int(8)};
  r.result = q.Text(9);
  return r;
}

constexpr std::string_view kReplayColumns =
    "id, failure_ids, requested_by, approved_by, reason, state, finance, requested_at, "
    "decided_at, result";

}  // namespace

Result<std::vector<Failure>> Operations::ListFailures(const FailureFilter& f) {
  // Every filter is a bound parameter; an empty value disables its clause.
  const std::string sql = fmt::format(
      "SELECT {} FROM bus_failures f JOIN bus_messages m ON m.seq = f.message_seq WHERE "
      "($1 = '' OR f.kind = $1) AND ($2 = '' OR f.state = $2) AND ($3 = '' OR m.source = $3) "
      "AND ($4 = '' OR m.topic = $4) AND ($5 = '' OR f.reason_code = $5) AND ($6 = '' OR "
      "f.stage = $6) AND f.created_at >= $7 AND f.created_at <= $8 AND ($9 = '' OR f.id > $9) "
      "ORDER BY f.id LIMIT $10",
      kFailureColumns);
  HUB_TRY(store::Statement * q, conn_.Prepare(sql));
  q->Bind(1, f.kind)
      .Bind(2, f.state)
      .Bind(3, f.source)
      .Bind(4, f.topic)
      .Bind(5, f.reason_code)
      .Bind(6, f.stage)
      .Bind(7, f.from ? f.from->micros : INT64_MIN)
      .Bind(8, f.to ? f.to->micros : INT64_MAX)
      .Bind(9, f.after_id)
      .Bind(10, f.limit);
  std::vector<Failure> out;
  HUB_TRY_STATUS(
      store::ForEachRow(*q, [&](const store::Statement& row) { out.push_back(ReadFailure(row)); }));
  return out;
}

Result<Failure> Operations::GetFailure(const std::string& id) {
  HUB_TRY(store::Statement * q,
          conn_.Prepare(fmt::format("SELECT {} FROM bus_failures f JOIN bus_messages m ON m.seq "
                                    "= f.message_seq WHERE f.id = $1",
                                    kFailureColumns)));
  q->Bind(1, id);
  HUB_TRY(bool row, q->Step());
  if (!row) {
    q->Reset();
    return Fail(ErrorCode::kNotFound, fmt::format("no DLQ or exception entry with id {}", id),
                "id");
  }
  Failure f = ReadFailure(*q);
  q->Reset();
  return f;
}

Result<RawMessage> Operations::GetMessage(const std::string& id_or_seq) {
  HUB_TRY(store::Statement * q,
          conn_.Prepare(fmt::format("SELECT {} FROM bus_messages WHERE id = $1 OR CAST(seq AS "
                                    "TEXT) = $1",
                                    internal::kMessageColumns)));
  q->Bind(1, id_or_seq);
  HUB_TRY(bool row, q->Step());
  if (!row) {
    q->Reset();
    return Fail(ErrorCode::kNotFound, fmt::format("no message {}", id_or_seq), "id");
  }
  RawMessage m = internal::ReadMessage(*q);
  q->Reset();
  return m;
}

Status Operations::Resolve(const std::string& failure_id, const std::string& actor,
                           const std::string& note) {
  HUB_TRY(Failure f, GetFailure(failure_id));
  if (f.state != "open") {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("{} is already {}; nothing to resolve", failure_id, f.state), "id");
  }
  store::Transaction tx(conn_);
  HUB_TRY_STATUS(tx.Begin());
  HUB_TRY(store::Statement * up,
          conn_.Prepare("UPDATE bus_failures SET state = 'resolved', resolution = $1 WHERE id = "
                        "$2 AND state = 'open'"));
  up->Bind(1, fmt::format("{}: {}", actor, note)).Bind(2, failure_id);
  HUB_TRY_STATUS(up->Run());
  HUB_TRY_STATUS(Audit(actor, "failure.resolve", failure_id, "open", note));
  return tx.Commit();
}

Status Operations::Requeue(const Failure& f) {
  // The raw message is translated again (a fixed connector or mapping
  // applies); for a domain failure only that domain receives the events.
  HUB_TRY(
      store::Statement * up,
      conn_.Prepare("UPDATE bus_messages SET state = 'new', replay_domain = $1 WHERE seq = $2"));
  if (f.stage == "translate") {
    up->BindNull(1);
  } else {
    up->Bind(1, f.stage);
  }
  up->Bind(2, f.message_seq);
  HUB_TRY_STATUS(up->Run());
  HUB_TRY(store::Statement * fs,
          conn_.Prepare("UPDATE bus_failures SET state = 'replayed' WHERE id = $1"));
  fs->Bind(1, f.id);
  HUB_TRY_STATUS(fs->Run());
  return Ok();
}

Result<ReplayRequest> Operations::RequestReplay(const std::vector<std::string>& failure_ids,
                                                const std::string& actor,
                                                const std::string& reason) {
  if (failure_ids.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "nothing to replay: no failures selected", "ids");
  }
  if (actor.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "a replay needs the requesting user (--user)", "user");
  }
  std::vector<Failure> failures;
  bool finance = false;
  for (const auto& id : failure_ids) {
    HUB_TRY(Failure f, GetFailure(id));
    if (f.state != "open") {
      return Fail(ErrorCode::kFailedPrecondition,
                  fmt::format("{} is {}, only open entries can be replayed", id, f.state), "ids");
    }
    finance = finance || f.finance;
    failures.push_back(std::move(f));
  }
  ReplayRequest r;
  r.id = NewId("rpl");
  r.failure_ids = failure_ids;
  r.requested_by = actor;
  r.reason = reason;
  r.finance = finance;
  r.requested_at = clock_.Now();
  r.state = finance ? "pending" : "done";
  boost::json::array ids;
  for (const auto& id : failure_ids) {
    ids.emplace_back(id);
  }
  store::Transaction tx(conn_);
  HUB_TRY_STATUS(tx.Begin());
  if (!finance) {
    for (const auto& f : failures) {
      HUB_TRY_STATUS(Requeue(f));
    }
    r.decided_at = r.requested_at;
    r.result = fmt::format("{{\"requeued\":{}}}", failures.size());
  }
  HUB_TRY(store::Statement * ins,
          conn_.Prepare(fmt::format("INSERT INTO bus_replays ({}) VALUES ($1, $2, $3, '', $4, "
                                    "$5, $6, $7, $8, $9)",
                                    kReplayColumns)));
  ins->Bind(1, r.id)
      .Bind(2, boost::json::serialize(ids))
      .Bind(3, r.requested_by)
      .Bind(4, r.reason)
      .Bind(5, r.state)
      .Bind(6, std::int64_t{finance ? 1 : 0})
      .Bind(7, r.requested_at.micros)
      .Bind(8, r.decided_at.micros)
      .Bind(9, r.result);
  HUB_TRY_STATUS(ins->Run());
  HUB_TRY_STATUS(Audit(actor, "replay.request", r.id, "", boost::json::serialize(ids)));
  HUB_TRY_STATUS(tx.Commit());
  return r;
}

Result<ReplayRequest> Operations::Approve(const std::string& request_id, const std::string& actor) {
  HUB_TRY(store::Statement * q,
          conn_.Prepare(fmt::format("SELECT {} FROM bus_replays WHERE id = $1", kReplayColumns)));
  q->Bind(1, request_id);
  HUB_TRY(bool row, q->Step());
  if (!row) {
    q->Reset();
    return Fail(ErrorCode::kNotFound, fmt::format("no replay request {}", request_id), "id");
  }
  ReplayRequest r = ReadReplay(*q);
  q->Reset();
  if (r.state != "pending") {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("replay request {} is {}, not pending", request_id, r.state), "id");
  }
  if (actor.empty() || actor == r.requested_by) {
    return Fail(ErrorCode::kPermissionDenied,
                fmt::format("a finance replay needs a second person: {} requested {} and cannot "
                            "approve it",
                            r.requested_by, request_id),
                "user");
  }
  store::Transaction tx(conn_);
  HUB_TRY_STATUS(tx.Begin());
  std::size_t requeued = 0;
  for (const auto& id : r.failure_ids) {
    HUB_TRY(Failure f, GetFailure(id));
    if (f.state != "open") {
      continue;  // resolved meanwhile by someone else
    }
    HUB_TRY_STATUS(Requeue(f));
    ++requeued;
  }
  r.state = "done";
  r.approved_by = actor;
  r.decided_at = clock_.Now();
  r.result = fmt::format("{{\"requeued\":{}}}", requeued);
  HUB_TRY(store::Statement * up,
          conn_.Prepare("UPDATE bus_replays SET state = $1, approved_by = $2, decided_at = $3, "
                        "result = $4 WHERE id = $5"));
  up->Bind(1, r.state).Bind(2, actor).Bind(3, r.decided_at.micros).Bind(4, r.result).Bind(5, r.id);
  HUB_TRY_STATUS(up->Run());
  HUB_TRY_STATUS(Audit(actor, "replay.approve", r.id, "pending", r.result));
  HUB_TRY_STATUS(tx.Commit());
  return r;
}

Result<ReplayRequest> Operations::Reject(const std::string& request_id, const std::string& actor,
                                         const std::string& reason) {
  store::Transaction tx(conn_);
  HUB_TRY_STATUS(tx.Begin());
  HUB_TRY(store::Statement * up,
          conn_.Prepare("UPDATE bus_replays SET state = 'rejected', approved_by = $1, "
                        "decided_at = $2, result = $3 WHERE id = $4 AND state = 'pending'"));
  up->Bind(1, actor).Bind(2, clock_.Now().micros).Bind(3, reason).Bind(4, request_id);
  HUB_TRY(std::int64_t n, up->Run());
  if (n != 1) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("replay request {} is not pending", request_id), "id");
  }
  HUB_TRY_STATUS(Audit(actor, "replay.reject", request_id, "pending", reason));
  HUB_TRY_STATUS(tx.Commit());
  HUB_TRY(auto all, ListReplays(""));
  for (auto& r : all) {
    if (r.id == request_id) {
      return r;
    }
  }
  return Fail(ErrorCode::kInternal, "replay request vanished");
}

Result<std::vector<ReplayRequest>> Operations::ListReplays(const std::string& state) {
  HUB_TRY(store::Statement * q,
          conn_.Prepare(fmt::format("SELECT {} FROM bus_replays WHERE ($1 = '' OR state = $1) "
                                    "ORDER BY requested_at, id",
                                    kReplayColumns)));
  q->Bind(1, state);
  std::vector<ReplayRequest> out;
  HUB_TRY_STATUS(
      store::ForEachRow(*q, [&](const store::Statement& row) { out.push_back(ReadReplay(row)); }));
  return out;
}

Result<IngestResult> Operations::Append(RawMessage m) {
  store::Transaction tx(conn_);
  HUB_TRY_STATUS(tx.Begin());
  // A running hub may hold the keys of its latest messages in memory only:
  // index them first, under the write lock, then look the key up.
  HUB_TRY_STATUS(internal::CatchUpDedup(conn_));
  HUB_TRY(std::optional<IngestResult> dup,
          internal::FindIndexed(conn_, m.source, m.account, m.dedup_key));
  if (dup) {
    return *dup;
  }
  HUB_TRY(store::Statement * mx, conn_.Prepare("SELECT COALESCE(MAX(seq), 0) FROM bus_messages"));
  HUB_TRY(bool has, mx->Step());
  const std::int64_t seq = has ? mx->Int(0) + 1 : 1;
  mx->Reset();
  const std::string id = m.id.empty() ? NewId("msg") : m.id;
  HUB_TRY(store::Statement * ins,
          conn_.Prepare("INSERT INTO bus_messages (seq, id, source, account, topic, dedup_key, "
                        "received_at, correlation_id, traceparent, headers, url, body, state) "
                        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'new')"));
  ins->Bind(1, seq)
      .Bind(2, id)
      .Bind(3, m.source)
      .Bind(4, m.account)
      .Bind(5, m.topic)
      .Bind(6, m.dedup_key)
      .Bind(7, m.received_at.micros)
      .Bind(8, m.correlation_id.empty() ? NewId("cor") : m.correlation_id)
      .Bind(9, m.traceparent)
      .Bind(10, internal::HeadersToJson(m.headers))
      .Bind(11, m.url)
      .BindBlob(12, m.body);
  HUB_TRY_STATUS(ins->Run());
  HUB_TRY(store::Statement * key,
          conn_.Prepare(
              "INSERT INTO bus_dedup (source, account, dedup_key, seq) VALUES ($1, $2, $3, $4)"));
  key->Bind(1, m.source).Bind(2, m.account).Bind(3, m.dedup_key).Bind(4, seq);
  HUB_TRY_STATUS(key->Run());
  HUB_TRY_STATUS(internal::AdvanceDedupMark(conn_, seq));
  HUB_TRY_STATUS(tx.Commit());
  return IngestResult{id, seq, false};
}

Status Operations::Audit(const std::string& actor, const std::string& action,
                         const std::string& object, const std::string& before,
                         const std::string& after) {
  HUB_TRY(store::Statement * ins,
          conn_.Prepare("INSERT INTO audit_log (at, actor, action, object, before, after) VALUES "
                        "($1, $2, $3, $4, $5, $6)"));
  ins->Bind(1, clock_.Now().micros)
      .Bind(2, actor)
      .Bind(3, action)
      .Bind(4, object)
      .Bind(5, before)
      .Bind(6, after);
  HUB_TRY_STATUS(ins->Run());
  return Ok();
}

}  // namespace hub::bus
