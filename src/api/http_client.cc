// HttpConnection: Beast async operations run to completion on a private
// io_context, which is how a synchronous call gets a deadline (tcp_stream
// timeouts apply to async operations only). The request is written while the
// response is read, so an early answer (413 while we still send) is seen.
// The exchange is one template over the stream, plain or TLS.
#include "api/http_client.h"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <type_traits>
#include <variant>

namespace hub::api {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

hub::Error IoError(std::string_view step, const beast::error_code& ec) {
  if (ec == beast::error::timeout) {
    return hub::Error(ErrorCode::kTimeout, fmt::format("{}: timed out", step));
  }
  if (ec == net::error::connection_refused) {
    return hub::Error(ErrorCode::kUnavailable, fmt::format("{}: connection refused", step));
  }
  if (ec == http::error::body_limit) {
    return hub::Error(ErrorCode::kTooLarge, fmt::format("{}: response body too large", step));
  }
  const bool http_error =
      ec.category() == http::make_error_code(http::error::bad_target).category();
  const bool closed = ec == http::error::end_of_stream || ec == http::error::partial_message;
  if (http_error && !closed) {
    return hub::Error(ErrorCode::kParse, fmt::format("{}: {}", step, ec.message()));
  }
  return hub::Error(ErrorCode::kIo, fmt::format("{}: {}", step, ec.message()));
}

bool IsToken(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

bool HasLineBreakOrNul(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

// Rejects what would corrupt the request line or split a header.
hub::Status ValidateRequest(const std::string& method, const std::string& target,
                            const HeaderList& headers) {
  if (!IsToken(method)) {
    return hub::Fail(ErrorCode::kInvalidArgument, "the method must be an HTTP token", "method");
  }
  if (target.empty() || target.find(' ') != std::string::npos || HasLineBreakOrNul(target)) {
    return hub::Fail(ErrorCode::kInvalidArgument, "the target must be non-empty without spaces",
                     "target");
  }
  for (const auto& [name, value] : headers) {
    if (!IsToken(name) || HasLineBreakOrNul(value)) {
      return hub::Fail(ErrorCode::kInvalidArgument,
                       fmt::format("header '{}' has a bad name or a line break", name), "headers");
    }
  }
  return hub::Ok();
}

}  // namespace

// The client side of TLS: 1.2 or later, the peer verified against ca_file.
hub::Result<std::unique_ptr<ssl::context>> MakeClientTlsContext(const ClientTls& tls) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  context->set_verify_mode(ssl::verify_peer);
  beast::error_code ec;
  context->load_verify_file(tls.ca_file, ec);
  if (ec) {
    ERR_clear_error();
    return hub::Fail(ErrorCode::kInvalidArgument,
                     fmt::format("cannot load CA file {}: {}", tls.ca_file, ec.message()),
                     "ca_file");
  }
  return context;
}

struct HttpConnection::Impl {
  Impl(std::string h, uint16_t p, std::optional<ClientTls> t)
      : host(std::move(h)), port(p), tls(std::move(t)) {}

  // Runs queued operations until none is left; the stream deadline bounds it.
  void RunIo() {
    ioc.restart();
    ioc.run();
  }

  bool open() const { return !std::holds_alternative<std::monostate>(stream); }

  hub::Status Connect(std::chrono::steady_clock::time_point deadline);
  hub::Status Handshake(TlsStream& tls_stream, std::chrono::steady_clock::time_point deadline);
  template <class Stream>
  hub::Result<HttpResponse> Exchange(Stream& s, http::request<http::string_body>& request,
                                     std::chrono::steady_clock::time_point deadline);
  // No TLS close_notify: responses are length-delimited (RFC 9112 section 9.8).
  void Close() {
    std::visit(
        [](auto& s) {
          if constexpr (!std::is_same_v<std::decay_t<decltype(s)>, std::monostate>) {
            beast::error_code ignored;
            beast::get_lowest_layer(s).socket().shutdown(tcp::socket::shutdown_both, ignored);
            beast::get_lowest_layer(s).socket().close(ignored);
          }
        },
        stream);
    stream.emplace<std::monostate>();
    buffer.clear();
  }

  std::string host;
  uint16_t port;
  std::optional<ClientTls> tls;
  std::unique_ptr<ssl::context> tls_context;  // made on the first TLS connect
  net::io_context ioc{1};
  std::variant<std::monostate, PlainStream, TlsStream> stream;
  beast::flat_buffer buffer;
  int connects = 0;
};

hub::Status HttpConnection::Impl::Connect(std::chrono::steady_clock::time_point deadline) {
  if (tls && !tls_context) {
    HUB_TRY(tls_context, MakeClientTlsContext(*tls));
  }
  tcp::resolver resolver(ioc);
  beast::error_code ec;
  const auto endpoints = resolver.resolve(host, std::to_string(port), ec);
  if (ec) {
    return hub::Fail(ErrorCode::kUnavailable, fmt::format("resolve {}: {}", host, ec.message()));
  }
  beast::tcp_stream* tcp_layer = nullptr;
  if (tls) {
    tcp_layer = &beast::get_lowest_layer(stream.emplace<TlsStream>(ioc, *tls_context));
  } else {
    tcp_layer = &stream.emplace<PlainStream>(ioc);
  }
  tcp_layer->expires_at(deadline);
  tcp_layer->async_connect(endpoints, [&ec](beast::error_code e, const tcp::endpoint&) { ec = e; });
  RunIo();
  if (ec) {
    Close();
    return hub::Fail(IoError(fmt::format("connect {}:{}", host, port), ec));
  }
  if (tls) {
    HUB_TRY_STATUS(Handshake(std::get<TlsStream>(stream), deadline));
  }
  ++connects;
  return hub::Ok();
}

hub::Status HttpConnection::Impl::Handshake(TlsStream& tls_stream,
                                            std::chrono::steady_clock::time_point deadline) {
  beast::error_code ec;
  // SNI only for names: RFC 6066 forbids IP literals in server_name.
  net::ip::make_address(host, ec);
  if (ec && SSL_set_tlsext_host_name(tls_stream.native_handle(), host.c_str()) != 1) {
    Close();
    return hub::Fail(ErrorCode::kInvalidArgument, fmt::format("bad TLS server name {}", host),
                     "host");
  }
  tls_stream.set_verify_callback(ssl::host_name_verification(host));
  ec = {};
  beast::get_lowest_layer(tls_stream).expires_at(deadline);
  tls_stream.async_handshake(ssl::stream_base::client, [&ec](beast::error_code e) { ec = e; });
  RunIo();
  if (ec) {
    ERR_clear_error();
    Close();
    return hub::Fail(IoError(fmt::format("TLS handshake with {}:{}", host, port), ec));
  }
  return hub::Ok();
}

template <class Stream>
hub::Result<HttpResponse> HttpConnection::Impl::Exchange(
    Stream& s, http::request<http::string_body>& request,
    std::chrono::steady_clock::time_point deadline) {
  http::response_parser<http::string_body> parser;
  parser.body_limit(kClientResponseBytesMax);
  if (request.method() == http::verb::head) {
    parser.skip(true);
  }
  beast::get_lowest_layer(s).expires_at(deadline);
  bool write_done = false;
  bool read_done = false;
  beast::error_code write_ec;
  beast::error_code read_ec;
  http::async_write(s, request, [&](beast::error_code e, size_t) {
    write_done = true;
    write_ec = e;
  });
  http::async_read(s, buffer, parser, [&](beast::error_code e, size_t) {
    read_done = true;
    read_ec = e;
    if (!write_done) {
      // Answered before we finished sending: stop sending, keep the answer.
      beast::error_code ignored;
      beast::get_lowest_layer(s).socket().cancel(ignored);
    }
  });
  RunIo();
  if (read_ec) {
    Close();
    return hub::Fail(
        IoError(write_ec ? "write request" : "read response", write_ec ? write_ec : read_ec));
  }
  auto& message = parser.get();
  HttpResponse response;
  response.status = static_cast<int>(message.result_int());
  response.content_type.clear();
  for (const auto& field : message) {
    response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  response.content_type = std::string(message[http::field::content_type]);
  response.body = std::move(message.body());
  if (write_ec || !message.keep_alive()) {
    Close();
  }
  return response;
}

HttpConnection::HttpConnection(std::string host, uint16_t port)
    : impl_(std::make_unique<Impl>(std::move(host), port, std::nullopt)) {}
HttpConnection::HttpConnection(std::string host, uint16_t port, ClientTls tls)
    : impl_(std::make_unique<Impl>(std::move(host), port, std::move(tls))) {}
HttpConnection::~HttpConnection() = default;
HttpConnection::HttpConnection(HttpConnection&&) noexcept = default;
HttpConnection& HttpConnection::operator=(HttpConnection&&) noexcept = default;

hub::Result<HttpResponse> HttpConnection::Call(const std::string& method, const std::string& target,
                                               const std::string& body, const HeaderList& headers,
                                               int timeout_ms) {
  Impl& s = *impl_;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  HUB_TRY_STATUS(ValidateRequest(method, target, headers));
  http::request<http::string_body> request;
  try {
    request.version(11);
    request.method_string(method);
    request.target(target);
    request.set(http::field::host, fmt::format("{}:{}", s.host, s.port));
    request.set(http::field::user_agent, "retailhub-http-client");
    bool has_content_type = false;
    for (const auto& [name, value] : headers) {
      has_content_type = has_content_type || EqualsIgnoreCase(name, "Content-Type");
      request.insert(name, value);
    }
    if (!body.empty() && !has_content_type) {
      request.set(http::field::content_type, "application/json");
    }
    request.body() = body;
    request.prepare_payload();
  } catch (const std::exception& e) {
    return hub::Fail(ErrorCode::kInvalidArgument, fmt::format("bad request: {}", e.what()));
  }
  if (!s.open()) {
    HUB_TRY_STATUS(s.Connect(deadline));
  }
  if (auto* tls_stream = std::get_if<TlsStream>(&s.stream)) {
    return s.Exchange(*tls_stream, request, deadline);
  }
  return s.Exchange(std::get<PlainStream>(s.stream), request, deadline);
}

bool HttpConnection::connected() const { return impl_ && impl_->open(); }

int HttpConnection::connects() const { return impl_ ? impl_->connects : 0; }

void HttpConnection::Close() {
  if (impl_) {
    impl_->Close();
  }
}

hub::Result<HttpResponse> HttpCall(const std::string& host, uint16_t port,
                                   const std::string& method, const std::string& target,
                                   const std::string& body, const HeaderList& headers,
                                   int timeout_ms) {
  HttpConnection connection(host, port);
  return connection.Call(method, target, body, headers, timeout_ms);
}

}  // namespace hub::api
