// Reconciliation configuration: the matching rules of passes 2 and 3, the
// windows that decide when something is late, and the accounts a reconciled
// payout posts to. Parsed from TOML ([reconcile], [[reconcile.rules]],
// [reconcile.accounts], [reconcile.clearing]). Plain values, immutable after
// load: thread-safe for concurrent const use.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace hub::reconcile {

// One tolerance rule. A line and an expected item match under the rule when
// the currency is the same, |amount difference| <= amount_tolerance_minor +
// |expected| * amount_tolerance_ppm / 1e6, and the dates are at most
// date_window_days apart. The first rule (file order) that fits wins and is
// recorded on the match.
struct MatchRule {
  std::string name;
  std::int64_t amount_tolerance_minor = 0;
  std::int64_t amount_tolerance_ppm = 0;
  std::int64_t date_window_days = 3;
  // Pass 2 (no usable reference): also require line.order_reference ==
  // expected.order_id. Without it, amount + date alone can pair strangers.
  bool require_order_reference = false;
  // Pass 2 normally only takes lines without a reference; true also tries
  // lines whose reference the hub does not know.
  bool include_unknown_references = false;

  // Tolerance in minor units around `amount_minor`, saturating.
  std::int64_t ToleranceFor(std::int64_t amount_minor) const;
};

struct ReconcileConfig {
  std::vector<MatchRule> rules;  // empty: exact matching only
  // An expected item with no settlement line older than this becomes
  // tender_not_settled.
  std::int64_t aging_days = 3;
  // A reference settled short (sum of lines below the expected amount) is a
  // partial settlement while the item is younger than this; after it, the
  // shortfall is amount_mismatch.
  std::int64_t partial_window_days = 7;
  // A match whose line is this many days after the expected item is "late".
  std::int64_t late_days = 7;
  // Payout -> bank deposit: the arrival date may be off by this many days, and
  // a paid payout without a deposit this long after arrival is missing_payout.
  std::int64_t bank_window_days = 3;
  // Pass 3: the most lines (or expected items) one group may hold.
  std::int64_t group_size_max = 16;
  // Pass 2: the most candidates scanned per line and rule (bounds the work
  // when many items share one amount).
  std::int64_t candidates_scanned_max = 64;

  // Accounts (DESIGN §3).
  std::string bank_account = "1000";
  std::string default_clearing_account = "1100";
  std::map<std::string, std::string, std::less<>> clearing_by_gateway;
  std::string fees_account = "6100";
  std::string commissions_account = "6110";
  std::string chargeback_account = "6120";
  // Where a finance write-off of a reconciliation difference goes. Not in the
  // default chart yet: set it to the company's "cash over/short" account.
  std::string write_off_account = "6100";
  // True: a payout's dispute lines post the chargeback (Dr 6120, Dr 6100 fee /
  // Cr clearing). Set false when the orders module posts disputes from
  // dispute events, or the loss is booked twice.
  bool post_chargebacks = true;

  const std::string& ClearingAccount(std::string_view gateway) const;

  // Defaults plus the rules "default" (±1 minor unit, 3 days) and
  // "same_order" (exact amount, 3 days, the line's order; also for lines whose
  // reference the hub does not know).
  static ReconcileConfig Defaults();
  // Parses the [reconcile] table of a TOML document; errors name the key.
  static Result<ReconcileConfig> Parse(std::string_view toml_text,
                                       std::string_view source_name = "reconcile.toml");
};

}  // namespace hub::reconcile
