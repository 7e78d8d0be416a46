// One field list per canonical type (HUB_FIELDS_*) drives both directions, so
// writer and reader cannot drift apart; keys are the member names.
#include "core/model_json.h"

#include <algorithm>
#include <array>
#include <boost/json/array.hpp>
#include <boost/json/string.hpp>
#include <charconv>
#include <cstring>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>  // WriteString: 16 bytes at a time on every x86-64
#endif

#include "core/assert.h"

namespace hub {
namespace {

namespace json = boost::json;

// ---- enums -----------------------------------------------------------------

template <typename E>
struct EnumName {
  E value;
  std::string_view name;
};

constexpr EnumName<Channel> kChannels[] = {{Channel::kWeb, "web"},
                                           {Channel::kPos, "pos"},
                                           {Channel::kMarketplace, "marketplace"},
                                           {Channel::kOther, "other"}};
constexpr EnumName<FulfillmentMethod> kFulfillmentMethods[] = {
    {FulfillmentMethod::kShip, "ship"},
    {FulfillmentMethod::kPickup, "pickup"},
    {FulfillmentMethod::kInStore, "in_store"}};
constexpr EnumName<TenderKind> kTenderKinds[] = {{TenderKind::kCard, "card"},
                                                 {TenderKind::kGiftCard, "gift_card"},
                                                 {TenderKind::kCash, "cash"},
                                                 {TenderKind::kStoreCredit, "store_credit"},
                                                 {TenderKind::kMarketplace, "marketplace"},
                                                 {TenderKind::kOther, "other"}};
constexpr EnumName<PayoutLineKind> kPayoutLineKinds[] = {
    {PayoutLineKind::kCharge, "charge"},   {PayoutLineKind::kRefund, "refund"},
    {PayoutLineKind::kFee, "fee"},         {PayoutLineKind::kAdjustment, "adjustment"},
    {PayoutLineKind::kDispute, "dispute"}, {PayoutLineKind::kCommission, "commission"},
    {PayoutLineKind::kTax, "tax"},         {PayoutLineKind::kReserve, "reserve"},
    {PayoutLineKind::kPayout, "payout"},   {PayoutLineKind::kOther, "other"}};
constexpr EnumName<GiftCardActivityKind> kGiftCardKinds[] = {
    {GiftCardActivityKind::kActivate, "activate"},
    {GiftCardActivityKind::kLoad, "load"},
    {GiftCardActivityKind::kRedeem, "redeem"},
    {GiftCardActivityKind::kRefund, "refund"},
    {GiftCardActivityKind::kAdjust, "adjust"},
    {GiftCardActivityKind::kDeactivate, "deactivate"}};

template <typename E, std::size_t N>
std::string_view NameOf(const EnumName<E> (&table)[N], E v) {
  for (const auto& e : table) {
    if (e.value == v) {
      return e.name;
    }
  }
  return "unknown";
}

template <typename E, std::size_t N>
std::optional<E> ValueOf(const EnumName<E> (&table)[N], std::string_view name) {
  for (const auto& e : table) {
    if (e.name == name) {
      return e.value;
    }
  }
  return std::nullopt;
}

auto& TableFor(Channel) { return kChannels; }
auto& TableFor(FulfillmentMethod) { return kFulfillmentMethods; }
auto& TableFor(TenderKind) { return kTenderKinds; }
auto& TableFor(PayoutLineKind) { return kPayoutLineKinds; }
auto& TableFor(GiftCardActivityKind) { return kGiftCardKinds; }

template <typename E>
concept ModelEnum = requires(E e) {
  TableFor(e);
};

// ---- writing ---------------------------------------------------------------

json::value W(const std::string& v, const json::storage_ptr& sp) { return json::string(v, sp); }
json::value W(bool v, const json::storage_ptr& sp) { return json::value(v, sp); }
json::value W(std::int64_t v, const json::storage_ptr& sp) { return json::value(v, sp); }
json::value W(Instant v, const json::storage_ptr& sp);  // with the text writer below
json::value W(const Money& v, const json::storage_ptr& sp) { return ToJson(v, sp); }
json::value W(const Currency& v, const json::storage_ptr& sp) {
  return v.valid() ? json::value(json::string(v.code(), sp)) : json::value(nullptr, sp);
}
template <ModelEnum E>
json::value W(E v, const json::storage_ptr& sp) {
  return json::string(NameOf(TableFor(v), v), sp);
}
template <typename T>
requires requires(const T& t) { ToJson(t); }
json::value W(const T& v, const json::storage_ptr& sp) { return ToJson(v, sp); }
template <typename T>
json::value W(const std::optional<T>& v, const json::storage_ptr& sp) {
  return v ? W(*v, sp) : json::value(nullptr, sp);
}
template <typename T>
json::value W(const std::vector<T>& v, const json::storage_ptr& sp) {
  json::array a(sp);
  a.reserve(v.size());
  for (const auto& x : v) {
    a.push_back(W(x, sp));
  }
  return a;
}

// ---- writing text ------------------------------------------------------------
// A(x, w) writes what serialize(W(x)) would; model_json_text_test pins it.

// Copies n <= 16 bytes with two overlapping loads and stores of a fixed
// size: memcpy with a size known only at run time is a library call, which
// costs more than the copy for the short pieces a record is made of.
[[gnu::always_inline]] inline void CopySmall(char* dst, const char* src, std::size_t n) {
  if (n >= 8) {
    std::uint64_t head = 0;
    std::uint64_t tail = 0;
    std::memcpy(&head, src, 8);
    std::memcpy(&tail, src + n - 8, 8);
    std::memcpy(dst, &head, 8);
    std::memcpy(dst + n - 8, &tail, 8);
  } else if (n >= 4) {
    std::uint32_t head = 0;
    std::uint32_t tail = 0;
    std::memcpy(&head, src, 4);
    std::memcpy(&tail, src + n - 4, 4);
    std::memcpy(dst, &head, 4);
    std::memcpy(dst + n - 4, &tail, 4);
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      dst[i] = src[i];
    }
  }
}

// Writes through a raw cursor into a per-thread scratch buffer that only
// grows, then appends the text to its destination in one copy: a record is a
// few hundred small pieces, and std::string::append's bookkeeping per piece
// (and a zero-fill per resize) cost more than the JSON itself.
// One writer at a time per thread (they share the scratch): never nested.
class TextWriter {
 public:
  TextWriter() : buf_(Scratch()), p_(buf_.data()), end_(buf_.data() + buf_.size()) {
    HUB_ASSERT(!InUse());
    InUse() = true;
  }
  ~TextWriter() { InUse() = false; }
  TextWriter(const TextWriter&) = delete;
  TextWriter& operator=(const TextWriter&) = delete;

  // The small members are forced inline: a record is written by hundreds of
  // calls to them, and out of line each costs more than what it does.
  // Room for `n` more bytes at the cursor.
  [[gnu::always_inline]] char* Reserve(std::size_t n) {
    if (static_cast<std::size_t>(end_ - p_) < n) [[unlikely]] {
      Grow(n);
    }
    return p_;
  }
  [[gnu::always_inline]] void Advance(char* to) { p_ = to; }
  [[gnu::always_inline]] void Put(char c) {
    *Reserve(1) = c;
    ++p_;
  }
  void Put(const char* s, std::size_t n) {
    std::memcpy(Reserve(n), s, n);
    p_ += n;
  }
  // A literal: its size is a constant, so the copy is a few moves.
  template <std::size_t N>
  [[gnu::always_inline]] void Lit(const char (&s)[N]) {
    std::memcpy(Reserve(N - 1), s, N - 1);
    p_ += N - 1;
  }
  // Where the cursor is, to overwrite a byte there later (Reserve may move the text).
  std::size_t Offset() const { return static_cast<std::size_t>(p_ - buf_.data()); }
  void Patch(std::size_t offset, char c) { buf_[offset] = c; }
  void AppendTo(std::string* out) const { out->append(buf_.data(), Offset()); }
  std::string_view View() const { return {buf_.data(), Offset()}; }

 private:
  static constexpr std::size_t kScratchBytesInitial = 8192;
  static std::string& Scratch() {
    thread_local std::string scratch(kScratchBytesInitial, '\0');
    return scratch;
  }
  static bool& InUse() {
    thread_local bool in_use = false;
    return in_use;
  }
  [[gnu::noinline]] void Grow(std::size_t n) {
    const std::size_t used = Offset();
    buf_.resize(std::max(2 * buf_.size(), used + n));
    p_ = buf_.data() + used;
    end_ = buf_.data() + buf_.size();
  }
  std::string& buf_;
  char* p_;
  char* end_;
};

// Whether any of the 8 bytes in `w` is a control character, '"' or '\\'
// (the classic has-less / has-zero-byte tests: exact as a yes/no).
bool AnyNeedsEscape(std::uint64_t w) {
  constexpr std::uint64_t kOnes = 0x0101010101010101;
  constexpr std::uint64_t kHighs = 0x8080808080808080;
  const auto zero_byte = [](std::uint64_t v) { return (v - kOnes) & ~v & kHighs; };
  const std::uint64_t control = (w - kOnes * 0x20) & ~w & kHighs;
  return (control | zero_byte(w ^ (kOnes * '"')) | zero_byte(w ^ (kOnes * '\\'))) != 0;
}

#if defined(__SSE2__)
// Whether any of the 16 bytes at `p` is a control character, '"' or '\\'.
bool AnyNeedsEscape16(const char* p) {
  const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(chunk, _mm_set1_epi8(0x1F)), chunk);
  const __m128i quote = _mm_cmpeq_epi8(chunk, _mm_set1_epi8('"'));
  const __m128i backslash = _mm_cmpeq_epi8(chunk, _mm_set1_epi8('\\'));
  return _mm_movemask_epi8(_mm_or_si128(control, _mm_or_si128(quote, backslash))) != 0;
}
#endif

// The letter of the two-character escape of `c` (\" \\ \b \t \n \f \r), or 0
// when it is written as \u00xx.
char ShortEscape(unsigned char c) {
  switch (c) {
    case '"':
      return '"';
    case '\\':
      return '\\';
    case '\b':
      return 'b';
    case '\t':
      return 't';
    case '\n':
      return 'n';
    case '\f':
      return 'f';
    case '\r':
      return 'r';
    default:
      return 0;
  }
}

// A JSON string literal, escaped as boost::json::serialize escapes.
void WriteString(std::string_view s, TextWriter& w) {
  static constexpr char kHex[] = "0123456789abcdef";
  constexpr std::size_t kEscapedBytesMax = 6;  // \u00xx
  const std::size_t n = s.size();
  char* p = w.Reserve(n * kEscapedBytesMax + 2);
  *p++ = '"';
  // Bytes [0, i) need no escape and are copied: usually all of them, a
  // block at a time, the tail as the last block overlapping what was copied.
  std::size_t i = 0;
  if (n >= 4 && n < 8) {
    // Two overlapping 4-byte halves, checked as one word.
    std::uint32_t head = 0;
    std::uint32_t tail = 0;
    std::memcpy(&head, s.data(), 4);
    std::memcpy(&tail, s.data() + n - 4, 4);
    if (!AnyNeedsEscape(head | (std::uint64_t{tail} << 32))) {
      std::memcpy(p, &head, 4);
      std::memcpy(p + n - 4, &tail, 4);
      i = n;
    }
  } else if (n >= 8) {
#if defined(__SSE2__)
    for (; i + 16 <= n && !AnyNeedsEscape16(s.data() + i); i += 16) {
      std::memcpy(p + i, s.data() + i, 16);
    }
#endif
    std::uint64_t word = 0;
    for (; i + 8 <= n; i += 8) {
      std::memcpy(&word, s.data() + i, 8);
      if (AnyNeedsEscape(word)) {
        break;
      }
      std::memcpy(p + i, &word, 8);
    }
    if (i + 8 > n && i < n) {
      std::memcpy(&word, s.data() + n - 8, 8);
      if (!AnyNeedsEscape(word)) {
        std::memcpy(p + n - 8, &word, 8);
        i = n;
      }
    }
  }
  p += i;
  for (; i < n; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') {
      *p++ = static_cast<char>(c);
      continue;
    }
    *p++ = '\\';
    if (const char letter = ShortEscape(c); letter != 0) {
      *p++ = letter;
    } else {
      *p++ = 'u';
      *p++ = '0';
      *p++ = '0';
      *p++ = kHex[c >> 4];
      *p++ = kHex[c & 15];
    }
  }
  *p++ = '"';
  w.Advance(p);
}

// A string known to need no escape, quoted: an ISO 4217 code (three capital
// letters) or a snake_case name from the enum tables above.
void WriteCode(std::string_view code, TextWriter& w) {
  char* p = w.Reserve(code.size() + 2);
  *p++ = '"';
  if (code.size() <= 16) {
    CopySmall(p, code.data(), code.size());
  } else {
    std::memcpy(p, code.data(), code.size());
  }
  p += code.size();
  *p++ = '"';
  w.Advance(p);
}

// Decimal digits of `v`, zero-padded on the left to `min_width` (at most
// 20), written in place from the last digit back.
void WriteDigits(std::uint64_t v, int min_width, TextWriter& w) {
  constexpr int kDigitsMax = 20;  // of a uint64
  int n = 1;
  for (std::uint64_t rest = v / 10; rest != 0; rest /= 10) {
    ++n;
  }
  n = std::max(n, std::min(min_width, kDigitsMax));
  char* const p = w.Reserve(kDigitsMax);
  for (int i = n - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  w.Advance(p + n);
}

// "00" to "99", for writing numbers two digits at a time.
constexpr auto kDigitPairs = [] {
  std::array<char, 200> pairs{};
  for (int i = 0; i < 100; ++i) {
    pairs[static_cast<std::size_t>(2 * i)] = static_cast<char>('0' + i / 10);
    pairs[static_cast<std::size_t>(2 * i + 1)] = static_cast<char>('0' + i % 10);
  }
  return pairs;
}();

// Writes the two digits of v < 100 at p.
[[gnu::always_inline]] inline void WritePair(char* p, std::uint64_t v) {
  std::memcpy(p, &kDigitPairs[2 * v], 2);
}

// Money::ToDecimal without the temporary string: [-]units[.fraction], the
// fraction zero-padded to the currency's exponent. Written from the last
// digit back, two at a time.
void WriteDecimal(const Money& m, TextWriter& w) {
  const std::int64_t minor = m.minor_units();
  std::uint64_t magnitude = minor < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(minor)
                                      : static_cast<std::uint64_t>(minor);
  int exponent = m.currency().exponent();
  constexpr std::size_t kCharsMax = 32;  // '-', 20 digits, '.', zeros up to the exponent (≤ 4)
  char buf[kCharsMax];
  char* const end = buf + kCharsMax;
  char* p = end;
  if (exponent > 0) {
    for (; exponent >= 2; exponent -= 2) {
      p -= 2;
      WritePair(p, magnitude % 100);
      magnitude /= 100;
    }
    if (exponent == 1) {
      *--p = static_cast<char>('0' + magnitude % 10);
      magnitude /= 10;
    }
    *--p = '.';
  }
  for (; magnitude >= 100; magnitude /= 100) {
    p -= 2;
    WritePair(p, magnitude % 100);
  }
  if (magnitude >= 10) {
    p -= 2;
    WritePair(p, magnitude);
  } else {
    *--p = static_cast<char>('0' + magnitude);
  }
  if (minor < 0) {
    *--p = '-';
  }
  const auto n = static_cast<std::size_t>(end - p);
  char* const out = w.Reserve(kCharsMax);
  if (n <= 16) {
    CopySmall(out, p, n);
  } else {
    std::memcpy(out, p, n);
  }
  w.Advance(out + n);
}

// FormatRfc3339 without the temporary string, for years 0000-9999 (the
// calendar is a copy of core/time.cc's CivilFromDays; model_json_text_test
// compares the two across the range); FormatRfc3339 itself beyond.
void WriteRfc3339(Instant t, TextWriter& w) {
  constexpr std::int64_t kMicrosPerSecond = 1'000'000;
  constexpr std::int64_t kSecondsPerDay = 86'400;
  constexpr std::int64_t kFirstSecond = -62'167'219'200;  // 0000-01-01T00:00:00Z
  constexpr std::int64_t kLastSecond = 253'402'300'799;   // 9999-12-31T23:59:59Z
  const std::int64_t seconds = t.seconds();
  if (seconds < kFirstSecond || seconds > kLastSecond) {
    const std::string text = FormatRfc3339(t);
    w.Put(text.data(), text.size());
    return;
  }
  const std::int64_t micros = t.micros - seconds * kMicrosPerSecond;  // [0, 999999]
  // Floor division: seconds - kFirstSecond >= 0 and kFirstSecond is whole days.
  const std::int64_t days =
      (seconds - kFirstSecond) / kSecondsPerDay + kFirstSecond / kSecondsPerDay;
  const std::int64_t second_of_day = seconds - days * kSecondsPerDay;
  const std::int64_t z = days + 719'468;
  const std::int64_t era = (z >= 0 ? z : z - 146'096) / 146'097;
  const std::int64_t doe = z - era * 146'097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  constexpr std::size_t kTextBytes = 20;  // YYYY-MM-DDTHH:MM:SSZ
  char* p = w.Reserve(kTextBytes);
  const auto pair = [&p](std::int64_t v) {  // 0 <= v < 100
    WritePair(p, static_cast<std::uint64_t>(v));
    p += 2;
  };
  pair(year / 100);
  pair(year % 100);
  *p++ = '-';
  pair(month);
  *p++ = '-';
  pair(day);
  *p++ = 'T';
  pair(second_of_day / 3600);
  *p++ = ':';
  pair(second_of_day % 3600 / 60);
  *p++ = ':';
  pair(second_of_day % 60);
  w.Advance(p);
  if (micros != 0) {
    w.Put('.');
    if (micros % 1000 == 0) {
      WriteDigits(static_cast<std::uint64_t>(micros / 1000), 3, w);
    } else {
      WriteDigits(static_cast<std::uint64_t>(micros), 6, w);
    }
  }
  w.Put('Z');
}

void A(const std::string& v, TextWriter& w) { WriteString(v, w); }
void A(std::string_view v, TextWriter& w) { WriteString(v, w); }
void A(bool v, TextWriter& w) {
  if (v) {
    w.Lit("true");
  } else {
    w.Lit("false");
  }
}
void A(std::int64_t v, TextWriter& w) {
  constexpr std::size_t kInt64CharsMax = 20;
  char* const p = w.Reserve(kInt64CharsMax);
  w.Advance(std::to_chars(p, p + kInt64CharsMax, v).ptr);
}
void A(Instant v, TextWriter& w) {
  w.Put('"');
  WriteRfc3339(v, w);
  w.Put('"');
}
void A(const Money& v, TextWriter& w) {
  if (!v.currency().valid()) {
    w.Lit("null");
    return;
  }
  w.Lit("{\"amount\":\"");
  WriteDecimal(v, w);
  w.Lit("\",\"currency\":");
  WriteCode(v.currency().code(), w);
  w.Put('}');
}
void A(const Currency& v, TextWriter& w) {
  if (v.valid()) {
    WriteCode(v.code(), w);
  } else {
    w.Lit("null");
  }
}
template <ModelEnum E>
void A(E v, TextWriter& w) {
  WriteCode(NameOf(TableFor(v), v), w);
}
// A record: WriteText is defined for each by HUB_DEFINE_JSON_ below.
template <typename T>
requires requires(const T& t, TextWriter& w) { WriteText(t, w); }
void A(const T& v, TextWriter& w) { WriteText(v, w); }
template <typename T>
void A(const std::optional<T>& v, TextWriter& w) {
  if (v) {
    A(*v, w);
  } else {
    w.Lit("null");
  }
}
template <typename T>
void A(const std::vector<T>& v, TextWriter& w) {
  w.Put('[');
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i != 0) {
      w.Put(',');
    }
    A(v[i], w);
  }
  w.Put(']');
}

// The tree writer's scalars that are text, without FormatRfc3339's and
// Money::ToDecimal's temporary strings.
json::value W(Instant v, const json::storage_ptr& sp) {
  TextWriter w;
  WriteRfc3339(v, w);
  return json::string(w.View(), sp);
}

// ---- reading ---------------------------------------------------------------

Error Bad(const std::string& path, std::string why) {
  return Error(ErrorCode::kInvalidArgument, std::move(why), path.empty() ? "$" : path);
}

std::string Join(std::string_view path, std::string_view key) {
  std::string out(path);
  if (!out.empty()) {
    out += '.';
  }
  out += key;
  return out;
}

Status R(const json::value& v, const std::string& path, std::string* out) {
  if (!v.is_string()) {
    return Fail(Bad(path, "must be a string"));
  }
  *out = std::string(v.get_string());
  return Ok();
}
Status R(const json::value& v, const std::string& path, bool* out) {
  if (!v.is_bool()) {
    return Fail(Bad(path, "must be true or false"));
  }
  *out = v.get_bool();
  return Ok();
}
Status R(const json::value& v, const std::string& path, std::int64_t* out) {
  if (!v.is_int64()) {
    return Fail(Bad(path, "must be an integer in the int64 range"));
  }
  *out = v.get_int64();
  return Ok();
}
Status R(const json::value& v, const std::string& path, Instant* out) {
  if (!v.is_string()) {
    return Fail(Bad(path, "must be an RFC 3339 string"));
  }
  auto t = ParseRfc3339(v.get_string());
  if (!t) {
    return Fail(Bad(path, t.error().message));
  }
  *out = *t;
  return Ok();
}
Status R(const json::value& v, const std::string& path, Currency* out) {
  if (v.is_null()) {
    *out = Currency();
    return Ok();
  }
  if (!v.is_string()) {
    return Fail(Bad(path, "must be an ISO 4217 code or null"));
  }
  auto c = Currency::FromCode(v.get_string());
  if (!c) {
    return Fail(Bad(path, c.error().message));
  }
  *out = *c;
  return Ok();
}
template <ModelEnum E>
Status R(const json::value& v, const std::string& path, E* out) {
  if (!v.is_string()) {
    return Fail(Bad(path, "must be a string"));
  }
  auto e = ValueOf(TableFor(*out), v.get_string());
  if (!e) {
    return Fail(Bad(path, "unknown value \"" + std::string(v.get_string()) + "\""));
  }
  *out = *e;
  return Ok();
}
template <typename T>
requires std::is_class_v<T> Status R(const json::value& v, const std::string& path, T* out) {
  HUB_TRY(*out, FromJson<T>(v, path));
  return Ok();
}
template <typename T>
Status R(const json::value& v, const std::string& path, std::optional<T>* out) {
  if (v.is_null()) {
    out->reset();
    return Ok();
  }
  T t{};
  HUB_TRY_STATUS(R(v, path, &t));
  *out = std::move(t);
  return Ok();
}
template <typename T>
Status R(const json::value& v, const std::string& path, std::vector<T>* out) {
  if (!v.is_array()) {
    return Fail(Bad(path, "must be an array"));
  }
  const json::array& a = v.get_array();
  out->clear();
  out->reserve(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    T t{};
    HUB_TRY_STATUS(R(a[i], path + "[" + std::to_string(i) + "]", &t));
    out->push_back(std::move(t));
  }
  return Ok();
}

// Reads named members of one object and, at the end, rejects unknown keys.
class ObjectReader {
 public:
  ObjectReader(const json::object& o, std::string_view path) : o_(o), path_(path) {}
  template <typename T>
  Status Get(std::string_view key, T* out) {
    known_.push_back(key);
    const json::value* v = o_.if_contains(key);
    if (v == nullptr) {
      return Fail(Bad(Join(path_, key), "missing"));
    }
    return R(*v, Join(path_, key), out);
  }
  Status Done() const {
    for (const auto& kv : o_) {
      bool found = false;
      for (std::string_view k : known_) {
        found = found || kv.key() == k;
      }
      if (!found) {
        return Fail(Bad(Join(path_, kv.key()), "unknown key"));
      }
    }
    return Ok();
  }

 private:
  const json::object& o_;
  std::string path_;
  std::vector<std::string_view> known_;
};

Result<const json::object*> AsObject(const json::value& v, std::string_view path) {
  if (!v.is_object()) {
    return Fail(Bad(std::string(path), "must be an object"));
  }
  return &v.get_object();
}

}  // namespace

std::string_view ToString(Channel v) { return NameOf(kChannels, v); }
std::string_view ToString(FulfillmentMethod v) { return NameOf(kFulfillmentMethods, v); }
std::string_view ToString(TenderKind v) { return NameOf(kTenderKinds, v); }
std::string_view ToString(PayoutLineKind v) { return NameOf(kPayoutLineKinds, v); }
std::string_view ToString(GiftCardActivityKind v) { return NameOf(kGiftCardKinds, v); }

void AppendJsonString(std::string_view s, std::string* out) {
  // Most strings need no escape: appended as they are, without a writer.
  constexpr std::size_t kWord = 8;
  std::size_t i = 0;
  bool plain = true;
  for (std::uint64_t word = 0; plain && i + kWord <= s.size(); i += kWord) {
    std::memcpy(&word, s.data() + i, kWord);
    plain = !AnyNeedsEscape(word);
  }
  for (; plain && i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    plain = c >= 0x20 && c != '"' && c != '\\';
  }
  if (plain) {
    out->push_back('"');
    out->append(s);
    out->push_back('"');
    return;
  }
  TextWriter w;
  WriteString(s, w);
  w.AppendTo(out);
}

template <>
void AppendJson<Instant>(const Instant& v, std::string* out) {
  TextWriter w;
  A(v, w);
  w.AppendTo(out);
}

template <>
void AppendJson<Money>(const Money& v, std::string* out) {
  TextWriter w;
  A(v, w);
  w.AppendTo(out);
}

json::value ToJson(const Money& m, json::storage_ptr sp) {
  if (!m.currency().valid()) {
    return json::value(nullptr, sp);
  }
  json::object o(sp);
  o.reserve(2);
  TextWriter amount;
  WriteDecimal(m, amount);
  o.emplace("amount", amount.View());
  o.emplace("currency", m.currency().code());
  return o;
}

template <>
Result<Money> FromJson<Money>(const json::value& v, std::string_view path) {
  if (v.is_null()) {
    return Money();
  }
  HUB_TRY(const json::object* o, AsObject(v, path));
  ObjectReader r(*o, path);
  std::string amount, currency;
  HUB_TRY_STATUS(r.Get("amount", &amount));
  HUB_TRY_STATUS(r.Get("currency", &currency));
  HUB_TRY_STATUS(r.Done());
  auto m = Money::Parse(amount, currency);
  if (!m) {
    return Fail(Error(m.error().code, m.error().message, Join(path, "amount")));
  }
  return *m;
}

// X(member) lists, in wire order.
// clang-format off
#define HUB_FIELDS_Lineage(X) \
  X(source_system) X(source_account) X(source_id) X(source_version) X(correlation_id) X(message_id)
#define HUB_FIELDS_Address(X) X(line1) X(line2) X(city) X(region) X(postcode) X(country)
#define HUB_FIELDS_Customer(X) \
  X(id)                        \
  X(first_name)                \
  X(last_name)                 \
  X(emails) X(phones) X(addresses) X(birth_date) X(loyalty_id) X(accepts_marketing) X(lineage)
#define HUB_FIELDS_TaxLine(X) X(code) X(rate_ppm) X(amount)
#define HUB_FIELDS_DiscountAllocation(X) X(code) X(amount)
#define HUB_FIELDS_OrderLine(X) \
  X(line_id) X(sku) X(title) X(quantity) X(unit_price) X(discounts) X(taxes) X(gift_card)
#define HUB_FIELDS_ShippingLine(X) X(title) X(price) X(discounts) X(taxes)
#define HUB_FIELDS_Tender(X) \
  X(tender_id)               \
  X(kind)                    \
  X(gateway)                 \
  X(gateway_reference) X(gift_card_id) X(amount) X(presentment_amount) X(status) X(occurred_at)
#define HUB_FIELDS_Order(X)                                                                      \
  X(order_id)                                                                                    \
  X(order_number)                                                                                \
  X(channel)                                                                                     \
  X(location_id) X(fulfillment_method) X(customer_source_id) X(customer) X(currency)             \
      X(presentment_currency) X(taxes_included) X(marketplace_collects_tax) X(lines) X(shipping) \
          X(order_discounts) X(tenders) X(subtotal) X(total_discounts) X(total_tax)              \
              X(total_shipping) X(total) X(status) X(placed_at) X(updated_at) X(lineage)
#define HUB_FIELDS_FulfillmentLine(X) X(line_id) X(sku) X(quantity)
#define HUB_FIELDS_Fulfillment(X) \
  X(fulfillment_id)               \
  X(order_id)                     \
  X(kind) X(location_id) X(lines) X(includes_shipping) X(status) X(occurred_at) X(lineage)
#define HUB_FIELDS_ReturnLine(X) X(line_id) X(sku) X(quantity) X(restock) X(reason)
#define HUB_FIELDS_Return(X) \
  X(return_id) X(order_id) X(location_id) X(with_receipt) X(lines) X(occurred_at) X(lineage)
#define HUB_FIELDS_Refund(X)                                                                  \
  X(refund_id)                                                                                \
  X(order_id)                                                                                 \
  X(return_id)                                                                                \
  X(lines) X(tenders) X(amount) X(shipping_refunded) X(tax_refunded) X(reason) X(occurred_at) \
      X(lineage)
#define HUB_FIELDS_PayoutLine(X) \
  X(line_id)                     \
  X(kind)                        \
  X(source_reference) X(order_reference) X(gross) X(fee) X(net) X(description) X(occurred_at)
#define HUB_FIELDS_Payout(X) \
  X(payout_id) X(gateway) X(amount) X(status) X(arrival_at) X(lines) X(lineage)
#define HUB_FIELDS_BankTransaction(X) \
  X(transaction_id) X(bank_account) X(amount) X(reference) X(description) X(booked_at) X(lineage)
#define HUB_FIELDS_InventoryAdjustment(X) \
  X(sku) X(location_id) X(delta) X(on_hand) X(reason) X(occurred_at) X(lineage)
#define HUB_FIELDS_GiftCard(X) \
  X(gift_card_id)              \
  X(activity)                  \
  X(amount)                    \
  X(balance_after) X(location_id) X(order_id) X(paid_with) X(gateway) X(occurred_at) X(lineage)
#define HUB_FIELDS_Dispute(X) \
  X(dispute_id)               \
  X(gateway)                  \
  X(charge_reference) X(order_id) X(amount) X(fee) X(status) X(reason) X(occurred_at) X(lineage)
// clang-format on

#define HUB_COUNT_FIELD_(m) +1
#define HUB_WRITE_FIELD_(m) o.emplace(#m, W(v.m, sp));
#define HUB_READ_FIELD_(m) HUB_TRY_STATUS(r.Get(#m, &out.m));
// Every field opens with a comma; the first one's becomes the '{'.
#define HUB_WRITE_TEXT_FIELD_(m) \
  w.Lit(",\"" #m "\":");         \
  A(v.m, w);

#define HUB_DEFINE_JSON_(Type)                                                   \
  json::object ToJson(const Type& v, json::storage_ptr sp) {                     \
    json::object o(sp);                                                          \
    o.reserve(0 HUB_FIELDS_##Type(HUB_COUNT_FIELD_));                            \
    HUB_FIELDS_##Type(HUB_WRITE_FIELD_) return o;                                \
  }                                                                              \
  void WriteText(const Type& v, TextWriter& w) {                                 \
    const std::size_t open = w.Offset();                                         \
    HUB_FIELDS_##Type(HUB_WRITE_TEXT_FIELD_) w.Patch(open, '{');                 \
    w.Put('}');                                                                  \
  }                                                                              \
  template <>                                                                    \
  void AppendJson<Type>(const Type& v, std::string* out) {                       \
    TextWriter w;                                                                \
    WriteText(v, w);                                                             \
    w.AppendTo(out);                                                             \
  }                                                                              \
  template <>                                                                    \
  Result<Type> FromJson<Type>(const json::value& value, std::string_view path) { \
    HUB_TRY(const json::object* obj, AsObject(value, path));                     \
    ObjectReader r(*obj, path);                                                  \
    Type out{};                                                                  \
    HUB_FIELDS_##Type(HUB_READ_FIELD_) HUB_TRY_STATUS(r.Done());                 \
    return out;                                                                  \
  }

// Declaration order matters: a type's reader must be declared before a type
// that contains it is defined.
template <>
Result<Lineage> FromJson<Lineage>(const json::value&, std::string_view);
template <>
Result<Address> FromJson<Address>(const json::value&, std::string_view);
template <>
Result<Customer> FromJson<Customer>(const json::value&, std::string_view);
template <>
Result<TaxLine> FromJson<TaxLine>(const json::value&, std::string_view);
template <>
Result<DiscountAllocation> FromJson<DiscountAllocation>(const json::value&, std::string_view);
template <>
Result<OrderLine> FromJson<OrderLine>(const json::value&, std::string_view);
template <>
Result<ShippingLine> FromJson<ShippingLine>(const json::value&, std::string_view);
template <>
Result<Tender> FromJson<Tender>(const json::value&, std::string_view);
template <>
Result<FulfillmentLine> FromJson<FulfillmentLine>(const json::value&, std::string_view);
template <>
Result<ReturnLine> FromJson<ReturnLine>(const json::value&, std::string_view);
template <>
Result<PayoutLine> FromJson<PayoutLine>(const json::value&, std::string_view);

HUB_DEFINE_JSON_(Lineage)
HUB_DEFINE_JSON_(Address)
HUB_DEFINE_JSON_(Customer)
HUB_DEFINE_JSON_(TaxLine)
HUB_DEFINE_JSON_(DiscountAllocation)
HUB_DEFINE_JSON_(OrderLine)
HUB_DEFINE_JSON_(ShippingLine)
HUB_DEFINE_JSON_(Tender)
HUB_DEFINE_JSON_(Order)
HUB_DEFINE_JSON_(FulfillmentLine)
HUB_DEFINE_JSON_(Fulfillment)
HUB_DEFINE_JSON_(ReturnLine)
HUB_DEFINE_JSON_(Return)
HUB_DEFINE_JSON_(Refund)
HUB_DEFINE_JSON_(PayoutLine)
HUB_DEFINE_JSON_(Payout)
HUB_DEFINE_JSON_(BankTransaction)
HUB_DEFINE_JSON_(InventoryAdjustment)
HUB_DEFINE_JSON_(GiftCard)
HUB_DEFINE_JSON_(Dispute)

// The views (model_json.h) from the field lists of the records they mirror.
#define HUB_DEFINE_VIEW_JSON_(Type)                                    \
  void WriteText(const Type##View& v, TextWriter& w) {                 \
    const std::size_t open = w.Offset();                               \
    HUB_FIELDS_##Type(HUB_WRITE_TEXT_FIELD_) w.Patch(open, '{');       \
    w.Put('}');                                                        \
  }                                                                    \
  template <>                                                          \
  void AppendJson<Type##View>(const Type##View& v, std::string* out) { \
    TextWriter w;                                                      \
    WriteText(v, w);                                                   \
    w.AppendTo(out);                                                   \
  }

HUB_DEFINE_VIEW_JSON_(Lineage)
HUB_DEFINE_VIEW_JSON_(Address)
HUB_DEFINE_VIEW_JSON_(Customer)
HUB_DEFINE_VIEW_JSON_(TaxLine)
HUB_DEFINE_VIEW_JSON_(DiscountAllocation)
HUB_DEFINE_VIEW_JSON_(OrderLine)
HUB_DEFINE_VIEW_JSON_(ShippingLine)
HUB_DEFINE_VIEW_JSON_(Tender)
HUB_DEFINE_VIEW_JSON_(Order)

}  // namespace hub
