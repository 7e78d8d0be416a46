// Private to src/connectors/csv: the RFC 4180 reader and the exact parsers of
// amounts, dates and zones that the connector applies to cells. Errors carry a
// message only (the caller knows the line and column) except ReadCsvRows,
// which names the line and column itself. Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/money.h"
#include "core/result.h"
#include "core/time.h"

namespace hub::csv_internal {

struct CsvRow {
  std::vector<std::string> fields;
  std::size_t line = 0;  // physical line the record starts on, 1-based
};

// RFC 4180: fields separated by `delimiter`, records by CRLF, LF or CR;
// quoted fields may hold the delimiter, line breaks and doubled quotes. A
// leading UTF-8 BOM is skipped; empty lines are skipped. kParse naming
// "line L, column C" for an unterminated quote, a quote inside an unquoted
// field, text after a closing quote or a field that is not valid UTF-8 (events
// are JSON); kTooLarge past kCsvColumnsMax fields.
Result<std::vector<CsvRow>> ReadCsvRows(std::string_view text, char delimiter);

struct AmountFormat {
  char decimal_separator = '.';
  char thousands_separator = '\0';
  bool minor_units = false;
};

// Exact decimal text → Money: optional leading '-' or '+', or parentheses for
// a negative ("(12.30)"); thousands separators only between groups of three;
// surrounding spaces ignored. kParse / kPrecision / kOverflow with a message
// that quotes the text. `text` must not be empty.
Result<Money> ParseAmount(std::string_view text, Currency currency, const AmountFormat& format);

// A signed integer count ("12", "-3"); kParse otherwise.
Result<std::int64_t> ParseCount(std::string_view text);

// "UTC", "GMT", "Z", "+01:00", "-0530", or a common abbreviation (CET, CEST,
// EET, EEST, WET, WEST, BST, EST, EDT, CST, CDT, MST, MDT, PST, PDT, AEST,
// AEDT, JST); minutes east of UTC. kInvalidArgument otherwise.
Result<std::int32_t> ParseZoneOffsetMinutes(std::string_view zone);

// kInvalidArgument unless `format` uses only the specifiers ParseCsvDate knows
// and names a year, a month and a day exactly once each.
Status CheckDateFormat(std::string_view format);

// `text` read with `format` (see CsvProfile::date_format); a time of day left
// out is midnight, a zone left out (%z) is `offset_minutes`. kParse naming the
// text for a mismatch or an impossible date.
Result<Instant> ParseCsvDate(std::string_view text, std::string_view format,
                             std::int32_t offset_minutes);

// ASCII spaces and tabs removed from both ends.
std::string_view TrimBlanks(std::string_view s);

}  // namespace hub::csv_internal
