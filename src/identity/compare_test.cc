// Similarity functions against published values, comparison levels, and EM
// recovering known m/u from unlabelled synthetic patterns.
#include "identity/compare.h"

#include <gtest/gtest.h>

#include <random>

#include "identity/model.h"

namespace hub::identity {
namespace {

TEST(JaroWinkler, KnownValues) {
  EXPECT_NEAR(JaroWinkler("martha", "marhta"), 0.9611, 1e-4);
  EXPECT_NEAR(JaroWinkler("dwayne", "duane"), 0.84, 1e-4);
  EXPECT_NEAR(JaroWinkler("dixon", "dicksonx"), 0.8133, 1e-4);
  EXPECT_DOUBLE_EQ(JaroWinkler("abc", "abc"), 1.0);
  EXPECT_DOUBLE_EQ(JaroWinkler("", "abc"), 0.0);
  EXPECT_DOUBLE_EQ(JaroWinkler("abc", "xyz"), 0.0);
  const std::string long_a(100, 'a');
  EXPECT_DOUBLE_EQ(JaroWinkler(long_a, long_a + "b") > 0.99, true);
}

TEST(DamerauLevenshtein, Values) {
  EXPECT_EQ(DamerauLevenshtein("19900315", "19900351"), 1);  // transposition
  EXPECT_EQ(DamerauLevenshtein("kitten", "sitting", 5), 3);
  EXPECT_EQ(DamerauLevenshtein("abc", "abc"), 0);
  EXPECT_EQ(DamerauLevenshtein("abc", "abcdefgh", 2), 3);  // capped
}

TEST(TokenSet, Jaccard) {
  EXPECT_DOUBLE_EQ(TokenSetJaccard("n main st", "main st n"), 1.0);
  EXPECT_DOUBLE_EQ(TokenSetJaccard("main st", "main ave"), 1.0 / 3.0);
}

TEST(Compare, Levels) {
  NormalizedRecord a;
  NormalizedRecord b;
  a.first = "gabriel";
  a.last = "moulton";
  b.first = "moulton";  // swapped and misspelt
  b.last = "gabrniel";
  a.dob = "19900315";
  b.dob = "19901503";
  Pattern p = Compare(a, b);
  EXPECT_EQ(LevelName(CmpField::kFirstName, p[0]), "swapped");
  EXPECT_EQ(LevelName(CmpField::kLastName, p[1]), "swapped");
  EXPECT_EQ(LevelName(CmpField::kBirthDate, p[2]), "day_month_swapped");
  EXPECT_EQ(LevelName(CmpField::kEmail, p[3]), "missing");
  EXPECT_EQ(UnpackPattern(PackPattern(p)), p);
}

TEST(Em, RecoversParametersFromUnlabelledPatterns) {
  // Three binary-ish fields; matches agree with 0.9, non-matches with 0.1;
  // 10% of pairs are matches. EM must find that without labels.
  std::mt19937_64 rng(1);
  std::bernoulli_distribution is_match(0.1);
  std::bernoulli_distribution agree_m(0.9);
  std::bernoulli_distribution agree_u(0.1);
  std::unordered_map<std::uint64_t, std::uint64_t> counts;
  for (int i = 0; i < 20000; ++i) {
    const bool m = is_match(rng);
    Pattern p{};
    for (CmpField f :
         {CmpField::kFirstName, CmpField::kLastName, CmpField::kBirthDate, CmpField::kPostcode}) {
      const bool agree = m ? agree_m(rng) : agree_u(rng);
      p[static_cast<std::size_t>(f)] = static_cast<std::uint8_t>(agree ? ExactLevel(f) : 1);
    }
    ++counts[PackPattern(p)];
  }
  std::vector<std::pair<std::uint64_t, std::uint64_t>> patterns(counts.begin(), counts.end());
  const ModelParams fit = EstimateEm(patterns, PriorParams());
  EXPECT_TRUE(fit.converged);
  EXPECT_NEAR(fit.lambda, 0.1, 0.02);
  const auto f = static_cast<std::size_t>(CmpField::kLastName);
  EXPECT_NEAR(fit.m[f][ExactLevel(CmpField::kLastName)], 0.9, 0.03);
  EXPECT_NEAR(fit.u[f][ExactLevel(CmpField::kLastName)], 0.1, 0.03);
  EXPECT_GT(LevelWeight(fit, CmpField::kLastName, ExactLevel(CmpField::kLastName)), 2.5);
  EXPECT_LT(LevelWeight(fit, CmpField::kLastName, 1), -2.5);
}

TEST(TermFrequencies, RareValuesWeighMore) {
  TermFrequencies tf;
  for (int i = 0; i < 100; ++i) {
    tf.Add("smith");
  }
  for (int i = 0; i < 100; ++i) {
    tf.Add("name" + std::to_string(i));
  }
  EXPECT_LT(tf.Adjustment("smith", 5), 0);
  EXPECT_GT(tf.Adjustment("name7", 5), 0);
  tf.Remove("name7");
  EXPECT_EQ(tf.Adjustment("name7", 5), 0);
}

}  // namespace
}  // namespace hub::identity

namespace hub::identity {
namespace {

// The bound never hides a value at or above the floor: over random strings
// from a small alphabet (many shared letters) and name-like pairs, the
// bounded function equals JaroWinkler whenever that reaches the floor, and
// is 0 otherwise.
TEST(JaroWinklerFloorTest, AgreesWithJaroWinklerAtAndAboveTheFloor) {
  std::mt19937 rng(11);
  auto word = [&](std::size_t max_len, const std::string& alphabet) {
    std::string w(1 + rng() % max_len, 'a');
    for (char& c : w) {
      c = alphabet[rng() % alphabet.size()];
    }
    return w;
  };
  int above = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string alphabet = i % 2 == 0 ? "abcde" : "abcdefghijklmnopqrstuvwxyz0123 ";
    const std::string a = word(i % 3 == 0 ? 80 : 12, alphabet);
    std::string b = i % 4 == 0 ? a : word(i % 3 == 0 ? 80 : 12, alphabet);
    if (i % 4 == 0 && !b.empty()) {
      b[rng() % b.size()] = 'x';  // a near miss
    }
    for (const double floor : {0.88, 0.9}) {
      const double exact = JaroWinkler(a, b);
      const double bounded = JaroWinklerFloor(a, b, floor);
      if (exact >= floor) {
        ++above;
        ASSERT_EQ(bounded, exact) << a << " / " << b;
      } else {
        ASSERT_TRUE(bounded == 0.0 || bounded == exact) << a << " / " << b;
      }
    }
  }
  EXPECT_GT(above, 1000);
  EXPECT_EQ(JaroWinklerFloor("smith", "garcia", 0.88), 0.0);
  EXPECT_EQ(JaroWinklerFloor("martha", "marhta", 0.88), JaroWinkler("martha", "marhta"));
}

}  // namespace
}  // namespace hub::identity
