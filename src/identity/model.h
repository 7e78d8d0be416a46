// Fellegi-Sunter scoring: per-level m and u, the match prior, EM estimation
// from unlabelled comparison patterns, and term-frequency adjustment of exact
// name/city agreement. Not here: which pairs are compared (resolver.h).
// ModelParams and TermFrequencies are plain values; const use is thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "identity/compare.h"

namespace hub::identity {

struct ModelParams {
  // m[f][l] = P(level l | match), u[f][l] = P(level l | non-match), over the
  // non-missing levels (index 0, "missing", is unused and weighs 0).
  std::array<std::array<double, kMaxLevels>, kCmpFieldCount> m{};
  std::array<std::array<double, kMaxLevels>, kCmpFieldCount> u{};
  double lambda = 0.01;  // P(match) among candidate pairs
  int iterations = 0;    // EM iterations run; 0 = priors only
  bool converged = false;
};

struct EmOptions {
  int max_iterations = 200;
  double tolerance = 1e-7;  // max change of any parameter between iterations
  // Pseudo-count per level so no level ever gets m or u of exactly 0.
  double smoothing = 0.5;
  // Keep u at its initial value (e.g. from random pairs) and fit m, lambda only.
  bool fix_u = false;
};

// Monotone priors: strong agreement likely for matches, rare for non-matches.
ModelParams PriorParams();

// EM over (packed pattern, count) pairs; starts from `init`.
ModelParams EstimateEm(const std::vector<std::pair<std::uint64_t, std::uint64_t>>& patterns,
                       const ModelParams& init, const EmOptions& options = {});

// log2(m/u) of one level; 0 for "missing".
double LevelWeight(const ModelParams& p, CmpField f, std::size_t level);
// log2(lambda / (1 - lambda)).
double PriorWeight(const ModelParams& p);

// How common each value is, for the term-frequency adjustment of exact
// agreement: agreeing on "smith" counts less than agreeing on "zylberstein".
class TermFrequencies {
 public:
  void Add(std::string_view value);
  void Remove(std::string_view value);
  // log2(average agreement rate / this value's rate), bounded to ±max_bits;
  // 0 for unknown values or when too few values are known.
  double Adjustment(std::string_view value, double max_bits) const;
  std::uint64_t total() const { return total_; }

 private:
  std::unordered_map<std::string, std::uint32_t> counts_;
  std::uint64_t total_ = 0;
  double sum_sq_ = 0;  // Σ count², kept incrementally
};

}  // namespace hub::identity
