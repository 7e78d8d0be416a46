// Stripe: Stripe-Signature verification (hex HMAC-SHA256 over "t.body", any
// v1 may match, 300 s tolerance) and translation of event envelopes plus
// payout reconciliation pages (payout + its balance transactions) into
// canonical events. Amounts are minor units; Stripe's exponent is mapped to
// ISO 4217 where they differ (ISK, UGX…). Stateless; thread-safe.
#pragma once

#include <cstdint>

#include "connectors/connector.h"

namespace hub {

class StripeConnector final : public Connector {
 public:
  // Stripe's SDKs default to five minutes either side of now.
  static constexpr std::int64_t kSignatureToleranceSeconds = 300;

  std::string_view name() const override { return "stripe"; }
  Status Verify(const Delivery& delivery, const Secrets& secrets,
                const Clock& clock) const override;
  // The event id ("evt_…"); for a payout reconciliation page "payout:<po_…>".
  Result<std::string> DedupKey(const Delivery& delivery) const override;
  // Delivery::topic, else the event's "type".
  Result<std::string> Topic(const Delivery& delivery) const override;
  Result<std::vector<Event>> Translate(const Delivery& delivery) const override;
};

}  // namespace hub
