// Fuzzes EventFromJson: anything it accepts re-serializes to a fixed point,
// and the data of an accepted event never crashes the model readers.
#include <cstdlib>

#include "core/event.h"
#include "core/model_json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto e = hub::EventFromJson(input);
  if (!e) {
    return 0;
  }
  const std::string once = hub::EventToJson(*e);
  auto again = hub::EventFromJson(once);
  if (!again || hub::EventToJson(*again) != once) {
    std::abort();
  }
  (void)hub::FromJson<hub::Order>(e->data);
  (void)hub::FromJson<hub::Payout>(e->data);
  (void)hub::FromJson<hub::Refund>(e->data);
  return 0;
}
