// Chart of accounts: the default chart of DESIGN.md §3 and TOML loading,
// whose errors must name the key and the line so finance can fix the config.
#include "ledger/chart.h"

#include <gtest/gtest.h>

namespace hub::ledger {
namespace {

Result<Chart> Load(std::string_view text) {
  toml::table t = toml::parse(text);
  return LoadChart(t);
}

TEST(ChartTest, DefaultChartHasDesignAccounts) {
  const Chart c = DefaultChart();
  EXPECT_EQ(c.size(), 17u);
  ASSERT_TRUE(c.IndexOf("2300"));
  EXPECT_EQ(c.at(*c.IndexOf("2300")).name, "Order clearing");
  EXPECT_EQ(c.at(*c.IndexOf("2300")).subledger, Subledger::kOrder);
  EXPECT_EQ(c.at(*c.IndexOf("6200")).type, AccountType::kExpense);
  EXPECT_FALSE(c.IndexOf("9999"));
}

TEST(ChartTest, BadTypeNamesKeyAndLine) {
  auto r = Load(R"(
[[ledger.accounts]]
code = "1000"
name = "Bank"
type = "asset"

[[ledger.accounts]]
code = "2000"
name = "Oops"
type = "liabilty"
)");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kParse);
  EXPECT_EQ(r.error().field, "ledger.accounts[1].type");
  EXPECT_NE(r.error().message.find("line 10"), std::string::npos) << r.error().message;
}

TEST(ChartTest, MissingNameNamesTableLine) {
  auto r = Load("[[ledger.accounts]]\ncode = \"1000\"\ntype = \"asset\"\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "ledger.accounts[0].name");
  EXPECT_NE(r.error().message.find("is missing"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("line 1"), std::string::npos) << r.error().message;
}

TEST(ChartTest, WrongValueTypeNamesLine) {
  auto r = Load("[[ledger.accounts]]\ncode = 1000\nname = \"Bank\"\ntype = \"asset\"\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "ledger.accounts[0].code");
  EXPECT_NE(r.error().message.find("line 2"), std::string::npos) << r.error().message;
}

TEST(ChartTest, DuplicateCodeNamesBothLines) {
  auto r = Load(
      "[[ledger.accounts]]\ncode = \"1000\"\nname = \"A\"\ntype = \"asset\"\n"
      "[[ledger.accounts]]\ncode = \"1000\"\nname = \"B\"\ntype = \"asset\"\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "ledger.accounts[1].code");
  EXPECT_NE(r.error().message.find("line 6"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("line 2"), std::string::npos) << r.error().message;
}

TEST(ChartTest, UnknownParentRefused) {
  auto r = Load(
      "[[ledger.accounts]]\ncode = \"1100\"\nname = \"A\"\ntype = \"asset\"\nparent = \"1\"\n");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("unknown parent 1"), std::string::npos) << r.error().message;
}

TEST(ChartTest, LoadsAllFields) {
  auto r = Load(R"(
[[ledger.accounts]]
code = "1000"
name = "Bank"
type = "asset"
erp_code = "10100"

[[ledger.accounts]]
code = "2300"
name = "Order clearing"
type = "liability"
erp_code = "23000"
subledger = "order_id"
)");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->size(), 2u);
  EXPECT_EQ(r->at(0).erp_code, "10100");
  EXPECT_EQ(r->at(1).subledger, Subledger::kOrder);
  EXPECT_EQ(r->at(1).type, AccountType::kLiability);
}

TEST(ChartTest, MissingAccountsList) {
  auto r = Load("[ledger]\nname = \"x\"\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "ledger.accounts");
}

}  // namespace
}  // namespace hub::ledger
