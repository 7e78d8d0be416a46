// Fuzzes AdyenConnector: Translate, and Verify (which parses the signed fields).
#include "connectors/adyen/adyen.h"
#include "fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const hub::AdyenConnector kConnector;
  static const hub::FakeClock kClock;
  hub::Delivery d = hub::fuzz::MakeDelivery(data, size, {});
  hub::fuzz::CheckTranslate(kConnector, d);
  const hub::Secrets secrets{{"44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056"}};
  (void)kConnector.Verify(d, secrets, kClock);
  return 0;
}
