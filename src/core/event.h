// Event: the canonical envelope every connector emits and every domain
// consumes (docs/events.md lists the types). Owns the envelope and its exact
// wire form; the payload shapes live in core/model_json.h. Not here: event ids
// (connectors derive them) and transport. Invariant: EventToJson(EventFromJson(s))
// == s for every canonical s. Plain value type; thread-compatible.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/time.h"

namespace hub {

// The system message an event was translated from.
struct EventSource {
  std::string system;   // "shopify", "stripe", "square", …
  std::string account;  // shop domain, merchant id, account id
  std::string id;       // the source's id of the entity the event is about
  friend bool operator==(const EventSource&, const EventSource&) = default;
};

struct Event {
  std::string type;            // "order.created"; see docs/events.md
  int version = 1;             // bumped only by a change that breaks consumers
  std::string event_id;        // deterministic: same delivery → same id on replay
  std::string key;             // partition key: per-key order is preserved downstream
  std::string correlation_id;  // of the inbound delivery
  Instant occurred_at;
  EventSource source;
  boost::json::object data;  // the canonical record (core/model_json.h)
  friend bool operator==(const Event&, const Event&) = default;
};

// {"type":…,"version":1,"event_id":…,"key":…,"correlation_id":…,"occurred_at":…,
//  "source":{"system":…,"account":…,"id":…},"data":{…}} in exactly this key order,
// no whitespace. `data` keeps its own insertion order.
std::string EventToJson(const Event& event);
// The same bytes for an event whose data is already JSON text (`data_json`,
// compact, as AppendJson in core/model_json.h writes it); event.data is not
// read. The one envelope writer: EventToJson(event) serializes data and calls it.
std::string EventToJson(const Event& event, std::string_view data_json);
// An event's envelope as views of strings kept elsewhere, for writing its
// wire form without building an Event.
struct EventHead {
  std::string_view type;
  int version = 1;
  std::string_view event_id;
  std::string_view key;
  std::string_view correlation_id;
  Instant occurred_at;
  std::string_view system, account, id;  // the source
};
// EventToJson's envelope up to and including "data":, appended to `out`: a
// writer that produces the data text into `out` itself and closes it with
// '}' gets EventToJson's bytes without an intermediate copy of the data.
void AppendEventJsonHead(const EventHead& head, std::string* out);

// Parses an envelope. Errors are kParse (not JSON) or kInvalidArgument with
// Error::field naming the JSON path ("source.system"). Unknown envelope keys
// are rejected so that a typo cannot silently drop a field, and so are
// floating-point numbers anywhere in `data` (not canonical: they do not
// round-trip exactly).
Result<Event> EventFromJson(std::string_view json);

}  // namespace hub
