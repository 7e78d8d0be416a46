// Settlement reconciliation inputs end to end (issue #7): raw payloads in the
// sources' own formats go through the real connectors (the registry a hub
// builds from the shipped config), the events the reconcile domain wants are
// applied to bus_work as the bus applies them, and RunReconciliation must
// close each payout to the cent, match every settlement line to what the hub
// saw, and raise exactly the exceptions the data calls for.
//   Adyen             standard notifications + settlement details CSV (adyen_settlement)
//   Amazon            orders page + financial events page with its group + the groups page
//   Shopify Payments  order transactions, refund, dispute + payout and its balance transactions
//   Bank statement    bank_statement CSV: a deposit found, a payout missing past the window
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "app/config.h"
#include "app/connectors.h"
#include "app/recon.h"
#include "app/reconciler.h"
#include "bus/bus.h"
#include "core/event.h"
#include "core/model_json.h"
#include "reconcile/engine.h"
#include "store/store.h"
#include "testing/testing.h"

namespace hub::app {
namespace {

namespace fs = std::filesystem;
using reconcile::ExpectedStatus;
using reconcile::LineStatus;
using reconcile::ReasonCode;

const fs::path kShippedConfig = fs::path(__FILE__).parent_path() / "../../config/retailhub.toml";

Money M(std::string_view amount, std::string_view currency) {
  return *Money::Parse(amount, currency);
}

// ---- Adyen ------------------------------------------------------------------

// One standard notification (JSON form, one item per request as Adyen sends
// them). The HMAC is not checked here: the hub verifies before it stores.
std::string AdyenNotification(std::string_view merchant_account, std::string_view event_code,
                              std::string_view psp, std::string_view original,
                              std::string_view merchant_reference, std::string_view currency,
                              std::int64_t value, std::string_view event_date) {
  return fmt::format(
      R"({{
  "live": "false",
  "notificationItems": [
    {{
      "NotificationRequestItem": {{
        "additionalData": {{
          "hmacSignature": "coqCmt/IZ4E3CzPvMY8zTjQVL5hYJUiBRg8UU+iCWo0=",
          "authCode": "014582",
          "cardSummary": "1111",
          "expiryDate": "03/2030"
        }},
        "amount": {{"currency": "{}", "value": {}}},
        "eventCode": "{}",
        "eventDate": "{}",
        "merchantAccountCode": "{}",
        "merchantReference": "{}",
        {}
        "paymentMethod": "visa",
        "pspReference": "{}",
        "reason": "",
        "success": "true"
      }}
    }}
  ]
}})",
      currency, value, event_code, event_date, merchant_account, merchant_reference,
      original.empty() ? std::string() : fmt::format(R"("originalReference": "{}",)", original),
      psp);
}

// Adyen's Settlement details report columns (the adyen_settlement profile's headers).
constexpr std::string_view kAdyenHeader =
    "Company Account,Merchant Account,Psp Reference,Merchant Reference,Payment Method,"
    "Creation Date,TimeZone,Type,Modification Reference,Gross Currency,Gross Debit (GC),"
    "Gross Credit (GC),Exchange Rate,Net Currency,Net Debit (NC),Net Credit (NC),"
    "Commission (NC),Markup (NC),Scheme Fees (NC),Interchange (NC),Payment Method Variant,"
    "Modification Merchant Reference,Batch Number\n";

// ---- Amazon -----------------------------------------------------------------

constexpr std::string_view kAmazonOrderId = "112-4035926-7716245";

// getOrders with each order's getOrderItems (Orders API v0). A US marketplace
// facilitator order: Amazon collects and remits the 5.60 tax; 2 mugs with a
// 5.00 promotion and shipping, 1 tea sampler.
constexpr std::string_view kAmazonOrdersPage = R"({
  "payload": {
    "Orders": [
      {
        "AmazonOrderId": "112-4035926-7716245",
        "SellerOrderId": "112-4035926-7716245",
        "PurchaseDate": "2026-03-01T18:20:11Z",
        "LastUpdateDate": "2026-03-02T16:05:40Z",
        "OrderStatus": "Shipped",
        "FulfillmentChannel": "AFN",
        "SalesChannel": "Amazon.com",
        "ShipServiceLevel": "Expedited",
        "OrderTotal": {"CurrencyCode": "USD", "Amount": "70.56"},
        "NumberOfItemsShipped": 3,
        "NumberOfItemsUnshipped": 0,
        "PaymentMethod": "Other",
        "PaymentMethodDetails": ["Standard"],
        "MarketplaceId": "ATVPDKIKX0DER",
        "ShipmentServiceLevelCategory": "Expedited",
        "OrderType": "StandardOrder",
        "EarliestShipDate": "2026-03-02T08:00:00Z",
        "LatestShipDate": "2026-03-03T07:59:59Z",
        "IsBusinessOrder": false,
        "IsPrime": true,
        "IsPremiumOrder": false,
        "IsGlobalExpressEnabled": false,
        "IsReplacementOrder": false,
        "IsSoldByAB": false,
        "IsISPU": false,
        "IsAccessPointOrder": false,
        "BuyerInfo": {"BuyerEmail": "7kq2n0yw5d3c1vz@marketplace.amazon.com"},
        "OrderItems": [
          {
            "ASIN": "B0MUGBLU01",
            "SellerSKU": "MUG-BLU",
            "OrderItemId": "40021637511234",
            "Title": "Stoneware mug, blue",
            "QuantityOrdered": 2,
            "QuantityShipped": 2,
            "ItemPrice": {"CurrencyCode": "USD", "Amount": "39.98"},
            "ItemTax": {"CurrencyCode": "USD", "Amount": "3.20"},
            "ShippingPrice": {"CurrencyCode": "USD", "Amount": "4.99"},
            "ShippingTax": {"CurrencyCode": "USD", "Amount": "0.40"},
            "ShippingDiscount": {"CurrencyCode": "USD", "Amount": "0.00"},
            "ShippingDiscountTax": {"CurrencyCode": "USD", "Amount": "0.00"},
            "PromotionDiscount": {"CurrencyCode": "USD", "Amount": "5.00"},
            "PromotionDiscountTax": {"CurrencyCode": "USD", "Amount": "0.00"},
            "PromotionIds": ["SAVE5MUGS"],
            "IsGift": "false",
            "ConditionId": "New",
            "IsTransparency": false,
            "TaxCollection": {"Model": "MarketplaceFacilitator", "ResponsibleParty": "Amazon Services, Inc."}
          },
          {
            "ASIN": "B0TEASMP02",
            "SellerSKU": "TEA-SMP",
            "OrderItemId": "40021637515678",
            "Title": "Tea sampler",
            "QuantityOrdered": 1,
            "QuantityShipped": 1,
            "ItemPrice": {"CurrencyCode": "USD", "Amount": "24.99"},
            "ItemTax": {"CurrencyCode": "USD", "Amount": "2.00"},
            "PromotionDiscount": {"CurrencyCode": "USD", "Amount": "0.00"},
            "IsGift": "false",
            "ConditionId": "New",
            "TaxCollection": {"Model": "MarketplaceFacilitator", "ResponsibleParty": "Amazon Services, Inc."}
          }
        ]
      }
    ],
    "CreatedAfter": "2026-03-01T00:00:00Z"
  }
})";

constexpr std::string_view kAmazonGroup = R"({
    "FinancialEventGroupId": "Ww9Y4kqGZ2qkF8mP1xE2rA",
    "ProcessingStatus": "Closed",
    "FundTransferStatus": "Succeeded",
    "OriginalTotal": {"CurrencyCode": "USD", "CurrencyAmount": 21.86},
    "ConvertedTotal": {"CurrencyCode": "USD", "CurrencyAmount": 21.86},
    "FundTransferDate": "2026-03-17T04:12:09Z",
    "TraceId": "5PKMR3N8QWZT",
    "AccountTail": "842",
    "BeginningBalance": {"CurrencyCode": "USD", "CurrencyAmount": 0.0},
    "FinancialEventGroupStart": "2026-03-01T00:00:00Z",
    "FinancialEventGroupEnd": "2026-03-15T00:00:00Z"
  })";

// listFinancialEventsByGroupId for the group above (the group object added at
// the top level by whoever fetched the page): the shipment with its charges,
// withheld tax, promotion, referral commission and FBA fees; the tea sampler's
// refund a week later with the refunded commission and Amazon's refund
// administration fee.
std::string AmazonFinancialEventsPage() {
  return fmt::format(R"({{
  "FinancialEventGroup": {},
  "payload": {{
    "FinancialEvents": {{
      "ShipmentEventList": [
        {{
          "AmazonOrderId": "112-4035926-7716245",
          "SellerOrderId": "112-4035926-7716245",
          "MarketplaceName": "Amazon.com",
          "PostedDate": "2026-03-02T16:41:27Z",
          "ShipmentItemList": [
            {{
              "SellerSKU": "MUG-BLU",
              "OrderItemId": "40021637511234",
              "QuantityShipped": 2,
              "ItemChargeList": [
                {{"ChargeType": "Principal", "ChargeAmount": {{"CurrencyCode": "USD", "CurrencyAmount": 39.98}}}},
                {{"ChargeType": "Tax", "ChargeAmount": {{"CurrencyCode": "USD", "CurrencyAmount": 3.2}}}},
                {{"ChargeType": "ShippingCharge", "ChargeAmount": {{"CurrencyCode": "USD", "CurrencyAmount": 4.99}}}},
                {{"ChargeType": "ShippingTax", "ChargeAmount": {{"CurrencyCode": "USD", "CurrencyAmount": 0.4}}}}
              ],
              "ItemTaxWithheldList": [
                {{
                  "TaxCollectionModel": "MarketplaceFacilitator",
                  "TaxesWithheld": [
                    {{"ChargeType": "MarketplaceFacilitatorTax-Principal", "ChargeAmount": {{"CurrencyCode": "USD", "CurrencyAmount": -3.2}}}},
                    {{"ChargeType": "MarketplaceFacilitatorTax-Shipping", "ChargeAmount": {{"CurrencyCode": "USD", "CurrencyAmount": -0.4}}}}
                  ]
                }}
              ],
              "ItemFeeList": [
                {{"FeeType": "FBAPerUnitFulfillmentFee", "FeeAmount": {{"CurrencyCode": "USD", "CurrencyAmount": -7.36}}}},
                {{"FeeType": "Commission", "FeeAmount": {{"CurrencyCode": "USD", "CurrencyAmount": -5.25}}}}
              ],
              "PromotionList": [
                {{"PromotionType": "PromotionMetaDataDefinitionValue", "PromotionId": "SAVE5MUGS", "PromotionAmount": {{"CurrencyCode": "USD", "CurrencyAmount": -5.0}}}}
              ]
            }},
            {{
              "SellerSKU": "TEA-SMP",
              "OrderItemId": "40021637515678",
              "QuantityShipped": 1,
              "ItemChargeList": [
                {{"ChargeType": "Principal", "ChargeAmount": {{"CurrencyCode": "USD", "CurrencyAmount": 24.99}}}},
                {{"ChargeType": "Tax", "ChargeAmount": {{"CurrencyCode": "USD", "CurrencyAmount": 2.0}}}}
              ],
              "ItemTaxWithheldList": [
                {{
                  "TaxCollectionModel": "MarketplaceFacilitator",
                  "TaxesWithheld": [
                    {{"ChargeType": "MarketplaceFacilitatorTax-Principal", "ChargeAmount": {{"CurrencyCode": "USD", "CurrencyAmount": -2.0}}}}
                  ]
                }}
              ],
              "ItemFeeList": [
                {{"FeeType": "FBAPerUnitFulfillmentFee", "FeeAmount": {{"CurrencyCode": "USD", "CurrencyAmount": -4.75}}}},
                {{"FeeType": "Commission", "FeeAmount": {{"CurrencyCode": "USD", "CurrencyAmount": -3.75}}}}
              ]
            }}
          ]
        }}
      ],
      "RefundEventList": [
        {{
          "AmazonOrderId": "112-4035926-7716245",
          "SellerOrderId": "112-4035926-7716245",
          "MarketplaceName": "Amazon.com",
          "PostedDate": "2026-03-10T09:12:55Z",
          "ShipmentItemAdjustmentList": [
            {{
              "SellerSKU": "TEA-SMP",
              "OrderItemId": "40021637515678",
              "OrderAdjustmentItemId": "81604557311202",
              "QuantityShipped": 1,
              "ItemChargeAdjustmentList": [
                {{"ChargeType": "Principal", "ChargeAmount": {{"CurrencyCode": "USD", "CurrencyAmount": -24.99}}}},
                {{"ChargeType": "Tax", "ChargeAmount": {{"CurrencyCode": "USD", "CurrencyAmount": -2.0}}}}
              ],
              "ItemTaxWithheldList": [
                {{
                  "TaxCollectionModel": "MarketplaceFacilitator",
                  "TaxesWithheld": [
                    {{"ChargeType": "MarketplaceFacilitatorTax-Principal", "ChargeAmount": {{"CurrencyCode": "USD", "CurrencyAmount": 2.0}}}}
                  ]
                }}
              ],
              "ItemFeeAdjustmentList": [
                {{"FeeType": "Commission", "FeeAmount": {{"CurrencyCode": "USD", "CurrencyAmount": 3.75}}}},
                {{"FeeType": "RefundCommission", "FeeAmount": {{"CurrencyCode": "USD", "CurrencyAmount": -0.75}}}}
              ]
            }}
          ]
        }}
      ],
      "ServiceFeeEventList": [],
      "AdjustmentEventList": [],
      "ChargebackEventList": [],
      "GuaranteeClaimEventList": []
    }}
  }}
}})",
                     kAmazonGroup);
}

std::string AmazonGroupsPage() {
  return fmt::format(R"({{"payload": {{"FinancialEventGroupList": [{}]}}}})", kAmazonGroup);
}

// ---- Shopify ----------------------------------------------------------------

// order_transactions/create: a Shopify Payments sale. Its id is what the
// balance transactions call source_order_transaction_id; `authorization` is
// the processor's id, which the hub keeps as the tender's gateway_reference.
std::string ShopifySale(std::int64_t id, std::int64_t order_id, std::string_view amount,
                        std::string_view authorization, std::string_view at) {
  return fmt::format(R"({{
  "id": {0},
  "order_id": {1},
  "kind": "sale",
  "gateway": "shopify_payments",
  "status": "success",
  "message": "Transaction approved",
  "created_at": "{4}",
  "test": false,
  "authorization": "{3}",
  "location_id": null,
  "user_id": null,
  "parent_id": null,
  "processed_at": "{4}",
  "device_id": null,
  "error_code": null,
  "source_name": "web",
  "payment_details": {{
    "credit_card_bin": "424242",
    "avs_result_code": "Y",
    "cvv_result_code": "M",
    "credit_card_number": "•••• •••• •••• 4242",
    "credit_card_company": "Visa",
    "buyer_action_info": null,
    "credit_card_name": "Ana Lima",
    "credit_card_wallet": null,
    "credit_card_expiration_month": 10,
    "credit_card_expiration_year": 2029,
    "payment_method_name": "visa"
  }},
  "receipt": {{"payment_id": "{3}", "charges": {{}}}},
  "amount": "{2}",
  "currency": "USD",
  "payment_id": "c32501934785.1",
  "total_unsettled_set": {{
    "presentment_money": {{"amount": "0.0", "currency": "USD"}},
    "shop_money": {{"amount": "0.0", "currency": "USD"}}
  }},
  "manual_payment_gateway": false,
  "admin_graphql_api_id": "gid://shopify/OrderTransaction/{0}"
}})",
                     id, order_id, amount, authorization, at);
}

constexpr std::string_view kShopifyRefund = R"({
  "id": 930455667,
  "order_id": 5150000001001,
  "created_at": "2026-03-03T09:00:00-05:00",
  "note": "Mug arrived chipped: partial refund",
  "user_id": 79513821,
  "processed_at": "2026-03-03T09:00:00-05:00",
  "restock": false,
  "duties": [],
  "total_duties_set": {
    "shop_money": {"amount": "0.00", "currency_code": "USD"},
    "presentment_money": {"amount": "0.00", "currency_code": "USD"}
  },
  "return": null,
  "admin_graphql_api_id": "gid://shopify/Refund/930455667",
  "refund_line_items": [],
  "transactions": [
    {
      "id": 6200000003,
      "order_id": 5150000001001,
      "kind": "refund",
      "gateway": "shopify_payments",
      "status": "success",
      "message": "Transaction approved",
      "created_at": "2026-03-03T09:00:00-05:00",
      "test": false,
      "authorization": "re_3OqK2aLkdIwHu7ix0Rf1XyZ",
      "location_id": null,
      "user_id": 79513821,
      "parent_id": 6200000001,
      "processed_at": "2026-03-03T09:00:00-05:00",
      "device_id": null,
      "error_code": null,
      "source_name": "1830279",
      "receipt": {},
      "amount": "20.00",
      "currency": "USD",
      "payment_id": "c32501934785.2",
      "manual_payment_gateway": false,
      "admin_graphql_api_id": "gid://shopify/OrderTransaction/6200000003"
    }
  ],
  "order_adjustments": [
    {
      "id": 40122134,
      "order_id": 5150000001001,
      "refund_id": 930455667,
      "amount": "-20.00",
      "tax_amount": "0.00",
      "kind": "refund_discrepancy",
      "reason": "Refund discrepancy",
      "amount_set": {
        "shop_money": {"amount": "-20.00", "currency_code": "USD"},
        "presentment_money": {"amount": "-20.00", "currency_code": "USD"}
      },
      "tax_amount_set": {
        "shop_money": {"amount": "0.00", "currency_code": "USD"},
        "presentment_money": {"amount": "0.00", "currency_code": "USD"}
      }
    }
  ]
})";

constexpr std::string_view kShopifyDispute = R"({
  "id": 1052611111,
  "order_id": 5150000001002,
  "type": "chargeback",
  "amount": "45.00",
  "currency": "USD",
  "reason": "fraudulent",
  "network_reason_code": "10.4",
  "status": "needs_response",
  "evidence_due_by": "2026-03-18T19:00:00-04:00",
  "evidence_sent_on": null,
  "finalized_on": null,
  "initiated_at": "2026-03-04T11:00:00-05:00"
})";

// GET /shopify_payments/payouts/623725000.json (the object, without its wrapper).
constexpr std::string_view kShopifyPayout = R"({
  "id": 623725000,
  "status": "paid",
  "date": "2026-03-06",
  "currency": "USD",
  "amount": "57.69",
  "summary": {
    "adjustments_fee_amount": "15.00",
    "adjustments_gross_amount": "-47.50",
    "charges_fee_amount": "4.81",
    "charges_gross_amount": "145.00",
    "refunds_fee_amount": "0.00",
    "refunds_gross_amount": "-20.00",
    "reserved_funds_fee_amount": "0.00",
    "reserved_funds_gross_amount": "0.00",
    "retried_payouts_fee_amount": "0.00",
    "retried_payouts_gross_amount": "0.00"
  }
})";

// GET /shopify_payments/balance/transactions.json?payout_id=623725000: two
// charges, the refund, the chargeback withdrawal with its 15.00 dispute fee,
// a balance adjustment and the payout row. source_id is the Shopify Payments
// object (charge, refund, dispute); source_order_transaction_id the order
// transaction it came from.
constexpr std::string_view kShopifyBalanceTransactions = R"({
  "transactions": [
    {
      "id": 7100000001, "type": "charge", "test": false,
      "payout_id": 623725000, "payout_status": "paid", "currency": "USD",
      "amount": "100.00", "fee": "3.20", "net": "96.80",
      "source_id": 3700000001, "source_type": "charge",
      "source_order_id": 5150000001001, "source_order_transaction_id": 6200000001,
      "processed_at": "2026-03-02T10:00:05-05:00"
    },
    {
      "id": 7100000002, "type": "charge", "test": false,
      "payout_id": 623725000, "payout_status": "paid", "currency": "USD",
      "amount": "45.00", "fee": "1.61", "net": "43.39",
      "source_id": 3700000002, "source_type": "charge",
      "source_order_id": 5150000001002, "source_order_transaction_id": 6200000002,
      "processed_at": "2026-03-02T15:30:05-05:00"
    },
    {
      "id": 7100000003, "type": "refund", "test": false,
      "payout_id": 623725000, "payout_status": "paid", "currency": "USD",
      "amount": "-20.00", "fee": "0.00", "net": "-20.00",
      "source_id": 3800000001, "source_type": "Payments::Refund",
      "source_order_id": 5150000001001, "source_order_transaction_id": 6200000003,
      "processed_at": "2026-03-03T09:00:03-05:00"
    },
    {
      "id": 7100000004, "type": "dispute", "test": false,
      "payout_id": 623725000, "payout_status": "paid", "currency": "USD",
      "amount": "-45.00", "fee": "15.00", "net": "-60.00",
      "source_id": 1052611111, "source_type": "Payments::Dispute",
      "source_order_id": 5150000001002, "source_order_transaction_id": 6200000002,
      "processed_at": "2026-03-04T11:00:00-05:00"
    },
    {
      "id": 7100000005, "type": "adjustment", "test": false,
      "payout_id": 623725000, "payout_status": "paid", "currency": "USD",
      "amount": "-2.50", "fee": "0.00", "net": "-2.50",
      "source_id": 4600000001, "source_type": "adjustment",
      "source_order_id": null, "source_order_transaction_id": null,
      "processed_at": "2026-03-05T08:00:00-05:00"
    },
    {
      "id": 7100000006, "type": "payout", "test": false,
      "payout_id": 623725000, "payout_status": "paid", "currency": "USD",
      "amount": "-57.69", "fee": "0.00", "net": "-57.69",
      "source_id": 623725000, "source_type": "payout",
      "source_order_id": null, "source_order_transaction_id": null,
      "processed_at": "2026-03-06T06:00:00-05:00"
    }
  ]
})";

// ---- the harness --------------------------------------------------------------

class ReconInputsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto config = LoadConfig(kShippedConfig);
    ASSERT_TRUE(config.has_value()) << config.error().message;
    registry_ = std::make_unique<ConnectorRegistry>(ConnectorRegistryFor(*config));
    auto s = store::OpenSqliteStore({.path = (dir_.path() / "hub.db").string()});
    ASSERT_TRUE(s) << s.error().ToString();
    store_ = std::move(*s);
    ASSERT_TRUE(store_->Migrate(bus::Operations::Migrations()));
    auto c = store_->Connect();
    ASSERT_TRUE(c);
    conn_ = std::move(*c);
    reconciler_ =
        std::make_unique<Reconciler>(*store_, reconcile::ReconcileConfig::Defaults(), clock_);
    handler_ = MakeReconcileHandler(*reconciler_);
  }

  // A webhook as the hub stores it: headers and body as received, the topic
  // the connector reads from them.
  void Webhook(std::string source, std::string account, std::string body,
               std::vector<std::pair<std::string, std::string>> headers = {}) {
    Delivery d;
    d.source = std::move(source);
    d.account = std::move(account);
    d.headers = std::move(headers);
    d.headers.emplace_back("Content-Type", "application/json");
    d.body = std::move(body);
    Deliver(std::move(d));
  }

  // A file or API page as `retailhub ingest --source S --topic T --account A FILE` stores it.
  void File(std::string source, std::string account, std::string topic, std::string file_name,
            std::string body) {
    Delivery d;
    d.source = std::move(source);
    d.account = std::move(account);
    d.topic = std::move(topic);
    d.headers.emplace_back("X-RetailHub-File", std::move(file_name));
    d.body = std::move(body);
    Deliver(std::move(d));
  }

  // The bus's part: the stored message's topic, the connector's translation,
  // every event the reconcile domain wants appended to its applied log under
  // the message's sequence and the event's index in the message.
  void Deliver(Delivery d) {
    const Connector* c = registry_->Find(d.source);
    ASSERT_NE(c, nullptr) << d.source;
    d.received_at = clock_.Now();
    if (d.topic.empty()) {
      auto topic = c->Topic(d);
      ASSERT_TRUE(topic) << topic.error().ToString();
      d.topic = *topic;
    }
    auto dedup = c->DedupKey(d);
    ASSERT_TRUE(dedup) << dedup.error().ToString();
    auto events = c->Translate(d);
    ASSERT_TRUE(events) << d.source << " " << d.topic << ": " << events.error().ToString();
    ++message_seq_;
    const std::string correlation = DeriveCorrelationId(d.source, d.account, *dedup);
    std::int64_t idx = 0;
    for (Event& e : *events) {
      e.correlation_id = correlation;
      if (handler_->Wants(e)) {
        auto q = conn_->Prepare(
            "INSERT INTO bus_work (domain, event_id, message_seq, idx, key, event, state, "
            "attempts, next_at, park_deadline, attempt_log) VALUES ('reconcile', $1, $2, $3, $4, "
            "$5, 'done', 1, 0, 0, '[]')");
        ASSERT_TRUE(q);
        (*q)->Bind(1, e.event_id)
            .Bind(2, message_seq_)
            .Bind(3, idx)
            .Bind(4, e.key)
            .Bind(5, EventToJson(e));
        ASSERT_TRUE((*q)->Run()) << e.event_id;
        ++applied_[e.type];
      }
      ++idx;
    }
  }

  ReconRun Reconcile() {
    auto run = RunReconciliation(*store_, reconcile::ReconcileConfig::Defaults(), clock_);
    EXPECT_TRUE(run) << run.error().ToString();
    return run ? std::move(*run) : ReconRun{};
  }

  static std::string Reasons(const ReconRun& run) {
    std::string out;
    for (const auto& x : run.output.match.exceptions) {
      out += fmt::format("\n  {} payout={} line={} ref={} {}: {}", reconcile::ReasonName(x.reason),
                         x.payout_id, x.line_id, x.reference, x.amount.ToString(), x.message);
    }
    return out;
  }

  static std::size_t PayoutIndex(const ReconRun& run, std::string_view id) {
    for (std::size_t i = 0; i < run.payouts.size(); ++i) {
      if (run.payouts[i].payout_id == id) {
        return i;
      }
    }
    ADD_FAILURE() << "no payout " << id;
    return run.payouts.size();
  }

  // The expected item a line was matched to (nullptr when none).
  static const reconcile::ExpectedItem* MatchedItem(const ReconRun& run, std::size_t payout,
                                                    std::size_t line) {
    const auto& o = run.output.match.Line(payout, line);
    return o.expected == reconcile::kNoIndex ? nullptr : &run.expected[o.expected];
  }

  hub::testing::TempDir dir_;
  FakeClock clock_{*ParseRfc3339("2026-03-01T00:00:00Z")};
  std::unique_ptr<ConnectorRegistry> registry_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::Connection> conn_;
  std::unique_ptr<Reconciler> reconciler_;
  std::unique_ptr<bus::Handler> handler_;
  std::int64_t message_seq_ = 0;
  std::map<std::string, int> applied_;
};

// ---- 1. Adyen ---------------------------------------------------------------

class AdyenReconTest : public ReconInputsTest {
 protected:
  // Two card payments captured, 20.00 of the first refunded; AUTHORISATIONs
  // arrive too and must not become expected settlements.
  void Notifications() {
    Webhook("adyen", "demo-merchant",
            AdyenNotification("AcmeEUR", "AUTHORISATION", "8815735142170011", "", "ORDER-1042",
                              "EUR", 10000, "2026-03-02T10:14:31+01:00"));
    Webhook("adyen", "demo-merchant",
            AdyenNotification("AcmeEUR", "CAPTURE", "8825735142180021", "8815735142170011",
                              "ORDER-1042", "EUR", 10000, "2026-03-02T10:15:02+01:00"));
    Webhook("adyen", "demo-merchant",
            AdyenNotification("AcmeEUR", "AUTHORISATION", "8815735142170012", "", "ORDER-1043",
                              "EUR", 25000, "2026-03-02T11:40:12+01:00"));
    Webhook("adyen", "demo-merchant",
            AdyenNotification("AcmeEUR", "CAPTURE", "8825735142180022", "8815735142170012",
                              "ORDER-1043", "EUR", 25000, "2026-03-02T11:41:00+01:00"));
    Webhook("adyen", "demo-merchant",
            AdyenNotification("AcmeEUR", "REFUND", "8835735142190031", "8815735142170011",
                              "ORDER-1042", "EUR", 2000, "2026-03-03T09:05:40+01:00"));
  }

  // Batch 41 of AcmeEUR: both captures settled (interchange++ fees on the
  // visa, a blended commission on the mastercard), the refund with its
  // markup, a fee row, and the transfer to the bank. `extra` rows go after
  // the second capture.
  static std::string SettlementCsv(std::string_view extra, std::string_view payout_net) {
    return fmt::format(
        "{}"
        "AcmeCo,AcmeEUR,8815735142170011,ORDER-1042,visa,2026-03-04 10:00:00,CET,Settled,"
        "8825735142180021,EUR,,100.00,1,EUR,,97.65,,0.35,0.20,1.80,visaclassic,,41\n"
        "AcmeCo,AcmeEUR,8815735142170012,ORDER-1043,mc,2026-03-04 10:00:01,CET,Settled,"
        "8825735142180022,EUR,,250.00,1,EUR,,246.25,3.75,,,,mccredit,,41\n"
        "{}"
        "AcmeCo,AcmeEUR,8815735142170011,ORDER-1042,visa,2026-03-04 11:30:00,CET,Refunded,"
        "8835735142190031,EUR,20.00,,1,EUR,20.12,,,0.12,,,visaclassic,R-1042-1,41\n"
        "AcmeCo,AcmeEUR,,,,2026-03-04 23:59:59,CET,Fee,Transaction Fees March 2026,,,,,EUR,"
        "1.50,,,,,,,,41\n"
        "AcmeCo,AcmeEUR,,,,2026-03-05 06:00:00,CET,MerchantPayout,\"TX4100, batch 41\",,,,,EUR,"
        "{},,,,,,,,41\n",
        kAdyenHeader, extra, payout_net);
  }
};

TEST_F(AdyenReconTest, CapturesRefundAndSettlementCsvCloseToTheCentEveryLineByPspReference) {
  Notifications();
  File("csv", "acme-adyen", "adyen_settlement", "settlement_detail_report_batch_41.csv",
       SettlementCsv("", "322.28"));
  EXPECT_EQ(applied_["tender.captured"], 2);
  EXPECT_EQ(applied_["refund.created"], 1);
  EXPECT_EQ(applied_["payout.paid"], 1);
  EXPECT_EQ(applied_.count("tender.authorized"), 0u) << "authorisations are not settlements";
  clock_.Set(*ParseRfc3339("2026-03-06T12:00:00Z"));

  const ReconRun run = Reconcile();
  EXPECT_TRUE(run.output.match.exceptions.empty()) << Reasons(run);
  EXPECT_EQ(run.new_exceptions, 0);
  ASSERT_EQ(run.payouts.size(), 1u);
  const Payout& p = run.payouts[0];
  EXPECT_EQ(p.payout_id, "AcmeEUR:41");
  EXPECT_EQ(p.gateway, "adyen");
  const auto& proof = run.output.proofs[0];
  EXPECT_TRUE(proof.closes);
  EXPECT_TRUE(proof.blocked_by.empty());
  EXPECT_EQ(proof.paid, M("322.28", "EUR"));
  EXPECT_EQ(proof.residual, M("0.00", "EUR"));
  EXPECT_EQ(proof.charges, M("350.00", "EUR"));
  EXPECT_EQ(proof.refunds, M("-20.00", "EUR"));
  EXPECT_EQ(proof.fee_lines, M("-1.50", "EUR"));
  // Commission 3.75 + markup 0.35 + 0.12 + scheme fees 0.20 + interchange 1.80.
  EXPECT_EQ(proof.fees, M("6.22", "EUR"));
  EXPECT_EQ(proof.lines_net, M("322.28", "EUR"));

  // Every settlement line names the capture's or the refund's PSP reference
  // and is matched to exactly that item, for its full amount, in pass 1.
  ASSERT_EQ(p.lines.size(), 4u);
  const std::vector<std::pair<std::string, std::string>> want = {
      {"8825735142180021", "100.00"},
      {"8825735142180022", "250.00"},
      {"8835735142190031", "-20.00"},
  };
  for (std::size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE(p.lines[i].line_id);
    EXPECT_EQ(p.lines[i].line_id, fmt::format("settlement_detail_report_batch_41.csv:{}", i + 2));
    EXPECT_EQ(p.lines[i].source_reference, want[i].first);
    EXPECT_EQ(p.lines[i].gross, M(want[i].second, "EUR"));
    const auto& o = run.output.match.Line(0, i);
    EXPECT_EQ(o.status, LineStatus::kMatched);
    EXPECT_EQ(o.pass, 1);
    EXPECT_EQ(run.output.match.rule_names.at(static_cast<std::size_t>(o.rule)), "exact_reference");
    const auto* x = MatchedItem(run, 0, i);
    ASSERT_NE(x, nullptr);
    EXPECT_EQ(x->reference, want[i].first);
    EXPECT_EQ(x->gateway, "adyen");
    EXPECT_EQ(x->amount, M(want[i].second, "EUR"));
  }
  EXPECT_EQ(p.lines[3].kind, PayoutLineKind::kFee);
  EXPECT_EQ(run.output.match.Line(0, 3).status, LineStatus::kNotMatchable);
  ASSERT_EQ(run.expected.size(), 3u);
  for (std::size_t e = 0; e < run.expected.size(); ++e) {
    EXPECT_EQ(run.output.match.expected[e].status, ExpectedStatus::kSettled)
        << run.expected[e].reference;
    EXPECT_EQ(run.output.match.expected[e].settled_minor, run.expected[e].amount.minor_units());
  }
  // A proven payout posts.
  EXPECT_TRUE(reconcile::PostPayout(p, proof, run.config).has_value());
}

TEST_F(AdyenReconTest, ALineNamingAnUnknownPspReferenceIsExactlyOneUnknownReference) {
  Notifications();
  // A third capture the hub never heard of, settled in the same batch.
  File("csv", "acme-adyen", "adyen_settlement", "settlement_detail_report_batch_41.csv",
       SettlementCsv("AcmeCo,AcmeEUR,8815735142170099,ORDER-1077,visa,2026-03-04 10:00:02,CET,"
                     "Settled,8825735142180099,EUR,,40.00,1,EUR,,39.10,,0.30,0.10,0.50,"
                     "visaclassic,,41\n",
                     "361.38"));
  clock_.Set(*ParseRfc3339("2026-03-06T12:00:00Z"));

  const ReconRun run = Reconcile();
  ASSERT_EQ(run.output.match.exceptions.size(), 1u) << Reasons(run);
  const auto& x = run.output.match.exceptions[0];
  EXPECT_EQ(x.reason, ReasonCode::kUnknownReference);
  EXPECT_EQ(x.gateway, "adyen");
  EXPECT_EQ(x.payout_id, "AcmeEUR:41");
  EXPECT_EQ(x.line_id, "settlement_detail_report_batch_41.csv:4");
  EXPECT_EQ(x.reference, "8825735142180099");
  EXPECT_EQ(x.amount, M("-40.00", "EUR"));
  EXPECT_EQ(run.new_exceptions, 1);
  // The batch still adds up; the known lines are matched as before.
  ASSERT_EQ(run.payouts.size(), 1u);
  EXPECT_TRUE(run.output.proofs[0].closes);
  EXPECT_EQ(run.output.proofs[0].paid, M("361.38", "EUR"));
  ASSERT_EQ(run.payouts[0].lines.size(), 5u);
  for (std::size_t i : {0u, 1u, 3u}) {
    EXPECT_EQ(run.output.match.Line(0, i).status, LineStatus::kMatched)
        << run.payouts[0].lines[i].line_id;
  }
  EXPECT_EQ(run.output.match.Line(0, 2).status, LineStatus::kException);
  // Stored once: a re-run raises nothing new.
  const ReconRun again = Reconcile();
  EXPECT_EQ(again.output.match.exceptions.size(), 1u);
  EXPECT_EQ(again.new_exceptions, 0);
}

// ---- 2. Amazon --------------------------------------------------------------

TEST_F(ReconInputsTest, AmazonGroupClosesChargesMatchTheMarketplaceTenderFeesAreFeeLines) {
  File("amazon", "seller-us", "orders", "orders_2026-03-02.json", std::string(kAmazonOrdersPage));
  File("amazon", "seller-us", "financial_event_groups", "groups_2026-03-17.json",
       AmazonGroupsPage());
  File("amazon", "seller-us", "financial_events", "events_Ww9Y4kqGZ2qkF8mP1xE2rA.json",
       AmazonFinancialEventsPage());
  EXPECT_EQ(applied_["tender.captured"], 1);
  EXPECT_EQ(applied_["refund.created"], 1);
  EXPECT_EQ(applied_["payout.paid"], 2);  // the group notice (no lines) and the statement
  EXPECT_EQ(applied_.count("order.updated"), 0u);
  EXPECT_EQ(applied_.count("fulfillment.created"), 0u);
  clock_.Set(*ParseRfc3339("2026-03-17T12:00:00Z"));

  const ReconRun run = Reconcile();
  EXPECT_TRUE(run.output.match.exceptions.empty()) << Reasons(run);
  ASSERT_EQ(run.payouts.size(), 1u);
  const Payout& p = run.payouts[0];
  EXPECT_EQ(p.payout_id, "Ww9Y4kqGZ2qkF8mP1xE2rA");
  EXPECT_EQ(p.gateway, "amazon");
  const auto& proof = run.output.proofs[0];
  EXPECT_TRUE(proof.closes);
  EXPECT_EQ(proof.paid, M("21.86", "USD"));
  EXPECT_EQ(proof.residual, M("0.00", "USD"));
  // Seller's share: 39.98 + 4.99 − 5.00 + 24.99 (the 5.60 tax is Amazon's to remit).
  EXPECT_EQ(proof.charges, M("64.96", "USD"));
  EXPECT_EQ(proof.refunds, M("-24.99", "USD"));
  EXPECT_EQ(proof.taxes, M("0.00", "USD"));  // collected and withheld net to zero
  // Referral commission −5.25 − 3.75, refunded +3.75, refund commission −0.75.
  EXPECT_EQ(proof.commissions, M("-6.00", "USD"));
  // FBA fulfilment fees 7.36 + 4.75, kept as fees on fee lines.
  EXPECT_EQ(proof.fees, M("12.11", "USD"));
  EXPECT_EQ(proof.fee_lines, M("0.00", "USD"));

  // The marketplace tender is the seller's share of the order.
  const reconcile::ExpectedItem* tender = nullptr;
  for (const auto& x : run.expected) {
    if (x.kind == reconcile::ExpectedKind::kTender) {
      tender = &x;
    }
  }
  ASSERT_NE(tender, nullptr);
  EXPECT_EQ(tender->reference, kAmazonOrderId);
  EXPECT_EQ(tender->amount, M("64.96", "USD"));
  EXPECT_EQ(tender->order_id, fmt::format("amazon:seller-us:{}", kAmazonOrderId));

  std::int64_t charge_lines = 0, fee_lines = 0, commission_lines = 0, refund_lines = 0;
  Money charged = M("0.00", "USD");
  for (std::size_t i = 0; i < p.lines.size(); ++i) {
    const PayoutLine& l = p.lines[i];
    SCOPED_TRACE(l.line_id);
    const auto& o = run.output.match.Line(0, i);
    const auto* x = MatchedItem(run, 0, i);
    switch (l.kind) {
      case PayoutLineKind::kCharge:
        ++charge_lines;
        charged = *charged.Add(l.gross);
        EXPECT_EQ(o.status, LineStatus::kMatched);
        ASSERT_NE(x, nullptr);
        EXPECT_EQ(x, tender) << "a charge line settles the order's marketplace tender";
        EXPECT_EQ(run.output.match.rule_names.at(static_cast<std::size_t>(o.rule)),
                  "group_reference");
        break;
      case PayoutLineKind::kRefund:
        ++refund_lines;
        EXPECT_EQ(o.status, LineStatus::kMatched);
        ASSERT_NE(x, nullptr);
        EXPECT_EQ(x->kind, reconcile::ExpectedKind::kRefund);
        EXPECT_EQ(x->reference, "81604557311202");
        EXPECT_EQ(x->amount, M("-24.99", "USD"));
        EXPECT_EQ(l.gross, M("-24.99", "USD"));
        break;
      case PayoutLineKind::kFee:
        ++fee_lines;
        EXPECT_EQ(o.status, LineStatus::kNotMatchable);
        EXPECT_EQ(l.description, "FBAPerUnitFulfillmentFee");
        EXPECT_TRUE(l.gross.is_zero());
        EXPECT_GT(l.fee.minor_units(), 0);
        break;
      case PayoutLineKind::kCommission:
        ++commission_lines;
        EXPECT_EQ(o.status, LineStatus::kNotMatchable);
        break;
      case PayoutLineKind::kTax:
        EXPECT_EQ(o.status, LineStatus::kNotMatchable);
        break;
      default:
        ADD_FAILURE() << "unexpected line kind " << ToString(l.kind);
    }
  }
  EXPECT_EQ(charge_lines, 4);  // two principals, the shipping charge, the promotion
  EXPECT_EQ(charged, M("64.96", "USD"));
  EXPECT_EQ(refund_lines, 1);
  EXPECT_EQ(fee_lines, 2);
  EXPECT_EQ(commission_lines, 4);
  for (std::size_t e = 0; e < run.expected.size(); ++e) {
    EXPECT_EQ(run.output.match.expected[e].status, ExpectedStatus::kSettled)
        << run.expected[e].reference;
  }
  // Posting: Dr bank 21.86, Dr fees 12.11, Dr commissions 6.00 / Cr clearing 39.97.
  auto drafts = reconcile::PostPayout(p, proof, run.config);
  ASSERT_TRUE(drafts) << drafts.error().ToString();
  ASSERT_EQ(drafts->size(), 1u);
  std::map<std::string, std::int64_t> by_account;
  for (const auto& posting : (*drafts)[0].postings) {
    by_account[posting.account] += posting.amount.minor_units();
  }
  EXPECT_EQ(by_account[run.config.bank_account], 2186);
  EXPECT_EQ(by_account[run.config.fees_account], 1211);
  EXPECT_EQ(by_account[run.config.commissions_account], 600);
  EXPECT_EQ(by_account[run.config.ClearingAccount("amazon")], -3997);
}

// ---- 3. Shopify Payments ----------------------------------------------------

TEST_F(ReconInputsTest, ShopifyPaymentsPayoutClosesChargesRefundMatchAndTheChargebackIsADispute) {
  const std::vector<std::pair<std::string, std::string>> headers = {
      {"X-Shopify-Shop-Domain", "demo-shop.myshopify.com"},
      {"X-Shopify-API-Version", "2025-01"},
      {"X-Shopify-Hmac-Sha256", "unchecked-here"}};
  auto shopify = [&](std::string topic, std::string id, std::string body) {
    auto h = headers;
    h.emplace_back("X-Shopify-Topic", std::move(topic));
    h.emplace_back("X-Shopify-Webhook-Id", std::move(id));
    Webhook("shopify", "demo-shop", std::move(body), std::move(h));
  };
  shopify("order_transactions/create", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
          ShopifySale(6200000001, 5150000001001, "100.00", "ch_3OqK2aLkdIwHu7ix0Yx1AbC",
                      "2026-03-02T10:00:00-05:00"));
  shopify("order_transactions/create", "0f5d2e38-4a8e-43f7-9b0c-6b2d9a1b7c11",
          ShopifySale(6200000002, 5150000001002, "45.00", "ch_3OqK2bLkdIwHu7ix1Zy2DeF",
                      "2026-03-02T15:30:00-05:00"));
  shopify("refunds/create", "5c1e9b3a-2f4d-4e6a-8b7c-9d0e1f2a3b4c", std::string(kShopifyRefund));
  shopify("disputes/create", "e2a4c6d8-1b3d-4f5a-9c7e-0a2b4c6d8e0f", std::string(kShopifyDispute));
  // The payout and its balance transactions, read from the Shopify Payments API.
  File("shopify", "demo-shop", "payouts", "payout_623725000.json", std::string(kShopifyPayout));
  File("shopify", "demo-shop", "payouts/transactions", "payout_623725000_transactions.json",
       std::string(kShopifyBalanceTransactions));
  EXPECT_EQ(applied_["tender.captured"], 2);
  EXPECT_EQ(applied_["refund.created"], 1);
  EXPECT_EQ(applied_["dispute.created"], 1);
  EXPECT_EQ(applied_["payout.paid"], 2);  // the payout object (no lines) and its transactions
  clock_.Set(*ParseRfc3339("2026-03-07T12:00:00Z"));

  const ReconRun run = Reconcile();
  EXPECT_TRUE(run.output.match.exceptions.empty()) << Reasons(run);
  ASSERT_EQ(run.payouts.size(), 1u);
  const Payout& p = run.payouts[0];
  EXPECT_EQ(p.payout_id, "623725000");
  EXPECT_EQ(p.gateway, "shopify_payments");
  const auto& proof = run.output.proofs[0];
  EXPECT_TRUE(proof.closes);
  EXPECT_TRUE(proof.blocked_by.empty());
  EXPECT_EQ(proof.paid, M("57.69", "USD"));
  EXPECT_EQ(proof.residual, M("0.00", "USD"));
  EXPECT_EQ(proof.charges, M("145.00", "USD"));
  EXPECT_EQ(proof.refunds, M("-20.00", "USD"));
  EXPECT_EQ(proof.disputes, M("-45.00", "USD"));
  EXPECT_EQ(proof.adjustments, M("-2.50", "USD"));
  EXPECT_EQ(proof.fees, M("19.81", "USD"));  // 3.20 + 1.61 processing, 15.00 dispute fee

  ASSERT_EQ(p.lines.size(), 5u);
  struct Want {
    std::string line_id;
    PayoutLineKind kind;
    reconcile::ExpectedKind item;
    std::string reference;  // of the expected item
    std::string order;
  };
  const std::vector<Want> want = {
      {"7100000001", PayoutLineKind::kCharge, reconcile::ExpectedKind::kTender,
       "ch_3OqK2aLkdIwHu7ix0Yx1AbC", "shopify:demo-shop:5150000001001"},
      {"7100000002", PayoutLineKind::kCharge, reconcile::ExpectedKind::kTender,
       "ch_3OqK2bLkdIwHu7ix1Zy2DeF", "shopify:demo-shop:5150000001002"},
      {"7100000003", PayoutLineKind::kRefund, reconcile::ExpectedKind::kRefund,
       "re_3OqK2aLkdIwHu7ix0Rf1XyZ", "shopify:demo-shop:5150000001001"},
      {"7100000004", PayoutLineKind::kDispute, reconcile::ExpectedKind::kDispute, "1052611111",
       "shopify:demo-shop:5150000001002"},
  };
  for (std::size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE(want[i].line_id);
    EXPECT_EQ(p.lines[i].line_id, want[i].line_id);
    EXPECT_EQ(p.lines[i].kind, want[i].kind);
    EXPECT_EQ(run.output.match.Line(0, i).status, LineStatus::kMatched);
    const auto* x = MatchedItem(run, 0, i);
    ASSERT_NE(x, nullptr);
    EXPECT_EQ(x->kind, want[i].item);
    EXPECT_EQ(x->reference, want[i].reference);
    EXPECT_EQ(x->order_id, want[i].order);
    EXPECT_EQ(x->amount, p.lines[i].gross);
  }
  // The charge and refund rows name Shopify Payments objects the hub never
  // sees (source_id); their order is the link. The chargeback row names the
  // dispute itself: matched by reference.
  auto rule = [&](std::size_t i) {
    const auto& o = run.output.match.Line(0, i);
    return o.rule < 0 ? std::string()
                      : run.output.match.rule_names.at(static_cast<std::size_t>(o.rule));
  };
  for (std::size_t i : {0u, 1u, 2u}) {
    EXPECT_EQ(run.output.match.Line(0, i).pass, 2) << p.lines[i].line_id;
    EXPECT_EQ(rule(i), "same_order") << p.lines[i].line_id;
  }
  EXPECT_EQ(run.output.match.Line(0, 3).pass, 1);
  EXPECT_EQ(rule(3), "exact_reference");
  EXPECT_EQ(p.lines[4].kind, PayoutLineKind::kAdjustment);
  EXPECT_EQ(run.output.match.Line(0, 4).status, LineStatus::kNotMatchable);
  for (std::size_t e = 0; e < run.expected.size(); ++e) {
    EXPECT_EQ(run.output.match.expected[e].status, ExpectedStatus::kSettled)
        << run.expected[e].reference;
  }

  // The dispute line posts the chargeback: Dr losses 45.00, Dr fees 15.00 / Cr clearing 60.00.
  auto drafts = reconcile::PostPayout(p, proof, run.config);
  ASSERT_TRUE(drafts) << drafts.error().ToString();
  ASSERT_EQ(drafts->size(), 2u);
  const ledger::EntryDraft& cb = (*drafts)[1];
  EXPECT_EQ(cb.idempotency_key, "payout:623725000:dispute:7100000004");
  EXPECT_EQ(cb.event_type, "chargeback.settled");
  std::map<std::string, std::int64_t> by_account;
  for (const auto& posting : cb.postings) {
    by_account[posting.account] += posting.amount.minor_units();
  }
  EXPECT_EQ(by_account[run.config.chargeback_account], 4500);
  EXPECT_EQ(by_account[run.config.fees_account], 1500);
  EXPECT_EQ(by_account[run.config.ClearingAccount("shopify_payments")], -6000);
}

// ---- Square -----------------------------------------------------------------

// A Square payout as a fetcher stores it once the payout.paid webhook names
// it: GET /v2/payouts/{id} beside ListPayoutEntries for it. The payment and
// refund are the golden cases' (PAY1 11.00, REF1 2.50 of it).
constexpr std::string_view kSquarePayoutStatement = R"({
  "payout": {"id": "po_sq_77", "status": "PAID", "location_id": "L88917AVBK2S5",
             "created_at": "2026-03-05T17:02:11Z", "updated_at": "2026-03-06T09:00:00Z",
             "amount_money": {"amount": 804, "currency_code": "USD"},
             "destination": {"type": "BANK_ACCOUNT", "id": "ccof:ZPp3oedR3AaEEqts"},
             "version": 2, "type": "BATCH", "arrival_date": "2026-03-06"},
  "payout_entries": [
    {"id": "poe_77_1", "payout_id": "po_sq_77", "type": "CHARGE",
     "effective_at": "2026-03-05T00:00:00Z",
     "gross_amount_money": {"amount": 1100, "currency_code": "USD"},
     "fee_amount_money": {"amount": 61, "currency_code": "USD"},
     "net_amount_money": {"amount": 1039, "currency_code": "USD"},
     "type_charge_details": {"payment_id": "PAY1"}},
    {"id": "poe_77_2", "payout_id": "po_sq_77", "type": "REFUND",
     "effective_at": "2026-03-05T00:00:00Z",
     "gross_amount_money": {"amount": -250, "currency_code": "USD"},
     "fee_amount_money": {"amount": -15, "currency_code": "USD"},
     "net_amount_money": {"amount": -235, "currency_code": "USD"},
     "type_refund_details": {"payment_id": "PAY1", "refund_id": "REF1"}}
  ]
})";

TEST_F(ReconInputsTest, SquarePayoutStatementClosesAndSettlesItsPaymentAndRefund) {
  const fs::path golden = fs::path(__FILE__).parent_path() / "../../tests/golden/square";
  const std::vector<std::pair<std::string, std::string>> headers = {
      {"x-square-hmacsha256-signature", "unchecked-here"}};
  Webhook("square", "MLACME", testing::ReadFile(golden / "payment_completed.input.json"), headers);
  Webhook("square", "MLACME", testing::ReadFile(golden / "refund_completed.input.json"), headers);
  File("square", "MLACME", "payout_entries", "po_sq_77.json", std::string(kSquarePayoutStatement));
  EXPECT_EQ(applied_["tender.captured"], 1);
  EXPECT_EQ(applied_["refund.created"], 1);
  EXPECT_EQ(applied_["payout.paid"], 1) << "the statement is the paid payout with its lines";
  clock_.Set(*ParseRfc3339("2026-03-07T12:00:00Z"));

  const ReconRun run = Reconcile();
  EXPECT_TRUE(run.output.match.exceptions.empty()) << Reasons(run);
  ASSERT_EQ(run.payouts.size(), 1u);
  const auto& proof = run.output.proofs[0];
  EXPECT_EQ(proof.paid, M("8.04", "USD"));
  EXPECT_TRUE(proof.closes);
  EXPECT_EQ(proof.fees, M("0.46", "USD"));
  ASSERT_EQ(run.payouts[0].lines.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(run.output.match.Line(0, i).status, LineStatus::kMatched) << i;
    EXPECT_EQ(run.output.match.Line(0, i).pass, 1) << "matched by its payment / refund id";
  }
  for (std::size_t e = 0; e < run.expected.size(); ++e) {
    EXPECT_EQ(run.output.match.expected[e].status, ExpectedStatus::kSettled)
        << run.expected[e].reference;
  }
}

// ---- Stripe, a refund made in Stripe ------------------------------------------

// The payout's balance transactions for the golden charge (ch_3Pabc, 112.50)
// and its partial refund made in Stripe (re_3Pxyz, 52.70).
constexpr std::string_view kStripePayoutStatement = R"({
  "payout": {"id": "po_1Rfd", "object": "payout", "amount": 5624, "arrival_date": 1773100800,
             "currency": "usd", "status": "paid"},
  "balance_transactions": {"object": "list", "has_more": false, "data": [
    {"id": "txn_c1", "object": "balance_transaction", "amount": 11250, "fee": 356, "net": 10894,
     "currency": "usd", "fee_details": [{"amount": 356, "currency": "usd", "type": "stripe_fee",
     "description": "Stripe processing fees"}], "reporting_category": "charge", "type": "charge",
     "source": "ch_3Pabc", "created": 1772359170, "status": "available"},
    {"id": "txn_r1", "object": "balance_transaction", "amount": -5270, "fee": 0, "net": -5270,
     "currency": "usd", "fee_details": [], "reporting_category": "refund", "type": "refund",
     "source": "re_3Pxyz", "created": 1772791202, "status": "available"},
    {"id": "txn_p1", "object": "balance_transaction", "amount": -5624, "fee": 0, "net": -5624,
     "currency": "usd", "fee_details": [], "reporting_category": "payout", "type": "payout",
     "source": "po_1Rfd", "created": 1773100800, "status": "available"}]}
})";

TEST_F(ReconInputsTest, StripeRefundMadeInStripeIsSettledByItsRefundLineNotTheCharge) {
  const fs::path golden = fs::path(__FILE__).parent_path() / "../../tests/golden/stripe";
  const std::vector<std::pair<std::string, std::string>> headers = {
      {"Stripe-Signature", "unchecked-here"}};
  Webhook("stripe", "acct_1Acme", testing::ReadFile(golden / "charge_succeeded.input.json"),
          headers);
  Webhook("stripe", "acct_1Acme", testing::ReadFile(golden / "refund_created_partial.input.json"),
          headers);
  File("stripe", "acct_1Acme", "payout.reconciliation", "po_1Rfd.json",
       std::string(kStripePayoutStatement));
  EXPECT_EQ(applied_["tender.captured"], 1);
  EXPECT_EQ(applied_["refund.created"], 1);
  clock_.Set(*ParseRfc3339("2026-03-11T12:00:00Z"));

  const ReconRun run = Reconcile();
  EXPECT_TRUE(run.output.match.exceptions.empty()) << Reasons(run);
  ASSERT_EQ(run.payouts.size(), 1u);
  EXPECT_TRUE(run.output.proofs[0].closes);
  ASSERT_GE(run.payouts[0].lines.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    SCOPED_TRACE(run.payouts[0].lines[i].line_id);
    EXPECT_EQ(run.output.match.Line(0, i).status, LineStatus::kMatched);
    EXPECT_EQ(run.output.match.Line(0, i).pass, 1);
    const auto* x = MatchedItem(run, 0, i);
    ASSERT_NE(x, nullptr);
    EXPECT_EQ(x->reference, i == 0 ? "ch_3Pabc" : "re_3Pxyz");
  }
}

// ---- 4. Bank statement ------------------------------------------------------

TEST_F(ReconInputsTest, BankStatementCreditFindsItsPayoutAndAPayoutWithoutDepositIsMissing) {
  // Two Adyen USD batches, each settling one capture the hub has seen.
  auto capture = [&](std::string_view psp, std::string_view original, std::int64_t value,
                     std::string_view at) {
    std::string body =
        AdyenNotification("AcmeUSD", "CAPTURE", psp, original, "ORDER-2001", "USD", value, at);
    Webhook("adyen", "demo-merchant", std::move(body));
  };
  capture("8825735142280041", "8815735142270041", 125000, "2026-03-03T09:00:00-05:00");
  capture("8825735142280042", "8815735142270042", 8000, "2026-03-04T09:30:00-05:00");
  File("csv", "acme-adyen", "adyen_settlement", "settlement_detail_report_batch_7-8.csv",
       fmt::format(
           "{}"
           "AcmeCo,AcmeUSD,8815735142270041,ORDER-2001,visa,2026-03-04 08:00:00,EST,Settled,"
           "8825735142280041,USD,,1250.00,1,USD,,1227.40,,3.10,1.50,18.00,visaclassic,,7\n"
           "AcmeCo,AcmeUSD,,,,2026-03-05 06:00:00,EST,MerchantPayout,\"TX7700, batch 7\",,,,,"
           "USD,1227.40,,,,,,,,7\n"
           "AcmeCo,AcmeUSD,8815735142270042,ORDER-2002,mc,2026-03-05 08:00:00,EST,Settled,"
           "8825735142280042,USD,,80.00,1,USD,,78.20,,0.30,0.20,1.30,mccredit,,8\n"
           "AcmeCo,AcmeUSD,,,,2026-03-06 06:00:00,EST,MerchantPayout,\"TX7800, batch 8\",,,,,"
           "USD,78.20,,,,,,,,8\n",
           kAdyenHeader));
  // The operating account's statement: batch 7's transfer arrives a day
  // later under the bank's own reference, next to a debit that is not a payout.
  File("csv", "acme", "bank_statement", "bank_statement_2026-03.csv",
       "Date,Description,Reference,Debit,Credit\n"
       "2026-03-06,\"ADYEN N.V., AMSTERDAM\",TX7700 ACMEUSD BATCH 7,,\"1,227.40\"\n"
       "2026-03-06,Office rent,RENT-0326,\"2,450.00\",\n");
  EXPECT_EQ(applied_["bank.transaction"], 2);
  // Batch 8 arrived 2026-03-06 11:00Z; on the 12th it is past the 3-day window.
  clock_.Set(*ParseRfc3339("2026-03-12T12:00:00Z"));

  const ReconRun run = Reconcile();
  ASSERT_EQ(run.payouts.size(), 2u);
  ASSERT_EQ(run.bank.size(), 1u) << "only credits are deposits";
  EXPECT_EQ(run.bank[0].row_id, "bank_statement_2026-03.csv:2");
  EXPECT_EQ(run.bank[0].amount, M("1227.40", "USD"));
  const std::size_t b7 = PayoutIndex(run, "AcmeUSD:7");
  const std::size_t b8 = PayoutIndex(run, "AcmeUSD:8");
  ASSERT_LT(b7, run.payouts.size());
  ASSERT_LT(b8, run.payouts.size());
  EXPECT_TRUE(run.output.proofs[b7].closes);
  EXPECT_TRUE(run.output.proofs[b8].closes);
  ASSERT_EQ(run.output.bank_row_for_payout.size(), 2u);
  EXPECT_EQ(run.output.bank_row_for_payout[b7], 0u);
  EXPECT_EQ(run.output.bank_row_for_payout[b8], reconcile::kNoIndex);

  ASSERT_EQ(run.output.match.exceptions.size(), 1u) << Reasons(run);
  const auto& x = run.output.match.exceptions[0];
  EXPECT_EQ(x.reason, ReasonCode::kMissingPayout);
  EXPECT_EQ(x.gateway, "adyen");
  EXPECT_EQ(x.payout_id, "AcmeUSD:8");
  EXPECT_EQ(x.amount, M("78.20", "USD"));
  EXPECT_EQ(run.new_exceptions, 1);

  // Inside the window the same payout is not missing yet.
  clock_.Set(*ParseRfc3339("2026-03-08T12:00:00Z"));
  const ReconRun early = Reconcile();
  EXPECT_TRUE(early.output.match.exceptions.empty()) << Reasons(early);
}

}  // namespace
}  // namespace hub::app
