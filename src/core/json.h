// JSON helpers over Boost.JSON used across the codebase: Money on the wire
// ({"amount":"12.30","currency":"USD"}, amount always a string), typed field
// access whose errors name the JSON path ("$.total.amount"), parsing without
// exceptions, and serialization. Not here: schemas of specific payloads
// (each adapter owns its Parse function). Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "core/money.h"
#include "core/result.h"

namespace hub {

// {"amount":"12.30","currency":"USD"}.
boost::json::value MoneyToJson(const Money& money);
// `path` is the path of `json` itself ("$.total"); errors name the failing
// field ("$.total.amount") in Error::field and in the message. Amounts must be
// JSON strings: a JSON number is rejected (it may already have lost precision).
Result<Money> MoneyFromJson(const boost::json::value& json, std::string_view path);

// "$.a" + "b" -> "$.a.b".
std::string JoinPath(std::string_view path, std::string_view key);

// Required fields of `object` (whose own path is `path`). Missing (or null):
// kInvalidArgument "missing required field $.a.b"; wrong type:
// kInvalidArgument "expected string at $.a.b". Error::field is the path.
Result<std::string> GetString(const boost::json::object& object, std::string_view key,
                              std::string_view path);
// Accepts JSON integers in int64 range (not 1.0, not strings).
Result<std::int64_t> GetInt64(const boost::json::object& object, std::string_view key,
                              std::string_view path);
Result<bool> GetBool(const boost::json::object& object, std::string_view key,
                     std::string_view path);
Result<const boost::json::object*> GetObject(const boost::json::object& object,
                                             std::string_view key, std::string_view path);
Result<const boost::json::array*> GetArray(const boost::json::object& object, std::string_view key,
                                           std::string_view path);

// Lenient lookups: the value when present with the right type, else nullopt
// (missing, null and wrong type alike).
std::optional<std::string> FindString(const boost::json::object& object, std::string_view key);
std::optional<std::int64_t> FindInt64(const boost::json::object& object, std::string_view key);
std::optional<bool> FindBool(const boost::json::object& object, std::string_view key);

// Strict optional fields: missing or null -> nullopt; present with the wrong
// type -> the same error as Get*.
Result<std::optional<std::string>> GetOptionalString(const boost::json::object& object,
                                                     std::string_view key, std::string_view path);
Result<std::optional<std::int64_t>> GetOptionalInt64(const boost::json::object& object,
                                                     std::string_view key, std::string_view path);

// Parses a whole document; kParse with Boost's reason and offset on failure.
// Never throws.
Result<boost::json::value> ParseJson(std::string_view text);
// Compact serialization.
std::string ToJsonString(const boost::json::value& json);

}  // namespace hub
