// Test helpers for the orders suites: USD amounts, canonical record builders,
// the shipped config/posting.toml and journal lines as ("account", "amount")
// pairs. Test-only; not part of the module's surface.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/model.h"
#include "ledger/entry.h"
#include "orders/order_book.h"
#include "orders/posting.h"

namespace hub::orders::testing {

inline Currency Usd() { return *Currency::FromCode("USD"); }

// "12.30" in USD (or another currency); aborts the test on a bad literal.
inline Money M(std::string_view decimal, std::string_view currency = "USD") {
  auto m = Money::Parse(decimal, currency);
  EXPECT_TRUE(m.has_value()) << decimal;
  return m.value_or(Money());
}

inline std::filesystem::path PostingTomlPath() {
  return std::filesystem::path(__FILE__).parent_path() / ".." / ".." / "config" / "posting.toml";
}

inline std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline PostingConfig ShippedConfig() {
  auto c = PostingConfig::Load(PostingTomlPath());
  EXPECT_TRUE(c.has_value()) << (c ? "" : c.error().ToString());
  return c.value_or(PostingConfig{});
}

using JournalLines = std::vector<std::pair<std::string, std::string>>;

// The entry's postings as (account, signed amount): debit positive.
inline JournalLines Lines(const ledger::EntryDraft& e) {
  JournalLines out;
  for (const ledger::Posting& p : e.postings) {
    out.emplace_back(p.account, p.amount.ToDecimal());
  }
  return out;
}

inline Lineage L(std::string system, std::string id, std::string version = {}) {
  Lineage l;
  l.source_system = std::move(system);
  l.source_account = "demo";
  l.source_id = id;
  l.source_version = std::move(version);
  l.correlation_id = "corr-" + id;
  l.message_id = "msg-" + id;
  return l;
}

inline OrderLine Line(std::string id, std::string sku, std::int64_t quantity,
                      std::string_view unit_price, std::string_view tax = {}) {
  OrderLine l;
  l.line_id = std::move(id);
  l.sku = std::move(sku);
  l.title = l.sku;
  l.quantity = quantity;
  l.unit_price = M(unit_price);
  if (!tax.empty()) {
    l.taxes.push_back(TaxLine{"US Sales Tax", 100000, M(tax)});
  }
  return l;
}

inline Order MakeOrder(std::string id, std::vector<OrderLine> lines, std::string_view total) {
  Order o;
  o.order_id = id;
  o.order_number = "#" + id;
  o.channel = Channel::kWeb;
  o.currency = Usd();
  o.lines = std::move(lines);
  o.total = M(total);
  o.placed_at = Instant::FromSeconds(1'790'000'000);
  o.updated_at = o.placed_at;
  o.lineage = L("shopify", id, "1");
  return o;
}

inline Tender Capture(std::string id, TenderKind kind, std::string gateway,
                      std::string_view amount) {
  Tender t;
  t.tender_id = std::move(id);
  t.kind = kind;
  t.gateway = std::move(gateway);
  t.amount = M(amount);
  t.status = "captured";
  t.occurred_at = Instant::FromSeconds(1'790'000'100);
  return t;
}

inline Fulfillment Fulfil(std::string id, std::string order_id, std::vector<FulfillmentLine> lines,
                          std::string location = "WH-01") {
  Fulfillment f;
  f.fulfillment_id = std::move(id);
  f.order_id = std::move(order_id);
  f.location_id = std::move(location);
  f.lines = std::move(lines);
  f.status = "success";
  f.occurred_at = Instant::FromSeconds(1'790'086'400);
  f.lineage = L("shopify", f.fulfillment_id);
  return f;
}

inline Return MakeReturn(std::string id, std::string order_id, std::vector<ReturnLine> lines,
                         std::string location = "SF-01") {
  Return r;
  r.return_id = std::move(id);
  r.order_id = std::move(order_id);
  r.with_receipt = !r.order_id.empty();
  r.location_id = std::move(location);
  r.lines = std::move(lines);
  r.occurred_at = Instant::FromSeconds(1'790'500'000);
  r.lineage = L("shopify", r.return_id);
  return r;
}

// Asserts every entry balances and adds its postings to a trial balance.
inline void Accumulate(const std::vector<ledger::EntryDraft>& entries,
                       std::map<std::string, std::int64_t>& balance) {
  for (const ledger::EntryDraft& e : entries) {
    EXPECT_TRUE(CheckBalanced(e).has_value()) << e.idempotency_key;
    for (const ledger::Posting& p : e.postings) {
      balance[p.account] += p.amount.minor_units();
    }
  }
}

}  // namespace hub::orders::testing
