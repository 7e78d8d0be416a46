// ReconcileConfig: defaults and the TOML loader. toml++ throws parse_error;
// it is caught here, at the adapter edge, and becomes kParse.
#include "reconcile/config.h"

#include <fmt/format.h>

#include <toml++/toml.h>
#include <limits>

namespace hub::reconcile {

namespace {

constexpr std::int64_t kPpm = 1'000'000;

Status ReadInt(const toml::table& t, std::string_view key, std::string_view path, std::int64_t& out,
               std::int64_t min = 0) {
  const toml::node* n = t.get(key);
  if (n == nullptr) {
    return Ok();
  }
  const auto v = n->value<std::int64_t>();
  if (!v || *v < min) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("{}.{} must be an integer >= {}", path, key, min),
                fmt::format("{}.{}", path, key));
  }
  out = *v;
  return Ok();
}

Status ReadString(const toml::table& t, std::string_view key, std::string_view path,
                  std::string& out) {
  const toml::node* n = t.get(key);
  if (n == nullptr) {
    return Ok();
  }
  const auto v = n->value<std::string>();
  if (!v || v->empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("{}.{} must be a non-empty string", path, key),
                fmt::format("{}.{}", path, key));
  }
  out = *v;
  return Ok();
}

Status ReadBool(const toml::table& t, std::string_view key, std::string_view path, bool& out) {
  const toml::node* n = t.get(key);
  if (n == nullptr) {
    return Ok();
  }
  const auto v = n->value<bool>();
  if (!v) {
    return Fail(ErrorCode::kInvalidArgument, fmt::format("{}.{} must be a boolean", path, key),
                fmt::format("{}.{}", path, key));
  }
  out = *v;
  return Ok();
}

Result<MatchRule> ParseRule(const toml::table& t, std::size_t index) {
  const std::string path = fmt::format("reconcile.rules[{}]", index);
  MatchRule r;
  HUB_TRY_STATUS(ReadString(t, "name", path, r.name));
  if (r.name.empty()) {
    return Fail(ErrorCode::kInvalidArgument, path + ".name is required", path + ".name");
  }
  HUB_TRY_STATUS(ReadInt(t, "amount_tolerance_minor", path, r.amount_tolerance_minor));
  HUB_TRY_STATUS(ReadInt(t, "amount_tolerance_ppm", path, r.amount_tolerance_ppm));
  HUB_TRY_STATUS(ReadInt(t, "date_window_days", path, r.date_window_days));
  HUB_TRY_STATUS(ReadBool(t, "require_order_reference", path, r.require_order_reference));
  HUB_TRY_STATUS(ReadBool(t, "include_unknown_references", path, r.include_unknown_references));
  if (r.amount_tolerance_ppm > kPpm) {
    return Fail(ErrorCode::kInvalidArgument,
                path + ".amount_tolerance_ppm must be <= 1000000 (100%)",
                path + ".amount_tolerance_ppm");
  }
  return r;
}

}  // namespace

std::int64_t MatchRule::ToleranceFor(std::int64_t amount_minor) const {
  // |amount| * ppm / 1e6 without overflow: split into quotient and remainder.
  const std::int64_t a = amount_minor == std::numeric_limits<std::int64_t>::min()
                             ? std::numeric_limits<std::int64_t>::max()
                             : (amount_minor < 0 ? -amount_minor : amount_minor);
  const std::int64_t pct =
      (a / kPpm) * amount_tolerance_ppm + (a % kPpm) * amount_tolerance_ppm / kPpm;
  const std::int64_t total = pct + amount_tolerance_minor;
  return total < 0 ? std::numeric_limits<std::int64_t>::max() : total;
}

const std::string& ReconcileConfig::ClearingAccount(std::string_view gateway) const {
  const auto it = clearing_by_gateway.find(gateway);
  return it == clearing_by_gateway.end() ? default_clearing_account : it->second;
}

ReconcileConfig ReconcileConfig::Defaults() {
  ReconcileConfig c;
  c.rules.push_back(MatchRule{.name = "default", .amount_tolerance_minor = 1});
  // A line naming an id the hub never sees (a Shopify Payments balance
  // transaction names the Payments charge or refund, not the order
  // transaction the tender came from) settles the one open item of its own
  // order with exactly its amount; anything else stays unknown_reference.
  c.rules.push_back(MatchRule{
      .name = "same_order", .require_order_reference = true, .include_unknown_references = true});
  return c;
}

Result<ReconcileConfig> ReconcileConfig::Parse(std::string_view toml_text,
                                               std::string_view source_name) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    return Fail(ErrorCode::kParse,
                fmt::format("{} (line {}): {}", source_name, e.source().begin.line,
                            std::string(e.description())));
  }
  ReconcileConfig c;
  const toml::table* rt = root["reconcile"].as_table();
  if (rt == nullptr) {
    return c;
  }
  const toml::table& t = *rt;
  HUB_TRY_STATUS(ReadInt(t, "aging_days", "reconcile", c.aging_days));
  HUB_TRY_STATUS(ReadInt(t, "partial_window_days", "reconcile", c.partial_window_days));
  HUB_TRY_STATUS(ReadInt(t, "late_days", "reconcile", c.late_days));
  HUB_TRY_STATUS(ReadInt(t, "bank_window_days", "reconcile", c.bank_window_days));
  HUB_TRY_STATUS(ReadInt(t, "group_size_max", "reconcile", c.group_size_max, 1));
  HUB_TRY_STATUS(ReadInt(t, "candidates_scanned_max", "reconcile", c.candidates_scanned_max, 1));
  HUB_TRY_STATUS(ReadBool(t, "post_chargebacks", "reconcile", c.post_chargebacks));
  if (const toml::node* rules = t.get("rules"); rules != nullptr) {
    const toml::array* arr = rules->as_array();
    if (arr == nullptr) {
      return Fail(ErrorCode::kInvalidArgument, "reconcile.rules must be [[reconcile.rules]]",
                  "reconcile.rules");
    }
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const toml::table* rule = arr->get(i)->as_table();
      if (rule == nullptr) {
        return Fail(ErrorCode::kInvalidArgument, "reconcile.rules entries must be tables",
                    fmt::format("reconcile.rules[{}]", i));
      }
      HUB_TRY(MatchRule r, ParseRule(*rule, i));
      c.rules.push_back(std::move(r));
    }
  }
  if (const toml::table* a = t["accounts"].as_table(); a != nullptr) {
    HUB_TRY_STATUS(ReadString(*a, "bank", "reconcile.accounts", c.bank_account));
    HUB_TRY_STATUS(ReadString(*a, "clearing", "reconcile.accounts", c.default_clearing_account));
    HUB_TRY_STATUS(ReadString(*a, "fees", "reconcile.accounts", c.fees_account));
    HUB_TRY_STATUS(ReadString(*a, "commissions", "reconcile.accounts", c.commissions_account));
    HUB_TRY_STATUS(ReadString(*a, "chargebacks", "reconcile.accounts", c.chargeback_account));
    HUB_TRY_STATUS(ReadString(*a, "write_off", "reconcile.accounts", c.write_off_account));
  }
  if (const toml::table* g = t["clearing"].as_table(); g != nullptr) {
    for (const auto& [k, v] : *g) {
      const auto s = v.value<std::string>();
      if (!s || s->empty()) {
        return Fail(ErrorCode::kInvalidArgument, "reconcile.clearing values must be account codes",
                    fmt::format("reconcile.clearing.{}", k.str()));
      }
      c.clearing_by_gateway.emplace(std::string(k.str()), *s);
    }
  }
  return c;
}

}  // namespace hub::reconcile
