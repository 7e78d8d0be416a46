// bench_identity: accuracy against FEBRL ground truth (with and without
// soc_sec_id, one default configuration) and speed on synthetic customers
// (10k, 100k; 1M with --million). Record ids are replaced by opaque ids
// before resolving: FEBRL's ids spell out the truth.
// Usage: bench_identity [--febrl-only] [--synthetic-only] [--million]
//        bench_identity --size N [--explain-fp K]   one size; K worst over-merged
//                                                    clusters with explanations
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "generator.h"
#include "identity/batch.h"
#include "identity/compare.h"
#include "identity/resolver.h"

namespace fs = std::filesystem;
using namespace hub::identity;

namespace {

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double ThreadCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double PeakRssMb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

struct Prf {
  double precision = 0, recall = 0, f1 = 0;
  std::uint64_t tp = 0, fp = 0, fn = 0;
};

// Pairwise P/R/F1 of predicted clusters against truth labels (same index space).
template <typename Cluster, typename Truth>
Prf PairwiseScore(const std::vector<Cluster>& predicted, const std::vector<Truth>& truth) {
  std::map<Cluster, std::vector<std::size_t>> by_pred;
  for (std::size_t i = 0; i < predicted.size(); ++i) {
    by_pred[predicted[i]].push_back(i);
  }
  std::map<Truth, std::uint64_t> truth_sizes;
  for (const Truth& t : truth) {
    ++truth_sizes[t];
  }
  std::uint64_t true_pairs = 0;
  for (const auto& [t, n] : truth_sizes) {
    true_pairs += n * (n - 1) / 2;
  }
  Prf p;
  std::uint64_t pred_pairs = 0;
  for (const auto& [c, members] : by_pred) {
    std::map<Truth, std::uint64_t> inner;
    for (std::size_t i : members) {
      ++inner[truth[i]];
    }
    const std::uint64_t n = members.size();
    pred_pairs += n * (n - 1) / 2;
    for (const auto& [t, k] : inner) {
      p.tp += k * (k - 1) / 2;
    }
  }
  p.fp = pred_pairs - p.tp;
  p.fn = true_pairs - p.tp;
  p.precision = pred_pairs == 0 ? 1.0 : static_cast<double>(p.tp) / static_cast<double>(pred_pairs);
  p.recall = true_pairs == 0 ? 1.0 : static_cast<double>(p.tp) / static_cast<double>(true_pairs);
  p.f1 = p.precision + p.recall == 0 ? 0 : 2 * p.precision * p.recall / (p.precision + p.recall);
  return p;
}

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::optional<fs::path> SharedDir() {
  if (const char* env = std::getenv("RETAILHUB_SHARED"); env != nullptr && fs::exists(env)) {
    return fs::path(env);
  }
  if (fs::exists(HUB_SHARED_DIR_DEFAULT)) {
    return fs::path(HUB_SHARED_DIR_DEFAULT);
  }
  return std::nullopt;
}

// Rewrites FEBRL's rec_id column with opaque ids; returns the truth entity per
// opaque id (from rec-<n>-...) kept on the bench side only.
struct Opaque {
  fs::path csv;
  std::unordered_map<std::string, std::string> rec_to_opaque;
  std::unordered_map<std::string, std::string> opaque_to_entity;
};

Opaque MakeOpaque(const fs::path& src, const fs::path& dst) {
  auto rows = ParseCsv(Slurp(src));
  if (!rows) {
    std::cerr << rows.error().message << "\n";
    std::exit(1);
  }
  Opaque o;
  o.csv = dst;
  std::vector<std::size_t> perm(rows->size() - 1);
  for (std::size_t i = 0; i < perm.size(); ++i) {
    perm[i] = i;
  }
  std::mt19937_64 rng(42);
  std::shuffle(perm.begin(), perm.end(), rng);
  std::ofstream out(dst);
  for (std::size_t c = 0; c < (*rows)[0].cells.size(); ++c) {
    out << (c ? "," : "") << (*rows)[0].cells[c];
  }
  out << "\n";
  // Rows are written in shuffled order too, so input order carries no signal.
  for (std::size_t k : perm) {
    const auto& cells = (*rows)[k + 1].cells;
    std::string rec = cells[0];
    rec.erase(0, rec.find_first_not_of(' '));
    char id[32];
    std::snprintf(id, sizeof id, "x%06zu", static_cast<std::size_t>(rng() % 1000000));
    std::string opaque = std::string(id) + "_" + std::to_string(o.rec_to_opaque.size());
    o.rec_to_opaque[rec] = opaque;
    const std::size_t a = rec.find('-');
    const std::size_t b = rec.find('-', a + 1);
    o.opaque_to_entity[opaque] = rec.substr(a + 1, b - a - 1);
    out << opaque;
    for (std::size_t c = 1; c < cells.size(); ++c) {
      out << "," << cells[c];
    }
    out << "\n";
  }
  return o;
}

void RunFebrl(const fs::path& dir, const std::string& name, bool with_ssn) {
  const fs::path src = dir / (name + ".csv");
  const fs::path pairs_path = dir / (name + "_true_pairs.csv");
  const fs::path tmp = fs::temp_directory_path() / ("bench_identity_" + name + ".csv");
  Opaque o = MakeOpaque(src, tmp);
  ResolveOptions opt;
  opt.input = tmp.string();
  opt.id_column = "rec_id";
  opt.map = {{"given_name", "first_name"},       {"surname", "last_name"},
             {"street_number", "street_number"}, {"address_1", "address_line1"},
             {"address_2", "address_line2"},     {"suburb", "city"},
             {"postcode", "postcode"},           {"state", "region"},
             {"date_of_birth", "birth_date"}};
  if (with_ssn) {
    opt.map.emplace_back("soc_sec_id", "national_id");
  }
  auto records = ReadRecordsCsv(opt);
  if (!records) {
    std::cerr << records.error().message << "\n";
    return;
  }
  std::vector<std::string> ids;
  for (const auto& r : *records) {
    ids.push_back(r.key.id);
  }
  // Timing: median of 5 full resolves (CSV in, CSV out).
  std::vector<double> times;
  std::vector<double> cpu_times;  // CPU-seconds of the process (both cores)
  for (int rep = 0; rep < 5; ++rep) {
    opt.output = (fs::temp_directory_path() / ("bench_identity_" + name + "_out.csv")).string();
    std::ostringstream out;
    std::ostringstream err;
    const double t0 = Now();
    const double c0 = CpuSeconds();
    if (RunResolve(opt, out, err) != 0) {
      std::cerr << err.str();
      return;
    }
    times.push_back(Now() - t0);
    cpu_times.push_back(CpuSeconds() - c0);
  }
  std::sort(times.begin(), times.end());
  std::sort(cpu_times.begin(), cpu_times.end());
  // One more resolve, in process, for the clusters and the candidate pairs
  // (the timed runs above go through the CLI path and keep neither).
  Resolver resolver;
  (void)resolver.AddBatch(*records, true);
  std::vector<std::uint64_t> pred;
  std::vector<std::string> truth;
  for (const std::string& id : ids) {
    pred.push_back(resolver.ClusterOf({"input", id})->value);
    truth.push_back(o.opaque_to_entity[id]);
  }
  const Prf p = PairwiseScore(pred, truth);
  // Pair completeness of blocking against the published true pairs.
  std::set<std::pair<std::uint32_t, std::uint32_t>> cand(resolver.candidate_pairs().begin(),
                                                         resolver.candidate_pairs().end());
  std::unordered_map<std::string, std::uint32_t> index;
  for (std::uint32_t i = 0; i < ids.size(); ++i) {
    index[ids[i]] = i;
  }
  auto true_rows = ParseCsv(Slurp(pairs_path));
  std::size_t total = 0;
  std::size_t found = 0;
  for (std::size_t k = 1; k < true_rows->size(); ++k) {
    const auto& c = (*true_rows)[k].cells;
    const std::uint32_t a = index[o.rec_to_opaque[c[0]]];
    const std::uint32_t b = index[o.rec_to_opaque[c[1]]];
    ++total;
    found += cand.count({std::min(a, b), std::max(a, b)});
  }
  const auto& s = resolver.stats();
  std::printf(
      "febrl %-8s %-10s records=%zu P=%.4f R=%.4f F1=%.4f (tp=%llu fp=%llu fn=%llu) "
      "pair_completeness=%.4f candidate_pairs=%llu (%.2f/record) em_iter=%d "
      "resolve_median=%.3fs (cpu %.3fs) records/s=%.0f vs recordlinkage 9-12 cpu-s: "
      "%.0f-%.0fx\n",
      name.c_str(), with_ssn ? "with_ssn" : "no_ssn", ids.size(), p.precision, p.recall, p.f1,
      static_cast<unsigned long long>(p.tp), static_cast<unsigned long long>(p.fp),
      static_cast<unsigned long long>(p.fn),
      static_cast<double>(found) / static_cast<double>(total),
      static_cast<unsigned long long>(s.candidate_pairs),
      static_cast<double>(s.candidate_pairs) / static_cast<double>(ids.size()), s.em_iterations,
      times[2], cpu_times[2], static_cast<double>(ids.size()) / times[2], 9.0 / cpu_times[2],
      12.0 / cpu_times[2]);
  fs::remove(tmp);
  fs::remove(opt.output);
}

void RunSynthetic(std::size_t n, std::size_t explain_fp = 0) {
  bench::SyntheticSet set = bench::Generate(n, 7);
  std::vector<std::uint32_t> truth = set.entity;
  ResolverConfig cfg;
  Resolver resolver(cfg);
  const double t0 = Now();
  const double c0 = CpuSeconds();
  auto ev = resolver.AddBatch(set.records);
  const double secs = Now() - t0;
  const double cpu = CpuSeconds() - c0;
  if (!ev) {
    std::cerr << ev.error().message << "\n";
    return;
  }
  std::vector<std::uint64_t> pred;
  for (const StoredRecord& r : resolver.state().records) {
    pred.push_back(r.cluster.value);
  }
  const Prf p = PairwiseScore(pred, truth);
  const auto& s = resolver.stats();
  if (explain_fp > 0) {
    // Where precision goes: the predicted clusters holding most false pairs,
    // and the explanation of some of their cross-entity pairs.
    std::map<std::uint64_t, std::vector<std::uint32_t>> by_cluster;
    for (std::uint32_t i = 0; i < pred.size(); ++i) {
      by_cluster[pred[i]].push_back(i);
    }
    std::vector<std::pair<std::uint64_t, std::uint64_t>> fp_by_cluster;
    std::map<std::size_t, std::size_t> size_hist;
    for (const auto& [c, members] : by_cluster) {
      std::map<std::uint32_t, std::uint64_t> ents;
      for (auto m : members) {
        ++ents[truth[m]];
      }
      std::uint64_t same = 0;
      for (const auto& [e, k] : ents) {
        same += k * (k - 1) / 2;
      }
      const std::uint64_t all = members.size() * (members.size() - 1) / 2;
      if (all > same) {
        fp_by_cluster.emplace_back(all - same, c);
        ++size_hist[members.size()];
      }
    }
    std::sort(fp_by_cluster.rbegin(), fp_by_cluster.rend());
    std::printf("clusters with false pairs: %zu; sizes:", fp_by_cluster.size());
    for (const auto& [sz, k] : size_hist) {
      std::printf(" %zux%zu", sz, k);
    }
    std::printf("\n");
    std::size_t shown = 0;
    for (const auto& [fp, c] : fp_by_cluster) {
      if (shown >= explain_fp) {
        break;
      }
      const auto& members = by_cluster[c];
      std::printf("cluster %llu: %zu records, %llu false pairs\n",
                  static_cast<unsigned long long>(c), members.size(),
                  static_cast<unsigned long long>(fp));
      for (auto m : members) {
        const auto& r = resolver.state().records[m].raw;
        std::printf("  e%u %s | %s %s | %s | %s | %s %s %s | %s | %s\n", truth[m],
                    r.key.source.c_str(), r.get(Field::kFirstName).c_str(),
                    r.get(Field::kLastName).c_str(), r.get(Field::kEmail).c_str(),
                    r.get(Field::kPhone).c_str(), r.get(Field::kAddressLine1).c_str(),
                    r.get(Field::kCity).c_str(), r.get(Field::kPostcode).c_str(),
                    r.get(Field::kBirthDate).c_str(), r.get(Field::kLoyaltyId).c_str());
      }
      for (std::size_t i = 0; i + 1 < members.size() && i < 3; ++i) {
        for (std::size_t j = i + 1; j < members.size(); ++j) {
          if (truth[members[i]] == truth[members[j]]) {
            continue;
          }
          auto ex = resolver.Explain(resolver.state().records[members[i]].raw.key,
                                     resolver.state().records[members[j]].raw.key);
          if (ex) {
            std::printf("   pair e%u~e%u p=%.3f w=%.2f rule=%s:", truth[members[i]],
                        truth[members[j]], ex->probability, ex->total_weight, ex->rule.c_str());
            for (const auto& f : ex->fields) {
              std::printf(" %s=%s(%.1f)", std::string(CmpFieldName(f.field)).c_str(),
                          f.level.c_str(), f.weight);
            }
            std::printf("\n");
          }
          break;
        }
      }
      ++shown;
    }
  }
  // Incremental: noisy copies of existing records matched one at a time.
  std::vector<double> lat;
  std::vector<double> lat_cpu;
  const std::size_t probes = 2000;
  std::mt19937_64 rng(99);
  for (std::size_t k = 0; k < probes; ++k) {
    const std::size_t idx = rng() % n;
    SourceRecord rec = bench::NoisyCopy(set, idx, k, "p" + std::to_string(k));
    const double a = Now();
    const double ac = ThreadCpuMs();
    (void)resolver.Add(std::move(rec));
    lat.push_back((Now() - a) * 1000.0);
    lat_cpu.push_back(ThreadCpuMs() - ac);
  }
  std::sort(lat.begin(), lat.end());
  std::sort(lat_cpu.begin(), lat_cpu.end());
  std::printf(
      "synthetic n=%-8zu resolve=%.2fs (cpu %.2fs) records/s=%.0f candidate_pairs=%llu "
      "pairs/s=%.0f "
      "P=%.4f R=%.4f F1=%.4f clusters=%zu review=%llu guard_rejections=%llu "
      "[normalize %.2fs block+compare %.2fs em %.2fs cluster %.2fs] "
      "incremental p50=%.3fms p99=%.3fms (cpu p99 %.3fms) peak_rss=%.0fMB\n",
      n, secs, cpu, static_cast<double>(n) / secs,
      static_cast<unsigned long long>(s.candidate_pairs),
      static_cast<double>(s.candidate_pairs) / secs, p.precision, p.recall, p.f1,
      resolver.state().clusters.size(), static_cast<unsigned long long>(s.review_pairs),
      static_cast<unsigned long long>(s.guard_rejections), s.normalize_s, s.block_s, s.em_s,
      s.cluster_s, lat[lat.size() / 2], lat[lat.size() * 99 / 100],
      lat_cpu[lat_cpu.size() * 99 / 100], PeakRssMb());
}

}  // namespace

int main(int argc, char** argv) {
  bool febrl = true;
  bool synthetic = true;
  bool million = false;
  std::size_t size = 0;        // --size N: one synthetic run of N records
  std::size_t explain_fp = 0;  // --explain-fp K: show the K worst over-merged clusters
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--size" && i + 1 < argc) {
      size = std::stoull(argv[++i]);
      febrl = false;
      continue;
    }
    if (a == "--explain-fp" && i + 1 < argc) {
      explain_fp = std::stoull(argv[++i]);
      continue;
    }
    if (a == "--febrl-only") {
      synthetic = false;
    } else if (a == "--synthetic-only") {
      febrl = false;
    } else if (a == "--million") {
      million = true;
    } else {
      std::cerr << "usage: bench_identity [--febrl-only] [--synthetic-only] [--million]\n"
                   "       bench_identity --size N [--explain-fp K]\n";
      return 2;
    }
  }
  if (febrl) {
    const auto shared = SharedDir();
    if (!shared || !fs::exists(*shared / "data/febrl/dataset1.csv")) {
      std::printf("febrl: skipped, shared fixtures not found (set RETAILHUB_SHARED)\n");
    } else {
      for (const char* name : {"dataset1", "dataset2"}) {
        for (bool ssn : {true, false}) {
          RunFebrl(*shared / "data/febrl", name, ssn);
        }
      }
    }
  }
  if (size > 0) {
    RunSynthetic(size, explain_fp);
    return 0;
  }
  if (synthetic) {
    RunSynthetic(10'000);
    RunSynthetic(100'000);
    if (million) {
      RunSynthetic(1'000'000);
    }
  }
  return 0;
}
