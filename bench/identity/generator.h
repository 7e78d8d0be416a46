// Synthetic customers with known duplicates and realistic errors (typos,
// swapped names, missing fields, nicknames, moved addresses, phone formats).
// Deterministic for a seed. Thread-compatible.
#pragma once

#include <cstdint>
#include <vector>

#include "identity/record.h"

namespace hub::identity::bench {

struct SyntheticSet {
  std::vector<SourceRecord> records;
  std::vector<std::uint32_t> entity;  // truth: entity of each record
};

// `n` records; about 30% of entities have 1-3 extra records from other sources.
SyntheticSet Generate(std::size_t n, std::uint64_t seed);

// One extra noisy record of entity `e` of a set, for incremental timing.
SourceRecord NoisyCopy(const SyntheticSet& set, std::size_t index, std::uint64_t seed,
                       const std::string& id);

}  // namespace hub::identity::bench
