#include "app/hub.h"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <charconv>
#include <filesystem>

#include "api/static_files.h"
#include "api/v1/routes.h"
#include "app/connectors.h"
#include "app/file_ingest.h"
#include "app/gauges.h"
#include "app/mappings.h"
#include "app/read_model.h"
#include "app/test_source.h"
#include "core/ids.h"
#include "obs/log.h"
#include "obs/metrics.h"

namespace hub::app {
namespace {

constexpr store::Migration kTestMigrations[] = {
    {"test_source", 1,
     "CREATE TABLE test_applied (seq INTEGER PRIMARY KEY, key TEXT NOT NULL, n INTEGER NOT "
     "NULL, message_id TEXT NOT NULL)"},
};

// W3C traceparent: "00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>".
std::optional<std::string> TraceIdFrom(std::string_view tp) {
  if (tp.size() < 55 || tp[2] != '-' || tp[35] != '-') {
    return std::nullopt;
  }
  std::string_view trace = tp.substr(3, 32);
  for (char c : trace) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return std::nullopt;
    }
  }
  return std::string(trace);
}

bool SaneToken(std::string_view s) {
  if (s.empty() || s.size() > 128) {
    return false;
  }
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
          c == ':')) {
      return false;
    }
  }
  return true;
}

obs::Counter& WebhookCounter(std::string_view source, std::string_view outcome) {
  return obs::Registry::Default().GetCounter(
      "retailhub_webhooks_total", "Webhook deliveries by source and outcome",
      {{"outcome", std::string(outcome)}, {"source", std::string(source)}});
}

// A delivery's canonical events, each carrying the inbound message's
// correlation id: the one translation both the bus (from a stored message)
// and the webhook handler (from the request it just read) use.
Result<std::vector<Event>> TranslateDelivery(const Connector& c, const Delivery& d,
                                             const std::string& correlation_id) {
  HUB_TRY(auto events, c.Translate(d));
  for (Event& e : events) {
    e.correlation_id = correlation_id;
  }
  return events;
}

}  // namespace

Result<std::pair<std::string, std::uint16_t>> ParseListen(std::string_view listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("listen address \"{}\" is not HOST:PORT", listen), "server.listen");
  }
  std::string_view port_s = listen.substr(colon + 1);
  unsigned port = 0;
  auto [p, ec] = std::from_chars(port_s.data(), port_s.data() + port_s.size(), port);
  if (ec != std::errc() || p != port_s.data() + port_s.size() || port > 65535) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("listen address \"{}\" has a bad port", listen), "server.listen");
  }
  std::string host(listen.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return std::make_pair(host, static_cast<std::uint16_t>(port));
}

Hub::Hub(const Config& config, const Clock& clock)
    : config_(config), clock_(clock), connectors_(ConnectorRegistryFor(config)) {}

Hub::~Hub() { Stop(); }

Result<std::unique_ptr<Hub>> Hub::Open(const Config& config, const Clock& clock) {
  std::unique_ptr<Hub> hub(new Hub(config, clock));
  HUB_TRY_STATUS(hub->Init());
  return hub;
}

Status Hub::Init() {
  std::error_code ec;
  std::filesystem::create_directories(config_.store.data_dir, ec);
  if (ec) {
    return Fail(
        ErrorCode::kIo,
        fmt::format("cannot create data directory {}: {}", config_.store.data_dir, ec.message()),
        "store.data_dir");
  }
  const std::string db = DatabasePath(config_.store.data_dir).string();
  HUB_TRY(store_,
          store::OpenSqliteStore({.path = db, .synchronous_full = config_.store.synchronous_full}));
  const bool test_source = config_.sources.count("test") != 0;
  if (test_source) {
    HUB_TRY_STATUS(connectors_.Add(MakeTestConnector()));
    HUB_TRY_STATUS(store_->Migrate(kTestMigrations));
  }
  bus::BusOptions bo;
  bo.group_commit_max = static_cast<std::size_t>(config_.bus.group_commit_max);
  bo.group_commit_wait_us = config_.bus.group_commit_wait_us;
  bo.backlog_max = config_.bus.backlog_max;
  bo.dedup_index_batch = config_.bus.dedup_index_batch;
  bo.retry_attempts_max = config_.bus.retry.attempts_max;
  bo.retry_base_delay_ms = config_.bus.retry.base_delay_ms;
  bo.retry_max_delay_ms = config_.bus.retry.max_delay_ms;
  bo.predecessor_wait_ms = config_.bus.predecessor_wait_s * 1000;
  bo.workers = {
      {"orders", config_.bus.workers.orders},       {"ledger", config_.bus.workers.ledger},
      {"identity", config_.bus.workers.identity},   {"reconcile", config_.bus.workers.reconcile},
      {"inventory", config_.bus.workers.inventory}, {"test", 1}};
  translate_ = [this](const bus::RawMessage& m) -> Result<std::vector<Event>> {
    const Connector* c = connectors_.Find(m.source);
    if (c == nullptr) {
      return Fail(ErrorCode::kUnmapped, fmt::format("no connector for source {}", m.source),
                  "source");
    }
    Delivery d;
    d.source = m.source;
    d.account = m.account;
    d.topic = m.topic;
    d.headers = m.headers;
    d.body = m.body;
    d.url = m.url;
    d.received_at = m.received_at;
    return TranslateDelivery(*c, d, m.correlation_id);
  };
  HUB_TRY(bus_, bus::Bus::Open(*store_, bo, translate_, clock_));

  HUB_TRY_STATUS(InitDomains());
  HUB_TRY_STATUS(store_->Migrate(api::v1::Migrations()));
  auth_ = std::make_unique<api::v1::Auth>(*store_, clock_);
  read_model_ = MakeHubReadModel(*this);
  AddRoutes();
  return Ok();
}

Status Hub::InitDomains() {
  HUB_TRY_STATUS(store_->Migrate(DomainMigrations()));
  HUB_TRY(finance_.journal, ledger::Journal::Open(*store_, ledger::DefaultChart()));
  // Posting rules: $RETAILHUB_POSTING_FILE, else config/posting.toml in the
  // working directory, else the defaults built into the binary.
  static constexpr std::string_view kDefaultPosting =
#include "app/posting_default.inc"
      ;
  std::string posting_file;
  if (const char* env = std::getenv("RETAILHUB_POSTING_FILE"); env != nullptr && *env != 0) {
    posting_file = env;
  } else if (std::filesystem::exists("config/posting.toml")) {
    posting_file = "config/posting.toml";
  }
  auto posting = posting_file.empty() ? orders::PostingConfig::Parse(kDefaultPosting, "built-in")
                                      : orders::PostingConfig::Load(posting_file);
  if (!posting) {
    return Fail(posting.error());
  }
  finance_.engine = std::make_unique<orders::PostingEngine>(std::move(*posting));
  // Mapping changes made through the API since, in version order.
  HUB_TRY_STATUS(store_->Migrate(MappingMigrations()));
  {
    HUB_TRY(auto mconn, store_->Connect());
    HUB_TRY_STATUS(ReplayMappings(finance_, *mconn));
  }
  identity_.resolver = std::make_unique<identity::Resolver>();
  // Rebuild in-memory state from the events each domain already applied.
  HUB_TRY(auto conn, store_->Connect());
  HUB_TRY_STATUS(RebuildDomain(*conn, "ledger", [this](const Event& e) {
    return ApplyFinanceEvent(finance_, e, nullptr, false);
  }));
  HUB_TRY_STATUS(RebuildDomain(*conn, "inventory", [this](const Event& e) {
    return ApplyInventoryEvent(inventory_, e, nullptr);
  }));
  HUB_TRY_STATUS(RebuildIdentity(identity_, *conn));
  bus_->AddHandler(MakeLedgerHandler(finance_));
  bus_->AddHandler(MakeInventoryHandler(inventory_));
  bus_->AddHandler(MakeIdentityHandler(identity_));
  HUB_TRY(auto recon_config, LoadReconcileConfig());
  reconciler_ = std::make_unique<Reconciler>(*store_, std::move(recon_config), clock_);
  bus_->AddHandler(MakeReconcileHandler(*reconciler_));
  return Ok();
}

Result<Secrets> Hub::SecretsFor(std::string_view source, std::string_view account) const {
  auto s = config_.sources.find(std::string(source));
  if (s == config_.sources.end()) {
    return Fail(ErrorCode::kNotFound, fmt::format("source {} is not configured", source), "source");
  }
  auto a = s->second.accounts.find(std::string(account));
  if (a == s->second.accounts.end()) {
    return Fail(ErrorCode::kNotFound,
                fmt::format("account {} of source {} is not configured", account, source),
                "account");
  }
  Secrets secrets;
  if (!a->second.secret.empty()) {
    secrets.active.push_back(a->second.secret);
  }
  if (!a->second.previous_secret.empty() && a->second.previous_valid_until &&
      clock_.Now() < *a->second.previous_valid_until) {
    secrets.active.push_back(a->second.previous_secret);
  }
  return secrets;
}

void Hub::AddRoutes() {
  router_.Add("GET", "/healthz", [](api::HttpRequest&) {
    return api::Json(200, boost::json::object{{"status", "ok"}});
  });
  router_.Add("GET", "/readyz", [this](api::HttpRequest&) {
    auto c = store_->Connect();
    if (!c) {
      return api::Problem(503, "Not ready", "the store cannot be opened: " + c.error().message);
    }
    auto stats = bus_->Stats();
    boost::json::object backlog;
    for (const auto& [d, n] : stats.domain_backlog) {
      backlog[d] = n;
    }
    return api::Json(200, boost::json::object{{"status", "ready"},
                                              {"translate_backlog", stats.translate_backlog},
                                              {"backlog", backlog},
                                              {"parked", stats.parked}});
  });
  router_.Add("GET", "/metrics", [this](api::HttpRequest&) {
    if (auto st = RefreshBusinessGauges(*this); !st) {
      obs::Warn("metrics.business_gauges_failed", "", {{"error", st.error().ToString()}});
    }
    api::HttpResponse r;
    r.status = 200;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = obs::Registry::Default().RenderPrometheus();
    return r;
  });
  router_.AddAsync(
      "POST", "/v1/webhooks/{source}/{account}",
      [this](api::HttpRequest& req, api::Responder respond) { HandleWebhook(req, respond); });
  api::v1::RegisterV1Routes(router_, *read_model_, *auth_, api::v1::V1Options{});
  // The dashboard: $RETAILHUB_DASHBOARD_DIR, else dashboard/dist under the
  // working directory, else the one built in the source tree.
  std::filesystem::path dist;
  if (const char* env = std::getenv("RETAILHUB_DASHBOARD_DIR"); env != nullptr && *env != 0) {
    dist = env;
  } else if (std::filesystem::exists("dashboard/dist/index.html")) {
    dist = std::filesystem::absolute("dashboard/dist");
  } else {
    dist = std::filesystem::path(HUB_SOURCE_DIR) / "dashboard" / "dist";
  }
  api::RegisterStaticRoutes(router_, dist);
}

// Answers once the message is on disk; the I/O thread is free meanwhile (the
// bus calls back from its committer, and the Responder posts the answer to
// the connection's own strand).
void Hub::HandleWebhook(api::HttpRequest& req, const api::Responder& respond) {
  const std::string source = req.path_params["source"];
  const std::string account = req.path_params["account"];
  const Connector* c = connectors_.Find(source);
  if (c == nullptr) {
    respond(api::Problem(404, "Unknown source",
                         fmt::format("no connector named \"{}\"; known: shopify, square, stripe, "
                                     "adyen",
                                     source),
                         "source"));
    return;
  }
  auto secrets = SecretsFor(source, account);
  if (!secrets) {
    WebhookCounter(source, "unknown_account").Inc();
    respond(api::Problem(
        404, "Unknown account",
        secrets.error().message + "; add it under [sources." + source + ".accounts] in the config",
        "account"));
    return;
  }
  Delivery d;
  d.source = source;
  d.account = account;
  d.headers = std::move(req.headers);
  d.body = std::move(req.body);
  d.received_at = clock_.Now();
  auto acc = config_.sources.at(source).accounts.at(account);
  d.url = acc.url;
  if (auto st = c->Verify(d, *secrets, clock_); !st) {
    WebhookCounter(source, "unauthenticated").Inc();
    obs::Warn("webhook.rejected", "",
              {{"source", source}, {"account", account}, {"reason", st.error().message}});
    respond(api::Problem(401, "Signature rejected", st.error().message, st.error().field));
    return;
  }
  auto dedup = c->DedupKey(d);
  if (!dedup) {
    WebhookCounter(source, "bad_request").Inc();
    respond(api::ProblemFromError(dedup.error()));
    return;
  }
  auto topic = c->Topic(d);
  if (!topic) {
    WebhookCounter(source, "bad_request").Inc();
    respond(api::ProblemFromError(topic.error()));
    return;
  }
  bus::RawMessage m;
  m.source = source;
  m.account = account;
  m.topic = *topic;
  m.dedup_key = *dedup;
  m.received_at = d.received_at;
  m.url = d.url;
  const auto tp = d.Header("traceparent");
  if (auto cid = d.Header("X-Correlation-Id"); cid && SaneToken(*cid)) {
    m.correlation_id = *cid;
  } else if (tp && TraceIdFrom(*tp)) {
    m.correlation_id = *TraceIdFrom(*tp);
  } else {
    // Deterministic: the same delivery has the same correlation id in the
    // inbox, in every derived event and in the records' lineage.
    m.correlation_id = DeriveCorrelationId(source, account, *dedup);
  }
  if (tp) {
    m.traceparent = *tp;
  }
  // Translate now, from the delivery already read (what the bus's translator
  // would rebuild from the stored message), so the sender learns of
  // malformed input and the bus stores the message already translated. The
  // raw message is stored either way: one that fails is left to the
  // translate stage, which quarantines it or files the business exception.
  d.topic = m.topic;
  auto translated = TranslateDelivery(*c, d, m.correlation_id);
  m.headers = std::move(d.headers);
  m.body = std::move(d.body);
  std::optional<Error> quarantined;
  std::optional<std::vector<Event>> events;
  if (translated) {
    events = std::move(*translated);
  } else if (translated.error().code == ErrorCode::kParse ||
             translated.error().code == ErrorCode::kInvalidArgument) {
    quarantined = translated.error();
  }
  bus_->IngestAsync(
      std::move(m), std::move(events),
      [this, respond, source, quarantined = std::move(quarantined)](Result<bus::IngestResult> r) {
        if (!r) {
          WebhookCounter(source, "unavailable").Inc();
          auto resp = api::Problem(503, "Try again later", r.error().message);
          resp.headers.emplace_back("Retry-After", "5");
          respond(std::move(resp));
          return;
        }
        if (quarantined) {
          WebhookCounter(source, "quarantined").Inc();
          auto resp = api::ProblemFromError(*quarantined);
          resp.status = 400;
          respond(std::move(resp));
          return;
        }
        WebhookCounter(source, r->duplicate ? "duplicate" : "accepted").Inc();
        if (source == "adyen") {
          api::HttpResponse ok;
          ok.status = 200;
          ok.content_type = "text/plain";
          ok.body = "[accepted]";
          respond(std::move(ok));
          return;
        }
        respond(
            api::Json(r->duplicate ? 200 : 202,
                      boost::json::object{{"message_id", r->message_id},
                                          {"duplicate", r->duplicate},
                                          {"status", r->duplicate ? "duplicate" : "accepted"}}));
      });
}

Status Hub::Start() {
  if (config_.sources.count("test") != 0 && test_handler_) {
    bus_->AddHandler(MakeTestHandler());
  }
  HUB_TRY_STATUS(bus_->Start());
  reconciler_->Start();
  overview_history_.Start(
      [this] {
        auto figures = OverviewFigures(*this);
        return figures ? std::move(*figures) : boost::json::object{};
      },
      clock_);
  if (config_.store.drop_folder_poll_ms > 0) {
    // Through the bus: its committer holds the latest dedup keys, and
    // another writer would first have to index them all (bus/internal.h).
    drop_folder_.Start(std::chrono::milliseconds(config_.store.drop_folder_poll_ms), [this] {
      SweepDropFolder([this](bus::RawMessage m) { return bus_->Ingest(std::move(m)); }, connectors_,
                      config_.store.data_dir, clock_, std::chrono::milliseconds(1000));
    });
  }
  HUB_TRY(auto hp, ParseListen(config_.server.listen));
  api::HttpServerOptions so;
  so.host = hp.first;
  so.port = hp.second;
  so.threads = config_.server.threads;
  so.header_bytes_max = static_cast<std::size_t>(config_.server.header_bytes_max);
  so.body_bytes_max = static_cast<std::size_t>(config_.server.body_bytes_max);
  so.request_timeout_ms = static_cast<int>(config_.server.request_timeout_ms);
  so.tls_cert_file = config_.server.tls_cert_file;
  so.tls_key_file = config_.server.tls_key_file;
  so.on_complete = [](const api::HttpRequest& req, const api::HttpResponse& resp,
                      std::int64_t micros) {
    obs::Registry::Default()
        .GetHistogram("retailhub_http_request_seconds", "HTTP request latency by route class",
                      {{"status_class", std::to_string(resp.status / 100) + "xx"}})
        .ObserveMicros(micros);
    (void)req;
  };
  server_ = std::make_unique<api::HttpServer>(so, router_);
  HUB_TRY_STATUS(server_->Start());
  started_ = true;
  return Ok();
}

void Hub::Stop() {
  drop_folder_.Stop();
  if (server_) {
    server_->Stop();
    server_->Wait();
  }
  if (bus_) {
    bus_->Stop();
  }
  if (reconciler_) {
    reconciler_->Stop();
  }
  overview_history_.Stop();
}

void Hub::RunUntilSignal() {
  server_->StopOnSignals();
  server_->Wait();
  drop_folder_.Stop();
  bus_->Stop();
  reconciler_->Stop();
  overview_history_.Stop();
}

std::uint16_t Hub::port() const { return server_ ? server_->port() : 0; }

}  // namespace hub::app
