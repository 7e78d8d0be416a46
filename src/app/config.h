// Config: everything `retailhub` reads from config/retailhub.toml and RETAILHUB_* variables.
// Plain structs with the defaults in the body; parsing is strict (unknown keys, wrong types and
// out-of-range values are errors naming the key and line). Not here: reading secrets from a
// vault, hot reload. Config is a value type; thread-compatible.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "connectors/csv/csv.h"
#include "core/result.h"
#include "core/time.h"

namespace hub::app {

struct ServerConfig {
  // Loopback by default: exposing the hub to a network is a deliberate act.
  std::string listen = "127.0.0.1:8080";
  // I/O threads, each serving its own connections (one more accepts); webhook
  // handlers only append to the inbox, so few are needed.
  std::int32_t threads = 2;
  // Larger headers are rejected with 431 before reading the body; no provider sends more.
  std::int64_t header_bytes_max = 16384;
  // Largest webhook body accepted (413 above); provider payloads are well below 1 MiB.
  std::int64_t body_bytes_max = 1048576;
  // A request slower than this is cut off so slow clients cannot pin threads.
  std::int64_t request_timeout_ms = 30000;
  // PEM files; both set = HTTPS only, both empty = plain HTTP (loopback, or behind a
  // TLS-terminating proxy). Set both or neither; HttpServer::Start checks the files.
  std::string tls_cert_file;
  std::string tls_key_file;
  friend bool operator==(const ServerConfig&, const ServerConfig&) = default;
};

struct StoreConfig {
  // Database, raw log and key files live here; relative paths are from the working directory.
  std::string data_dir = "var";
  // fsync on every commit: an acknowledged webhook must survive a power cut.
  bool synchronous_full = true;
  // `serve` moves files dropped in <data_dir>/inbox/<source>/ into the inbox
  // this often (then to done/ or failed/); 0 turns the drop folder off.
  std::int64_t drop_folder_poll_ms = 2000;
  friend bool operator==(const StoreConfig&, const StoreConfig&) = default;
};

struct RetryConfig {
  // After this many failed attempts a message goes to the DLQ for a person to look at.
  std::int32_t attempts_max = 8;
  // First retry delay; doubled per attempt (with jitter) up to max_delay_ms.
  std::int64_t base_delay_ms = 200;
  // Cap on one delay, so a long outage is retried at least once a minute.
  std::int64_t max_delay_ms = 60000;
  friend bool operator==(const RetryConfig&, const RetryConfig&) = default;
};

// Worker threads per domain queue: isolation means a slow domain cannot starve another.
struct WorkersConfig {
  std::int32_t orders = 2;     // the busiest domain: every sale and refund
  std::int32_t ledger = 1;     // one writer keeps journal sequence numbers simple
  std::int32_t identity = 1;   // matching is CPU-bound but infrequent
  std::int32_t reconcile = 1;  // batch work, latency does not matter
  std::int32_t inventory = 1;  // stock movements, ordered per location
  friend bool operator==(const WorkersConfig&, const WorkersConfig&) = default;
};

struct BusConfig {
  // Messages written in one store transaction: amortises fsync under bursts.
  std::int32_t group_commit_max = 512;
  // How long the first message of a batch waits for company before committing.
  // 0: commit what is queued at once; messages arriving during one group's
  // fsync form the next group by themselves. A wait only lengthens every
  // answer: at 2000 us, bench_ingest served 10.0-10.5k msg/s closed loop
  // against 15.1-15.5k at 0, and paced at 10,000/s it fell behind (8.5k/s
  // served, p99 430 ms).
  std::int64_t group_commit_wait_us = 0;
  // Pending messages per domain before ingest answers 503 (back-pressure, not memory growth).
  std::int64_t backlog_max = 100000;
  // New dedup keys held in memory before they are written, sorted by key, to
  // the on-disk dedup index (at most about twice this many; read back from
  // the log after a crash). Larger batches share more index pages.
  std::int64_t dedup_index_batch = 32768;
  RetryConfig retry;
  // An event whose predecessor is missing waits this long, then goes to the exception queue.
  std::int64_t predecessor_wait_s = 86400;
  // A financial event not yet posted this long after it arrived counts as a
  // delayed posting (the retailhub_postings_delayed gauge).
  std::int64_t posting_sla_s = 900;
  WorkersConfig workers;
  friend bool operator==(const BusConfig&, const BusConfig&) = default;
};

// One merchant account at a source: the webhook signing secret and its rotation.
struct SourceAccountConfig {
  // Webhook signing secret (HMAC key). Required. Never logged.
  std::string secret;
  // The secret being rotated out; accepted until previous_valid_until. Never logged.
  std::string previous_secret;
  // Required with previous_secret, so an old secret cannot stay valid forever.
  std::optional<Instant> previous_valid_until;
  // ISO 3166-1 alpha-2 region for phone and address parsing when the payload has none.
  std::string default_region;
  // The notification URL as registered at the source; Square signs URL + body, so
  // required for square.
  std::string url;
  friend bool operator==(const SourceAccountConfig&, const SourceAccountConfig&) = default;
};

struct SourceConfig {
  std::map<std::string, SourceAccountConfig> accounts;  // by account id as it appears in URLs
  // csv only: file profiles by name, the --topic of `retailhub ingest --source csv`
  // ([sources.csv.profiles.<name>]; connectors/csv/csv.h says what each field means).
  CsvConnector::Profiles profiles;
  friend bool operator==(const SourceConfig&, const SourceConfig&) = default;
};

struct ApprovalsConfig {
  // A finance replay re-posts journal entries: four eyes, one user cannot approve their own.
  bool finance_replay_requires_second_user = true;
  friend bool operator==(const ApprovalsConfig&, const ApprovalsConfig&) = default;
};

struct LogConfig {
  // debug | info | warn | error. info logs one line per request and per message.
  std::string level = "info";
  friend bool operator==(const LogConfig&, const LogConfig&) = default;
};

struct Config {
  ServerConfig server;
  StoreConfig store;
  BusConfig bus;
  // By source name (kKnownSources); empty by default: no webhook is accepted until configured.
  std::map<std::string, SourceConfig> sources;
  ApprovalsConfig approvals;
  LogConfig log;
  friend bool operator==(const Config&, const Config&) = default;
};

// The sources a [sources.<name>] table may name.
// "test" is the signed test protocol of app/test_source.h (crash test, benchmarks).
inline constexpr std::string_view kKnownSources[] = {"shopify", "square", "stripe", "adyen",
                                                     "amazon",  "csv",    "test"};

// Parses TOML text; `name` (usually the file path) prefixes every message:
// "config/retailhub.toml:7: server.threads: expected integer, got string".
// Error::field holds the dotted key at fault.
[[nodiscard]] Result<Config> ParseConfig(std::string_view toml_text, std::string_view name);

// Reads and parses a file; a missing or unreadable file is ErrorCode::kIo.
[[nodiscard]] Result<Config> LoadConfig(const std::filesystem::path& path);

// Applies RETAILHUB_<SECTION>_<KEY> variables (e.g. RETAILHUB_BUS_RETRY_ATTEMPTS_MAX) for every
// scalar in server, store, bus and log, then validates. A bad value or an unknown variable
// under those prefixes is an error naming the variable. Other variables are ignored.
[[nodiscard]] Status ApplyEnvOverrides(Config& config,
                                       const std::map<std::string, std::string>& env);

// Range and cross-field checks (e.g. TLS cert and key together); run by the functions above,
// and again by callers that change fields themselves (command-line flags).
[[nodiscard]] Status ValidateConfig(const Config& config);

// The environment variable that overrides a dotted key: "bus.backlog_max" ->
// "RETAILHUB_BUS_BACKLOG_MAX".
std::string EnvVarName(std::string_view dotted_key);

// The embedded database of a data directory: <data_dir>/retailhub.db.
std::filesystem::path DatabasePath(const std::string& data_dir);

}  // namespace hub::app
