// EM for Fellegi-Sunter over unique comparison patterns (fastLink-style
// hashing: cost scales with distinct patterns, not pairs).
#include "identity/model.h"

#include <algorithm>
#include <cmath>

namespace hub::identity {
namespace {

constexpr double kFloor = 1e-9;

}  // namespace

ModelParams PriorParams() {
  // Used until EM has data. Conservative: one agreeing name alone is not
  // enough to merge; names plus a contact field are.
  ModelParams p;
  for (std::size_t f = 0; f < kCmpFieldCount; ++f) {
    const auto field = static_cast<CmpField>(f);
    const std::size_t n = LevelCount(field);
    double u_exact = 0.01;
    switch (field) {
      case CmpField::kRegion:
        u_exact = 0.2;
        break;
      case CmpField::kCity:
      case CmpField::kStreetNumber:
      case CmpField::kUnit:
        u_exact = 0.05;
        break;
      case CmpField::kPostcode:
        u_exact = 0.02;
        break;
      case CmpField::kEmail:
      case CmpField::kPhone:
      case CmpField::kLoyaltyId:
      case CmpField::kNationalId:
        u_exact = 0.001;
        break;
      default:
        break;
    }
    // Level 1 is "different", n-1 exact; partial levels share the rest.
    const std::size_t partial = n - 3;
    p.m[f][1] = 0.05;
    p.m[f][n - 1] = 0.8;
    p.u[f][n - 1] = u_exact;
    p.u[f][1] = 1.0 - u_exact - 0.02 * static_cast<double>(partial);
    for (std::size_t l = 2; l + 1 < n; ++l) {
      p.m[f][l] = 0.15 / static_cast<double>(partial);
      p.u[f][l] = 0.02;
    }
    if (partial == 0) {
      p.m[f][1] = 0.2;
    }
  }
  p.lambda = 0.02;
  return p;
}

double LevelWeight(const ModelParams& p, CmpField f, std::size_t level) {
  if (level == 0) {
    return 0.0;
  }
  const auto fi = static_cast<std::size_t>(f);
  return std::log2(std::max(p.m[fi][level], kFloor) / std::max(p.u[fi][level], kFloor));
}

double PriorWeight(const ModelParams& p) {
  const double l = std::clamp(p.lambda, 1e-12, 1.0 - 1e-12);
  return std::log2(l / (1.0 - l));
}

ModelParams EstimateEm(const std::vector<std::pair<std::uint64_t, std::uint64_t>>& patterns,
                       const ModelParams& init, const EmOptions& options) {
  ModelParams p = init;
  if (patterns.empty()) {
    return p;
  }
  std::vector<Pattern> unpacked;
  unpacked.reserve(patterns.size());
  double total = 0;
  for (const auto& [code, count] : patterns) {
    unpacked.push_back(UnpackPattern(code));
    total += static_cast<double>(count);
  }
  std::vector<double> post(patterns.size());
  for (int it = 0; it < options.max_iterations; ++it) {
    // E-step: posterior match probability per pattern.
    std::array<std::array<double, kMaxLevels>, kCmpFieldCount> lm{};
    std::array<std::array<double, kMaxLevels>, kCmpFieldCount> lu{};
    for (std::size_t f = 0; f < kCmpFieldCount; ++f) {
      for (std::size_t l = 1; l < kMaxLevels; ++l) {
        lm[f][l] = std::log(std::max(p.m[f][l], kFloor));
        lu[f][l] = std::log(std::max(p.u[f][l], kFloor));
      }
    }
    const double lp = std::log(std::clamp(p.lambda, 1e-12, 1.0 - 1e-12));
    const double lq = std::log(1.0 - std::clamp(p.lambda, 1e-12, 1.0 - 1e-12));
    double match_mass = 0;
    for (std::size_t i = 0; i < unpacked.size(); ++i) {
      double a = lp;
      double b = lq;
      for (std::size_t f = 0; f < kCmpFieldCount; ++f) {
        const std::size_t l = unpacked[i][f];
        if (l != 0) {
          a += lm[f][l];
          b += lu[f][l];
        }
      }
      post[i] = 1.0 / (1.0 + std::exp(std::clamp(b - a, -700.0, 700.0)));
      match_mass += post[i] * static_cast<double>(patterns[i].second);
    }
    // M-step.
    ModelParams next = p;
    next.lambda = std::clamp(match_mass / total, 1e-9, 1.0 - 1e-9);
    for (std::size_t f = 0; f < kCmpFieldCount; ++f) {
      const std::size_t n = LevelCount(static_cast<CmpField>(f));
      std::array<double, kMaxLevels> mc{};
      std::array<double, kMaxLevels> uc{};
      for (std::size_t i = 0; i < unpacked.size(); ++i) {
        const std::size_t l = unpacked[i][f];
        if (l == 0) {
          continue;
        }
        const double c = static_cast<double>(patterns[i].second);
        mc[l] += post[i] * c;
        uc[l] += (1.0 - post[i]) * c;
      }
      double ms = 0;
      double us = 0;
      for (std::size_t l = 1; l < n; ++l) {
        ms += mc[l] + options.smoothing;
        us += uc[l] + options.smoothing;
      }
      for (std::size_t l = 1; l < n; ++l) {
        next.m[f][l] = (mc[l] + options.smoothing) / ms;
        if (!options.fix_u) {
          next.u[f][l] = (uc[l] + options.smoothing) / us;
        }
      }
    }
    double delta = std::abs(next.lambda - p.lambda);
    for (std::size_t f = 0; f < kCmpFieldCount; ++f) {
      for (std::size_t l = 1; l < kMaxLevels; ++l) {
        delta = std::max(delta, std::abs(next.m[f][l] - p.m[f][l]));
        delta = std::max(delta, std::abs(next.u[f][l] - p.u[f][l]));
      }
    }
    next.iterations = it + 1;
    p = next;
    if (delta < options.tolerance) {
      p.converged = true;
      break;
    }
  }
  return p;
}

void TermFrequencies::Add(std::string_view value) {
  if (value.empty()) {
    return;
  }
  std::uint32_t& c = counts_[std::string(value)];
  sum_sq_ += 2.0 * c + 1.0;
  ++c;
  ++total_;
}

void TermFrequencies::Remove(std::string_view value) {
  auto it = counts_.find(std::string(value));
  if (it == counts_.end() || it->second == 0) {
    return;
  }
  sum_sq_ -= 2.0 * it->second - 1.0;
  --it->second;
  --total_;
  if (it->second == 0) {
    counts_.erase(it);
  }
}

double TermFrequencies::Adjustment(std::string_view value, double max_bits) const {
  if (total_ < 50) {
    return 0.0;  // too few values to tell common from rare
  }
  auto it = counts_.find(std::string(value));
  if (it == counts_.end()) {
    return 0.0;
  }
  const double n = static_cast<double>(total_);
  const double avg = sum_sq_ / (n * n);  // P(two random values agree)
  const double rate = static_cast<double>(it->second) / n;
  return std::clamp(std::log2(avg / rate), -max_bits, max_bits);
}

}  // namespace hub::identity
