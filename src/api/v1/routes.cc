// API v1 routes (see routes.h). Layout: parameter validation, the generic
// wrapper (auth → rate limit → permission → size → idempotency → handler →
// masking), the handlers by resource, then the route table.
#include "api/v1/routes.h"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <initializer_list>
#include <memory>

#include "api/v1/idempotency.h"
#include "api/v1/masking.h"
#include "core/json.h"
#include "obs/log.h"

namespace hub::api::v1 {
namespace {

namespace json = boost::json;

constexpr size_t kIdBytesMax = 128;
constexpr size_t kSearchBytesMax = 200;
constexpr size_t kTextBytesMax = 2000;  // notes, reasons
constexpr size_t kLabelBytesMax = 64;   // key labels end up in audit actors and logs
constexpr size_t kCursorBytesMax = 256;
constexpr size_t kIdemKeyBytesMax = 200;
constexpr size_t kReplayIdsMax = 1000;
constexpr size_t kEtagHexChars = 32;

enum Flags : unsigned {
  kNoFlags = 0,
  kCreates = 1,  // Idempotency-Key required
  kPii = 2,      // mask for readers, audit full reads by stewards and admins
  kSecret = 4,   // the answer holds a secret: never store it for replays
};

struct Ctx {
  HttpRequest& req;
  const Principal& who;
  ReadModel& model;
  Auth& auth;
  const V1Options& opt;
};

using Fn = Result<HttpResponse> (*)(Ctx&);

struct Spec {
  std::string_view method;
  std::string_view pattern;
  Access access;
  unsigned flags;
  Fn fn;
};

// ---------------------------------------------------------------- validation

Error Invalid(std::string message, std::string field) {
  return Error(ErrorCode::kInvalidArgument, std::move(message), std::move(field));
}

bool IsAlnum(char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

// Ids, codes, SKUs, sections: [A-Za-z0-9_.:@+-]{1,128}, no "..". Anything else
// (quotes, spaces, slashes, SQL or shell syntax) cannot be an id of ours.
Result<std::string> ValidId(std::string value, std::string_view field) {
  const bool ok = !value.empty() && value.size() <= kIdBytesMax &&
                  value.find("..") == std::string::npos &&
                  std::all_of(value.begin(), value.end(), [](char ch) {
                    return IsAlnum(ch) || ch == '_' || ch == '-' || ch == '.' || ch == ':' ||
                           ch == '@' || ch == '+';
                  });
  if (!ok) {
    return Fail(Invalid(
        fmt::format("{} must be 1-{} characters of A-Z a-z 0-9 _ - . : @ +", field, kIdBytesMax),
        std::string(field)));
  }
  return value;
}

Status CheckQuery(const HttpRequest& req, std::initializer_list<std::string_view> allowed) {
  for (const auto& [name, value] : req.query) {
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      return Fail(Invalid("unknown query parameter", name.size() <= kIdBytesMax ? name : "query"));
    }
  }
  return Ok();
}

const std::string* QueryValue(const HttpRequest& req, std::string_view name) {
  auto it = req.query.find(std::string(name));
  return it == req.query.end() ? nullptr : &it->second;
}

Result<std::string> PathId(const HttpRequest& req, std::string_view name) {
  auto it = req.path_params.find(std::string(name));
  return ValidId(it == req.path_params.end() ? "" : it->second, name);
}

// "" when absent.
Result<std::string> QueryId(const HttpRequest& req, std::string_view name, bool required = false) {
  const std::string* v = QueryValue(req, name);
  if (v == nullptr) {
    if (required) {
      return Fail(Invalid(fmt::format("missing query parameter {}", name), std::string(name)));
    }
    return std::string();
  }
  return ValidId(*v, name);
}

// Customer search text: letters (any UTF-8), digits, space and @ . + - _ only.
Result<std::string> QuerySearch(const HttpRequest& req, std::string_view name) {
  const std::string* v = QueryValue(req, name);
  if (v == nullptr) {
    return std::string();
  }
  const bool ok = v->size() <= kSearchBytesMax && v->find("..") == std::string::npos &&
                  std::all_of(v->begin(), v->end(), [](char ch) {
                    return IsAlnum(ch) || static_cast<unsigned char>(ch) >= 0x80 || ch == ' ' ||
                           ch == '@' || ch == '.' || ch == '+' || ch == '-' || ch == '_';
                  });
  if (!ok) {
    return Fail(
        Invalid("search text may hold letters, digits, spaces and @ . + - _ (at most 200 "
                "bytes)",
                std::string(name)));
  }
  return *v;
}

Result<std::string> QueryCursor(const HttpRequest& req) {
  const std::string* v = QueryValue(req, "cursor");
  if (v == nullptr) {
    return std::string();
  }
  const bool ok =
      v->size() <= kCursorBytesMax && v->find("..") == std::string::npos &&
      std::all_of(v->begin(), v->end(), [](char ch) {
        return IsAlnum(ch) || ch == '_' || ch == '-' || ch == '.' || ch == ':' || ch == '=';
      });
  if (!ok) {
    return Fail(Invalid("cursor must be a value returned as next_cursor", "cursor"));
  }
  return *v;
}

Result<int> QueryLimit(const HttpRequest& req, int max) {
  const std::string* v = QueryValue(req, "limit");
  if (v == nullptr) {
    return std::min(50, max);
  }
  int n = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || end != v->data() + v->size() || n < 1 || n > max) {
    return Fail(Invalid(fmt::format("limit must be an integer from 1 to {}", max), "limit"));
  }
  return n;
}

Result<std::optional<Instant>> QueryTime(const HttpRequest& req, std::string_view name,
                                         bool required = false) {
  const std::string* v = QueryValue(req, name);
  if (v == nullptr) {
    if (required) {
      return Fail(Invalid(fmt::format("missing query parameter {}", name), std::string(name)));
    }
    return std::optional<Instant>();
  }
  auto t = ParseRfc3339(*v);
  if (!t) {
    return Fail(Invalid(fmt::format("{} must be an RFC 3339 time", name), std::string(name)));
  }
  return std::optional<Instant>(*t);
}

// The body as a JSON object holding only `allowed` members; "" counts as {}.
Result<json::object> Body(const HttpRequest& req, std::initializer_list<std::string_view> allowed) {
  if (req.body.empty()) {
    return json::object();
  }
  auto doc = ParseJson(req.body);
  if (!doc) {
    return Fail(Error(ErrorCode::kParse, "the body is not valid JSON", "$"));
  }
  if (!doc->is_object()) {
    return Fail(Invalid("the body must be a JSON object", "$"));
  }
  for (const auto& kv : doc->get_object()) {
    if (std::find(allowed.begin(), allowed.end(), kv.key()) == allowed.end()) {
      return Fail(Invalid("unknown field", JoinPath("$", kv.key())));
    }
  }
  return std::move(doc->get_object());
}

Result<std::string> BodyId(const json::object& o, std::string_view key) {
  HUB_TRY(std::string v, GetString(o, key, "$"));
  return ValidId(std::move(v), JoinPath("$", key));
}

// Optional free text without control characters.
Result<std::string> BodyText(const json::object& o, std::string_view key, size_t max) {
  HUB_TRY(std::optional<std::string> v, GetOptionalString(o, key, "$"));
  if (!v) {
    return std::string();
  }
  const bool ok = v->size() <= max && std::none_of(v->begin(), v->end(), [](char ch) {
                    return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f;
                  });
  if (!ok) {
    return Fail(Invalid(fmt::format("at most {} bytes without control characters", max),
                        JoinPath("$", key)));
  }
  return *v;
}

// ------------------------------------------------------------------ answers

json::value CursorJson(const std::string& cursor) {
  return cursor.empty() ? json::value(nullptr) : json::value(cursor);
}

Result<HttpResponse> PageOut(Result<Page> page) {
  HUB_TRY(Page p, std::move(page));
  return Json(
      200, json::object{{"items", std::move(p.items)}, {"next_cursor", CursorJson(p.next_cursor)}});
}

Result<HttpResponse> ItemsOut(Result<json::array> items) {
  HUB_TRY(json::array a, std::move(items));
  return Json(200, json::object{{"items", std::move(a)}, {"next_cursor", nullptr}});
}

Result<HttpResponse> ObjectOut(Result<json::object> o, int status = 200) {
  HUB_TRY(json::object v, std::move(o));
  return Json(status, v);
}

std::string EtagOf(const json::object& o) {
  return "\"" + Sha256Hex(json::serialize(o)).substr(0, kEtagHexChars) + "\"";
}

// nullopt when If-Match names `etag` (or is "*"); else the 428/412 answer.
std::optional<HttpResponse> CheckIfMatch(const HttpRequest& req, const std::string& etag) {
  auto h = req.Header("If-Match");
  if (!h) {
    return Problem(428, "Precondition Required",
                   "send If-Match with the ETag from the last GET of this resource", "If-Match",
                   "precondition_required");
  }
  std::string_view rest = *h;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    std::string_view tag = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    while (!tag.empty() && tag.front() == ' ') {
      tag.remove_prefix(1);
    }
    while (!tag.empty() && tag.back() == ' ') {
      tag.remove_suffix(1);
    }
    if (tag.starts_with("W/")) {
      tag.remove_prefix(2);
    }
    if (tag == "*" || tag == etag) {
      return std::nullopt;
    }
  }
  return Problem(412, "Precondition Failed",
                 "the resource changed since it was read: GET it again and retry", "If-Match",
                 "precondition_failed");
}

// Audits a change; PII in the payloads is masked (an erased customer must not
// live on in the audit log). A failed write is logged: the change is done.
void AuditChange(Ctx& c, std::string_view action, const std::string& object, json::value before,
                 json::value after) {
  MaskPii(before, true);
  MaskPii(after, true);
  auto st = c.auth.Audit(c.who.Actor(), std::string(action), object, json::serialize(before),
                         json::serialize(after));
  if (!st) {
    obs::LogError("api.audit_failed", c.req.request_id,
                  {{"action", std::string(action)},
                   {"object", object},
                   {"error", std::string(ErrorCodeName(st.error().code))}});
  }
}

// ---------------------------------------------------------------- handlers

Result<HttpResponse> GetOverview(Ctx& c) {
  HUB_TRY_STATUS(CheckQuery(c.req, {"series"}));
  bool with_series = true;
  if (const std::string* s = QueryValue(c.req, "series")) {
    if (*s != "true" && *s != "false") {
      return Fail(Invalid("series must be true or false", "series"));
    }
    with_series = *s == "true";
  }
  return ObjectOut(c.model.Overview(with_series));
}

Result<HttpResponse> GetOpenApi(Ctx& c) {
  HUB_TRY_STATUS(CheckQuery(c.req, {}));
  HttpResponse r;
  r.body = std::string(OpenApiJson());
  return r;
}

// The calling key, so a client can show what its role may do.
Result<HttpResponse> GetMe(Ctx& c) {
  HUB_TRY_STATUS(CheckQuery(c.req, {}));
  return Json(
      200, json::object{
               {"key_id", c.who.key_id}, {"label", c.who.label}, {"role", RoleName(c.who.role)}});
}

Result<HttpResponse> ListMessages(Ctx& c) {
  HUB_TRY_STATUS(
      CheckQuery(c.req, {"source", "topic", "correlation_id", "from", "to", "cursor", "limit"}));
  MessageQuery q;
  HUB_TRY(q.source, QueryId(c.req, "source"));
  HUB_TRY(q.topic, QueryId(c.req, "topic"));
  HUB_TRY(q.correlation_id, QueryId(c.req, "correlation_id"));
  HUB_TRY(q.from, QueryTime(c.req, "from"));
  HUB_TRY(q.to, QueryTime(c.req, "to"));
  HUB_TRY(q.cursor, QueryCursor(c.req));
  HUB_TRY(q.limit, QueryLimit(c.req, c.opt.page_limit_max));
  return PageOut(c.model.Messages(q));
}

Result<HttpResponse> GetMessage(Ctx& c, bool raw) {
  HUB_TRY_STATUS(CheckQuery(c.req, {}));
  HUB_TRY(std::string id, PathId(c.req, "id"));
  return ObjectOut(c.model.Message(id, raw));
}

Result<HttpResponse> ListFailures(Ctx& c, std::string_view kind) {
  HUB_TRY_STATUS(CheckQuery(c.req, {"state", "source", "topic", "reason", "cursor", "limit"}));
  FailureQuery q;
  q.kind = std::string(kind);
  if (QueryValue(c.req, "state") != nullptr) {
    HUB_TRY(q.state, QueryId(c.req, "state"));
    if (q.state == "all") {
      q.state.clear();
    }
  }
  HUB_TRY(q.source, QueryId(c.req, "source"));
  HUB_TRY(q.topic, QueryId(c.req, "topic"));
  HUB_TRY(q.reason, QueryId(c.req, "reason"));
  HUB_TRY(q.cursor, QueryCursor(c.req));
  HUB_TRY(q.limit, QueryLimit(c.req, c.opt.page_limit_max));
  return PageOut(c.model.Failures(q));
}

// The failure `id` of this kind ("dlq" or "exception"); kNotFound for the other kind.
Result<json::object> LoadFailure(Ctx& c, std::string_view kind) {
  HUB_TRY(std::string id, PathId(c.req, "id"));
  HUB_TRY(json::object f, c.model.Failure(id));
  auto k = FindString(f, "kind");
  if (k && *k != kind) {
    return Fail(ErrorCode::kNotFound, fmt::format("no {} entry {}", kind, id), "id");
  }
  return f;
}

Result<HttpResponse> ShowFailure(Ctx& c, std::string_view kind) {
  HUB_TRY_STATUS(CheckQuery(c.req, {}));
  HUB_TRY(json::object f, LoadFailure(c, kind));
  HttpResponse r = Json(200, f);
  r.headers.emplace_back("ETag", EtagOf(f));
  return r;
}

Result<HttpResponse> ResolveFailure(Ctx& c, std::string_view kind) {
  HUB_TRY_STATUS(CheckQuery(c.req, {}));
  HUB_TRY(json::object body, Body(c.req, {"note"}));
  HUB_TRY(std::string note, BodyText(body, "note", kTextBytesMax));
  HUB_TRY(json::object before, LoadFailure(c, kind));
  if (auto refused = CheckIfMatch(c.req, EtagOf(before))) {
    return *refused;
  }
  const std::string id = c.req.path_params.at("id");
  HUB_TRY_STATUS(c.model.ResolveFailure(id, c.who.Actor(), note));
  HUB_TRY(json::object after, c.model.Failure(id));
  AuditChange(c, "failure.resolve", "failure:" + id, before, after);
  HttpResponse r = Json(200, after);
  r.headers.emplace_back("ETag", EtagOf(after));
  return r;
}

Result<HttpResponse> ListReplays(Ctx& c) {
  HUB_TRY_STATUS(CheckQuery(c.req, {"state"}));
  HUB_TRY(std::string state, QueryId(c.req, "state"));
  return PageOut(c.model.Replays(state));
}

Result<HttpResponse> RequestReplay(Ctx& c) {
  HUB_TRY_STATUS(CheckQuery(c.req, {}));
  HUB_TRY(json::object body, Body(c.req, {"failure_ids", "reason"}));
  HUB_TRY(const json::array* ids, GetArray(body, "failure_ids", "$"));
  if (ids->empty() || ids->size() > kReplayIdsMax) {
    return Fail(Invalid(fmt::format("1 to {} failure ids", kReplayIdsMax), "$.failure_ids"));
  }
  std::vector<std::string> failure_ids;
  for (size_t i = 0; i < ids->size(); ++i) {
    const std::string field = fmt::format("$.failure_ids[{}]", i);
    if (!(*ids)[i].is_string()) {
      return Fail(Invalid("expected string at " + field, field));
    }
    HUB_TRY(std::string id, ValidId(std::string((*ids)[i].get_string()), field));
    failure_ids.push_back(std::move(id));
  }
  HUB_TRY(std::string reason, BodyText(body, "reason", kTextBytesMax));
  HUB_TRY(json::object r, c.model.RequestReplay(failure_ids, c.who.Actor(), reason));
  AuditChange(c, "replay.request", "replay:" + FindString(r, "id").value_or(""), body, r);
  return Json(201, r);
}

Result<HttpResponse> ApproveReplay(Ctx& c) {
  HUB_TRY_STATUS(CheckQuery(c.req, {}));
  HUB_TRY(json::object body, Body(c.req, {}));
  HUB_TRY(std::string id, PathId(c.req, "id"));
  HUB_TRY(json::object r, c.model.ApproveReplay(id, c.who.Actor()));
  AuditChange(c, "replay.approve", "replay:" + id, json::object{{"state", "pending"}}, r);
  return Json(200, r);
}

Result<HttpResponse> SearchCustomers(Ctx& c) {
  HUB_TRY_STATUS(CheckQuery(c.req, {"q", "cursor", "limit"}));
  HUB_TRY(std::string q, QuerySearch(c.req, "q"));
  HUB_TRY(std::string cursor, QueryCursor(c.req));
  HUB_TRY(int limit, QueryLimit(c.req, c.opt.page_limit_max));
  return PageOut(c.model.SearchCustomers(q, cursor, limit));
}

Result<HttpResponse> GetCustomer(Ctx& c) {
  HUB_TRY_STATUS(CheckQuery(c.req, {}));
  HUB_TRY(std::string id, PathId(c.req, "id"));
  return ObjectOut(c.model.Customer(id));
}

Result<HttpResponse> ReviewQueue(Ctx& c) {
  HUB_TRY_STATUS(CheckQuery(c.req, {"cursor", "limit"}));
  HUB_TRY(std::string cursor, QueryCursor(c.req));
  HUB_TRY(int limit, QueryLimit(c.req, c.opt.page_limit_max));
  return PageOut(c.model.ReviewQueue(cursor, limit));
}

Result<HttpResponse> Explain(Ctx& c) {
  HUB_TRY_STATUS(CheckQuery(c.req, {"a", "b"}));
  HUB_TRY(std::string a, QueryId(c.req, "a", true));
  HUB_TRY(std::string b, QueryId(c.req, "b", true));
  return ObjectOut(c.model.Explain(a, b));
}

Result<HttpResponse> Merge(Ctx& c) {
  HUB_TRY_STATUS(CheckQuery(c.req, {}));
  HUB_TRY(json::object body, Body(c.req, {"record_a", "record_b"}));
  HUB_TRY(std::string a, BodyId(body, "record_a"));
  HUB_TRY(std::string b, BodyId(body, "record_b"));
  HUB_TRY(json::object r, c.model.Merge(a, b, c.who.Actor()));
  AuditChange(c, "customer.merge", fmt::format("records:{},{}", a, b), body, r);
  return Json(201, r);
}

Result<HttpResponse> Unmerge(Ctx& c) {
  HUB_TRY_STATUS(CheckQuery(c.req, {}));
  HUB_TRY(json::object body, Body(c.req, {"record"}));
  HUB_TRY(std::string record, BodyId(body, "record"));
  HUB_TRY(json::object r, c.model.Unmerge(record, c.who.Actor()));
  AuditChange(c, "customer.unmerge", "record:" + record, body, r);
  return Json(201, r);
}

Result<HttpResponse> Erase(Ctx& c) {
  HUB_TRY_STATUS(CheckQuery(c.req, {}));
  HUB_TRY(json::object body, Body(c.req, {}));
  HUB_TRY(std::string id, PathId(c.req, "id"));
  HUB_TRY(json::object r, c.model.Erase(id, c.who.Actor()));
  AuditChange(c, "customer.erase", "customer:" + id, json::object{{"customer_id", id}}, r);
  return Json(200, r);
}

Result<HttpResponse> GetOrder(Ctx& c) {
  HUB_TRY_STATUS(CheckQuery(c.req, {}));
  HUB_TRY(std::string id, PathId(c.req, "id"));
  return ObjectOut(c.model.Order(id));
}

Result<HttpResponse> OrderPostings(Ctx& c) {
  HUB_TRY_STATUS(CheckQuery(c.req, {}));
  HUB_TRY(std::string id, PathId(c.req, "id"));
  return ItemsOut(c.model.OrderPostings(id));
}

Result<HttpResponse> Accounts(Ctx& c) {
  HUB_TRY_STATUS(CheckQuery(c.req, {}));
  return ItemsOut(c.model.Accounts());
}

Result<HttpResponse> Entries(Ctx& c) {
  HUB_TRY_STATUS(CheckQuery(c.req, {"order_id", "correlation_id", "account", "cursor", "limit"}));
  HUB_TRY(std::string order_id, QueryId(c.req, "order_id"));
  HUB_TRY(std::string correlation_id, QueryId(c.req, "correlation_id"));
  HUB_TRY(std::string account, QueryId(c.req, "account"));
  HUB_TRY(std::string cursor, QueryCursor(c.req));
  HUB_TRY(int limit, QueryLimit(c.req, c.opt.page_limit_max));
  return PageOut(c.model.Entries(order_id, correlation_id, account, cursor, limit));
}

Result<HttpResponse> TrialBalance(Ctx& c) {
  HUB_TRY_STATUS(CheckQuery(c.req, {"as_of"}));
  HUB_TRY(std::optional<Instant> as_of, QueryTime(c.req, "as_of"));
  return ObjectOut(c.model.TrialBalance(as_of));
}

Result<HttpResponse> Statement(Ctx& c) {
  HUB_TRY_STATUS(CheckQuery(c.req, {"from", "to"}));
  HUB_TRY(std::string account, PathId(c.req, "account"));
  HUB_TRY(std::optional<Instant> from, QueryTime(c.req, "from", true));
  HUB_TRY(std::optional<Instant> to, QueryTime(c.req, "to", true));
  if (*to < *from) {
    return Fail(Invalid("to must not be before from", "to"));
  }
  return ObjectOut(c.model.Statement(account, *from, *to));
}

Result<HttpResponse> Payouts(Ctx& c) {
  HUB_TRY_STATUS(CheckQuery(c.req, {"cursor", "limit"}));
  HUB_TRY(std::string cursor, QueryCursor(c.req));
  HUB_TRY(int limit, QueryLimit(c.req, c.opt.page_limit_max));
  return PageOut(c.model.Payouts(cursor, limit));
}

Result<HttpResponse> PayoutReport(Ctx& c) {
  HUB_TRY_STATUS(CheckQuery(c.req, {}));
  HUB_TRY(std::string id, PathId(c.req, "id"));
  return ObjectOut(c.model.PayoutReport(id));
}

Result<HttpResponse> ReconExceptions(Ctx& c) {
  HUB_TRY_STATUS(CheckQuery(c.req, {"reason", "cursor", "limit"}));
  HUB_TRY(std::string reason, QueryId(c.req, "reason"));
  HUB_TRY(std::string cursor, QueryCursor(c.req));
  HUB_TRY(int limit, QueryLimit(c.req, c.opt.page_limit_max));
  return PageOut(c.model.ReconExceptions(reason, cursor, limit));
}

Result<HttpResponse> ReconAction(Ctx& c) {
  HUB_TRY_STATUS(CheckQuery(c.req, {}));
  HUB_TRY(json::object body, Body(c.req, {"action", "args"}));
  HUB_TRY(std::string id, PathId(c.req, "id"));
  HUB_TRY(std::string action, GetString(body, "action", "$"));
  constexpr std::string_view kActions[] = {"match", "write-off", "ignore", "approve-write-off"};
  if (std::find(std::begin(kActions), std::end(kActions), action) == std::end(kActions)) {
    return Fail(
        Invalid("action must be match, write-off, ignore or approve-write-off", "$.action"));
  }
  json::object args;
  if (body.contains("args")) {
    HUB_TRY(const json::object* a, GetObject(body, "args", "$"));
    args = *a;
  }
  HUB_TRY(json::object r, c.model.ReconAction(id, action, args, c.who.Actor()));
  AuditChange(c, "recon." + action, "recon_exception:" + id, body, r);
  return Json(200, r);
}

Result<HttpResponse> Availability(Ctx& c) {
  HUB_TRY_STATUS(CheckQuery(c.req, {"sku", "location"}));
  HUB_TRY(std::string sku, QueryId(c.req, "sku", true));
  HUB_TRY(std::string location, QueryId(c.req, "location"));
  return ItemsOut(c.model.Availability(sku, location));
}

std::string MappingsEtag(const json::object& m) {
  return fmt::format("\"v{}\"", FindInt64(m, "version").value_or(0));
}

Result<HttpResponse> GetMappings(Ctx& c) {
  HUB_TRY_STATUS(CheckQuery(c.req, {}));
  HUB_TRY(json::object m, c.model.Mappings());
  HttpResponse r = Json(200, m);
  r.headers.emplace_back("ETag", MappingsEtag(m));
  return r;
}

Result<HttpResponse> PutMapping(Ctx& c) {
  HUB_TRY_STATUS(CheckQuery(c.req, {}));
  HUB_TRY(std::string section, PathId(c.req, "section"));
  const bool is_array = section == "chart" || section == "locations";
  if (!is_array && section != "tenders" && section != "tax_codes") {
    return Fail(Invalid("section must be chart, tenders, tax_codes or locations", "section"));
  }
  auto doc = ParseJson(c.req.body);
  if (!doc) {
    return Fail(Error(ErrorCode::kParse, "the body is not valid JSON", "$"));
  }
  if (is_array ? !doc->is_array() : !doc->is_object()) {
    return Fail(
        Invalid(fmt::format("{} must be a JSON {}", section, is_array ? "array" : "object"), "$"));
  }
  HUB_TRY(json::object current, c.model.Mappings());
  if (auto refused = CheckIfMatch(c.req, MappingsEtag(current))) {
    return *refused;
  }
  const std::int64_t version = FindInt64(current, "version").value_or(0);
  auto updated = c.model.UpdateMapping(section, *doc, version, c.who.Actor());
  if (!updated && updated.error().code == ErrorCode::kConflict) {
    return Problem(412, "Precondition Failed", updated.error().message, "If-Match",
                   "precondition_failed");
  }
  HUB_TRY(json::object after, std::move(updated));
  const json::value* before = current.if_contains(section);
  AuditChange(c, "mapping.update", "mapping:" + section, before ? *before : json::value(), *doc);
  HttpResponse r = Json(200, after);
  r.headers.emplace_back("ETag", MappingsEtag(after));
  return r;
}

json::object KeyJson(const KeyInfo& k) {
  return json::object{{"id", k.id},
                      {"role", RoleName(k.role)},
                      {"label", k.label},
                      {"created_by", k.created_by},
                      {"created_at", FormatRfc3339(k.created_at)},
                      {"revoked_at", k.revoked_at ? json::value(FormatRfc3339(*k.revoked_at))
                                                  : json::value(nullptr)}};
}

Result<HttpResponse> ListKeys(Ctx& c) {
  HUB_TRY_STATUS(CheckQuery(c.req, {}));
  HUB_TRY(std::vector<KeyInfo> keys, c.auth.List());
  json::array items;
  for (const auto& k : keys) {
    items.push_back(KeyJson(k));
  }
  return Json(200, json::object{{"items", std::move(items)}, {"next_cursor", nullptr}});
}

Result<HttpResponse> CreateKey(Ctx& c) {
  HUB_TRY_STATUS(CheckQuery(c.req, {}));
  HUB_TRY(json::object body, Body(c.req, {"role", "label"}));
  HUB_TRY(std::string role_name, GetString(body, "role", "$"));
  auto role = ParseRole(role_name);
  if (!role) {
    return Fail(Invalid(role.error().message, "$.role"));
  }
  HUB_TRY(std::string label, BodyText(body, "label", kLabelBytesMax));
  if (!label.empty()) {
    HUB_TRY_STATUS(ValidId(label, "$.label"));
  }
  HUB_TRY(std::string secret, c.auth.CreateKey(*role, label, c.who.Actor()));
  return Json(
      201,
      json::object{
          {"id", KeyIdOf(secret)}, {"key", secret}, {"role", RoleName(*role)}, {"label", label}});
}

Result<HttpResponse> RevokeKey(Ctx& c) {
  HUB_TRY_STATUS(CheckQuery(c.req, {}));
  HUB_TRY(std::string id, PathId(c.req, "id"));
  HUB_TRY_STATUS(c.auth.Revoke(id, c.who.Actor()));
  return Json(200, json::object{{"id", id}, {"revoked", true}});
}

Result<HttpResponse> ListAudit(Ctx& c) {
  HUB_TRY_STATUS(CheckQuery(c.req, {"action", "cursor", "limit"}));
  HUB_TRY(std::string action, QueryId(c.req, "action"));
  HUB_TRY(std::string cursor, QueryCursor(c.req));
  HUB_TRY(int limit, QueryLimit(c.req, c.opt.page_limit_max));
  std::int64_t after_seq = 0;
  if (!cursor.empty()) {
    auto [end, ec] = std::from_chars(cursor.data(), cursor.data() + cursor.size(), after_seq);
    if (ec != std::errc() || end != cursor.data() + cursor.size() || after_seq < 0) {
      return Fail(Invalid("cursor must be a value returned as next_cursor", "cursor"));
    }
  }
  json::array items;
  std::int64_t last = 0;
  HUB_TRY_STATUS(c.auth.db().Run([&](store::Connection& conn) -> Status {
    HUB_TRY(store::Statement * sel,
            conn.Prepare("SELECT seq, at, actor, action, object, before, after FROM audit_log "
                         "WHERE seq > $1 AND ($2 = '' OR action = $2) ORDER BY seq LIMIT $3"));
    sel->Bind(1, after_seq).Bind(2, action).Bind(3, std::int64_t{limit});
    while (true) {
      HUB_TRY(bool row, sel->Step());
      if (!row) {
        return Ok();
      }
      auto as_json = [](const std::string& text) {
        auto v = ParseJson(text);
        return v ? *v : json::value(text);
      };
      last = sel->Int(0);
      items.push_back(json::object{{"seq", last},
                                   {"at", FormatRfc3339(Instant{sel->Int(1)})},
                                   {"actor", sel->Text(2)},
                                   {"action", sel->Text(3)},
                                   {"object", sel->Text(4)},
                                   {"before", as_json(sel->Text(5))},
                                   {"after", as_json(sel->Text(6))}});
    }
  }));
  const bool full = items.size() == static_cast<size_t>(limit);
  return Json(200, json::object{{"items", std::move(items)},
                                {"next_cursor",
                                 full ? json::value(std::to_string(last)) : json::value(nullptr)}});
}

// ------------------------------------------------------------------ table

const std::vector<Spec>& Specs() {
  static const std::vector<Spec> specs = {
      {"GET", "/v1/overview", Access::kRead, kNoFlags, GetOverview},
      {"GET", "/v1/openapi.json", Access::kRead, kNoFlags, GetOpenApi},
      {"GET", "/v1/me", Access::kRead, kNoFlags, GetMe},
      {"GET", "/v1/messages", Access::kRead, kPii, ListMessages},
      {"GET", "/v1/messages/{id}", Access::kRead, kPii,
       [](Ctx& c) { return GetMessage(c, false); }},
      {"GET", "/v1/messages/{id}/raw", Access::kAdmin, kPii,
       [](Ctx& c) { return GetMessage(c, true); }},
      {"GET", "/v1/dlq", Access::kRead, kNoFlags, [](Ctx& c) { return ListFailures(c, "dlq"); }},
      {"GET", "/v1/dlq/{id}", Access::kRead, kNoFlags,
       [](Ctx& c) { return ShowFailure(c, "dlq"); }},
      {"POST", "/v1/dlq/{id}/resolve", Access::kFinance, kNoFlags,
       [](Ctx& c) { return ResolveFailure(c, "dlq"); }},
      {"GET", "/v1/exceptions", Access::kRead, kNoFlags,
       [](Ctx& c) { return ListFailures(c, "exception"); }},
      {"GET", "/v1/exceptions/{id}", Access::kRead, kNoFlags,
       [](Ctx& c) { return ShowFailure(c, "exception"); }},
      {"POST", "/v1/exceptions/{id}/resolve", Access::kFinance, kNoFlags,
       [](Ctx& c) { return ResolveFailure(c, "exception"); }},
      {"GET", "/v1/replays", Access::kRead, kNoFlags, ListReplays},
      {"POST", "/v1/replays", Access::kFinance, kCreates, RequestReplay},
      {"POST", "/v1/replays/{id}/approve", Access::kFinance, kNoFlags, ApproveReplay},
      {"GET", "/v1/customers", Access::kRead, kPii, SearchCustomers},
      {"GET", "/v1/customers/review-queue", Access::kSteward, kPii, ReviewQueue},
      {"GET", "/v1/customers/explain", Access::kSteward, kPii, Explain},
      {"POST", "/v1/customers/merges", Access::kSteward, kCreates, Merge},
      {"POST", "/v1/customers/unmerges", Access::kSteward, kCreates, Unmerge},
      {"GET", "/v1/customers/{id}", Access::kRead, kPii, GetCustomer},
      {"POST", "/v1/customers/{id}/erasure", Access::kSteward, kCreates, Erase},
      {"GET", "/v1/orders/{id}", Access::kRead, kPii, GetOrder},
      {"GET", "/v1/orders/{id}/postings", Access::kRead, kNoFlags, OrderPostings},
      {"GET", "/v1/ledger/accounts", Access::kRead, kNoFlags, Accounts},
      {"GET", "/v1/ledger/accounts/{account}/statement", Access::kRead, kNoFlags, Statement},
      {"GET", "/v1/ledger/entries", Access::kRead, kNoFlags, Entries},
      {"GET", "/v1/ledger/trial-balance", Access::kRead, kNoFlags, TrialBalance},
      {"GET", "/v1/reconciliation/payouts", Access::kRead, kNoFlags, Payouts},
      {"GET", "/v1/reconciliation/payouts/{id}", Access::kRead, kNoFlags, PayoutReport},
      {"GET", "/v1/reconciliation/exceptions", Access::kRead, kNoFlags, ReconExceptions},
      {"POST", "/v1/reconciliation/exceptions/{id}/actions", Access::kFinance, kNoFlags,
       ReconAction},
      {"GET", "/v1/inventory/availability", Access::kRead, kNoFlags, Availability},
      {"GET", "/v1/mappings", Access::kRead, kNoFlags, GetMappings},
      {"PUT", "/v1/mappings/{section}", Access::kAdmin, kNoFlags, PutMapping},
      {"GET", "/v1/keys", Access::kAdmin, kNoFlags, ListKeys},
      {"POST", "/v1/keys", Access::kAdmin, kCreates | kSecret, CreateKey},
      {"DELETE", "/v1/keys/{id}", Access::kAdmin, kNoFlags, RevokeKey},
      {"GET", "/v1/audit", Access::kAdmin, kNoFlags, ListAudit},
  };
  return specs;
}

// ------------------------------------------------------------------ wrapper

struct Shared {
  ReadModel& model;
  Auth& auth;
  V1Options options;
  Idempotency idem;
};

std::optional<std::string> PresentedKey(const HttpRequest& req) {
  if (auto h = req.Header("Authorization")) {
    constexpr std::string_view kBearer = "Bearer ";
    if (h->size() > kBearer.size() && EqualsIgnoreCase(h->substr(0, kBearer.size()), kBearer)) {
      return h->substr(kBearer.size());
    }
    return std::nullopt;
  }
  return req.Header("X-Api-Key");
}

HttpResponse Unauthorized() {
  HttpResponse r = Problem(401, "Unauthorized",
                           "send a valid API key as Authorization: Bearer <key> or X-Api-Key",
                           "Authorization", "unauthenticated");
  r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"retailhub\"");
  return r;
}

HttpResponse Run(const Spec& s, Ctx& c) {
  auto r = s.fn(c);
  return r ? std::move(*r) : ProblemFromError(r.error());
}

// Masks PII for roles that may not see it; audits a full read by those that may.
HttpResponse Unmask(Ctx& c, HttpResponse r) {
  if (r.status < 200 || r.status > 299) {
    return r;
  }
  auto doc = ParseJson(r.body);
  if (!doc) {
    return r;
  }
  const bool full = c.who.role == Role::kSteward || c.who.role == Role::kAdmin;
  const int fields = MaskPii(*doc, !full);
  if (!full) {
    r.body = json::serialize(*doc);
    return r;
  }
  if (fields > 0) {
    auto st = c.auth.Audit(c.who.Actor(), "customer.read_pii", c.req.path, "",
                           fmt::format(R"({{"fields":{}}})", fields));
    if (!st) {
      // No audit, no PII: the read is refused rather than left untraced.
      obs::LogError("api.audit_failed", c.req.request_id, {{"action", "customer.read_pii"}});
      return Problem(503, "Service Unavailable", "the read could not be audited; retry", "",
                     "unavailable");
    }
  }
  return r;
}

bool ValidIdempotencyKey(const std::string& k) {
  return !k.empty() && k.size() <= kIdemKeyBytesMax &&
         std::all_of(k.begin(), k.end(), [](char ch) { return ch > 0x20 && ch < 0x7f; });
}

// A secret is never stored: the replay says it was shown once.
HttpResponse Redacted(const HttpResponse& r) {
  HttpResponse out = r;
  auto doc = ParseJson(r.body);
  if (doc && doc->is_object()) {
    doc->get_object()["key"] = nullptr;
    doc->get_object()["key_redacted"] = true;
    out.body = json::serialize(*doc);
  }
  return out;
}

HttpResponse RunIdempotent(const Spec& s, Ctx& c, Idempotency& idem) {
  auto key = c.req.Header("Idempotency-Key");
  if (!key) {
    if ((s.flags & kCreates) == 0) {
      return Run(s, c);
    }
    return Problem(400, "Bad Request", "this POST creates: send an Idempotency-Key header",
                   "Idempotency-Key", "invalid_argument");
  }
  if (!ValidIdempotencyKey(*key)) {
    return Problem(400, "Bad Request", "Idempotency-Key must be 1-200 visible ASCII characters",
                   "Idempotency-Key", "invalid_argument");
  }
  const std::string hash = Sha256Hex(c.req.method + "\n" + c.req.path + "\n" + c.req.body);
  auto begun = idem.Begin(c.who.key_id, *key, hash);
  if (!begun) {
    return ProblemFromError(begun.error());
  }
  switch (begun->state) {
    case Idempotency::State::kReplay:
      begun->replay.headers.emplace_back("Idempotent-Replayed", "true");
      return begun->replay;
    case Idempotency::State::kMismatch:
      return Problem(422, "Unprocessable Content",
                     "this Idempotency-Key was used with a different request", "Idempotency-Key",
                     "idempotency_key_reused");
    case Idempotency::State::kInProgress:
      return Problem(409, "Conflict", "a request with this Idempotency-Key is still running",
                     "Idempotency-Key", "conflict");
    case Idempotency::State::kFresh:
      break;
  }
  HttpResponse r = Run(s, c);
  auto st = idem.Finish(c.who.key_id, *key, (s.flags & kSecret) != 0 ? Redacted(r) : r);
  if (!st) {
    obs::Warn("api.idempotency_store_failed", c.req.request_id,
              {{"error", std::string(ErrorCodeName(st.error().code))}});
  }
  return r;
}

HttpResponse Serve(const Spec& s, HttpRequest& req, Shared& sh) {
  const auto presented = PresentedKey(req);
  if (!presented) {
    return Unauthorized();
  }
  auto who = sh.auth.Authenticate(*presented);
  if (!who) {
    return who.error().code == ErrorCode::kUnauthenticated ? Unauthorized()
                                                           : ProblemFromError(who.error());
  }
  if (const std::int64_t wait_s = sh.auth.RetryAfterSeconds(who->key_id); wait_s > 0) {
    HttpResponse r = Problem(429, "Too Many Requests",
                             fmt::format("rate limit of this key reached; retry in {} s", wait_s),
                             "", "rate_limited");
    r.headers.emplace_back("Retry-After", std::to_string(wait_s));
    return r;
  }
  if (!Allows(s.access, who->role)) {
    return Problem(
        403, "Forbidden",
        fmt::format("role {} may not call {} {}", RoleName(who->role), s.method, s.pattern), "",
        "permission_denied");
  }
  if (req.body.size() > sh.options.body_bytes_max) {
    return Problem(413, "Content Too Large",
                   fmt::format("the body is over {} bytes", sh.options.body_bytes_max), "$",
                   "too_large");
  }
  Ctx c{req, *who, sh.model, sh.auth, sh.options};
  HttpResponse r = s.method == "POST" ? RunIdempotent(s, c, sh.idem) : Run(s, c);
  return (s.flags & kPii) != 0 ? Unmask(c, std::move(r)) : r;
}

}  // namespace

bool Allows(Access access, Role role) {
  switch (access) {
    case Access::kRead:
      return role != Role::kIngest;
    case Access::kFinance:
      return role == Role::kFinance || role == Role::kAdmin;
    case Access::kSteward:
      return role == Role::kSteward || role == Role::kAdmin;
    case Access::kAdmin:
      return role == Role::kAdmin;
  }
  return false;
}

std::vector<RouteInfo> V1Routes() {
  std::vector<RouteInfo> out;
  for (const auto& s : Specs()) {
    out.push_back(
        {std::string(s.method), std::string(s.pattern), s.access, (s.flags & kCreates) != 0});
  }
  return out;
}

void RegisterV1Routes(Router& router, ReadModel& model, Auth& auth, const V1Options& options) {
  auto shared =
      std::make_shared<Shared>(Shared{model, auth, options, Idempotency(auth.db(), auth.clock())});
  for (const auto& s : Specs()) {
    router.Add(std::string(s.method), std::string(s.pattern),
               [shared, &s](HttpRequest& req) { return Serve(s, req, *shared); });
  }
}

}  // namespace hub::api::v1
