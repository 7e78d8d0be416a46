// HttpServer: HTTP/1.1 on Boost.Beast/Asio (kept behind a pimpl so that this
// header stays light), over plain TCP or TLS (OpenSSL) when a certificate and
// key are configured. Keep-alive sessions, limits on header and body bytes,
// a request id on every response, problem+json for every error it makes
// itself, handler exceptions turned into 500s, graceful drain on Stop().
// Handlers run on the I/O threads. Each I/O thread serves the connections
// dealt to it (round-robin at accept), so a handler that blocks holds up the
// other connections of its thread until it returns; accepting and the drain
// run on a thread of their own.
// Thread-safety: Start/Stop/Wait/StopOnSignals may be called from any thread
// except an I/O thread (a handler), where Stop() only begins the drain.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "api/http.h"
#include "api/router.h"
#include "core/result.h"

namespace hub::api {

struct HttpServerOptions {
  // Interface to bind; loopback by default so a dev run is not exposed.
  std::string host = "127.0.0.1";
  // 0 asks the OS for a free port (tests); read it back with port().
  uint16_t port = 8080;
  // I/O threads, each with its own connections; handlers run on them, so
  // size for blocking handlers. One more thread accepts connections.
  int threads = 2;
  // Request line + headers; more is answered 431 (protects memory per session).
  size_t header_bytes_max = 16 * 1024;
  // Request body; a larger Content-Length or chunked total is answered 413.
  size_t body_bytes_max = 1024 * 1024;
  // Deadline to receive one whole request (also the keep-alive idle timeout)
  // and, separately, to write one response. Bounds slowloris clients.
  int request_timeout_ms = 30000;
  // On Stop(), how long in-flight requests may take before their
  // connections are closed under them.
  int drain_timeout_ms = 10000;
  // Open connections; a connection beyond this is closed on accept, so a
  // flood cannot exhaust file descriptors needed by the store.
  size_t connections_max = 1024;
  // PEM files: the certificate chain (leaf first) and its unencrypted
  // private key. Both set = every connection is TLS (1.2 or 1.3, forward-
  // secret AEAD suites only; the handshake must finish within
  // request_timeout_ms); both empty = plain HTTP. One without the other, a
  // file that cannot be read or parsed, or a key that does not match the
  // certificate fails Start() with kInvalidArgument naming the file.
  std::string tls_cert_file;
  std::string tls_key_file;
  // Called on an I/O thread (so concurrently for different connections)
  // after each response is written, also for the 4xx the server makes
  // itself, with the time from reading the request head to the end of the
  // write. For access logs and metrics; must be thread-safe and not block.
  std::function<void(const HttpRequest&, const HttpResponse&, int64_t micros)> on_complete;
  // Called once when Stop() has closed the listening socket (readiness
  // probes, tests). Runs on an I/O thread.
  std::function<void()> on_draining;
};

class HttpServer {
 public:
  // `router` must outlive the server and not change while it serves.
  HttpServer(HttpServerOptions options, const Router& router);
  ~HttpServer();  // Stop()s if still running
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Loads the TLS certificate and key (when set), binds, listens and starts
  // the I/O threads. kIo when the address cannot be bound, kInvalidArgument
  // for a bad host, options or TLS file (the message names the file),
  // kFailedPrecondition when called twice.
  [[nodiscard]] hub::Status Start();

  // The bound port (the real one when options.port was 0); 0 before Start().
  uint16_t port() const;

  // Graceful: closes the listening socket (new connections are refused),
  // closes idle keep-alive connections, lets in-flight requests finish with
  // "Connection: close" (bounded by drain_timeout_ms), then joins the I/O
  // threads. Safe from any thread, including one that waits for signals
  // (not from inside a POSIX signal handler). From a handler it only begins
  // the drain. Idempotent.
  void Stop();

  // Blocks until the server has stopped (after Stop() or a signal from
  // StopOnSignals()). Returns at once if never started.
  void Wait();

  // Makes SIGINT and SIGTERM begin the graceful Stop() (through an
  // asio::signal_set on the server's own I/O context). Typical main():
  //   server.Start(); server.StopOnSignals(); server.Wait();
  void StopOnSignals();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hub::api
