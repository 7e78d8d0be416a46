#include "connectors/json_internal.h"

#include <fmt/format.h>

#include <boost/json/monotonic_resource.hpp>

#include <cctype>
#include <limits>

namespace hub::connectors_internal {

std::string PathStack::Str(std::string_view leaf) const {
  std::string out;
  for (std::size_t i = 0; i < depth_; ++i) {
    const Seg& s = segs_[i];
    if (s.index >= 0) {
      out += fmt::format("[{}]", s.index);
    } else {
      if (!out.empty()) {
        out += '.';
      }
      out += s.key;
    }
  }
  if (!leaf.empty()) {
    if (!out.empty()) {
      out += '.';
    }
    out += leaf;
  }
  return out.empty() ? std::string("$") : out;
}

PathStack& Path() {
  thread_local PathStack stack;
  return stack;
}

void Throw(ErrorCode code, std::string message, std::string_view leaf) {
  throw TranslateError{Error(code, std::move(message), Path().Str(leaf))};
}

namespace {
// The input of the translation in progress, padded, and its parser.
std::string& Input() {
  thread_local std::string buffer;
  return buffer;
}

od::document Iterate() {
  thread_local od::parser parser;
  std::string& input = Input();
  return parser.iterate(simdjson::padded_string_view(input.data(), input.size(), input.capacity()))
      .value();
}
}  // namespace

void Reiterate(od::document& doc) {
  doc = Iterate();
  Path().Clear();
}

Status RunTranslation(std::string_view body, const std::function<void(od::document&)>& fn) {
  if (body.size() > kDeliveryBodyBytesMax) {
    return Fail(ErrorCode::kTooLarge,
                fmt::format("body of {} bytes exceeds {}", body.size(), kDeliveryBodyBytesMax));
  }
  std::string& buffer = Input();
  buffer.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  buffer.assign(body.data(), body.size());
  Path().Clear();
  try {
    od::document doc = Iterate();
    fn(doc);
    Path().Clear();
    return Ok();
  } catch (const TranslateError& e) {
    Path().Clear();
    return Fail(e.error);
  } catch (const simdjson::simdjson_error& e) {
    std::string where = Path().Str();
    Path().Clear();
    const bool type_error = e.error() == simdjson::INCORRECT_TYPE ||
                            e.error() == simdjson::NUMBER_OUT_OF_RANGE ||
                            e.error() == simdjson::NO_SUCH_FIELD;
    return Fail(type_error ? ErrorCode::kInvalidArgument : ErrorCode::kParse,
                std::string("JSON: ") + simdjson::error_message(e.error()), std::move(where));
  }
}

Result<std::vector<Event>> RunTranslator(
    std::string_view body, const std::function<std::vector<Event>(od::document&)>& fn) {
  std::vector<Event> events;
  HUB_TRY_STATUS(RunTranslation(body, [&](od::document& doc) { events = fn(doc); }));
  return events;
}

std::optional<std::string> PeekTopLevel(od::document& doc, std::string_view key) {
  std::optional<std::string> out;
  od::object obj = doc.get_object().value();
  auto found = obj.find_field_unordered(key);
  if (found.error() == simdjson::SUCCESS) {
    od::value v = found.value();
    PathScope scope(key);
    if (!IsNull(v)) {
      out = Id(v);
    }
  } else if (found.error() != simdjson::NO_SUCH_FIELD) {
    throw simdjson::simdjson_error(found.error());
  }
  doc.rewind();
  return out;
}

Result<std::optional<std::string>> PeekBody(std::string_view body, std::string_view key) {
  std::optional<std::string> out;
  auto r = RunTranslator(body, [&](od::document& doc) {
    out = PeekTopLevel(doc, key);
    return std::vector<Event>{};
  });
  if (!r) {
    return Fail(r.error());
  }
  return out;
}

bool IsNull(od::value& v) { return v.is_null().value(); }

// A string value without escapes, viewed in the input rather than unescaped
// into the parser's buffer (the common case); nullopt for anything else.
std::optional<std::string_view> PlainString(od::value& v) {
  const std::string_view raw = v.raw_json_token();
  if (raw.empty() || raw.front() != '"') {
    return std::nullopt;
  }
  const std::size_t n = UnescapedLength(raw.data() + 1);
  if (n == std::string_view::npos) {
    return std::nullopt;
  }
  return raw.substr(1, n);
}

std::string_view Str(od::value& v) {
  if (auto s = PlainString(v)) {
    return *s;
  }
  switch (v.type().value()) {
    case od::json_type::string:
      return v.get_string().value();
    case od::json_type::null:
      return {};
    default:
      Throw(ErrorCode::kInvalidArgument, "must be a string");
  }
}

namespace {
std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) {
    s.remove_suffix(1);
  }
  return s;
}
}  // namespace

std::string Id(od::value& v) { return std::string(IdText(v)); }

std::string_view IdText(od::value& v) {
  if (auto s = PlainString(v)) {
    return *s;
  }
  switch (v.type().value()) {
    case od::json_type::string:
      return v.get_string().value();
    case od::json_type::number: {
      std::string_view raw = Trim(v.raw_json_token());
      for (char c : raw) {
        if (c < '0' || c > '9') {
          Throw(ErrorCode::kInvalidArgument, "id must be a string or a non-negative integer");
        }
      }
      return raw;
    }
    case od::json_type::null:
      return {};
    default:
      Throw(ErrorCode::kInvalidArgument, "id must be a string or an integer");
  }
}

std::int64_t Int(od::value& v) {
  switch (v.type().value()) {
    case od::json_type::number: {
      auto r = v.get_int64();
      if (r.error() != simdjson::SUCCESS) {
        Throw(ErrorCode::kInvalidArgument, "must be an integer in the int64 range");
      }
      return r.value_unsafe();
    }
    case od::json_type::string: {
      std::string_view s = v.get_string().value();
      std::int64_t out = 0;
      bool neg = !s.empty() && s[0] == '-';
      std::size_t i = neg ? 1 : 0;
      if (i == s.size()) {
        Throw(ErrorCode::kInvalidArgument, "must be an integer");
      }
      for (; i < s.size(); ++i) {
        if (s[i] < '0' || s[i] > '9') {
          Throw(ErrorCode::kInvalidArgument, fmt::format("must be a whole number, got \"{}\"", s));
        }
        const int d = s[i] - '0';
        if (out > (std::numeric_limits<std::int64_t>::max() - d) / 10) {
          Throw(ErrorCode::kOverflow, "integer out of the int64 range");
        }
        out = out * 10 + d;
      }
      return neg ? -out : out;
    }
    default:
      Throw(ErrorCode::kInvalidArgument, "must be an integer");
  }
}

bool Bool(od::value& v) {
  switch (v.type().value()) {
    case od::json_type::boolean:
      return v.get_bool().value();
    case od::json_type::null:
      return false;
    default:
      Throw(ErrorCode::kInvalidArgument, "must be true or false");
  }
}

std::string_view DecimalText(od::value& v) {
  if (auto s = PlainString(v)) {
    return *s;
  }
  switch (v.type().value()) {
    case od::json_type::string:
      return v.get_string().value();
    case od::json_type::number:
      return Trim(v.raw_json_token());
    case od::json_type::null:
      return {};
    default:
      Throw(ErrorCode::kInvalidArgument, "must be a decimal string or number");
  }
}

namespace {

// ParseRfc3339's value for every text it accepts, computed in place (no
// Result, no error text prepared); nullopt for anything else, which
// ParseRfc3339 then rejects with its message. The same steps and checks:
// YYYY-MM-DD, 'T'/'t'/' ', HH:MM:SS, optional 1-9 fraction digits (the first
// 6 kept), 'Z'/'z' or ±HH:MM.
std::optional<Instant> ParseRfc3339Fast(std::string_view text) {
  constexpr std::size_t kShortestBytes = 20;  // YYYY-MM-DDTHH:MM:SSZ
  if (text.size() < kShortestBytes) {
    return std::nullopt;
  }
  const char* const p = text.data();
  const auto digit = [p](std::size_t i) {
    return static_cast<unsigned>(static_cast<unsigned char>(p[i])) - unsigned{'0'};
  };
  bool ok = true;
  const auto two = [&](std::size_t i) {
    const unsigned hi = digit(i);
    const unsigned lo = digit(i + 1);
    ok = ok && hi <= 9 && lo <= 9;
    return static_cast<std::int64_t>(hi * 10 + lo);
  };
  const std::int64_t year = two(0) * 100 + two(2);
  const std::int64_t month = two(5);
  const std::int64_t day = two(8);
  const std::int64_t hour = two(11);
  const std::int64_t minute = two(14);
  const std::int64_t second = two(17);
  if (!ok || p[4] != '-' || p[7] != '-' || (p[10] != 'T' && p[10] != 't' && p[10] != ' ') ||
      p[13] != ':' || p[16] != ':' || month < 1 || month > 12 || hour > 23 || minute > 59 ||
      second > 59) {
    return std::nullopt;
  }
  constexpr int kDaysInMonth[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
  if (day < 1 || day > (month == 2 && leap ? 29 : kDaysInMonth[month - 1])) {
    return std::nullopt;
  }
  std::size_t i = 19;
  std::int64_t frac_micros = 0;
  if (p[i] == '.') {
    constexpr std::size_t kFractionDigitsMax = 9;
    constexpr std::size_t kMicroDigits = 6;
    std::size_t digits = 0;
    for (++i; i < text.size() && digit(i) <= 9; ++i, ++digits) {
      if (digits < kMicroDigits) {
        frac_micros = frac_micros * 10 + digit(i);
      }
    }
    if (digits == 0 || digits > kFractionDigitsMax) {
      return std::nullopt;
    }
    for (; digits < kMicroDigits; ++digits) {
      frac_micros *= 10;
    }
  }
  std::int64_t offset_seconds = 0;
  if (i < text.size() && (p[i] == 'Z' || p[i] == 'z')) {
    ++i;
  } else if (i < text.size() && (p[i] == '+' || p[i] == '-')) {
    constexpr std::size_t kOffsetBytes = 6;  // ±HH:MM
    if (text.size() - i < kOffsetBytes) {
      return std::nullopt;
    }
    const std::int64_t off_hour = two(i + 1);
    const std::int64_t off_minute = two(i + 4);
    if (!ok || p[i + 3] != ':' || off_hour > 23 || off_minute > 59) {
      return std::nullopt;
    }
    offset_seconds = (off_hour * 3600 + off_minute * 60) * (p[i] == '-' ? -1 : 1);
    i += kOffsetBytes;
  } else {
    return std::nullopt;
  }
  if (i != text.size()) {
    return std::nullopt;
  }
  // Howard Hinnant's days_from_civil, as core/time.cc computes it.
  const std::int64_t y = year - (month <= 2 ? 1 : 0);
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const std::int64_t days = era * 146097 + doe - 719468;
  constexpr std::int64_t kSecondsPerDay = 86'400;
  constexpr std::int64_t kMicrosPerSecond = 1'000'000;
  const std::int64_t local_seconds = days * kSecondsPerDay + hour * 3600 + minute * 60 + second;
  return Instant{(local_seconds - offset_seconds) * kMicrosPerSecond + frac_micros};
}

// ParseRfc3339, its failure thrown at the current path.
Instant ParseTime(std::string_view text) {
  if (auto fast = ParseRfc3339Fast(text)) {
    return *fast;
  }
  auto t = ParseRfc3339(text);
  if (!t) {
    Throw(ErrorCode::kInvalidArgument, t.error().message);
  }
  return *t;
}

}  // namespace

Instant TimeText(std::string_view text) {
  if (text.empty()) {
    return Instant{};
  }
  return ParseTime(text);
}

std::optional<Instant> Time(od::value& v) {
  if (auto s = PlainString(v)) {
    return ParseTime(*s);
  }
  switch (v.type().value()) {
    case od::json_type::string:
      return ParseTime(v.get_string().value());
    case od::json_type::number: {
      const std::int64_t seconds = Int(v);
      constexpr std::int64_t kSecondsMax = 253402300799;  // 9999-12-31T23:59:59Z
      if (seconds < 0 || seconds > kSecondsMax) {
        Throw(ErrorCode::kInvalidArgument, "Unix time out of range");
      }
      return Instant::FromSeconds(seconds);
    }
    case od::json_type::null:
      return std::nullopt;
    default:
      Throw(ErrorCode::kInvalidArgument, "must be an RFC 3339 string or Unix seconds");
  }
}

std::int64_t RatePpm(std::string_view text, std::string_view leaf) {
  if (text.empty()) {
    return 0;
  }
  std::int64_t whole = 0;
  std::int64_t frac = 0;
  int frac_digits = 0;
  bool round_up = false;
  bool seen_dot = false;
  bool any_digit = false;
  for (char c : text) {
    if (c == '.' && !seen_dot) {
      seen_dot = true;
      continue;
    }
    if (c < '0' || c > '9') {
      Throw(ErrorCode::kInvalidArgument, fmt::format("rate \"{}\" is not a plain decimal", text),
            leaf);
    }
    any_digit = true;
    const int d = c - '0';
    if (!seen_dot) {
      if (whole > 1'000'000) {
        Throw(ErrorCode::kInvalidArgument, fmt::format("rate \"{}\" is too large", text), leaf);
      }
      whole = whole * 10 + d;
    } else if (frac_digits < 6) {
      frac = frac * 10 + d;
      ++frac_digits;
    } else if (frac_digits == 6) {
      round_up = d >= 5;
      ++frac_digits;
    }
  }
  if (!any_digit) {
    Throw(ErrorCode::kInvalidArgument, fmt::format("rate \"{}\" has no digits", text), leaf);
  }
  for (int i = std::min(frac_digits, 6); i < 6; ++i) {
    frac *= 10;
  }
  return whole * 1'000'000 + frac + (round_up ? 1 : 0);
}

std::optional<Money> ParseMoneyFast(std::string_view text, Currency currency) {
  if (!currency.valid() || text.empty()) {
    return std::nullopt;
  }
  const char* p = text.data();
  const char* const end = p + text.size();
  const bool negative = *p == '-';
  p += negative ? 1 : 0;
  const int exponent = currency.exponent();
  // At most 18 digits in the result: below 10^18, so no overflow is possible.
  constexpr int kDigitsMax = 18;
  std::int64_t acc = 0;
  int digits = 0;
  for (; p < end && *p >= '0' && *p <= '9'; ++p) {
    acc = acc * 10 + (*p - '0');
    ++digits;
  }
  if (digits == 0 || digits + exponent > kDigitsMax) {
    return std::nullopt;
  }
  int decimals = 0;
  if (p < end) {
    if (*p != '.' || ++p == end) {
      return std::nullopt;  // not a plain decimal, or "12." (ParseMoney decides)
    }
    for (; p < end && *p >= '0' && *p <= '9'; ++p) {
      if (decimals < exponent) {
        acc = acc * 10 + (*p - '0');
        ++decimals;
      } else if (*p != '0') {
        return std::nullopt;  // excess precision: ParseMoney's error
      }
    }
    if (p != end) {
      return std::nullopt;
    }
  }
  for (; decimals < exponent; ++decimals) {
    acc *= 10;
  }
  return Money(negative ? -acc : acc, currency);
}

Money ParseMoney(std::string_view text, Currency currency, std::string_view leaf) {
  if (auto fast = ParseMoneyFast(text, currency)) {
    return *fast;
  }
  if (text.empty()) {
    Throw(ErrorCode::kInvalidArgument, "amount is missing", leaf);
  }
  // Exports carry floats such as 59.0 or 12.300: drop zeros past the exponent.
  const std::size_t dot = text.find('.');
  if (dot != std::string_view::npos) {
    const std::size_t keep = dot + 1 + static_cast<std::size_t>(currency.exponent());
    while (text.size() > keep && text.back() == '0') {
      text.remove_suffix(1);
    }
    if (text.back() == '.') {
      text.remove_suffix(1);
    }
  }
  auto m = Money::Parse(text, currency);
  if (!m) {
    Throw(m.error().code, m.error().message, leaf);
  }
  return *m;
}

std::optional<Currency> CurrencyOf(std::string_view code) {
  if (code.size() != 3) {
    return std::nullopt;
  }
  char upper[3];
  for (std::size_t i = 0; i < 3; ++i) {
    upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(code[i])));
  }
  auto c = Currency::FromCode(std::string_view(upper, 3));
  if (!c) {
    return std::nullopt;
  }
  return *c;
}

Currency ParseCurrency(std::string_view code, std::string_view leaf) {
  char upper[3];
  if (code.size() != 3) {
    Throw(ErrorCode::kInvalidArgument, fmt::format("currency \"{}\" is not ISO 4217", code), leaf);
  }
  for (std::size_t i = 0; i < 3; ++i) {
    upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(code[i])));
  }
  auto c = Currency::FromCode(std::string_view(upper, 3));
  if (!c) {
    Throw(ErrorCode::kInvalidArgument, c.error().message, leaf);
  }
  return *c;
}

Money AddMoney(const Money& a, const Money& b) {
  auto r = a.Add(b);
  if (!r) {
    Throw(r.error().code, r.error().message);
  }
  return *r;
}

Money SubMoney(const Money& a, const Money& b) {
  auto r = a.Sub(b);
  if (!r) {
    Throw(r.error().code, r.error().message);
  }
  return *r;
}

Money MulMoney(const Money& a, std::int64_t qty, std::string_view leaf) {
  auto r = a.Multiply(qty);
  if (!r) {
    Throw(r.error().code, r.error().message, leaf);
  }
  return *r;
}

boost::json::storage_ptr EventStorage() {
  // Most events' data fit in 4 KiB (a three-line order is about 2.4 KB).
  constexpr std::size_t kEventDataBytesInitial = 4096;
  return boost::json::make_shared_resource<boost::json::monotonic_resource>(kEventDataBytesInitial);
}

EventIds MakeEventIds(std::string_view system, std::string_view account,
                      std::string_view dedup_key) {
  return EventIds{std::string(system), std::string(account), std::string(dedup_key),
                  DeriveCorrelationId(system, account, dedup_key)};
}

namespace {
// The envelope fields derived from the delivery: the one place both forms
// take them from. The event id is written to `event_id`.
EventHead DerivedHead(const EventIds& ids, std::size_t index, Instant occurred_at,
                      std::string* event_id) {
  *event_id = EventIdFromCorrelation(ids.correlation_id, index);
  return EventHead{.version = 1,
                   .event_id = *event_id,
                   .correlation_id = ids.correlation_id,
                   .occurred_at = occurred_at,
                   .system = ids.system,
                   .account = ids.account};
}

void SetDerivedEnvelope(const EventIds& ids, std::size_t index, Instant occurred_at, Event* e) {
  const EventHead head = DerivedHead(ids, index, occurred_at, &e->event_id);
  e->version = head.version;
  e->correlation_id = head.correlation_id;
  e->occurred_at = head.occurred_at;
  e->source.system = head.system;
  e->source.account = head.account;
}
}  // namespace

Event MakeEvent(const EventIds& ids, std::size_t index, std::string type, std::string key,
                std::string source_id, Instant occurred_at, boost::json::object data) {
  // `data` is moved in at construction so that it keeps its arena: assigning
  // it to a default-constructed Event would deep-copy it onto the heap.
  Event e{.data = std::move(data)};
  e.type = std::move(type);
  e.key = std::move(key);
  e.source.id = std::move(source_id);
  SetDerivedEnvelope(ids, index, occurred_at, &e);
  return e;
}

EventHead EventEnvelope(const EventIds& ids, std::size_t index, std::string_view type,
                        std::string_view key, std::string_view source_id, Instant occurred_at) {
  thread_local std::string event_id;
  EventHead head = DerivedHead(ids, index, occurred_at, &event_id);
  head.type = type;
  head.key = key;
  head.id = source_id;
  return head;
}

}  // namespace hub::connectors_internal
