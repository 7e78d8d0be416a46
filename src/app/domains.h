// The domain handlers the hub runs on the bus, and the state they share with
// the read side (API, CLI, demo):
//   ledger    — order lifecycle + posting rules + the journal (one writer:
//               every financial event, so the journal has one connection);
//   inventory — availability per SKU × location;
//   identity  — the resolver: one golden customer per person.
// Each domain rebuilds its in-memory state at start by replaying the events
// it already applied (bus_work rows in log order), so the state is always
// the fold of the applied log; the journal is durable on its own.
// Thread-safety: each *Domain struct's mutex guards all of its members.
#pragma once

#include <array>
#include <memory>
#include <mutex>
#include <optional>

#include "bus/bus.h"
#include "identity/resolver.h"
#include "inventory/availability.h"
#include "ledger/journal.h"
#include "orders/order_book.h"
#include "orders/posting.h"

namespace hub::app {

struct FinanceDomain {
  std::mutex mu;  // guards everything here and journal->connection()
  std::unique_ptr<ledger::Journal> journal;
  std::unique_ptr<orders::PostingEngine> engine;
  orders::OrderBook book;
  std::int64_t stale_ignored = 0;
};

struct InventoryDomain {
  std::mutex mu;
  inventory::Availability availability;
};

struct IdentityDomain {
  std::mutex mu;
  std::unique_ptr<identity::Resolver> resolver;
  // Record and golden-customer counts for the gauges, cached against a
  // fingerprint of the state (see gauges.cc); guarded by `mu`.
  struct Counts {
    std::array<std::size_t, 4> fingerprint{};
    std::int64_t source_records = 0;
    std::int64_t golden_customers = 0;
  };
  std::optional<Counts> gauge_counts;
  // Source customer key ("shopify:123") → canonical id, for orders.
};

std::unique_ptr<bus::Handler> MakeLedgerHandler(FinanceDomain& d);
std::unique_ptr<bus::Handler> MakeInventoryHandler(InventoryDomain& d);
std::unique_ptr<bus::Handler> MakeIdentityHandler(IdentityDomain& d);

// Replays the events `domain` already applied, in log order, into `handler`
// without side effects on the store (the rebuild at start).
// `before_message`, when set, is called with each event's message seq before
// the event is applied.
Status RebuildDomain(store::Connection& conn, std::string_view domain,
                     const std::function<Status(const Event&)>& apply,
                     const std::function<void(std::int64_t)>& before_message = {});

// Folds one event into the finance state; with `journal_post`, the drafts are
// posted through the journal (inside the caller's transaction).
Status ApplyFinanceEvent(FinanceDomain& d, const Event& e, const bus::RawMessage* msg,
                         bool journal_post);
Status ApplyInventoryEvent(InventoryDomain& d, const Event& e, store::Connection* tx);
Status ApplyIdentityEvent(IdentityDomain& d, const Event& e, store::Connection* tx);

// Steward actions (merge, unmerge, erase) are recorded, with the last message
// the identity domain had applied, so a restart can replay them in place.
// `a`/`b` are record keys ("shopify:123") or, for erase, the customer id.
// The caller holds the identity domain's mutex.
Status RecordStewardAction(store::Store& store, std::string_view action, std::string_view a,
                           std::string_view b, std::string_view actor, const Clock& clock);
// The identity rebuild: the applied customer events, with each recorded
// steward action replayed at its place among them (after the messages the
// domain had applied when it was taken), so a restart reproduces the
// clusters and ids the hub had — an erased person's later namesake is not
// swept into the erasure, an unmerged record's later matches go where they
// went.
Status RebuildIdentity(IdentityDomain& d, store::Connection& conn);

std::span<const store::Migration> DomainMigrations();

// A canonical customer as an identity source record.
identity::SourceRecord ToSourceRecord(const Customer& c);

}  // namespace hub::app
