// Journal entry types shared by the posting rules (which draft entries) and
// the journal (which validates, stores and balances them). An entry is a set
// of postings that must balance per currency. Amounts are signed: debit > 0,
// credit < 0. Value types; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/money.h"
#include "core/time.h"

namespace hub::ledger {

// Analysis dimensions carried by each posting (empty = not applicable).
struct Dimensions {
  std::string order_id;
  std::string channel;
  std::string location;
  std::string gateway;
  std::string customer;
  std::string payout;
  friend bool operator==(const Dimensions&, const Dimensions&) = default;
};

struct Posting {
  std::string account;  // chart-of-accounts code, e.g. "2300"
  Money amount;         // debit positive, credit negative
  Dimensions dims;
  std::string memo;  // e.g. "revenue JKT-01"
  friend bool operator==(const Posting&, const Posting&) = default;
};

// What a posting rule produces and the journal accepts.
struct EntryDraft {
  std::string idempotency_key;  // the business event id: same key + same content = same entry
  std::string event_type;       // "fulfillment.created", "payout.paid", …
  Instant effective_at;         // accounting date: decides the period
  std::string description;
  std::vector<Posting> postings;
  // Lineage: where the entry came from.
  std::string source_system;
  std::string source_id;
  std::string message_id;
  std::string correlation_id;
  std::string reverses_entry_id;  // set on reversals
  friend bool operator==(const EntryDraft&, const EntryDraft&) = default;
};

}  // namespace hub::ledger
