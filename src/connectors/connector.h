// Connector: verifies a delivery from one source system and translates its
// payload into canonical events (core/event.h). One implementation per
// source under src/connectors/<source>/; ConnectorRegistry maps names to
// them. Connectors hold no mutable state: every method is const and
// thread-safe. Not here: storing, retrying or ordering deliveries (inbox).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/event.h"
#include "core/result.h"
#include "core/time.h"

namespace hub {

// One inbound message exactly as received: raw bytes, never re-serialized.
struct Delivery {
  std::string source;   // connector name: "shopify"
  std::string account;  // configured account (shop domain, merchant id); may be empty
  std::string topic;    // set by the caller for files / API pages; else from headers/body
  std::vector<std::pair<std::string, std::string>> headers;  // names case-insensitive
  std::string body;
  std::string url;  // the public notification URL as subscribed (Square signs it)
  Instant received_at;

  // First header whose name equals `name` ignoring ASCII case; nullopt if absent.
  std::optional<std::string_view> Header(std::string_view name) const;
};

// Signing secrets of one endpoint: the current one and, during a rotation's
// grace period, the previous ones. Any may match.
struct Secrets {
  std::vector<std::string> active;
};

// Largest body any connector accepts; bigger is kTooLarge before any work.
inline constexpr std::size_t kDeliveryBodyBytesMax = 8 * 1024 * 1024;

class Connector {
 public:
  virtual ~Connector() = default;

  virtual std::string_view name() const = 0;

  // Checks the sender's signature over the raw bytes. kUnauthenticated with a
  // reason that names the header and never the secret or the expected value.
  virtual Status Verify(const Delivery& delivery, const Secrets& secrets,
                        const Clock& clock) const = 0;

  // The source's own idempotency key for the delivery (event id, webhook id).
  virtual Result<std::string> DedupKey(const Delivery& delivery) const = 0;

  // Delivery::topic when set, else the source's topic from headers or body.
  virtual Result<std::string> Topic(const Delivery& delivery) const = 0;

  // Canonical events, in the order they must be applied. kParse or
  // kInvalidArgument with the JSON path in Error::field; kAmountMismatch
  // naming both figures when the payload's totals disagree; kUnmapped for a
  // topic the connector does not translate.
  virtual Result<std::vector<Event>> Translate(const Delivery& delivery) const = 0;
};

// Name → connector. Built once at start-up, then read-only: thread-safe for reads.
class ConnectorRegistry {
 public:
  // Every built-in connector (shopify, stripe, square, adyen, amazon).
  static ConnectorRegistry Default();

  // kAlreadyExists if the name is taken.
  Status Add(std::unique_ptr<Connector> connector);
  // nullptr when unknown.
  const Connector* Find(std::string_view name) const;
  std::vector<std::string> Names() const;

 private:
  std::map<std::string, std::unique_ptr<Connector>, std::less<>> by_name_;
};

// ---- helpers shared by the connectors -------------------------------------

// Deterministic correlation id of a delivery: "cor_" + 32 hex digits of
// SHA-256 over the length-prefixed source, account and dedup key.
std::string DeriveCorrelationId(std::string_view source, std::string_view account,
                                std::string_view dedup_key);
// Deterministic id of the index-th event of a delivery: "evt_<same 32 hex>_<index>",
// so a replay of the delivery yields the same ids.
std::string DeriveEventId(std::string_view source, std::string_view account,
                          std::string_view dedup_key, std::size_t index);
// DeriveEventId from an already derived correlation id (one hash per delivery).
std::string EventIdFromCorrelation(std::string_view correlation_id, std::size_t index);

// Lower-case hex SHA-256 of `bytes` (content-hash dedup keys).
std::string Sha256Hex(std::string_view bytes);
// HMAC-SHA256 raw digest (32 bytes).
std::string HmacSha256(std::string_view key, std::string_view message);
std::string Base64Encode(std::string_view bytes);
std::string HexEncode(std::string_view bytes);
// nullopt on odd length or a non-hex digit.
std::optional<std::string> HexDecode(std::string_view hex);
// Constant-time for equal lengths (CRYPTO_memcmp); false when lengths differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace hub
