// Chart of accounts: the accounts a journal may post to, their type, ERP code
// and optional sub-ledger dimension. Not here: balances (journal.h) and the
// posting rules. Invariant: codes are unique and parents exist. Immutable
// after construction; thread-safe to share.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <toml++/toml.h>

#include "core/result.h"

namespace hub::ledger {

enum class AccountType : std::uint8_t { kAsset, kLiability, kEquity, kRevenue, kExpense };

std::string_view AccountTypeName(AccountType t);  // "asset", "liability", …

// The posting dimension that keeps a per-value sub-ledger balance on an
// account (DESIGN.md §3: one line per order on 2300, per gateway on 1100).
enum class Subledger : std::uint8_t { kNone, kOrder, kGateway, kChannel, kLocation, kPayout };

std::string_view SubledgerName(Subledger s);  // "", "order_id", "gateway", …

struct Account {
  std::string code;  // "2300": what postings name
  std::string name;  // "Order clearing"
  AccountType type = AccountType::kAsset;
  std::string erp_code;     // the ERP's account number; may be empty
  std::string parent_code;  // empty for a top-level account
  Subledger subledger = Subledger::kNone;
};

class Chart {
 public:
  Chart() = default;
  // Validates unique non-empty codes and existing parents; the error names the code.
  static Result<Chart> Create(std::vector<Account> accounts);

  // Dense index 0..size()-1 in insertion order; nullopt for an unknown code.
  std::optional<std::uint32_t> IndexOf(std::string_view code) const;
  const Account& at(std::uint32_t index) const { return accounts_[index]; }
  std::span<const Account> accounts() const { return accounts_; }
  std::size_t size() const { return accounts_.size(); }
  // Changes what an account is called here and in the ERP; its code, type
  // and place in the tree stay (postings name the code). kNotFound naming it.
  Status Relabel(std::string_view code, std::string name, std::string erp_code);

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::vector<Account> accounts_;
  std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> index_;
};

// The default chart of DESIGN.md §3.
Chart DefaultChart();

// Reads `[[ledger.accounts]]` entries:
//   code = "1000"  name = "Bank"  type = "asset"  erp_code = "10100"
//   parent = "1000" (optional)  subledger = "order_id" (optional)
// Errors are kParse with field "ledger.accounts[i].key" and the line in the message.
Result<Chart> LoadChart(const toml::table& config);

}  // namespace hub::ledger
