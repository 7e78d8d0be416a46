// The connector registry of a configured hub: every built-in connector plus
// those that exist only with configuration (csv, built from
// [sources.csv.profiles]). hub.cc, `retailhub ingest` and `retailhub
// translate` all build their registry here, so the three see the same
// connectors. Stateless; thread-safe.
#pragma once

#include "app/config.h"
#include "connectors/connector.h"

namespace hub::app {

// ConnectorRegistry::Default() plus a CsvConnector with config's csv profiles
// (none configured: csv is still registered and says so when asked to translate).
ConnectorRegistry ConnectorRegistryFor(const Config& config);

}  // namespace hub::app
