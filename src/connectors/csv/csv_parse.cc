// The RFC 4180 reader and the cell parsers of csv_internal.h. Amounts go
// from text to minor units through Money::Parse on a normalised decimal
// string: no floating point anywhere. Dates become an RFC 3339 string checked
// by ParseRfc3339, so impossible dates are refused by the one calendar we have.
#include <fmt/format.h>

#include <array>
#include <cctype>
#include <charconv>

#include "connectors/csv/csv.h"
#include "connectors/csv/csv_internal.h"

namespace hub::csv_internal {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
// Echoing a whole hostile cell into an error message helps nobody.
constexpr std::size_t kEchoedCellBytesMax = 40;

std::string Quote(std::string_view text) {
  if (text.size() > kEchoedCellBytesMax) {
    return fmt::format("\"{}…\"", text.substr(0, kEchoedCellBytesMax));
  }
  return fmt::format("\"{}\"", text);
}

Error ParseErrorAt(std::size_t line, std::size_t column, std::string message) {
  return Error(ErrorCode::kParse, std::move(message),
               fmt::format("line {}, column {}", line, column));
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Strict UTF-8 (no overlong forms, surrogates or code points past U+10FFFF):
// event JSON must be valid UTF-8 to parse back byte for byte.
bool IsValidUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
      cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      cp = c & 0x07u;
    } else {
      return false;
    }
    if (i + n >= s.size()) {
      return false;  // truncated sequence
    }
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0u) != 0x80u) {
        return false;
      }
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    const bool overlong = (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000);
    if (overlong || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

// Reads one record at `pos`; `line` is advanced past every line break read.
class RowReader {
 public:
  RowReader(std::string_view text, char delimiter) : text_(text), delimiter_(delimiter) {
    if (text_.starts_with(kUtf8Bom)) {
      pos_ = kUtf8Bom.size();
    }
  }

  bool AtEnd() const { return pos_ >= text_.size(); }

  // One record; `blank` is set for an empty physical line.
  Result<CsvRow> Next(bool* blank) {
    CsvRow row;
    row.line = line_;
    bool any_quoted = false;
    while (true) {
      if (row.fields.size() == kCsvColumnsMax) {
        return Fail(ErrorCode::kTooLarge,
                    fmt::format("more than {} columns in one row", kCsvColumnsMax),
                    fmt::format("line {}", row.line));
      }
      const std::size_t column = row.fields.size() + 1;
      const std::size_t field_line = line_;
      std::string field;
      if (!AtEnd() && text_[pos_] == '"') {
        any_quoted = true;
        HUB_TRY_STATUS(Quoted(column, &field));
      } else {
        HUB_TRY_STATUS(Unquoted(column, &field));
      }
      if (!IsValidUtf8(field)) {
        return Fail(ParseErrorAt(field_line, column,
                                 "the text is not valid UTF-8: export the file as UTF-8"));
      }
      row.fields.push_back(std::move(field));
      if (AtEnd()) {
        break;
      }
      if (text_[pos_] == delimiter_) {
        ++pos_;
        continue;
      }
      SkipLineBreak();  // Quoted/Unquoted stop only at the delimiter, a break or the end
      break;
    }
    *blank = !any_quoted && row.fields.size() == 1 && row.fields[0].empty();
    return row;
  }

 private:
  bool AtLineBreak() const { return text_[pos_] == '\r' || text_[pos_] == '\n'; }

  void SkipLineBreak() {
    if (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') {
      ++pos_;
    }
    ++pos_;
    ++line_;
  }

  Status Quoted(std::size_t column, std::string* out) {
    const std::size_t start_line = line_;
    ++pos_;  // opening quote
    while (true) {
      if (AtEnd()) {
        return Fail(ParseErrorAt(start_line, column, "quoted field is never closed"));
      }
      const char c = text_[pos_];
      if (c == '"') {
        if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
          out->push_back('"');
          pos_ += 2;
          continue;
        }
        ++pos_;
        break;
      }
      if (c == '\r' || c == '\n') {
        const std::size_t from = pos_;
        SkipLineBreak();
        out->append(text_.substr(from, pos_ - from));  // kept as written (CRLF stays CRLF)
        continue;
      }
      out->push_back(c);
      ++pos_;
    }
    if (!AtEnd() && text_[pos_] != delimiter_ && !AtLineBreak()) {
      return Fail(ParseErrorAt(line_, column,
                               fmt::format("unexpected {} after a closing quote (a quote inside a "
                                           "quoted field is written \"\")",
                                           Quote(text_.substr(pos_, 1)))));
    }
    return Ok();
  }

  Status Unquoted(std::size_t column, std::string* out) {
    const std::size_t from = pos_;
    while (!AtEnd() && text_[pos_] != delimiter_ && !AtLineBreak()) {
      if (text_[pos_] == '"') {
        return Fail(ParseErrorAt(line_, column,
                                 "a quote inside an unquoted field (RFC 4180: quote the whole "
                                 "field and double the quote)"));
      }
      ++pos_;
    }
    out->assign(text_.substr(from, pos_ - from));
    return Ok();
  }

  std::string_view text_;
  char delimiter_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
};

// Digits of `body` with separators checked and removed; the decimal separator
// becomes '.'. Empty on error, with *why set.
std::string NormaliseDecimal(std::string_view body, const AmountFormat& f, std::string* why) {
  std::string out;
  out.reserve(body.size());
  bool seen_decimal = false;
  std::size_t group_digits = 0;  // digits since the last thousands separator
  bool grouped = false;
  for (const char c : body) {
    if (IsDigit(c)) {
      out.push_back(c);
      ++group_digits;
      if (grouped && !seen_decimal && group_digits > 3) {
        *why = "thousands separators must group three digits";
        return {};
      }
      continue;
    }
    if (c == f.decimal_separator && !seen_decimal && !f.minor_units) {
      if (grouped && group_digits != 3) {
        *why = "thousands separators must group three digits";
        return {};
      }
      seen_decimal = true;
      out.push_back('.');
      continue;
    }
    if (f.thousands_separator != '\0' && c == f.thousands_separator && !seen_decimal) {
      const bool first_group_ok = !grouped && group_digits >= 1 && group_digits <= 3;
      const bool next_group_ok = grouped && group_digits == 3;
      if (!first_group_ok && !next_group_ok) {
        *why = "thousands separators must group three digits";
        return {};
      }
      grouped = true;
      group_digits = 0;
      continue;
    }
    *why = fmt::format("unexpected {}", Quote(std::string_view(&c, 1)));
    return {};
  }
  if (grouped && !seen_decimal && group_digits != 3) {
    *why = "thousands separators must group three digits";
    return {};
  }
  if (out.empty() || out.front() == '.' || out.back() == '.') {
    *why = "expected digits";
    return {};
  }
  return out;
}

struct ZoneName {
  std::string_view name;
  std::int32_t minutes;
};

// Abbreviations as exports print them; CST is North American Central time.
constexpr std::array<ZoneName, 21> kZones = {{
    {"UTC", 0},       {"GMT", 0},       {"Z", 0},         {"WET", 0},       {"WEST", 60},
    {"BST", 60},      {"CET", 60},      {"CEST", 120},    {"EET", 120},     {"EEST", 180},
    {"EST", -5 * 60}, {"EDT", -4 * 60}, {"CST", -6 * 60}, {"CDT", -5 * 60}, {"MST", -7 * 60},
    {"MDT", -6 * 60}, {"PST", -8 * 60}, {"PDT", -7 * 60}, {"AEST", 600},    {"AEDT", 660},
    {"JST", 540},
}};

constexpr std::array<std::string_view, 12> kMonths = {"jan", "feb", "mar", "apr", "may", "jun",
                                                      "jul", "aug", "sep", "oct", "nov", "dec"};

// "+01:00", "-0530", "+01" → minutes; nullopt otherwise.
std::optional<std::int32_t> NumericOffset(std::string_view z) {
  if (z.size() < 3 || (z[0] != '+' && z[0] != '-')) {
    return std::nullopt;
  }
  std::string digits;
  for (std::size_t i = 1; i < z.size(); ++i) {
    if (z[i] == ':' && i == 3) {
      continue;
    }
    if (!IsDigit(z[i])) {
      return std::nullopt;
    }
    digits.push_back(z[i]);
  }
  if (digits.size() != 2 && digits.size() != 4) {
    return std::nullopt;
  }
  const std::int32_t hours = (digits[0] - '0') * 10 + (digits[1] - '0');
  const std::int32_t minutes = digits.size() == 4 ? (digits[2] - '0') * 10 + (digits[3] - '0') : 0;
  if (hours > 18 || minutes > 59) {
    return std::nullopt;
  }
  const std::int32_t total = hours * 60 + minutes;
  return z[0] == '-' ? -total : total;
}

// Reads 1..max_digits digits at *pos (exactly `max_digits` when `exact`).
std::optional<std::int32_t> Digits(std::string_view text, std::size_t* pos, std::size_t max_digits,
                                   bool exact) {
  std::int32_t value = 0;
  std::size_t n = 0;
  while (*pos < text.size() && n < max_digits && IsDigit(text[*pos])) {
    value = value * 10 + (text[*pos] - '0');
    ++*pos;
    ++n;
  }
  if (n == 0 || (exact && n != max_digits)) {
    return std::nullopt;
  }
  return value;
}

struct DateParts {
  std::int32_t year = -1, month = -1, day = -1, hour = 0, minute = 0, second = 0;
  std::optional<std::int32_t> offset_minutes;
};

// Applies one specifier; false when the text does not fit.
bool ReadSpecifier(char spec, std::string_view text, std::size_t* pos, DateParts* out) {
  std::optional<std::int32_t> v;
  switch (spec) {
    case 'Y':
      v = Digits(text, pos, 4, true);
      out->year = v.value_or(-1);
      return v.has_value();
    case 'm':
      v = Digits(text, pos, 2, false);
      out->month = v.value_or(-1);
      return v.has_value();
    case 'd':
      v = Digits(text, pos, 2, false);
      out->day = v.value_or(-1);
      return v.has_value();
    case 'H':
      v = Digits(text, pos, 2, false);
      out->hour = v.value_or(0);
      return v.has_value();
    case 'M':
      v = Digits(text, pos, 2, true);
      out->minute = v.value_or(0);
      return v.has_value();
    case 'S':
      v = Digits(text, pos, 2, true);
      out->second = v.value_or(0);
      return v.has_value();
    case 'b':
      for (std::size_t i = 0; i < kMonths.size(); ++i) {
        const std::string_view rest = text.substr(*pos);
        if (rest.size() >= 3 &&
            std::tolower(static_cast<unsigned char>(rest[0])) == kMonths[i][0] &&
            std::tolower(static_cast<unsigned char>(rest[1])) == kMonths[i][1] &&
            std::tolower(static_cast<unsigned char>(rest[2])) == kMonths[i][2]) {
          out->month = static_cast<std::int32_t>(i) + 1;
          *pos += 3;
          return true;
        }
      }
      return false;
    case 'z': {
      std::size_t end = *pos;
      while (end < text.size() && (IsDigit(text[end]) || text[end] == ':' || text[end] == '+' ||
                                   text[end] == '-' || text[end] == 'Z')) {
        ++end;
      }
      const std::string_view zone = text.substr(*pos, end - *pos);
      const auto offset = zone == "Z" ? std::optional<std::int32_t>(0) : NumericOffset(zone);
      *pos = end;
      out->offset_minutes = offset;
      return offset.has_value();
    }
    default:
      return false;
  }
}

constexpr std::string_view kDateSpecifiers = "YmdHMSbz";

}  // namespace

std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

Result<std::vector<CsvRow>> ReadCsvRows(std::string_view text, char delimiter) {
  std::vector<CsvRow> rows;
  RowReader reader(text, delimiter);
  while (!reader.AtEnd()) {
    bool blank = false;
    HUB_TRY(CsvRow row, reader.Next(&blank));
    if (!blank) {
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

Result<Money> ParseAmount(std::string_view text, Currency currency, const AmountFormat& format) {
  std::string_view body = TrimBlanks(text);
  bool negative = false;
  if (body.size() >= 2 && body.front() == '(' && body.back() == ')') {
    negative = true;
    body = TrimBlanks(body.substr(1, body.size() - 2));
  }
  if (!body.empty() && (body.front() == '-' || body.front() == '+')) {
    if (negative) {
      return Fail(ErrorCode::kParse,
                  fmt::format("{} is not an amount: a sign inside parentheses", Quote(text)));
    }
    negative = body.front() == '-';
    body.remove_prefix(1);
  }
  std::string why;
  std::string decimal = NormaliseDecimal(body, format, &why);
  if (decimal.empty()) {
    return Fail(ErrorCode::kParse, fmt::format("{} is not an amount: {}", Quote(text), why));
  }
  if (format.minor_units) {
    std::int64_t minor = 0;
    const auto [end, ec] = std::from_chars(decimal.data(), decimal.data() + decimal.size(), minor);
    if (ec != std::errc{} || end != decimal.data() + decimal.size()) {
      return Fail(ErrorCode::kOverflow,
                  fmt::format("{} minor units are out of range", Quote(text)));
    }
    return Money(negative ? -minor : minor, currency);
  }
  if (negative) {
    decimal.insert(decimal.begin(), '-');
  }
  auto m = Money::Parse(decimal, currency);
  if (!m) {
    // Money::Parse quotes the normalised text; the file's own spelling is what a person sees.
    return Fail(m.error().code, fmt::format("{} is not an amount in {}: {}", Quote(text),
                                            currency.code(), m.error().message));
  }
  return *m;
}

Result<std::int64_t> ParseCount(std::string_view text) {
  std::string_view body = TrimBlanks(text);
  if (body.starts_with('+')) {
    body.remove_prefix(1);
  }
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), value);
  if (body.empty() || ec != std::errc{} || end != body.data() + body.size()) {
    return Fail(ErrorCode::kParse, fmt::format("{} is not a whole number", Quote(text)));
  }
  return value;
}

Result<std::int32_t> ParseZoneOffsetMinutes(std::string_view zone) {
  const std::string_view z = TrimBlanks(zone);
  for (const ZoneName& known : kZones) {
    if (known.name == z) {
      return known.minutes;
    }
  }
  if (auto offset = NumericOffset(z)) {
    return *offset;
  }
  return Fail(ErrorCode::kInvalidArgument,
              fmt::format("unknown time zone {}: use UTC, an offset like +01:00, or one of CET, "
                          "CEST, EET, EEST, WET, WEST, BST, EST, EDT, CST, CDT, MST, MDT, PST, "
                          "PDT, AEST, AEDT, JST",
                          Quote(zone)));
}

Status CheckDateFormat(std::string_view format) {
  int year = 0;
  int month = 0;
  int day = 0;
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      continue;
    }
    if (i + 1 == format.size()) {
      return Fail(ErrorCode::kInvalidArgument, "date_format ends with a lone %");
    }
    const char spec = format[++i];
    if (spec == '%') {
      continue;
    }
    if (kDateSpecifiers.find(spec) == std::string_view::npos) {
      return Fail(
          ErrorCode::kInvalidArgument,
          fmt::format("date_format: %{} is not supported (use %Y %m %d %H %M %S %b %z %%)", spec));
    }
    year += spec == 'Y' ? 1 : 0;
    month += spec == 'm' || spec == 'b' ? 1 : 0;
    day += spec == 'd' ? 1 : 0;
  }
  if (year != 1 || month != 1 || day != 1) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("date_format {} must name the year (%Y), the month (%m or %b) and the "
                            "day (%d) once each",
                            Quote(format)));
  }
  return Ok();
}

Result<Instant> ParseCsvDate(std::string_view text, std::string_view format,
                             std::int32_t offset_minutes) {
  const std::string_view value = TrimBlanks(text);
  const auto mismatch = [&] {
    return Fail(ErrorCode::kParse,
                fmt::format("{} does not match the date format {}", Quote(text), Quote(format)));
  };
  DateParts parts;
  std::size_t pos = 0;
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] == '%' && i + 1 == format.size()) {
      return mismatch();  // a lone trailing '%' (CheckDateFormat refuses it)
    }
    const bool spec = format[i] == '%' && format[i + 1] != '%';
    if (spec) {
      if (!ReadSpecifier(format[++i], value, &pos, &parts)) {
        return mismatch();
      }
      continue;
    }
    if (format[i] == '%') {
      ++i;  // "%%" is a literal '%'
    }
    if (pos >= value.size() || value[pos] != format[i]) {
      return mismatch();
    }
    ++pos;
  }
  if (pos != value.size() || parts.year < 0 || parts.month < 0 || parts.day < 0) {
    return mismatch();
  }
  const std::int32_t offset = parts.offset_minutes.value_or(offset_minutes);
  const std::int32_t offset_abs = offset < 0 ? -offset : offset;
  const std::string rfc3339 =
      fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}{:02}:{:02}", parts.year, parts.month,
                  parts.day, parts.hour, parts.minute, parts.second, offset < 0 ? '-' : '+',
                  offset_abs / 60, offset_abs % 60);
  auto instant = ParseRfc3339(rfc3339);
  if (!instant) {
    return Fail(ErrorCode::kParse, fmt::format("{} is not a valid date", Quote(text)));
  }
  return *instant;
}

}  // namespace hub::csv_internal
