// API keys, roles and rate limiting (see auth.h).
#include "api/v1/auth.h"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>

#include "bus/bus.h"
#include "core/assert.h"
#include "obs/log.h"

namespace hub::api::v1 {
namespace {

constexpr std::string_view kKeyPrefix = "rh_";
constexpr size_t kSecretBytes = 32;
constexpr size_t kKeyIdChars = 8;
constexpr size_t kSecretChars = 43;    // base64url of 32 bytes, unpadded
constexpr int kCreateAttemptsMax = 4;  // id collisions (48 bits) are rare; retry a few times
constexpr std::int64_t kMicrosPerSecond = 1'000'000;

constexpr store::Migration kMigrations[] = {
    {"api_v1", 1, R"sql(
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  hash TEXT NOT NULL,
  role TEXT NOT NULL,
  label TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE TABLE api_idempotency (
  key_id TEXT NOT NULL,
  idem_key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status INTEGER NOT NULL,
  content_type TEXT NOT NULL,
  headers TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (key_id, idem_key)
);
)sql"},
};

std::string Base64Url(const unsigned char* data, size_t n) {
  std::string out(4 * ((n + 2) / 3) + 1, '\0');
  const int len =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(n));
  out.resize(static_cast<size_t>(len));
  while (!out.empty() && out.back() == '=') {
    out.pop_back();
  }
  std::replace(out.begin(), out.end(), '+', '-');
  std::replace(out.begin(), out.end(), '/', '_');
  return out;
}

bool IsBase64UrlChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

}  // namespace

std::string Sha256Hex(std::string_view text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  const int ok = EVP_Digest(text.data(), text.size(), md.data(), &len, EVP_sha256(), nullptr);
  HUB_ASSERT(ok == 1);
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) {
    hex += fmt::format("{:02x}", md[i]);
  }
  return hex;
}

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAdmin:
      return "admin";
    case Role::kFinance:
      return "finance";
    case Role::kSteward:
      return "steward";
    case Role::kViewer:
      return "viewer";
    case Role::kIngest:
      return "ingest";
  }
  return "viewer";
}

Result<Role> ParseRole(std::string_view name) {
  for (Role r : {Role::kAdmin, Role::kFinance, Role::kSteward, Role::kViewer, Role::kIngest}) {
    if (RoleName(r) == name) {
      return r;
    }
  }
  return Fail(ErrorCode::kInvalidArgument,
              "role must be one of admin, finance, steward, viewer, ingest", "role");
}

std::string KeyIdOf(std::string_view secret) {
  if (secret.size() != kKeyPrefix.size() + kSecretChars || !secret.starts_with(kKeyPrefix) ||
      !std::all_of(secret.begin() + kKeyPrefix.size(), secret.end(), IsBase64UrlChar)) {
    return {};
  }
  return std::string(secret.substr(kKeyPrefix.size(), kKeyIdChars));
}

std::string Principal::Actor() const {
  return label.empty() ? "key:" + key_id : fmt::format("key:{}({})", key_id, label);
}

std::span<const store::Migration> Migrations() { return kMigrations; }

Status SerialDb::Run(const std::function<Status(store::Connection&)>& fn) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!conn_) {
    HUB_TRY(conn_, store_.Connect());
  }
  Status st = fn(*conn_);
  // A statement left on its row keeps a read snapshot open on this shared
  // connection: the next caller's write (an audit entry after a key lookup)
  // would fail with SQLITE_BUSY_SNAPSHOT once another connection committed.
  conn_->ReleaseReads();
  return st;
}

Auth::Auth(store::Store& store, const Clock& clock, AuthOptions options)
    : clock_(clock), options_(options), db_(store) {}

Result<std::string> Auth::CreateKey(Role role, const std::string& label, const std::string& actor) {
  std::string secret;
  for (int attempt = 0; attempt < kCreateAttemptsMax && secret.empty(); ++attempt) {
    std::array<unsigned char, kSecretBytes> raw{};
    if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) {
      return Fail(ErrorCode::kInternal, "no randomness for a new key");
    }
    std::string candidate = std::string(kKeyPrefix) + Base64Url(raw.data(), raw.size());
    OPENSSL_cleanse(raw.data(), raw.size());
    const std::string id = KeyIdOf(candidate);
    HUB_ASSERT(!id.empty());
    std::int64_t inserted = 0;
    HUB_TRY_STATUS(db_.Run([&](store::Connection& c) -> Status {
      store::Transaction tx(c);
      HUB_TRY_STATUS(tx.Begin());
      HUB_TRY(store::Statement * ins,
              c.Prepare("INSERT INTO api_keys (id, hash, role, label, created_by, created_at) "
                        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING"));
      ins->Bind(1, id)
          .Bind(2, Sha256Hex(candidate))
          .Bind(3, RoleName(role))
          .Bind(4, label)
          .Bind(5, actor)
          .Bind(6, clock_.Now().micros);
      HUB_TRY(inserted, ins->Run());
      if (inserted == 0) {
        return Ok();
      }
      bus::Operations ops(c, clock_);
      HUB_TRY_STATUS(ops.Audit(actor, "key.create", "key:" + id, "",
                               fmt::format(R"({{"role":"{}"}})", RoleName(role))));
      return tx.Commit();
    }));
    if (inserted == 1) {
      secret = std::move(candidate);
      obs::Info("api.key_created", "",
                {{"key_id", id}, {"role", std::string(RoleName(role))}, {"actor", actor}});
    }
  }
  if (secret.empty()) {
    return Fail(ErrorCode::kInternal, "could not allocate a unique key id");
  }
  return secret;
}

Status Auth::Revoke(const std::string& id, const std::string& actor) {
  return db_.Run([&](store::Connection& c) -> Status {
    store::Transaction tx(c);
    HUB_TRY_STATUS(tx.Begin());
    HUB_TRY(store::Statement * sel, c.Prepare("SELECT revoked_at FROM api_keys WHERE id = $1"));
    sel->Bind(1, id);
    HUB_TRY(bool found, sel->Step());
    if (!found) {
      return Fail(ErrorCode::kNotFound, "no API key " + id, "id");
    }
    if (!sel->IsNull(0)) {
      return Ok();
    }
    HUB_TRY(store::Statement * upd, c.Prepare("UPDATE api_keys SET revoked_at = $1 WHERE id = $2"));
    upd->Bind(1, clock_.Now().micros).Bind(2, id);
    HUB_TRY_STATUS(upd->Run());
    bus::Operations ops(c, clock_);
    HUB_TRY_STATUS(
        ops.Audit(actor, "key.revoke", "key:" + id, R"({"revoked":false})", R"({"revoked":true})"));
    HUB_TRY_STATUS(tx.Commit());
    obs::Info("api.key_revoked", "", {{"key_id", id}, {"actor", actor}});
    return Ok();
  });
}

Result<std::vector<KeyInfo>> Auth::List() {
  std::vector<KeyInfo> keys;
  HUB_TRY_STATUS(db_.Run([&](store::Connection& c) -> Status {
    HUB_TRY(store::Statement * sel,
            c.Prepare("SELECT id, role, label, created_by, created_at, revoked_at FROM api_keys "
                      "ORDER BY created_at DESC, id"));
    while (true) {
      HUB_TRY(bool row, sel->Step());
      if (!row) {
        return Ok();
      }
      KeyInfo k;
      k.id = sel->Text(0);
      HUB_TRY(k.role, ParseRole(sel->Text(1)));
      k.label = sel->Text(2);
      k.created_by = sel->Text(3);
      k.created_at = Instant{sel->Int(4)};
      if (!sel->IsNull(5)) {
        k.revoked_at = Instant{sel->Int(5)};
      }
      keys.push_back(std::move(k));
    }
  }));
  return keys;
}

Result<Principal> Auth::Authenticate(std::string_view secret) {
  auto denied = [] {
    return Fail(ErrorCode::kUnauthenticated, "missing, unknown or revoked API key");
  };
  const std::string id = KeyIdOf(secret);
  if (id.empty()) {
    return denied();
  }
  std::optional<Principal> found;
  HUB_TRY_STATUS(db_.Run([&](store::Connection& c) -> Status {
    HUB_TRY(
        store::Statement * sel,
        c.Prepare("SELECT hash, role, label FROM api_keys WHERE id = $1 AND revoked_at IS NULL"));
    sel->Bind(1, id);
    HUB_TRY(bool row, sel->Step());
    if (!row) {
      return Ok();
    }
    const std::string want = sel->Text(0);
    const std::string role_name = sel->Text(1);
    const std::string label = sel->Text(2);
    const std::string got = Sha256Hex(secret);
    if (want.size() != got.size() || CRYPTO_memcmp(want.data(), got.data(), want.size()) != 0) {
      return Ok();
    }
    auto role = ParseRole(role_name);
    if (!role) {
      return Fail(ErrorCode::kInternal, "api_keys row " + id + " has an unknown role");
    }
    found = Principal{id, *role, label};
    return Ok();
  }));
  if (!found) {
    return denied();
  }
  return *found;
}

std::int64_t Auth::RetryAfterSeconds(const std::string& key_id) {
  const std::int64_t now = clock_.Now().micros;
  const std::int64_t cap = options_.burst * kMicrosPerSecond;
  std::lock_guard<std::mutex> lock(buckets_mu_);
  auto [it, fresh] = buckets_.try_emplace(key_id, Bucket{cap, now});
  Bucket& b = it->second;
  if (!fresh && now > b.at_micros) {
    // elapsed µs × rate = new tokens × 1e6; bounded by the cap, so no overflow
    // for any elapsed time under ~292 years / rate.
    const std::int64_t elapsed = std::min(now - b.at_micros, 3600 * kMicrosPerSecond);
    b.tokens_micro = std::min(cap, b.tokens_micro + elapsed * options_.rate_per_s);
    b.at_micros = now;
  }
  if (b.tokens_micro >= kMicrosPerSecond) {
    b.tokens_micro -= kMicrosPerSecond;
    return 0;
  }
  if (options_.rate_per_s <= 0) {
    return 3600;
  }
  const std::int64_t missing = kMicrosPerSecond - b.tokens_micro;
  const std::int64_t wait_us = (missing + options_.rate_per_s - 1) / options_.rate_per_s;
  return std::max<std::int64_t>(1, (wait_us + kMicrosPerSecond - 1) / kMicrosPerSecond);
}

Status Auth::Audit(const std::string& actor, const std::string& action, const std::string& object,
                   const std::string& before, const std::string& after) {
  return db_.Run([&](store::Connection& c) -> Status {
    bus::Operations ops(c, clock_);
    return ops.Audit(actor, action, object, before, after);
  });
}

}  // namespace hub::api::v1
