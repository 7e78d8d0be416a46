// Bus tables. Frozen column names and state strings: they are on disk.
//   bus_messages.state: new → translated | dlq
//   bus_work.state:     pending → done | parked | dlq | exception
//   bus_failures.state: open → resolved | replayed
#include "bus/bus.h"

namespace hub::bus {

namespace {
constexpr store::Migration kMigrations[] = {
    {"bus", 1,
     R"sql(
CREATE TABLE bus_messages (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  source TEXT NOT NULL,
  account TEXT NOT NULL,
  topic TEXT NOT NULL,
  dedup_key TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  correlation_id TEXT NOT NULL,
  traceparent TEXT NOT NULL,
  headers TEXT NOT NULL,
  url TEXT NOT NULL,
  body BLOB NOT NULL,
  state TEXT NOT NULL,
  replay_domain TEXT,
  UNIQUE (source, account, dedup_key)
);
CREATE INDEX bus_messages_state ON bus_messages (state, seq);
CREATE INDEX bus_messages_correlation ON bus_messages (correlation_id);
CREATE TABLE bus_work (
  domain TEXT NOT NULL,
  event_id TEXT NOT NULL,
  message_seq INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  key TEXT NOT NULL,
  event TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_at INTEGER NOT NULL,
  park_deadline INTEGER NOT NULL,
  attempt_log TEXT NOT NULL,
  PRIMARY KEY (domain, event_id)
);
CREATE INDEX bus_work_open ON bus_work (state, message_seq);
CREATE TABLE bus_failures (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  stage TEXT NOT NULL,
  message_seq INTEGER NOT NULL,
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  reason_code TEXT NOT NULL,
  message TEXT NOT NULL,
  field TEXT NOT NULL,
  attempts TEXT NOT NULL,
  correlation_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  state TEXT NOT NULL,
  resolution TEXT NOT NULL,
  finance INTEGER NOT NULL
);
CREATE INDEX bus_failures_open ON bus_failures (state, kind, created_at);
CREATE TABLE bus_replays (
  id TEXT PRIMARY KEY,
  failure_ids TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  approved_by TEXT NOT NULL,
  reason TEXT NOT NULL,
  state TEXT NOT NULL,
  finance INTEGER NOT NULL,
  requested_at INTEGER NOT NULL,
  decided_at INTEGER NOT NULL,
  result TEXT NOT NULL
);
CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  object TEXT NOT NULL,
  before TEXT NOT NULL,
  after TEXT NOT NULL
);
)sql"},
    // Only messages still to translate are looked up by state; most are
    // stored translated (webhooks), and a full (state, seq) index cost every
    // ingest one more B-tree insert inside the group commit.
    {"bus", 2,
     R"sql(
DROP INDEX bus_messages_state;
CREATE INDEX bus_messages_untranslated ON bus_messages (seq) WHERE state = 'new';
)sql"},
    // Dead-lettered messages are few; erasure looks through them for a
    // person's identifiers without reading every stored body.
    {"bus", 3,
     R"sql(
CREATE INDEX bus_messages_dead ON bus_messages (seq) WHERE state = 'dlq';
)sql"},
    // No query used this index: the message search filters by correlation id
    // while it walks seq (its plan is a rowid range). Correlation ids derived
    // from a delivery are SHA-256 hashes, so every ingest inserted at a
    // random place in it and a group commit rewrote about one 16 KiB leaf
    // page per message: bench_ingest ran 13.4k msg/s with it, 17.3-17.9k
    // without (random dedup keys; 2026-11-27).
    {"bus", 4,
     R"sql(
DROP INDEX bus_messages_correlation;
)sql"},
    // The dedup key leaves bus_messages for an index of its own, written in
    // sorted batches (see "dedup index" in bus.cc). Sender ids are random, so
    // a UNIQUE key on the log itself took one insert at a random place per
    // message, and each group commit rewrote about one 16 KiB leaf page per
    // message: bench_ingest ran 17.5k msg/s with random keys and 26k with
    // sequential ones (2026-11-27). bus_dedup holds the key of every message
    // up to bus_dedup_mark.seq; the committer holds the rest in memory and
    // rebuilds them from the log at start. Portable SQL (ADR 3): a table
    // rebuild, since a UNIQUE constraint cannot be dropped in place.
    {"bus", 5,
     R"sql(
CREATE TABLE bus_messages_v5 (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  source TEXT NOT NULL,
  account TEXT NOT NULL,
  topic TEXT NOT NULL,
  dedup_key TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  correlation_id TEXT NOT NULL,
  traceparent TEXT NOT NULL,
  headers TEXT NOT NULL,
  url TEXT NOT NULL,
  body BLOB NOT NULL,
  state TEXT NOT NULL,
  replay_domain TEXT
);
INSERT INTO bus_messages_v5 (seq, id, source, account, topic, dedup_key, received_at,
  correlation_id, traceparent, headers, url, body, state, replay_domain)
SELECT seq, id, source, account, topic, dedup_key, received_at, correlation_id, traceparent,
  headers, url, body, state, replay_domain FROM bus_messages;
CREATE TABLE bus_dedup (
  source TEXT NOT NULL,
  account TEXT NOT NULL,
  dedup_key TEXT NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (source, account, dedup_key)
);
INSERT INTO bus_dedup (source, account, dedup_key, seq)
SELECT source, account, dedup_key, seq FROM bus_messages ORDER BY source, account, dedup_key;
CREATE TABLE bus_dedup_mark (seq INTEGER NOT NULL);
INSERT INTO bus_dedup_mark (seq) SELECT COALESCE(MAX(seq), 0) FROM bus_messages;
DROP TABLE bus_messages;
ALTER TABLE bus_messages_v5 RENAME TO bus_messages;
CREATE INDEX bus_messages_untranslated ON bus_messages (seq) WHERE state = 'new';
CREATE INDEX bus_messages_dead ON bus_messages (seq) WHERE state = 'dlq';
)sql"},
};
}  // namespace

std::span<const store::Migration> Operations::Migrations() { return kMigrations; }

FailureClass Classify(const Error& e) {
  if (e.transient()) {
    return FailureClass::kTransient;
  }
  switch (e.code) {
    case ErrorCode::kFailedPrecondition:
      return e.field == "predecessor" ? FailureClass::kParked : FailureClass::kBusiness;
    case ErrorCode::kUnmapped:
    case ErrorCode::kClosedPeriod:
    case ErrorCode::kAmountMismatch:
    case ErrorCode::kUnbalanced:
    case ErrorCode::kCurrencyMismatch:
    case ErrorCode::kConflict:
      return FailureClass::kBusiness;
    default:
      return FailureClass::kPermanent;
  }
}

}  // namespace hub::bus
