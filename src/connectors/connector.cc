#include "connectors/connector.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <array>
#include <charconv>
#include <cstring>
#include <memory>

#include "core/assert.h"

#include "connectors/adyen/adyen.h"
#include "connectors/amazon/amazon.h"
#include "connectors/shopify/shopify.h"
#include "connectors/square/square.h"
#include "connectors/stripe/stripe.h"

namespace hub {

namespace {
bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') {
      x = static_cast<char>(x - 'A' + 'a');
    }
    if (y >= 'A' && y <= 'Z') {
      y = static_cast<char>(y - 'A' + 'a');
    }
    if (x != y) {
      return false;
    }
  }
  return true;
}

// `prefix` + 32 hex digits: the first 16 bytes of SHA-256 over the parts,
// each length-prefixed so that ("ab","c") and ("a","bc") differ. Runs for
// every delivery translated, so nothing is allocated but the result: the
// algorithm is fetched once and the context is per thread (SHA256() fetches
// and allocates on every call, which cost several times the hashing).
std::string Sha256Hex32(std::string_view prefix, std::initializer_list<std::string_view> parts) {
  static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  thread_local const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                                 &EVP_MD_CTX_free);
  HUB_ASSERT(kSha256 != nullptr && ctx != nullptr);
  thread_local std::string message;  // keeps its capacity
  message.clear();
  for (std::string_view p : parts) {
    char length[24];
    char* end = std::to_chars(length, length + sizeof length - 1, p.size()).ptr;
    *end++ = ':';
    message.append(length, end);
    message.append(p);
  }
  bool ok = EVP_DigestInit_ex2(ctx.get(), kSha256, nullptr) == 1 &&
            EVP_DigestUpdate(ctx.get(), message.data(), message.size()) == 1;
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  unsigned int digest_bytes = 0;
  ok = ok && EVP_DigestFinal_ex(ctx.get(), digest.data(), &digest_bytes) == 1;
  HUB_ASSERT(ok);
  static constexpr char kDigits[] = "0123456789abcdef";
  constexpr std::size_t kHashBytes = 16;
  std::string out;
  out.reserve(prefix.size() + 2 * kHashBytes);
  out += prefix;
  for (std::size_t i = 0; i < kHashBytes; ++i) {
    out += kDigits[digest[i] >> 4];
    out += kDigits[digest[i] & 0xf];
  }
  return out;
}
}  // namespace

std::optional<std::string_view> Delivery::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (IEquals(k, name)) {
      return std::string_view(v);
    }
  }
  return std::nullopt;
}

ConnectorRegistry ConnectorRegistry::Default() {
  ConnectorRegistry r;
  (void)r.Add(std::make_unique<ShopifyConnector>());
  (void)r.Add(std::make_unique<StripeConnector>());
  (void)r.Add(std::make_unique<SquareConnector>());
  (void)r.Add(std::make_unique<AdyenConnector>());
  (void)r.Add(std::make_unique<AmazonConnector>());
  return r;
}

Status ConnectorRegistry::Add(std::unique_ptr<Connector> connector) {
  std::string name(connector->name());
  if (by_name_.contains(name)) {
    return Fail(ErrorCode::kAlreadyExists, "connector \"" + name + "\" is already registered");
  }
  by_name_.emplace(std::move(name), std::move(connector));
  return Ok();
}

const Connector* ConnectorRegistry::Find(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second.get();
}

std::vector<std::string> ConnectorRegistry::Names() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : by_name_) {
    out.push_back(k);
  }
  return out;
}

std::string DeriveCorrelationId(std::string_view source, std::string_view account,
                                std::string_view dedup_key) {
  return Sha256Hex32("cor_", {source, account, dedup_key});
}

std::string EventIdFromCorrelation(std::string_view correlation_id, std::size_t index) {
  std::string out = "evt_";
  out += correlation_id.substr(4);  // after "cor_"
  out += '_';
  out += std::to_string(index);
  return out;
}

std::string DeriveEventId(std::string_view source, std::string_view account,
                          std::string_view dedup_key, std::size_t index) {
  return EventIdFromCorrelation(DeriveCorrelationId(source, account, dedup_key), index);
}

std::string Sha256Hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest.data(), &len, EVP_sha256(), nullptr);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest.data()), len));
}

// HMAC (RFC 2104) over a SHA-256 fetched once and a digest context kept per
// thread. OpenSSL 3's one-shot HMAC() fetches the algorithm and builds a MAC
// context on every call, which cost as much as hashing a 2 KB webhook body.
std::string HmacSha256(std::string_view key, std::string_view message) {
  static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  thread_local const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                                 &EVP_MD_CTX_free);
  HUB_ASSERT(kSha256 != nullptr && ctx != nullptr);
  constexpr std::size_t kBlock = 64;
  std::array<unsigned char, kBlock> k{};
  unsigned int n = 0;
  bool ok = true;
  if (key.size() > kBlock) {
    ok = EVP_DigestInit_ex2(ctx.get(), kSha256, nullptr) == 1 &&
         EVP_DigestUpdate(ctx.get(), key.data(), key.size()) == 1 &&
         EVP_DigestFinal_ex(ctx.get(), k.data(), &n) == 1;
  } else {
    std::memcpy(k.data(), key.data(), key.size());
  }
  std::array<unsigned char, kBlock> pad{};
  for (std::size_t i = 0; i < kBlock; ++i) {
    pad[i] = static_cast<unsigned char>(k[i] ^ 0x36);
  }
  std::array<unsigned char, SHA256_DIGEST_LENGTH> inner{};
  ok = ok && EVP_DigestInit_ex2(ctx.get(), kSha256, nullptr) == 1 &&
       EVP_DigestUpdate(ctx.get(), pad.data(), kBlock) == 1 &&
       EVP_DigestUpdate(ctx.get(), message.data(), message.size()) == 1 &&
       EVP_DigestFinal_ex(ctx.get(), inner.data(), &n) == 1;
  for (std::size_t i = 0; i < kBlock; ++i) {
    pad[i] = static_cast<unsigned char>(k[i] ^ 0x5c);
  }
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  ok = ok && EVP_DigestInit_ex2(ctx.get(), kSha256, nullptr) == 1 &&
       EVP_DigestUpdate(ctx.get(), pad.data(), kBlock) == 1 &&
       EVP_DigestUpdate(ctx.get(), inner.data(), inner.size()) == 1 &&
       EVP_DigestFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &n) == 1;
  HUB_ASSERT(ok);
  OPENSSL_cleanse(k.data(), k.size());
  OPENSSL_cleanse(pad.data(), pad.size());
  return out;
}

std::string Base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out += kDigits[b >> 4];
    out += kDigits[b & 0xf];
  }
  return out;
}

std::optional<std::string> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    return std::nullopt;
  }
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  };
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]);
    const int lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) {
      return std::nullopt;
    }
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace hub
