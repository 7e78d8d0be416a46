// Registrars for the operator subcommands beyond serve, config and version
// (see cli.h for the pattern): the bus (dlq, exceptions, replay), ingest and
// translate, the domains, the demo, keys and reconciliation.
#pragma once

namespace CLI {
class App;
}  // namespace CLI

namespace hub::app {

class CliContext;

void RegisterBusCommands(CLI::App& app, CliContext& ctx);     // dlq, exceptions, replay
void RegisterIngestCommands(CLI::App& app, CliContext& ctx);  // ingest, translate
void RegisterDomainCommands(CLI::App& app, CliContext& ctx);  // ledger, orders, inventory, identity
void RegisterDemoCommands(CLI::App& app, CliContext& ctx);    // demo
void RegisterKeysCommands(CLI::App& app, CliContext& ctx);    // keys create|list|revoke
void RegisterReconcileCommands(CLI::App& app, CliContext& ctx);  // reconcile run|report|…

}  // namespace hub::app
