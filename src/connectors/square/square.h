// Square: x-square-hmacsha256-signature verification (base64 HMAC-SHA256 of
// notification URL + raw body) and translation of webhook envelopes, full
// orders read back from the API, and payout entry pages into canonical
// events. Amounts are ISO minor units already. Stateless; thread-safe.
#pragma once

#include "connectors/connector.h"

namespace hub {

class SquareConnector final : public Connector {
 public:
  std::string_view name() const override { return "square"; }
  // Needs Delivery::url: the URL exactly as subscribed, never rebuilt from
  // proxy headers.
  Status Verify(const Delivery& delivery, const Secrets& secrets,
                const Clock& clock) const override;
  // The envelope's event_id; for API pages (topic "order", "payout_entries")
  // "sha256:" + hash of the body.
  Result<std::string> DedupKey(const Delivery& delivery) const override;
  // Delivery::topic, else the envelope's `type`; a body POSTed without an
  // envelope whose top level holds an "order" object is the "order" page (an
  // order read back from the API, signed like a notification).
  Result<std::string> Topic(const Delivery& delivery) const override;
  Result<std::vector<Event>> Translate(const Delivery& delivery) const override;
};

}  // namespace hub
