// AmazonConnector: failure paths first (HTTP deliveries are refused, bad
// pages name their JSON path, money that is not exact or not mapped is
// refused), then the mapping choices the ledger and reconciliation rely on.
// The full wire form of each page is pinned by tests/golden/amazon.
#include "connectors/amazon/amazon.h"

#include <gtest/gtest.h>

#include "core/model_json.h"

namespace hub {
namespace {

Delivery Page(std::string topic, std::string body) {
  Delivery d;
  d.source = "amazon";
  d.account = "seller-us";
  d.topic = std::move(topic);
  d.body = std::move(body);
  return d;
}

// One shipment-shaped event list holding `items` (ShipmentItem objects).
std::string Events(std::string_view list, std::string_view items, std::string_view group = "") {
  std::string body = R"({"payload":{"FinancialEvents":{")";
  body += list;
  body += R"(":[{"AmazonOrderId":"111-1","PostedDate":"2026-03-02T09:30:00Z",)";
  body += R"("ShipmentItemList":[)";
  body += items;
  body += "]}]}}";
  if (!group.empty()) {
    body += R"(,"FinancialEventGroup":)";
    body += group;
  }
  body += "}";
  return body;
}

std::string Charge(std::string_view type, std::string_view amount) {
  return std::string(R"({"ChargeType":")") + std::string(type) +
         R"(","ChargeAmount":{"CurrencyCode":"USD","CurrencyAmount":)" + std::string(amount) + "}}";
}

Payout LastPayout(const std::vector<Event>& events) {
  EXPECT_FALSE(events.empty());
  auto p = FromJson<Payout>(boost::json::value(events.back().data));
  EXPECT_TRUE(p.has_value()) << p.error().ToString();
  return *p;
}

TEST(AmazonConnectorTest, HttpDeliveriesAreRefusedBecauseAmazonDataComesFromFiles) {
  const AmazonConnector c;
  Delivery d = Page("", R"({"payload":{"Orders":[]}})");
  d.headers = {{"X-Amz-Signature", "anything"}};
  const Secrets secrets{{"s3cret"}};
  const FakeClock clock;
  const Status st = c.Verify(d, secrets, clock);
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code, ErrorCode::kUnauthenticated);
  EXPECT_NE(st.error().message.find("ingested from files"), std::string::npos);
  EXPECT_EQ(st.error().message.find("s3cret"), std::string::npos);
}

TEST(AmazonConnectorTest, DedupKeyIsTheContentHash) {
  const AmazonConnector c;
  const auto a = c.DedupKey(Page("orders", R"({"payload":{}})"));
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(*a, "sha256:" + Sha256Hex(R"({"payload":{}})"));
  EXPECT_NE(*a, c.DedupKey(Page("orders", R"({"payload":{ }})")).value());
}

TEST(AmazonConnectorTest, TopicIsGivenOrSniffedOrAskedFor) {
  const AmazonConnector c;
  EXPECT_EQ(c.Topic(Page("orders", "not even json")).value(), "orders");
  EXPECT_EQ(c.Topic(Page("", R"({"payload":{"NextToken":"x","FinancialEvents":{}}})")).value(),
            "financial_events");
  EXPECT_EQ(c.Topic(Page("", R"({"payload":{"FinancialEventGroupList":[]}})")).value(),
            "financial_event_groups");
  EXPECT_EQ(c.Topic(Page("", R"({"payload":{"Orders":[]}})")).value(), "orders");
  EXPECT_EQ(
      c.Topic(Page("", R"({"payload":{"AmazonOrderId":"1","OrderStatus":"Shipped"}})")).value(),
      "orders");
  const auto unknown = c.Topic(Page("", R"({"payload":{"transactions":[]}})"));
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(unknown.error().message.find("--topic"), std::string::npos);
  EXPECT_EQ(c.Topic(Page("", "{oops")).error().code, ErrorCode::kParse);
}

TEST(AmazonConnectorTest, UnknownTopicIsUnmapped) {
  const auto r = AmazonConnector().Translate(Page("transactions", R"({"payload":{}})"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnmapped);
}

TEST(AmazonConnectorTest, MalformedPagesNameTheirPath) {
  const AmazonConnector c;
  auto r = c.Translate(Page("financial_events", R"({"FinancialEvents":{}})"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().field, "payload");

  r = c.Translate(Page("financial_events",
                       Events("ShipmentEventList", R"({"OrderItemId":"9","ItemChargeList":[)"
                                                   R"({"ChargeType":"Principal"}]})")));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().field,
            "payload.FinancialEvents.ShipmentEventList[0].ShipmentItemList[0].ItemChargeList[0]."
            "ChargeAmount");

  r = c.Translate(Page("financial_events",
                       Events("ShipmentEventList", R"({"OrderItemId":"9","ItemChargeList":[)" +
                                                       Charge("Principal", R"("ten")") + "]}")));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().field,
            "payload.FinancialEvents.ShipmentEventList[0].ShipmentItemList[0].ItemChargeList[0]."
            "ChargeAmount.CurrencyAmount");

  r = c.Translate(Page("financial_events", R"({"errors":[{"code":"InvalidInput",)"
                                           R"("message":"Date range is invalid."}]})"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find("Date range is invalid."), std::string::npos);

  // getOrderItems on its own is not an order.
  r = c.Translate(Page("orders", R"({"payload":{"AmazonOrderId":"902-1","OrderItems":[]}})"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().field, "payload.OrderStatus");
}

// JSON floats are read from their text: no binary rounding, no silent loss.
// An exponent ("1.034E1", as a double-based writer emits it) moves the
// decimal point in the text.
TEST(AmazonConnectorTest, FloatAmountsAreExactOrRefused) {
  const AmazonConnector c;
  const std::string items = R"({"OrderItemId":"9","ItemChargeList":[)" +
                            Charge("Principal", "0.1") + "," + Charge("ShippingCharge", "0.2") +
                            "," + Charge("Goodwill", "-0.30") + "]}";
  auto r = c.Translate(Page("financial_events", Events("ShipmentEventList", items)));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(LastPayout(*r).amount.ToString(), "0.00 USD");

  const std::pair<const char*, const char*> exact[] = {{"1.034E1", "10.34"},
                                                       {"1e2", "100.00"},
                                                       {"-2.5E-1", "-0.25"},
                                                       {"0.00E+5", "0.00"},
                                                       {"12.300", "12.30"}};
  for (const auto& [text, want] : exact) {
    SCOPED_TRACE(text);
    r = c.Translate(Page("financial_events",
                         Events("ShipmentEventList", R"({"OrderItemId":"9","ItemChargeList":[)" +
                                                         Charge("Principal", text) + "]}")));
    ASSERT_TRUE(r.has_value()) << r.error().ToString();
    EXPECT_EQ(LastPayout(*r).amount.ToDecimal(), want);
  }
  for (const char* bad : {"0.105", "1E-7", "92233720368547758.08", "1e999"}) {
    SCOPED_TRACE(bad);
    r = c.Translate(Page("financial_events",
                         Events("ShipmentEventList", R"({"OrderItemId":"9","ItemChargeList":[)" +
                                                         Charge("Principal", bad) + "]}")));
    ASSERT_FALSE(r.has_value());
    EXPECT_TRUE(r.error().field.ends_with("CurrencyAmount")) << r.error().field;
  }
}

TEST(AmazonConnectorTest, EventListsThatCarryMoneyAreNeverSilentlyDropped) {
  const AmazonConnector c;
  auto r = c.Translate(
      Page("financial_events",
           R"({"payload":{"FinancialEvents":{"CouponPaymentEventList":[{"CouponId":"c1"}]}}})"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnmapped);
  EXPECT_NE(r.error().message.find("CouponPaymentEventList"), std::string::npos);
  // Empty lists move no money.
  r = c.Translate(Page("financial_events",
                       R"({"payload":{"FinancialEvents":{"CouponPaymentEventList":[],)"
                       R"("LoanServicingEventList":null}}})"));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_TRUE(r->empty());
}

TEST(AmazonConnectorTest, ProductAdsTotalMustBeBasePlusTax) {
  const std::string body =
      R"({"payload":{"FinancialEvents":{"ProductAdsPaymentEventList":[{"invoiceId":"inv-1",)"
      R"("transactionType":"charge","postedDate":"2026-03-03T00:00:00Z",)"
      R"("baseValue":{"CurrencyCode":"USD","CurrencyAmount":-10.00},)"
      R"("taxValue":{"CurrencyCode":"USD","CurrencyAmount":-0.80},)"
      R"("transactionValue":{"CurrencyCode":"USD","CurrencyAmount":-10.08}}]}}})";
  auto r = AmazonConnector().Translate(Page("financial_events", body));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kAmountMismatch);
  EXPECT_NE(r.error().message.find("-10.80"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("-10.08"), std::string::npos) << r.error().message;
}

TEST(AmazonConnectorTest, CommissionIsNegativeGrossOtherFeesAreFeeKept) {
  const std::string items = R"({"OrderItemId":"9","SellerSKU":"JKT-01","QuantityShipped":1,)"
                            R"("ItemChargeList":[)" +
                            Charge("Principal", "100.00") + R"(],"ItemFeeList":[)" +
                            R"({"FeeType":"Commission","FeeAmount":{"CurrencyCode":"USD",)"
                            R"("CurrencyAmount":-15.00}},)"
                            R"({"FeeType":"FBAPerUnitFulfillmentFee","FeeAmount":)"
                            R"({"CurrencyCode":"USD","CurrencyAmount":-3.22}}]})";
  auto r =
      AmazonConnector().Translate(Page("financial_events", Events("ShipmentEventList", items)));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  ASSERT_EQ(r->size(), 2U);
  EXPECT_EQ((*r)[0].type, "fulfillment.created");
  const Payout p = LastPayout(*r);
  ASSERT_EQ(p.lines.size(), 3U);
  EXPECT_EQ(p.lines[1].kind, PayoutLineKind::kCommission);
  EXPECT_EQ(p.lines[1].gross.ToDecimal(), "-15.00");
  EXPECT_EQ(p.lines[1].fee.ToDecimal(), "0.00");
  EXPECT_EQ(p.lines[2].kind, PayoutLineKind::kFee);
  EXPECT_EQ(p.lines[2].gross.ToDecimal(), "0.00");
  EXPECT_EQ(p.lines[2].fee.ToDecimal(), "3.22");
  EXPECT_EQ(p.lines[2].net.ToDecimal(), "-3.22");
  EXPECT_EQ(p.amount.ToDecimal(), "81.78");
  EXPECT_EQ(p.lines[0].order_reference, "amazon:seller-us:111-1");
  EXPECT_EQ(p.lines[0].source_reference, "111-1");
}

// Tax the seller collects is the seller's money (a charge); tax Amazon
// remits passes through as tax lines that net to zero.
TEST(AmazonConnectorTest, TaxIsAChargeUnlessAmazonWithholdsIt) {
  const std::string seller = R"({"OrderItemId":"9","ItemChargeList":[)" +
                             Charge("Principal", "100.00") + "," + Charge("Tax", "8.00") + "]}";
  auto r =
      AmazonConnector().Translate(Page("financial_events", Events("ShipmentEventList", seller)));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(LastPayout(*r).lines[1].kind, PayoutLineKind::kCharge);

  const std::string amazon =
      R"({"OrderItemId":"9","ItemChargeList":[)" + Charge("Principal", "100.00") + "," +
      Charge("Tax", "8.00") +
      R"(],"ItemTaxWithheldList":[{"TaxCollectionModel":"MarketplaceFacilitator",)"
      R"("TaxesWithheld":[)" +
      Charge("MarketplaceFacilitatorTax-Principal", "-8.00") + "]}]}";
  r = AmazonConnector().Translate(Page("financial_events", Events("ShipmentEventList", amazon)));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  const Payout p = LastPayout(*r);
  ASSERT_EQ(p.lines.size(), 3U);
  EXPECT_EQ(p.lines[1].kind, PayoutLineKind::kTax);
  EXPECT_EQ(p.lines[2].kind, PayoutLineKind::kTax);
  EXPECT_EQ(p.amount.ToDecimal(), "100.00");
}

TEST(AmazonConnectorTest, OnlyACompleteClosedSucceededGroupIsPaid) {
  const std::string items =
      R"({"OrderItemId":"9","ItemChargeList":[)" + Charge("Principal", "10.00") + "]}";
  const std::string closed =
      R"({"FinancialEventGroupId":"G1","ProcessingStatus":"Closed","FundTransferStatus":)"
      R"("Succeeded","OriginalTotal":{"CurrencyCode":"USD","CurrencyAmount":10.0}})";
  auto r = AmazonConnector().Translate(
      Page("financial_events", Events("ShipmentEventList", items, closed)));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->back().type, "payout.paid");
  EXPECT_EQ(r->back().key, "amazon:seller-us:payout:G1");

  // A page with a NextToken is part of the group: never the settlement.
  std::string partial = Events("ShipmentEventList", items, closed);
  partial.replace(partial.find(R"({"FinancialEvents")"), 1, R"({"NextToken":"more",)");
  r = AmazonConnector().Translate(Page("financial_events", partial));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->back().type, "payout.updated");

  // A closed group without a total cannot be checked.
  const std::string no_total =
      R"({"FinancialEventGroupId":"G1","ProcessingStatus":"Closed","FundTransferStatus":)"
      R"("Succeeded"})";
  r = AmazonConnector().Translate(
      Page("financial_events", Events("ShipmentEventList", items, no_total)));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().field, "FinancialEventGroup.OriginalTotal");
}

TEST(AmazonConnectorTest, UngroupedEventsArePayoutsPerCurrency) {
  const std::string body =
      R"({"payload":{"FinancialEvents":{"AdjustmentEventList":[)"
      R"({"AdjustmentType":"FBAInventoryReimbursement","PostedDate":"2026-03-03T00:00:00Z",)"
      R"("AdjustmentAmount":{"CurrencyCode":"USD","CurrencyAmount":12.5}},)"
      R"({"AdjustmentType":"ReserveEvent","PostedDate":"2026-03-03T00:00:00Z",)"
      R"("AdjustmentAmount":{"CurrencyCode":"CAD","CurrencyAmount":-20}}]}}})";
  auto r = AmazonConnector().Translate(Page("financial_events", body));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  ASSERT_EQ(r->size(), 2U);
  for (const Event& e : *r) {
    EXPECT_EQ(e.type, "payout.updated");
  }
  auto usd = FromJson<Payout>(boost::json::value((*r)[0].data));
  auto cad = FromJson<Payout>(boost::json::value((*r)[1].data));
  ASSERT_TRUE(usd && cad);
  EXPECT_EQ(usd->amount.ToString(), "12.50 USD");
  EXPECT_EQ(usd->lines[0].kind, PayoutLineKind::kAdjustment);
  EXPECT_EQ(cad->amount.ToString(), "-20.00 CAD");
  EXPECT_EQ(cad->lines[0].kind, PayoutLineKind::kReserve);
  EXPECT_NE(usd->payout_id, cad->payout_id);
}

TEST(AmazonConnectorTest, VatInclusiveOrderIsTaxesIncluded) {
  const std::string body =
      R"({"payload":{"AmazonOrderId":"205-1","OrderStatus":"Unshipped",)"
      R"("PurchaseDate":"2026-03-01T10:00:00Z","LastUpdateDate":"2026-03-01T10:00:00Z",)"
      R"("OrderTotal":{"CurrencyCode":"GBP","Amount":"120.00"},"OrderItems":[)"
      R"({"OrderItemId":"1","SellerSKU":"JKT-01","QuantityOrdered":1,)"
      R"("ItemPrice":{"CurrencyCode":"GBP","Amount":"120.00"},)"
      R"("ItemTax":{"CurrencyCode":"GBP","Amount":"20.00"}}]}})";
  auto r = AmazonConnector().Translate(Page("orders", body));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  ASSERT_EQ(r->size(), 1U);
  EXPECT_EQ((*r)[0].type, "order.created");
  auto o = FromJson<Order>(boost::json::value((*r)[0].data));
  ASSERT_TRUE(o.has_value()) << o.error().ToString();
  EXPECT_TRUE(o->taxes_included);
  EXPECT_FALSE(o->marketplace_collects_tax);
  EXPECT_EQ(o->tenders.at(0).amount.ToString(), "120.00 GBP");
}

TEST(AmazonConnectorTest, MixedTaxCollectionInOneOrderIsRefused) {
  const std::string body =
      R"({"payload":{"AmazonOrderId":"113-1","OrderStatus":"Unshipped",)"
      R"("OrderTotal":{"CurrencyCode":"USD","Amount":"20.00"},"OrderItems":[)"
      R"({"OrderItemId":"1","QuantityOrdered":1,"ItemPrice":{"CurrencyCode":"USD","Amount":"10.00"},)"
      R"("TaxCollection":{"Model":"MarketplaceFacilitator"}},)"
      R"({"OrderItemId":"2","QuantityOrdered":1,"ItemPrice":{"CurrencyCode":"USD","Amount":"10.00"}}]}})";
  auto r = AmazonConnector().Translate(Page("orders", body));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnmapped);
  EXPECT_EQ(r.error().field, "payload.OrderItems");
}

TEST(AmazonConnectorTest, ReplayYieldsTheSameEventIds) {
  const std::string items = R"({"OrderItemId":"9","QuantityShipped":1,"ItemChargeList":[)" +
                            Charge("Principal", "1") + "]}";
  const Delivery d = Page("financial_events", Events("ShipmentEventList", items));
  auto a = AmazonConnector().Translate(d);
  auto b = AmazonConnector().Translate(d);
  ASSERT_TRUE(a && b);
  ASSERT_EQ(a->size(), b->size());
  for (std::size_t i = 0; i < a->size(); ++i) {
    EXPECT_EQ((*a)[i].event_id, (*b)[i].event_id);
    EXPECT_EQ(EventToJson((*a)[i]), EventToJson((*b)[i]));
  }
}

}  // namespace
}  // namespace hub
