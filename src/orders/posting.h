// Posting rules and the posting engine: turns an order's state plus one
// canonical event into journal entry drafts per DESIGN.md §3. Every account,
// clearing mapping, tax account, location, unit cost and refund order is
// configuration (config/posting.toml). Not here: validating, storing or
// balancing the journal (ledger/), which receives the drafts. Invariant:
// every draft balances per currency (CheckBalanced). Anything unmapped is
// kUnmapped naming what is missing, so the bus makes it a replayable business
// exception. PostingConfig and PostingEngine are immutable after load:
// thread-safe for concurrent const use.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"
#include "core/result.h"
#include "ledger/entry.h"
#include "orders/order_book.h"

namespace hub::orders {

// One row of the rule table: (event, tender kind, channel) -> a two-sided
// template. The most specific matching row wins; on a tie, the first in the
// file. debit / credit name an account role from [accounts], "tender" (the
// tender's clearing account) or a literal account code.
//   event "tender.captured"  Dr debit / Cr credit, the captured amount
//   event "tender.refunded"  Dr debit / Cr credit, on cancellation or void
//   event "fulfillment"      debit = the receivable (2300, or 1150 for
//                            marketplaces); the credits come from the lines
//   event "gift_card.sold"   Dr debit / Cr credit, a standalone activation
struct PostingRule {
  std::string event;
  std::optional<TenderKind> tender_kind;  // nullopt = any
  std::optional<Channel> channel;         // nullopt = any
  bool post = true;                       // false: the event posts nothing
  std::string debit;
  std::string credit;
  std::int64_t line = 0;  // in the config file, for messages
};

struct PostingConfig {
  // Account roles the engine uses -> chart code ("revenue" -> "4000").
  std::map<std::string, std::string, std::less<>> accounts;
  // Gateway ("stripe") or tender kind ("gift_card", "cash") -> clearing account.
  std::map<std::string, std::string, std::less<>> clearing;
  // Account for a tax code not in tax_accounts; empty: every code must be mapped.
  std::string tax_default_account;
  std::map<std::string, std::string, std::less<>> tax_accounts;
  // Store, warehouse and channel location ids a posting may carry.
  std::set<std::string, std::less<>> locations;
  // Item cost source for COGS: SKU -> unit cost (a table until costing exists).
  std::map<std::string, Money, std::less<>> unit_costs;
  // Returns with receipt refund the original tenders in this kind order.
  std::vector<TenderKind> refund_order = {TenderKind::kCard,        TenderKind::kGiftCard,
                                          TenderKind::kStoreCredit, TenderKind::kCash,
                                          TenderKind::kMarketplace, TenderKind::kOther};
  // Returns without receipt: store credit at the lowest price in this window.
  std::int64_t no_receipt_lookback_days = 90;
  std::vector<PostingRule> rules;

  // Parses TOML text; errors name the key and line ("clearing.stripe (line 12): …").
  static Result<PostingConfig> Parse(std::string_view toml_text,
                                     std::string_view source_name = "posting.toml");
  static Result<PostingConfig> Load(const std::filesystem::path& path);

  // Lookups: kUnmapped naming exactly what is missing.
  Result<std::string> Account(std::string_view role) const;
  Result<std::string> ClearingAccount(std::string_view gateway, TenderKind kind) const;
  Result<std::string> TaxAccount(std::string_view code) const;
  Status CheckLocation(std::string_view location_id) const;  // empty is allowed
  Result<Money> UnitCost(std::string_view sku, Currency currency) const;
  // The rule for an event; kUnmapped when none matches.
  Result<const PostingRule*> FindRule(std::string_view event, std::optional<TenderKind> kind,
                                      std::optional<Channel> channel) const;
};

// What one event posts.
struct Posted {
  std::vector<ledger::EntryDraft> entries;
  // Money returned to each tender of the order, aligned with OrderRecord::tenders
  // (empty when nothing is refunded). The caller records it in the book.
  std::vector<Money> refunds_by_tender;
  // Reasons a person should look at the entry ("no_receipt_lowest_price").
  std::vector<std::string> flags;
};

std::string_view TenderKindName(TenderKind k);
std::string_view ChannelName(Channel c);

// Every currency's postings sum to zero; kUnbalanced names the remainder.
Status CheckBalanced(const ledger::EntryDraft& entry);

// Pure: reads the state before the event, never changes it.
class PostingEngine {
 public:
  explicit PostingEngine(PostingConfig config) : config_(std::move(config)) {}
  const PostingConfig& config() const { return config_; }

  // Placing or updating an order posts nothing (inventory is reserved instead).
  Result<Posted> PostOrder(const hub::Order& order) const;
  // Captured: the capture rule. Voided after capture: the refund rule.
  Result<Posted> PostTender(const OrderRecord& before, const hub::Tender& tender,
                            const Lineage& lineage) const;
  Result<Posted> PostFulfillment(const OrderRecord& before, const hub::Fulfillment& f) const;
  // With receipt: `before` is the order. Without receipt (before == nullptr):
  // store credit at the book's lowest recent price, flagged.
  Result<Posted> PostReturn(const OrderRecord* before, const hub::Return& r,
                            const OrderBook& book) const;
  // A refund paying for a return already posted posts nothing; refund line
  // items without a return are posted as a return; a refund without lines
  // posts Dr 2300 (before fulfilment) or Dr 4100 (after) / Cr the tenders.
  Result<Posted> PostRefund(const OrderRecord& before, const hub::Refund& r) const;
  Result<Posted> PostCancellation(const OrderRecord& before, const Cancellation& c) const;
  // Opened or lost: Dr 6120, Dr 6100 fee / Cr clearing. Won: the reversal.
  Result<Posted> PostDispute(const hub::Dispute& d, const OrderRecord* order) const;
  // A standalone gift card sale (activate / load without an order).
  Result<Posted> PostGiftCard(const hub::GiftCard& g) const;
  // Dr 1000 net, Dr 6100 fees, Dr 6110 commissions / Cr the gateway's
  // clearing account (charges - refunds - disputes ...). kAmountMismatch when
  // the lines do not add up to the payout amount.
  Result<Posted> PostPayout(const hub::Payout& p) const;

 private:
  PostingConfig config_;
};

// The bus handler's one call per event: de-duplicates and orders via the
// book, posts from the state before the event, then applies the event. When
// posting fails (e.g. kUnmapped) the book is put back as it was, so the
// event can be replayed once the mapping exists.
struct Processed {
  Applied outcome = Applied::kApplied;
  Posted posted;  // empty unless outcome == kApplied
};

class OrderProcessor {
 public:
  OrderProcessor(OrderBook& book, const PostingEngine& engine) : book_(book), engine_(engine) {}
  Result<Processed> Handle(const hub::Order& order);
  Result<Processed> Handle(std::string_view order_id, const hub::Tender& tender,
                           const Lineage& lineage);
  Result<Processed> Handle(const hub::Fulfillment& f);
  Result<Processed> Handle(const hub::Return& r);
  Result<Processed> Handle(const hub::Refund& r);
  Result<Processed> Handle(const Cancellation& c);
  Result<Processed> Handle(const hub::Dispute& d);

 private:
  OrderBook& book_;
  const PostingEngine& engine_;
};

}  // namespace hub::orders
