// PostingConfig: the TOML loader and the lookups. toml++ throws parse_error;
// it is caught here and returned as kParse with the line.
#include <fmt/format.h>

#include <toml++/toml.h>
#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>
#include <utility>

#include "orders/posting.h"

namespace hub::orders {
namespace {

// Roles the engine posts to; each must be mapped in [accounts].
constexpr std::array<std::string_view, 15> kRequiredRoles = {"bank",
                                                             "marketplace_receivable",
                                                             "inventory",
                                                             "gift_card_liability",
                                                             "order_clearing",
                                                             "store_credit",
                                                             "revenue",
                                                             "shipping_revenue",
                                                             "returns",
                                                             "cogs",
                                                             "processing_fees",
                                                             "marketplace_commissions",
                                                             "chargeback_losses",
                                                             "inventory_writeoff",
                                                             "store_cash"};

constexpr std::array<std::string_view, 4> kRuleEvents = {"tender.captured", "tender.refunded",
                                                         "fulfillment", "gift_card.sold"};

constexpr std::int64_t kLookbackDaysMax = 3660;

std::int64_t LineOf(const toml::node& n) {
  return static_cast<std::int64_t>(n.source().begin.line);
}

Error KeyError(std::string_view source, std::string_view key, std::int64_t line,
               std::string_view why) {
  return Error(ErrorCode::kParse, fmt::format("{}: {} (line {}): {}", source, key, line, why),
               std::string(key));
}

struct Reader {
  std::string_view source;

  Result<std::string> String(const toml::node& n, std::string_view key) const {
    const auto* s = n.as_string();
    if (s == nullptr || s->get().empty()) {
      return Fail(KeyError(source, key, LineOf(n), "must be a non-empty string"));
    }
    return s->get();
  }

  Result<const toml::table*> Table(const toml::table& root, std::string_view key,
                                   bool required) const {
    const toml::node* n = root.get(key);
    if (n == nullptr) {
      if (required) {
        return Fail(KeyError(source, key, 1, "table is missing"));
      }
      return nullptr;
    }
    if (n->as_table() == nullptr) {
      return Fail(KeyError(source, key, LineOf(*n), "must be a table"));
    }
    return n->as_table();
  }

  // A table of string values: key -> string.
  Status StringMap(const toml::table& t, std::string_view prefix,
                   std::map<std::string, std::string, std::less<>>& out) const {
    for (const auto& [k, v] : t) {
      const std::string key = fmt::format("{}.{}", prefix, k.str());
      if (v.is_table()) {
        continue;  // nested tables are read by their own owner
      }
      HUB_TRY(std::string s, String(v, key));
      out.emplace(std::string(k.str()), std::move(s));
    }
    return Ok();
  }
};

Result<TenderKind> ParseTenderKind(std::string_view s) {
  for (const TenderKind k :
       {TenderKind::kCard, TenderKind::kGiftCard, TenderKind::kCash, TenderKind::kStoreCredit,
        TenderKind::kMarketplace, TenderKind::kOther}) {
    if (TenderKindName(k) == s) {
      return k;
    }
  }
  return Fail(ErrorCode::kInvalidArgument, fmt::format("unknown tender kind '{}'", s));
}

Result<Channel> ParseChannel(std::string_view s) {
  for (const Channel c : {Channel::kWeb, Channel::kPos, Channel::kMarketplace, Channel::kOther}) {
    if (ChannelName(c) == s) {
      return c;
    }
  }
  return Fail(ErrorCode::kInvalidArgument, fmt::format("unknown channel '{}'", s));
}

Status ReadLocationsAndCosts(const Reader& r, const toml::table& root, PostingConfig& c) {
  HUB_TRY(const toml::table* locations, r.Table(root, "locations", true));
  const toml::node* known = locations->get("known");
  if (known == nullptr || known->as_array() == nullptr) {
    return Fail(KeyError(r.source, "locations.known", LineOf(*locations),
                         "must be an array of location ids"));
  }
  for (const toml::node& n : *known->as_array()) {
    HUB_TRY(std::string id, r.String(n, "locations.known"));
    c.locations.insert(std::move(id));
  }
  HUB_TRY(const toml::table* costs, r.Table(root, "costs", true));
  const toml::node* currency_node = costs->get("currency");
  if (currency_node == nullptr) {
    return Fail(KeyError(r.source, "costs.currency", LineOf(*costs), "is missing"));
  }
  HUB_TRY(const std::string code, r.String(*currency_node, "costs.currency"));
  auto currency = Currency::FromCode(code);
  if (!currency) {
    return Fail(
        KeyError(r.source, "costs.currency", LineOf(*currency_node), currency.error().message));
  }
  HUB_TRY(const toml::table* units, r.Table(*costs, "unit", false));
  if (units != nullptr) {
    for (const auto& [sku, v] : *units) {
      const std::string key = fmt::format("costs.unit.{}", sku.str());
      HUB_TRY(const std::string text, r.String(v, key));
      auto cost = Money::Parse(text, *currency);
      if (!cost || cost->is_negative()) {
        return Fail(KeyError(r.source, key, LineOf(v),
                             cost ? "must not be negative" : cost.error().message));
      }
      c.unit_costs.emplace(std::string(sku.str()), *cost);
    }
  }
  return Ok();
}

Status ReadRefunds(const Reader& r, const toml::table& root, PostingConfig& c) {
  HUB_TRY(const toml::table* refunds, r.Table(root, "refunds", false));
  if (refunds == nullptr) {
    return Ok();
  }
  if (const toml::node* order = refunds->get("tender_order"); order != nullptr) {
    if (order->as_array() == nullptr) {
      return Fail(KeyError(r.source, "refunds.tender_order", LineOf(*order), "must be an array"));
    }
    c.refund_order.clear();
    for (const toml::node& n : *order->as_array()) {
      HUB_TRY(const std::string s, r.String(n, "refunds.tender_order"));
      auto kind = ParseTenderKind(s);
      if (!kind) {
        return Fail(KeyError(r.source, "refunds.tender_order", LineOf(n), kind.error().message));
      }
      c.refund_order.push_back(*kind);
    }
  }
  if (const toml::node* days = refunds->get("no_receipt_lookback_days"); days != nullptr) {
    const auto* v = days->as_integer();
    if (v == nullptr || v->get() <= 0 || v->get() > kLookbackDaysMax) {
      return Fail(KeyError(r.source, "refunds.no_receipt_lookback_days", LineOf(*days),
                           fmt::format("must be an integer in 1..{}", kLookbackDaysMax)));
    }
    c.no_receipt_lookback_days = v->get();
  }
  return Ok();
}

// An account reference: a role, "tender", or a literal code (digits).
Status CheckAccountRef(const Reader& r, const PostingConfig& c, std::string_view ref,
                       std::string_view key, std::int64_t line) {
  if (ref == "tender" || c.accounts.contains(ref)) {
    return Ok();
  }
  if (!ref.empty() && ref.find_first_not_of("0123456789") == std::string_view::npos) {
    return Ok();
  }
  return Fail(KeyError(r.source, key, line,
                       fmt::format("'{}' is neither an account role, \"tender\" nor a code", ref)));
}

Status ReadRules(const Reader& r, const toml::table& root, PostingConfig& c) {
  const toml::node* rules = root.get("rules");
  if (rules == nullptr || rules->as_array() == nullptr) {
    return Fail(KeyError(r.source, "rules", 1, "must be an array of [[rules]] tables"));
  }
  std::size_t i = 0;
  for (const toml::node& n : *rules->as_array()) {
    const std::string prefix = fmt::format("rules[{}]", i++);
    const toml::table* t = n.as_table();
    if (t == nullptr) {
      return Fail(KeyError(r.source, prefix, LineOf(n), "must be a table"));
    }
    PostingRule rule;
    rule.line = LineOf(*t);
    for (const auto& [k, v] : *t) {
      const std::string key = fmt::format("{}.{}", prefix, k.str());
      if (k.str() == "post") {
        if (!v.is_boolean()) {
          return Fail(KeyError(r.source, key, LineOf(v), "must be true or false"));
        }
        rule.post = v.as_boolean()->get();
        continue;
      }
      HUB_TRY(const std::string s, r.String(v, key));
      if (k.str() == "event") {
        if (std::find(kRuleEvents.begin(), kRuleEvents.end(), s) == kRuleEvents.end()) {
          return Fail(KeyError(r.source, key, LineOf(v), fmt::format("unknown event '{}'", s)));
        }
        rule.event = s;
      } else if (k.str() == "tender_kind") {
        auto kind = ParseTenderKind(s);
        if (!kind) {
          return Fail(KeyError(r.source, key, LineOf(v), kind.error().message));
        }
        rule.tender_kind = *kind;
      } else if (k.str() == "channel") {
        auto channel = ParseChannel(s);
        if (!channel) {
          return Fail(KeyError(r.source, key, LineOf(v), channel.error().message));
        }
        rule.channel = *channel;
      } else if (k.str() == "debit" || k.str() == "credit") {
        HUB_TRY_STATUS(CheckAccountRef(r, c, s, key, LineOf(v)));
        (k.str() == "debit" ? rule.debit : rule.credit) = s;
      } else {
        return Fail(KeyError(r.source, key, LineOf(v), "unknown key"));
      }
    }
    if (rule.event.empty()) {
      return Fail(KeyError(r.source, prefix + ".event", rule.line, "is missing"));
    }
    const bool needs_credit = rule.event != "fulfillment";
    if (rule.post && (rule.debit.empty() || (needs_credit && rule.credit.empty()))) {
      return Fail(KeyError(r.source, prefix, rule.line,
                           needs_credit ? "needs debit and credit (or post = false)"
                                        : "needs debit (or post = false)"));
    }
    c.rules.push_back(std::move(rule));
  }
  return Ok();
}

Result<PostingConfig> FromTable(const toml::table& root, std::string_view source) {
  const Reader r{source};
  PostingConfig c;
  HUB_TRY(const toml::table* accounts, r.Table(root, "accounts", true));
  HUB_TRY_STATUS(r.StringMap(*accounts, "accounts", c.accounts));
  for (const std::string_view role : kRequiredRoles) {
    if (!c.accounts.contains(role)) {
      return Fail(
          KeyError(source, fmt::format("accounts.{}", role), LineOf(*accounts), "is missing"));
    }
  }
  HUB_TRY(const toml::table* clearing, r.Table(root, "clearing", true));
  HUB_TRY_STATUS(r.StringMap(*clearing, "clearing", c.clearing));
  HUB_TRY(const toml::table* tax, r.Table(root, "tax", true));
  if (const toml::node* d = tax->get("default_account"); d != nullptr) {
    HUB_TRY(c.tax_default_account, r.String(*d, "tax.default_account"));
  }
  HUB_TRY(const toml::table* tax_accounts, r.Table(*tax, "accounts", false));
  if (tax_accounts != nullptr) {
    HUB_TRY_STATUS(r.StringMap(*tax_accounts, "tax.accounts", c.tax_accounts));
  }
  HUB_TRY_STATUS(ReadLocationsAndCosts(r, root, c));
  HUB_TRY_STATUS(ReadRefunds(r, root, c));
  HUB_TRY_STATUS(ReadRules(r, root, c));
  return c;
}

}  // namespace

Result<PostingConfig> PostingConfig::Parse(std::string_view toml_text,
                                           std::string_view source_name) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    return Fail(ErrorCode::kParse, fmt::format("{}: line {}: {}", source_name,
                                               e.source().begin.line, e.description()));
  }
  return FromTable(root, source_name);
}

Result<PostingConfig> PostingConfig::Load(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Fail(ErrorCode::kIo, fmt::format("cannot open {}", path.string()));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path.filename().string());
}

Result<std::string> PostingConfig::Account(std::string_view role) const {
  auto it = accounts.find(role);
  if (it == accounts.end()) {
    return Fail(ErrorCode::kUnmapped, fmt::format("no account for role '{}'", role), "accounts");
  }
  return it->second;
}

Result<std::string> PostingConfig::ClearingAccount(std::string_view gateway,
                                                   TenderKind kind) const {
  // Gift cards, cash, store credit and marketplaces clear by kind whatever
  // the processor; cards (and others) by gateway.
  if (kind != TenderKind::kCard && kind != TenderKind::kOther) {
    if (auto it = clearing.find(TenderKindName(kind)); it != clearing.end()) {
      return it->second;
    }
  }
  if (auto it = clearing.find(gateway); it != clearing.end() && !gateway.empty()) {
    return it->second;
  }
  const std::string_view name = gateway.empty() ? TenderKindName(kind) : gateway;
  return Fail(ErrorCode::kUnmapped, fmt::format("no clearing account for gateway '{}'", name),
              fmt::format("clearing.{}", name));
}

Result<std::string> PostingConfig::TaxAccount(std::string_view code) const {
  if (auto it = tax_accounts.find(code); it != tax_accounts.end()) {
    return it->second;
  }
  if (!tax_default_account.empty()) {
    return tax_default_account;
  }
  return Fail(ErrorCode::kUnmapped, fmt::format("no account for tax code '{}'", code),
              fmt::format("tax.accounts.{}", code));
}

Status PostingConfig::CheckLocation(std::string_view location_id) const {
  if (location_id.empty() || locations.contains(location_id)) {
    return Ok();
  }
  return Fail(ErrorCode::kUnmapped, fmt::format("unknown location '{}'", location_id),
              "locations.known");
}

Result<Money> PostingConfig::UnitCost(std::string_view sku, Currency currency) const {
  auto it = unit_costs.find(sku);
  if (it == unit_costs.end()) {
    return Fail(ErrorCode::kUnmapped, fmt::format("no unit cost for sku '{}'", sku),
                fmt::format("costs.unit.{}", sku));
  }
  if (!(it->second.currency() == currency)) {
    return Fail(ErrorCode::kCurrencyMismatch,
                fmt::format("unit cost of sku '{}' is in {}, the order in {}", sku,
                            it->second.currency().code(), currency.code()),
                fmt::format("costs.unit.{}", sku));
  }
  return it->second;
}

Result<const PostingRule*> PostingConfig::FindRule(std::string_view event,
                                                   std::optional<TenderKind> kind,
                                                   std::optional<Channel> channel) const {
  const PostingRule* best = nullptr;
  int best_score = -1;
  for (const PostingRule& r : rules) {
    if (r.event != event || (r.tender_kind.has_value() && r.tender_kind != kind) ||
        (r.channel.has_value() && r.channel != channel)) {
      continue;
    }
    const int score = (r.tender_kind.has_value() ? 1 : 0) + (r.channel.has_value() ? 1 : 0);
    if (score > best_score) {
      best = &r;
      best_score = score;
    }
  }
  if (best == nullptr) {
    return Fail(
        ErrorCode::kUnmapped,
        fmt::format("no posting rule for event '{}' (tender kind '{}', channel '{}')", event,
                    kind ? TenderKindName(*kind) : "any", channel ? ChannelName(*channel) : "any"),
        "rules");
  }
  return best;
}

}  // namespace hub::orders
