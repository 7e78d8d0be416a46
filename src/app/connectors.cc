#include "app/connectors.h"

#include <memory>
#include <utility>

#include "connectors/csv/csv.h"
#include "core/assert.h"

namespace hub::app {

ConnectorRegistry ConnectorRegistryFor(const Config& config) {
  ConnectorRegistry registry = ConnectorRegistry::Default();
  CsvConnector::Profiles profiles;
  if (const auto it = config.sources.find("csv"); it != config.sources.end()) {
    profiles = it->second.profiles;
  }
  const Status added = registry.Add(std::make_unique<CsvConnector>(std::move(profiles)));
  HUB_ASSERT(added.has_value());  // "csv" is not a built-in connector's name
  return registry;
}

}  // namespace hub::app
