// A small synchronous HTTP/1.1 client (plain TCP, or TLS verified against a
// given CA file) for tests, the demo and benchmarks. Every call has a
// deadline; failures are values: kUnavailable (refused), kTimeout, kIo
// (reset, closed early, TLS handshake or verification failed), kParse (bad
// response), kInvalidArgument (bad method/header, unreadable CA file). Not a
// production outbound client: no redirects, no retries, no proxy.
// HttpConnection is thread-compatible: one thread at a time per object.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "api/http.h"
#include "core/result.h"

namespace hub::api {

// Responses larger than this fail with kTooLarge (keeps a test from eating RAM).
inline constexpr size_t kClientResponseBytesMax = 64 * 1024 * 1024;

// One request on a fresh connection, closed afterwards. Adds Host and, when
// the body is not empty and no Content-Type is given, application/json.
[[nodiscard]] hub::Result<HttpResponse> HttpCall(const std::string& host, uint16_t port,
                                                 const std::string& method,
                                                 const std::string& target, const std::string& body,
                                                 const HeaderList& headers, int timeout_ms = 10000);

// TLS for a client connection (1.2 or later): the server's certificate must
// chain to a CA in ca_file and name the host dialled (a DNS name, checked
// against the certificate's names, or an IP address, against its IP SANs).
struct ClientTls {
  std::string ca_file;  // PEM, one or more CA certificates
};

// A keep-alive connection reused for many requests. Connects lazily and
// reconnects when the server closed the previous exchange (Connection:
// close) or a call failed; a request is never resent on its own.
class HttpConnection {
 public:
  HttpConnection(std::string host, uint16_t port);
  // Every connection this object opens is TLS.
  HttpConnection(std::string host, uint16_t port, ClientTls tls);
  ~HttpConnection();
  HttpConnection(HttpConnection&&) noexcept;
  HttpConnection& operator=(HttpConnection&&) noexcept;

  [[nodiscard]] hub::Result<HttpResponse> Call(const std::string& method, const std::string& target,
                                               const std::string& body = {},
                                               const HeaderList& headers = {},
                                               int timeout_ms = 10000);

  // True while a socket is open for the next Call().
  bool connected() const;
  // How many connections (TCP, and TLS handshakes when TLS) this object has
  // opened (keep-alive checks).
  int connects() const;
  void Close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hub::api
