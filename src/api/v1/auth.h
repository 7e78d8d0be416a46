// API v1 authentication: API keys ("rh_" + 32 random bytes, base64url) stored
// as SHA-256 hashes beside a short non-secret id (the first 8 characters after
// "rh_", used for lookup and shown in listings), roles, and a per-key token
// bucket. Not here: what each role may do (routes.cc owns the permission
// table) and webhooks (they keep their own signatures).
// Invariant: a secret is returned once by CreateKey and never stored or logged.
// Thread-safety: Auth is thread-safe (one store connection under a mutex).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "store/store.h"

namespace hub::api::v1 {

// Persisted by name in api_keys.role: names are frozen.
enum class Role { kAdmin, kFinance, kSteward, kViewer, kIngest };

std::string_view RoleName(Role role);
// "admin" | "finance" | "steward" | "viewer" | "ingest"; else kInvalidArgument naming "role".
Result<Role> ParseRole(std::string_view name);

// Lowercase hex SHA-256 (key hashes, idempotency request fingerprints, ETags).
std::string Sha256Hex(std::string_view text);

// The id of a secret ("rh_AbCdEfGh…" -> "AbCdEfGh"); empty when it is not shaped like a key.
std::string KeyIdOf(std::string_view secret);

struct KeyInfo {
  std::string id;
  Role role = Role::kViewer;
  std::string label;
  std::string created_by;
  Instant created_at;
  std::optional<Instant> revoked_at;
};

// Who is calling: an authenticated, unrevoked key.
struct Principal {
  std::string key_id;
  Role role = Role::kViewer;
  std::string label;
  // "key:<id>" or "key:<id>(<label>)": the actor written to audit_log.
  std::string Actor() const;
};

struct AuthOptions {
  // Token bucket per key: sustained requests per second and the burst a key
  // may spend at once. Protects the store from one runaway client.
  std::int64_t rate_per_s = 20;
  std::int64_t burst = 40;
};

// The keys and idempotency tables (module "api_v1"); apply with
// Store::Migrate beside bus::Operations::Migrations() (audit_log).
std::span<const store::Migration> Migrations();

// One store connection shared by the API under a mutex, opened on first use
// (a Connection belongs to one thread at a time; HTTP handlers run on many).
class SerialDb {
 public:
  explicit SerialDb(store::Store& store) : store_(store) {}
  // Runs `fn` with the connection held exclusively.
  Status Run(const std::function<Status(store::Connection&)>& fn);

 private:
  store::Store& store_;
  std::mutex mu_;
  std::unique_ptr<store::Connection> conn_;
};

class Auth {
 public:
  Auth(store::Store& store, const Clock& clock, AuthOptions options = {});

  // A new key; returns the secret, the only time it is visible. Audited
  // ("key.create", actor) in the same transaction as the insert.
  Result<std::string> CreateKey(Role role, const std::string& label, const std::string& actor);
  // Marks the key revoked (kNotFound if unknown; revoking twice is Ok). Audited ("key.revoke").
  Status Revoke(const std::string& id, const std::string& actor);
  // Every key, newest first, revoked ones included.
  Result<std::vector<KeyInfo>> List();

  // The principal for a presented secret; kUnauthenticated for an unknown,
  // malformed or revoked key (one message for all: no oracle).
  Result<Principal> Authenticate(std::string_view secret);

  // Takes a token from the key's bucket. 0 when allowed, else the whole
  // seconds to wait (for Retry-After).
  std::int64_t RetryAfterSeconds(const std::string& key_id);

  // Writes audit_log (bus table) through the shared connection.
  Status Audit(const std::string& actor, const std::string& action, const std::string& object,
               const std::string& before, const std::string& after);

  SerialDb& db() { return db_; }
  const Clock& clock() const { return clock_; }

 private:
  struct Bucket {
    std::int64_t tokens_micro = 0;  // tokens × 1e6, so refills stay integral
    std::int64_t at_micros = 0;
  };
  const Clock& clock_;
  AuthOptions options_;
  SerialDb db_;
  std::mutex buckets_mu_;
  std::map<std::string, Bucket> buckets_;
};

}  // namespace hub::api::v1
