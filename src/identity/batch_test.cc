// Batch resolve: bad input fails with a message naming the row and column;
// RFC 4180 quoting; every input row gets a cluster id; a small FEBRL run
// (skipped with a message when ../shared is absent).
#include "identity/batch.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "testing/testing.h"

namespace hub::identity {
namespace {

struct RunResult {
  int code;
  std::string out, err;
};

RunResult Resolve(const testing::TempDir& dir, const std::string& csv, ResolveOptions opt) {
  const auto in = dir.path() / "in.csv";
  std::ofstream(in, std::ios::binary) << csv;
  opt.input = in.string();
  if (opt.output.empty()) {
    opt.output = (dir.path() / "out.csv").string();
  }
  std::ostringstream out;
  std::ostringstream err;
  const int code = RunResolve(opt, out, err);
  std::string written;
  if (code == 0) {
    written = testing::ReadFile(opt.output);
  }
  return {code, written, err.str()};
}

TEST(Batch, MissingIdColumn) {
  testing::TempDir dir;
  const RunResult r = Resolve(dir, "id,first_name\n1,Ana\n", {.id_column = "customer_id"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("customer_id"), std::string::npos) << r.err;
}

TEST(Batch, UnknownFieldInMap) {
  testing::TempDir dir;
  ResolveOptions opt;
  opt.id_column = "id";
  opt.map = {{"fname", "given"}};
  const RunResult r = Resolve(dir, "id,fname\n1,Ana\n", opt);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("unknown field 'given'"), std::string::npos) << r.err;
}

TEST(Batch, MapNamesMissingColumn) {
  testing::TempDir dir;
  ResolveOptions opt;
  opt.id_column = "id";
  opt.map = {{"nope", "first_name"}};
  const RunResult r = Resolve(dir, "id,fname\n1,Ana\n", opt);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("'nope'"), std::string::npos) << r.err;
}

TEST(Batch, RaggedRowNamesRowAndColumn) {
  testing::TempDir dir;
  const RunResult r =
      Resolve(dir, "id,first_name,email\n1,Ana,a@x.com\n2,Bob\n", {.id_column = "id"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("line 3"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("column 'email'"), std::string::npos) << r.err;
}

TEST(Batch, UnterminatedQuoteNamesLineAndColumn) {
  testing::TempDir dir;
  const RunResult r = Resolve(dir, "id,first_name\n1,Ana\n2,\"Bob\n", {.id_column = "id"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("line 3, column 2"), std::string::npos) << r.err;
}

TEST(Batch, EmptyAndDuplicateIds) {
  testing::TempDir dir;
  RunResult r = Resolve(dir, "id,first_name\n1,Ana\n,Bob\n", {.id_column = "id"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("line 3"), std::string::npos) << r.err;
  r = Resolve(dir, "id,first_name\n1,Ana\n1,Bob\n", {.id_column = "id"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("duplicate record id '1'"), std::string::npos) << r.err;
}

TEST(Batch, UnreadableInput) {
  ResolveOptions opt;
  opt.input = "/nonexistent/in.csv";
  opt.id_column = "id";
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(RunResolve(opt, out, err), 1);
  EXPECT_NE(err.str().find("/nonexistent/in.csv"), std::string::npos);
}

TEST(Batch, QuotedCsv) {
  auto rows = ParseCsv("a,b\r\n\"x, \"\"y\"\"\",\"multi\nline\"\r\n\n3,4");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[1].cells[0], "x, \"y\"");
  EXPECT_EQ((*rows)[1].cells[1], "multi\nline");
  EXPECT_EQ((*rows)[2].line, 5u);
  EXPECT_FALSE(ParseCsv("a,\"b\"c\n"));
}

TEST(Batch, WritesEveryRowWithMappedColumns) {
  testing::TempDir dir;
  ResolveOptions opt;
  opt.id_column = "cid";
  opt.map = {{"Given", "first_name"}, {"Family", "last_name"}, {"Tel", "phone"}};
  const std::string csv =
      "cid,Given,Family,Tel,email\n"
      "sq-1,ANA,SOUZA,+14155550134,\n"
      "\"sh,9\",Ana,Souza,(415) 555-0134,ana.souza@example.com\n"
      "x-3,Peter,Kowalski,,peter@example.org\n";
  const RunResult r = Resolve(dir, csv, opt);
  ASSERT_EQ(r.code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  std::vector<std::string> got;
  while (std::getline(lines, line)) {
    got.push_back(line);
  }
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0], "record_id,cluster_id");
  const std::string c1 = got[1].substr(got[1].find(',') + 1);
  const std::string c2 = got[2].substr(got[2].rfind(',') + 1);
  const std::string c3 = got[3].substr(got[3].find(',') + 1);
  EXPECT_EQ(got[2].substr(0, 6), "\"sh,9\"");
  EXPECT_EQ(c1, c2);
  EXPECT_NE(c1, c3);
}

TEST(Batch, FebrlSmall) {
  HUB_REQUIRE_SHARED(shared);
  const auto src = shared / "data/febrl/dataset1.csv";
  if (!std::filesystem::exists(src)) {
    GTEST_SKIP() << "FEBRL dataset1 not found under " << shared;
  }
  // Opaque ids: the resolver must not see rec-<n>-org / -dup- ids.
  auto rows = ParseCsv(testing::ReadFile(src));
  ASSERT_TRUE(rows);
  testing::TempDir dir;
  std::ostringstream csv;
  std::map<std::string, std::string> entity_of;
  csv << "rec_id,given_name,surname,street_number,address_1,address_2,suburb,postcode,state,"
         "date_of_birth\n";
  for (std::size_t k = 1; k < rows->size(); ++k) {
    const auto& c = (*rows)[k].cells;
    const std::string id = "r" + std::to_string(k * 7919 % 100003);
    std::string rec = c[0].substr(c[0].find_first_not_of(' '));
    entity_of[id] = rec.substr(4, rec.find('-', 4) - 4);
    csv << id;
    for (std::size_t i = 1; i + 1 < c.size(); ++i) {
      csv << "," << c[i];
    }
    csv << "\n";
  }
  ResolveOptions opt;
  opt.id_column = "rec_id";
  opt.map = {{"given_name", "first_name"},       {"surname", "last_name"},
             {"street_number", "street_number"}, {"address_1", "address_line1"},
             {"address_2", "address_line2"},     {"suburb", "city"},
             {"postcode", "postcode"},           {"state", "region"},
             {"date_of_birth", "birth_date"}};
  const RunResult r = Resolve(dir, csv.str(), opt);
  ASSERT_EQ(r.code, 0) << r.err;
  auto out = ParseCsv(r.out);
  ASSERT_TRUE(out);
  ASSERT_EQ(out->size(), rows->size());
  std::map<std::string, std::vector<std::string>> by_cluster;
  for (std::size_t k = 1; k < out->size(); ++k) {
    by_cluster[(*out)[k].cells[1]].push_back(entity_of[(*out)[k].cells[0]]);
  }
  std::size_t tp = 0;
  std::size_t predicted = 0;
  for (const auto& [c, ents] : by_cluster) {
    for (std::size_t i = 0; i < ents.size(); ++i) {
      for (std::size_t j = i + 1; j < ents.size(); ++j) {
        ++predicted;
        tp += ents[i] == ents[j] ? 1 : 0;
      }
    }
  }
  const double precision = predicted ? static_cast<double>(tp) / static_cast<double>(predicted) : 0;
  const double recall = static_cast<double>(tp) / 500.0;  // FEBRL1: 500 true pairs
  EXPECT_GE(precision, 0.99);
  EXPECT_GE(recall, 0.99);
}

}  // namespace
}  // namespace hub::identity
