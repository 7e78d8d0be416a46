// The durable event backbone (DESIGN.md §5, issue #3).
//
//   Inbox ──(group commit)──► messages (raw log, UNIQUE dedup key)
//   translate worker ──► work rows, one per (domain, event) ──► domain workers
//
// A message is acknowledged only after its raw form is durably stored. The
// translate stage turns it into canonical events (or quarantines it in the
// DLQ); each domain has its own queue and worker pool, processes one key's
// events strictly in log order, and commits a handler's effects together
// with the work row's new state in one transaction, so a crash at any point
// neither loses nor doubles an effect. Failures: transient → retry with
// exponential backoff and full jitter (the key stays blocked); permanent →
// DLQ; business → exception queue; "needs predecessor" → parked until the
// key moves on or the deadline passes. Replays re-run from the raw message.
//
// Thread-safety: Bus is thread-safe. Handlers are called from worker
// threads, never concurrently for the same key of the same domain.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/result.h"
#include "core/time.h"
#include "store/store.h"

namespace hub::bus {

struct RawMessage {
  std::int64_t seq = 0;  // position in the log, assigned at ingest
  std::string id;        // "msg_…"
  std::string source, account, topic, dedup_key;
  std::string correlation_id;
  std::string traceparent;
  Instant received_at;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string url;
  std::string body;
};

struct IngestResult {
  std::string message_id;
  std::int64_t seq = 0;
  bool duplicate = false;  // same dedup key seen before: not processed again
};

// Translates a stored raw message into canonical events; pure and
// deterministic (same message, same events, same event ids).
using Translator = std::function<Result<std::vector<Event>>(const RawMessage&)>;

// A domain's handler: applies one event inside the transaction on `tx`.
// Return an Error to fail: transient codes retry, kFailedPrecondition with
// field "predecessor" parks, business codes (unmapped, closed period, amount
// mismatch, unbalanced, failed precondition) raise an exception, any other
// code sends the event to the DLQ.
class Handler {
 public:
  virtual ~Handler() = default;
  virtual std::string_view domain() const = 0;
  virtual bool Wants(const Event& event) const = 0;
  virtual Status Apply(const Event& event, const RawMessage& message, store::Connection& tx) = 0;
  // Whether replaying this domain's failures touches finance (needs approval).
  virtual bool finance() const { return false; }
  // A handler whose effects live behind its own connection (the journal) may
  // hand it to the bus: the bus then runs that domain with one worker and
  // opens the transaction on this connection, so the effects and the work
  // row still commit together. nullptr: the bus uses a connection of its own.
  virtual store::Connection* connection() { return nullptr; }
  // Guards connection(): held by the bus for the whole transaction, and by
  // anyone else (API reads) who uses that connection.
  virtual std::mutex* connection_mutex() { return nullptr; }
  // Called after Apply() succeeded but the transaction did not commit (or
  // Apply() failed after changing in-memory state): the handler must drop
  // in-memory changes and reload what the store holds.
  virtual void OnRollback() {}
  // Called after the transaction holding Apply(event) committed: the effect
  // is durable and visible to other connections. Must be quick (no I/O):
  // a signal to whoever reads this domain's results.
  virtual void OnCommitted(const Event& /*event*/) {}
};

enum class FailureClass { kTransient, kPermanent, kBusiness, kParked };
FailureClass Classify(const Error& e);

struct BusOptions {
  std::size_t group_commit_max = 512;     // messages sharing one fsync, at most
  std::int64_t group_commit_wait_us = 0;  // extra wait to fill a group (0: commit what is there)
  std::int64_t backlog_max = 100'000;     // unprocessed messages before ingest answers 503
  // New dedup keys held in memory before they are written, sorted, to the
  // dedup index (bus.cc, "dedup index"); at most about twice this many are
  // held, and read back from the log after a crash.
  std::int64_t dedup_index_batch = 32'768;
  int retry_attempts_max = 8;  // transient attempts before the DLQ
  std::int64_t retry_base_delay_ms = 200;
  std::int64_t retry_max_delay_ms = 60'000;
  std::int64_t predecessor_wait_ms = 24LL * 3600 * 1000;  // parked this long, then an exception
  std::map<std::string, int, std::less<>> workers;        // per-domain pool size (default 1)
  std::uint64_t jitter_seed = 0;                          // 0: random
};

// One entry of the DLQ or the exception queue.
struct Failure {
  std::string id;     // "fail_…"
  std::string kind;   // "dlq" or "exception"
  std::string stage;  // "translate" or the domain
  std::int64_t message_seq = 0;
  std::string message_id, source, topic, event_id, event_type;
  std::string reason_code;  // stable: ErrorCodeName of the error, or "predecessor_timeout"
  std::string message;      // human text
  std::string field;
  std::string attempts;  // JSON array of {at, error}
  std::string correlation_id;
  Instant created_at;
  std::string state;  // "open", "resolved", "replayed"
  std::string resolution;
  bool finance = false;
};

struct FailureFilter {
  std::string kind;  // "dlq" / "exception" / "" for both
  std::string state = "open";
  std::string source, topic, reason_code, stage;
  std::optional<Instant> from, to;
  std::int64_t limit = 100;
  std::string after_id;  // cursor
};

struct ReplayRequest {
  std::string id;  // "rpl_…"
  std::vector<std::string> failure_ids;
  std::string requested_by, approved_by, reason;
  std::string state;  // "pending", "done", "rejected"
  bool finance = false;
  Instant requested_at, decided_at;
  std::string result;  // JSON
};

struct BusStats {
  std::int64_t translate_backlog = 0;
  std::map<std::string, std::int64_t> domain_backlog;
  std::int64_t parked = 0;
};

class Bus {
 public:
  // Opens the bus over `store` (migrating its tables) and loads unfinished
  // work. Call Start() to run the workers.
  static Result<std::unique_ptr<Bus>> Open(store::Store& store, BusOptions options,
                                           Translator translator, const Clock& clock);
  virtual ~Bus() = default;

  virtual void AddHandler(std::unique_ptr<Handler> handler) = 0;
  virtual Status Start() = 0;
  // Stops accepting, lets the workers finish the event in hand, joins.
  virtual void Stop() = 0;

  // Durably stores a message (group commit) and returns once it is on disk.
  // kUnavailable when the backlog is over its limit (the caller answers 503).
  virtual Result<IngestResult> Ingest(RawMessage message) = 0;

  // The same without waiting: `done` runs once the message is on disk (or
  // refused), on the committer's thread or, for a refusal, on the caller's.
  // It must be quick and must not call back into the bus; an HTTP handler
  // posts its answer to its own thread, so no I/O thread waits for an fsync.
  // `translated`, when given, is this message's translation by the same
  // Translator, done by the caller (a webhook handler translates to answer
  // a malformed payload with 400): a fresh message is then stored already
  // translated, with its work for the domains, in the same transaction, and
  // the translate stage never reads it back.
  using IngestDone = std::function<void(Result<IngestResult>)>;
  virtual void IngestAsync(RawMessage message, std::optional<std::vector<Event>> translated,
                           IngestDone done) = 0;

  // Blocks until nothing is runnable (all work done, parked or failed) or the
  // timeout passes; for tests and the demo. True when idle.
  virtual bool WaitIdle(std::int64_t timeout_ms) = 0;
  virtual BusStats Stats() = 0;
};

// Queries and operator actions over the bus tables; usable from the CLI
// without a running bus (a running hub picks replays up within a second).
class Operations {
 public:
  explicit Operations(store::Connection& conn, const Clock& clock) : conn_(conn), clock_(clock) {}
  static std::span<const store::Migration> Migrations();

  Result<std::vector<Failure>> ListFailures(const FailureFilter& filter);
  Result<Failure> GetFailure(const std::string& id);
  Result<RawMessage> GetMessage(const std::string& id_or_seq);
  Status Resolve(const std::string& failure_id, const std::string& actor, const std::string& note);

  // Replays that touch no finance domain run at once; finance ones become a
  // pending request that a second, different user must approve.
  Result<ReplayRequest> RequestReplay(const std::vector<std::string>& failure_ids,
                                      const std::string& actor, const std::string& reason);
  Result<ReplayRequest> Approve(const std::string& request_id, const std::string& actor);
  Result<ReplayRequest> Reject(const std::string& request_id, const std::string& actor,
                               const std::string& reason);
  Result<std::vector<ReplayRequest>> ListReplays(const std::string& state);

  // Stores one message in the inbox outside a running bus (files, the CLI):
  // same table, same dedup key rule; a running hub translates it within a
  // second.
  Result<IngestResult> Append(RawMessage message);

  // Appends to the audit log (append-only).
  Status Audit(const std::string& actor, const std::string& action, const std::string& object,
               const std::string& before, const std::string& after);

 private:
  Status Requeue(const Failure& f);
  store::Connection& conn_;
  const Clock& clock_;
};

}  // namespace hub::bus
