// JSON helpers. Not here: payload schemas. Invariant: no function throws;
// every failure is an Error naming the JSON path. Stateless; thread-safe.
#include "core/json.h"

#include <limits>

#include <fmt/format.h>
#include <boost/json.hpp>

namespace hub {
namespace json = boost::json;
namespace {

Error Missing(const std::string& field) {
  return Error(ErrorCode::kInvalidArgument, fmt::format("missing required field {}", field), field);
}

Error WrongType(std::string_view expected, const std::string& field) {
  return Error(ErrorCode::kInvalidArgument, fmt::format("expected {} at {}", expected, field),
               field);
}

// The value at key, or nullptr when missing or null.
const json::value* Lookup(const json::object& object, std::string_view key) {
  const json::value* v = object.if_contains(key);
  return v == nullptr || v->is_null() ? nullptr : v;
}

std::optional<std::int64_t> AsInt64(const json::value& v) {
  if (const auto* i = v.if_int64()) {
    return *i;
  }
  if (const auto* u = v.if_uint64()) {
    if (*u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return static_cast<std::int64_t>(*u);
    }
  }
  return std::nullopt;
}

}  // namespace

std::string JoinPath(std::string_view path, std::string_view key) {
  return fmt::format("{}.{}", path, key);
}

json::value MoneyToJson(const Money& money) {
  return json::object{{"amount", money.ToDecimal()}, {"currency", money.currency().code()}};
}

Result<Money> MoneyFromJson(const json::value& value, std::string_view path) {
  const json::object* object = value.if_object();
  if (object == nullptr) {
    return Fail(WrongType("object", std::string(path)));
  }
  HUB_TRY(const std::string currency_code, GetString(*object, "currency", path));
  HUB_TRY(const std::string amount, GetString(*object, "amount", path));
  auto currency = Currency::FromCode(currency_code);
  if (!currency) {
    Error e = std::move(currency).error();
    e.field = JoinPath(path, "currency");
    return Fail(std::move(e));
  }
  auto money = Money::Parse(amount, *currency);
  if (!money) {
    Error e = std::move(money).error();
    e.field = JoinPath(path, "amount");
    return Fail(std::move(e));
  }
  return *money;
}

Result<std::string> GetString(const json::object& object, std::string_view key,
                              std::string_view path) {
  const json::value* v = Lookup(object, key);
  if (v == nullptr) {
    return Fail(Missing(JoinPath(path, key)));
  }
  if (!v->is_string()) {
    return Fail(WrongType("string", JoinPath(path, key)));
  }
  return std::string(v->get_string());
}

Result<std::int64_t> GetInt64(const json::object& object, std::string_view key,
                              std::string_view path) {
  const json::value* v = Lookup(object, key);
  if (v == nullptr) {
    return Fail(Missing(JoinPath(path, key)));
  }
  const auto i = AsInt64(*v);
  if (!i) {
    return Fail(WrongType("64-bit integer", JoinPath(path, key)));
  }
  return *i;
}

Result<bool> GetBool(const json::object& object, std::string_view key, std::string_view path) {
  const json::value* v = Lookup(object, key);
  if (v == nullptr) {
    return Fail(Missing(JoinPath(path, key)));
  }
  if (!v->is_bool()) {
    return Fail(WrongType("boolean", JoinPath(path, key)));
  }
  return v->get_bool();
}

Result<const json::object*> GetObject(const json::object& object, std::string_view key,
                                      std::string_view path) {
  const json::value* v = Lookup(object, key);
  if (v == nullptr) {
    return Fail(Missing(JoinPath(path, key)));
  }
  if (!v->is_object()) {
    return Fail(WrongType("object", JoinPath(path, key)));
  }
  return &v->get_object();
}

Result<const json::array*> GetArray(const json::object& object, std::string_view key,
                                    std::string_view path) {
  const json::value* v = Lookup(object, key);
  if (v == nullptr) {
    return Fail(Missing(JoinPath(path, key)));
  }
  if (!v->is_array()) {
    return Fail(WrongType("array", JoinPath(path, key)));
  }
  return &v->get_array();
}

std::optional<std::string> FindString(const json::object& object, std::string_view key) {
  const json::value* v = Lookup(object, key);
  if (v == nullptr || !v->is_string()) {
    return std::nullopt;
  }
  return std::string(v->get_string());
}

std::optional<std::int64_t> FindInt64(const json::object& object, std::string_view key) {
  const json::value* v = Lookup(object, key);
  return v == nullptr ? std::nullopt : AsInt64(*v);
}

std::optional<bool> FindBool(const json::object& object, std::string_view key) {
  const json::value* v = Lookup(object, key);
  if (v == nullptr || !v->is_bool()) {
    return std::nullopt;
  }
  return v->get_bool();
}

Result<std::optional<std::string>> GetOptionalString(const json::object& object,
                                                     std::string_view key, std::string_view path) {
  if (Lookup(object, key) == nullptr) {
    return std::optional<std::string>();
  }
  HUB_TRY(std::string s, GetString(object, key, path));
  return std::optional<std::string>(std::move(s));
}

Result<std::optional<std::int64_t>> GetOptionalInt64(const json::object& object,
                                                     std::string_view key, std::string_view path) {
  if (Lookup(object, key) == nullptr) {
    return std::optional<std::int64_t>();
  }
  HUB_TRY(const std::int64_t i, GetInt64(object, key, path));
  return std::optional<std::int64_t>(i);
}

Result<json::value> ParseJson(std::string_view text) {
  json::error_code ec;
  json::parser p;
  const std::size_t consumed = p.write(text.data(), text.size(), ec);
  // json::parser::write takes one complete document: incomplete input and
  // trailing characters are errors.
  if (ec) {
    return Fail(ErrorCode::kParse,
                fmt::format("invalid JSON at byte {}: {}", consumed, ec.message()));
  }
  return p.release();
}

std::string ToJsonString(const json::value& value) { return json::serialize(value); }

}  // namespace hub
