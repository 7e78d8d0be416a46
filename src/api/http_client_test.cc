// The test client's failure values: tests and the benchmark branch on them,
// so refused, timed out and unparseable must stay distinguishable. Peers are
// hand-made sockets on 127.0.0.1 port 0.
#include "api/http_client.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <thread>

#include "api/http_server.h"

namespace hub::api {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

uint16_t FreePortThatRefuses() {
  net::io_context ioc;
  tcp::acceptor acceptor(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();  // closed on return: connections are refused
}

TEST(HttpClientTest, RefusedIsUnavailable) {
  const auto response = HttpCall("127.0.0.1", FreePortThatRefuses(), "GET", "/", "", {});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable) << response.error().ToString();
}

TEST(HttpClientTest, SilentPeerIsTimeout) {
  net::io_context ioc;
  // Listening but never accepting: the kernel completes the handshake and
  // buffers the request; no answer ever comes.
  tcp::acceptor acceptor(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  const auto response = HttpCall("127.0.0.1", acceptor.local_endpoint().port(), "GET", "/", "", {},
                                 /*timeout_ms=*/100);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::kTimeout) << response.error().ToString();
}

// Accepts one connection, answers `reply` verbatim and closes.
class OneShotPeer {
 public:
  explicit OneShotPeer(std::string reply)
      : acceptor_(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)),
        thread_([this, r = std::move(reply)] {
          tcp::socket socket(ioc_);
          acceptor_.accept(socket);
          std::array<char, 4096> scratch{};
          boost::system::error_code ec;
          socket.read_some(net::buffer(scratch), ec);
          net::write(socket, net::buffer(r), ec);
          socket.shutdown(tcp::socket::shutdown_both, ec);
        }) {}
  ~OneShotPeer() { thread_.join(); }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

TEST(HttpClientTest, GarbageAnswerIsParseError) {
  OneShotPeer peer("SMTP ready\r\n\r\n");
  const auto response = HttpCall("127.0.0.1", peer.port(), "GET", "/", "", {});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::kParse) << response.error().ToString();
}

TEST(HttpClientTest, ClosedBeforeAnswerIsIo) {
  OneShotPeer peer("");
  const auto response = HttpCall("127.0.0.1", peer.port(), "GET", "/", "", {});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::kIo) << response.error().ToString();
}

TEST(HttpClientTest, ReadsStatusHeadersAndBody) {
  OneShotPeer peer(
      "HTTP/1.1 418 I'm a teapot\r\nContent-Type: text/plain\r\nX-A: b\r\n"
      "Content-Length: 5\r\nConnection: close\r\n\r\nshort");
  const auto response = HttpCall("127.0.0.1", peer.port(), "GET", "/", "", {});
  ASSERT_TRUE(response) << response.error().ToString();
  EXPECT_EQ(response->status, 418);
  EXPECT_EQ(response->content_type, "text/plain");
  EXPECT_EQ(response->Header("x-a").value(), "b");
  EXPECT_EQ(response->body, "short");
}

TEST(HttpClientTest, MalformedRequestIsInvalidArgumentBeforeConnecting) {
  const uint16_t port = FreePortThatRefuses();
  const std::pair<std::string, HeaderList> cases[] = {
      {"", {}},
      {"GET /", {}},
      {"GET", {{"X-Split", "a\r\nInjected: 1"}}},
      {"GET", {{"Bad Name", "v"}}},
  };
  for (const auto& [method, headers] : cases) {
    const auto response = HttpCall("127.0.0.1", port, method, "/", "", headers);
    ASSERT_FALSE(response);
    EXPECT_EQ(response.error().code, ErrorCode::kInvalidArgument) << response.error().ToString();
  }
  const auto bad_target = HttpCall("127.0.0.1", port, "GET", "/a b", "", {});
  ASSERT_FALSE(bad_target);
  EXPECT_EQ(bad_target.error().field, "target");
}

TEST(HttpConnectionTest, ReconnectsAfterConnectionClose) {
  Router router;
  router.Add("GET", "/", [](HttpRequest&) { return HttpResponse{}; });
  HttpServerOptions options;
  options.port = 0;
  HttpServer server(options, router);
  ASSERT_TRUE(server.Start());
  HttpConnection connection("127.0.0.1", server.port());
  ASSERT_TRUE(connection.Call("GET", "/", "", {{"Connection", "close"}}));
  EXPECT_FALSE(connection.connected());
  ASSERT_TRUE(connection.Call("GET", "/"));
  ASSERT_TRUE(connection.Call("GET", "/"));
  EXPECT_EQ(connection.connects(), 2);
  server.Stop();
}

}  // namespace
}  // namespace hub::api
