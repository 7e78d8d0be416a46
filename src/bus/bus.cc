// Bus implementation: the group committer, the translate worker and one
// scheduler + worker pool per domain. See bus.h for the contract.
//
// In memory, each domain keeps per-key deques of work items in log order;
// a key is runnable when its head is due and no worker holds it. SQLite is
// the truth: the in-memory queues are rebuilt from bus_work at Start().
#include <fmt/format.h>
#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <unordered_map>

#include "bus/bus.h"
#include "bus/internal.h"
#include "core/assert.h"
#include "core/ids.h"
#include "core/thread_name.h"
#include "obs/log.h"
#include "obs/metrics.h"

namespace hub::bus {
namespace {

using namespace std::chrono_literals;

struct Item {
  std::string event_id;
  std::int64_t seq = 0;
  std::int64_t idx = 0;
  std::string key;
  std::string event_json;
  std::int64_t attempts = 0;
  std::int64_t next_at = 0;        // micros; 0 = now
  std::int64_t park_deadline = 0;  // micros; 0 = never parked
  bool operator<(const Item& o) const { return seq != o.seq ? seq < o.seq : idx < o.idx; }
};

enum class Outcome { kApplied, kRetry, kParked, kFailed };

struct Metrics {
  obs::Registry& r = obs::Registry::Default();
  obs::Counter& ingested =
      r.GetCounter("retailhub_ingest_messages_total", "Messages durably accepted into the inbox");
  obs::Counter& duplicates = r.GetCounter("retailhub_ingest_duplicates_total",
                                          "Deliveries whose dedup key was already stored");
  obs::Counter& rejected_backpressure = r.GetCounter(
      "retailhub_ingest_backpressure_total", "Deliveries refused with 503 because of backlog");
  obs::Histogram& ack_latency = r.GetHistogram("retailhub_ingest_ack_seconds",
                                               "Time from ingest call to durable acknowledgement");
  obs::Histogram& group_size =
      r.GetHistogram("retailhub_ingest_group_commit_messages",
                     "Messages per group commit (bucket bounds are counts x 50e-6)");
  obs::Gauge& dedup_unindexed =
      r.GetGauge("retailhub_ingest_dedup_unindexed_keys",
                 "Dedup keys held in memory, not yet written to the dedup index");
  obs::Gauge& translate_backlog = r.GetGauge(
      "retailhub_backlog_messages", "Unprocessed messages per stage", {{"domain", "translate"}});
  obs::Counter& retries(std::string_view domain) {
    return r.GetCounter("retailhub_retries_total", "Transient failures retried, per domain",
                        {{"domain", std::string(domain)}});
  }
  obs::Counter& applied(std::string_view domain) {
    return r.GetCounter("retailhub_events_applied_total", "Events applied, per domain",
                        {{"domain", std::string(domain)}});
  }
  obs::Counter& failures(std::string_view kind, std::string_view reason) {
    return r.GetCounter("retailhub_failures_total",
                        "Events sent to the DLQ or the exception queue, per reason",
                        {{"kind", std::string(kind)}, {"reason", std::string(reason)}});
  }
  obs::Gauge& backlog(std::string_view domain) {
    return r.GetGauge("retailhub_backlog_messages", "Unprocessed messages per stage",
                      {{"domain", std::string(domain)}});
  }
};

Metrics& M() {
  static Metrics* m = new Metrics();
  return *m;
}

class BusImpl;

struct DomainQueue {
  std::unique_ptr<Handler> handler;
  std::mutex mu;
  std::condition_variable cv;
  std::unordered_map<std::string, std::deque<Item>> queues;
  std::unordered_map<std::string, std::vector<Item>> parked;
  std::deque<std::string> ready;
  std::multimap<std::int64_t, std::string> delayed;
  std::set<std::string> busy;
  std::int64_t size = 0;  // items in queues (not parked)
  std::int64_t parked_count = 0;
  std::vector<std::thread> threads;
};

class BusImpl final : public Bus {
 public:
  BusImpl(store::Store& store, BusOptions options, Translator translator, const Clock& clock)
      : store_(store),
        options_(std::move(options)),
        translator_(std::move(translator)),
        clock_(clock),
        rng_(options_.jitter_seed != 0 ? options_.jitter_seed : std::random_device{}()) {}

  ~BusImpl() override { Stop(); }

  Status Init() {
    HUB_TRY_STATUS(store_.Migrate(Operations::Migrations()));
    HUB_TRY(ingest_conn_, store_.Connect());
    HUB_TRY(store::Statement * q,
            ingest_conn_->Prepare("SELECT COUNT(*) FROM bus_messages WHERE state = 'new'"));
    HUB_TRY(bool row, q->Step());
    translate_backlog_ = row ? q->Int(0) : 0;
    q->Reset();
    // Every key in bus_dedup into the filter, and the keys of the messages
    // not yet there (a crash) into the committer's memory.
    HUB_TRY(store::Statement * keys,
            ingest_conn_->Prepare("SELECT source, account, dedup_key FROM bus_dedup"));
    HUB_TRY_STATUS(store::ForEachRow(*keys, [&](const store::Statement& k) {
      dedup_filter_.Add(DedupKeyHash(DedupMapKey(k.Text(0), k.Text(1), k.Text(2))));
    }));
    HUB_TRY(std::int64_t mark, internal::DedupMark(*ingest_conn_));
    DedupMap unindexed;
    HUB_TRY_STATUS(LoadUnindexed(*ingest_conn_, mark, unindexed));
    HUB_TRY(store::Statement * mx,
            ingest_conn_->Prepare("SELECT COALESCE(MAX(seq), 0) FROM bus_messages"));
    HUB_TRY(bool has, mx->Step());
    log_end_ = has ? mx->Int(0) : 0;
    mx->Reset();
    AfterDedupCommit(std::move(unindexed), 0);
    return Ok();
  }

  void AddHandler(std::unique_ptr<Handler> handler) override {
    HUB_ASSERT(!started_);
    auto dq = std::make_unique<DomainQueue>();
    dq->handler = std::move(handler);
    domains_.push_back(std::move(dq));
  }

  Status Start() override {
    HUB_ASSERT(!started_);
    HUB_TRY_STATUS(LoadWork());
    started_ = true;
    committer_ = std::thread([this] {
      SetThreadName("bus-commit");
      CommitLoop();
    });
    translator_thread_ = std::thread([this] {
      SetThreadName("bus-translate");
      TranslateLoop();
    });
    for (auto& dq : domains_) {
      int n = 1;
      auto it = options_.workers.find(dq->handler->domain());
      if (it != options_.workers.end() && it->second > 0 && dq->handler->connection() == nullptr) {
        n = it->second;
      }
      for (int i = 0; i < n; ++i) {
        dq->threads.emplace_back([this, d = dq.get()] {
          SetThreadName(fmt::format("bus-{}", d->handler->domain()));
          WorkerLoop(*d);
        });
      }
    }
    return Ok();
  }

  void Stop() override {
    if (!started_ || stopping_.exchange(true)) {
      return;
    }
    {
      std::lock_guard l(ingest_mu_);
      ingest_cv_.notify_all();
    }
    committer_.join();
    FlushDedup();
    {
      std::lock_guard l(translate_mu_);
      translate_cv_.notify_all();
    }
    translator_thread_.join();
    for (auto& dq : domains_) {
      {
        std::lock_guard l(dq->mu);
        dq->cv.notify_all();
      }
      for (auto& t : dq->threads) {
        t.join();
      }
    }
  }

  Result<IngestResult> Ingest(RawMessage message) override {
    std::promise<Result<IngestResult>> promise;
    auto fut = promise.get_future();
    IngestAsync(std::move(message), std::nullopt,
                [&promise](Result<IngestResult> r) { promise.set_value(std::move(r)); });
    return fut.get();
  }

  void IngestAsync(RawMessage message, std::optional<std::vector<Event>> translated,
                   IngestDone done) override {
    if (stopping_) {
      done(Fail(ErrorCode::kUnavailable, "the hub is shutting down; retry shortly"));
      return;
    }
    const std::int64_t backlog = Backlog();
    if (backlog >= options_.backlog_max) {
      M().rejected_backpressure.Inc();
      done(Fail(ErrorCode::kUnavailable,
                fmt::format("backlog of {} unprocessed messages is over the limit of {}; "
                            "retry later",
                            backlog, options_.backlog_max)));
      return;
    }
    auto p = std::make_unique<Pending>();
    // What can be prepared outside the committer's transaction is prepared
    // here, on the caller's thread: the committer is the serial part.
    if (message.id.empty()) {
      message.id = NewId("msg");
    }
    p->headers_json = internal::HeadersToJson(message.headers);
    p->dedup_map_key = DedupMapKey(message.source, message.account, message.dedup_key);
    p->dedup_hash = DedupKeyHash(p->dedup_map_key);
    p->message = std::move(message);
    p->translated = std::move(translated);
    p->done = std::move(done);
    p->start = clock_.Now();
    bool wake = false;
    {
      std::unique_lock l(ingest_mu_);
      if (stopping_) {
        // Checked again under the lock: the committer leaves once it finds
        // the queue empty after Stop(), and nothing queued later would be
        // answered.
        l.unlock();
        p->done(Fail(ErrorCode::kUnavailable, "the hub is shutting down; retry shortly"));
        return;
      }
      // The committer sleeps only on an empty queue: one wake-up per batch.
      wake = ingest_queue_.empty();
      ingest_queue_.push_back(std::move(p));
    }
    if (wake) {
      ingest_cv_.notify_one();
    }
  }

  bool WaitIdle(std::int64_t timeout_ms) override {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      if (IsIdle()) {
        return true;
      }
      std::this_thread::sleep_for(2ms);
    }
    return IsIdle();
  }

  BusStats Stats() override {
    BusStats s;
    // Under the hand-over lock: a message moving from the translate stage to
    // its domain queues between the two reads would be counted twice.
    std::lock_guard h(handover_mu_);
    s.translate_backlog = translate_backlog_.load();
    for (auto& dq : domains_) {
      std::lock_guard l(dq->mu);
      s.domain_backlog[std::string(dq->handler->domain())] = dq->size;
      s.parked += dq->parked_count;
    }
    return s;
  }

 private:
  struct Pending {
    RawMessage message;
    std::string headers_json;
    std::string dedup_map_key;     // DedupMapKey of the message
    std::uint64_t dedup_hash = 0;  // DedupKeyHash of it
    std::optional<std::vector<Event>> translated;
    IngestDone done;
    Instant start;
  };

  std::int64_t Backlog() const { return translate_backlog_.load() + domain_sizes_.load(); }

  bool IsIdle() {
    if (translate_backlog_.load() > 0) {
      return false;
    }
    for (auto& dq : domains_) {
      std::lock_guard l(dq->mu);
      if (!dq->busy.empty()) {
        return false;
      }
      // Items waiting for a retry count as busy; parked items do not.
      if (dq->size > 0) {
        return false;
      }
    }
    return true;
  }

  // ---- ingest: group commit ------------------------------------------------

  void CommitLoop() {
    std::vector<std::unique_ptr<Pending>> batch;
    for (;;) {
      {
        std::unique_lock l(ingest_mu_);
        ingest_cv_.wait(l, [&] { return !ingest_queue_.empty() || stopping_; });
        if (ingest_queue_.empty() && stopping_) {
          return;
        }
        if (options_.group_commit_wait_us > 0 && ingest_queue_.size() < options_.group_commit_max) {
          ingest_cv_.wait_for(l, std::chrono::microseconds(options_.group_commit_wait_us),
                              [&] { return ingest_queue_.size() >= options_.group_commit_max; });
        }
        const std::size_t n = std::min(ingest_queue_.size(), options_.group_commit_max);
        batch.assign(
            std::make_move_iterator(ingest_queue_.begin()),
            std::make_move_iterator(ingest_queue_.begin() + static_cast<std::ptrdiff_t>(n)));
        ingest_queue_.erase(ingest_queue_.begin(),
                            ingest_queue_.begin() + static_cast<std::ptrdiff_t>(n));
      }
      WriteBatch(batch);
      batch.clear();
    }
  }

  void WriteBatch(const std::vector<std::unique_ptr<Pending>>& batch) {
    std::vector<Result<IngestResult>> results;
    results.reserve(batch.size());
    std::int64_t seq = 0;
    std::int64_t fresh = 0;  // stored untranslated: the translate stage's backlog
    std::vector<std::pair<DomainQueue*, Item>> enqueued;
    // Keys this group stores, and those of messages another process appended
    // since the last group: they join dedup_mem_ once the commit holds.
    DedupMap added;
    std::size_t merged_to = dedup_merge_pos_;
    auto run = [&]() -> Status {
      results.clear();
      enqueued.clear();
      added.clear();
      fresh = 0;
      store::Transaction tx(*ingest_conn_);
      HUB_TRY_STATUS(tx.Begin());
      // Read the next position under the write lock: `retailhub ingest` may
      // append to the same log from another process.
      HUB_TRY(store::Statement * mx,
              ingest_conn_->Prepare("SELECT COALESCE(MAX(seq), 0) FROM bus_messages"));
      HUB_TRY(bool has, mx->Step());
      seq = has ? mx->Int(0) + 1 : 1;
      mx->Reset();
      if (seq - 1 > log_end_) {
        HUB_TRY_STATUS(LoadUnindexed(*ingest_conn_, log_end_, added));
      }
      for (const auto& p : batch) {
        RawMessage& m = p->message;
        const std::string& key = p->dedup_map_key;
        const DedupEntry* seen = nullptr;
        if (auto it = dedup_mem_.find(key); it != dedup_mem_.end()) {
          seen = &it->second;
        } else if (auto a = added.find(key); a != added.end()) {
          seen = &a->second;
        }
        if (seen != nullptr) {
          results.push_back(IngestResult{seen->id, seen->seq, true});
          continue;
        }
        // Most keys are new: the filter spares them a look into bus_dedup.
        if (dedup_filter_.MayContain(p->dedup_hash)) {
          HUB_TRY(std::optional<IngestResult> indexed,
                  internal::FindIndexed(*ingest_conn_, m.source, m.account, m.dedup_key));
          if (indexed) {
            results.push_back(std::move(*indexed));
            continue;
          }
        }
        HUB_TRY(store::Statement * ins,
                ingest_conn_->Prepare(
                    "INSERT INTO bus_messages (seq, id, source, account, topic, dedup_key, "
                    "received_at, correlation_id, traceparent, headers, url, body, state) VALUES "
                    "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"));
        const std::string& id = m.id;
        // Views, not copies: the pending message outlives the statement's run.
        ins->Bind(1, seq)
            .BindView(2, id)
            .BindView(3, m.source)
            .BindView(4, m.account)
            .BindView(5, m.topic)
            .BindView(6, m.dedup_key)
            .Bind(7, m.received_at.micros)
            .BindView(8, m.correlation_id)
            .BindView(9, m.traceparent)
            .BindView(10, p->headers_json)
            .BindView(11, m.url)
            .BindBlobView(12, m.body)
            .BindView(13, p->translated ? "translated" : "new");
        HUB_TRY_STATUS(ins->Run());
        if (p->translated) {
          HUB_TRY_STATUS(AddWork(*ingest_conn_, seq, *p->translated, "", enqueued));
        } else {
          ++fresh;
        }
        results.push_back(IngestResult{id, seq, false});
        added.emplace(key, DedupEntry{id, seq});
        ++seq;
      }
      // Twice this group's size keeps the index ahead of the log.
      HUB_TRY(merged_to,
              WriteDedupSlice(*ingest_conn_, std::max<std::size_t>(64, 2 * batch.size())));
      return tx.Commit();
    };
    Status st = run();
    if (!st) {
      obs::Warn("bus.ingest.commit_failed", "",
                {{"error", st.error().ToString()}, {"messages", std::to_string(batch.size())}});
      for (const auto& p : batch) {
        p->done(Fail(
            Error(ErrorCode::kUnavailable, "could not store the message: " + st.error().message)));
      }
      return;
    }
    log_end_ = std::max(log_end_, seq - 1);
    AfterDedupCommit(std::move(added), merged_to);
    // The generation first: see TranslateBatch's reset of the counter.
    ++ingest_generation_;
    translate_backlog_ += fresh;
    M().translate_backlog.Set(translate_backlog_.load());
    M().group_size.ObserveMicros(static_cast<std::int64_t>(batch.size()) * 50);
    // Queue the work before acknowledging: a sender (or a test) that sees the
    // answer and then waits for the bus to go idle must find it queued.
    for (auto& [dq, item] : enqueued) {
      Enqueue(*dq, std::move(item));
    }
    if (fresh > 0) {
      std::lock_guard l(translate_mu_);
      translate_cv_.notify_one();
    }
    const Instant now = clock_.Now();
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (results[i]->duplicate) {
        M().duplicates.Inc();
      } else {
        M().ingested.Inc();
      }
      M().ack_latency.ObserveMicros(now.micros - batch[i]->start.micros);
      batch[i]->done(std::move(results[i]));
    }
  }

  // ---- dedup index ----------------------------------------------------------
  //
  // A message's dedup key must be unique among every message ever stored.
  // Sender ids are random, so a UNIQUE key on the log took one insert at a
  // random place in a B-tree of every message, and each group commit wrote
  // about one 16 KiB leaf page per message. Instead the committer, the only
  // writer of the log in this process, keeps the keys of its latest messages
  // in memory and writes them into bus_dedup (whose primary key is the same
  // unique key) in batches sorted by key, a slice with each group commit, so
  // neighbouring keys share their pages. bus_dedup_mark.seq says up to which
  // message bus_dedup is complete; at start the keys after it are read back
  // from the log, so a crash between a commit and its keys' batch loses no
  // key. A message is a duplicate when its key is in memory or in bus_dedup,
  // which is looked into only when a Bloom filter of every stored key (built
  // from bus_dedup at start, about 1.25 MB per million keys) says "maybe".
  //
  // Two generations: new keys join the active one; once it holds
  // bus.dedup_index_batch keys and the previous one is written, it is frozen,
  // sorted and written slice by slice, and the mark moves to the last message
  // of the log at the time of freezing. Only the committer's thread touches
  // this state (Init and Stop, before and after it runs).

  static std::uint64_t DedupKeyHash(std::string_view key) {
    return std::hash<std::string_view>{}(key);
  }

  // Keyed by DedupMapKey(source, account, dedup_key).
  struct DedupEntry {
    std::string id;
    std::int64_t seq = 0;
  };
  using DedupMap = std::unordered_map<std::string, DedupEntry>;

  // NUL never occurs in a source or account name (sources are a fixed list,
  // account ids are letters, digits, "-", "_" and "."), so the joined key sorts
  // like the (source, account, dedup_key) tuple under SQLite's binary order.
  static std::string DedupMapKey(std::string_view source, std::string_view account,
                                 std::string_view dedup_key) {
    std::string k;
    k.reserve(source.size() + account.size() + dedup_key.size() + 2);
    k.append(source).push_back('\0');
    k.append(account).push_back('\0');
    k.append(dedup_key);
    return k;
  }

  // The keys of the messages after `after`, into `out`. Rows another
  // writer appended since the last group are read whatever the mark says:
  // it indexed their keys itself, but the filter has not seen them.
  Status LoadUnindexed(store::Connection& conn, std::int64_t after, DedupMap& out) {
    HUB_TRY(store::Statement * q,
            conn.Prepare("SELECT seq, id, source, account, dedup_key FROM bus_messages WHERE seq "
                         "> $1 ORDER BY seq"));
    q->Bind(1, after);
    HUB_TRY_STATUS(store::ForEachRow(*q, [&](const store::Statement& row) {
      out.emplace(DedupMapKey(row.Text(2), row.Text(3), row.Text(4)),
                  DedupEntry{row.Text(1), row.Int(0)});
    }));
    return Ok();
  }

  // Inside the committer's transaction: the next `n` keys of the frozen
  // generation, and the mark once the generation is complete. Returns the
  // position the slice ends at, for AfterDedupCommit.
  Result<std::size_t> WriteDedupSlice(store::Connection& conn, std::size_t n) {
    const std::size_t end = std::min(dedup_merging_.size(), dedup_merge_pos_ + n);
    for (std::size_t i = dedup_merge_pos_; i < end; ++i) {
      const auto& [key, e] = *dedup_merging_[i];
      const std::size_t a = key.find('\0');
      const std::size_t b = key.find('\0', a + 1);
      const std::string_view k(key);
      HUB_TRY(store::Statement * ins,
              conn.Prepare("INSERT INTO bus_dedup (source, account, dedup_key, seq) VALUES ($1, "
                           "$2, $3, $4) ON CONFLICT DO NOTHING"));
      ins->BindView(1, k.substr(0, a))
          .BindView(2, k.substr(a + 1, b - a - 1))
          .BindView(3, k.substr(b + 1))
          .Bind(4, e.seq);
      HUB_TRY_STATUS(ins->Run());
    }
    if (!dedup_merging_.empty() && end == dedup_merging_.size() && end > dedup_merge_pos_) {
      HUB_TRY_STATUS(internal::AdvanceDedupMark(conn, dedup_merge_mark_));
    }
    return end;
  }

  // After a commit: the group's keys join the active generation, the written
  // slice is done, and a finished generation leaves memory.
  void AfterDedupCommit(DedupMap added, std::size_t merged_to) {
    while (!added.empty()) {
      auto node = added.extract(added.begin());
      dedup_filter_.Add(DedupKeyHash(node.key()));
      dedup_mem_.insert(std::move(node));
    }
    dedup_merge_pos_ = merged_to;
    if (!dedup_merging_.empty() && dedup_merge_pos_ == dedup_merging_.size()) {
      for (const auto* kv : dedup_merging_) {
        dedup_mem_.erase(kv->first);
      }
      dedup_merging_.clear();
      dedup_merge_pos_ = 0;
    }
    // Until the frozen generation leaves memory, the rest of it is active.
    const auto active = static_cast<std::int64_t>(dedup_mem_.size() - dedup_merging_.size());
    if (dedup_merging_.empty() && active > 0 && active >= options_.dedup_index_batch) {
      FreezeDedupGeneration();
    }
    M().dedup_unindexed.Set(static_cast<std::int64_t>(dedup_mem_.size()));
  }

  void FreezeDedupGeneration() {
    HUB_ASSERT(dedup_merging_.empty());
    dedup_merging_.reserve(dedup_mem_.size());
    for (const auto& kv : dedup_mem_) {
      dedup_merging_.push_back(&kv);
    }
    std::sort(dedup_merging_.begin(), dedup_merging_.end(),
              [](const auto* a, const auto* b) { return a->first < b->first; });
    dedup_merge_pos_ = 0;
    dedup_merge_mark_ = log_end_;
  }

  // At Stop, with the committer gone: everything in memory into bus_dedup,
  // so the next start reads nothing back. A failure only leaves that work
  // to the next start.
  void FlushDedup() {
    while (!dedup_mem_.empty()) {
      if (dedup_merging_.empty()) {
        FreezeDedupGeneration();
      }
      std::size_t merged_to = dedup_merge_pos_;
      store::Transaction tx(*ingest_conn_);
      Status st = tx.Begin().and_then([&]() -> Status {
        HUB_TRY(merged_to, WriteDedupSlice(*ingest_conn_, dedup_merging_.size()));
        return tx.Commit();
      });
      if (!st) {
        obs::Warn("bus.dedup.flush_failed", "", {{"error", st.error().ToString()}});
        return;
      }
      AfterDedupCommit({}, merged_to);
    }
  }

  // Queues a translated message's events for every domain that wants them
  // (only `replay_domain` when set), inside the caller's transaction; what
  // to hand the domain queues after the commit goes to `enqueued`.
  Status AddWork(store::Connection& conn, std::int64_t seq, const std::vector<Event>& events,
                 const std::string& replay_domain,
                 std::vector<std::pair<DomainQueue*, Item>>& enqueued) {
    std::int64_t idx = 0;
    for (const Event& e : events) {
      std::string json;
      for (auto& dq : domains_) {
        if (!replay_domain.empty() && dq->handler->domain() != replay_domain) {
          continue;
        }
        if (!dq->handler->Wants(e)) {
          continue;
        }
        if (json.empty()) {
          json = EventToJson(e);
        }
        HUB_TRY(store::Statement * ins,
                conn.Prepare(
                    "INSERT INTO bus_work (domain, event_id, message_seq, idx, key, event, "
                    "state, attempts, next_at, park_deadline, attempt_log) VALUES ($1, $2, $3, "
                    "$4, $5, $6, 'pending', 0, 0, 0, '[]') ON CONFLICT (domain, event_id) DO "
                    "UPDATE SET state = 'pending', attempts = 0, next_at = 0, park_deadline = "
                    "0, event = excluded.event WHERE bus_work.state IN ('dlq', 'exception', "
                    "'parked')"));
        ins->Bind(1, dq->handler->domain())
            .Bind(2, e.event_id)
            .Bind(3, seq)
            .Bind(4, idx)
            .Bind(5, e.key)
            .Bind(6, json);
        HUB_TRY(std::int64_t changed, ins->Run());
        if (changed == 1) {
          enqueued.emplace_back(dq.get(), Item{e.event_id, seq, idx, e.key, json, 0, 0, 0});
        }
      }
      ++idx;
    }
    return Ok();
  }

  // ---- translate -----------------------------------------------------------

  void TranslateLoop() {
    auto conn_r = store_.Connect();
    HUB_ASSERT(conn_r.has_value());
    auto conn = std::move(*conn_r);
    // Translation is a pure function of the stored raw message: after a power
    // loss the stage re-translates what it lost. Its commits skip the fsync
    // and ride on the ingest committer's next one, so they hold the single
    // writer lock for less time.
    if (auto st = conn->DeferDurability(); !st) {
      obs::Warn("bus.translate.defer_durability", "", {{"error", st.error().ToString()}});
    }
    std::int64_t last_sweep = 0;
    while (!stopping_) {
      auto did = TranslateBatch(*conn);
      const std::int64_t now = clock_.Now().micros;
      if (now - last_sweep > 500'000) {
        SweepParked(*conn);
        last_sweep = now;
      }
      if (!did || *did == 0) {
        if (!did) {
          obs::Warn("bus.translate.batch_failed", "", {{"error", did.error().ToString()}});
        }
        std::unique_lock l(translate_mu_);
        translate_cv_.wait_for(l, 200ms);
      }
    }
  }

  Result<int> TranslateBatch(store::Connection& conn) {
    std::vector<std::pair<RawMessage, std::string>> msgs;  // message, replay_domain
    const std::uint64_t generation = ingest_generation_.load();
    {
      HUB_TRY(store::Statement * q,
              conn.Prepare(fmt::format("SELECT {}, COALESCE(replay_domain, '') FROM "
                                       "bus_messages WHERE state = 'new' ORDER BY seq LIMIT 256",
                                       internal::kMessageColumns)));
      HUB_TRY_STATUS(store::ForEachRow(*q, [&](const store::Statement& row) {
        RawMessage m = internal::ReadMessage(row);
        msgs.emplace_back(std::move(m), row.Text(12));
      }));
    }
    if (msgs.empty()) {
      // Keep the counter honest if replays were requested from another
      // process, unless a group was committed since this pass began: its
      // messages may be newer than what the query saw, and zeroing the
      // count after the committer added them would let WaitIdle call the
      // bus idle with work stored but not yet translated.
      if (ingest_generation_.load() == generation) {
        translate_backlog_ = 0;
      }
      return 0;
    }
    std::vector<std::pair<DomainQueue*, Item>> enqueued;
    // Translate before taking the write lock: parsing is CPU work that must
    // not hold up the ingest committer's fsync.
    std::vector<Result<std::vector<Event>>> translated;
    translated.reserve(msgs.size());
    for (auto& [m, replay_domain] : msgs) {
      translated.push_back(translator_(m));
    }
    store::Transaction tx(conn);
    HUB_TRY_STATUS(tx.Begin());
    std::size_t mi = 0;
    for (auto& [m, replay_domain] : msgs) {
      auto& events = translated[mi++];
      if (!events && events.error().transient()) {
        continue;  // stays 'new'; retried on the next pass
      }
      if (!events) {
        // An amount mismatch or unmapped code is a business exception for
        // finance; anything else the connector cannot read is quarantined.
        const bool business = Classify(events.error()) == FailureClass::kBusiness;
        HUB_TRY_STATUS(RecordFailure(conn, business ? "exception" : "dlq", "translate", m, "", "",
                                     events.error(), "[]", TopicIsFinance(m)));
        HUB_TRY_STATUS(SetMessageState(conn, m.seq, "dlq"));
        continue;
      }
      HUB_TRY_STATUS(AddWork(conn, m.seq, *events, replay_domain, enqueued));
      HUB_TRY_STATUS(SetMessageState(conn, m.seq, "translated"));
    }
    HUB_TRY_STATUS(tx.Commit());
    // Message by message, its work is queued before it leaves the translate
    // backlog: WaitIdle never sees it in neither, and the backlog counts it
    // twice for one message's hand-over at most.
    std::size_t k = 0;
    for (auto& [m, replay_domain] : msgs) {
      std::lock_guard h(handover_mu_);  // Stats() sees it on one side only
      for (; k < enqueued.size() && enqueued[k].second.seq == m.seq; ++k) {
        Enqueue(*enqueued[k].first, std::move(enqueued[k].second));
      }
      if (--translate_backlog_ < 0) {
        translate_backlog_ = 0;
      }
    }
    M().translate_backlog.Set(translate_backlog_.load());
    return static_cast<int>(msgs.size());
  }

  static bool TopicIsFinance(const RawMessage& m) {
    // "financial": Amazon's financial_events / financial_event_groups pages.
    static constexpr std::string_view kWords[] = {"payment",     "refund",     "payout",
                                                  "transaction", "dispute",    "charge",
                                                  "balance",     "settlement", "financial"};
    if (m.source == "stripe" || m.source == "adyen") {
      return true;
    }
    return std::any_of(std::begin(kWords), std::end(kWords),
                       [&](std::string_view w) { return m.topic.find(w) != std::string::npos; });
  }

  Status SetMessageState(store::Connection& conn, std::int64_t seq, std::string_view state) {
    HUB_TRY(
        store::Statement * up,
        conn.Prepare("UPDATE bus_messages SET state = $1, replay_domain = NULL WHERE seq = $2"));
    up->Bind(1, state).Bind(2, seq);
    HUB_TRY_STATUS(up->Run());
    return Ok();
  }

  Status RecordFailure(store::Connection& conn, std::string_view kind, std::string_view stage,
                       const RawMessage& m, std::string_view event_id, std::string_view event_type,
                       const Error& e, std::string_view attempts, bool finance) {
    return internal::InsertFailure(conn, clock_, kind, stage, m.seq, m.correlation_id, event_id,
                                   event_type, std::string(ErrorCodeName(e.code)), e.message,
                                   e.field, attempts, finance)
        .and_then([&]() -> Status {
          M().failures(kind, ErrorCodeName(e.code)).Inc();
          obs::Warn(kind == "dlq" ? "bus.dlq.added" : "bus.exception.added", m.correlation_id,
                    {{"stage", std::string(stage)},
                     {"message_id", m.id},
                     {"reason", std::string(ErrorCodeName(e.code))},
                     {"detail", e.message}});
          return Ok();
        });
  }

  // ---- domain scheduling ---------------------------------------------------

  Status LoadWork() {
    HUB_TRY(auto conn, store_.Connect());
    HUB_TRY(store::Statement * q,
            conn->Prepare("SELECT domain, event_id, message_seq, idx, key, event, state, "
                          "attempts, next_at, park_deadline FROM bus_work WHERE state IN "
                          "('pending', 'parked') ORDER BY message_seq, idx"));
    HUB_TRY_STATUS(store::ForEachRow(*q, [&](const store::Statement& row) {
      DomainQueue* dq = Find(row.Text(0));
      if (dq == nullptr) {
        return;  // a domain not configured in this process
      }
      Item it{row.Text(1), row.Int(2), row.Int(3), row.Text(4),
              row.Text(5), row.Int(7), row.Int(8), row.Int(9)};
      // Parked events get another chance at start: the predecessor they
      // wait for may have been applied just before a crash, after which the
      // in-memory unpark was lost. If it is still missing they park again.
      Enqueue(*dq, std::move(it));
    }));
    return Ok();
  }

  DomainQueue* Find(std::string_view domain) {
    for (auto& dq : domains_) {
      if (dq->handler->domain() == domain) {
        return dq.get();
      }
    }
    return nullptr;
  }

  void Enqueue(DomainQueue& dq, Item item) {
    std::lock_guard l(dq.mu);
    auto& q = dq.queues[item.key];
    const bool was_empty = q.empty();
    const std::string key = item.key;
    const std::int64_t next_at = item.next_at;
    q.push_back(std::move(item));
    ++dq.size;
    ++domain_sizes_;
    M().backlog(dq.handler->domain()).Set(dq.size);
    if (was_empty && dq.busy.count(key) == 0) {
      if (next_at > clock_.Now().micros) {
        dq.delayed.emplace(next_at, key);
      } else {
        dq.ready.push_back(key);
      }
      dq.cv.notify_one();
    } else if (!was_empty && q.size() > 1 && q[q.size() - 1] < q[q.size() - 2]) {
      // A replayed item older than what is queued: keep log order.
      std::sort(q.begin() + (dq.busy.count(key) != 0 ? 1 : 0), q.end());
    }
  }

  void WorkerLoop(DomainQueue& dq) {
    std::unique_ptr<store::Connection> own;
    store::Connection* conn = dq.handler->connection();
    if (conn == nullptr) {
      auto conn_r = store_.Connect();
      HUB_ASSERT(conn_r.has_value());
      own = std::move(*conn_r);
      conn = own.get();
    }
    std::unique_lock l(dq.mu);
    while (!stopping_) {
      const std::int64_t now = clock_.Now().micros;
      while (!dq.delayed.empty() && dq.delayed.begin()->first <= now) {
        dq.ready.push_back(dq.delayed.begin()->second);
        dq.delayed.erase(dq.delayed.begin());
      }
      if (dq.ready.empty()) {
        auto wait = 200ms;
        if (!dq.delayed.empty()) {
          const auto until = std::chrono::microseconds(dq.delayed.begin()->first - now);
          wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(until) + 1ms);
        }
        dq.cv.wait_for(l, wait);
        continue;
      }
      const std::string key = dq.ready.front();
      dq.ready.pop_front();
      auto qit = dq.queues.find(key);
      if (qit == dq.queues.end() || qit->second.empty() || dq.busy.count(key) != 0) {
        continue;
      }
      dq.busy.insert(key);
      Item item = qit->second.front();
      l.unlock();
      Outcome outcome;
      if (std::mutex* m = dq.handler->connection_mutex(); m != nullptr) {
        std::lock_guard conn_lock(*m);
        outcome = Process(dq, *conn, item);
      } else {
        outcome = Process(dq, *conn, item);
      }
      l.lock();
      dq.busy.erase(key);
      auto& q = dq.queues[key];
      HUB_ASSERT(!q.empty());
      switch (outcome) {
        case Outcome::kApplied: {
          q.pop_front();
          --dq.size;
          --domain_sizes_;
          auto pit = dq.parked.find(key);
          if (pit != dq.parked.end()) {
            // The key moved on: give parked events another chance, in log order.
            for (auto& p : pit->second) {
              q.push_back(std::move(p));
              ++dq.size;
              ++domain_sizes_;
              --dq.parked_count;
            }
            dq.parked.erase(pit);
            std::sort(q.begin(), q.end());
          }
          break;
        }
        case Outcome::kRetry:
          q.front() = item;
          dq.delayed.emplace(item.next_at, key);
          M().backlog(dq.handler->domain()).Set(dq.size);
          continue;
        case Outcome::kParked:
          dq.parked[key].push_back(item);
          ++dq.parked_count;
          q.pop_front();
          --dq.size;
          --domain_sizes_;
          break;
        case Outcome::kFailed:
          q.pop_front();
          --dq.size;
          --domain_sizes_;
          break;
      }
      M().backlog(dq.handler->domain()).Set(dq.size);
      if (q.empty()) {
        dq.queues.erase(key);
      } else {
        dq.ready.push_back(key);
        dq.cv.notify_one();
      }
    }
  }

  Outcome Process(DomainQueue& dq, store::Connection& conn, Item& item) {
    Handler& h = *dq.handler;
    const std::string domain(h.domain());
    auto ev = EventFromJson(item.event_json);
    RawMessage msg;
    if (auto lm = LoadMessageHead(conn, item.seq); lm) {
      msg = std::move(*lm);
    } else {
      return Retry(dq, conn, item, lm.error());
    }
    if (!ev) {
      return FailItem(dq, conn, item, msg, "dlq", ev.error(), "");
    }
    Status st = ApplyInTx(h, conn, *ev, msg, item);
    if (st) {
      M().applied(domain).Inc();
      return Outcome::kApplied;
    }
    const Error& e = st.error();
    switch (Classify(e)) {
      case FailureClass::kTransient:
        return Retry(dq, conn, item, e);
      case FailureClass::kParked:
        return Park(dq, conn, item, msg, *ev, e);
      case FailureClass::kBusiness:
        return FailItem(dq, conn, item, msg, "exception", e, ev->type);
      case FailureClass::kPermanent:
        return FailItem(dq, conn, item, msg, "dlq", e, ev->type);
    }
    return Outcome::kFailed;
  }

  Status ApplyInTx(Handler& h, store::Connection& conn, const Event& ev, const RawMessage& msg,
                   const Item& item) {
    store::Transaction tx(conn);
    HUB_TRY_STATUS(tx.Begin());
    auto run = [&]() -> Status {
      HUB_TRY_STATUS(h.Apply(ev, msg, conn));
      HUB_TRY(store::Statement * up,
              conn.Prepare("UPDATE bus_work SET state = 'done', attempts = attempts + 1 WHERE "
                           "domain = $1 AND event_id = $2"));
      up->Bind(1, h.domain()).Bind(2, item.event_id);
      HUB_TRY_STATUS(up->Run());
      return tx.Commit();
    };
    Status st = run();
    if (!st) {
      (void)conn.Rollback();
      h.OnRollback();
    } else {
      h.OnCommitted(ev);
    }
    return st;
  }

  Result<RawMessage> LoadMessageHead(store::Connection& conn, std::int64_t seq) {
    HUB_TRY(store::Statement * q,
            conn.Prepare("SELECT id, source, account, topic, correlation_id, traceparent, "
                         "received_at, dedup_key FROM bus_messages WHERE seq = $1"));
    q->Bind(1, seq);
    HUB_TRY(bool row, q->Step());
    if (!row) {
      q->Reset();
      return Fail(ErrorCode::kNotFound, fmt::format("message seq {} not found", seq));
    }
    RawMessage m;
    m.seq = seq;
    m.id = q->Text(0);
    m.source = q->Text(1);
    m.account = q->Text(2);
    m.topic = q->Text(3);
    m.correlation_id = q->Text(4);
    m.traceparent = q->Text(5);
    m.received_at = Instant{q->Int(6)};
    m.dedup_key = q->Text(7);
    q->Reset();
    return m;
  }

  std::int64_t BackoffMicros(std::int64_t attempts) {
    // Exponential backoff with full jitter: uniform in [0, min(max, base * 2^n)].
    std::int64_t cap = options_.retry_base_delay_ms * 1000;
    for (std::int64_t i = 1; i < attempts && cap < options_.retry_max_delay_ms * 1000; ++i) {
      cap *= 2;
    }
    cap = std::min(cap, options_.retry_max_delay_ms * 1000);
    std::lock_guard l(rng_mu_);
    return std::uniform_int_distribution<std::int64_t>(0, cap)(rng_);
  }

  Outcome Retry(DomainQueue& dq, store::Connection& conn, Item& item, const Error& e) {
    item.attempts += 1;
    const std::string domain(dq.handler->domain());
    if (item.attempts >= options_.retry_attempts_max) {
      RawMessage msg;
      if (auto lm = LoadMessageHead(conn, item.seq); lm) {
        msg = std::move(*lm);
      }
      Error final_error = e;
      final_error.message = fmt::format("gave up after {} attempts: {}", item.attempts, e.message);
      return FailItem(dq, conn, item, msg, "dlq", final_error, "");
    }
    (void)AppendAttempt(conn, domain, item, e);
    M().retries(domain).Inc();
    item.next_at = clock_.Now().micros + BackoffMicros(item.attempts);
    auto up = conn.Prepare(
        "UPDATE bus_work SET attempts = $1, next_at = $2 WHERE domain = $3 "
        "AND event_id = $4");
    if (up) {
      (*up)->Bind(1, item.attempts).Bind(2, item.next_at).Bind(3, domain).Bind(4, item.event_id);
      (void)(*up)->Run();
    }
    return Outcome::kRetry;
  }

  Status AppendAttempt(store::Connection& conn, const std::string& domain, const Item& item,
                       const Error& e) {
    HUB_TRY(store::Statement * q,
            conn.Prepare("SELECT attempt_log FROM bus_work WHERE domain = $1 AND event_id = $2"));
    q->Bind(1, domain).Bind(2, item.event_id);
    HUB_TRY(bool row, q->Step());
    std::string log = row ? q->Text(0) : "[]";
    q->Reset();
    boost::json::array a;
    boost::system::error_code ec;
    auto v = boost::json::parse(log, ec);
    if (!ec && v.is_array()) {
      a = v.as_array();
    }
    a.push_back(boost::json::object{{"at", FormatRfc3339(clock_.Now())},
                                    {"code", ErrorCodeName(e.code)},
                                    {"error", e.message}});
    HUB_TRY(
        store::Statement * up,
        conn.Prepare("UPDATE bus_work SET attempt_log = $1 WHERE domain = $2 AND event_id = $3"));
    up->Bind(1, boost::json::serialize(a)).Bind(2, domain).Bind(3, item.event_id);
    HUB_TRY_STATUS(up->Run());
    return Ok();
  }

  Outcome Park(DomainQueue& dq, store::Connection& conn, Item& item, const RawMessage& msg,
               const Event& ev, const Error& e) {
    const std::int64_t now = clock_.Now().micros;
    if (item.park_deadline == 0) {
      item.park_deadline = now + options_.predecessor_wait_ms * 1000;
    } else if (now >= item.park_deadline) {
      Error timeout(ErrorCode::kTimeout,
                    fmt::format("waited past the deadline for a predecessor: {}", e.message),
                    e.field);
      return FailItem(dq, conn, item, msg, "exception", timeout, ev.type, "predecessor_timeout");
    }
    auto up = conn.Prepare(
        "UPDATE bus_work SET state = 'parked', park_deadline = $1 WHERE domain = $2 AND "
        "event_id = $3");
    if (up) {
      (*up)->Bind(1, item.park_deadline).Bind(2, dq.handler->domain()).Bind(3, item.event_id);
      (void)(*up)->Run();
    }
    return Outcome::kParked;
  }

  Outcome FailItem(DomainQueue& dq, store::Connection& conn, Item& item, const RawMessage& msg,
                   std::string_view kind, const Error& e, std::string_view event_type,
                   std::string_view reason_override = {}) {
    const std::string domain(dq.handler->domain());
    (void)AppendAttempt(conn, domain, item, e);
    std::string attempts = "[]";
    if (auto q =
            conn.Prepare("SELECT attempt_log FROM bus_work WHERE domain = $1 AND event_id = $2");
        q) {
      (*q)->Bind(1, domain).Bind(2, item.event_id);
      if (auto row = (*q)->Step(); row && *row) {
        attempts = (*q)->Text(0);
      }
      (*q)->Reset();
    }
    const std::string reason =
        reason_override.empty() ? std::string(ErrorCodeName(e.code)) : std::string(reason_override);
    for (int tries = 0; tries < 50; ++tries) {
      store::Transaction tx(conn);
      auto ok = tx.Begin()
                    .and_then([&] {
                      return internal::InsertFailure(
                          conn, clock_, kind, domain, item.seq, msg.correlation_id, item.event_id,
                          event_type, reason, e.message, e.field, attempts, dq.handler->finance());
                    })
                    .and_then([&]() -> Status {
                      HUB_TRY(store::Statement * up,
                              conn.Prepare("UPDATE bus_work SET state = $1 WHERE domain = $2 AND "
                                           "event_id = $3"));
                      up->Bind(1, kind).Bind(2, domain).Bind(3, item.event_id);
                      HUB_TRY_STATUS(up->Run());
                      return Ok();
                    })
                    .and_then([&] { return tx.Commit(); });
      if (ok) {
        break;
      }
      std::this_thread::sleep_for(20ms);
    }
    M().failures(kind, reason).Inc();
    obs::Warn(kind == "dlq" ? "bus.dlq.added" : "bus.exception.added", msg.correlation_id,
              {{"domain", domain},
               {"event_id", item.event_id},
               {"reason", reason},
               {"detail", e.message}});
    return Outcome::kFailed;
  }

  void SweepParked(store::Connection& conn) {
    const std::int64_t now = clock_.Now().micros;
    for (auto& dq : domains_) {
      std::vector<Item> expired;
      {
        std::lock_guard l(dq->mu);
        for (auto it = dq->parked.begin(); it != dq->parked.end();) {
          auto& v = it->second;
          for (auto p = v.begin(); p != v.end();) {
            if (p->park_deadline != 0 && p->park_deadline <= now) {
              expired.push_back(std::move(*p));
              p = v.erase(p);
              --dq->parked_count;
            } else {
              ++p;
            }
          }
          it = v.empty() ? dq->parked.erase(it) : std::next(it);
        }
      }
      for (Item& item : expired) {
        RawMessage msg;
        if (auto lm = LoadMessageHead(conn, item.seq); lm) {
          msg = std::move(*lm);
        }
        auto ev = EventFromJson(item.event_json);
        Error e(ErrorCode::kTimeout,
                "no predecessor arrived before the deadline; check that the earlier event (for "
                "example the order) was sent, then replay",
                "predecessor");
        FailItem(*dq, conn, item, msg, "exception", e, ev ? ev->type : "", "predecessor_timeout");
      }
    }
  }

  store::Store& store_;
  BusOptions options_;
  Translator translator_;
  const Clock& clock_;
  std::mt19937_64 rng_;
  std::mutex rng_mu_;

  std::unique_ptr<store::Connection> ingest_conn_;
  // The dedup index's memory (see "dedup index"): the committer's alone.
  DedupMap dedup_mem_;
  // Every key stored (on disk or in dedup_mem_), so that a new key, which
  // most are, needs no look into bus_dedup; a "maybe" is checked there.
  internal::KeyFilter dedup_filter_;
  std::vector<const DedupMap::value_type*> dedup_merging_;  // frozen, sorted by key
  std::size_t dedup_merge_pos_ = 0;                         // written up to here
  std::int64_t dedup_merge_mark_ = 0;  // the mark once the frozen generation is written
  std::int64_t log_end_ = 0;           // the last message of the log the committer knows
  std::mutex ingest_mu_;
  std::condition_variable ingest_cv_;
  std::deque<std::unique_ptr<Pending>> ingest_queue_;

  std::mutex translate_mu_;
  // Held while one message's work moves from the translate backlog to the
  // domain queues, and by Stats(); taken before any DomainQueue::mu.
  std::mutex handover_mu_;
  std::condition_variable translate_cv_;
  std::atomic<std::int64_t> translate_backlog_{0};
  std::atomic<std::uint64_t> ingest_generation_{0};  // group commits so far
  std::atomic<std::int64_t> domain_sizes_{0};

  std::vector<std::unique_ptr<DomainQueue>> domains_;
  std::thread committer_, translator_thread_;
  std::atomic<bool> stopping_{false};
  bool started_ = false;
};

}  // namespace

Result<std::unique_ptr<Bus>> Bus::Open(store::Store& store, BusOptions options,
                                       Translator translator, const Clock& clock) {
  auto bus = std::make_unique<BusImpl>(store, std::move(options), std::move(translator), clock);
  HUB_TRY_STATUS(bus->Init());
  return std::unique_ptr<Bus>(std::move(bus));
}

}  // namespace hub::bus
