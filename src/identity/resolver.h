// Resolver: the in-memory identity engine. Records are normalised, blocked
// on several keys, compared and scored (Fellegi-Sunter, EM-trained, plus
// deterministic rules), then clustered incrementally with a chaining guard.
// Clusters carry stable canonical ids (a merge keeps the older id), a golden
// record with per-value lineage, a review queue, steward merge/unmerge and
// erasure. State is plain structs (ResolverState) so it can be persisted.
// Not thread-safe: callers serialise access. AddBatch uses worker threads
// internally.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/result.h"
#include "identity/compare.h"
#include "identity/model.h"
#include "identity/normalize.h"
#include "identity/record.h"

namespace hub::identity {

enum class Band : std::uint8_t { kNoMatch = 0, kReview = 1, kAutoMerge = 2 };
std::string_view BandName(Band b);

enum class SurvivorRule : std::uint8_t {
  kSourcePriority = 0,  // earlier in source_priority wins
  kRecency = 1,         // newer updated_at wins
  kCompleteness = 2,    // longer value (address: more filled fields) wins
  kFrequency = 3,       // value held by more member records wins
};

struct SurvivorshipConfig {
  // Most trusted first; unlisted sources rank after all listed ones.
  std::vector<std::string> source_priority;
  // Tie-break order applied to every attribute without its own entry.
  std::vector<SurvivorRule> rules = {SurvivorRule::kSourcePriority, SurvivorRule::kFrequency,
                                     SurvivorRule::kRecency, SurvivorRule::kCompleteness};
  // Per-attribute order, e.g. email -> {kRecency}. Address fields survive
  // together under Field::kAddressLine1 so a golden address is never a mix.
  std::map<Field, std::vector<SurvivorRule>> per_field;
};

struct ResolverConfig {
  NormalizeOptions normalize;
  // Blocks (records sharing one key) larger than this are skipped: such a
  // key is generic (a store's phone, "main st") and would flood the scorer.
  std::size_t block_size_max = 32;
  // The same for keys that are not identifiers (the name, birth date, first
  // name with street number or city, surname with postcode, ...): shared by
  // strangers in proportion to the number of records.
  std::size_t weak_block_size_max = 8;
  // Posterior match probability bands.
  double auto_merge_probability = 0.9;
  double review_probability = 0.2;
  // Term-frequency adjustment of exact first/last name and city agreement.
  bool term_frequency = true;
  double tf_max_bits = 4.0;
  // Deterministic rules beside the model.
  bool rule_same_loyalty_id = true;      // same loyalty id -> match
  bool rule_same_verified_email = true;  // same email verified by both sources -> match
  bool veto_loyalty_conflict = true;     // two different loyalty ids -> never match
  // Chaining guard: a record joins (or two clusters merge) only when the mean
  // match probability over all cross pairs reaches this, so a cluster cannot
  // grow through a series of weak links.
  double guard_mean_probability = 0.5;
  // ...and every member's mean link to the other side must reach this.
  double guard_member_probability = 0.05;
  std::size_t guard_pairs_max = 400;
  // No automatic merge may produce a cluster larger than this: a real person
  // rarely has this many source records, a chain of weak links often does.
  std::size_t cluster_size_max = 50;  // cross pairs scored per guard check (sampled beyond)
  EmOptions em;
  std::size_t em_random_pairs = 5000;  // random pairs used to seed u
  // Fewer candidate pairs than this: keep the prior model (EM on a handful of
  // pairs overfits).
  std::size_t em_min_pairs = 200;
  unsigned threads = 0;  // AddBatch workers; 0 = hardware concurrency
  SurvivorshipConfig survivorship;
};

enum class EventType : std::uint8_t {
  kCreated = 0,   // customer.created: new cluster `to` for `record`
  kLinked = 1,    // customer.linked: `record` joined existing cluster `to`
  kMerged = 2,    // customer.merged: cluster `from` merged into surviving `to`
  kUnmerged = 3,  // customer.unmerged: `record` split from `from` into new `to`
  kErased = 4,    // customer.erased: personal data of `to` removed
};
std::string_view EventName(EventType t);  // "customer.merged", ...

struct Event {
  EventType type = EventType::kCreated;
  CustomerId from;     // absorbed / split-from cluster; invalid when not applicable
  CustomerId to;       // surviving / resulting cluster
  RecordKey record;    // the record that triggered it, when one did
  std::string reason;  // "auto", "steward", "update", ...
};

struct Lineage {
  std::string source;
  std::string source_id;
  std::int64_t updated_at_us = 0;
};

struct SurvivingValue {
  std::string value;
  Lineage lineage;
};

struct GoldenRecord {
  CustomerId id;
  bool erased = false;
  std::vector<RecordKey> members;
  std::array<std::optional<SurvivingValue>, kFieldCount> values;
};

struct FieldExplanation {
  CmpField field;
  std::string level;  // e.g. "jw>=0.94"
  double weight = 0;  // log2(m/u), term-frequency adjustment included
  double tf_adjustment = 0;
};

struct Explanation {
  std::vector<FieldExplanation> fields;
  double prior_weight = 0;  // log2(lambda / (1 - lambda))
  double total_weight = 0;  // prior + Σ field weights (unless a rule decided)
  double probability = 0;
  Band band = Band::kNoMatch;
  std::string rule;  // deterministic rule that decided, empty when the model did
};

struct ReviewItem {
  RecordKey a;
  RecordKey b;
  double probability = 0;
};

struct StewardAction {
  std::string action;  // "merge", "unmerge", "erase"
  CustomerId from;
  CustomerId to;
  RecordKey record;
};

// Counters for the last AddBatch and the running engine.
struct ResolverStats {
  std::uint64_t records = 0;
  std::uint64_t candidate_pairs = 0;
  std::uint64_t suppressed_blocks = 0;  // keys over block_size_max
  std::uint64_t auto_pairs = 0;
  std::uint64_t review_pairs = 0;
  std::uint64_t guard_rejections = 0;
  int em_iterations = 0;
  double normalize_s = 0, block_s = 0, em_s = 0, cluster_s = 0;
};

// Everything the engine holds, as plain data (the persistence boundary).
struct StoredRecord {
  SourceRecord raw;
  NormalizedRecord norm;
  CustomerId cluster;
  bool erased = false;
};
struct ClusterState {
  CustomerId id;
  std::vector<std::uint32_t> members;  // indices into records
  bool erased = false;
};
struct ResolverState {
  std::vector<StoredRecord> records;
  std::map<std::uint64_t, ClusterState> clusters;                 // by CustomerId value
  std::vector<std::pair<std::uint32_t, std::uint32_t>> review;    // grey-band record pairs
  std::set<std::pair<std::uint32_t, std::uint32_t>> cannot_link;  // (min, max) record indices
  std::vector<StewardAction> history;
  ModelParams model = PriorParams();
  std::uint64_t next_customer_id = 1;
};

class Resolver {
 public:
  explicit Resolver(ResolverConfig config = {});

  // Bulk load into an empty resolver: normalise, block, train m/u by EM on
  // the candidate pairs, score and cluster. Emits customer.created per cluster.
  Result<std::vector<Event>> AddBatch(std::vector<SourceRecord> records,
                                      bool keep_candidate_pairs = false);
  // Add one record (Update when the key exists): candidates are scored and
  // the record joins, merges or starts a cluster.
  Result<std::vector<Event>> Add(SourceRecord record);
  // Replace a known record's data and re-place it; it keeps its cluster when
  // it still fits there.
  Result<std::vector<Event>> Update(SourceRecord record);

  Result<Explanation> Explain(const RecordKey& a, const RecordKey& b) const;
  std::vector<ReviewItem> ReviewQueue() const;
  // Steward merge of two clusters: the older id survives.
  Result<std::vector<Event>> Merge(CustomerId a, CustomerId b);
  // Split one source record out of its cluster into a new one; the record
  // will not be linked back automatically to its former cluster-mates.
  Result<std::vector<Event>> Unmerge(const RecordKey& record);
  // Forget a person: personal data of every member record and the golden
  // record dropped; the customer id stays as a pseudonymous tombstone. Each
  // member's key becomes a pseudonymous one; `renamed`, when given, receives
  // (old key, pseudonymous key) for every member.
  Result<std::vector<Event>> Erase(CustomerId id,
                                   std::vector<std::pair<RecordKey, RecordKey>>* renamed = nullptr);
  // A rebuild meets an erased person's record only as its pseudonymous key
  // and the decisions the resolver took when the record arrived (its data is
  // gone from every stored copy): the record is placed as decided, without
  // matching, so the customer ids of everyone else come out as they were.
  // Decisions of type kCreated (cluster `to`, which also advances the id
  // counter past it), kLinked (joins `to`) and kMerged (`from` into `to`)
  // are replayed; others are ignored.
  Status ReplayErased(const RecordKey& pseudonymous_key, const std::vector<Event>& decisions);
  // The pseudonymous key Erase gives a record.
  static RecordKey PseudonymousKey(const RecordKey& key);
  Result<GoldenRecord> Golden(CustomerId id) const;
  Result<CustomerId> ClusterOf(const RecordKey& record) const;

  // Every event emitted since the last call, oldest first.
  std::vector<Event> DrainEvents();

  const ResolverStats& stats() const { return stats_; }
  const ModelParams& model() const { return state_.model; }
  void SetModel(const ModelParams& model) { state_.model = model; }
  const ResolverState& state() const { return state_; }
  // Candidate pairs of the last AddBatch (record indices = input order), when kept.
  const std::vector<std::pair<std::uint32_t, std::uint32_t>>& candidate_pairs() const {
    return kept_pairs_;
  }

 private:
  struct Scored {
    double weight = 0;
    double probability = 0;
    Band band = Band::kNoMatch;
    const char* rule = nullptr;
  };

  Scored Score(std::uint32_t a, std::uint32_t b, Explanation* explain = nullptr) const;
  Scored ScorePattern(std::uint32_t a, std::uint32_t b, const Pattern& p,
                      Explanation* explain) const;
  void BlockKeys(const NormalizedRecord& n, std::vector<std::uint64_t>* keys) const;
  // Largest block of `key` that is still scored (see weak_block_size_max).
  std::size_t BlockCap(std::uint64_t key) const;
  void IndexRecord(std::uint32_t r);
  void Candidates(std::uint32_t r, std::vector<std::uint32_t>* out,
                  std::vector<std::uint32_t>* stamp, std::uint32_t stamp_value,
                  bool only_lower) const;
  template <typename Fn>
  void ForEachPosting(std::uint64_t key, Fn&& fn) const;
  std::size_t PostingSize(std::uint64_t key) const;
  double MeanCrossProbability(const std::vector<std::uint32_t>& a,
                              const std::vector<std::uint32_t>& b) const;
  CustomerId NewCluster(std::uint32_t r, const std::string& reason);
  CustomerId MergeClusters(CustomerId a, CustomerId b, const std::string& reason,
                           const RecordKey& trigger);
  std::vector<Event> Place(std::uint32_t r, const std::string& reason);
  void TfAdd(const NormalizedRecord& n);
  void TfRemove(const NormalizedRecord& n);
  void Emit(Event e);
  Result<std::uint32_t> Find(const RecordKey& key) const;
  void TrainModel(const std::vector<std::uint64_t>& pattern_codes);

  ResolverConfig config_;
  ResolverState state_;
  ResolverStats stats_;
  std::map<RecordKey, std::uint32_t> by_key_;
  // Blocking index: bulk part sorted by key, incremental part hashed.
  std::vector<std::pair<std::uint64_t, std::uint32_t>> index_base_;
  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> index_delta_;
  TermFrequencies tf_first_, tf_last_, tf_city_;
  std::vector<Event> outbox_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> kept_pairs_;
  mutable std::vector<std::uint32_t> stamp_;
  mutable std::uint32_t stamp_value_ = 0;
};

}  // namespace hub::identity
