// Fuzzes AmazonConnector: Translate of the three SP-API pages (first byte picks
// orders, financial_events, financial_event_groups, or none: sniffed from the
// body), and Verify, which must refuse every input.
#include <cstdlib>

#include "connectors/amazon/amazon.h"
#include "fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const hub::AmazonConnector kConnector;
  static const hub::FakeClock kClock;
  hub::Delivery d =
      hub::fuzz::MakeDelivery(data, size, {"orders", "financial_events", "financial_event_groups"});
  hub::fuzz::CheckTranslate(kConnector, d);
  if (kConnector.Verify(d, hub::Secrets{{"secret"}}, kClock).has_value()) {
    std::abort();  // Amazon data comes from files: an HTTP delivery never verifies
  }
  return 0;
}
