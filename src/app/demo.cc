// `retailhub demo`: the retailer's story, played through the real path —
// signed webhooks in each source's own format over HTTP on loopback into a
// hub on a fresh data directory — then the golden customer, the order
// timeline, the journal and the trial balance. The directory is left in place
// for `retailhub ledger trial-balance --data DIR` and the other commands.
//
// The story (USD): a 50.00 gift card sold for cash at store SF-01 (Square
// POS); Ana Souza, known to the store's POS as "ANA SOUZA", orders on
// Shopify for pickup at SF-01: jacket JKT-01 120.00 and scarf SCF-02 30.00,
// 10% code (12.00 / 3.00), 10% tax (10.80 / 2.70), total 148.50, paid 50.00
// by gift card and 98.50 by card through Stripe; she picks both up; she
// returns the scarf with her receipt at SF-01's Square register (restocked,
// 29.70 back to her card through Stripe);
// Stripe pays out 98.50 − 3.16 fee − 29.70 refund = 65.64, and the bank
// statement, dropped as a CSV file in <data>/inbox/csv/, shows it arrive.
// Nobody runs `reconcile run`: the hub reconciles as the money moves.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "api/http_client.h"
#include "app/cli.h"
#include "app/commands.h"
#include "app/hub.h"
#include "app/views.h"
#include "bus/bus.h"
#include "connectors/connector.h"

namespace hub::app {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr char kShop[] = "demo-shop.myshopify.com";
constexpr char kShopifySecret[] = "demo-shopify-app-secret";
constexpr char kSquareMerchant[] = "demo-merchant";
constexpr char kSquareSecret[] = "demo-square-signature-key";
constexpr char kSquareUrl[] = "https://hub.example.com/v1/webhooks/square/demo-merchant";
constexpr char kStripeAccount[] = "demo-acct";
constexpr char kStripeSecret[] = "whsec_demo_stripe_endpoint_secret";
constexpr char kOrderSourceId[] = "5551001";

const char* kGiftCardSale = R"({
  "merchant_id": "demo-merchant",
  "type": "gift_card.activity.created",
  "event_id": "sq-ev-gc-activate-1",
  "created_at": "2026-11-02T16:00:00Z",
  "data": {"type": "gift_card_activity", "id": "gcact-demo-1", "object": {"gift_card_activity": {
    "id": "gcact-demo-1", "type": "ACTIVATE", "gift_card_id": "gftc:demo-ana",
    "location_id": "SF-01", "created_at": "2026-11-02T16:00:00Z", "status": "COMPLETED",
    "gift_card_balance_money": {"amount": 5000, "currency": "USD"},
    "activate_activity_details": {"amount_money": {"amount": 5000, "currency": "USD"},
      "reference_id": "till-2-sale-88"}}}}
})";

const char* kStockCount = R"({
  "merchant_id": "demo-merchant",
  "type": "inventory.count.updated",
  "event_id": "sq-ev-inv-sf01",
  "created_at": "2026-11-01T08:00:00Z",
  "data": {"type": "inventory_counts", "id": "counts", "object": {"inventory_counts": [
    {"catalog_object_id": "JKT-01", "catalog_object_type": "ITEM_VARIATION",
     "location_id": "SF-01", "quantity": "4", "state": "IN_STOCK",
     "calculated_at": "2026-11-01T08:00:00Z"},
    {"catalog_object_id": "SCF-02", "catalog_object_type": "ITEM_VARIATION",
     "location_id": "SF-01", "quantity": "6", "state": "IN_STOCK",
     "calculated_at": "2026-11-01T08:00:00Z"}]}}
})";

const char* kPosCustomer = R"({
  "merchant_id": "demo-merchant",
  "type": "customer.created",
  "event_id": "sq-ev-cus-ana",
  "created_at": "2026-11-02T16:05:00Z",
  "data": {"type": "customer", "id": "SQ-CUS-ANA", "object": {"customer": {
    "id": "SQ-CUS-ANA", "given_name": "ANA", "family_name": "SOUZA",
    "phone_number": "+14155550134", "version": 0,
    "created_at": "2026-11-02T16:05:00Z", "updated_at": "2026-11-02T16:05:00Z",
    "address": {"address_line_1": "500 Market St", "locality": "San Francisco",
      "administrative_district_level_1": "CA", "postal_code": "94105", "country": "US"}}}}
})";

const char* kOrder = R"({
  "id": 5551001, "name": "#1001", "email": "ana.souza@example.com",
  "currency": "USD", "presentment_currency": "USD",
  "created_at": "2026-11-05T10:00:00-08:00", "updated_at": "2026-11-05T10:00:00-08:00",
  "financial_status": "paid", "source_name": "web", "taxes_included": false,
  "location_id": "SF-01",
  "customer": {"id": 7770001, "email": "ana.souza@example.com", "first_name": "Ana",
    "last_name": "Souza", "phone": "(415) 555-0134", "accepts_marketing": false,
    "updated_at": "2026-11-05T10:00:00-08:00",
    "default_address": {"address1": "500 Market Street", "address2": "", "city": "San Francisco",
      "province_code": "CA", "zip": "94105", "country_code": "US"}},
  "discount_applications": [{"type": "discount_code", "code": "WELCOME10", "value": "10.0",
    "value_type": "percentage", "allocation_method": "across"}],
  "discount_codes": [{"code": "WELCOME10", "amount": "15.00", "type": "percentage"}],
  "line_items": [
    {"id": 9001, "sku": "JKT-01", "title": "Rain jacket", "quantity": 1, "price": "120.00",
     "gift_card": false,
     "discount_allocations": [{"amount": "12.00", "discount_application_index": 0}],
     "tax_lines": [{"title": "SF Sales Tax", "rate": "0.10", "price": "10.80"}]},
    {"id": 9002, "sku": "SCF-02", "title": "Wool scarf", "quantity": 1, "price": "30.00",
     "gift_card": false,
     "discount_allocations": [{"amount": "3.00", "discount_application_index": 0}],
     "tax_lines": [{"title": "SF Sales Tax", "rate": "0.10", "price": "2.70"}]}],
  "shipping_lines": [{"title": "Pickup in store: SF-01", "code": "pickup", "price": "0.00",
    "discount_allocations": [], "tax_lines": []}],
  "subtotal_price": "135.00", "total_discounts": "15.00", "total_tax": "13.50",
  "total_price": "148.50"
})";

const char* kGiftCardTxn = R"({
  "id": 6001, "order_id": 5551001, "kind": "sale", "status": "success",
  "gateway": "gift_card", "amount": "50.00", "currency": "USD",
  "processed_at": "2026-11-05T10:00:05-08:00",
  "receipt": {"gift_card_id": "gftc:demo-ana", "gift_card_last_characters": "dana"}
})";

const char* kCardTxn = R"({
  "id": 6002, "order_id": 5551001, "kind": "sale", "status": "success",
  "gateway": "stripe", "amount": "98.50", "currency": "USD", "authorization": "ch_demo_ana",
  "processed_at": "2026-11-05T10:00:07-08:00", "receipt": {}
})";

const char* kPickup = R"({
  "id": 7001, "order_id": 5551001, "status": "success", "location_id": "SF-01",
  "created_at": "2026-11-06T12:00:00-08:00", "updated_at": "2026-11-06T12:00:00-08:00",
  "line_items": [{"id": 9001, "sku": "JKT-01", "quantity": 1},
                 {"id": 9002, "sku": "SCF-02", "quantity": 1}]
})";

// Step 4 at the register: Square POS rings the return up as a new Square
// order carrying `returns`, as RetrieveOrder returns it. The scarf was bought
// on the web shop, not in Square, so the return names no Square
// source_order_id: the order's reference_id is the web order's canonical id
// and source_line_item_uid its line. Square cannot refund a card it never
// charged; the clerk refunds it through Stripe, and the refund, as the
// Refunds API returns it beside the order, is an external one naming Stripe's
// refund id, which the payout settles. The whole page is POSTed to the
// hub's Square endpoint signed like a notification.
const char* kSquareReturn = R"({
  "order": {
    "id": "sq-ord-return-scarf", "location_id": "SF-01",
    "reference_id": "shopify:demo-shop.myshopify.com:5551001",
    "customer_id": "SQ-CUS-ANA", "source": {"name": "Square Point of Sale"},
    "state": "COMPLETED", "version": 3,
    "created_at": "2026-11-12T23:00:00Z", "updated_at": "2026-11-12T23:00:02Z",
    "closed_at": "2026-11-12T23:00:02Z",
    "returns": [{"uid": "ret-scarf",
      "return_line_items": [{"uid": "ret-li-scarf", "source_line_item_uid": "9002",
        "name": "Wool scarf", "quantity": "1", "item_type": "ITEM",
        "catalog_object_id": "SCF-02", "note": "returned at SF-01 with receipt",
        "base_price_money": {"amount": 3000, "currency": "USD"},
        "variation_total_price_money": {"amount": 3000, "currency": "USD"},
        "gross_return_money": {"amount": 3000, "currency": "USD"},
        "total_discount_money": {"amount": 300, "currency": "USD"},
        "total_tax_money": {"amount": 270, "currency": "USD"},
        "total_money": {"amount": 2970, "currency": "USD"},
        "applied_discounts": [{"uid": "ret-ad-scarf", "discount_uid": "ret-disc-welcome10",
          "applied_money": {"amount": 300, "currency": "USD"}}],
        "applied_taxes": [{"uid": "ret-at-scarf", "tax_uid": "ret-tax-sf",
          "applied_money": {"amount": 270, "currency": "USD"}}]}],
      "return_discounts": [{"uid": "ret-disc-welcome10", "name": "WELCOME10",
        "type": "FIXED_PERCENTAGE", "percentage": "10",
        "applied_money": {"amount": 300, "currency": "USD"}, "scope": "LINE_ITEM"}],
      "return_taxes": [{"uid": "ret-tax-sf", "name": "SF Sales Tax", "type": "ADDITIVE",
        "percentage": "10", "applied_money": {"amount": 270, "currency": "USD"},
        "scope": "LINE_ITEM"}]}],
    "return_amounts": {"total_money": {"amount": 2970, "currency": "USD"},
      "tax_money": {"amount": 270, "currency": "USD"},
      "discount_money": {"amount": 300, "currency": "USD"},
      "tip_money": {"amount": 0, "currency": "USD"},
      "service_charge_money": {"amount": 0, "currency": "USD"}},
    "refunds": [{"id": "sq-rf-return-scarf", "location_id": "SF-01",
      "transaction_id": "5551001", "tender_id": "6002",
      "reason": "Returned at SF-01 with receipt",
      "amount_money": {"amount": 2970, "currency": "USD"}, "status": "APPROVED",
      "created_at": "2026-11-12T23:00:02Z"}],
    "total_money": {"amount": 0, "currency": "USD"},
    "total_tax_money": {"amount": 0, "currency": "USD"},
    "total_discount_money": {"amount": 0, "currency": "USD"}
  },
  "refunds": [{"id": "sq-rf-return-scarf", "status": "COMPLETED", "location_id": "SF-01",
    "unlinked": true, "destination_type": "EXTERNAL",
    "destination_details": {"external_details": {"type": "CARD", "source": "Stripe",
      "source_id": "re_demo_ana"}},
    "amount_money": {"amount": 2970, "currency": "USD"}, "order_id": "sq-ord-return-scarf",
    "reason": "Returned at SF-01 with receipt",
    "created_at": "2026-11-12T23:00:02Z", "updated_at": "2026-11-12T23:00:02Z"}]
})";

const char* kPayoutPaid = R"({
  "id": "evt_demo_payout_paid", "object": "event", "type": "payout.paid",
  "created": 1795104000, "account": "demo-acct",
  "data": {"object": {"id": "po_demo_1", "object": "payout", "amount": 6564,
    "currency": "usd", "status": "paid", "arrival_date": 1795104000}}
})";

const char* kPayoutLines = R"({
  "payout": {"id": "po_demo_1", "object": "payout", "amount": 6564, "currency": "usd",
    "status": "paid", "arrival_date": 1795104000},
  "balance_transactions": {"object": "list", "has_more": false, "data": [
    {"id": "txn_demo_charge", "object": "balance_transaction", "amount": 9850, "fee": 316,
     "net": 9534, "currency": "usd", "reporting_category": "charge", "type": "charge",
     "source": "ch_demo_ana", "created": 1793901607, "status": "available",
     "fee_details": [{"amount": 316, "currency": "usd", "type": "stripe_fee",
                      "description": "Stripe processing fees"}]},
    {"id": "txn_demo_refund", "object": "balance_transaction", "amount": -2970, "fee": 0,
     "net": -2970, "currency": "usd", "reporting_category": "refund", "type": "refund",
     "source": "re_demo_ana", "created": 1794524402, "status": "available", "fee_details": []},
    {"id": "txn_demo_payout", "object": "balance_transaction", "amount": -6564, "fee": 0,
     "net": -6564, "currency": "usd", "reporting_category": "payout", "type": "payout",
     "source": "po_demo_1", "created": 1795104000, "status": "available", "fee_details": []}]}
})";

// The operating account's statement as the bank exports it (the shipped
// bank_statement CSV profile): the payout arrives as a credit naming it.
const char* kBankStatement =
    "Date,Description,Reference,Debit,Credit\n"
    "2026-11-18,Card terminal rent,RENT-1126,45.00,\n"
    "2026-11-19,STRIPE TRANSFER,po_demo_1,,65.64\n";

struct Sender {
  std::uint16_t port;
  std::ostream& out;
  int failures = 0;

  void Post(const std::string& what, const std::string& path, const std::string& body,
            std::vector<std::pair<std::string, std::string>> headers) {
    headers.emplace_back("Content-Type", "application/json");
    auto r = api::HttpCall("127.0.0.1", port, "POST", path, body, headers, 10000);
    if (!r || (r->status != 200 && r->status != 202)) {
      ++failures;
      out << fmt::format("  ✗ {}: {}\n", what,
                         r ? fmt::format("HTTP {} {}", r->status, r->body) : r.error().ToString());
      return;
    }
    out << fmt::format("  ✓ {:<76} HTTP {}\n", what, r->status);
  }

  void Shopify(const std::string& what, const std::string& topic, const std::string& id,
               const std::string& body) {
    Post(what, fmt::format("/v1/webhooks/shopify/{}", kShop), body,
         {{"X-Shopify-Topic", topic},
          {"X-Shopify-Hmac-Sha256", Base64Encode(HmacSha256(kShopifySecret, body))},
          {"X-Shopify-Shop-Domain", kShop},
          {"X-Shopify-Event-Id", id},
          {"X-Shopify-Webhook-Id", id},
          {"X-Shopify-Triggered-At", "2026-11-05T18:00:00Z"}});
  }

  void Square(const std::string& what, const std::string& body) {
    Post(what, fmt::format("/v1/webhooks/square/{}", kSquareMerchant), body,
         {{"x-square-hmacsha256-signature",
           Base64Encode(HmacSha256(kSquareSecret, std::string(kSquareUrl) + body))}});
  }

  void Stripe(const std::string& what, const std::string& body) {
    const std::int64_t t = SystemClock::Get().Now().seconds();
    const std::string sig = HexEncode(HmacSha256(kStripeSecret, fmt::format("{}.{}", t, body)));
    Post(what, fmt::format("/v1/webhooks/stripe/{}", kStripeAccount), body,
         {{"Stripe-Signature", fmt::format("t={},v1={}", t, sig)}});
  }
};

Config DemoConfig(const std::string& dir) {
  Config c;
  c.server.listen = "127.0.0.1:0";
  c.store.data_dir = dir;
  c.sources["shopify"].accounts[kShop].secret = kShopifySecret;
  auto& sq = c.sources["square"].accounts[kSquareMerchant];
  sq.secret = kSquareSecret;
  sq.url = kSquareUrl;
  c.sources["stripe"].accounts[kStripeAccount].secret = kStripeSecret;
  CsvProfile bank;
  bank.record = CsvRecordType::kBankTransaction;
  bank.bank_account = "operating";
  bank.currency = "USD";
  bank.date_column = "Date";
  bank.columns = {{"amount_debit", {"Debit"}},
                  {"amount_credit", {"Credit"}},
                  {"reference", {"Reference"}},
                  {"description", {"Description"}}};
  c.sources["csv"].profiles.emplace("bank_statement", std::move(bank));
  c.store.drop_folder_poll_ms = 100;
  return c;
}

int RunDemo(CliContext& c, const std::string& data) {
  std::string dir = data;
  if (dir.empty()) {
    std::string tmpl = (fs::temp_directory_path() / "retailhub-demo-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      return ReportError(c, Error(ErrorCode::kIo, "cannot create a temporary directory"));
    }
    dir = tmpl;
  } else if (fs::exists(DatabasePath(dir))) {
    return ReportError(c, Error(ErrorCode::kAlreadyExists,
                                fmt::format("{} already holds RetailHub data; the demo needs a "
                                            "fresh directory",
                                            dir),
                                "--data"));
  }
  c.out << fmt::format("RetailHub demo: data in {}\n\n", dir);
  auto hub = Hub::Open(DemoConfig(dir), SystemClock::Get());
  if (!hub) {
    return ReportError(c, hub.error());
  }
  if (auto st = (*hub)->Start(); !st) {
    return ReportError(c, st.error());
  }
  Sender s{(*hub)->port(), c.out};
  c.out << fmt::format("Sending the story to http://127.0.0.1:{}/ as signed webhooks:\n", s.port);
  s.Square("0. Square POS: stock count at SF-01 (4 jackets, 6 scarves)", kStockCount);
  s.Square("1. Square POS: gift card 50.00 sold for cash at SF-01", kGiftCardSale);
  s.Square("   Square POS: customer profile \"ANA SOUZA\"", kPosCustomer);
  s.Shopify("2. Shopify: order #1001 for pickup at SF-01, 148.50", "orders/create",
            "demo-order-create", kOrder);
  s.Shopify("   Shopify: 50.00 paid with the gift card", "order_transactions/create",
            "demo-txn-gift-card", kGiftCardTxn);
  s.Shopify("   Shopify: 98.50 paid by card through Stripe", "order_transactions/create",
            "demo-txn-card", kCardTxn);
  s.Shopify("3. Shopify: both items picked up at SF-01", "fulfillments/create", "demo-pickup",
            kPickup);
  s.Square("4. Square POS at SF-01: scarf returned with receipt, 29.70 back to the card",
           kSquareReturn);
  s.Stripe("5. Stripe: payout po_demo_1 paid, 65.64", kPayoutPaid);
  // One connection for the demo's own writes and reads of the inbox.
  auto conn = (*hub)->store().Connect();
  if (!conn) {
    return ReportError(c, conn.error());
  }
  bus::Operations ops(**conn, SystemClock::Get());
  {
    // The payout's balance transactions are an API page, not a webhook: they
    // enter the same inbox as a file would (`retailhub ingest`).
    bus::RawMessage m;
    m.source = "stripe";
    m.account = kStripeAccount;
    m.topic = "payout.reconciliation";
    m.dedup_key = "sha256:" + Sha256Hex(kPayoutLines);
    m.received_at = SystemClock::Get().Now();
    m.body = kPayoutLines;
    auto r = ops.Append(std::move(m));
    c.out << fmt::format("  {} {:<76} {}\n", r ? "✓" : "✗",
                         "   Stripe: the payout's balance transactions (API page)",
                         r ? "stored" : r.error().ToString());
    s.failures += r ? 0 : 1;
  }
  {
    // 6. The bank statement goes where the bank's export job puts it: the
    // drop folder, which the hub sweeps on its own.
    const fs::path drop = fs::path(dir) / "inbox" / "csv";
    const fs::path file = drop / "bank_statement-2026-11.csv";
    std::error_code ec;
    fs::create_directories(drop, ec);
    std::ofstream(drop / ".bank_statement-2026-11.csv.part", std::ios::binary) << kBankStatement;
    fs::rename(drop / ".bank_statement-2026-11.csv.part", file, ec);
    bool swept = false;
    for (int i = 0; i < 200 && !swept; ++i) {
      swept = fs::exists(drop / "done" / file.filename());
      if (!swept) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    c.out << fmt::format("  {} {:<76} {}\n", swept ? "✓" : "✗",
                         "6. Bank: statement dropped in inbox/csv/ (65.64 credit)",
                         swept                                           ? "ingested"
                         : fs::exists(drop / "failed" / file.filename()) ? "failed, see failed/"
                                                                         : "not picked up");
    s.failures += swept ? 0 : 1;
  }
  // Wait until every message is translated (the API page and the statement
  // were appended from outside the bus) and every domain is idle.
  for (int i = 0; i < 300; ++i) {
    std::int64_t fresh = 1;
    if (auto q = (*conn)->Prepare("SELECT COUNT(*) FROM bus_messages WHERE state = 'new'");
        q && *(*q)->Step()) {
      fresh = (*q)->Int(0);
      (*q)->Reset();
    }
    if (fresh == 0 && (*hub)->bus().WaitIdle(100)) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  const std::string order_id = fmt::format("shopify:{}:{}", kShop, kOrderSourceId);
  c.out << "\nGolden customer:\n";
  {
    auto& idn = (*hub)->identity();
    std::lock_guard l(idn.mu);
    auto cid = idn.resolver->ClusterOf({"shopify", "7770001"});
    auto pos = idn.resolver->ClusterOf({"square", "SQ-CUS-ANA"});
    if (cid) {
      auto g = CustomerJson(*idn.resolver, cid->ToString());
      if (g) {
        c.out << "  " << json::serialize(*g) << "\n";
      }
      c.out << fmt::format("  Shopify customer 7770001 and Square POS profile SQ-CUS-ANA are {}\n",
                           pos && *pos == *cid ? "one person: " + cid->ToString() : "NOT merged");
    } else {
      c.out << "  (not resolved: " << cid.error().ToString() << ")\n";
    }
  }
  {
    auto& fin = (*hub)->finance();
    std::lock_guard l(fin.mu);
    c.out << fmt::format("\nOrder {} timeline:\n", order_id);
    if (auto o = OrderJson(fin.book, order_id); o) {
      c.out << fmt::format("  status {}\n", std::string(o->at("status").as_string()));
      for (const auto& t : o->at("timeline").as_array()) {
        const auto& x = t.as_object();
        c.out << fmt::format(
            "  {:<22} {:<20} {:<8} correlation {}\n", std::string(x.at("at").as_string()),
            std::string(x.at("type").as_string()), std::string(x.at("source").as_string()),
            std::string(x.at("correlation_id").as_string()));
      }
    }
    c.out << "\nJournal:\n";
    for (std::int64_t id = 1;; ++id) {
      auto got = fin.journal->Get(id);
      if (!got) {
        break;
      }
      {
        const auto& e = *got;
        c.out << fmt::format("  #{} {} — {}\n", e.id, e.draft.idempotency_key, e.draft.description);
        for (const auto& p : e.draft.postings) {
          const bool debit = p.amount.minor_units() >= 0;
          const Money abs(debit ? p.amount.minor_units() : -p.amount.minor_units(),
                          p.amount.currency());
          c.out << fmt::format("      {:<6} {:>10} {:>10}  {}\n", p.account,
                               debit ? abs.ToDecimal() : "", debit ? "" : abs.ToDecimal(), p.memo);
        }
      }
    }
    c.out << "\nTrial balance (debit − credit):\n";
    const auto tb = TrialBalanceJson(*fin.journal, std::nullopt, SystemClock::Get().Now());
    for (const auto& a : tb.at("accounts").as_array()) {
      const auto& o = a.as_object();
      c.out << fmt::format("  {:<6} {:<28} {:>10}\n", std::string(o.at("account").as_string()),
                           std::string(o.at("name").as_string()),
                           std::string(o.at("balance").as_string()));
    }
  }
  {
    // Continuous reconciliation: the hub's reconciler re-ran when the payout,
    // its lines and the statement were applied; this only reads its result.
    auto run = (*hub)->reconciler().Latest();
    c.out << "\nReconciliation (continuous; no command was run):\n";
    if (!run) {
      c.out << "  (failed: " << run.error().ToString() << ")\n";
      ++s.failures;
    } else {
      const auto& r = **run;
      for (std::size_t i = 0; i < r.payouts.size(); ++i) {
        const auto& proof = r.output.proofs[i];
        const auto bank_row = i < r.output.bank_row_for_payout.size()
                                  ? r.output.bank_row_for_payout[i]
                                  : reconcile::kNoIndex;
        c.out << fmt::format(
            "  payout {} {} {}: {}; bank deposit {}\n", proof.payout_id, proof.gateway,
            proof.paid.ToDecimal(),
            proof.closes ? "closes to the cent" : "residual " + proof.residual.ToDecimal(),
            bank_row == reconcile::kNoIndex || bank_row >= r.bank.size()
                ? std::string("not found")
                : fmt::format("{} on {}", r.bank[bank_row].row_id,
                              FormatRfc3339(r.bank[bank_row].date).substr(0, 10)));
      }
      c.out << fmt::format("  {} exception(s), {} run(s) so far\n",
                           r.output.match.exceptions.size(), (*hub)->reconciler().runs());
      for (const auto& x : r.output.match.exceptions) {
        c.out << fmt::format("    {} {} {}\n", reconcile::ReasonName(x.reason), x.payout_id,
                             x.message);
      }
    }
  }
  if (auto open = ops.ListFailures({}); open && !open->empty()) {
    c.out << fmt::format("\n{} open DLQ/exception entr{} (retailhub exceptions list --data {}):\n",
                         open->size(), open->size() == 1 ? "y" : "ies", dir);
    for (const auto& f : *open) {
      c.out << fmt::format("  {} {} {} {}\n", f.id, f.kind, f.reason_code, f.message);
    }
  }
  (*hub)->Stop();
  c.out << fmt::format(
      "\nData left in {}. Try:\n  retailhub ledger trial-balance --data {}\n  retailhub ledger "
      "entries --data {} --order {}\n  retailhub orders show --data {} {}\n  retailhub "
      "inventory show --data {} SCF-02\n",
      dir, dir, dir, order_id, dir, order_id, dir);
  return s.failures == 0 ? 0 : 1;
}

}  // namespace

void RegisterDemoCommands(CLI::App& app, CliContext& ctx) {
  auto& data = ctx.Keep<std::string>();
  CLI::App* demo = app.add_subcommand(
      "demo", "Play the retailer's story through the real webhook path and print the books");
  demo->add_option("--data", data, "Fresh data directory (default: a new temporary one)");
  ctx.OnRun(demo, [&data](CliContext& c) { return RunDemo(c, data); });
}

}  // namespace hub::app
