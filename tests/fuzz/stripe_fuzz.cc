// Fuzzes StripeConnector::Translate: event envelopes (topic from the body) and
// payout reconciliation pages.
#include "connectors/stripe/stripe.h"
#include "fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const hub::StripeConnector kConnector;
  hub::Delivery d = hub::fuzz::MakeDelivery(data, size, {"payout.reconciliation"});
  hub::fuzz::CheckTranslate(kConnector, d);
  return 0;
}
