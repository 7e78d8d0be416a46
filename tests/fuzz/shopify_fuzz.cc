// Fuzzes ShopifyConnector::Translate over every topic (and the header path),
// and TranslateToJson against it: the wire form written directly must be
// EventToJson of Translate's events byte for byte, and fail exactly as it does.
#include <cstdlib>

#include "connectors/shopify/shopify.h"
#include "fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const hub::ShopifyConnector kConnector;
  hub::Delivery d = hub::fuzz::MakeDelivery(
      data, size,
      {"orders/create", "orders/updated", "orders/paid", "orders/cancelled", "orders/fulfilled",
       "order_transactions/create", "fulfillments/create", "refunds/create", "customers/update",
       "inventory_levels/update", "disputes/create", "payouts", "payouts/transactions"});
  hub::fuzz::CheckTranslate(kConnector, d);
  const auto events = kConnector.Translate(d);
  const auto json = kConnector.TranslateToJson(d);
  if (events.has_value() != json.has_value()) {
    std::abort();
  }
  if (!events) {
    if (events.error().code != json.error().code ||
        events.error().message != json.error().message ||
        events.error().field != json.error().field) {
      std::abort();
    }
    return 0;
  }
  if (events->size() != json->size()) {
    std::abort();
  }
  for (std::size_t i = 0; i < events->size(); ++i) {
    if ((*json)[i] != hub::EventToJson((*events)[i])) {
      std::abort();
    }
  }
  return 0;
}
