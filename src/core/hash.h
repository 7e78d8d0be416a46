// Bit mixing for in-memory hashing: identity's blocking keys, the ledger's
// key and content hashes, the inbox's dedup filter.
#pragma once

#include <cstdint>

namespace hub {

// MurmurHash3's 64-bit finaliser: every input bit affects every output bit.
inline std::uint64_t Fmix64(std::uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

}  // namespace hub
