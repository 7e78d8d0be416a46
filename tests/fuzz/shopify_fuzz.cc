// Fuzzes ShopifyConnector::Translate over every topic (and the header path).
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
  return 0;
}
