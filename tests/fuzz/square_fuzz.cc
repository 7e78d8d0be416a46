// Fuzzes SquareConnector::Translate: webhook envelopes and API pages.
#include "connectors/square/square.h"
#include "fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const hub::SquareConnector kConnector;
  hub::Delivery d = hub::fuzz::MakeDelivery(data, size, {"order", "payout_entries"});
  hub::fuzz::CheckTranslate(kConnector, d);
  return 0;
}
