// HttpServer over real sockets on 127.0.0.1, port 0. Covers what untrusted
// traffic causes (limits, malformed requests, hostile request ids), handler
// failures, keep-alive, concurrency and the graceful drain. Synchronisation
// is by promises, latches and condition variables, never by sleeping.
#include "api/http_server.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <condition_variable>
#include <csignal>
#include <future>
#include <latch>
#include <mutex>
#include <thread>

#include "api/http_client.h"

namespace hub::api {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr size_t kTestBodyBytesMax = 64 * 1024;
constexpr size_t kTestHeaderBytesMax = 4 * 1024;

// Sends `bytes` as they are, half-closes, and returns everything the server
// sends until it closes (or 10 s pass).
std::string RawExchange(uint16_t port, const std::string& bytes) {
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.expires_after(std::chrono::seconds(10));
  stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  std::string received;
  net::async_write(stream, net::buffer(bytes), [&](beast::error_code ec, size_t) {
    if (!ec) {
      stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  });
  net::async_read(stream, net::dynamic_buffer(received), [](beast::error_code, size_t) {});
  ioc.run();
  return received;
}

// Splits a raw byte stream into the responses it holds (1xx included).
std::vector<HttpResponse> ParseResponses(std::string_view raw) {
  std::vector<HttpResponse> out;
  while (!raw.empty()) {
    http::response_parser<http::string_body> parser;
    beast::error_code ec;
    while (!parser.is_done()) {
      const size_t used = parser.put(net::buffer(raw.data(), raw.size()), ec);
      raw.remove_prefix(used);
      if (ec || used == 0) {
        ADD_FAILURE() << "unparseable response: " << ec.message();
        return out;
      }
    }
    HttpResponse response;
    response.status = static_cast<int>(parser.get().result_int());
    for (const auto& field : parser.get()) {
      response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    response.content_type = std::string(parser.get()[http::field::content_type]);
    response.body = parser.get().body();
    out.push_back(std::move(response));
  }
  return out;
}

HttpResponse OnlyResponse(uint16_t port, const std::string& bytes) {
  const auto responses = ParseResponses(RawExchange(port, bytes));
  EXPECT_EQ(responses.size(), 1u);
  return responses.empty() ? HttpResponse{.status = 0} : responses.front();
}

// Every error the server or router produces must look like this.
void ExpectProblem(const HttpResponse& response, int status, std::string_view type_suffix = {}) {
  EXPECT_EQ(response.status, status);
  EXPECT_EQ(response.content_type, "application/problem+json");
  const auto request_id = response.Header("X-Request-Id");
  ASSERT_TRUE(request_id.has_value());
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(response.body, ec);
  ASSERT_FALSE(ec) << response.body;
  ASSERT_TRUE(parsed.is_object()) << response.body;
  const auto& body = parsed.as_object();
  for (const char* member : {"type", "title", "detail", "request_id"}) {
    ASSERT_TRUE(body.contains(member) && body.at(member).is_string()) << member << response.body;
  }
  EXPECT_EQ(body.at("status").as_int64(), status);
  EXPECT_EQ(body.at("request_id").as_string(), *request_id);
  if (!type_suffix.empty()) {
    EXPECT_EQ(body.at("type").as_string(),
              std::string(kProblemTypeBase) + std::string(type_suffix));
  }
}

// Access-log entries the on_complete hook saw, waitable without sleeping.
class CompletionLog {
 public:
  void Add(const HttpRequest& request, const HttpResponse& response) {
    std::lock_guard<std::mutex> lock(mu_);
    entries_.emplace_back(request.request_id, response.status);
    cv_.notify_all();
  }
  std::vector<std::pair<std::string, int>> WaitFor(size_t count) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return entries_.size() >= count; });
    return entries_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<std::string, int>> entries_;
};

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("GET", "/healthz", [](HttpRequest&) {
      return Json(200, boost::json::object{{"status", "ok"}});
    });
    router_.Add("POST", "/echo", [](HttpRequest& r) {
      HttpResponse response;
      response.body = r.body;
      response.content_type = "application/octet-stream";
      response.headers.emplace_back("X-Query-A", r.query.count("a") ? r.query.at("a") : "");
      response.headers.emplace_back("Content-Length", "999");  // framing: ignored
      return response;
    });
    router_.Add("GET", "/throw", [](HttpRequest&) -> HttpResponse {
      throw std::runtime_error("handler failed on purpose");
    });
    router_.Add("GET", "/remote", [](HttpRequest& r) {
      return Json(200, boost::json::object{{"remote", r.remote}, {"id", r.request_id}});
    });
    router_.Add("GET", "/v1/orders/{id}", [](HttpRequest& r) {
      return Json(200, boost::json::object{{"id", r.path_params.at("id")}});
    });
    router_.Add("GET", "/status/{code}", [](HttpRequest& r) {
      HttpResponse response;
      response.status = std::stoi(r.path_params.at("code"));
      response.body = "x";
      return response;
    });
  }

  void StartServer(HttpServerOptions options = {}) {
    options.port = 0;
    options.body_bytes_max = kTestBodyBytesMax;
    options.header_bytes_max = kTestHeaderBytesMax;
    options.on_complete = [this](const HttpRequest& request, const HttpResponse& response,
                                 int64_t micros) {
      EXPECT_GE(micros, 0);
      log_.Add(request, response);
    };
    server_ = std::make_unique<HttpServer>(std::move(options), router_);
    ASSERT_TRUE(server_->Start());
    ASSERT_NE(server_->port(), 0);
  }

  void TearDown() override {
    if (server_) {
      server_->Stop();
    }
  }

  Result<HttpResponse> Get(const std::string& target, const HeaderList& headers = {}) {
    return HttpCall("127.0.0.1", server_->port(), "GET", target, "", headers);
  }

  uint16_t port() const { return server_->port(); }

  Router router_;
  CompletionLog log_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, StartFailsWhenThePortIsTaken) {
  StartServer();
  HttpServerOptions options;
  options.port = port();
  HttpServer second(options, router_);
  const auto started = second.Start();
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().code, ErrorCode::kIo);
}

TEST_F(HttpServerTest, HealthzAnswers200WithGeneratedRequestId) {
  StartServer();
  const auto response = Get("/healthz");
  ASSERT_TRUE(response) << response.error().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->content_type, "application/json");
  EXPECT_EQ(response->body, R"({"status":"ok"})");
  const auto id = response->Header("X-Request-Id");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->size(), 32u);
  EXPECT_NE(Get("/healthz")->Header("X-Request-Id"), id);  // fresh per request
}

TEST_F(HttpServerTest, SaneIncomingRequestIdIsEchoedEverywhere) {
  StartServer();
  const auto ok = Get("/remote", {{"x-request-id", "req-42.a:b_c"}});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->Header("X-Request-Id").value(), "req-42.a:b_c");
  EXPECT_EQ(boost::json::parse(ok->body).at("id").as_string(), "req-42.a:b_c");
  const auto missing = Get("/missing", {{"X-Request-Id", "req-43"}});
  ASSERT_TRUE(missing);
  ExpectProblem(*missing, 404, "no_route");
  EXPECT_EQ(missing->Header("X-Request-Id").value(), "req-43");
  const auto logged = log_.WaitFor(2);  // on_complete order across connections is free
  EXPECT_NE(std::find(logged.begin(), logged.end(), std::make_pair(std::string("req-43"), 404)),
            logged.end());
}

TEST_F(HttpServerTest, HostileRequestIdIsReplaced) {
  StartServer();
  for (const std::string& bad : {std::string(129, 'a'), std::string("has space"),
                                 std::string("quote\"s"), std::string("{\"json\":1}")}) {
    const auto response = Get("/healthz", {{"X-Request-Id", bad}});
    ASSERT_TRUE(response);
    const auto id = response->Header("X-Request-Id").value();
    EXPECT_NE(id, bad);
    EXPECT_EQ(id.size(), 32u);
  }
  const auto longest = Get("/healthz", {{"X-Request-Id", std::string(128, 'z')}});
  EXPECT_EQ(longest->Header("X-Request-Id").value(), std::string(128, 'z'));
}

TEST_F(HttpServerTest, BodyOverLimitByContentLengthIs413) {
  StartServer();
  const auto response =
      HttpCall("127.0.0.1", port(), "POST", "/echo", std::string(kTestBodyBytesMax + 1, 'x'), {});
  ASSERT_TRUE(response) << response.error().ToString();
  ExpectProblem(*response, 413, "body_too_large");
}

TEST_F(HttpServerTest, ContentLengthAloneIsEnoughFor413) {
  StartServer();
  // No body follows: the answer must come from the head alone.
  const HttpResponse response =
      OnlyResponse(port(),
                   "POST /echo HTTP/1.1\r\nHost: t\r\nX-Request-Id: big-1\r\n"
                   "Content-Length: 99999999999\r\n\r\n");
  ExpectProblem(response, 413, "body_too_large");
  EXPECT_EQ(response.Header("X-Request-Id").value(), "big-1");
}

TEST_F(HttpServerTest, ChunkedBodyOverLimitIs413) {
  StartServer();
  std::string request = "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string chunk(8 * 1024, 'c');
  for (size_t sent = 0; sent <= kTestBodyBytesMax; sent += chunk.size()) {
    request += "2000\r\n" + chunk + "\r\n";
  }
  request += "0\r\n\r\n";
  ExpectProblem(OnlyResponse(port(), request), 413, "body_too_large");
}

TEST_F(HttpServerTest, BodyExactlyAtLimitIsAccepted) {
  StartServer();
  const std::string body(kTestBodyBytesMax, 'b');
  const auto response = HttpCall("127.0.0.1", port(), "POST", "/echo?a=1%202", body, {});
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, body);
  EXPECT_EQ(response->Header("X-Query-A").value(), "1 2");
  EXPECT_EQ(response->content_type, "application/octet-stream");
}

TEST_F(HttpServerTest, ChunkedBodyWithinLimitIsAssembled) {
  StartServer();
  const auto responses = ParseResponses(
      RawExchange(port(),
                  "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"));
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].body, "abcde");
}

TEST_F(HttpServerTest, ExpectContinueGets100ThenTheAnswer) {
  StartServer();
  const auto responses = ParseResponses(
      RawExchange(port(),
                  "POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 2\r\n"
                  "\r\nhi"));
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_EQ(responses[0].status, 100);
  EXPECT_EQ(responses[1].status, 200);
  EXPECT_EQ(responses[1].body, "hi");
}

TEST_F(HttpServerTest, HugeHeadersAre431) {
  StartServer();
  const auto response = Get("/healthz", {{"X-Filler", std::string(kTestHeaderBytesMax * 4, 'h')}});
  ASSERT_TRUE(response) << response.error().ToString();
  ExpectProblem(*response, 431, "header_too_large");
}

TEST_F(HttpServerTest, MalformedRequestsAre400) {
  StartServer();
  const std::string cases[] = {
      "GARBAGE\r\n\r\n",
      "GET /healthz HTTP/1.1\r\nHost: t\r\nNo colon here\r\n\r\n",
      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n",
      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
      "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "GET healthz HTTP/1.1\r\nHost: t\r\n\r\n",
      "GET /healthz?a=%zz HTTP/1.1\r\nHost: t\r\n\r\n",
      "GET /v1/orders/..%2Fetc HTTP/1.1\r\nHost: t\r\n\r\n",
  };
  for (const std::string& raw : cases) {
    SCOPED_TRACE(raw);
    ExpectProblem(OnlyResponse(port(), raw), 400);
  }
}

TEST_F(HttpServerTest, HandlerExceptionIs500AndServerKeepsServing) {
  StartServer();
  HttpConnection connection("127.0.0.1", port());
  const auto failed = connection.Call("GET", "/throw");
  ASSERT_TRUE(failed);
  ExpectProblem(*failed, 500, "internal");
  EXPECT_EQ(failed->body.find("on purpose"), std::string::npos);  // no internals leak
  const auto next = connection.Call("GET", "/healthz");
  ASSERT_TRUE(next) << next.error().ToString();
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(connection.connects(), 1);  // even the same connection survives
}

TEST_F(HttpServerTest, InvalidStatusFromHandlerIs500) {
  StartServer();
  ExpectProblem(*Get("/status/42"), 500, "internal");
  EXPECT_EQ(Get("/status/299")->status, 299);
  const auto no_content = Get("/status/204");
  ASSERT_TRUE(no_content);
  EXPECT_EQ(no_content->status, 204);
  EXPECT_EQ(no_content->body, "");
}

TEST_F(HttpServerTest, HeaderInjectionFromHandlerIs500) {
  router_.Add("GET", "/inject", [](HttpRequest&) {
    HttpResponse response;
    response.headers.emplace_back("X-Next", "a\r\nSet-Cookie: session=stolen");
    return response;
  });
  router_.Add("GET", "/bad-name", [](HttpRequest&) {
    HttpResponse response;
    response.headers.emplace_back("Bad Name", "v");
    return response;
  });
  StartServer();
  const auto injected = Get("/inject");
  ASSERT_TRUE(injected);
  ExpectProblem(*injected, 500, "internal");
  EXPECT_FALSE(injected->Header("Set-Cookie").has_value());
  ExpectProblem(*Get("/bad-name"), 500, "internal");
}

TEST_F(HttpServerTest, RouterProblemsCarryRequestIdAnd405Allow) {
  StartServer();
  const auto response = HttpCall("127.0.0.1", port(), "DELETE", "/healthz", "", {});
  ASSERT_TRUE(response);
  ExpectProblem(*response, 405, "method_not_allowed");
  EXPECT_EQ(response->Header("Allow").value(), "GET");
}

TEST_F(HttpServerTest, KeepAliveConnectionServesManyRequests) {
  StartServer();
  HttpConnection connection("127.0.0.1", port());
  std::string first_remote;
  for (int i = 0; i < 20; ++i) {
    const auto response = connection.Call("GET", "/remote");
    ASSERT_TRUE(response) << response.error().ToString();
    const std::string remote(boost::json::parse(response->body).at("remote").as_string());
    if (i == 0) {
      first_remote = remote;
    }
    EXPECT_EQ(remote, first_remote);
  }
  EXPECT_EQ(connection.connects(), 1);
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  StartServer();
  const auto responses = ParseResponses(
      RawExchange(port(),
                  "GET /v1/orders/1 HTTP/1.1\r\nHost: t\r\n\r\n"
                  "GET /v1/orders/2 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_EQ(responses[0].body, R"({"id":"1"})");
  EXPECT_EQ(responses[1].body, R"({"id":"2"})");
}

TEST_F(HttpServerTest, ConcurrentClientsAllGetAnswers) {
  StartServer(HttpServerOptions{.threads = 4});
  constexpr int kThreads = 8;
  constexpr int kRequestsPerThread = 200;
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < kThreads; ++t) {
    clients.emplace_back([&, t] {
      HttpConnection connection("127.0.0.1", port());
      for (int i = 0; i < kRequestsPerThread; ++i) {
        const std::string target = "/v1/orders/" + std::to_string(t * 1000 + i);
        // Half the threads reuse one connection, half open one per request.
        const auto response = t % 2 == 0 ? connection.Call("GET", target)
                                         : HttpCall("127.0.0.1", port(), "GET", target, "", {});
        if (response && response->status == 200 &&
            response->body == R"({"id":")" + std::to_string(t * 1000 + i) + "\"}") {
          ok.fetch_add(1);
        }
      }
    });
  }
  for (auto& client : clients) {
    client.join();
  }
  EXPECT_EQ(ok.load(), kThreads * kRequestsPerThread);
}

// Connections are dealt round-robin to the I/O threads, each running its
// own io_context: with two threads, two connections whose handlers block
// are served at once, one per thread. Were both dealt to one thread, the
// second handler would not start until the first returned, and the wait
// below would time out.
TEST_F(HttpServerTest, ConnectionsAreDealtToEveryIoThread) {
  std::latch release(1);
  std::atomic<int> inside{0};
  router_.Add("GET", "/block", [&](HttpRequest&) {
    inside.fetch_add(1);
    release.wait();
    return Json(200, boost::json::object{{"ok", true}});
  });
  StartServer(HttpServerOptions{.threads = 2});
  auto first = std::async(std::launch::async, [&] { return Get("/block"); });
  auto second = std::async(std::launch::async, [&] { return Get("/block"); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (inside.load() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(inside.load(), 2) << "both blocking handlers must run at once, one per I/O thread";
  release.count_down();
  const auto a = first.get();
  const auto b = second.get();
  ASSERT_TRUE(a) << a.error().ToString();
  ASSERT_TRUE(b) << b.error().ToString();
  EXPECT_EQ(a->status, 200);
  EXPECT_EQ(b->status, 200);
}

TEST_F(HttpServerTest, GracefulStopFinishesInFlightAndRefusesNewConnections) {
  std::promise<void> entered;
  std::latch release(1);
  router_.Add("GET", "/slow", [&](HttpRequest&) {
    entered.set_value();
    release.wait();
    return Json(200, boost::json::object{{"slow", true}});
  });
  std::promise<void> draining;
  HttpServerOptions options;
  options.drain_timeout_ms = 60000;  // the latch, not the timeout, ends the request
  options.on_draining = [&] { draining.set_value(); };
  StartServer(std::move(options));

  auto slow = std::async(std::launch::async, [&] { return Get("/slow"); });
  entered.get_future().wait();
  std::thread stopper([&] { server_->Stop(); });
  draining.get_future().wait();

  const auto refused = Get("/healthz");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable) << refused.error().ToString();

  release.count_down();
  const auto response = slow.get();
  ASSERT_TRUE(response) << response.error().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->Header("Connection").value_or(""), "close");
  stopper.join();
  server_->Wait();  // already stopped: returns at once
}

// An asynchronous route frees its I/O thread: with one thread, a second
// request is served while the first still waits for its answer, which then
// comes from another thread. A graceful stop waits for that answer too.
TEST_F(HttpServerTest, AsyncRouteAnswersLaterFromAnotherThreadWithoutHoldingTheIoThread) {
  std::mutex mu;
  std::vector<Responder> waiting;
  std::promise<void> entered;
  router_.AddAsync("POST", "/later", [&](HttpRequest& r, Responder respond) {
    std::lock_guard l(mu);
    EXPECT_EQ(r.body, "payload");
    waiting.push_back(std::move(respond));
    entered.set_value();
  });
  HttpServerOptions options;
  options.threads = 1;
  options.drain_timeout_ms = 60000;
  StartServer(std::move(options));

  auto later = std::async(std::launch::async, [&] {
    return HttpCall("127.0.0.1", port(), "POST", "/later", "payload", {});
  });
  entered.get_future().wait();
  const auto meanwhile = Get("/healthz");
  ASSERT_TRUE(meanwhile) << meanwhile.error().ToString();
  EXPECT_EQ(meanwhile->status, 200) << "the only I/O thread must be free while /later waits";

  std::thread stopper([&] { server_->Stop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(later.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout)
      << "the drain must not end an answer still outstanding";
  std::thread answerer([&] {
    std::lock_guard l(mu);
    waiting.front()(Json(202, boost::json::object{{"later", true}}));
    waiting.clear();
  });
  answerer.join();
  const auto response = later.get();
  ASSERT_TRUE(response) << response.error().ToString();
  EXPECT_EQ(response->status, 202);
  EXPECT_EQ(boost::json::parse(response->body).at("later").as_bool(), true);
  stopper.join();
}

TEST_F(HttpServerTest, AsyncRouteThatDropsItsResponderAnswers500) {
  router_.AddAsync("GET", "/forgets", [](HttpRequest&, Responder) {});
  router_.AddAsync("GET", "/at-once", [](HttpRequest&, Responder respond) {
    respond(Json(200, boost::json::object{{"at_once", true}}));
    respond(Json(201, boost::json::object{}));  // ignored: the first answer wins
  });
  StartServer();
  const auto forgot = Get("/forgets");
  ASSERT_TRUE(forgot) << forgot.error().ToString();
  EXPECT_EQ(forgot->status, 500);
  EXPECT_EQ(forgot->Header("Content-Type").value_or(""), "application/problem+json");
  const auto at_once = Get("/at-once");
  ASSERT_TRUE(at_once) << at_once.error().ToString();
  EXPECT_EQ(at_once->status, 200);
}

TEST_F(HttpServerTest, StopClosesIdleKeepAliveConnections) {
  HttpServerOptions options;
  options.drain_timeout_ms = 600000;  // Stop must not wait for an idle client
  StartServer(std::move(options));
  HttpConnection idle("127.0.0.1", port());
  ASSERT_TRUE(idle.Call("GET", "/healthz"));
  ASSERT_TRUE(idle.connected());
  server_->Stop();
  const auto after = idle.Call("GET", "/healthz");
  EXPECT_FALSE(after);
}

TEST_F(HttpServerTest, DrainTimeoutBoundsStopWhenAClientStalls) {
  HttpServerOptions options;
  options.request_timeout_ms = 600000;  // only the drain timeout can end this
  options.drain_timeout_ms = 50;
  StartServer(std::move(options));
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.expires_after(std::chrono::seconds(10));
  stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port()));
  // "100 Continue" proves the session is mid-request (busy, not idle)...
  net::write(stream,
             net::buffer(std::string("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
                                     "Content-Length: 10\r\n\r\n12345")));
  std::string received;
  beast::error_code ec;
  net::async_read_until(stream, net::dynamic_buffer(received), "\r\n\r\n",
                        [&](beast::error_code e, size_t) { ec = e; });
  ioc.run();
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(received.rfind("HTTP/1.1 100", 0), 0u) << received;
  // ...and the body never completes, so Stop() returns only through the timeout.
  server_->Stop();
  received.clear();
  ioc.restart();
  net::async_read(stream, net::dynamic_buffer(received),
                  [&](beast::error_code e, size_t) { ec = e; });
  ioc.run();
  EXPECT_TRUE(ec == net::error::eof || ec == net::error::connection_reset) << ec.message();
  EXPECT_EQ(received, "");  // closed without an answer
}

TEST_F(HttpServerTest, StopFromAHandlerOnlyBeginsTheDrain) {
  std::promise<void> draining;
  router_.Add("POST", "/admin/stop", [&](HttpRequest&) {
    server_->Stop();  // must not deadlock by joining its own thread
    return Json(202, boost::json::object{{"stopping", true}});
  });
  HttpServerOptions options;
  options.on_draining = [&] { draining.set_value(); };
  StartServer(std::move(options));
  const auto response = HttpCall("127.0.0.1", port(), "POST", "/admin/stop", "", {});
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 202);
  draining.get_future().wait();
  server_->Wait();
}

TEST_F(HttpServerTest, StopOnSignalsDrainsOnSigterm) {
  std::promise<void> draining;
  HttpServerOptions options;
  options.on_draining = [&] { draining.set_value(); };
  StartServer(std::move(options));
  server_->StopOnSignals();
  auto drained = draining.get_future();
  std::raise(SIGTERM);
  drained.wait();
  server_->Wait();
}

TEST_F(HttpServerTest, StopBeforeStartAndTwiceIsHarmless) {
  HttpServer never(HttpServerOptions{}, router_);
  never.Stop();
  never.Wait();
  StartServer();
  server_->Stop();
  server_->Stop();
  const auto again = server_->Start();
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
}

}  // namespace
}  // namespace hub::api
