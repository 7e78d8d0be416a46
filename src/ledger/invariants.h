// Ledger invariant checks (DESIGN.md §3), recomputed from what is stored
// rather than trusted from memory: every entry balances per currency, the
// balances table equals the sum of postings, order clearing is zero for
// settled orders, gift card liability equals the outstanding cards. Each
// check returns the violations it found (empty = holds); an Error only when
// the check itself could not run. Thread-compatible (uses the caller's journal).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/money.h"
#include "core/result.h"
#include "ledger/chart.h"
#include "ledger/journal.h"
#include "store/store.h"

namespace hub::ledger {

struct Violation {
  std::string check;    // "entry_balanced", "balances_match_postings", …
  std::string subject;  // the entry, account or order at fault
  std::string message;
  friend bool operator==(const Violation&, const Violation&) = default;
};

// Every stored entry balances per currency, recomputed from its postings.
Result<std::vector<Violation>> CheckEntriesBalanced(store::Connection& conn);

// ledger_balances (account totals and sub-ledger rows) equals the sums of the
// stored postings, both ways: no missing, extra or differing row.
Result<std::vector<Violation>> CheckBalancesMatchPostings(store::Connection& conn,
                                                          const Chart& chart);

// The order clearing account nets to zero, per currency, for each order.
Result<std::vector<Violation>> CheckOrderClearingZero(Journal& journal,
                                                      std::span<const std::string> order_ids,
                                                      std::string_view account = "2300");

// The gift card liability (credit balance of `account`) equals `outstanding`.
Result<std::vector<Violation>> GiftCardLiabilityEquals(Journal& journal, Money outstanding,
                                                       std::string_view account = "2200");

// CheckEntriesBalanced + CheckBalancesMatchPostings on the journal's store.
Result<std::vector<Violation>> CheckJournal(Journal& journal);

}  // namespace hub::ledger
