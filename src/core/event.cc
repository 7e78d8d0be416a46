// Envelope (de)serialization. Reading uses Boost.JSON; writing appends the
// fixed key order by hand around the data's text, so that a connector that
// wrote that text directly (AppendJson) never builds a tree, and EventToJson
// never deep-copies Event::data into a temporary envelope object.
#include "core/event.h"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <limits>

#include "core/model_json.h"

namespace hub {
namespace {

namespace json = boost::json;

Error Invalid(std::string_view path, std::string_view why) {
  return Error(ErrorCode::kInvalidArgument, std::string(why), std::string(path));
}

Result<std::string> RequiredString(const json::object& o, std::string_view key,
                                   std::string_view path) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) {
    return Fail(Invalid(path, "missing required string"));
  }
  if (!v->is_string()) {
    return Fail(Invalid(path, "must be a string"));
  }
  return std::string(v->get_string());
}

Status CheckKeys(const json::object& o, std::initializer_list<std::string_view> allowed,
                 std::string_view prefix) {
  for (const auto& kv : o) {
    bool known = false;
    for (std::string_view k : allowed) {
      known = known || kv.key() == k;
    }
    if (!known) {
      return Fail(Invalid(std::string(prefix) + std::string(kv.key()), "unknown key"));
    }
  }
  return Ok();
}

// Canonical data holds no floating-point numbers (money is decimal strings,
// rates are integer ppm): a double would not survive a round trip exactly.
// Boost.JSON bounds nesting depth at parse time, so the recursion is bounded.
Status CheckNoFloats(const json::value& v, const std::string& path) {
  if (v.is_double()) {
    return Fail(Invalid(path, "floating-point numbers are not canonical; use a decimal string"));
  }
  if (v.is_object()) {
    for (const auto& kv : v.get_object()) {
      HUB_TRY_STATUS(CheckNoFloats(kv.value(), path + "." + std::string(kv.key())));
    }
  } else if (v.is_array()) {
    const json::array& a = v.get_array();
    for (std::size_t i = 0; i < a.size(); ++i) {
      HUB_TRY_STATUS(CheckNoFloats(a[i], path + "[" + std::to_string(i) + "]"));
    }
  }
  return Ok();
}

}  // namespace

void AppendEventJsonHead(const EventHead& head, std::string* out) {
  out->append("{\"type\":");
  AppendJsonString(head.type, out);
  out->append(",\"version\":");
  char version[16];
  out->append(version, std::to_chars(version, version + sizeof version, head.version).ptr);
  out->append(",\"event_id\":");
  AppendJsonString(head.event_id, out);
  out->append(",\"key\":");
  AppendJsonString(head.key, out);
  out->append(",\"correlation_id\":");
  AppendJsonString(head.correlation_id, out);
  out->append(",\"occurred_at\":");
  AppendJson(head.occurred_at, out);
  out->append(",\"source\":{\"system\":");
  AppendJsonString(head.system, out);
  out->append(",\"account\":");
  AppendJsonString(head.account, out);
  out->append(",\"id\":");
  AppendJsonString(head.id, out);
  out->append("},\"data\":");
}

std::string EventToJson(const Event& event, std::string_view data_json) {
  constexpr std::size_t kEnvelopeBytesTypical = 320;
  std::string out;
  out.reserve(kEnvelopeBytesTypical + data_json.size());
  AppendEventJsonHead(EventHead{.type = event.type,
                                .version = event.version,
                                .event_id = event.event_id,
                                .key = event.key,
                                .correlation_id = event.correlation_id,
                                .occurred_at = event.occurred_at,
                                .system = event.source.system,
                                .account = event.source.account,
                                .id = event.source.id},
                      &out);
  out.append(data_json);
  out.push_back('}');
  return out;
}

std::string EventToJson(const Event& event) {
  return EventToJson(event, json::serialize(event.data));
}

Result<Event> EventFromJson(std::string_view text) {
  boost::system::error_code ec;
  json::value root = json::parse(text, ec);
  if (ec) {
    return Fail(ErrorCode::kParse, "event is not JSON: " + ec.message(), "$");
  }
  if (!root.is_object()) {
    return Fail(Invalid("$", "event must be a JSON object"));
  }
  const json::object& o = root.get_object();
  HUB_TRY_STATUS(CheckKeys(
      o, {"type", "version", "event_id", "key", "correlation_id", "occurred_at", "source", "data"},
      ""));
  Event e;
  HUB_TRY(e.type, RequiredString(o, "type", "type"));
  if (e.type.empty()) {
    return Fail(Invalid("type", "must not be empty"));
  }
  const json::value* version = o.if_contains("version");
  if (version == nullptr || !version->is_int64() || version->get_int64() < 1 ||
      version->get_int64() > std::numeric_limits<int>::max()) {
    return Fail(Invalid("version", "must be a positive integer"));
  }
  e.version = static_cast<int>(version->get_int64());
  HUB_TRY(e.event_id, RequiredString(o, "event_id", "event_id"));
  HUB_TRY(e.key, RequiredString(o, "key", "key"));
  HUB_TRY(e.correlation_id, RequiredString(o, "correlation_id", "correlation_id"));
  HUB_TRY(std::string occurred, RequiredString(o, "occurred_at", "occurred_at"));
  auto at = ParseRfc3339(occurred);
  if (!at) {
    return Fail(Invalid("occurred_at", at.error().message));
  }
  e.occurred_at = *at;
  const json::value* source = o.if_contains("source");
  if (source == nullptr || !source->is_object()) {
    return Fail(Invalid("source", "must be an object"));
  }
  const json::object& so = source->get_object();
  HUB_TRY_STATUS(CheckKeys(so, {"system", "account", "id"}, "source."));
  HUB_TRY(e.source.system, RequiredString(so, "system", "source.system"));
  HUB_TRY(e.source.account, RequiredString(so, "account", "source.account"));
  HUB_TRY(e.source.id, RequiredString(so, "id", "source.id"));
  const json::value* data = o.if_contains("data");
  if (data == nullptr || !data->is_object()) {
    return Fail(Invalid("data", "must be an object"));
  }
  HUB_TRY_STATUS(CheckNoFloats(*data, "data"));
  e.data = data->get_object();
  return e;
}

}  // namespace hub
