// Exception queue over hub::store. SQL is the portable subset ($n params,
// INSERT ... ON CONFLICT DO NOTHING). Candidates are stored as JSON text.
#include "reconcile/exceptions.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>

namespace hub::reconcile {

namespace {

namespace json = boost::json;

constexpr store::Migration kMigrations[] = {
    {"reconcile", 1,
     "CREATE TABLE reconcile_exceptions ("
     " id TEXT PRIMARY KEY, reason TEXT NOT NULL, gateway TEXT NOT NULL,"
     " payout_id TEXT NOT NULL, line_id TEXT NOT NULL, reference TEXT NOT NULL,"
     " currency TEXT NOT NULL, amount_minor INTEGER NOT NULL, message TEXT NOT NULL,"
     " candidates TEXT NOT NULL, state TEXT NOT NULL, assignee TEXT NOT NULL,"
     " write_off_requested_by TEXT NOT NULL, resolution TEXT NOT NULL,"
     " created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
     "CREATE INDEX reconcile_exceptions_reason ON reconcile_exceptions(reason, state);"
     "CREATE INDEX reconcile_exceptions_payout ON reconcile_exceptions(payout_id);"
     "CREATE TABLE reconcile_exception_audit ("
     " exception_id TEXT NOT NULL, seq INTEGER NOT NULL, actor TEXT NOT NULL,"
     " at INTEGER NOT NULL, action TEXT NOT NULL, before_state TEXT NOT NULL,"
     " after_state TEXT NOT NULL, note TEXT NOT NULL, PRIMARY KEY (exception_id, seq));"},
};

constexpr std::string_view kColumns =
    "id, reason, gateway, payout_id, line_id, reference, currency, amount_minor, message,"
    " candidates, state, assignee, write_off_requested_by, resolution, created_at, updated_at";

constexpr std::string_view kInsert =
    "INSERT INTO reconcile_exceptions (id, reason, gateway, payout_id, line_id, reference,"
    " currency, amount_minor, message, candidates, state, assignee, write_off_requested_by,"
    " resolution, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
    " $12, $13, $14, $15, $16) ON CONFLICT (id) DO NOTHING";

constexpr std::string_view kUpdate =
    "UPDATE reconcile_exceptions SET state = $2, assignee = $3, write_off_requested_by = $4,"
    " resolution = $5, updated_at = $6 WHERE id = $1";

constexpr std::string_view kAuditInsert =
    "INSERT INTO reconcile_exception_audit (exception_id, seq, actor, at, action, before_state,"
    " after_state, note) SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5, $6, $7"
    " FROM reconcile_exception_audit WHERE exception_id = $1";

constexpr std::string_view kAuditSelect =
    "SELECT exception_id, seq, actor, at, action, before_state, after_state, note"
    " FROM reconcile_exception_audit WHERE exception_id = $1 ORDER BY seq";

constexpr std::array<std::string_view, 10> kReasonNames = {
    "unmatched_payout_line", "tender_not_settled", "amount_mismatch",   "fee_mismatch",
    "currency_mismatch",     "duplicate_line",     "unknown_reference", "unknown_category",
    "payout_residual",       "missing_payout"};
constexpr std::array<std::string_view, 4> kStateNames = {"open", "assigned", "resolved",
                                                         "written_off"};

std::string CandidatesJson(const std::vector<Candidate>& cs) {
  json::array a;
  for (const Candidate& c : cs) {
    a.push_back(json::object{{"reference", c.reference},
                             {"amount", c.amount.ToDecimal()},
                             {"currency", c.amount.currency().valid() ? c.amount.currency().code()
                                                                      : std::string_view("")},
                             {"score_ppm", c.score_ppm}});
  }
  return json::serialize(a);
}

std::vector<Candidate> CandidatesFromJson(const std::string& text) {
  std::vector<Candidate> out;
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec);
  if (ec || !v.is_array()) {
    return out;
  }
  for (const json::value& e : v.as_array()) {
    const json::object& o = e.as_object();
    Candidate c;
    c.reference = json::value_to<std::string>(o.at("reference"));
    const auto cur = json::value_to<std::string>(o.at("currency"));
    if (auto m = Money::Parse(json::value_to<std::string>(o.at("amount")), cur)) {
      c.amount = *m;
    }
    c.score_ppm = o.at("score_ppm").to_number<std::int64_t>();
    out.push_back(std::move(c));
  }
  return out;
}

Result<ExceptionRecord> ReadRow(const store::Statement& s) {
  ExceptionRecord r;
  r.id = s.Text(0);
  HUB_TRY(r.reason, ParseReason(s.Text(1)));
  r.gateway = s.Text(2);
  r.payout_id = s.Text(3);
  r.line_id = s.Text(4);
  r.reference = s.Text(5);
  const std::string cur = s.Text(6);
  if (!cur.empty()) {
    HUB_TRY(const Currency c, Currency::FromCode(cur));
    r.amount = Money(s.Int(7), c);
  }
  r.message = s.Text(8);
  r.candidates = CandidatesFromJson(s.Text(9));
  HUB_TRY(r.state, ParseState(s.Text(10)));
  r.assignee = s.Text(11);
  r.write_off_requested_by = s.Text(12);
  r.resolution = s.Text(13);
  r.created_at = Instant{s.Int(14)};
  r.updated_at = Instant{s.Int(15)};
  return r;
}

bool Closed(ExceptionState s) {
  return s == ExceptionState::kResolved || s == ExceptionState::kWrittenOff;
}

}  // namespace

std::string_view ReasonName(ReasonCode r) {
  const auto i = static_cast<std::size_t>(r) - 1;
  return i < kReasonNames.size() ? kReasonNames[i] : "unknown";
}

Result<ReasonCode> ParseReason(std::string_view name) {
  const auto it = std::find(kReasonNames.begin(), kReasonNames.end(), name);
  if (it == kReasonNames.end()) {
    return Fail(ErrorCode::kInvalidArgument, fmt::format("unknown reason code '{}'", name),
                "reason");
  }
  return static_cast<ReasonCode>(it - kReasonNames.begin() + 1);
}

std::string_view StateName(ExceptionState s) {
  const auto i = static_cast<std::size_t>(s) - 1;
  return i < kStateNames.size() ? kStateNames[i] : "unknown";
}

Result<ExceptionState> ParseState(std::string_view name) {
  const auto it = std::find(kStateNames.begin(), kStateNames.end(), name);
  if (it == kStateNames.end()) {
    return Fail(ErrorCode::kInvalidArgument, fmt::format("unknown state '{}'", name), "state");
  }
  return static_cast<ExceptionState>(it - kStateNames.begin() + 1);
}

std::string MakeExceptionId(ReasonCode reason, std::string_view gateway, std::string_view subject) {
  return fmt::format("{}:{}:{}", ReasonName(reason), gateway, subject);
}

bool Actor::Has(std::string_view role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

std::span<const store::Migration> ReconcileMigrations() { return kMigrations; }

Result<std::int64_t> ExceptionQueue::Upsert(std::span<const ExceptionRecord> records) {
  store::Transaction tx(conn_);
  HUB_TRY_STATUS(tx.Begin());
  const Instant now = clock_.Now();
  std::int64_t added = 0;
  for (const ExceptionRecord& r : records) {
    HUB_TRY(store::Statement * s, conn_.Prepare(kInsert));
    s->Bind(1, r.id).Bind(2, ReasonName(r.reason)).Bind(3, r.gateway).Bind(4, r.payout_id);
    s->Bind(5, r.line_id).Bind(6, r.reference);
    s->Bind(7, r.amount.currency().valid() ? r.amount.currency().code() : std::string_view(""));
    s->Bind(8, r.amount.minor_units()).Bind(9, r.message).Bind(10, CandidatesJson(r.candidates));
    s->Bind(11, StateName(ExceptionState::kOpen)).Bind(12, std::string_view(""));
    s->Bind(13, std::string_view("")).Bind(14, std::string_view(""));
    s->Bind(15, now.micros).Bind(16, now.micros);
    HUB_TRY(const std::int64_t n, s->Run());
    if (n == 0) {
      continue;  // known: a re-run never reopens or duplicates it
    }
    ++added;
    HUB_TRY(store::Statement * a, conn_.Prepare(kAuditInsert));
    a->Bind(1, r.id).Bind(2, "reconcile").Bind(3, now.micros).Bind(4, "created");
    a->Bind(5, std::string_view("")).Bind(6, StateName(ExceptionState::kOpen)).Bind(7, r.message);
    HUB_TRY_STATUS(a->Run());
  }
  HUB_TRY_STATUS(tx.Commit());
  return added;
}

Result<ExceptionRecord> ExceptionQueue::Get(std::string_view id) {
  HUB_TRY(
      store::Statement * s,
      conn_.Prepare(fmt::format("SELECT {} FROM reconcile_exceptions WHERE id = $1", kColumns)));
  s->Bind(1, id);
  HUB_TRY(const bool row, s->Step());
  if (!row) {
    return Fail(ErrorCode::kNotFound, fmt::format("no reconciliation exception '{}'", id), "id");
  }
  return ReadRow(*s);
}

Result<std::vector<ExceptionRecord>> ExceptionQueue::List(const ExceptionFilter& f) {
  HUB_TRY(store::Statement * s,
          conn_.Prepare(fmt::format(
              "SELECT {} FROM reconcile_exceptions WHERE ($1 = '' OR reason = $1) AND"
              " ($2 = '' OR state = $2) AND ($3 = '' OR payout_id = $3) ORDER BY id LIMIT $4",
              kColumns)));
  s->Bind(1, f.reason ? ReasonName(*f.reason) : std::string_view(""));
  s->Bind(2, f.state ? StateName(*f.state) : std::string_view(""));
  s->Bind(3, f.payout_id).Bind(4, f.limit);
  std::vector<ExceptionRecord> out;
  while (true) {
    HUB_TRY(const bool row, s->Step());
    if (!row) {
      break;
    }
    HUB_TRY(ExceptionRecord r, ReadRow(*s));
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::vector<AuditRow>> ExceptionQueue::Audit(std::string_view id) {
  HUB_TRY(store::Statement * s, conn_.Prepare(kAuditSelect));
  s->Bind(1, id);
  std::vector<AuditRow> out;
  while (true) {
    HUB_TRY(const bool row, s->Step());
    if (!row) {
      break;
    }
    out.push_back(AuditRow{s->Text(0), s->Int(1), s->Text(2), Instant{s->Int(3)}, s->Text(4),
                           s->Text(5), s->Text(6), s->Text(7)});
  }
  return out;
}

Status ExceptionQueue::Transition(const ExceptionRecord& before, const ExceptionRecord& after,
                                  const Actor& actor, std::string_view action,
                                  std::string_view note) {
  const Instant now = clock_.Now();
  HUB_TRY(store::Statement * u, conn_.Prepare(kUpdate));
  u->Bind(1, after.id).Bind(2, StateName(after.state)).Bind(3, after.assignee);
  u->Bind(4, after.write_off_requested_by).Bind(5, after.resolution).Bind(6, now.micros);
  HUB_TRY_STATUS(u->Run());
  HUB_TRY(store::Statement * a, conn_.Prepare(kAuditInsert));
  a->Bind(1, after.id).Bind(2, actor.id).Bind(3, now.micros).Bind(4, action);
  a->Bind(5, StateName(before.state)).Bind(6, StateName(after.state)).Bind(7, note);
  HUB_TRY_STATUS(a->Run());
  return Ok();
}

Status ExceptionQueue::Assign(std::string_view id, const Actor& actor, std::string_view assignee) {
  store::Transaction tx(conn_);
  HUB_TRY_STATUS(tx.Begin());
  HUB_TRY(const ExceptionRecord before, Get(id));
  if (Closed(before.state)) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("exception {} is {}", id, StateName(before.state)), "state");
  }
  ExceptionRecord after = before;
  after.state = ExceptionState::kAssigned;
  after.assignee = std::string(assignee);
  HUB_TRY_STATUS(Transition(before, after, actor, "assign", assignee));
  return tx.Commit();
}

Status ExceptionQueue::Resolve(std::string_view id, const Actor& actor, ResolveAction action,
                               std::string_view matched_reference, std::string_view note) {
  store::Transaction tx(conn_);
  HUB_TRY_STATUS(tx.Begin());
  HUB_TRY(const ExceptionRecord before, Get(id));
  if (Closed(before.state)) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("exception {} is {}", id, StateName(before.state)), "state");
  }
  if (action == ResolveAction::kMatch && matched_reference.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "a manual match names the expected reference",
                "reference");
  }
  ExceptionRecord after = before;
  after.state = ExceptionState::kResolved;
  after.resolution = action == ResolveAction::kMatch
                         ? fmt::format("match:{} {}", matched_reference, note)
                         : fmt::format("ignore {}", note);
  HUB_TRY_STATUS(Transition(before, after, actor, "resolve", after.resolution));
  return tx.Commit();
}

Status ExceptionQueue::RequestWriteOff(std::string_view id, const Actor& actor,
                                       std::string_view note) {
  store::Transaction tx(conn_);
  HUB_TRY_STATUS(tx.Begin());
  HUB_TRY(const ExceptionRecord before, Get(id));
  if (Closed(before.state)) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("exception {} is {}", id, StateName(before.state)), "state");
  }
  ExceptionRecord after = before;
  after.write_off_requested_by = actor.id;
  HUB_TRY_STATUS(Transition(before, after, actor, "request_write_off", note));
  return tx.Commit();
}

Result<ledger::EntryDraft> ExceptionQueue::ApproveWriteOff(std::string_view id,
                                                           const Actor& approver) {
  store::Transaction tx(conn_);
  HUB_TRY_STATUS(tx.Begin());
  HUB_TRY(const ExceptionRecord before, Get(id));
  if (Closed(before.state)) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("exception {} is {}", id, StateName(before.state)), "state");
  }
  if (before.write_off_requested_by.empty()) {
    return Fail(ErrorCode::kFailedPrecondition,
                fmt::format("exception {}: no write-off was requested", id), "state");
  }
  if (!approver.Has("finance")) {
    return Fail(ErrorCode::kPermissionDenied,
                fmt::format("{} may not approve write-offs (needs role finance)", approver.id),
                "approver");
  }
  if (approver.id == before.write_off_requested_by) {
    return Fail(
        ErrorCode::kPermissionDenied,
        fmt::format("write-off of {} needs a second approver: {} requested it", id, approver.id),
        "approver");
  }
  ExceptionRecord after = before;
  after.state = ExceptionState::kWrittenOff;
  after.resolution = fmt::format("write_off requested_by={} approved_by={}",
                                 before.write_off_requested_by, approver.id);
  HUB_TRY_STATUS(Transition(before, after, approver, "write_off", after.resolution));
  HUB_TRY_STATUS(tx.Commit());
  ledger::EntryDraft d;
  d.idempotency_key = "reconcile:write_off:" + before.id;
  d.event_type = "reconcile.written_off";
  d.effective_at = clock_.Now();
  d.description = fmt::format("write-off of {} ({})", before.id, before.message);
  d.source_system = "reconcile";
  d.source_id = before.id;
  ledger::Dimensions dims;
  dims.gateway = before.gateway;
  dims.payout = before.payout_id;
  const Money amount = before.amount;
  d.postings.push_back(
      ledger::Posting{accounts_.write_off, amount, dims, "write-off " + before.id});
  d.postings.push_back(ledger::Posting{accounts_.clearing,
                                       Money(-amount.minor_units(), amount.currency()), dims,
                                       "write-off " + before.id});
  return d;
}

}  // namespace hub::reconcile
