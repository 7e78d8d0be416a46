// Shared by the connector fuzz targets: splits the input into a topic and a
// body and checks the invariants every translation must keep on any input:
// no crash, errors carry a code, successes are canonical envelopes that
// round-trip exactly and translate identically on replay.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "connectors/connector.h"
#include "core/event.h"

namespace hub::fuzz {

// First byte picks a topic from `topics`; the rest is the body.
inline Delivery MakeDelivery(const std::uint8_t* data, std::size_t size,
                             std::initializer_list<std::string_view> topics) {
  Delivery d;
  d.account = "fuzz";
  if (size > 0) {
    const std::size_t pick = data[0] % (topics.size() + 1);
    if (pick < topics.size()) {
      d.topic = std::string(*(topics.begin() + pick));
    }
    d.body.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
  }
  d.headers = {{"X-Shopify-Event-Id", "fuzz-event"}};
  return d;
}

inline void CheckTranslate(const Connector& c, const Delivery& d) {
  auto r = c.Translate(d);
  if (!r) {
    if (r.error().message.empty()) {
      std::abort();  // every rejection says why
    }
    return;
  }
  for (const Event& e : *r) {
    const std::string line = EventToJson(e);
    auto back = EventFromJson(line);
    if (!back || EventToJson(*back) != line) {
      std::abort();
    }
  }
  auto again = c.Translate(d);
  if (!again || again->size() != r->size()) {
    std::abort();
  }
  for (std::size_t i = 0; i < r->size(); ++i) {
    if ((*r)[i].event_id != (*again)[i].event_id) {
      std::abort();
    }
  }
}

}  // namespace hub::fuzz
