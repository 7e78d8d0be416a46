// Parsing, environment overrides and validation of Config. ForEachScalar is the single list
// of scalar keys: parsing, RETAILHUB_* overrides, validation and "did you mean" suggestions
// all read it, so a new field is added to the struct and to that list, nowhere else.
// [sources] is walked by hand because its table names (accounts) are data, not schema.
// toml++ exceptions are caught here and never leave this file. Stateless; thread-safe.
#include "app/config.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <system_error>
#include <type_traits>
#include <vector>

namespace hub::app {
namespace {

struct IntRule {
  std::int64_t min;
  std::int64_t max;
};
enum class StringRule { kAny, kNonEmpty, kHostPort, kLogLevel };
struct BoolRule {};

// A suggestion is offered only when the typo is this close (edits), else it would mislead.
constexpr std::size_t kSuggestDistanceMax = 2;
constexpr std::string_view kEnvPrefix = "RETAILHUB_";
// Only these sections are overridable from the environment (sources hold secrets per account,
// approvals are a control that should be visible in the reviewed file).
constexpr std::string_view kEnvSections[] = {"server", "store", "bus", "log"};
constexpr std::string_view kLogLevels[] = {"debug", "info", "warn", "error"};
constexpr std::string_view kAccountKeys[] = {"secret", "previous_secret", "previous_valid_until",
                                             "default_region", "url"};
// [sources.csv.profiles.<name>]: CsvProfile (connectors/csv/csv.h), one key per field.
constexpr std::string_view kCsvProfileKeys[] = {"record",
                                                "delimiter",
                                                "decimal_separator",
                                                "thousands_separator",
                                                "minor_units",
                                                "currency",
                                                "currency_column",
                                                "date_column",
                                                "date_format",
                                                "timezone",
                                                "timezone_column",
                                                "gateway",
                                                "bank_account",
                                                "columns",
                                                "types"};

// Every scalar key with its field and rule, in the order of config/retailhub.toml.
template <typename C, typename F>
void ForEachScalar(C& c, F&& f) {
  f("server.listen", c.server.listen, StringRule::kHostPort);
  f("server.threads", c.server.threads, IntRule{1, 64});
  f("server.header_bytes_max", c.server.header_bytes_max, IntRule{1024, 1048576});
  f("server.body_bytes_max", c.server.body_bytes_max, IntRule{1024, 67108864});
  f("server.request_timeout_ms", c.server.request_timeout_ms, IntRule{100, 600000});
  f("server.tls_cert_file", c.server.tls_cert_file, StringRule::kAny);
  f("server.tls_key_file", c.server.tls_key_file, StringRule::kAny);
  f("store.data_dir", c.store.data_dir, StringRule::kNonEmpty);
  f("store.synchronous_full", c.store.synchronous_full, BoolRule{});
  f("store.drop_folder_poll_ms", c.store.drop_folder_poll_ms, IntRule{0, 3600000});
  f("bus.group_commit_max", c.bus.group_commit_max, IntRule{1, 65536});
  f("bus.group_commit_wait_us", c.bus.group_commit_wait_us, IntRule{0, 1000000});
  f("bus.dedup_index_batch", c.bus.dedup_index_batch, IntRule{1, 10000000});
  f("bus.backlog_max", c.bus.backlog_max, IntRule{1, 100000000});
  f("bus.retry.attempts_max", c.bus.retry.attempts_max, IntRule{1, 100});
  f("bus.retry.base_delay_ms", c.bus.retry.base_delay_ms, IntRule{1, 3600000});
  f("bus.retry.max_delay_ms", c.bus.retry.max_delay_ms, IntRule{1, 86400000});
  f("bus.predecessor_wait_s", c.bus.predecessor_wait_s, IntRule{0, 2592000});
  f("bus.posting_sla_s", c.bus.posting_sla_s, IntRule{1, 2592000});
  f("bus.workers.orders", c.bus.workers.orders, IntRule{1, 64});
  f("bus.workers.ledger", c.bus.workers.ledger, IntRule{1, 64});
  f("bus.workers.identity", c.bus.workers.identity, IntRule{1, 64});
  f("bus.workers.reconcile", c.bus.workers.reconcile, IntRule{1, 64});
  f("bus.workers.inventory", c.bus.workers.inventory, IntRule{1, 64});
  f("approvals.finance_replay_requires_second_user",
    c.approvals.finance_replay_requires_second_user, BoolRule{});
  f("log.level", c.log.level, StringRule::kLogLevel);
}

const std::vector<std::string>& ScalarPaths() {
  static const std::vector<std::string> paths = [] {
    std::vector<std::string> out;
    const Config c;
    ForEachScalar(c, [&](std::string_view path, const auto&, auto) { out.emplace_back(path); });
    return out;
  }();
  return paths;
}

std::string_view Parent(std::string_view path) {
  const std::size_t dot = path.rfind('.');
  return dot == std::string_view::npos ? std::string_view{} : path.substr(0, dot);
}

std::string_view LastSegment(std::string_view path) {
  const std::size_t dot = path.rfind('.');
  return dot == std::string_view::npos ? path : path.substr(dot + 1);
}

std::string Join(std::string_view prefix, std::string_view key) {
  return prefix.empty() ? std::string(key) : fmt::format("{}.{}", prefix, key);
}

// Tables that hold scalars ("bus", "bus.retry", ...) plus "sources".
bool IsTablePath(std::string_view path) {
  if (path == "sources") {
    return true;
  }
  for (const std::string& scalar : ScalarPaths()) {
    for (std::string_view p = Parent(scalar); !p.empty(); p = Parent(p)) {
      if (p == path) {
        return true;
      }
    }
  }
  return false;
}

// Names allowed directly under `prefix` ("" = top level), for suggestions.
std::vector<std::string> ChildNames(std::string_view prefix) {
  std::vector<std::string> names;
  if (prefix.empty()) {
    names.emplace_back("sources");
  }
  for (const std::string& scalar : ScalarPaths()) {
    for (std::string_view p = scalar; !p.empty(); p = Parent(p)) {
      if (Parent(p) == prefix &&
          std::find(names.begin(), names.end(), LastSegment(p)) == names.end()) {
        names.emplace_back(LastSegment(p));
      }
    }
  }
  return names;
}

std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      const std::size_t substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min({above + 1, row[j - 1] + 1, substitute});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// " (did you mean X?)" for the closest candidate within kSuggestDistanceMax, else "".
template <typename Range>
std::string Suggestion(std::string_view typo, const Range& candidates,
                       std::string_view prefix = {}) {
  std::string_view best;
  std::size_t best_distance = kSuggestDistanceMax + 1;
  for (const auto& candidate : candidates) {
    const std::size_t d = EditDistance(typo, candidate);
    if (d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
  if (best.empty()) {
    return {};
  }
  return fmt::format(" (did you mean {}?)", Join(prefix, best));
}

std::string_view TypeName(toml::node_type type) {
  switch (type) {
    case toml::node_type::table:
      return "table";
    case toml::node_type::array:
      return "array";
    case toml::node_type::string:
      return "string";
    case toml::node_type::integer:
      return "integer";
    case toml::node_type::floating_point:
      return "float";
    case toml::node_type::boolean:
      return "boolean";
    case toml::node_type::date:
      return "date";
    case toml::node_type::time:
      return "time";
    case toml::node_type::date_time:
      return "date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

template <typename T>
constexpr std::string_view ExpectedName() {
  if constexpr (std::is_same_v<T, std::string>) {
    return "string";
  } else if constexpr (std::is_same_v<T, bool>) {
    return "boolean";
  } else {
    return "integer";
  }
}

bool IsValidHostPort(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
    return false;
  }
  const std::string_view port = text.substr(colon + 1);
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  return ec == std::errc{} && end == port.data() + port.size() && value >= 0 && value <= 65535;
}

// What is wrong with a value, without location (callers prefix file:line or the variable).
std::optional<std::string> CheckValue(std::string_view path, std::int64_t value, IntRule rule) {
  if (value < rule.min || value > rule.max) {
    return fmt::format("{} must be {}..{}, got {}", path, rule.min, rule.max, value);
  }
  return std::nullopt;
}

std::optional<std::string> CheckValue(std::string_view path, const std::string& value,
                                      StringRule rule) {
  switch (rule) {
    case StringRule::kAny:
      return std::nullopt;
    case StringRule::kNonEmpty:
      if (value.empty()) {
        return fmt::format("{} must not be empty", path);
      }
      return std::nullopt;
    case StringRule::kHostPort:
      if (!IsValidHostPort(value)) {
        return fmt::format("{} must be HOST:PORT with PORT 0..65535, got \"{}\"", path, value);
      }
      return std::nullopt;
    case StringRule::kLogLevel:
      if (std::find(std::begin(kLogLevels), std::end(kLogLevels), value) == std::end(kLogLevels)) {
        return fmt::format("{} must be one of debug, info, warn, error, got \"{}\"", path, value);
      }
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<std::string> CheckValue(std::string_view, bool, BoolRule) { return std::nullopt; }

// Checks, then stores. T is the field type; V the parsed value (int64, string or bool).
template <typename T, typename V, typename Rule>
std::optional<std::string> SetChecked(std::string_view path, T& field, const V& value, Rule rule) {
  if (auto problem = CheckValue(path, value, rule)) {
    return problem;
  }
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    field = static_cast<T>(value);  // in range: every IntRule fits its field type
  } else {
    field = value;
  }
  return std::nullopt;
}

template <typename T, typename Rule>
std::optional<std::string> SetFromNode(std::string_view path, T& field, const toml::node& node,
                                       Rule rule) {
  const auto wrong_type = [&] {
    return fmt::format("{}: expected {}, got {}", path, ExpectedName<T>(), TypeName(node.type()));
  };
  if constexpr (std::is_same_v<T, std::string>) {
    const auto* v = node.as_string();
    return v ? SetChecked(path, field, v->get(), rule) : wrong_type();
  } else if constexpr (std::is_same_v<T, bool>) {
    const auto* v = node.as_boolean();
    return v ? SetChecked(path, field, v->get(), rule) : wrong_type();
  } else {
    const auto* v = node.as_integer();
    return v ? SetChecked(path, field, v->get(), rule) : wrong_type();
  }
}

template <typename T, typename Rule>
std::optional<std::string> SetFromText(std::string_view path, T& field, const std::string& text,
                                       Rule rule) {
  if constexpr (std::is_same_v<T, std::string>) {
    return SetChecked(path, field, text, rule);
  } else if constexpr (std::is_same_v<T, bool>) {
    if (text == "true" || text == "1") {
      return SetChecked(path, field, true, rule);
    }
    if (text == "false" || text == "0") {
      return SetChecked(path, field, false, rule);
    }
    return fmt::format("expected boolean (true, false, 1, 0), got \"{}\"", text);
  } else {
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) {
      return fmt::format("expected integer, got \"{}\"", text);
    }
    return SetChecked(path, field, value, rule);
  }
}

bool IsValidAccountId(std::string_view id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '_' || ch == '.';
  });
}

bool IsRegionCode(std::string_view region) {
  return region.size() == 2 &&
         std::all_of(region.begin(), region.end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; });
}

// Cross-field rules of one account; `path` is "sources.<source>.accounts.<id>".
std::optional<std::string> CheckAccount(std::string_view source, std::string_view path,
                                        const SourceAccountConfig& a) {
  if (a.secret.empty()) {
    return fmt::format("{}.secret is required", path);
  }
  if (a.previous_secret.empty() != !a.previous_valid_until.has_value()) {
    return fmt::format("{0}.previous_secret and {0}.previous_valid_until must be set together",
                       path);
  }
  if (!a.default_region.empty() && !IsRegionCode(a.default_region)) {
    return fmt::format("{}.default_region must be an ISO 3166 code like \"US\", got \"{}\"", path,
                       a.default_region);
  }
  if (source == "square" && a.url.empty()) {
    return fmt::format("{}.url is required for square (it signs the notification URL)", path);
  }
  if (!a.url.empty() && a.url.rfind("https://", 0) != 0 && a.url.rfind("http://", 0) != 0) {
    return fmt::format("{}.url must start with https:// or http://, got \"{}\"", path, a.url);
  }
  return std::nullopt;
}

std::uint32_t LineOf(const toml::source_region& region) { return region.begin.line; }

// Walks a parsed document into a Config; every error names `name_:line:` and the key.
class Walker {
 public:
  explicit Walker(std::string_view name) : name_(name) {}

  Status Table(const toml::table& table, std::string_view prefix, Config& c) const {
    for (auto&& entry : table) {
      const toml::key& key = entry.first;
      const toml::node& node = entry.second;
      const std::string path = Join(prefix, key.str());
      if (path == "sources") {
        HUB_TRY(const toml::table* sources, AsTable(node, path));
        HUB_TRY_STATUS(Sources(*sources, c));
        continue;
      }
      if (IsTablePath(path)) {
        HUB_TRY(const toml::table* sub, AsTable(node, path));
        HUB_TRY_STATUS(Table(*sub, path, c));
        continue;
      }
      bool found = false;
      std::optional<std::string> problem;
      ForEachScalar(c, [&](std::string_view p, auto& field, auto rule) {
        if (p == path) {
          found = true;
          problem = SetFromNode(p, field, node, rule);
        }
      });
      if (!found) {
        return Fail(UnknownKey(key, path, ChildNames(prefix), prefix));
      }
      if (problem) {
        return Fail(At(node.source(), path, *problem));
      }
    }
    return Ok();
  }

 private:
  Error At(const toml::source_region& where, std::string_view key, std::string_view message,
           ErrorCode code = ErrorCode::kInvalidArgument) const {
    return Error(code, fmt::format("{}:{}: {}", name_, LineOf(where), message), std::string(key));
  }

  template <typename Range>
  Error UnknownKey(const toml::key& key, std::string_view path, const Range& candidates,
                   std::string_view prefix) const {
    return At(key.source(), path,
              fmt::format("unknown key {}{}", path, Suggestion(key.str(), candidates, prefix)));
  }

  Result<const toml::table*> AsTable(const toml::node& node, std::string_view path) const {
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      return Fail(At(node.source(), path,
                     fmt::format("{}: expected table, got {}", path, TypeName(node.type()))));
    }
    return table;
  }

  Status Sources(const toml::table& sources, Config& c) const {
    for (auto&& [source_key, source_node] : sources) {
      const std::string source(source_key.str());
      const std::string path = Join("sources", source);
      if (std::find(std::begin(kKnownSources), std::end(kKnownSources), source) ==
          std::end(kKnownSources)) {
        return Fail(UnknownKey(source_key, path, kKnownSources, "sources"));
      }
      HUB_TRY(const toml::table* source_table, AsTable(source_node, path));
      for (auto&& [key, node] : *source_table) {
        const std::string accounts_path = Join(path, key.str());
        if (source == "csv" && key.str() == "profiles") {
          HUB_TRY(const toml::table* profiles, AsTable(node, accounts_path));
          HUB_TRY_STATUS(CsvProfiles(*profiles, accounts_path, c.sources[source].profiles));
          continue;
        }
        if (key.str() != "accounts") {
          return Fail(UnknownKey(key, accounts_path,
                                 source == "csv" ? std::vector<std::string>{"accounts", "profiles"}
                                                 : std::vector<std::string>{"accounts"},
                                 path));
        }
        HUB_TRY(const toml::table* accounts, AsTable(node, accounts_path));
        HUB_TRY_STATUS(Accounts(*accounts, source, accounts_path, c.sources[source]));
      }
    }
    return Ok();
  }

  Status Accounts(const toml::table& accounts, std::string_view source, std::string_view prefix,
                  SourceConfig& out) const {
    for (auto&& [id_key, id_node] : accounts) {
      const std::string path = Join(prefix, id_key.str());
      if (!IsValidAccountId(id_key.str())) {
        return Fail(At(id_key.source(), path,
                       fmt::format("{}: account id may contain only letters, digits, '-', '_' "
                                   "and '.'",
                                   path)));
      }
      HUB_TRY(const toml::table* table, AsTable(id_node, path));
      SourceAccountConfig& account = out.accounts[std::string(id_key.str())];
      for (auto&& [key, node] : *table) {
        HUB_TRY_STATUS(AccountField(key, node, path, account));
      }
      if (auto problem = CheckAccount(source, path, account)) {
        return Fail(At(id_node.source(), path, *problem));
      }
    }
    return Ok();
  }

  Status AccountField(const toml::key& key, const toml::node& node, std::string_view prefix,
                      SourceAccountConfig& account) const {
    const std::string path = Join(prefix, key.str());
    const std::string_view name = key.str();
    if (name == "previous_valid_until") {
      return ValidUntil(node, path, account);
    }
    std::string* field = name == "secret"            ? &account.secret
                         : name == "previous_secret" ? &account.previous_secret
                         : name == "default_region"  ? &account.default_region
                         : name == "url"             ? &account.url
                                                     : nullptr;
    if (field == nullptr) {
      return Fail(UnknownKey(key, path, kAccountKeys, prefix));
    }
    if (auto problem = SetFromNode(path, *field, node, StringRule::kAny)) {
      return Fail(At(node.source(), path, *problem));
    }
    return Ok();
  }

  // An RFC 3339 string, or a TOML offset date-time (printed and parsed the same way).
  Status ValidUntil(const toml::node& node, std::string_view path,
                    SourceAccountConfig& account) const {
    std::string text;
    if (const auto* s = node.as_string()) {
      text = s->get();
    } else if (const auto* dt = node.as_date_time()) {
      std::ostringstream printed;
      printed << *dt;
      text = printed.str();
    } else {
      return Fail(At(node.source(), path,
                     fmt::format("{}: expected RFC 3339 date-time string, got {}", path,
                                 TypeName(node.type()))));
    }
    Result<Instant> instant = ParseRfc3339(text);
    if (!instant) {
      return Fail(At(node.source(), path, fmt::format("{}: {}", path, instant.error().message)));
    }
    account.previous_valid_until = *instant;
    return Ok();
  }

  // [sources.csv.profiles.<name>] tables; each profile is checked whole by
  // ValidateCsvProfile, its error placed on the line of the key at fault.
  Status CsvProfiles(const toml::table& profiles, std::string_view prefix,
                     CsvConnector::Profiles& out) const {
    for (auto&& [name_key, name_node] : profiles) {
      const std::string path = Join(prefix, name_key.str());
      if (!IsValidAccountId(name_key.str())) {
        return Fail(At(name_key.source(), path,
                       fmt::format("{}: profile name may contain only letters, digits, '-', '_' "
                                   "and '.'",
                                   path)));
      }
      HUB_TRY(const toml::table* table, AsTable(name_node, path));
      CsvProfile profile;
      HUB_TRY_STATUS(CsvProfileFields(*table, path, profile));
      if (Status valid = ValidateCsvProfile(profile); !valid) {
        const toml::node* at = FindCsvProfileNode(*table, valid.error().field);
        return Fail(At(at != nullptr ? at->source() : name_node.source(),
                       Join(path, valid.error().field),
                       fmt::format("{}: {}", path, valid.error().message)));
      }
      out.emplace(std::string(name_key.str()), std::move(profile));
    }
    return Ok();
  }

  Status CsvProfileFields(const toml::table& table, std::string_view prefix, CsvProfile& p) const {
    // `record` first: it decides which columns exist (toml++ iterates keys sorted).
    const toml::node* record = table.get("record");
    const std::string record_path = Join(prefix, "record");
    if (record == nullptr) {
      return Fail(At(table.source(), record_path,
                     fmt::format("{} is required (payout_line, bank_transaction or "
                                 "inventory_count)",
                                 record_path)));
    }
    std::string record_name;
    if (auto problem = SetFromNode(record_path, record_name, *record, StringRule::kAny)) {
      return Fail(At(record->source(), record_path, *problem));
    }
    const std::optional<CsvRecordType> type = CsvRecordTypeFromString(record_name);
    if (!type) {
      return Fail(At(record->source(), record_path,
                     fmt::format("{} must be payout_line, bank_transaction or inventory_count, "
                                 "got \"{}\"",
                                 record_path, record_name)));
    }
    p.record = *type;
    for (auto&& [key, node] : table) {
      HUB_TRY_STATUS(CsvProfileField(key, node, prefix, p));
    }
    return Ok();
  }

  Status CsvProfileField(const toml::key& key, const toml::node& node, std::string_view prefix,
                         CsvProfile& p) const {
    const std::string path = Join(prefix, key.str());
    const std::string_view name = key.str();
    std::optional<std::string> problem;
    if (name == "record") {
      return Ok();  // read first, by CsvProfileFields
    } else if (name == "columns") {
      return CsvColumns(node, path, p);
    } else if (name == "types") {
      return CsvTypes(node, path, p);
    } else if (name == "minor_units") {
      problem = SetFromNode(path, p.minor_units, node, BoolRule{});
    } else if (name == "delimiter" || name == "decimal_separator" ||
               name == "thousands_separator") {
      char& field = name == "delimiter"           ? p.delimiter
                    : name == "decimal_separator" ? p.decimal_separator
                                                  : p.thousands_separator;
      problem = CsvChar(node, path, name == "thousands_separator", field);
    } else {
      std::string* field = name == "currency"          ? &p.currency
                           : name == "currency_column" ? &p.currency_column
                           : name == "date_column"     ? &p.date_column
                           : name == "date_format"     ? &p.date_format
                           : name == "timezone"        ? &p.timezone
                           : name == "timezone_column" ? &p.timezone_column
                           : name == "gateway"         ? &p.gateway
                           : name == "bank_account"    ? &p.bank_account
                                                       : nullptr;
      if (field == nullptr) {
        return Fail(UnknownKey(key, path, kCsvProfileKeys, prefix));
      }
      problem = SetFromNode(path, *field, node, StringRule::kAny);
    }
    if (problem) {
      return Fail(At(node.source(), path, *problem));
    }
    return Ok();
  }

  // One character ("" allowed for an optional separator: none).
  static std::optional<std::string> CsvChar(const toml::node& node, std::string_view path,
                                            bool may_be_empty, char& out) {
    const auto* s = node.as_string();
    if (s == nullptr) {
      return fmt::format("{}: expected string, got {}", path, TypeName(node.type()));
    }
    const std::string& text = s->get();
    if (text.size() > 1 || (text.empty() && !may_be_empty)) {
      return fmt::format("{} must be one character, got \"{}\"", path, text);
    }
    out = text.empty() ? '\0' : text[0];
    return std::nullopt;
  }

  // Canonical field = "Header" or ["Header", …]; the fields depend on `record`.
  Status CsvColumns(const toml::node& node, std::string_view prefix, CsvProfile& p) const {
    HUB_TRY(const toml::table* table, AsTable(node, prefix));
    const auto keys = CsvColumnKeys(p.record);
    for (auto&& [key, value] : *table) {
      const std::string path = Join(prefix, key.str());
      if (std::find(keys.begin(), keys.end(), key.str()) == keys.end()) {
        return Fail(UnknownKey(key, path, keys, prefix));
      }
      std::vector<std::string>& names = p.columns[std::string(key.str())];
      if (const auto* s = value.as_string()) {
        names.push_back(s->get());
        continue;
      }
      const toml::array* array = value.as_array();
      const bool all_strings =
          array != nullptr && std::all_of(array->begin(), array->end(),
                                          [](const toml::node& n) { return n.is_string(); });
      if (!all_strings) {
        return Fail(At(value.source(), path,
                       fmt::format("{}: expected a header name or an array of them, got {}", path,
                                   TypeName(value.type()))));
      }
      for (const toml::node& n : *array) {
        names.push_back(n.as_string()->get());
      }
    }
    return Ok();
  }

  // "Value in the type column" = "kind" (payout_line) or "debit" / "credit".
  Status CsvTypes(const toml::node& node, std::string_view prefix, CsvProfile& p) const {
    HUB_TRY(const toml::table* table, AsTable(node, prefix));
    for (auto&& [key, value] : *table) {
      const std::string path = Join(prefix, key.str());
      std::string& kind = p.types[std::string(key.str())];
      if (auto problem = SetFromNode(path, kind, value, StringRule::kAny)) {
        return Fail(At(value.source(), path, *problem));
      }
    }
    return Ok();
  }

  // The node a ValidateCsvProfile field names ("currency", "columns.net",
  // "types.Settled"); for an absent key its table, else nullptr (the profile's line).
  static const toml::node* FindCsvProfileNode(const toml::table& profile, std::string_view field) {
    const std::size_t dot = field.find('.');
    const toml::node* top = profile.get(field.substr(0, dot));
    if (top == nullptr || dot == std::string_view::npos || !top->is_table()) {
      return top;
    }
    const toml::node* leaf = top->as_table()->get(field.substr(dot + 1));
    return leaf != nullptr ? leaf : top;
  }

  std::string_view name_;
};

}  // namespace

std::string EnvVarName(std::string_view dotted_key) {
  std::string name(kEnvPrefix);
  for (const char ch : dotted_key) {
    name.push_back(ch == '.' ? '_'
                             : static_cast<char>(ch >= 'a' && ch <= 'z' ? ch - 'a' + 'A' : ch));
  }
  return name;
}

Result<Config> ParseConfig(std::string_view toml_text, std::string_view name) {
  toml::table root;
  try {
    root = toml::parse(toml_text, name);
  } catch (const toml::parse_error& e) {
    const toml::source_position& at = e.source().begin;
    return Fail(ErrorCode::kParse,
                fmt::format("{}:{}:{}: {}", name, at.line, at.column, e.description()));
  }
  Config config;
  HUB_TRY_STATUS(Walker(name).Table(root, "", config));
  if (Status valid = ValidateConfig(config); !valid) {
    return Fail(valid.error().code, fmt::format("{}: {}", name, valid.error().message),
                valid.error().field);
  }
  return config;
}

Result<Config> LoadConfig(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    const bool exists = std::filesystem::exists(path, ec);
    return Fail(ErrorCode::kIo,
                fmt::format("{}: cannot read config file: {}", path.string(),
                            exists ? "permission denied or not a file" : "no such file"));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return Fail(ErrorCode::kIo, fmt::format("{}: read error", path.string()));
  }
  return ParseConfig(text.str(), path.string());
}

Status ApplyEnvOverrides(Config& config, const std::map<std::string, std::string>& env) {
  std::vector<std::string> known;
  for (const std::string& path : ScalarPaths()) {
    const std::string section = path.substr(0, path.find('.'));
    if (std::find(std::begin(kEnvSections), std::end(kEnvSections), section) !=
        std::end(kEnvSections)) {
      known.push_back(EnvVarName(path));
    }
  }
  for (const auto& entry : env) {
    const std::string& variable = entry.first;
    const std::string& value = entry.second;
    const bool ours = std::any_of(std::begin(kEnvSections), std::end(kEnvSections),
                                  [&](std::string_view section) {
                                    return variable.rfind(EnvVarName(section) + "_", 0) == 0;
                                  });
    if (!ours) {
      if (variable.rfind(EnvVarName("approvals") + "_", 0) == 0 ||
          variable.rfind(EnvVarName("sources") + "_", 0) == 0) {
        return Fail(
            ErrorCode::kInvalidArgument,
            fmt::format("{}: approvals and sources can only be set in the config file", variable),
            variable);
      }
      continue;  // RETAILHUB_SHARED and friends belong to tests and scripts
    }
    bool found = false;
    std::optional<std::string> problem;
    ForEachScalar(config, [&](std::string_view path, auto& field, auto rule) {
      if (EnvVarName(path) == variable) {
        found = true;
        problem = SetFromText(path, field, value, rule);
      }
    });
    if (!found) {
      return Fail(
          ErrorCode::kInvalidArgument,
          fmt::format("unknown environment variable {}{}", variable, Suggestion(variable, known)),
          variable);
    }
    if (problem) {
      return Fail(ErrorCode::kInvalidArgument, fmt::format("{}: {}", variable, *problem), variable);
    }
  }
  return ValidateConfig(config);
}

Status ValidateConfig(const Config& config) {
  std::optional<Error> first;
  ForEachScalar(config, [&](std::string_view path, const auto& field, auto rule) {
    if (first) {
      return;
    }
    if (auto problem = CheckValue(path, field, rule)) {
      first = Error(ErrorCode::kInvalidArgument, *problem, std::string(path));
    }
  });
  if (first) {
    return Fail(std::move(*first));
  }
  const ServerConfig& server = config.server;
  if (server.tls_cert_file.empty() != server.tls_key_file.empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                "server.tls_cert_file and server.tls_key_file must be set together",
                "server.tls_cert_file");
  }
  const RetryConfig& retry = config.bus.retry;
  if (retry.base_delay_ms > retry.max_delay_ms) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("bus.retry.base_delay_ms ({}) must not exceed bus.retry.max_delay_ms "
                            "({})",
                            retry.base_delay_ms, retry.max_delay_ms),
                "bus.retry.base_delay_ms");
  }
  for (const auto& [source, source_config] : config.sources) {
    if (std::find(std::begin(kKnownSources), std::end(kKnownSources), source) ==
        std::end(kKnownSources)) {
      return Fail(ErrorCode::kInvalidArgument, fmt::format("unknown source sources.{}", source),
                  Join("sources", source));
    }
    for (const auto& [id, account] : source_config.accounts) {
      const std::string path = fmt::format("sources.{}.accounts.{}", source, id);
      if (auto problem = CheckAccount(source, path, account)) {
        return Fail(ErrorCode::kInvalidArgument, *problem, path);
      }
    }
    for (const auto& [name, profile] : source_config.profiles) {
      const std::string path = fmt::format("sources.{}.profiles.{}", source, name);
      if (source != "csv") {
        return Fail(ErrorCode::kInvalidArgument,
                    fmt::format("{}: profiles are read only by the csv source", path), path);
      }
      if (Status valid = ValidateCsvProfile(profile); !valid) {
        return Fail(ErrorCode::kInvalidArgument, fmt::format("{}: {}", path, valid.error().message),
                    Join(path, valid.error().field));
      }
    }
  }
  return Ok();
}

std::filesystem::path DatabasePath(const std::string& data_dir) {
  return std::filesystem::path(data_dir) / "retailhub.db";
}

}  // namespace hub::app
