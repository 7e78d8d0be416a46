// Hub: one running RetailHub in this process — store, bus, connectors,
// domain handlers and the HTTP server — wired from a Config. `serve`, `demo`
// and the integration tests all start the hub through this class so that
// they exercise the same path. Thread-safety: Start/Stop from one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "api/http_server.h"
#include "api/router.h"
#include "api/v1/auth.h"
#include "api/v1/read_model.h"
#include "app/config.h"
#include "app/domains.h"
#include "app/overview_history.h"
#include "app/periodic.h"
#include "app/reconciler.h"
#include "bus/bus.h"
#include "connectors/connector.h"
#include "core/time.h"
#include "store/store.h"

namespace hub::app {

class Hub {
 public:
  // Opens (and migrates) the store under config.store.data_dir.
  static Result<std::unique_ptr<Hub>> Open(const Config& config, const Clock& clock);
  // Benchmarks of the inbox alone: the test source's messages are stored and
  // translated but no domain applies them.
  void DisableTestHandlerForBenchmarks() { test_handler_ = false; }
  ~Hub();

  // Starts the bus workers and the HTTP listener.
  Status Start();
  // Graceful: HTTP drains in-flight requests, then the bus finishes the
  // events in hand.
  void Stop();
  // Blocks until SIGINT/SIGTERM (or Stop()) and then stops everything.
  void RunUntilSignal();

  std::uint16_t port() const;
  bus::Bus& bus() { return *bus_; }
  store::Store& store() { return *store_; }
  const api::Router& router() const { return router_; }
  const ConnectorRegistry& connectors() const { return connectors_; }
  FinanceDomain& finance() { return finance_; }
  InventoryDomain& inventory() { return inventory_; }
  IdentityDomain& identity() { return identity_; }
  Reconciler& reconciler() { return *reconciler_; }
  OverviewHistory& overview_history() { return overview_history_; }
  const Config& config() const { return config_; }

  // The secrets in force for a source account now (current, and the previous
  // one while its grace period lasts).
  Result<Secrets> SecretsFor(std::string_view source, std::string_view account) const;

 private:
  Hub(const Config& config, const Clock& clock);
  Status Init();
  Status InitDomains();
  void AddRoutes();
  void HandleWebhook(api::HttpRequest& req, const api::Responder& respond);

  Config config_;
  const Clock& clock_;
  std::unique_ptr<store::Store> store_;
  ConnectorRegistry connectors_;
  // Raw message -> canonical events; the bus and the webhook handler share it.
  bus::Translator translate_;
  std::unique_ptr<bus::Bus> bus_;
  FinanceDomain finance_;
  InventoryDomain inventory_;
  IdentityDomain identity_;
  std::unique_ptr<Reconciler> reconciler_;
  OverviewHistory overview_history_{OverviewHistory::Options{}};
  Periodic drop_folder_;
  std::unique_ptr<api::v1::Auth> auth_;
  std::unique_ptr<api::v1::ReadModel> read_model_;
  api::Router router_;
  std::unique_ptr<api::HttpServer> server_;
  bool started_ = false;
  bool test_handler_ = true;
};

// Splits "host:port"; kInvalidArgument naming the value.
Result<std::pair<std::string, std::uint16_t>> ParseListen(std::string_view listen);

}  // namespace hub::app
