// HttpServer on Boost.Beast: an accept loop on the server strand, one Session
// per connection on one of the I/O threads' own io_contexts, each run by its
// one thread, so a session needs no strand (TLS handshake when configured ->
// read head -> check limits -> maybe "100 Continue" -> read body -> handler
// -> write -> next request or close). Session is one template over the stream
// (plain TCP or TLS over TCP), so limits, timeouts and the drain are the same
// code for both. Errors the server answers itself (400/413/431/500) are
// problem+json and end the connection with a lingering close, so the client
// reads the answer instead of a reset. Stop() drains: see the state notes on
// Impl.
#include "api/http_server.h"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "core/thread_name.h"

namespace hub::api {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using Strand = net::strand<net::io_context::executor_type>;
// A session needs no strand: its io_context is run by one thread only, so
// its handlers never run concurrently, and a post from another thread (an
// answer from the committer) is queued on that context like any other.
// Sockets and streams carry the context's concrete executor type rather
// than any_io_executor: every operation of a session would otherwise copy
// and destroy a type-erased executor (≈ 4 % of bench_ingest's CPU in perf).
using SessionExecutor = net::io_context::executor_type;
using SessionSocket = net::basic_stream_socket<tcp, SessionExecutor>;
using SessionTcpStream = beast::basic_stream<tcp, SessionExecutor>;
using PlainStream = SessionTcpStream;
using TlsStream = beast::ssl_stream<SessionTcpStream>;

// After an error answer, how long and how much we keep reading (and
// discarding) what the client still sends, so that closing does not reset
// the connection before the client has read the answer.
constexpr int kLingerMs = 1000;
constexpr size_t kLingerBytesMax = 4 * 1024 * 1024;
constexpr size_t kLingerChunkBytes = 16 * 1024;
// Pause before accepting again after an accept error (EMFILE would spin).
constexpr int kAcceptRetryDelayMs = 50;
// An incoming X-Request-Id longer than this, or with other characters than
// [A-Za-z0-9._:-], is replaced: it ends up in logs and JSON.
constexpr size_t kRequestIdBytesMax = 128;

bool IsSaneRequestId(std::string_view id) {
  if (id.empty() || id.size() > kRequestIdBytesMax) {
    return false;
  }
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.' || c == ':';
    if (!ok) {
      return false;
    }
  }
  return true;
}

// 128 random bits as 32 hex digits. Not a secret, only unique.
std::string NewRequestId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{:016x}{:016x}", rng(), rng());
}

// Problem bodies are built without a request id (handlers do not know it);
// fill it in here so every problem the client sees carries it.
void FillProblemRequestId(HttpResponse& response, const std::string& request_id) {
  if (response.content_type.rfind(kProblemContentType, 0) != 0) {
    return;
  }
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(response.body, ec);
  if (ec || !parsed.is_object()) {
    return;
  }
  boost::json::object& object = parsed.as_object();
  const boost::json::value* existing = object.if_contains("request_id");
  if (existing != nullptr && existing->is_string() && !existing->as_string().empty()) {
    return;
  }
  object["request_id"] = request_id;
  response.body = boost::json::serialize(parsed);
}

// RFC 9110 token characters for a field name.
bool IsTokenChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// A handler-supplied header that would split the response (CR, LF, NUL) or
// is not a token is a handler bug; writing it would allow header injection.
bool IsWritableHeader(std::string_view name, std::string_view value) {
  if (name.empty() || !std::all_of(name.begin(), name.end(), IsTokenChar)) {
    return false;
  }
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

bool IsFramingHeader(std::string_view name) {
  return EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Transfer-Encoding") ||
         EqualsIgnoreCase(name, "Connection") || EqualsIgnoreCase(name, "X-Request-Id");
}

void LogHandlerException(const HttpRequest& request, std::string_view what) {
  boost::json::object line;
  line["event"] = "http.handler_exception";
  line["request_id"] = request.request_id;
  line["method"] = request.method;
  line["path"] = request.path;
  line["what"] = what;
  std::fprintf(stderr, "%s\n", boost::json::serialize(line).c_str());
}

std::string EndpointText(const SessionSocket& socket) {
  boost::system::error_code ec;
  const tcp::endpoint endpoint = socket.remote_endpoint(ec);
  if (ec) {
    return {};
  }
  if (endpoint.address().is_v6()) {
    return fmt::format("[{}]:{}", endpoint.address().to_string(), endpoint.port());
  }
  return fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port());
}

// TLS 1.2 suites: forward secrecy and AEAD only (ECDHE with AES-GCM or
// ChaCha20-Poly1305), the Mozilla "intermediate" list without DHE, which
// would need group parameters of our own. TLS 1.3 keeps OpenSSL's suites
// (all AEAD). Anything older than TLS 1.2 is refused.
constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// The first (root-cause) error on OpenSSL's thread-local queue; clears it.
std::string TakeOpenSslError() {
  const unsigned long first = ERR_get_error();
  ERR_clear_error();
  if (first == 0) {
    return "no detail from OpenSSL";
  }
  std::array<char, 256> text{};
  ERR_error_string_n(first, text.data(), text.size());
  return text.data();
}

// An encrypted key must fail to load rather than prompt on a terminal.
int RefusePassphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*user*/) { return 0; }

hub::Status CheckReadable(const std::string& path, std::string_view field) {
  std::ifstream in(path);
  if (!in) {
    const int error = errno;
    return hub::Fail(ErrorCode::kInvalidArgument,
                     fmt::format("cannot read {} {}: {}", field, path, std::strerror(error)),
                     std::string(field));
  }
  return hub::Ok();
}

// The server's TLS context from PEM files: the certificate chain (leaf
// first) and its unencrypted private key. Every failure names the file.
hub::Result<std::unique_ptr<ssl::context>> MakeTlsContext(const std::string& cert_file,
                                                          const std::string& key_file) {
  HUB_TRY_STATUS(CheckReadable(cert_file, "tls_cert_file"));
  HUB_TRY_STATUS(CheckReadable(key_file, "tls_key_file"));
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  context->set_options(ssl::context::default_workarounds | ssl::context::no_compression |
                       ssl::context::single_dh_use);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    return hub::Fail(ErrorCode::kInternal,
                     "cannot set the TLS version and cipher policy: " + TakeOpenSslError());
  }
  SSL_CTX_set_default_passwd_cb(native, RefusePassphrase);
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(native, cert_file.c_str()) != 1) {
    return hub::Fail(ErrorCode::kInvalidArgument,
                     fmt::format("tls_cert_file {} holds no usable PEM certificate: {}", cert_file,
                                 TakeOpenSslError()),
                     "tls_cert_file");
  }
  if (SSL_CTX_use_PrivateKey_file(native, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    const unsigned long first = ERR_peek_error();
    const bool mismatch =
        ERR_GET_LIB(first) == ERR_LIB_X509 && ERR_GET_REASON(first) == X509_R_KEY_VALUES_MISMATCH;
    const std::string detail = TakeOpenSslError();
    return hub::Fail(
        ErrorCode::kInvalidArgument,
        mismatch ? fmt::format("tls_key_file {} does not match the certificate in {}", key_file,
                               cert_file)
                 : fmt::format("tls_key_file {} holds no usable unencrypted PEM private key: {}",
                               key_file, detail),
        "tls_key_file");
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    ERR_clear_error();
    return hub::Fail(
        ErrorCode::kInvalidArgument,
        fmt::format("tls_key_file {} does not match the certificate in {}", key_file, cert_file),
        "tls_key_file");
  }
  return context;
}

}  // namespace

template <class Stream>
class Session;

// What the server's registry and drain need of a session, whatever its stream.
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Posted onto the session's context by BeginStop.
  virtual void OnStop() = 0;
  // Posted onto the session's context when the drain timeout fires.
  virtual void ForceClose() = 0;
  virtual net::any_io_executor executor() = 0;
};

// Shutdown protocol. `stopping` is set first, then, on the server strand,
// the acceptor closes and every registered session is told OnStop(): an idle
// keep-alive session closes, a busy one finishes its request with
// "Connection: close". When the registry empties the drain timer is
// cancelled; if it fires first, the remaining sockets are closed. The I/O
// threads return from run() once no work is left, and Wait() joins them.
struct ServerState {
  ServerState(HttpServerOptions opts, const Router& r)
      : options(std::move(opts)),
        router(r),
        contexts(MakeContexts(options.threads)),
        ioc(*contexts.front()),
        strand(net::make_strand(ioc)),
        acceptor(strand),
        drain_timer(strand),
        accept_retry_timer(strand) {}

  // A handler still queued on a session context whose thread has left (an
  // OnStop posted after its last connection closed) holds a session, whose
  // destructor deregisters through `strand`. Those contexts go first, while
  // `strand` and context 0 still exist; members would go in the other order.
  ~ServerState() {
    for (std::size_t i = contexts.size(); i-- > 1;) {
      contexts[i].reset();
    }
  }

  void DoAccept();
  void OnAccept(boost::system::error_code ec, std::shared_ptr<SessionSocket> socket);
  void BeginStop();
  void OnDrainTimeout(boost::system::error_code ec);
  // Registers and starts a new session, or drops it (closing its socket)
  // when connections_max are open.
  template <class Stream>
  void Launch(std::shared_ptr<Session<Stream>> session);
  void ForEachSession(void (SessionBase::*method)());
  void Deregister(SessionBase* session);

  // One io_context per I/O thread, each run by its thread alone; a session
  // lives on one of them, dealt round-robin as connections are accepted.
  // Shared by two threads, one io_context made its threads meet on every
  // handler (the scheduler's queue and work count, the reactor's timers):
  // bench_ingest's whole webhook path took a median 91 us of CPU per
  // message that way and 80 us this way (interleaved, 5 pairs); its HTTP-
  // alone load now measures 32-35 us per request.
  // Context 0 belongs to a thread of its own that only accepts and drives
  // the drain: a route handler that blocks its I/O thread (a long report)
  // holds up the connections on that thread, never accepting or a stop.
  static std::vector<std::unique_ptr<net::io_context>> MakeContexts(int threads) {
    std::vector<std::unique_ptr<net::io_context>> out;
    for (int i = 0; i <= std::max(1, threads); ++i) {
      out.push_back(std::make_unique<net::io_context>(1));
    }
    return out;
  }
  // The context of the next accepted connection (on the server strand).
  net::io_context& NextContext() { return *contexts[1 + next_context++ % (contexts.size() - 1)]; }
  bool RunningInIoThread() const {
    return std::any_of(contexts.begin(), contexts.end(),
                       [](const auto& c) { return c->get_executor().running_in_this_thread(); });
  }

  const HttpServerOptions options;
  const Router& router;
  std::vector<std::unique_ptr<net::io_context>> contexts;
  net::io_context& ioc;  // contexts[0]: the acceptor, the drain timer, signals; no session
  // Keep every context's run() going while the server accepts: a context
  // with no connection yet would otherwise return at once. Reset when the
  // drain begins; each context then ends with its last connection.
  std::vector<net::executor_work_guard<net::io_context::executor_type>> keep_running;
  size_t next_context = 0;  // owned by `strand`
  Strand strand;
  // Owned by `strand`:
  tcp::acceptor acceptor;
  net::steady_timer drain_timer;
  net::steady_timer accept_retry_timer;
  bool stop_begun = false;

  // StopOnSignals() registers from the caller's thread (so a signal raised
  // right after it returns is already caught) while BeginStop cancels on the
  // strand; the mutex orders the two.
  std::mutex signals_mu;
  std::optional<net::signal_set> signals;  // guarded by signals_mu

  std::atomic<uint16_t> bound_port{0};
  std::atomic<bool> stopping{false};

  std::mutex sessions_mu;
  // guarded by sessions_mu
  std::unordered_map<SessionBase*, std::weak_ptr<SessionBase>> sessions;

  // Set by Start() when a certificate and key are configured; read-only
  // afterwards (sessions share it).
  std::unique_ptr<ssl::context> tls;

  // Start() holds it while it spawns threads; Wait() while it joins them.
  // Stop() never takes it, so a signal thread can stop a server whose main
  // thread sits in Wait().
  std::mutex threads_mu;
  std::vector<std::thread> threads;
  std::atomic<bool> started{false};
};

// One connection. Stream is PlainStream or TlsStream; everything after the
// TLS handshake is the same code, reaching the TCP layer (deadlines,
// half-close) through Tcp().
template <class Stream>
class Session final : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  // `stream_args` construct the stream: the socket, and for TLS the context.
  template <class... StreamArgs>
  Session(ServerState& server, std::string remote, StreamArgs&&... stream_args)
      : server_(server),
        remote_(std::move(remote)),
        stream_(std::forward<StreamArgs>(stream_args)...) {}

  ~Session() override { server_.Deregister(this); }

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void Start() {
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::Begin, Self()));
  }

  // An idle connection (also one still in its TLS handshake) closes at once.
  void OnStop() override {
    if (phase_ == Phase::kIdle && buffer_.size() == 0) {
      Close();
    }
  }

  void ForceClose() override { Close(); }

  net::any_io_executor executor() override { return stream_.get_executor(); }

 private:
  enum class Phase { kIdle, kReading, kHandling, kWriting, kLingering, kClosed };

  std::shared_ptr<Session> Self() { return this->shared_from_this(); }
  SessionTcpStream& Tcp() { return beast::get_lowest_layer(stream_); }

  // The handshake shares the request deadline, so a client that opens a
  // connection and stalls in the handshake is cut off like a slow request.
  void Begin() {
    if constexpr (kTls) {
      Tcp().expires_after(std::chrono::milliseconds(server_.options.request_timeout_ms));
      stream_.async_handshake(ssl::stream_base::server,
                              beast::bind_front_handler(&Session::OnHandshake, Self()));
    } else {
      DoReadRequest();
    }
  }

  void OnHandshake(beast::error_code ec) {
    if (ec) {
      Close();  // plain HTTP on the TLS port, an old protocol, a timeout, a reset
      return;
    }
    DoReadRequest();
  }

  void DoReadRequest() {
    if (server_.stopping.load()) {
      Close();
      return;
    }
    const HttpServerOptions& options = server_.options;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(
        std::min<size_t>(options.header_bytes_max, std::numeric_limits<std::uint32_t>::max())));
    parser_->body_limit(options.body_bytes_max);
    request_ = HttpRequest{};
    request_.remote = remote_;
    phase_ = buffer_.size() == 0 ? Phase::kIdle : Phase::kReading;
    Tcp().expires_after(std::chrono::milliseconds(options.request_timeout_ms));
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::OnReadHeader, Self()));
  }

  void OnReadHeader(beast::error_code ec, size_t /*bytes*/) {
    phase_ = Phase::kReading;
    started_ = std::chrono::steady_clock::now();
    FillRequestHead();
    if (ec) {
      OnReadError(ec);
      return;
    }
    if (request_.target.empty() || request_.target.front() != '/') {
      RespondError(400, "the request target must be an absolute path", "malformed_request");
      return;
    }
    const auto content_length = parser_->content_length();
    if (content_length && *content_length > server_.options.body_bytes_max) {
      RespondError(413, "the body is larger than the server accepts", "body_too_large");
      return;
    }
    if (parser_->is_done()) {
      Handle();
      return;
    }
    // A small body usually came in the same segment as the head and is in
    // the buffer already (a webhook's whole request, typically): parse it
    // here rather than through another asynchronous read and deadline. A
    // client that asked for "100 Continue" still gets it first.
    const auto expect = parser_->get()[http::field::expect];
    const bool wants_continue = EqualsIgnoreCase(expect, "100-continue");
    if (!wants_continue && content_length && buffer_.size() >= *content_length) {
      beast::error_code parse_ec;
      parser_->eager(true);
      buffer_.consume(parser_->put(buffer_.data(), parse_ec));
      if (parse_ec) {
        OnReadError(parse_ec);
        return;
      }
      if (parser_->is_done()) {
        request_.body = std::move(parser_->get().body());
        Handle();
        return;
      }
    }
    // The body gets its own deadline: the first one also covered keep-alive idling.
    Tcp().expires_after(std::chrono::milliseconds(server_.options.request_timeout_ms));
    if (wants_continue) {
      continue_.emplace(http::status::continue_, parser_->get().version());
      http::async_write(stream_, *continue_,
                        beast::bind_front_handler(&Session::OnWriteContinue, Self()));
      return;
    }
    ReadBody();
  }

  void OnWriteContinue(beast::error_code ec, size_t /*bytes*/) {
    if (ec) {
      Close();
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnReadBody, Self()));
  }

  void OnReadBody(beast::error_code ec, size_t /*bytes*/) {
    if (ec) {
      OnReadError(ec);
      return;
    }
    request_.body = std::move(parser_->get().body());
    Handle();
  }

  // Classifies a read failure: a limit or a malformed message gets an
  // answer; a vanished or silent peer is simply closed.
  void OnReadError(beast::error_code ec) {
    if (ec == http::error::header_limit) {
      RespondError(431, "the request head is larger than the server accepts", "header_too_large");
    } else if (ec == http::error::body_limit) {
      RespondError(413, "the body is larger than the server accepts", "body_too_large");
    } else if (ec == http::error::end_of_stream || ec == http::error::partial_message) {
      Close();
    } else if (ec.category() == http::make_error_code(http::error::bad_target).category()) {
      RespondError(400, "the request is not valid HTTP/1.1: " + ec.message(), "malformed_request");
    } else {
      Close();  // timeout, reset, or our own close during shutdown
    }
  }

  // Copies what the parser has seen (all of it, or the head so far after an
  // error) into request_, and settles the request id.
  void FillRequestHead() {
    const auto& message = parser_->get();
    request_.method = std::string(message.method_string());
    request_.target = std::string(message.target());
    for (const auto& field : message) {
      request_.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    const size_t question = request_.target.find('?');
    request_.path = request_.target.substr(0, question);
    const std::optional<std::string> incoming = request_.Header("X-Request-Id");
    request_.request_id = incoming && IsSaneRequestId(*incoming) ? *incoming : NewRequestId();
  }

  // Routes answer through a Responder: at once (synchronous routes, and an
  // asynchronous one that answers before it returns) or later from any
  // thread, when the answer is posted back to this session's context. The
  // posted work is tracked, so neither the I/O threads nor a drain finish
  // while an answer is outstanding.
  void Handle() {
    phase_ = Phase::kHandling;
    const size_t question = request_.target.find('?');
    auto query = ParseQuery(question == std::string::npos
                                ? std::string_view()
                                : std::string_view(request_.target).substr(question + 1));
    if (!query) {
      Finish(Problem(400, "Bad Request", "the query string holds a malformed percent-escape", {},
                     "bad_query_encoding"));
      return;
    }
    request_.query = std::move(*query);
    auto self = Self();
    auto work = net::prefer(stream_.get_executor(), net::execution::outstanding_work.tracked);
    const auto dispatching_thread = std::this_thread::get_id();
    Responder respond([self, work, dispatching_thread](HttpResponse response) {
      if (std::this_thread::get_id() == dispatching_thread && self->dispatching_.load()) {
        self->immediate_ = std::move(response);
        return;
      }
      net::post(work, [self, response = std::move(response)]() mutable {
        self->Finish(std::move(response));
      });
    });
    dispatching_ = true;
    try {
      server_.router.DispatchAsync(request_, respond);
    } catch (const std::exception& e) {
      LogHandlerException(request_, e.what());
      respond(InternalError());
    } catch (...) {
      LogHandlerException(request_, "non-standard exception");
      respond(InternalError());
    }
    dispatching_ = false;
    if (immediate_) {
      HttpResponse response = std::move(*immediate_);
      immediate_.reset();
      Finish(std::move(response));
    }
  }

  void Finish(HttpResponse response) {
    const bool keep_alive = parser_->get().keep_alive() && !server_.stopping.load();
    Write(Checked(std::move(response)), keep_alive, /*linger=*/false);
  }

  HttpResponse Checked(HttpResponse response) {
    if (response.status < 200 || response.status > 599) {
      LogHandlerException(request_, fmt::format("invalid status {}", response.status));
      return InternalError();
    }
    const bool headers_ok =
        IsWritableHeader("Content-Type", response.content_type) &&
        std::all_of(response.headers.begin(), response.headers.end(), [](const auto& header) {
          return IsWritableHeader(header.first, header.second);
        });
    if (!headers_ok) {
      LogHandlerException(request_, "a response header holds CR, LF, NUL or a bad name");
      return InternalError();
    }
    return response;
  }

  static HttpResponse InternalError() {
    return Problem(500, "Internal Server Error",
                   "the request failed inside the server; quote the request_id", {}, "internal");
  }

  void RespondError(int status, std::string detail, std::string_view type_suffix) {
    Write(Problem(status, StatusReason(status), detail, {}, type_suffix), /*keep_alive=*/false,
          /*linger=*/true);
  }

  void Write(HttpResponse response, bool keep_alive, bool linger) {
    FillProblemRequestId(response, request_.request_id);
    const unsigned version = parser_->get().version() == 10 ? 10 : 11;
    response_ = {};
    response_.version(version);
    response_.result(static_cast<unsigned>(response.status));
    if (!response.content_type.empty()) {
      response_.set(http::field::content_type, response.content_type);
    }
    response_.set("X-Request-Id", request_.request_id);
    for (const auto& [name, value] : response.headers) {
      const bool shadowed =
          !response.content_type.empty() && EqualsIgnoreCase(name, "Content-Type");
      if (!IsFramingHeader(name) && !shadowed) {
        response_.insert(name, value);
      }
    }
    const bool bodiless = response.status == 204 || response.status == 304;
    response_.body() = bodiless ? std::string() : std::move(response.body);
    response_.keep_alive(keep_alive);
    if (!bodiless) {
      response_.prepare_payload();  // 204 and 304 must not carry Content-Length
    }
    response.body.clear();
    completed_ = std::move(response);
    linger_ = linger || !keep_alive;
    phase_ = Phase::kWriting;
    Tcp().expires_after(std::chrono::milliseconds(server_.options.request_timeout_ms));
    http::async_write(stream_, response_, beast::bind_front_handler(&Session::OnWrite, Self()));
  }

  void OnWrite(beast::error_code ec, size_t /*bytes*/) {
    completed_.body = std::move(response_.body());
    if (server_.options.on_complete) {
      const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - started_);
      try {
        server_.options.on_complete(request_, completed_, static_cast<int64_t>(micros.count()));
      } catch (const std::exception& e) {
        // An escaping exception would end the I/O thread and the process.
        LogHandlerException(request_, fmt::format("on_complete threw: {}", e.what()));
      }
    }
    if (ec) {
      Close();
    } else if (linger_) {
      Linger();
    } else {
      DoReadRequest();
    }
  }

  // Half-closes and discards the rest of the input until the client closes,
  // kLingerMs pass or kLingerBytesMax were read. On TLS the FIN goes out
  // without a close_notify alert (asio's TLS shutdown would wait for the
  // client's): every response is length-delimited, so a client still sees a
  // complete answer (RFC 9112 section 9.8), and input is discarded after
  // decryption like plain input.
  void Linger() {
    phase_ = Phase::kLingering;
    beast::error_code ignored;
    Tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
    buffer_.clear();
    linger_buffer_.resize(kLingerChunkBytes);
    lingered_bytes_ = 0;
    Tcp().expires_after(std::chrono::milliseconds(kLingerMs));
    ReadLinger();
  }

  void ReadLinger() {
    stream_.async_read_some(net::buffer(linger_buffer_),
                            beast::bind_front_handler(&Session::OnLinger, Self()));
  }

  void OnLinger(beast::error_code ec, size_t bytes) {
    lingered_bytes_ += bytes;
    if (ec || lingered_bytes_ > kLingerBytesMax) {
      Close();
      return;
    }
    ReadLinger();
  }

  void Close() {
    if (phase_ == Phase::kClosed) {
      return;
    }
    phase_ = Phase::kClosed;
    beast::error_code ignored;
    Tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
    Tcp().socket().close(ignored);
  }

  ServerState& server_;
  const std::string remote_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::empty_body>> continue_;
  http::response<http::string_body> response_;
  HttpRequest request_;
  HttpResponse completed_;  // what was written, for on_complete
  Phase phase_ = Phase::kIdle;
  bool linger_ = false;
  // While the router runs on this session's thread: an answer given there
  // lands in immediate_ and is written when the router returns.
  std::atomic<bool> dispatching_{false};
  std::optional<HttpResponse> immediate_;
  std::vector<char> linger_buffer_;
  size_t lingered_bytes_ = 0;
  std::chrono::steady_clock::time_point started_;
};

void ServerState::DoAccept() {
  auto socket = std::make_shared<SessionSocket>(NextContext().get_executor());
  acceptor.async_accept(*socket,
                        [this, socket](boost::system::error_code ec) { OnAccept(ec, socket); });
}

void ServerState::OnAccept(boost::system::error_code ec, std::shared_ptr<SessionSocket> socket) {
  if (stop_begun || ec == net::error::operation_aborted) {
    return;
  }
  if (ec) {
    accept_retry_timer.expires_after(std::chrono::milliseconds(kAcceptRetryDelayMs));
    accept_retry_timer.async_wait([this](boost::system::error_code wait_ec) {
      if (!wait_ec && !stop_begun) {
        DoAccept();
      }
    });
    return;
  }
  std::string remote = EndpointText(*socket);
  if (tls) {
    Launch(
        std::make_shared<Session<TlsStream>>(*this, std::move(remote), std::move(*socket), *tls));
  } else {
    Launch(std::make_shared<Session<PlainStream>>(*this, std::move(remote), std::move(*socket)));
  }
  DoAccept();
}

template <class Stream>
void ServerState::Launch(std::shared_ptr<Session<Stream>> session) {
  {
    std::lock_guard<std::mutex> lock(sessions_mu);
    if (sessions.size() >= options.connections_max) {
      return;  // the session and its socket close as `session` goes out of scope
    }
    sessions.emplace(session.get(), session);
  }
  session->Start();
}

void ServerState::ForEachSession(void (SessionBase::*method)()) {
  std::vector<std::shared_ptr<SessionBase>> live;
  {
    std::lock_guard<std::mutex> lock(sessions_mu);
    for (const auto& [raw, weak] : sessions) {
      if (auto session = weak.lock()) {
        live.push_back(std::move(session));
      }
    }
  }
  for (auto& session : live) {
    net::post(session->executor(), [session, method] { ((*session).*method)(); });
  }
}

void ServerState::BeginStop() {
  if (stop_begun) {
    return;
  }
  stop_begun = true;
  stopping.store(true);
  boost::system::error_code ignored;
  acceptor.close(ignored);
  for (auto& guard : keep_running) {
    guard.reset();
  }
  accept_retry_timer.cancel();
  {
    std::lock_guard<std::mutex> lock(signals_mu);
    if (signals) {
      signals->cancel(ignored);
    }
  }
  if (options.on_draining) {
    options.on_draining();
  }
  bool any = false;
  {
    std::lock_guard<std::mutex> lock(sessions_mu);
    any = !sessions.empty();
  }
  ForEachSession(&SessionBase::OnStop);
  if (any) {
    drain_timer.expires_after(std::chrono::milliseconds(options.drain_timeout_ms));
    drain_timer.async_wait([this](boost::system::error_code ec) { OnDrainTimeout(ec); });
  }
}

void ServerState::OnDrainTimeout(boost::system::error_code ec) {
  if (ec) {
    return;  // cancelled: every session finished in time
  }
  ForEachSession(&SessionBase::ForceClose);
}

void ServerState::Deregister(SessionBase* session) {
  bool drained = false;
  {
    std::lock_guard<std::mutex> lock(sessions_mu);
    sessions.erase(session);
    drained = sessions.empty();
  }
  if (drained && stopping.load()) {
    net::post(strand, [this] { drain_timer.cancel(); });
  }
}

// The pimpl is the state itself; a separate name lets Session (not a member
// of HttpServer) use it.
struct HttpServer::Impl : ServerState {
  using ServerState::ServerState;
};

HttpServer::HttpServer(HttpServerOptions options, const Router& router)
    : impl_(std::make_unique<Impl>(std::move(options), router)) {}

HttpServer::~HttpServer() { Stop(); }

hub::Status HttpServer::Start() {
  Impl& s = *impl_;
  std::lock_guard<std::mutex> lock(s.threads_mu);
  if (s.started.load()) {
    return hub::Fail(ErrorCode::kFailedPrecondition, "the server was already started");
  }
  const HttpServerOptions& o = s.options;
  if (o.tls_cert_file.empty() != o.tls_key_file.empty()) {
    return hub::Fail(ErrorCode::kInvalidArgument,
                     "tls_cert_file and tls_key_file must be set together",
                     o.tls_cert_file.empty() ? "tls_cert_file" : "tls_key_file");
  }
  if (o.threads < 1 || o.request_timeout_ms < 1 || o.drain_timeout_ms < 0 ||
      o.header_bytes_max == 0 || o.connections_max == 0) {
    return hub::Fail(ErrorCode::kInvalidArgument,
                     "threads, request_timeout_ms, header_bytes_max and connections_max must be "
                     "positive");
  }
  if (!o.tls_cert_file.empty()) {
    HUB_TRY(s.tls, MakeTlsContext(o.tls_cert_file, o.tls_key_file));
  }
  boost::system::error_code ec;
  tcp::resolver resolver(s.ioc);
  const auto endpoints = resolver.resolve(
      o.host, std::to_string(o.port), tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) {
    return hub::Fail(ErrorCode::kInvalidArgument,
                     fmt::format("cannot resolve listen host '{}': {}", o.host, ec.message()),
                     "host");
  }
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  const auto fail = [&](std::string_view step) {
    boost::system::error_code ignored;
    s.acceptor.close(ignored);
    return hub::Fail(ErrorCode::kIo,
                     fmt::format("cannot {} {}:{}: {}", step, o.host, o.port, ec.message()));
  };
  if (s.acceptor.open(endpoint.protocol(), ec)) {
    return fail("open a socket for");
  }
  if (s.acceptor.set_option(net::socket_base::reuse_address(true), ec)) {
    return fail("set SO_REUSEADDR on");
  }
  if (s.acceptor.bind(endpoint, ec)) {
    return fail("bind");
  }
  if (s.acceptor.listen(net::socket_base::max_listen_connections, ec)) {
    return fail("listen on");
  }
  s.bound_port.store(s.acceptor.local_endpoint().port());
  for (auto& context : s.contexts) {
    s.keep_running.push_back(net::make_work_guard(*context));
  }
  net::post(s.strand, [&s] { s.DoAccept(); });
  for (std::size_t i = 0; i < s.contexts.size(); ++i) {
    s.threads.emplace_back([c = s.contexts[i].get(), i] {
      // Context 0 accepts and stops; the others serve connections.
      hub::SetThreadName(i == 0 ? std::string("http-accept") : fmt::format("http-io-{}", i));
      c->run();
    });
  }
  s.started.store(true);
  return hub::Ok();
}

uint16_t HttpServer::port() const { return impl_->bound_port.load(); }

void HttpServer::Stop() {
  Impl& s = *impl_;
  if (!s.started.load()) {
    return;
  }
  net::post(s.strand, [&s] { s.BeginStop(); });
  if (s.RunningInIoThread()) {
    return;  // a handler cannot join its own thread; Wait() elsewhere finishes
  }
  Wait();
}

void HttpServer::Wait() {
  Impl& s = *impl_;
  std::lock_guard<std::mutex> lock(s.threads_mu);
  for (std::thread& thread : s.threads) {
    if (thread.joinable()) {
      thread.join();
    }
  }
}

void HttpServer::StopOnSignals() {
  Impl& s = *impl_;
  std::lock_guard<std::mutex> lock(s.signals_mu);
  if (s.signals || s.stopping.load()) {
    return;
  }
  // Registration happens here, synchronously; a signal that arrives before
  // the wait below is queued by asio and delivered to it.
  s.signals.emplace(s.strand, SIGINT, SIGTERM);
  s.signals->async_wait([&s](boost::system::error_code ec, int /*signal*/) {
    if (!ec) {
      s.BeginStop();
    }
  });
}

}  // namespace hub::api
