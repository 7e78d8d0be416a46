// Shopify: webhook verification (base64 HMAC-SHA256 of the raw body) and
// translation of REST webhook bodies (the object without its wrapper key)
// plus Shopify Payments payout files into canonical events. Topics and event
// mapping: docs/events.md. Stateless; thread-safe.
#pragma once

#include "connectors/connector.h"

namespace hub {

class ShopifyConnector final : public Connector {
 public:
  std::string_view name() const override { return "shopify"; }
  // X-Shopify-Hmac-Sha256 (or the unprefixed Shopify-Hmac-Sha256 of the
  // Events product) against every active secret, constant time.
  Status Verify(const Delivery& delivery, const Secrets& secrets,
                const Clock& clock) const override;
  // X-Shopify-Event-Id, else X-Shopify-Webhook-Id; for files and API pages
  // (Delivery::topic set, no such header) "sha256:" + hash of the body.
  Result<std::string> DedupKey(const Delivery& delivery) const override;
  // Delivery::topic, else X-Shopify-Topic ("orders/create").
  Result<std::string> Topic(const Delivery& delivery) const override;
  Result<std::vector<Event>> Translate(const Delivery& delivery) const override;
  // Translate's events already in their wire form: element i is exactly
  // EventToJson(Translate(delivery)[i]) and errors are Translate's, but
  // Event::data is never built: the same mapping reads an order into views of
  // the document (OrderView) and writes the text directly (shopify_test pins
  // the equality). For callers that serialize anyway; about four times as
  // fast on an order (bench_connectors).
  Result<std::vector<std::string>> TranslateToJson(const Delivery& delivery) const;
};

}  // namespace hub
