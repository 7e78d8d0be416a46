// Adyen: standard webhook notifications (notificationItems[].NotificationRequestItem).
// Each item is signed on its own: base64 HMAC-SHA256, with the hex-decoded key,
// over pspReference:originalReference:merchantAccountCode:merchantReference:
// value:currency:eventCode:success, in additionalData.hmacSignature. Amounts use
// Adyen's exponent table (CLP, ISK 2; CVE, IDR 0). Stateless; thread-safe.
#pragma once

#include "connectors/connector.h"

namespace hub {

class AdyenConnector final : public Connector {
 public:
  std::string_view name() const override { return "adyen"; }
  // Every item must verify under one of the active (hex) keys.
  Status Verify(const Delivery& delivery, const Secrets& secrets,
                const Clock& clock) const override;
  // pspReference:eventCode:success of every item, joined by "|".
  Result<std::string> DedupKey(const Delivery& delivery) const override;
  // The first item's eventCode.
  Result<std::string> Topic(const Delivery& delivery) const override;
  Result<std::vector<Event>> Translate(const Delivery& delivery) const override;
};

}  // namespace hub
