// Resolver implementation: blocking index, scoring, batch and incremental
// clustering with the chaining guard, stewardship and erasure.
// Survivorship lives in survivorship.cc.
#include "identity/resolver.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <functional>
#include <random>
#include <thread>

#include "core/assert.h"
#include "core/hash.h"

namespace hub::identity {
namespace {

enum class KeyKind : std::uint8_t {
  kEmail = 1,
  kPhone,
  kLoyalty,
  kNationalId,
  kNameSwap,
  kBirthDate,
  kStreetNumber,
  kStreetPostcode,
  kPostcodeNumber,
  kYearLast,
  kLastPostcode,
  kFirstPostcode,
  kLastMonthDay,
  kLastNumber,
  kFirstNumber,
  kFirstCity,
  kLinesSwap,
  kEmailLocal,
};

std::uint64_t Mix(std::uint64_t h) { return Fmix64(h); }

std::uint64_t KeyHash(KeyKind kind, std::string_view a, std::string_view b = {}) {
  std::uint64_t h = 1469598103934665603ULL ^ static_cast<std::uint64_t>(kind);
  auto feed = [&h](std::string_view s) {
    for (char c : s) {
      h ^= static_cast<unsigned char>(c);
      h *= 1099511628211ULL;
    }
  };
  feed(a);
  h ^= 0xff;
  h *= 1099511628211ULL;
  feed(b);
  // The kind rides in the top 5 bits, so a posting list knows how generic
  // its key is (see BlockCap).
  return (Mix(h) >> 5) | (static_cast<std::uint64_t>(kind) << 59);
}

KeyKind KindOf(std::uint64_t key) { return static_cast<KeyKind>(key >> 59); }

// Identifiers (email, phone, loyalty and national ids) single a person out;
// the others (the name key, a birth date, a first name with a street number
// or a city, ...) are shared by ever more strangers as the customer base
// grows: at a million customers "james smith" is hundreds of people. Their blocks get the smaller
// cap, or a million records would bring tens of millions of candidate pairs, nearly all strangers,
// and EM would fit its "match" class to those.
bool IsIdentifierKey(std::uint64_t key) {
  switch (KindOf(key)) {
    case KeyKind::kEmail:
    case KeyKind::kPhone:
    case KeyKind::kLoyalty:
    case KeyKind::kNationalId:
    case KeyKind::kEmailLocal:
      return true;
    default:
      return false;
  }
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// Runs fn(thread, index) over [0, n) on `threads` workers, in chunks.
void ParallelFor(std::size_t n, unsigned threads,
                 const std::function<void(unsigned, std::size_t)>& fn) {
  constexpr std::size_t kChunk = 512;
  std::atomic<std::size_t> next{0};
  auto work = [&](unsigned t) {
    for (;;) {
      const std::size_t begin = next.fetch_add(kChunk);
      if (begin >= n) {
        return;
      }
      const std::size_t end = std::min(n, begin + kChunk);
      for (std::size_t i = begin; i < end; ++i) {
        fn(t, i);
      }
    }
  };
  if (threads <= 1 || n < 2 * kChunk) {
    work(0);
    return;
  }
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) {
    pool.emplace_back(work, t);
  }
  work(0);
  for (std::thread& th : pool) {
    th.join();
  }
}

std::pair<std::uint32_t, std::uint32_t> Ordered(std::uint32_t a, std::uint32_t b) {
  return a < b ? std::make_pair(a, b) : std::make_pair(b, a);
}

}  // namespace

std::string_view BandName(Band b) {
  switch (b) {
    case Band::kAutoMerge:
      return "auto_merge";
    case Band::kReview:
      return "review";
    case Band::kNoMatch:
      break;
  }
  return "no_match";
}

std::string_view EventName(EventType t) {
  switch (t) {
    case EventType::kCreated:
      return "customer.created";
    case EventType::kLinked:
      return "customer.linked";
    case EventType::kMerged:
      return "customer.merged";
    case EventType::kUnmerged:
      return "customer.unmerged";
    case EventType::kErased:
      break;
  }
  return "customer.erased";
}

Resolver::Resolver(ResolverConfig config) : config_(std::move(config)) {}

std::size_t Resolver::BlockCap(std::uint64_t key) const {
  return IsIdentifierKey(key) ? config_.block_size_max : config_.weak_block_size_max;
}

void Resolver::BlockKeys(const NormalizedRecord& n, std::vector<std::uint64_t>* keys) const {
  keys->clear();
  auto add = [keys](KeyKind k, std::string_view a, std::string_view b = {}) {
    keys->push_back(KeyHash(k, a, b));
  };
  if (!n.email.empty()) {
    add(KeyKind::kEmail, n.email);
    if (n.email_local.size() >= 5) {
      add(KeyKind::kEmailLocal, n.email_local);
    }
  }
  if (!n.phone.empty()) {
    add(KeyKind::kPhone, n.phone);
  }
  if (!n.loyalty_id.empty()) {
    add(KeyKind::kLoyalty, n.loyalty_id);
  }
  if (!n.national_id.empty()) {
    add(KeyKind::kNationalId, n.national_id);
  }
  const bool fc = !n.first_code.empty();
  const bool lc = !n.last_code.empty();
  if (fc && lc) {
    // Swap-invariant name key: survives given/surname swaps.
    const bool lt = n.first_code < n.last_code;
    add(KeyKind::kNameSwap, lt ? n.first_code : n.last_code, lt ? n.last_code : n.first_code);
  }
  if (n.dob_valid) {
    add(KeyKind::kBirthDate, n.dob);
    if (lc) {
      add(KeyKind::kYearLast, std::string_view(n.dob).substr(0, 4), n.last_code);
      add(KeyKind::kLastMonthDay, std::string_view(n.dob).substr(4, 4), n.last_code);
    }
  }
  if (!n.street.empty()) {
    if (!n.street_number.empty()) {
      add(KeyKind::kStreetNumber, n.street, n.street_number);
    }
    if (!n.postcode.empty()) {
      add(KeyKind::kStreetPostcode, n.street, n.postcode);
    }
    if (!n.line2.empty()) {
      const bool lt = n.street < n.line2;
      add(KeyKind::kLinesSwap, lt ? n.street : n.line2, lt ? n.line2 : n.street);
    }
  }
  if (!n.postcode.empty()) {
    if (!n.street_number.empty()) {
      add(KeyKind::kPostcodeNumber, n.postcode, n.street_number);
    }
    if (lc) {
      add(KeyKind::kLastPostcode, n.last_code, n.postcode);
    }
    if (fc) {
      add(KeyKind::kFirstPostcode, n.first_code, n.postcode);
    }
  }
  if (!n.street_number.empty()) {
    if (lc) {
      add(KeyKind::kLastNumber, n.last_code, n.street_number);
    }
    if (fc) {
      add(KeyKind::kFirstNumber, n.first_code, n.street_number);
    }
  }
  if (fc && !n.city_code.empty()) {
    add(KeyKind::kFirstCity, n.first_code, n.city_code);
  }
  std::sort(keys->begin(), keys->end());
  keys->erase(std::unique(keys->begin(), keys->end()), keys->end());
}

template <typename Fn>
void Resolver::ForEachPosting(std::uint64_t key, Fn&& fn) const {
  auto it = std::lower_bound(index_base_.begin(), index_base_.end(),
                             std::make_pair(key, std::uint32_t{0}));
  for (; it != index_base_.end() && it->first == key; ++it) {
    fn(it->second);
  }
  if (auto d = index_delta_.find(key); d != index_delta_.end()) {
    for (std::uint32_t r : d->second) {
      fn(r);
    }
  }
}

std::size_t Resolver::PostingSize(std::uint64_t key) const {
  auto lo = std::lower_bound(index_base_.begin(), index_base_.end(),
                             std::make_pair(key, std::uint32_t{0}));
  auto hi = lo;
  while (hi != index_base_.end() && hi->first == key) {
    ++hi;
  }
  std::size_t n = static_cast<std::size_t>(hi - lo);
  if (auto d = index_delta_.find(key); d != index_delta_.end()) {
    n += d->second.size();
  }
  return n;
}

void Resolver::IndexRecord(std::uint32_t r) {
  std::vector<std::uint64_t> keys;
  BlockKeys(state_.records[r].norm, &keys);
  for (std::uint64_t k : keys) {
    index_delta_[k].push_back(r);
  }
}

void Resolver::Candidates(std::uint32_t r, std::vector<std::uint32_t>* out,
                          std::vector<std::uint32_t>* stamp, std::uint32_t stamp_value,
                          bool only_lower) const {
  out->clear();
  std::vector<std::uint64_t> keys;
  BlockKeys(state_.records[r].norm, &keys);
  (*stamp)[r] = stamp_value;
  for (std::uint64_t k : keys) {
    // The record itself is in its own postings once indexed.
    if (PostingSize(k) > BlockCap(k)) {
      continue;
    }
    ForEachPosting(k, [&](std::uint32_t j) {
      if ((*stamp)[j] == stamp_value || (only_lower && j > r) || state_.records[j].erased) {
        return;
      }
      (*stamp)[j] = stamp_value;
      out->push_back(j);
    });
  }
}

Resolver::Scored Resolver::ScorePattern(std::uint32_t a, std::uint32_t b, const Pattern& p,
                                        Explanation* explain) const {
  const NormalizedRecord& na = state_.records[a].norm;
  const NormalizedRecord& nb = state_.records[b].norm;
  Scored s;
  const ModelParams& model = state_.model;
  s.weight = PriorWeight(model);
  if (explain != nullptr) {
    explain->prior_weight = s.weight;
  }
  for (std::size_t f = 0; f < kCmpFieldCount; ++f) {
    const auto field = static_cast<CmpField>(f);
    double w = LevelWeight(model, field, p[f]);
    double adj = 0;
    if (config_.term_frequency && p[f] == ExactLevel(field) && p[f] != 0) {
      if (field == CmpField::kFirstName) {
        adj = tf_first_.Adjustment(na.first, config_.tf_max_bits);
      } else if (field == CmpField::kLastName) {
        adj = tf_last_.Adjustment(na.last, config_.tf_max_bits);
      } else if (field == CmpField::kCity) {
        adj = tf_city_.Adjustment(na.city, config_.tf_max_bits);
      }
      // Never let a common value turn agreement into evidence against.
      adj = std::max(adj, -w);
    }
    w += adj;
    s.weight += w;
    if (explain != nullptr) {
      explain->fields.push_back({field, std::string(LevelName(field, p[f])), w, adj});
    }
  }
  s.probability = 1.0 / (1.0 + std::exp2(-std::clamp(s.weight, -1000.0, 1000.0)));
  if (state_.cannot_link.count(Ordered(a, b)) != 0) {
    s.rule = "steward_cannot_link";
    s.probability = 0;
  } else if (config_.veto_loyalty_conflict && !na.loyalty_id.empty() && !nb.loyalty_id.empty() &&
             na.loyalty_id != nb.loyalty_id) {
    s.rule = "loyalty_id_conflict";
    s.probability = 0;
  } else if (config_.rule_same_loyalty_id && !na.loyalty_id.empty() &&
             na.loyalty_id == nb.loyalty_id) {
    s.rule = "same_loyalty_id";
    s.probability = 1;
  } else if (config_.rule_same_verified_email && na.email_verified && nb.email_verified &&
             na.email == nb.email) {
    s.rule = "same_verified_email";
    s.probability = 1;
  }
  if (s.probability >= config_.auto_merge_probability) {
    s.band = Band::kAutoMerge;
  } else if (s.probability >= config_.review_probability) {
    s.band = Band::kReview;
  }
  if (explain != nullptr) {
    explain->total_weight = s.weight;
    explain->probability = s.probability;
    explain->band = s.band;
    explain->rule = s.rule != nullptr ? s.rule : "";
  }
  return s;
}

Resolver::Scored Resolver::Score(std::uint32_t a, std::uint32_t b, Explanation* explain) const {
  return ScorePattern(a, b, Compare(state_.records[a].norm, state_.records[b].norm), explain);
}

double Resolver::MeanCrossProbability(const std::vector<std::uint32_t>& a,
                                      const std::vector<std::uint32_t>& b) const {
  const std::size_t total = a.size() * b.size();
  if (total == 0) {
    return 1.0;
  }
  // Deterministic stride sample beyond guard_pairs_max.
  const bool full = total <= config_.guard_pairs_max;
  const std::size_t step =
      full ? 1 : (total + config_.guard_pairs_max - 1) / config_.guard_pairs_max;
  std::vector<double> row(full ? a.size() : 0, 0.0);
  std::vector<double> col(full ? b.size() : 0, 0.0);
  double sum = 0;
  std::size_t n = 0;
  for (std::size_t k = 0; k < total; k += step) {
    const std::size_t i = k / b.size();
    const std::size_t j = k % b.size();
    const Scored s = Score(a[i], b[j]);
    if (s.rule != nullptr && s.probability == 0) {
      return 0.0;  // a veto anywhere blocks the union
    }
    sum += s.probability;
    ++n;
    if (full) {
      row[i] += s.probability;
      col[j] += s.probability;
    }
  }
  // No member may be a stranger to the other side: a bridge record linking
  // two unrelated groups must not pull them together.
  if (full && total > 1) {
    for (double r : row) {
      if (r / static_cast<double>(b.size()) < config_.guard_member_probability) {
        return 0.0;
      }
    }
    for (double c : col) {
      if (c / static_cast<double>(a.size()) < config_.guard_member_probability) {
        return 0.0;
      }
    }
  }
  return sum / static_cast<double>(n);
}

void Resolver::TfAdd(const NormalizedRecord& n) {
  tf_first_.Add(n.first);
  tf_last_.Add(n.last);
  tf_city_.Add(n.city);
}

void Resolver::TfRemove(const NormalizedRecord& n) {
  tf_first_.Remove(n.first);
  tf_last_.Remove(n.last);
  tf_city_.Remove(n.city);
}

void Resolver::Emit(Event e) { outbox_.push_back(std::move(e)); }

std::vector<Event> Resolver::DrainEvents() {
  std::vector<Event> out;
  out.swap(outbox_);
  return out;
}

Result<std::uint32_t> Resolver::Find(const RecordKey& key) const {
  auto it = by_key_.find(key);
  if (it == by_key_.end()) {
    return Fail(ErrorCode::kNotFound, "unknown record " + key.ToString(), "record");
  }
  return it->second;
}

Result<CustomerId> Resolver::ClusterOf(const RecordKey& record) const {
  HUB_TRY(const std::uint32_t r, Find(record));
  return state_.records[r].cluster;
}

CustomerId Resolver::NewCluster(std::uint32_t r, const std::string& reason) {
  const CustomerId id{state_.next_customer_id++};
  ClusterState c;
  c.id = id;
  c.members.push_back(r);
  state_.clusters.emplace(id.value, std::move(c));
  state_.records[r].cluster = id;
  if (!reason.empty()) {
    Emit({EventType::kCreated, {}, id, state_.records[r].raw.key, reason});
  }
  return id;
}

CustomerId Resolver::MergeClusters(CustomerId a, CustomerId b, const std::string& reason,
                                   const RecordKey& trigger) {
  const CustomerId keep = std::min(a, b);  // the older id survives
  const CustomerId gone = std::max(a, b);
  ClusterState& k = state_.clusters.at(keep.value);
  ClusterState& g = state_.clusters.at(gone.value);
  for (std::uint32_t r : g.members) {
    state_.records[r].cluster = keep;
    k.members.push_back(r);
  }
  state_.clusters.erase(gone.value);
  Emit({EventType::kMerged, gone, keep, trigger, reason});
  return keep;
}

void Resolver::TrainModel(const std::vector<std::uint64_t>& pattern_codes) {
  if (pattern_codes.size() < config_.em_min_pairs) {
    return;  // keep the priors
  }
  std::unordered_map<std::uint64_t, std::uint64_t> counts;
  for (std::uint64_t c : pattern_codes) {
    ++counts[c];
  }
  std::vector<std::pair<std::uint64_t, std::uint64_t>> patterns(counts.begin(), counts.end());
  std::sort(patterns.begin(), patterns.end());
  ModelParams init = PriorParams();
  // Seed u from random pairs: nearly all are non-matches.
  const std::size_t n = state_.records.size();
  if (n >= 2 && config_.em_random_pairs > 0) {
    std::mt19937_64 rng(0x5eed);
    std::uniform_int_distribution<std::uint32_t> pick(0, static_cast<std::uint32_t>(n - 1));
    std::array<std::array<double, kMaxLevels>, kCmpFieldCount> cnt{};
    for (std::size_t s = 0; s < config_.em_random_pairs; ++s) {
      const std::uint32_t a = pick(rng);
      const std::uint32_t b = pick(rng);
      if (a == b) {
        continue;
      }
      const Pattern p = Compare(state_.records[a].norm, state_.records[b].norm);
      for (std::size_t f = 0; f < kCmpFieldCount; ++f) {
        cnt[f][p[f]] += 1;
      }
    }
    for (std::size_t f = 0; f < kCmpFieldCount; ++f) {
      const std::size_t levels = LevelCount(static_cast<CmpField>(f));
      double sum = 0;
      for (std::size_t l = 1; l < levels; ++l) {
        sum += cnt[f][l] + 0.5;
      }
      for (std::size_t l = 1; l < levels; ++l) {
        init.u[f][l] = (cnt[f][l] + 0.5) / sum;
      }
    }
  }
  state_.model = EstimateEm(patterns, init, config_.em);
  stats_.em_iterations = state_.model.iterations;
}

Result<std::vector<Event>> Resolver::AddBatch(std::vector<SourceRecord> records,
                                              bool keep_candidate_pairs) {
  if (!state_.records.empty()) {
    return Fail(ErrorCode::kFailedPrecondition, "AddBatch needs an empty resolver; use Add");
  }
  const std::size_t n = records.size();
  if (n >= std::numeric_limits<std::uint32_t>::max()) {
    return Fail(ErrorCode::kTooLarge, "too many records for one batch");
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (!by_key_.emplace(records[i].key, static_cast<std::uint32_t>(i)).second) {
      by_key_.clear();
      return Fail(ErrorCode::kConflict, "duplicate record " + records[i].key.ToString(), "id");
    }
  }
  const unsigned threads =
      config_.threads != 0 ? config_.threads : std::max(1u, std::thread::hardware_concurrency());
  auto t0 = std::chrono::steady_clock::now();
  state_.records.resize(n);
  ParallelFor(n, threads, [&](unsigned, std::size_t i) {
    StoredRecord& s = state_.records[i];
    s.raw = std::move(records[i]);
    s.norm = Normalize(s.raw, config_.normalize);
  });
  for (const StoredRecord& s : state_.records) {
    TfAdd(s.norm);
  }
  stats_.normalize_s = Seconds(t0);

  // Blocking index, bulk built and sorted.
  t0 = std::chrono::steady_clock::now();
  {
    std::vector<std::vector<std::pair<std::uint64_t, std::uint32_t>>> parts(threads);
    std::vector<std::vector<std::uint64_t>> scratch(threads);
    ParallelFor(n, threads, [&](unsigned t, std::size_t i) {
      BlockKeys(state_.records[i].norm, &scratch[t]);
      for (std::uint64_t k : scratch[t]) {
        parts[t].emplace_back(k, static_cast<std::uint32_t>(i));
      }
    });
    std::size_t total = 0;
    for (const auto& p : parts) {
      total += p.size();
    }
    index_base_.reserve(total);
    for (auto& p : parts) {
      index_base_.insert(index_base_.end(), p.begin(), p.end());
      p.clear();
      p.shrink_to_fit();
    }
    std::sort(index_base_.begin(), index_base_.end());
    for (std::size_t i = 0; i < index_base_.size();) {
      std::size_t j = i;
      while (j < index_base_.size() && index_base_[j].first == index_base_[i].first) {
        ++j;
      }
      if (j - i > BlockCap(index_base_[i].first)) {
        ++stats_.suppressed_blocks;
      }
      i = j;
    }
  }
  // Candidate pairs (each once: j < i) and their comparison patterns.
  struct PairCode {
    std::uint32_t a, b;
    std::uint64_t code;
  };
  std::vector<std::vector<PairCode>> found(threads);
  {
    // Bulk path: walk the sorted index block by block (no per-record
    // lookups), then drop pairs that several keys produced. Same candidate
    // set as Candidates() gives record by record.
    std::vector<std::uint64_t> raw;
    for (std::size_t i = 0; i < index_base_.size();) {
      std::size_t j = i;
      while (j < index_base_.size() && index_base_[j].first == index_base_[i].first) {
        ++j;
      }
      if (j - i <= BlockCap(index_base_[i].first)) {
        for (std::size_t x = i; x < j; ++x) {
          for (std::size_t y = x + 1; y < j; ++y) {
            const std::uint64_t lo = std::min(index_base_[x].second, index_base_[y].second);
            const std::uint64_t hi = std::max(index_base_[x].second, index_base_[y].second);
            raw.push_back(lo << 32 | hi);
          }
        }
      }
      i = j;
    }
    std::sort(raw.begin(), raw.end());
    raw.erase(std::unique(raw.begin(), raw.end()), raw.end());
    ParallelFor(raw.size(), threads, [&](unsigned t, std::size_t k) {
      const auto a = static_cast<std::uint32_t>(raw[k] >> 32);
      const auto b = static_cast<std::uint32_t>(raw[k] & 0xffffffffu);
      found[t].push_back(
          {a, b, PackPattern(Compare(state_.records[a].norm, state_.records[b].norm))});
    });
  }
  std::vector<PairCode> pairs;
  for (auto& f : found) {
    pairs.insert(pairs.end(), f.begin(), f.end());
    f = {};
  }
  std::sort(pairs.begin(), pairs.end(), [](const PairCode& x, const PairCode& y) {
    return std::tie(x.a, x.b) < std::tie(y.a, y.b);
  });
  stats_.records = n;
  stats_.candidate_pairs = pairs.size();
  if (keep_candidate_pairs) {
    kept_pairs_.clear();
    for (const PairCode& p : pairs) {
      kept_pairs_.emplace_back(p.a, p.b);
    }
  }
  stats_.block_s = Seconds(t0);

  t0 = std::chrono::steady_clock::now();
  {
    std::vector<std::uint64_t> codes;
    codes.reserve(pairs.size());
    for (const PairCode& p : pairs) {
      codes.push_back(p.code);
    }
    TrainModel(codes);
  }
  stats_.em_s = Seconds(t0);

  t0 = std::chrono::steady_clock::now();
  struct Edge {
    std::uint32_t a, b;
    double weight, probability;
  };
  std::vector<Edge> edges;
  {
    std::vector<std::vector<Edge>> parts(threads);
    ParallelFor(pairs.size(), threads, [&](unsigned t, std::size_t i) {
      const PairCode& p = pairs[i];
      const Scored s = ScorePattern(p.a, p.b, UnpackPattern(p.code), nullptr);
      if (s.band != Band::kNoMatch) {
        parts[t].push_back({p.a, p.b, s.weight, s.probability});
      }
    });
    for (auto& p : parts) {
      edges.insert(edges.end(), p.begin(), p.end());
    }
  }
  pairs = {};
  // Strongest links first; deterministic tie-break on record order.
  std::sort(edges.begin(), edges.end(), [](const Edge& x, const Edge& y) {
    const double px = x.probability >= 1.0 ? 1e9 : x.weight;
    const double py = y.probability >= 1.0 ? 1e9 : y.weight;
    return std::tie(py, x.a, x.b) < std::tie(px, y.a, y.b);
  });
  std::vector<std::uint32_t> root(n);
  std::vector<std::vector<std::uint32_t>> members(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    root[i] = i;
    members[i] = {i};
  }
  for (const Edge& e : edges) {
    if (e.probability < config_.auto_merge_probability) {
      ++stats_.review_pairs;
      continue;
    }
    ++stats_.auto_pairs;
    std::uint32_t ra = root[e.a];
    std::uint32_t rb = root[e.b];
    if (ra == rb) {
      continue;
    }
    if (members[ra].size() + members[rb].size() > config_.cluster_size_max ||
        (members[ra].size() * members[rb].size() > 1 &&
         MeanCrossProbability(members[ra], members[rb]) < config_.guard_mean_probability)) {
      ++stats_.guard_rejections;
      state_.review.push_back(Ordered(e.a, e.b));
      continue;
    }
    if (members[ra].size() < members[rb].size()) {
      std::swap(ra, rb);
    }
    for (std::uint32_t r : members[rb]) {
      root[r] = ra;
      members[ra].push_back(r);
    }
    members[rb] = {};
  }
  for (const Edge& e : edges) {
    if (e.probability < config_.auto_merge_probability && root[e.a] != root[e.b]) {
      state_.review.push_back(Ordered(e.a, e.b));
    }
  }
  // Ids in first-member order: older input gets the smaller (older) id.
  std::vector<CustomerId> id_of_root(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::uint32_t r = root[i];
    if (!id_of_root[r].valid()) {
      id_of_root[r] = NewCluster(i, "batch");
    } else {
      state_.records[i].cluster = id_of_root[r];
      state_.clusters.at(id_of_root[r].value).members.push_back(i);
    }
  }
  stats_.cluster_s = Seconds(t0);
  return outbox_;
}

std::vector<Event> Resolver::Place(std::uint32_t r, const std::string& reason) {
  const std::size_t before = outbox_.size();
  if (stamp_.size() < state_.records.size()) {
    stamp_.resize(state_.records.size() + 1024, 0);
  }
  if (++stamp_value_ == 0) {
    std::fill(stamp_.begin(), stamp_.end(), 0);
    stamp_value_ = 1;
  }
  std::vector<std::uint32_t> cands;
  Candidates(r, &cands, &stamp_, stamp_value_, false);
  struct Best {
    double weight = -1e300;
    double probability = 0;
    std::uint32_t member = 0;
  };
  std::map<std::uint64_t, Best> best;
  for (std::uint32_t j : cands) {
    const Scored s = Score(r, j);
    Best& b = best[state_.records[j].cluster.value];
    if (s.weight > b.weight || (s.probability > b.probability)) {
      b = {s.weight, s.probability, j};
    }
  }
  CustomerId joined = state_.records[r].cluster;
  const RecordKey& key = state_.records[r].raw.key;
  bool detached = false;
  CustomerId detached_from;
  if (joined.valid()) {
    ClusterState& c = state_.clusters.at(joined.value);
    std::vector<std::uint32_t> others;
    for (std::uint32_t m : c.members) {
      if (m != r) {
        others.push_back(m);
      }
    }
    if (!others.empty() && MeanCrossProbability({r}, others) < config_.guard_mean_probability) {
      // The update moved the record away from its cluster: split it out.
      c.members = others;
      detached = true;
      detached_from = joined;
      joined = {};
      state_.records[r].cluster = {};
    }
  }
  // Clusters the record links to strongly enough, strongest first.
  std::vector<std::pair<double, CustomerId>> eligible;
  for (const auto& [cid, b] : best) {
    if (cid == joined.value || b.probability < config_.auto_merge_probability) {
      continue;
    }
    const ClusterState& c = state_.clusters.at(cid);
    if (c.members.size() < config_.cluster_size_max &&
        MeanCrossProbability({r}, c.members) >= config_.guard_mean_probability) {
      eligible.emplace_back(b.weight, c.id);
    } else {
      ++stats_.guard_rejections;
    }
  }
  std::sort(eligible.begin(), eligible.end(),
            [](const auto& x, const auto& y) { return x.first > y.first; });
  std::size_t next = 0;
  if (!joined.valid()) {
    if (eligible.empty()) {
      if (detached) {
        const CustomerId id = NewCluster(r, "");
        Emit({EventType::kUnmerged, detached_from, id, key, reason});
      } else {
        NewCluster(r, reason);
      }
    } else {
      joined = eligible[0].second;
      state_.clusters.at(joined.value).members.push_back(r);
      state_.records[r].cluster = joined;
      if (detached) {
        Emit({EventType::kUnmerged, detached_from, joined, key, reason});
      } else {
        Emit({EventType::kLinked, {}, joined, key, reason});
      }
      next = 1;
    }
  }
  for (; next < eligible.size(); ++next) {
    const CustomerId other = eligible[next].second;
    if (!joined.valid() || state_.clusters.count(other.value) == 0 || other == joined) {
      continue;
    }
    const auto& jm = state_.clusters.at(joined.value).members;
    const auto& om = state_.clusters.at(other.value).members;
    if (jm.size() + om.size() <= config_.cluster_size_max &&
        MeanCrossProbability(jm, om) >= config_.guard_mean_probability) {
      joined = MergeClusters(joined, other, reason, key);
    } else {
      ++stats_.guard_rejections;
      state_.review.push_back(Ordered(r, best[other.value].member));
    }
  }
  const CustomerId final_id = state_.records[r].cluster;
  for (const auto& [cid, b] : best) {
    if (cid != final_id.value && state_.clusters.count(cid) != 0 &&
        b.probability >= config_.review_probability) {
      state_.review.push_back(Ordered(r, b.member));
    }
  }
  return {outbox_.begin() + static_cast<std::ptrdiff_t>(before), outbox_.end()};
}

Result<std::vector<Event>> Resolver::Add(SourceRecord record) {
  if (by_key_.count(record.key) != 0) {
    return Update(std::move(record));
  }
  if (record.key.id.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "record id is empty", "id");
  }
  const auto r = static_cast<std::uint32_t>(state_.records.size());
  StoredRecord s;
  s.norm = Normalize(record, config_.normalize);
  s.raw = std::move(record);
  by_key_.emplace(s.raw.key, r);
  state_.records.push_back(std::move(s));
  TfAdd(state_.records[r].norm);
  IndexRecord(r);
  ++stats_.records;
  return Place(r, "auto");
}

Result<std::vector<Event>> Resolver::Update(SourceRecord record) {
  HUB_TRY(const std::uint32_t r, Find(record.key));
  StoredRecord& s = state_.records[r];
  if (s.erased) {
    return Fail(ErrorCode::kFailedPrecondition, "record was erased", "record");
  }
  TfRemove(s.norm);
  s.norm = Normalize(record, config_.normalize);
  s.raw = std::move(record);
  TfAdd(s.norm);
  IndexRecord(r);  // old keys stay as harmless extra candidates
  return Place(r, "update");
}

Result<Explanation> Resolver::Explain(const RecordKey& a, const RecordKey& b) const {
  HUB_TRY(const std::uint32_t ra, Find(a));
  HUB_TRY(const std::uint32_t rb, Find(b));
  if (state_.records[ra].erased || state_.records[rb].erased) {
    return Fail(ErrorCode::kFailedPrecondition, "record was erased", "record");
  }
  Explanation e;
  Score(ra, rb, &e);
  return e;
}

std::vector<ReviewItem> Resolver::ReviewQueue() const {
  std::vector<ReviewItem> out;
  std::set<std::pair<std::uint32_t, std::uint32_t>> seen;
  for (const auto& pr : state_.review) {
    const StoredRecord& a = state_.records[pr.first];
    const StoredRecord& b = state_.records[pr.second];
    if (a.erased || b.erased || a.cluster == b.cluster || state_.cannot_link.count(pr) != 0 ||
        !seen.insert(pr).second) {
      continue;
    }
    out.push_back({a.raw.key, b.raw.key, Score(pr.first, pr.second).probability});
  }
  return out;
}

Result<std::vector<Event>> Resolver::Merge(CustomerId a, CustomerId b) {
  auto ia = state_.clusters.find(a.value);
  auto ib = state_.clusters.find(b.value);
  if (ia == state_.clusters.end() || ib == state_.clusters.end()) {
    return Fail(ErrorCode::kNotFound, "unknown customer id", "customer_id");
  }
  if (a == b) {
    return Fail(ErrorCode::kInvalidArgument, "cannot merge a customer with itself", "customer_id");
  }
  if (ia->second.erased || ib->second.erased) {
    return Fail(ErrorCode::kFailedPrecondition, "customer was erased", "customer_id");
  }
  // A steward's merge overrides earlier cannot-link decisions between them.
  for (std::uint32_t x : ia->second.members) {
    for (std::uint32_t y : ib->second.members) {
      state_.cannot_link.erase(Ordered(x, y));
    }
  }
  const std::size_t before = outbox_.size();
  const CustomerId keep = MergeClusters(a, b, "steward", {});
  state_.history.push_back({"merge", std::max(a, b), keep, {}});
  return std::vector<Event>(outbox_.begin() + static_cast<std::ptrdiff_t>(before), outbox_.end());
}

Result<std::vector<Event>> Resolver::Unmerge(const RecordKey& record) {
  HUB_TRY(const std::uint32_t r, Find(record));
  const CustomerId from = state_.records[r].cluster;
  ClusterState& c = state_.clusters.at(from.value);
  if (c.erased) {
    return Fail(ErrorCode::kFailedPrecondition, "customer was erased", "record");
  }
  if (c.members.size() < 2) {
    return Fail(ErrorCode::kFailedPrecondition,
                "record " + record.ToString() + " is alone in its cluster", "record");
  }
  std::erase(c.members, r);
  for (std::uint32_t m : c.members) {
    state_.cannot_link.insert(Ordered(r, m));
  }
  const CustomerId to = NewCluster(r, "");
  Emit({EventType::kUnmerged, from, to, record, "steward"});
  state_.history.push_back({"unmerge", from, to, record});
  return std::vector<Event>{outbox_.back()};
}

RecordKey Resolver::PseudonymousKey(const RecordKey& key) {
  // The source id itself may be personal (an email), so it is hashed.
  const std::uint64_t h = KeyHash(KeyKind::kEmail, key.source, key.id);
  char buf[32];
  std::snprintf(buf, sizeof buf, "erased-%016llx", static_cast<unsigned long long>(h));
  return RecordKey{key.source, buf};
}

Status Resolver::ReplayErased(const RecordKey& pseudonymous_key,
                              const std::vector<Event>& decisions) {
  std::uint32_t r = 0;
  if (auto found = Find(pseudonymous_key); found) {
    r = *found;
  } else {
    r = static_cast<std::uint32_t>(state_.records.size());
    StoredRecord s;
    s.raw.key = pseudonymous_key;
    s.erased = true;
    state_.records.push_back(std::move(s));
    by_key_.emplace(pseudonymous_key, r);
  }
  auto leave = [&](std::uint32_t rec) {
    const CustomerId was = state_.records[rec].cluster;
    if (was.value == 0) {
      return;
    }
    if (auto c = state_.clusters.find(was.value); c != state_.clusters.end()) {
      std::erase(c->second.members, rec);
      if (c->second.members.empty()) {
        state_.clusters.erase(c);
      }
    }
    state_.records[rec].cluster = CustomerId{};
  };
  auto join = [&](std::uint32_t rec, CustomerId to) {
    if (state_.records[rec].cluster == to) {
      return;
    }
    leave(rec);
    ClusterState& c = state_.clusters[to.value];
    c.id = to;
    c.members.push_back(rec);
    state_.records[rec].cluster = to;
    state_.next_customer_id = std::max(state_.next_customer_id, to.value + 1);
  };
  for (const Event& d : decisions) {
    switch (d.type) {
      case EventType::kCreated:
      case EventType::kLinked:
        if (d.to.value == 0) {
          return Fail(ErrorCode::kInvalidArgument, "a recorded decision names no customer", "to");
        }
        join(r, d.to);
        break;
      case EventType::kMerged: {
        auto from = state_.clusters.find(d.from.value);
        if (from == state_.clusters.end() || d.to.value == 0 || d.from == d.to) {
          break;
        }
        const std::vector<std::uint32_t> members = from->second.members;
        for (std::uint32_t m : members) {
          join(m, d.to);
        }
        break;
      }
      default:
        break;
    }
  }
  return Ok();
}

Result<std::vector<Event>> Resolver::Erase(
    CustomerId id, std::vector<std::pair<RecordKey, RecordKey>>* renamed_out) {
  auto it = state_.clusters.find(id.value);
  if (it == state_.clusters.end()) {
    return Fail(ErrorCode::kNotFound, "unknown customer " + id.ToString(), "customer_id");
  }
  ClusterState& c = it->second;
  if (c.erased) {
    return std::vector<Event>{};
  }
  std::map<RecordKey, RecordKey> renamed;
  for (std::uint32_t r : c.members) {
    StoredRecord& s = state_.records[r];
    if (s.erased) {
      continue;  // placed by ReplayErased: already pseudonymous, holds nothing
    }
    TfRemove(s.norm);
    const RecordKey old = s.raw.key;
    RecordKey pseudo = PseudonymousKey(old);
    by_key_.erase(old);
    by_key_.emplace(pseudo, r);
    renamed.emplace(old, pseudo);
    SourceRecord blank;
    blank.key = pseudo;
    s.raw = std::move(blank);
    s.norm = NormalizedRecord{};
    s.erased = true;
  }
  c.erased = true;
  if (renamed_out != nullptr) {
    renamed_out->assign(renamed.begin(), renamed.end());
  }
  auto scrub = [&renamed](RecordKey& k) {
    if (auto f = renamed.find(k); f != renamed.end()) {
      k = f->second;
    }
  };
  for (StewardAction& h : state_.history) {
    scrub(h.record);
  }
  for (Event& e : outbox_) {
    scrub(e.record);
  }
  std::erase_if(state_.review, [&](const auto& pr) {
    return state_.records[pr.first].erased || state_.records[pr.second].erased;
  });
  Emit({EventType::kErased, {}, id, {}, "erasure"});
  state_.history.push_back({"erase", {}, id, {}});
  return std::vector<Event>{outbox_.back()};
}

}  // namespace hub::identity
