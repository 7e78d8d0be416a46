// Invariant checks: full scans of the stored journal. Meant for tests, the
// nightly audit and after a restore, not for the hot path.
#include "ledger/invariants.h"

#include <fmt/format.h>

#include <map>
#include <tuple>

#include "ledger/codec_internal.h"

namespace hub::ledger {
namespace {

using BalanceKey = std::tuple<std::string, std::string, std::string>;  // account, currency, dim

std::string_view DimOf(const Dimensions& d, Subledger s) {
  switch (s) {
    case Subledger::kNone:
      return {};
    case Subledger::kOrder:
      return d.order_id;
    case Subledger::kGateway:
      return d.gateway;
    case Subledger::kChannel:
      return d.channel;
    case Subledger::kLocation:
      return d.location;
    case Subledger::kPayout:
      return d.payout;
  }
  return {};
}

// Calls fn(entry) for every stored entry in id order.
template <typename Fn>
Status ForEachEntry(store::Connection& conn, Fn&& fn) {
  StoredEntry e;
  return internal::ScanEntries(conn, [&](std::int64_t id, EntryDraft& d) -> Status {
    e.id = id;
    e.draft = std::move(d);
    fn(e);
    return Ok();
  });
}

std::string Describe(const BalanceKey& k) {
  const auto& [account, currency, dim] = k;
  return dim.empty() ? fmt::format("{} {}", account, currency)
                     : fmt::format("{} {} {}", account, currency, dim);
}

}  // namespace

Result<std::vector<Violation>> CheckEntriesBalanced(store::Connection& conn) {
  std::vector<Violation> out;
  HUB_TRY_STATUS(ForEachEntry(conn, [&](const StoredEntry& e) {
    std::map<std::string, std::int64_t, std::less<>> net;  // currency -> debits - credits
    for (const Posting& p : e.draft.postings) {
      net[std::string(p.amount.currency().code())] += p.amount.minor_units();
    }
    for (const auto& [currency, off] : net) {
      if (off != 0) {
        out.push_back({"entry_balanced", fmt::format("entry {}", e.id),
                       fmt::format("entry {} ({}) is off by {} minor units of {}", e.id,
                                   e.draft.idempotency_key, off, currency)});
      }
    }
  }));
  return out;
}

Result<std::vector<Violation>> CheckBalancesMatchPostings(store::Connection& conn,
                                                          const Chart& chart) {
  std::map<BalanceKey, Sums> expected;
  HUB_TRY_STATUS(ForEachEntry(conn, [&](const StoredEntry& e) {
    for (const Posting& p : e.draft.postings) {
      const std::int64_t m = p.amount.minor_units();
      const std::string currency(p.amount.currency().code());
      auto add = [&](Sums& s) { (m > 0 ? s.debit : s.credit) += m > 0 ? m : -m; };
      add(expected[{p.account, currency, ""}]);
      const auto index = chart.IndexOf(p.account);
      if (!index) {
        continue;  // reported as a missing account row below via the totals
      }
      const Subledger sub = chart.at(*index).subledger;
      const std::string_view v = DimOf(p.dims, sub);
      if (!v.empty()) {
        add(expected[{p.account, currency, fmt::format("{}={}", SubledgerName(sub), v)}]);
      }
    }
  }));
  std::map<BalanceKey, Sums> stored;
  HUB_TRY(store::Statement * q,
          conn.Prepare("SELECT account, currency, dimension, debit, credit FROM ledger_balances"));
  HUB_TRY_STATUS(store::ForEachRow(*q, [&](const store::Statement& row) {
    stored[{row.Text(0), row.Text(1), row.Text(2)}] = Sums{row.Int(3), row.Int(4)};
  }));
  std::vector<Violation> out;
  for (const auto& [k, s] : expected) {
    auto it = stored.find(k);
    const Sums got = it == stored.end() ? Sums{} : it->second;
    if (got != s) {
      out.push_back({"balances_match_postings", Describe(k),
                     fmt::format("balance {}: stored debit {} credit {}, postings sum to debit {} "
                                 "credit {}",
                                 Describe(k), got.debit, got.credit, s.debit, s.credit)});
    }
  }
  for (const auto& [k, s] : stored) {
    if (!expected.contains(k) && s != Sums{}) {
      out.push_back({"balances_match_postings", Describe(k),
                     fmt::format("balance {} is stored (debit {} credit {}) but has no postings",
                                 Describe(k), s.debit, s.credit)});
    }
  }
  return out;
}

Result<std::vector<Violation>> CheckOrderClearingZero(Journal& journal,
                                                      std::span<const std::string> order_ids,
                                                      std::string_view account) {
  std::vector<Violation> out;
  for (const std::string& order : order_ids) {
    HUB_TRY(const std::vector<StoredEntry> entries, journal.Entries(EntryFilter{order, {}, {}}));
    std::map<std::string, std::int64_t, std::less<>> net;
    for (const StoredEntry& e : entries) {
      for (const Posting& p : e.draft.postings) {
        if (p.account == account && p.dims.order_id == order) {
          net[std::string(p.amount.currency().code())] += p.amount.minor_units();
        }
      }
    }
    for (const auto& [currency, minor] : net) {
      if (minor != 0) {
        auto c = Currency::FromCode(currency);
        out.push_back(
            {"order_clearing_zero", fmt::format("order {}", order),
             fmt::format("order {} leaves {} on account {} at {} {}", order,
                         minor > 0 ? "a debit" : "a credit", account,
                         c ? Money(minor, *c).ToDecimal() : std::to_string(minor), currency)});
      }
    }
  }
  return out;
}

Result<std::vector<Violation>> GiftCardLiabilityEquals(Journal& journal, Money outstanding,
                                                       std::string_view account) {
  HUB_TRY(const Sums s, journal.Balance(account, outstanding.currency()));
  const Money liability(s.credit - s.debit, outstanding.currency());
  std::vector<Violation> out;
  if (liability != outstanding) {
    out.push_back({"gift_card_liability", fmt::format("account {}", account),
                   fmt::format("gift card liability on {} is {}, outstanding cards total {}",
                               account, liability.ToString(), outstanding.ToString())});
  }
  return out;
}

Result<std::vector<Violation>> CheckJournal(Journal& journal) {
  HUB_TRY(std::vector<Violation> out, CheckEntriesBalanced(journal.connection()));
  HUB_TRY(std::vector<Violation> more,
          CheckBalancesMatchPostings(journal.connection(), journal.chart()));
  out.insert(out.end(), more.begin(), more.end());
  return out;
}

}  // namespace hub::ledger
