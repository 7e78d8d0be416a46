// Private to src/connectors: reading source payloads with simdjson On-Demand
// in one forward pass, with the JSON path of whatever is being read kept on a
// small stack so every error names its field ("line_items[2].price"), and
// collecting the resulting events as Events or as their wire form (EventOut).
// Member names and plain strings are viewed in the padded input, not copied.
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

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <bit>
#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "connectors/connector.h"
#include "core/model_json.h"
#include "core/money.h"
#include "core/result.h"
#include "core/time.h"

namespace hub::connectors_internal {

namespace od = simdjson::ondemand;

struct TranslateError {
  Error error;
};

// The JSON path being read. Segments are string_views into the parser's
// buffer or literals: valid while the document is. Push and Pop are inline
// and never allocate once the stack has been as deep before: they run for
// every member of every payload.
class PathStack {
 public:
  void Push(std::string_view key) { Emplace(key, -1); }
  void PushIndex(std::int64_t i) { Emplace({}, i); }
  void Pop() { --depth_; }
  void Clear() { depth_ = 0; }
  // "line_items[2].price"; `leaf`, if given, is appended as a key.
  std::string Str(std::string_view leaf = {}) const;

 private:
  struct Seg {
    std::string_view key;
    std::int64_t index;
  };
  [[gnu::always_inline]] void Emplace(std::string_view key, std::int64_t index) {
    if (depth_ == segs_.size()) [[unlikely]] {
      segs_.resize(2 * depth_ + kDepthInitial);
    }
    segs_[depth_++] = Seg{key, index};
  }
  static constexpr std::size_t kDepthInitial = 16;
  std::vector<Seg> segs_;  // [0, depth_) in use
  std::size_t depth_ = 0;
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
// The same for a translator that leaves its output elsewhere (an EventOut).
Status RunTranslation(std::string_view body, const std::function<void(od::document&)>& fn);
// Replaces `doc`, the document RunTranslation passed, by a new iteration of
// the same input, and empties the path: for a translator that reads the
// input again after a failure, which may have left `doc` unusable.
void Reiterate(od::document& doc);

// Finds one top-level string/number field without consuming the document
// (rewinds). nullopt when absent or null.
std::optional<std::string> PeekTopLevel(od::document& doc, std::string_view key);

// The top-level member `key` of a JSON object body as text (string or
// integer); nullopt when absent or null; kParse when the body is not JSON.
Result<std::optional<std::string>> PeekBody(std::string_view body, std::string_view key);

// Length of the JSON string whose text starts at `begin` (just after its
// opening quote) when it holds no escape, else std::string_view::npos. The
// input is valid JSON, so the closing quote exists, and padded
// (SIMDJSON_PADDING), so reading up to 15 bytes past it stays in the buffer:
// 16 bytes at a time with SSE2 (every x86-64), else 8 as a 64-bit word.
[[gnu::always_inline]] inline std::size_t UnescapedLength(const char* begin) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  for (const char* p = begin;; p += 16) {
    const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const auto quotes = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, quote)));
    const auto escapes = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, backslash)));
    if ((quotes | escapes) == 0) {
      continue;
    }
    const int first = std::countr_zero(quotes | escapes);
    if (((escapes >> first) & 1U) != 0) {
      return std::string_view::npos;
    }
    return static_cast<std::size_t>(p - begin) + static_cast<std::size_t>(first);
  }
#else
  constexpr std::uint64_t kOnes = 0x0101010101010101;
  constexpr std::uint64_t kHighs = 0x8080808080808080;
  const auto zero_bytes = [](std::uint64_t v) { return (v - kOnes) & ~v & kHighs; };
  for (const char* p = begin;; p += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, p, 8);
    const std::uint64_t quotes = zero_bytes(word ^ (kOnes * '"'));
    const std::uint64_t escapes = zero_bytes(word ^ (kOnes * '\\'));
    if ((quotes | escapes) == 0) {
      continue;
    }
    // Little-endian: the lowest flagged byte comes first. Bytes after the
    // first flagged one may be flagged falsely (borrows), never before it.
    const int first = std::countr_zero(quotes | escapes);
    if (escapes != 0 && std::countr_zero(escapes) == first) {
      return std::string_view::npos;
    }
    return static_cast<std::size_t>(p - begin) + static_cast<std::size_t>(first / 8);
  }
#endif
}

// The key of `field`: a view of the input itself when the key holds no escape
// (the common case: nothing copied), else unescaped into the parser's buffer.
// Either way valid while the document is.
[[gnu::always_inline]] inline std::string_view FieldKey(od::field& field) {
  const char* const begin = field.key().raw();  // just after the opening quote
  const std::size_t length = UnescapedLength(begin);
  if (length == std::string_view::npos) {
    return field.unescaped_key().value();
  }
  return {begin, length};
}

// A member name as ForEachField passes it (a string_view). Compared with a
// string literal it is a length check and a fixed-size compare, inline: every
// member of a payload meets a chain of such comparisons.
class Key {
 public:
  explicit Key(std::string_view name) : name_(name) {}
  operator std::string_view() const { return name_; }  // NOLINT(google-explicit-constructor)
  template <std::size_t N>
  [[gnu::always_inline]] bool operator==(const char (&literal)[N]) const {
    return name_.size() == N - 1 && std::memcmp(name_.data(), literal, N - 1) == 0;
  }

 private:
  std::string_view name_;
};

// Calls fn(key, value) for every member, with the key on the path stack.
// The push and pop are inline rather than a PathScope: a throw skips the pop
// just the same, so the path still says where, and this runs for every member
// of every payload.
template <typename F>
void ForEachField(od::object obj, F&& fn) {
  PathStack& path = Path();
  for (auto field_result : obj) {
    if (field_result.error() != simdjson::SUCCESS) {
      throw simdjson::simdjson_error(field_result.error());
    }
    // By reference: copying the field and its value through the stack cost
    // store-forwarding stalls that showed in profiles.
    od::field& field = field_result.value_unsafe();
    const std::string_view key = FieldKey(field);
    path.Push(key);
    fn(Key(key), field.value());
    path.Pop();
  }
}
template <typename F>
void ForEachField(od::value v, F&& fn) {
  ForEachField(v.get_object().value(), std::forward<F>(fn));
}

// Calls fn(index, value) for every element, with "[i]" on the path stack
// (pushed and popped as in ForEachField). null is an empty array.
template <typename F>
void ForEachElement(od::value v, F&& fn) {
  if (v.is_null().value()) {
    return;
  }
  PathStack& path = Path();
  std::int64_t i = 0;
  // Named: a range-for over get_array().value() would bind to a member of a
  // temporary simdjson_result and dangle (found by shopify_fuzz under ASan).
  od::array array = v.get_array().value();
  for (auto element : array) {
    path.PushIndex(i);
    fn(i, element.value());  // by reference, as in ForEachField
    path.Pop();
    ++i;
  }
}

bool IsNull(od::value& v);
// A string without escapes, viewed in the input; nullopt for anything else.
std::optional<std::string_view> PlainString(od::value& v);
// String or null (→ ""). Throws kInvalidArgument for other types.
std::string_view Str(od::value& v);
// String, integer (as its decimal text) or null (→ "").
std::string Id(od::value& v);
// Id's text without the copy: a view of the document (valid while it is).
std::string_view IdText(od::value& v);
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
// ParseMoney's value for the plain forms ([-]digits[.digits], no excess
// precision but zeros, at most 18 digits with the currency's decimals, so no
// overflow), computed in place; nullopt for anything else, whether ParseMoney
// would accept it or not. For callers whose error path is costly to prepare
// (a leaf built from strings).
std::optional<Money> ParseMoneyFast(std::string_view text, Currency currency);
Currency ParseCurrency(std::string_view code, std::string_view leaf);  // case-insensitive
// ParseCurrency's value, nullopt where it would throw.
std::optional<Currency> CurrencyOf(std::string_view code);
Money AddMoney(const Money& a, const Money& b);  // throws on overflow/mix
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
// The envelope MakeEvent(…) would build, as views for AppendEventJsonHead:
// of `ids`, of the arguments and of a per-thread event id, valid until the
// next call on this thread.
EventHead EventEnvelope(const EventIds& ids, std::size_t index, std::string_view type,
                        std::string_view key, std::string_view source_id, Instant occurred_at);

// Collects the events of one delivery in one of two forms with the same
// content: Events, whose data is a Boost.JSON tree in its own arena, or their
// wire form, EventToJson's bytes, written straight from each record
// (AppendJson) without building the tree; the fast path for callers that
// serialize anyway. A translator emits records and never knows which.
class EventOut {
 public:
  enum class Form : std::uint8_t { kEvents, kJson };

  EventOut(EventIds ids, Form form) : ids_(std::move(ids)), form_(form) {}

  const EventIds& ids() const { return ids_; }
  Form form() const { return form_; }

  template <typename Record>
  void Emit(std::string_view type, std::string_view key, std::string_view source_id,
            Instant occurred_at, const Record& record) {
    if (form_ == Form::kJson) {
      EmitJson(type, key, source_id, occurred_at, record);
    } else {
      EmitEvent(type, key, source_id, occurred_at, record);
    }
  }
  // The forms one at a time, for a translator that knows which it writes:
  // EmitJson also takes the views of model_json.h (OrderView), which have no
  // tree form.
  template <typename Record>
  void EmitJson(std::string_view type, std::string_view key, std::string_view source_id,
                Instant occurred_at, const Record& record) {
    const std::size_t index = next_index_++;
    // EventToJson's bytes, the envelope and the record written straight into
    // the string returned, reserved at the size of the thread's previous
    // event: events of one stream are alike, so it rarely grows, and it is
    // trimmed when it came out much smaller.
    thread_local std::size_t expected_bytes = 0;
    std::string& text = json_.emplace_back();
    text.reserve(expected_bytes);
    AppendEventJsonHead(EventEnvelope(ids_, index, type, key, source_id, occurred_at), &text);
    AppendJson(record, &text);
    text.push_back('}');
    expected_bytes = text.size();
    if (text.capacity() - text.size() > text.size() / 4) {
      text.shrink_to_fit();
    }
  }
  template <typename Record>
  void EmitEvent(std::string_view type, std::string_view key, std::string_view source_id,
                 Instant occurred_at, const Record& record) {
    const std::size_t index = next_index_++;
    events_.push_back(MakeEvent(ids_, index, std::string(type), std::string(key),
                                std::string(source_id), occurred_at,
                                ToJson(record, EventStorage())));
  }

  std::vector<Event> TakeEvents() { return std::move(events_); }
  std::vector<std::string> TakeJson() { return std::move(json_); }

 private:
  EventIds ids_;
  Form form_;
  std::size_t next_index_ = 0;
  std::vector<Event> events_;
  std::vector<std::string> json_;
};

}  // namespace hub::connectors_internal
