// Amazon marketplace (Selling Partner API): translation of API pages read from
// files (`retailhub ingest --source amazon --topic T FILE`) into canonical
// events. Amazon pushes no signed webhooks, so Verify refuses every HTTP
// delivery. Money is exact: SP-API amounts are JSON numbers (Finances) or
// strings (Orders), converted from their raw text, never through double.
// Topics, body shapes and the mapping are in docs/events.md. Stateless;
// thread-safe.
#pragma once

#include <string_view>

#include "connectors/connector.h"

namespace hub {

class AmazonConnector final : public Connector {
 public:
  // Topics this connector translates (Delivery::topic, or sniffed from the body).
  static constexpr std::string_view kTopicOrders = "orders";
  static constexpr std::string_view kTopicFinancialEvents = "financial_events";
  static constexpr std::string_view kTopicFinancialEventGroups = "financial_event_groups";

  std::string_view name() const override { return "amazon"; }
  // Always kUnauthenticated: Amazon data is ingested from files, which are
  // never verified (there is nothing to verify); an HTTP delivery claiming to
  // be Amazon is refused.
  Status Verify(const Delivery& delivery, const Secrets& secrets,
                const Clock& clock) const override;
  // API pages carry no id of their own: "sha256:" + hash of the body.
  Result<std::string> DedupKey(const Delivery& delivery) const override;
  // Delivery::topic, else sniffed from the body's payload (Orders or
  // AmazonOrderId → "orders", FinancialEvents → "financial_events",
  // FinancialEventGroupList → "financial_event_groups"); otherwise
  // kInvalidArgument asking for --topic.
  Result<std::string> Topic(const Delivery& delivery) const override;
  Result<std::vector<Event>> Translate(const Delivery& delivery) const override;
};

}  // namespace hub
