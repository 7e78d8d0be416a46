// Private to bus/: shared row writers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bus/bus.h"
#include "core/result.h"
#include "core/time.h"
#include "store/store.h"

namespace hub::bus::internal {

// [[name, value], …]: the stored form of a message's headers.
std::string HeadersToJson(const std::vector<std::pair<std::string, std::string>>& headers);
std::vector<std::pair<std::string, std::string>> HeadersFromJson(const std::string& json);

// The columns kMessageColumns selects, in that order, read into a message.
inline constexpr std::string_view kMessageColumns =
    "seq, id, source, account, topic, dedup_key, received_at, correlation_id, traceparent, "
    "headers, url, body";
RawMessage ReadMessage(const store::Statement& row);

Status InsertFailure(store::Connection& conn, const Clock& clock, std::string_view kind,
                     std::string_view stage, std::int64_t message_seq,
                     std::string_view correlation_id, std::string_view event_id,
                     std::string_view event_type, std::string_view reason_code,
                     std::string_view message, std::string_view field, std::string_view attempts,
                     bool finance);

// The dedup index (schema bus v5). bus_dedup holds the dedup key of every
// stored message up to bus_dedup_mark.seq; a running hub's committer holds
// the keys of later messages in memory and writes them to bus_dedup in
// sorted batches (bus.cc, "dedup index"). A message is a duplicate when its
// key is in bus_dedup or among the unindexed messages after the mark.

// bus_dedup_mark.seq: every message up to it has its key in bus_dedup.
Result<std::int64_t> DedupMark(store::Connection& conn);

// The message stored under this key according to bus_dedup alone (the
// caller checks the messages after the mark), as a duplicate's answer.
Result<std::optional<IngestResult>> FindIndexed(store::Connection& conn, std::string_view source,
                                                std::string_view account,
                                                std::string_view dedup_key);

// Inside the caller's write transaction: writes the keys of every message
// after the mark into bus_dedup and moves the mark to the end of the log.
// For a writer without the committer's memory (`retailhub ingest` in its
// own process): it reads back every row after the mark (up to about twice
// bus.dedup_index_batch while a hub runs) and inserts their keys sorted,
// holding the write lock meanwhile.
Status CatchUpDedup(store::Connection& conn);

// Moves the mark up to `seq` (never down: another writer may be ahead).
Status AdvanceDedupMark(store::Connection& conn, std::int64_t seq);

// A Bloom filter of 64-bit key hashes that grows as keys are added: a chain
// of parts, each twice the size of the one before, about 10 bits and 7
// probes per key (under 1 % false positives per part). MayContain is never
// false for a key that was added.
class KeyFilter {
 public:
  void Add(std::uint64_t hash);
  bool MayContain(std::uint64_t hash) const;
  std::size_t size() const { return count_; }

 private:
  struct Part {
    std::vector<std::uint64_t> words;
    std::uint64_t bits = 0;
    std::size_t capacity = 0, count = 0;
  };
  static constexpr int kProbes = 7;
  static constexpr std::size_t kFirstCapacity = std::size_t{1} << 16;
  static constexpr std::uint64_t kBitsPerKey = 10;
  std::vector<Part> parts_;
  std::size_t count_ = 0;
};

}  // namespace hub::bus::internal
