// Mapping changes through the API's read model, on a real hub over SQLite:
// versioned (a stale version is a conflict), validated against the chart
// (nothing changes on error), applied to the live posting rules, and stored
// so that a restart keeps them.
#include "app/mappings.h"

#include <gtest/gtest.h>

#include "app/hub.h"
#include "app/read_model.h"
#include "testing/testing.h"

namespace hub::app {
namespace {

namespace json = boost::json;

class MappingsTest : public ::testing::Test {
 protected:
  void Open() {
    model_.reset();
    hub_.reset();
    Config c;
    c.store.data_dir = dir_.path().string();
    c.store.synchronous_full = false;
    c.server.listen = "127.0.0.1:0";
    auto h = Hub::Open(c, clock_);
    ASSERT_TRUE(h) << h.error().ToString();
    hub_ = std::move(*h);
    model_ = MakeHubReadModel(*hub_);
  }
  json::object Get() {
    auto m = model_->Mappings();
    EXPECT_TRUE(m) << m.error().ToString();
    return m ? *m : json::object{};
  }

  testing::TempDir dir_;
  SystemClock clock_;
  std::unique_ptr<Hub> hub_;
  std::unique_ptr<api::v1::ReadModel> model_;
};

TEST_F(MappingsTest, ATenderMappingIsVersionedAppliedAndSurvivesARestart) {
  Open();
  json::object before = Get();
  EXPECT_EQ(before.at("version").as_int64(), 1);
  ASSERT_TRUE(before.at("tenders").as_object().contains("stripe"));
  // The posting rules do not know klarna yet: an order paid with it would be
  // a business exception naming the missing mapping.
  auto missing = hub_->finance().engine->config().ClearingAccount("klarna", TenderKind::kCard);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kUnmapped);

  json::object tenders = before.at("tenders").as_object();
  tenders["klarna"] = "1100";
  auto after = model_->UpdateMapping("tenders", tenders, 1, "key:admin");
  ASSERT_TRUE(after) << after.error().ToString();
  EXPECT_EQ(after->at("version").as_int64(), 2);
  EXPECT_EQ(after->at("tenders").as_object().at("klarna"), "1100");
  auto now = hub_->finance().engine->config().ClearingAccount("klarna", TenderKind::kCard);
  ASSERT_TRUE(now) << now.error().ToString();
  EXPECT_EQ(*now, "1100");

  // The same base version again: somebody else's change came first.
  auto stale = model_->UpdateMapping("tenders", tenders, 1, "key:other");
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, ErrorCode::kConflict);

  Open();  // restart on the same data directory
  json::object reopened = Get();
  EXPECT_EQ(reopened.at("version").as_int64(), 2);
  EXPECT_EQ(reopened.at("tenders").as_object().at("klarna"), "1100");
  EXPECT_TRUE(hub_->finance().engine->config().ClearingAccount("klarna", TenderKind::kCard));
}

TEST_F(MappingsTest, AnAccountNotInTheChartIsRefusedAndNothingChanges) {
  Open();
  json::object tenders = Get().at("tenders").as_object();
  tenders["klarna"] = "9999";
  auto r = model_->UpdateMapping("tenders", tenders, 1, "key:admin");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().field, "$.klarna");
  EXPECT_NE(r.error().message.find("9999"), std::string::npos) << r.error().message;
  json::object after = Get();
  EXPECT_EQ(after.at("version").as_int64(), 1);
  EXPECT_FALSE(after.at("tenders").as_object().contains("klarna"));
}

TEST_F(MappingsTest, TheChartTakesNewNamesAndErpCodesButNotNewTypes) {
  Open();
  json::array chart{
      json::object{{"code", "1000"}, {"name", "Operating bank"}, {"erp_code", "10100-OP"}}};
  auto r = model_->UpdateMapping("chart", chart, 1, "key:admin");
  ASSERT_TRUE(r) << r.error().ToString();
  bool seen = false;
  for (const auto& a : r->at("chart").as_array()) {
    if (a.as_object().at("code") == "1000") {
      seen = true;
      EXPECT_EQ(a.as_object().at("name"), "Operating bank");
      EXPECT_EQ(a.as_object().at("erp_code"), "10100-OP");
    }
  }
  EXPECT_TRUE(seen);
  json::array retype{json::object{{"code", "1000"}, {"type", "expense"}}};
  auto bad = model_->UpdateMapping("chart", retype, 2, "key:admin");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "$[0].type");
  json::array unknown{json::object{{"code", "7777"}, {"name", "New"}}};
  auto add = model_->UpdateMapping("chart", unknown, 2, "key:admin");
  ASSERT_FALSE(add);
  EXPECT_EQ(add.error().field, "$[0].code");

  Open();
  const json::object reopened = Get();
  for (const auto& a : reopened.at("chart").as_array()) {
    if (a.as_object().at("code") == "1000") {
      EXPECT_EQ(a.as_object().at("name"), "Operating bank");
    }
  }
}

TEST_F(MappingsTest, TaxCodesAndLocationsReplaceTheirSection) {
  Open();
  auto tax = model_->UpdateMapping("tax_codes", json::object{{"CA-STATE", "2100"}, {"*", "2100"}},
                                   1, "key:admin");
  ASSERT_TRUE(tax) << tax.error().ToString();
  EXPECT_EQ(hub_->finance().engine->config().tax_default_account, "2100");
  auto acc = hub_->finance().engine->config().TaxAccount("NY-CITY");
  ASSERT_TRUE(acc);
  EXPECT_EQ(*acc, "2100");
  auto loc = model_->UpdateMapping("locations", json::array{"SF-01", "NY-02"}, 2, "key:admin");
  ASSERT_TRUE(loc) << loc.error().ToString();
  EXPECT_TRUE(hub_->finance().engine->config().CheckLocation("NY-02"));
  EXPECT_FALSE(hub_->finance().engine->config().CheckLocation("LA-09"));
  auto bad = model_->UpdateMapping("locations", json::array{"SF-01", 7}, 3, "key:admin");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "$[1]");
}

}  // namespace
}  // namespace hub::app
