// API v1 over real HTTP (127.0.0.1, port 0) with a fake ReadModel and a real
// SQLite store. Failure paths first: every route answers 401 without a key,
// 403 to a role it does not allow, 4xx (never 500, never a change) to
// injection and traversal strings in every parameter; then the happy path
// of every route, masking per role, idempotency, If-Match and rate limits.
#include "api/v1/routes.h"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <map>
#include <set>

#include "api/http_client.h"
#include "api/http_server.h"
#include "api/v1/fake_read_model.h"
#include "bus/bus.h"
#include "testing/testing.h"

namespace hub::api::v1 {
namespace {

namespace json = boost::json;
using fake::FakeReadModel;

// A valid request for each route: the target with sample parameters, a body.
struct Sample {
  std::string target;
  std::string body;
  std::map<std::string, std::string> params;  // path params, by name (for injection)
};

const std::map<std::string, Sample>& Samples() {
  static const std::map<std::string, Sample> m = {
      {"GET /v1/overview", {"/v1/overview", ""}},
      {"GET /v1/openapi.json", {"/v1/openapi.json", ""}},
      {"GET /v1/me", {"/v1/me", ""}},
      {"GET /v1/messages",
       {"/v1/"
        "messages?source=shopify&topic=orders:create&correlation_id=c1&from=2026-01-01T00:00:00Z"
        "&to=2026-02-01T00:00:00Z&cursor=c1&limit=10",
        ""}},
      {"GET /v1/messages/{id}", {"/v1/messages/msg_1", "", {{"id", "msg_1"}}}},
      {"GET /v1/messages/{id}/raw", {"/v1/messages/msg_1/raw", "", {{"id", "msg_1"}}}},
      {"GET /v1/dlq", {"/v1/dlq?state=all&source=shopify&topic=t&reason=unmapped&limit=5", ""}},
      {"GET /v1/dlq/{id}", {"/v1/dlq/dlq_1", "", {{"id", "dlq_1"}}}},
      {"POST /v1/dlq/{id}/resolve",
       {"/v1/dlq/dlq_1/resolve", R"({"note":"fixed"})", {{"id", "dlq_1"}}}},
      {"GET /v1/exceptions", {"/v1/exceptions?reason=unmapped", ""}},
      {"GET /v1/exceptions/{id}", {"/v1/exceptions/exc_1", "", {{"id", "exc_1"}}}},
      {"POST /v1/exceptions/{id}/resolve",
       {"/v1/exceptions/exc_1/resolve", R"({"note":"ok"})", {{"id", "exc_1"}}}},
      {"GET /v1/replays", {"/v1/replays?state=pending", ""}},
      {"POST /v1/replays",
       {"/v1/replays", R"({"failure_ids":["dlq_1","exc_1"],"reason":"fixed"})"}},
      {"POST /v1/replays/{id}/approve", {"/v1/replays/rpl_1/approve", "", {{"id", "rpl_1"}}}},
      {"GET /v1/customers", {"/v1/customers?q=ana%20souza&limit=5", ""}},
      {"GET /v1/customers/review-queue", {"/v1/customers/review-queue?limit=5", ""}},
      {"GET /v1/customers/explain", {"/v1/customers/explain?a=shopify:1&b=stripe:2", ""}},
      {"POST /v1/customers/merges",
       {"/v1/customers/merges", R"({"record_a":"shopify:1","record_b":"stripe:2"})"}},
      {"POST /v1/customers/unmerges", {"/v1/customers/unmerges", R"({"record":"shopify:1"})"}},
      {"GET /v1/customers/{id}", {"/v1/customers/cus_1", "", {{"id", "cus_1"}}}},
      {"POST /v1/customers/{id}/erasure", {"/v1/customers/cus_1/erasure", "{}", {{"id", "cus_1"}}}},
      {"GET /v1/orders/{id}", {"/v1/orders/ord_1", "", {{"id", "ord_1"}}}},
      {"GET /v1/orders/{id}/postings", {"/v1/orders/ord_1/postings", "", {{"id", "ord_1"}}}},
      {"GET /v1/ledger/accounts", {"/v1/ledger/accounts", ""}},
      {"GET /v1/ledger/accounts/{account}/statement",
       {"/v1/ledger/accounts/1100/statement?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z",
        "",
        {{"account", "1100"}}}},
      {"GET /v1/ledger/entries", {"/v1/ledger/entries?order_id=ord_1&account=1100&limit=3", ""}},
      {"GET /v1/ledger/trial-balance", {"/v1/ledger/trial-balance?as_of=2026-01-31T23:59:59Z", ""}},
      {"GET /v1/reconciliation/payouts", {"/v1/reconciliation/payouts?limit=2", ""}},
      {"GET /v1/reconciliation/payouts/{id}",
       {"/v1/reconciliation/payouts/po_1", "", {{"id", "po_1"}}}},
      {"GET /v1/reconciliation/exceptions", {"/v1/reconciliation/exceptions?reason=missing", ""}},
      {"POST /v1/reconciliation/exceptions/{id}/actions",
       {"/v1/reconciliation/exceptions/rex_1/actions",
        R"({"action":"write-off","args":{"account":"6100"}})",
        {{"id", "rex_1"}}}},
      {"GET /v1/inventory/availability",
       {"/v1/inventory/availability?sku=SKU-1&location=store-1", ""}},
      {"GET /v1/mappings", {"/v1/mappings", ""}},
      {"PUT /v1/mappings/{section}",
       {"/v1/mappings/chart", R"(["1100","4000"])", {{"section", "chart"}}}},
      {"GET /v1/keys", {"/v1/keys", ""}},
      {"POST /v1/keys", {"/v1/keys", R"({"role":"viewer","label":"dash"})"}},
      {"DELETE /v1/keys/{id}", {"/v1/keys/AAAAAAAA", "", {{"id", "AAAAAAAA"}}}},
      {"GET /v1/audit", {"/v1/audit?action=mapping.update&limit=10", ""}},
  };
  return m;
}

std::string Name(const RouteInfo& r) { return r.method + " " + r.pattern; }

std::string Encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : s) {
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
        ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += kHex[ch >> 4];
      out += kHex[ch & 15];
    }
  }
  return out;
}

const std::vector<std::string>& Hostile() {
  static const std::vector<std::string> v = {
      "1' OR '1'='1", "x'; DROP TABLE api_keys;--",  "../../etc/passwd",   "..", "a/../../b", "%00",
      "\"><script>",  "1;SELECT hash FROM api_keys", std::string(300, 'a')};
  return v;
}

class V1Test : public ::testing::Test {
 protected:
  void SetUp() override { StartWith(AuthOptions{.rate_per_s = 1, .burst = 1'000'000}); }

  void StartWith(AuthOptions auth_options) {
    auto st = store::OpenSqliteStore({.path = (dir_.path() / "hub.db").string()});
    ASSERT_TRUE(st) << st.error().ToString();
    store_ = std::move(*st);
    ASSERT_TRUE(store_->Migrate(bus::Operations::Migrations()));
    ASSERT_TRUE(store_->Migrate(Migrations()));
    auth_ = std::make_unique<Auth>(*store_, clock_, auth_options);
    RegisterV1Routes(router_, model_, *auth_, V1Options{});
    server_ =
        std::make_unique<HttpServer>(HttpServerOptions{.host = "127.0.0.1", .port = 0}, router_);
    ASSERT_TRUE(server_->Start());
    for (Role r : {Role::kAdmin, Role::kFinance, Role::kSteward, Role::kViewer, Role::kIngest}) {
      keys_[r] = auth_->CreateKey(r, "t-" + std::string(RoleName(r)), "test").value();
    }
  }
  void TearDown() override {
    if (server_) {
      server_->Stop();
    }
  }

  HttpResponse Call(const std::string& method, const std::string& target, const std::string& body,
                    HeaderList headers) {
    auto r = HttpCall("127.0.0.1", server_->port(), method, target, body, headers);
    EXPECT_TRUE(r) << r.error().ToString();
    return r ? *r : HttpResponse{.status = 0};
  }
  HttpResponse As(Role role, const std::string& method, const std::string& target,
                  const std::string& body = {}, HeaderList headers = {}) {
    headers.emplace_back("Authorization", "Bearer " + keys_[role]);
    return Call(method, target, body, std::move(headers));
  }
  // Headers a sample needs to pass preconditions: a fresh Idempotency-Key, If-Match.
  HeaderList Preconditions(const RouteInfo& r) {
    HeaderList h;
    if (r.method == "POST") {
      h.emplace_back("Idempotency-Key", "idem-" + std::to_string(++idem_seq_));
    }
    if (r.pattern.ends_with("/resolve")) {
      h.emplace_back("If-Match", "*");
    }
    if (r.method == "PUT") {
      h.emplace_back("If-Match", "\"v3\"");
    }
    return h;
  }
  // Every row of the API's own tables and the audit log.
  std::string TablesDigest() {
    auto conn = store_->Connect().value();
    std::string all;
    for (const char* sql :
         {"SELECT id || hash || role || label || IFNULL(revoked_at, '') FROM api_keys ORDER BY id",
          "SELECT key_id || idem_key || request_hash || status || body FROM api_idempotency ORDER "
          "BY key_id, idem_key",
          "SELECT seq || actor || action || object || before || after FROM audit_log ORDER BY "
          "seq"}) {
      auto* s = conn->Prepare(sql).value();
      while (s->Step().value()) {
        all += s->Text(0) + "\n";
      }
      all += "--\n";
    }
    return all;
  }
  std::vector<std::vector<std::string>> AuditRows(const std::string& action) {
    auto conn = store_->Connect().value();
    auto* s = conn->Prepare(
                      "SELECT actor, object, before, after FROM audit_log WHERE action = $1 "
                      "ORDER BY seq")
                  .value();
    s->Bind(1, action);
    std::vector<std::vector<std::string>> rows;
    while (s->Step().value()) {
      rows.push_back({s->Text(0), s->Text(1), s->Text(2), s->Text(3)});
    }
    return rows;
  }

  hub::testing::TempDir dir_;
  FakeClock clock_{Instant::FromSeconds(1'800'000'000)};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Auth> auth_;
  FakeReadModel model_;
  Router router_;
  std::unique_ptr<HttpServer> server_;
  std::map<Role, std::string> keys_;
  int idem_seq_ = 0;
};

json::object BodyOf(const HttpResponse& r) {
  auto v = json::parse(r.body);
  return v.is_object() ? v.as_object() : json::object{};
}

TEST_F(V1Test, EveryRouteHasASample) {
  for (const auto& r : V1Routes()) {
    EXPECT_TRUE(Samples().count(Name(r))) << Name(r);
  }
  EXPECT_EQ(Samples().size(), V1Routes().size());
}

TEST_F(V1Test, EveryRouteRefusesMissingOrBadKeys) {
  const std::string before = TablesDigest();
  for (const auto& r : V1Routes()) {
    const Sample& s = Samples().at(Name(r));
    for (const HeaderList& h : {HeaderList{}, HeaderList{{"Authorization", "Bearer rh_nope"}},
                                HeaderList{{"X-Api-Key", "rh_" + std::string(43, 'A')}},
                                HeaderList{{"Authorization", "Basic " + keys_[Role::kAdmin]}}}) {
      HttpResponse resp = Call(r.method, s.target, s.body, h);
      EXPECT_EQ(resp.status, 401) << Name(r);
      EXPECT_EQ(resp.content_type, "application/problem+json");
      EXPECT_TRUE(resp.Header("WWW-Authenticate")) << Name(r);
    }
  }
  EXPECT_TRUE(model_.mutations().empty());
  EXPECT_EQ(TablesDigest(), before);
}

TEST_F(V1Test, EveryRouteRefusesRolesOutsideItsPermission) {
  const std::string before = TablesDigest();
  for (const auto& r : V1Routes()) {
    const Sample& s = Samples().at(Name(r));
    for (Role role : {Role::kAdmin, Role::kFinance, Role::kSteward, Role::kViewer, Role::kIngest}) {
      if (Allows(r.access, role)) {
        continue;
      }
      HttpResponse resp = As(role, r.method, s.target, s.body, Preconditions(r));
      EXPECT_EQ(resp.status, 403) << Name(r) << " as " << RoleName(role);
      EXPECT_EQ(BodyOf(resp)["type"], "https://retailhub.dev/problems/permission_denied");
    }
  }
  EXPECT_TRUE(model_.mutations().empty());
  EXPECT_EQ(TablesDigest(), before);
}

TEST_F(V1Test, PermissionTable) {
  std::map<std::string, Access> want = {
      {"GET /v1/messages/{id}/raw", Access::kAdmin},
      {"PUT /v1/mappings/{section}", Access::kAdmin},
      {"GET /v1/audit", Access::kAdmin},
      {"POST /v1/keys", Access::kAdmin},
      {"POST /v1/replays/{id}/approve", Access::kFinance},
      {"POST /v1/reconciliation/exceptions/{id}/actions", Access::kFinance},
      {"POST /v1/customers/merges", Access::kSteward},
      {"POST /v1/customers/unmerges", Access::kSteward},
      {"POST /v1/customers/{id}/erasure", Access::kSteward},
      {"GET /v1/customers/review-queue", Access::kSteward},
      {"GET /v1/ledger/trial-balance", Access::kRead},
  };
  for (const auto& r : V1Routes()) {
    if (want.count(Name(r))) {
      EXPECT_EQ(r.access, want[Name(r)]) << Name(r);
    }
    if (r.method == "GET" && r.access == Access::kRead) {
      EXPECT_TRUE(Allows(r.access, Role::kViewer));
    }
    EXPECT_FALSE(Allows(r.access, Role::kIngest)) << Name(r);
    EXPECT_TRUE(Allows(r.access, Role::kAdmin)) << Name(r);
  }
}

TEST_F(V1Test, HostileStringsInEveryParameterAre4xxAndChangeNothing) {
  const std::string before = TablesDigest();
  int calls = 0;
  for (const auto& r : V1Routes()) {
    const Sample& s = Samples().at(Name(r));
    std::vector<std::string> targets;
    const size_t qpos = s.target.find('?');
    const std::string path = s.target.substr(0, qpos);
    const std::string query = qpos == std::string::npos ? "" : s.target.substr(qpos + 1);
    for (const auto& bad : Hostile()) {
      for (const auto& [name, value] : s.params) {
        std::string t = path;
        t.replace(t.find("/" + value) + 1, value.size(), Encode(bad));
        targets.push_back(t + (query.empty() ? "" : "?" + query));
      }
      // Each query parameter in turn, and an unknown one.
      size_t start = 0;
      while (!query.empty() && start <= query.size()) {
        const size_t amp = std::min(query.find('&', start), query.size());
        const std::string pair = query.substr(start, amp - start);
        const std::string key = pair.substr(0, pair.find('='));
        std::string q = query;
        q.replace(start, amp - start, key + "=" + Encode(bad));
        targets.push_back(path + "?" + q);
        start = amp + 1;
      }
      targets.push_back(s.target + (query.empty() ? "?" : "&") + Encode(bad) + "=1");
    }
    for (const auto& t : targets) {
      HttpResponse resp = As(Role::kAdmin, r.method, t, s.body, Preconditions(r));
      ++calls;
      EXPECT_GE(resp.status, 400) << r.method << " " << t;
      EXPECT_LT(resp.status, 500) << r.method << " " << t << " " << resp.body;
    }
  }
  EXPECT_GT(calls, 300);
  EXPECT_TRUE(model_.mutations().empty()) << model_.mutations()[0];
  EXPECT_EQ(TablesDigest(), before);
}

TEST_F(V1Test, HostileStringsInBodyIdsAre400AndChangeNothing) {
  const std::string before = TablesDigest();
  for (const auto& bad : Hostile()) {
    const std::string q = json::serialize(json::value(bad));
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"/v1/customers/merges", R"({"record_a":)" + q + R"(,"record_b":"x"})"},
        {"/v1/customers/unmerges", R"({"record":)" + q + "}"},
        {"/v1/replays", R"({"failure_ids":[)" + q + "]}"},
        {"/v1/keys", R"({"role":"viewer","label":)" + q + "}"},
        {"/v1/keys", R"({"role":)" + q + "}"},
        {"/v1/reconciliation/exceptions/rex_1/actions", R"({"action":)" + q + "}"},
    };
    for (const auto& [target, body] : cases) {
      HttpResponse resp = As(Role::kAdmin, "POST", target, body,
                             {{"Idempotency-Key", "k" + std::to_string(++idem_seq_)}});
      EXPECT_EQ(resp.status, 400) << target << " " << body;
      EXPECT_TRUE(BodyOf(resp)["field"].as_string().starts_with("$.")) << resp.body;
    }
  }
  EXPECT_TRUE(model_.mutations().empty());
  EXPECT_EQ(TablesDigest(), before);
}

TEST_F(V1Test, MalformedWrongTypedUnknownAndOversizedBodies) {
  const std::string before = TablesDigest();
  struct Case {
    std::string body;
    int status;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"{", 400, "$"},
      {"[1,2]", 400, "$"},
      {"\"text\"", 400, "$"},
      {R"({"record_a":5,"record_b":"x"})", 400, "$.record_a"},
      {R"({"record_a":"a"})", 400, "$.record_b"},
      {R"({"record_a":"a","record_b":"b","extra":1})", 400, "$.extra"},
      {R"({"record_a":"a","record_b":")" + std::string(70 * 1024, 'x') + "\"}", 413, "$"},
  };
  for (const auto& c : cases) {
    HttpResponse resp = As(Role::kSteward, "POST", "/v1/customers/merges", c.body,
                           {{"Idempotency-Key", "m" + std::to_string(++idem_seq_)}});
    EXPECT_EQ(resp.status, c.status) << c.body.substr(0, 60);
    EXPECT_EQ(resp.content_type, "application/problem+json");
    EXPECT_EQ(BodyOf(resp)["field"], json::value(c.field)) << resp.body.substr(0, 200);
  }
  // Wrong types elsewhere: failure ids, args, mapping sections, limits, times.
  EXPECT_EQ(As(Role::kFinance, "POST", "/v1/replays", R"({"failure_ids":"dlq_1"})",
               {{"Idempotency-Key", "r1"}})
                .status,
            400);
  EXPECT_EQ(As(Role::kFinance, "POST", "/v1/replays", R"({"failure_ids":[1]})",
               {{"Idempotency-Key", "r2"}})
                .status,
            400);
  EXPECT_EQ(As(Role::kFinance, "POST", "/v1/reconciliation/exceptions/rex_1/actions",
               R"({"action":"match","args":[1]})")
                .status,
            400);
  EXPECT_EQ(As(Role::kAdmin, "PUT", "/v1/mappings/chart", R"({"not":"an array"})",
               {{"If-Match", "\"v3\""}})
                .status,
            400);
  EXPECT_EQ(As(Role::kAdmin, "PUT", "/v1/mappings/secrets", "[]", {{"If-Match", "\"v3\""}}).status,
            400);
  for (const char* t :
       {"/v1/messages?limit=0", "/v1/messages?limit=501", "/v1/messages?limit=x",
        "/v1/messages?from=yesterday", "/v1/ledger/accounts/1100/statement",
        "/v1/ledger/accounts/1100/statement?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
        "/v1/inventory/availability", "/v1/customers/explain?a=x"}) {
    HttpResponse resp = As(Role::kAdmin, "GET", t);
    EXPECT_EQ(resp.status, 400) << t;
    EXPECT_FALSE(BodyOf(resp)["field"].as_string().empty()) << t;
  }
  EXPECT_TRUE(model_.mutations().empty());
  EXPECT_EQ(TablesDigest(), before);
}

TEST_F(V1Test, EveryRouteHappyPath) {
  for (const auto& r : V1Routes()) {
    const Sample& s = Samples().at(Name(r));
    Role role = r.access == Access::kFinance   ? Role::kFinance
                : r.access == Access::kSteward ? Role::kSteward
                : r.access == Access::kAdmin   ? Role::kAdmin
                                               : Role::kViewer;
    HttpResponse resp = As(role, r.method, s.target, s.body, Preconditions(r));
    if (Name(r) == "DELETE /v1/keys/{id}") {
      EXPECT_EQ(resp.status, 404) << resp.body;  // unknown key id
      resp = As(role, "DELETE", "/v1/keys/" + KeyIdOf(keys_[Role::kIngest]));
    }
    // Erasure needs an Idempotency-Key but answers 200: it creates no resource.
    const bool created = r.creates && !r.pattern.ends_with("/erasure");
    EXPECT_EQ(resp.status, created ? 201 : 200) << Name(r) << " " << resp.body;
    EXPECT_EQ(resp.content_type, "application/json") << Name(r);
    auto v = json::parse(resp.body);
    ASSERT_TRUE(v.is_object()) << Name(r);
    if (v.as_object().contains("items")) {
      EXPECT_TRUE(v.as_object().contains("next_cursor")) << Name(r);
    }
  }
  EXPECT_EQ(model_.mutations().size(), 9u);
  auto page = BodyOf(As(Role::kViewer, "GET", "/v1/messages"));
  EXPECT_EQ(page["next_cursor"], "c2");
  EXPECT_TRUE(BodyOf(As(Role::kViewer, "GET", "/v1/replays"))["next_cursor"].is_null());
}

TEST_F(V1Test, MeNamesTheCallingKeyForEveryRole) {
  HttpResponse anonymous = Call("GET", "/v1/me", "", {});
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(anonymous.content_type, "application/problem+json");
  EXPECT_EQ(Call("GET", "/v1/me", "", {{"Authorization", "Bearer rh_nope"}}).status, 401);
  for (Role role : {Role::kAdmin, Role::kFinance, Role::kSteward, Role::kViewer}) {
    HttpResponse resp = As(role, "GET", "/v1/me");
    ASSERT_EQ(resp.status, 200) << RoleName(role) << " " << resp.body;
    EXPECT_EQ(resp.content_type, "application/json");
    const json::object want{{"key_id", KeyIdOf(keys_[role])},
                            {"label", "t-" + std::string(RoleName(role))},
                            {"role", RoleName(role)}};
    EXPECT_EQ(BodyOf(resp), want) << RoleName(role);
    EXPECT_EQ(resp.body.find(keys_[role]), std::string::npos) << "the secret must not be echoed";
  }
  // The ingest role may call no v1 route, this one included.
  EXPECT_EQ(As(Role::kIngest, "GET", "/v1/me").status, 403);
  EXPECT_EQ(As(Role::kViewer, "GET", "/v1/me?x=1").status, 400);
}

TEST_F(V1Test, PiiIsMaskedForReadersAndAuditedForStewardsAndAdmins) {
  for (Role role : {Role::kViewer, Role::kFinance}) {
    for (const char* t : {"/v1/customers/cus_1", "/v1/customers?q=ana", "/v1/messages/msg_1",
                          "/v1/messages", "/v1/orders/ord_1"}) {
      HttpResponse resp = As(role, "GET", t);
      ASSERT_EQ(resp.status, 200) << t;
      EXPECT_EQ(resp.body.find(fake::kEmail), std::string::npos) << t << resp.body;
      EXPECT_EQ(resp.body.find(fake::kPhone), std::string::npos) << t;
      EXPECT_NE(resp.body.find("a***@example.com"), std::string::npos) << t;
    }
  }
  auto masked = BodyOf(As(Role::kViewer, "GET", "/v1/customers/cus_1"));
  EXPECT_EQ(masked["phones"].as_array()[0], "+1******0134");
  EXPECT_EQ(masked["birth_date"], "***");
  EXPECT_EQ(masked["address"].as_object()["line1"], "***");
  EXPECT_EQ(masked["name"], "Ana Souza");
  EXPECT_TRUE(AuditRows("customer.read_pii").empty());

  for (Role role : {Role::kSteward, Role::kAdmin}) {
    HttpResponse resp = As(role, "GET", "/v1/customers/cus_1");
    ASSERT_EQ(resp.status, 200);
    EXPECT_NE(resp.body.find(fake::kEmail), std::string::npos);
    EXPECT_NE(resp.body.find(fake::kPhone), std::string::npos);
  }
  auto rows = AuditRows("customer.read_pii");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][0], "key:" + KeyIdOf(keys_[Role::kSteward]) + "(t-steward)");
  EXPECT_EQ(rows[0][1], "/v1/customers/cus_1");
  EXPECT_EQ(rows[1][0], "key:" + KeyIdOf(keys_[Role::kAdmin]) + "(t-admin)");
  // A failed read is not audited: nothing was shown.
  EXPECT_EQ(As(Role::kSteward, "GET", "/v1/customers/cus_missing").status, 404);
  EXPECT_EQ(AuditRows("customer.read_pii").size(), 2u);
}

TEST_F(V1Test, IdempotencyKeyReplaysSameRequestAndRefusesADifferentOne) {
  const std::string body = R"({"failure_ids":["dlq_1"],"reason":"fixed"})";
  HttpResponse first =
      As(Role::kFinance, "POST", "/v1/replays", body, {{"Idempotency-Key", "abc"}});
  ASSERT_EQ(first.status, 201) << first.body;
  HttpResponse again =
      As(Role::kFinance, "POST", "/v1/replays", body, {{"Idempotency-Key", "abc"}});
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.Header("Idempotent-Replayed"), "true");
  EXPECT_EQ(model_.mutations().size(), 1u);

  HttpResponse other = As(Role::kFinance, "POST", "/v1/replays", R"({"failure_ids":["dlq_2"]})",
                          {{"Idempotency-Key", "abc"}});
  EXPECT_EQ(other.status, 422);
  EXPECT_EQ(BodyOf(other)["field"], "Idempotency-Key");
  EXPECT_EQ(model_.mutations().size(), 1u);

  // Keys are per API key: another caller's "abc" is its own.
  EXPECT_EQ(As(Role::kAdmin, "POST", "/v1/replays", body, {{"Idempotency-Key", "abc"}}).status,
            201);
  EXPECT_EQ(model_.mutations().size(), 2u);

  EXPECT_EQ(As(Role::kFinance, "POST", "/v1/replays", body).status, 400);
  EXPECT_EQ(As(Role::kFinance, "POST", "/v1/replays", body, {{"Idempotency-Key", "a b"}}).status,
            400);
  // A failed request releases its key for a corrected retry.
  EXPECT_EQ(As(Role::kFinance, "POST", "/v1/replays", "{", {{"Idempotency-Key", "k2"}}).status,
            400);
  EXPECT_EQ(As(Role::kFinance, "POST", "/v1/replays", body, {{"Idempotency-Key", "k2"}}).status,
            201);
}

TEST_F(V1Test, CreatedKeySecretIsNotStoredForReplays) {
  const std::string body = R"({"role":"viewer","label":"dash"})";
  HttpResponse first = As(Role::kAdmin, "POST", "/v1/keys", body, {{"Idempotency-Key", "key-1"}});
  ASSERT_EQ(first.status, 201) << first.body;
  const std::string secret(BodyOf(first)["key"].as_string());
  EXPECT_TRUE(auth_->Authenticate(secret));
  EXPECT_EQ(TablesDigest().find(secret.substr(11)), std::string::npos);
  HttpResponse again = As(Role::kAdmin, "POST", "/v1/keys", body, {{"Idempotency-Key", "key-1"}});
  EXPECT_EQ(again.status, 201);
  EXPECT_TRUE(BodyOf(again)["key"].is_null());
  EXPECT_EQ(BodyOf(again)["id"], BodyOf(first)["id"]);
  EXPECT_EQ(auth_->List().value().size(), 6u);  // five fixture keys + one
  // The new key works, with its role.
  HttpResponse r = Call("GET", "/v1/overview", "", {{"X-Api-Key", secret}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Call("GET", "/v1/audit", "", {{"X-Api-Key", secret}}).status, 403);
}

TEST_F(V1Test, MappingsNeedIfMatchAndAreAudited) {
  HttpResponse got = As(Role::kAdmin, "GET", "/v1/mappings");
  EXPECT_EQ(got.Header("ETag"), "\"v3\"");
  const std::string body = R"(["1100","4000"])";
  HttpResponse missing = As(Role::kAdmin, "PUT", "/v1/mappings/chart", body);
  EXPECT_EQ(missing.status, 428);
  EXPECT_EQ(BodyOf(missing)["field"], "If-Match");
  EXPECT_EQ(As(Role::kAdmin, "PUT", "/v1/mappings/chart", body, {{"If-Match", "\"v2\""}}).status,
            412);
  EXPECT_TRUE(model_.mutations().empty());
  HttpResponse ok = As(Role::kAdmin, "PUT", "/v1/mappings/chart", body, {{"If-Match", "\"v3\""}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.Header("ETag"), "\"v4\"");
  EXPECT_EQ(As(Role::kAdmin, "PUT", "/v1/mappings/chart", body, {{"If-Match", "\"v3\""}}).status,
            412);
  auto rows = AuditRows("mapping.update");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], "key:" + KeyIdOf(keys_[Role::kAdmin]) + "(t-admin)");
  EXPECT_EQ(rows[0][1], "mapping:chart");
  EXPECT_EQ(rows[0][2], R"(["1100"])");
  EXPECT_EQ(rows[0][3], body);
  // And the audit log is readable by admins only.
  auto audit = BodyOf(As(Role::kAdmin, "GET", "/v1/audit?action=mapping.update"));
  ASSERT_EQ(audit["items"].as_array().size(), 1u);
  EXPECT_EQ(audit["items"].as_array()[0].as_object().at("after"), json::parse(body));
}

TEST_F(V1Test, ExceptionResolveUsesTheETagOfTheLastRead) {
  HttpResponse got = As(Role::kViewer, "GET", "/v1/exceptions/exc_7");
  ASSERT_EQ(got.status, 200);
  const std::string etag = got.Header("ETag").value_or("");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(As(Role::kFinance, "POST", "/v1/exceptions/exc_7/resolve", "{}").status, 428);
  EXPECT_EQ(
      As(Role::kFinance, "POST", "/v1/exceptions/exc_7/resolve", "{}", {{"If-Match", "\"stale\""}})
          .status,
      412);
  // A DLQ id is not an exception.
  EXPECT_EQ(As(Role::kViewer, "GET", "/v1/exceptions/dlq_7").status, 404);
  EXPECT_TRUE(model_.mutations().empty());
  HttpResponse ok = As(Role::kFinance, "POST", "/v1/exceptions/exc_7/resolve", R"({"note":"n"})",
                       {{"If-Match", etag}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_NE(ok.Header("ETag"), etag);  // the state changed
  EXPECT_EQ(AuditRows("failure.resolve").size(), 1u);
  EXPECT_EQ(
      As(Role::kFinance, "POST", "/v1/exceptions/exc_7/resolve", "{}", {{"If-Match", etag}}).status,
      412);
}

TEST_F(V1Test, ChangesAreAuditedWithActorAndMaskedPayloads) {
  ASSERT_EQ(As(Role::kSteward, "POST", "/v1/customers/merges",
               R"({"record_a":"shopify:1","record_b":"stripe:2"})", {{"Idempotency-Key", "i1"}})
                .status,
            201);
  ASSERT_EQ(As(Role::kSteward, "POST", "/v1/customers/unmerges", R"({"record":"shopify:1"})",
               {{"Idempotency-Key", "i2"}})
                .status,
            201);
  ASSERT_EQ(
      As(Role::kSteward, "POST", "/v1/customers/cus_1/erasure", "", {{"Idempotency-Key", "i3"}})
          .status,
      200);
  ASSERT_EQ(As(Role::kFinance, "POST", "/v1/replays/rpl_9/approve").status, 200);
  ASSERT_EQ(As(Role::kFinance, "POST", "/v1/reconciliation/exceptions/rex_1/actions",
               R"({"action":"write-off"})")
                .status,
            200);
  for (const char* action : {"customer.merge", "customer.unmerge", "customer.erase",
                             "replay.approve", "recon.write-off"}) {
    auto rows = AuditRows(action);
    ASSERT_EQ(rows.size(), 1u) << action;
    EXPECT_TRUE(rows[0][0].starts_with("key:")) << action;
    EXPECT_EQ(rows[0][3].find(fake::kEmail), std::string::npos) << action;
  }
  EXPECT_EQ(model_.mutations()[0],
            "Merge:shopify:1:stripe:2:key:" + KeyIdOf(keys_[Role::kSteward]) + "(t-steward)");
}

TEST_F(V1Test, OverviewLeavesTheSeriesOutWhenAskedAndRefusesAnyOtherValue) {
  const HttpResponse full = As(Role::kViewer, "GET", "/v1/overview");
  ASSERT_EQ(full.status, 200) << full.body;
  EXPECT_TRUE(json::parse(full.body).as_object().contains("series"));
  const HttpResponse lean = As(Role::kViewer, "GET", "/v1/overview?series=false");
  ASSERT_EQ(lean.status, 200) << lean.body;
  EXPECT_FALSE(json::parse(lean.body).as_object().contains("series"));
  EXPECT_TRUE(json::parse(lean.body).as_object().contains("ingest_total"));
  const HttpResponse bad = As(Role::kViewer, "GET", "/v1/overview?series=yes");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json::parse(bad.body).as_object().at("field"), "series") << bad.body;
}

TEST_F(V1Test, RevokedKeyStopsWorking) {
  const std::string id = KeyIdOf(keys_[Role::kViewer]);
  EXPECT_EQ(As(Role::kViewer, "GET", "/v1/overview").status, 200);
  ASSERT_EQ(As(Role::kAdmin, "DELETE", "/v1/keys/" + id).status, 200);
  EXPECT_EQ(As(Role::kViewer, "GET", "/v1/overview").status, 401);
  EXPECT_EQ(AuditRows("key.revoke").size(), 1u);
}

class V1RateLimitTest : public V1Test {
 protected:
  void SetUp() override { StartWith(AuthOptions{.rate_per_s = 1, .burst = 2}); }
};

TEST_F(V1RateLimitTest, TooManyRequestsCarriesRetryAfter) {
  EXPECT_EQ(As(Role::kViewer, "GET", "/v1/overview").status, 200);
  EXPECT_EQ(As(Role::kViewer, "GET", "/v1/overview").status, 200);
  HttpResponse limited = As(Role::kViewer, "GET", "/v1/overview");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.Header("Retry-After"), "1");
  EXPECT_EQ(BodyOf(limited)["type"], "https://retailhub.dev/problems/rate_limited");
  EXPECT_EQ(As(Role::kAdmin, "GET", "/v1/overview").status, 200);  // other keys unaffected
  clock_.AdvanceMicros(1'000'000);
  EXPECT_EQ(As(Role::kViewer, "GET", "/v1/overview").status, 200);
}

}  // namespace
}  // namespace hub::api::v1
