// Private to src/connectors: reading source payloads with simdjson On-Demand
// in one forward pass, with the JSON path of whatever is being read kept on a
// small stack so every error names its field ("line_items[2].price").
// Failures inside a translator are thrown (TranslateError, simdjson_error) and
// converted to Result exactly once, at the Translate() edge (RunTranslator):
// On-Demand's accessors are far clearer with exceptions, and a bad payload
// ends the whole translation anyway. Per-thread parser; thread-safe.
#pragma once

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <simdjson.h>
#pragma GCC diagnostic pop

#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "connectors/connector.h"
#include "core/money.h"
#include "core/result.h"
#include "core/time.h"

namespace hub::connectors_internal {

namespace od = simdjson::ondemand;

struct TranslateError {
  Error error;
};

// The JSON path being read. Segments are string_views into the parser's
// buffer or literals: valid while the document is.
class PathStack {
 public:
  void Push(std::string_view key) { segs_.push_back({key, -1}); }
  void PushIndex(std::int64_t i) { segs_.push_back({{}, i}); }
  void Pop() { segs_.pop_back(); }
  void Clear() { segs_.clear(); }
  // "line_items[2].price"; `leaf`, if given, is appended as a key.
  std::string Str(std::string_view leaf = {}) const;

 private:
  struct Seg {
    std::string_view key;
    std::int64_t index;
  };
  std::vector<Seg> segs_;
};

// Thread-local state of the translation in progress.
PathStack& Path();

// Pops on normal exit only, so that after a throw the stack still says where.
class PathScope {
 public:
  explicit PathScope(std::string_view key) : depth_(std::uncaught_exceptions()) {
    Path().Push(key);
  }
  explicit PathScope(std::int64_t index) : depth_(std::uncaught_exceptions()) {
    Path().PushIndex(index);
  }
  ~PathScope() {
    if (std::uncaught_exceptions() == depth_) {
      Path().Pop();
    }
  }
  PathScope(const PathScope&) = delete;
  PathScope& operator=(const PathScope&) = delete;

 private:
  int depth_;
};

[[noreturn]] void Throw(ErrorCode code, std::string message, std::string_view leaf = {});

// Parses `body` (copied into a padded per-thread buffer) and runs `fn` on the
// document; converts every failure to a Result with the path in Error::field.
Result<std::vector<Event>> RunTranslator(
    std::string_view body, const std::function<std::vector<Event>(od::document&)>& fn);

// Finds one top-level string/number field without consuming the document
// (rewinds). nullopt when absent or null.
std::optional<std::string> PeekTopLevel(od::document& doc, std::string_view key);

// The top-level member `key` of a JSON object body as text (string or
// integer); nullopt when absent or null; kParse when the body is not JSON.
Result<std::optional<std::string>> PeekBody(std::string_view body, std::string_view key);

// Calls fn(key, value) for every member, with the key on the path stack.
template <typename F>
void ForEachField(od::object obj, F&& fn) {
  for (auto field_result : obj) {
    if (field_result.error() != simdjson::SUCCESS) {
      throw simdjson::simdjson_error(field_result.error());
    }
    od::field field = std::move(field_result).value_unsafe();
    std::string_view key = field.unescaped_key().value();
    PathScope scope(key);
    od::value v = field.value();
    fn(key, v);
  }
}
template <typename F>
void ForEachField(od::value v, F&& fn) {
  ForEachField(v.get_object().value(), std::forward<F>(fn));
}

// Calls fn(index, value) for every element, with "[i]" on the path stack.
// null is an empty array.
template <typename F>
void ForEachElement(od::value v, F&& fn) {
  if (v.is_null().value()) {
    return;
  }
  std::int64_t i = 0;
  // Named: a range-for over get_array().value() would bind to a member of a
  // temporary simdjson_result and dangle (found by shopify_fuzz under ASan).
  od::array array = v.get_array().value();
  for (auto element : array) {
    PathScope scope(i);
    od::value e = element.value();
    fn(i, e);
    ++i;
  }
}

bool IsNull(od::value& v);
// String or null (→ ""). Throws kInvalidArgument for other types.
std::string_view Str(od::value& v);
// String, integer (as its decimal text) or null (→ "").
std::string Id(od::value& v);
// Integer, or a string holding one.
std::int64_t Int(od::value& v);
bool Bool(od::value& v);  // null → false
// A decimal amount as text: a JSON string ("12.30") or a JSON number token
// (12.3, exports use floats); null → "". Never converted through double.
std::string_view DecimalText(od::value& v);
// RFC 3339 string, or integer Unix seconds. Null → nullopt.
std::optional<Instant> Time(od::value& v);
// RFC 3339 text; "" → Instant{}. Throws kInvalidArgument at the current path.
Instant TimeText(std::string_view text);
// A decimal rate (0.0725) as parts per million; digits beyond 6 decimals
// round half up (a rate is informational; the tax amount is what is booked).
std::int64_t RatePpm(std::string_view text, std::string_view leaf);

// Exact decimal text in the currency's units → Money. Trailing zeros past the
// currency's exponent are accepted ("59.000"); other excess precision is kPrecision.
Money ParseMoney(std::string_view text, Currency currency, std::string_view leaf);
Currency ParseCurrency(std::string_view code, std::string_view leaf);  // case-insensitive
Money AddMoney(const Money& a, const Money& b);                        // throws on overflow/mix
Money SubMoney(const Money& a, const Money& b);
Money MulMoney(const Money& a, std::int64_t qty, std::string_view leaf);

// A fresh arena for one event's `data`: the whole tree is one or two
// allocations and is freed with the event.
boost::json::storage_ptr EventStorage();

// Builds the envelope of the index-th event of a delivery.
struct EventIds {
  std::string system, account, dedup_key, correlation_id;
};
EventIds MakeEventIds(std::string_view system, std::string_view account,
                      std::string_view dedup_key);
Event MakeEvent(const EventIds& ids, std::size_t index, std::string type, std::string key,
                std::string source_id, Instant occurred_at, boost::json::object data);

}  // namespace hub::connectors_internal
