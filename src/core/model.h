// The canonical model (DESIGN.md §2): what every connector translates into
// and every domain consumes. Plain value types; thread-compatible.
// Amounts are Money (exact minor units). Quantities are int64 units.
// Every record carries Lineage back to the source message that produced it.
// Not here: behaviour. Domains own their rules; these are the nouns.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/money.h"
#include "core/time.h"

namespace hub {

// Where a record came from. Frozen field names: they appear in stored events.
struct Lineage {
  std::string source_system;   // "shopify", "square", "stripe", "adyen", "amazon", "csv"
  std::string source_account;  // shop domain, merchant id, account id
  std::string source_id;       // the id as the source gives it
  std::string source_version;  // updated_at / version / received-at, as given
  std::string correlation_id;  // of the inbound message
  std::string message_id;      // the inbox message that produced it
  friend bool operator==(const Lineage&, const Lineage&) = default;
};

struct Address {
  std::string line1, line2, city, region, postcode, country;  // country: ISO 3166-1 alpha-2
  friend bool operator==(const Address&, const Address&) = default;
};

struct Customer {
  std::string id;  // canonical "cus_…" once resolved; empty when only a source record
  std::string first_name, last_name;
  std::vector<std::string> emails;
  std::vector<std::string> phones;  // as given by the source; identity normalizes
  std::vector<Address> addresses;
  std::string birth_date;  // as given
  std::string loyalty_id;
  bool accepts_marketing = false;
  Lineage lineage;
  friend bool operator==(const Customer&, const Customer&) = default;
};

enum class Channel : std::uint8_t { kWeb = 1, kPos = 2, kMarketplace = 3, kOther = 4 };
enum class FulfillmentMethod : std::uint8_t { kShip = 1, kPickup = 2, kInStore = 3 };

struct TaxLine {
  std::string code;           // tax code or title ("CA State Tax")
  std::int64_t rate_ppm = 0;  // rate in parts per million (10% = 100000)
  Money amount;
  friend bool operator==(const TaxLine&, const TaxLine&) = default;
};

struct DiscountAllocation {
  std::string code;  // discount code or title
  Money amount;      // positive: reduces the line
  friend bool operator==(const DiscountAllocation&, const DiscountAllocation&) = default;
};

struct OrderLine {
  std::string line_id;  // source line id
  std::string sku;
  std::string title;
  std::int64_t quantity = 0;
  Money unit_price;  // before discounts, tax-exclusive unless the order says taxes_included
  std::vector<DiscountAllocation> discounts;
  std::vector<TaxLine> taxes;
  bool gift_card = false;  // the line sells a gift card (no revenue: liability)
  friend bool operator==(const OrderLine&, const OrderLine&) = default;
};

struct ShippingLine {
  std::string title;
  Money price;
  std::vector<DiscountAllocation> discounts;
  std::vector<TaxLine> taxes;
  friend bool operator==(const ShippingLine&, const ShippingLine&) = default;
};

enum class TenderKind : std::uint8_t {
  kCard = 1,
  kGiftCard = 2,
  kCash = 3,
  kStoreCredit = 4,
  kMarketplace = 5,
  kOther = 6
};

struct Tender {
  std::string tender_id;  // source transaction id
  TenderKind kind = TenderKind::kCard;
  std::string gateway;  // "stripe", "shopify_payments", "square", "adyen", "gift_card", "cash"
  std::string gateway_reference;  // charge id / payment id / PSP reference
  std::string gift_card_id;       // for gift card tenders
  Money amount;
  std::optional<Money> presentment_amount;  // what the customer saw, if another currency
  std::string status;                       // "authorized", "captured", "voided", "failed"
  Instant occurred_at;
  friend bool operator==(const Tender&, const Tender&) = default;
};

struct Order {
  std::string order_id;      // canonical key: "<system>:<account>:<source id>" unless mapped
  std::string order_number;  // human-facing ("#1001")
  Channel channel = Channel::kWeb;
  std::string location_id;  // store for POS and pickup orders
  FulfillmentMethod fulfillment_method = FulfillmentMethod::kShip;
  std::string customer_source_id;
  std::optional<Customer> customer;
  Currency currency;  // shop / settlement currency: what we post in
  std::optional<Currency> presentment_currency;
  bool taxes_included = false;
  bool marketplace_collects_tax = false;
  std::vector<OrderLine> lines;
  std::vector<ShippingLine> shipping;
  std::vector<DiscountAllocation> order_discounts;  // not yet allocated to lines
  std::vector<Tender> tenders;
  Money subtotal, total_discounts, total_tax, total_shipping, total;
  std::string status;  // source's financial/fulfillment status, informational
  Instant placed_at;
  Instant updated_at;
  Lineage lineage;
  friend bool operator==(const Order&, const Order&) = default;
};

struct FulfillmentLine {
  std::string line_id;
  std::string sku;
  std::int64_t quantity = 0;
  friend bool operator==(const FulfillmentLine&, const FulfillmentLine&) = default;
};

struct Fulfillment {
  std::string fulfillment_id;
  std::string order_id;
  FulfillmentMethod kind = FulfillmentMethod::kShip;
  std::string location_id;
  std::vector<FulfillmentLine> lines;
  bool includes_shipping = true;  // first shipment carries the shipping revenue
  std::string status;             // "success", "cancelled"
  Instant occurred_at;
  Lineage lineage;
  friend bool operator==(const Fulfillment&, const Fulfillment&) = default;
};

struct ReturnLine {
  std::string line_id;
  std::string sku;
  std::int64_t quantity = 0;
  bool restock = true;
  std::string reason;
  friend bool operator==(const ReturnLine&, const ReturnLine&) = default;
};

struct Return {
  std::string return_id;
  std::string order_id;  // empty for a return without receipt
  std::string location_id;
  bool with_receipt = true;
  std::vector<ReturnLine> lines;
  Instant occurred_at;
  Lineage lineage;
  friend bool operator==(const Return&, const Return&) = default;
};

struct Refund {
  std::string refund_id;
  std::string order_id;
  std::string return_id;          // the return it pays for, if any
  std::vector<ReturnLine> lines;  // refund line items (Shopify), may be empty
  std::vector<Tender> tenders;    // to which tenders the money goes back
  Money amount;                   // total refunded
  Money shipping_refunded;
  Money tax_refunded;
  std::string reason;
  Instant occurred_at;
  Lineage lineage;
  friend bool operator==(const Refund&, const Refund&) = default;
};

enum class PayoutLineKind : std::uint8_t {
  kCharge = 1,
  kRefund = 2,
  kFee = 3,
  kAdjustment = 4,
  kDispute = 5,
  kCommission = 6,
  kTax = 7,
  kReserve = 8,
  kPayout = 9,
  kOther = 10
};

struct PayoutLine {
  std::string line_id;  // balance transaction id / row id
  PayoutLineKind kind = PayoutLineKind::kCharge;
  std::string source_reference;  // the charge / refund / dispute / order it settles
  std::string order_reference;
  Money gross;  // positive for money in, negative for money out
  Money fee;    // positive: what the gateway kept
  Money net;    // gross - fee
  std::string description;
  Instant occurred_at;
  friend bool operator==(const PayoutLine&, const PayoutLine&) = default;
};

struct Payout {
  std::string payout_id;
  std::string gateway;  // "stripe", "shopify_payments", "square", "adyen", "amazon"
  Money amount;         // net paid to the bank
  std::string status;   // "paid", "in_transit", "failed"
  Instant arrival_at;
  std::vector<PayoutLine> lines;
  Lineage lineage;
  friend bool operator==(const Payout&, const Payout&) = default;
};

// One line of a bank statement (csv `bank_transaction` profiles): what the
// bank says moved on one of our accounts. Payout-to-deposit reconciliation
// reads these; the bank's figure is the truth for cash.
struct BankTransaction {
  std::string transaction_id;  // the bank's id when the statement has one, else "<file>:<line>"
  std::string bank_account;    // account as the profile or the statement names it (IBAN, number)
  Money amount;                // positive = credit (deposit), negative = debit (withdrawal)
  std::string reference;       // as printed: often a payout id or a gateway trace id
  std::string description;     // the statement's narrative text, as given
  Instant booked_at;
  Lineage lineage;
  friend bool operator==(const BankTransaction&, const BankTransaction&) = default;
};

struct InventoryAdjustment {
  std::string sku;
  std::string location_id;
  std::int64_t delta = 0;               // for adjustments
  std::optional<std::int64_t> on_hand;  // for counts: the absolute figure
  std::string reason;                   // "count", "received", "damaged", "sale", "return"
  Instant occurred_at;
  Lineage lineage;
  friend bool operator==(const InventoryAdjustment&, const InventoryAdjustment&) = default;
};

enum class GiftCardActivityKind : std::uint8_t {
  kActivate = 1,
  kLoad = 2,
  kRedeem = 3,
  kRefund = 4,
  kAdjust = 5,
  kDeactivate = 6
};

struct GiftCard {
  std::string gift_card_id;
  GiftCardActivityKind activity = GiftCardActivityKind::kActivate;
  Money amount;  // of this activity, positive
  std::optional<Money> balance_after;
  std::string location_id;
  std::string order_id;                      // the order it was sold in or redeemed for
  TenderKind paid_with = TenderKind::kCash;  // for activate/load: how it was paid
  std::string gateway;
  Instant occurred_at;
  Lineage lineage;
  friend bool operator==(const GiftCard&, const GiftCard&) = default;
};

struct Dispute {
  std::string dispute_id;
  std::string gateway;
  std::string charge_reference;
  std::string order_id;
  Money amount;
  Money fee;
  std::string status;  // "needs_response", "won", "lost", "warning_closed"
  std::string reason;
  Instant occurred_at;
  Lineage lineage;
  friend bool operator==(const Dispute&, const Dispute&) = default;
};

}  // namespace hub
