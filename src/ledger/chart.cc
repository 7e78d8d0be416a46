// Chart of accounts: validation, the default chart and the TOML loader.
#include "ledger/chart.h"

#include <fmt/format.h>

#include <array>

namespace hub::ledger {
namespace {

constexpr std::array<std::string_view, 5> kTypeNames = {"asset", "liability", "equity", "revenue",
                                                        "expense"};
constexpr std::array<std::string_view, 6> kSubledgerNames = {"",        "order_id", "gateway",
                                                             "channel", "location", "payout"};

std::int64_t LineOf(const toml::node& n) {
  return static_cast<std::int64_t>(n.source().begin.line);
}

Error KeyError(std::size_t i, std::string_view key, std::int64_t line, std::string_view why) {
  const std::string field = fmt::format("ledger.accounts[{}].{}", i, key);
  return Error(ErrorCode::kParse, fmt::format("{} (line {}): {}", field, line, why), field);
}

// A required or optional string key of one [[ledger.accounts]] table.
Result<std::string> StringKey(const toml::table& t, std::size_t i, std::string_view key,
                              bool required) {
  const toml::node* n = t.get(key);
  if (n == nullptr) {
    if (required) {
      return Fail(KeyError(i, key, LineOf(t), "is missing"));
    }
    return std::string();
  }
  const auto* s = n->as_string();
  if (s == nullptr) {
    return Fail(KeyError(i, key, LineOf(*n), "must be a string"));
  }
  return s->get();
}

}  // namespace

std::string_view AccountTypeName(AccountType t) { return kTypeNames[static_cast<std::size_t>(t)]; }

std::string_view SubledgerName(Subledger s) { return kSubledgerNames[static_cast<std::size_t>(s)]; }

Result<Chart> Chart::Create(std::vector<Account> accounts) {
  Chart c;
  for (std::size_t i = 0; i < accounts.size(); ++i) {
    const Account& a = accounts[i];
    if (a.code.empty()) {
      return Fail(ErrorCode::kInvalidArgument, fmt::format("account #{} has an empty code", i),
                  "code");
    }
    if (!c.index_.emplace(a.code, static_cast<std::uint32_t>(i)).second) {
      return Fail(ErrorCode::kInvalidArgument, fmt::format("account {} is defined twice", a.code),
                  "code");
    }
  }
  for (const Account& a : accounts) {
    if (!a.parent_code.empty() && !c.index_.contains(a.parent_code)) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("account {} names unknown parent {}", a.code, a.parent_code),
                  "parent");
    }
  }
  c.accounts_ = std::move(accounts);
  return c;
}

Status Chart::Relabel(std::string_view code, std::string name, std::string erp_code) {
  const auto i = IndexOf(code);
  if (!i) {
    return Fail(ErrorCode::kNotFound, fmt::format("no account {} in the chart", code), "code");
  }
  if (name.empty()) {
    return Fail(ErrorCode::kInvalidArgument, fmt::format("account {} needs a name", code), "name");
  }
  accounts_[*i].name = std::move(name);
  accounts_[*i].erp_code = std::move(erp_code);
  return Ok();
}

std::optional<std::uint32_t> Chart::IndexOf(std::string_view code) const {
  auto it = index_.find(code);
  if (it == index_.end()) {
    return std::nullopt;
  }
  return it->second;
}

Chart DefaultChart() {
  using T = AccountType;
  std::vector<Account> a = {
      {"1000", "Bank", T::kAsset, "", "", Subledger::kNone},
      {"1010", "Store cash", T::kAsset, "", "", Subledger::kLocation},
      {"1100", "Gateway clearing", T::kAsset, "", "", Subledger::kGateway},
      {"1150", "Marketplace receivable", T::kAsset, "", "", Subledger::kChannel},
      {"1300", "Inventory", T::kAsset, "", "", Subledger::kNone},
      {"2100", "Sales tax payable", T::kLiability, "", "", Subledger::kNone},
      {"2200", "Gift card liability", T::kLiability, "", "", Subledger::kNone},
      {"2300", "Order clearing", T::kLiability, "", "", Subledger::kOrder},
      {"2400", "Store credit liability", T::kLiability, "", "", Subledger::kNone},
      {"4000", "Sales revenue", T::kRevenue, "", "", Subledger::kNone},
      {"4010", "Shipping revenue", T::kRevenue, "", "", Subledger::kNone},
      {"4100", "Sales returns", T::kRevenue, "", "", Subledger::kNone},
      {"5000", "Cost of goods sold", T::kExpense, "", "", Subledger::kNone},
      {"6100", "Payment processing fees", T::kExpense, "", "", Subledger::kNone},
      {"6110", "Marketplace commissions", T::kExpense, "", "", Subledger::kNone},
      {"6120", "Chargeback losses", T::kExpense, "", "", Subledger::kNone},
      {"6200", "Inventory write-off", T::kExpense, "", "", Subledger::kNone},
  };
  auto chart = Chart::Create(std::move(a));
  return std::move(*chart);  // the literal above is valid by construction
}

Result<Chart> LoadChart(const toml::table& config) {
  const toml::node* list_node = config.at_path("ledger.accounts").node();
  if (list_node == nullptr) {
    return Fail(ErrorCode::kParse, "ledger.accounts is missing", "ledger.accounts");
  }
  const toml::array* list = list_node->as_array();
  if (list == nullptr) {
    return Fail(
        ErrorCode::kParse,
        fmt::format("ledger.accounts (line {}): must be an array of tables", LineOf(*list_node)),
        "ledger.accounts");
  }
  std::vector<Account> accounts;
  accounts.reserve(list->size());
  std::unordered_map<std::string, std::int64_t> first_line;  // duplicate codes name both lines
  for (std::size_t i = 0; i < list->size(); ++i) {
    const toml::table* t = (*list)[i].as_table();
    if (t == nullptr) {
      return Fail(KeyError(i, "", LineOf((*list)[i]), "must be a table"));
    }
    Account a;
    HUB_TRY(a.code, StringKey(*t, i, "code", true));
    const std::int64_t code_line = LineOf(*t->get("code"));
    if (auto [it, fresh] = first_line.emplace(a.code, code_line); !fresh) {
      return Fail(KeyError(
          i, "code", code_line,
          fmt::format("account \"{}\" is already defined on line {}", a.code, it->second)));
    }
    HUB_TRY(a.name, StringKey(*t, i, "name", true));
    HUB_TRY(std::string type, StringKey(*t, i, "type", true));
    HUB_TRY(a.erp_code, StringKey(*t, i, "erp_code", false));
    HUB_TRY(a.parent_code, StringKey(*t, i, "parent", false));
    HUB_TRY(std::string sub, StringKey(*t, i, "subledger", false));
    bool type_ok = false;
    for (std::size_t k = 0; k < kTypeNames.size(); ++k) {
      if (type == kTypeNames[k]) {
        a.type = static_cast<AccountType>(k);
        type_ok = true;
      }
    }
    if (!type_ok) {
      return Fail(KeyError(i, "type", LineOf(*t->get("type")),
                           fmt::format("unknown account type \"{}\" (asset, liability, equity, "
                                       "revenue, expense)",
                                       type)));
    }
    bool sub_ok = false;
    for (std::size_t k = 0; k < kSubledgerNames.size(); ++k) {
      if (sub == kSubledgerNames[k]) {
        a.subledger = static_cast<Subledger>(k);
        sub_ok = true;
      }
    }
    if (!sub_ok) {
      return Fail(KeyError(i, "subledger", LineOf(*t->get("subledger")),
                           fmt::format("unknown sub-ledger dimension \"{}\"", sub)));
    }
    accounts.push_back(std::move(a));
  }
  auto chart = Chart::Create(std::move(accounts));
  if (!chart) {
    Error e = chart.error();
    e.code = ErrorCode::kParse;
    e.field = "ledger.accounts." + e.field;
    return Fail(std::move(e));
  }
  return chart;
}

}  // namespace hub::ledger
