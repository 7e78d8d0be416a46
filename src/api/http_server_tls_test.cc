// HttpServer with TLS: certificates are made at test time (testing/tls_files.h)
// in a temp dir; the server binds 127.0.0.1 port 0. Covers Start() refusing
// bad TLS files with a message naming the file, TLS-only serving (plain HTTP
// on the TLS port fails), the protocol floor, the handshake deadline, and the
// same limits (431/413), keep-alive and graceful drain as plain HTTP.
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <future>
#include <latch>
#include <memory>
#include <thread>

#include "api/http_client.h"
#include "api/http_server.h"
#include "testing/testing.h"
#include "testing/tls_files.h"

namespace hub::api {
namespace {

namespace beast = boost::beast;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

constexpr size_t kTestBodyBytesMax = 64 * 1024;
constexpr size_t kTestHeaderBytesMax = 4 * 1024;

class HttpServerTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new hub::testing::TempDir();
    files_ = hub::testing::WriteTlsFiles(dir_->path());
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  void SetUp() override {
    router_.Add("GET", "/healthz", [](HttpRequest&) {
      return Json(200, boost::json::object{{"status", "ok"}});
    });
    router_.Add("POST", "/echo", [](HttpRequest& r) {
      HttpResponse response;
      response.body = r.body;
      response.content_type = "application/octet-stream";
      return response;
    });
  }

  void TearDown() override {
    if (server_) {
      server_->Stop();
    }
  }

  static HttpServerOptions TlsOptions() {
    HttpServerOptions options;
    options.port = 0;
    options.body_bytes_max = kTestBodyBytesMax;
    options.header_bytes_max = kTestHeaderBytesMax;
    options.tls_cert_file = files_.cert.string();
    options.tls_key_file = files_.key.string();
    return options;
  }

  void StartServer(HttpServerOptions options = TlsOptions()) {
    server_ = std::make_unique<HttpServer>(std::move(options), router_);
    const auto started = server_->Start();
    ASSERT_TRUE(started) << started.error().ToString();
  }

  // The error Start() gives for these options (fails the test if it starts).
  Error StartError(HttpServerOptions options) {
    HttpServer server(std::move(options), router_);
    const auto started = server.Start();
    if (started) {
      ADD_FAILURE() << "Start() succeeded";
      return Error(ErrorCode::kInternal, "started");
    }
    return started.error();
  }

  HttpConnection TlsConnection(const std::string& host = "127.0.0.1") const {
    return HttpConnection(host, server_->port(), ClientTls{files_.cert.string()});
  }

  static hub::testing::TempDir* dir_;
  static hub::testing::TlsFiles files_;
  Router router_;
  std::unique_ptr<HttpServer> server_;
};

hub::testing::TempDir* HttpServerTlsTest::dir_ = nullptr;
hub::testing::TlsFiles HttpServerTlsTest::files_;

// --- Start() refuses what it cannot serve, naming the file ---

TEST_F(HttpServerTlsTest, MissingCertFileFailsStartNamingIt) {
  HttpServerOptions options = TlsOptions();
  options.tls_cert_file = (dir_->path() / "absent.pem").string();
  const Error error = StartError(options);
  EXPECT_EQ(error.code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(error.field, "tls_cert_file");
  EXPECT_NE(error.message.find(options.tls_cert_file), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("No such file"), std::string::npos) << error.message;
}

TEST_F(HttpServerTlsTest, MissingKeyFileFailsStartNamingIt) {
  HttpServerOptions options = TlsOptions();
  options.tls_key_file = (dir_->path() / "absent-key.pem").string();
  const Error error = StartError(options);
  EXPECT_EQ(error.field, "tls_key_file");
  EXPECT_NE(error.message.find(options.tls_key_file), std::string::npos) << error.message;
}

TEST_F(HttpServerTlsTest, KeyThatDoesNotMatchTheCertFailsStartNamingBoth) {
  HttpServerOptions options = TlsOptions();
  options.tls_key_file = files_.other_key.string();
  const Error error = StartError(options);
  EXPECT_EQ(error.code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(error.field, "tls_key_file");
  EXPECT_NE(error.message.find(files_.other_key.string() + " does not match the certificate in " +
                               files_.cert.string()),
            std::string::npos)
      << error.message;
}

TEST_F(HttpServerTlsTest, EncryptedKeyFailsStartInsteadOfPrompting) {
  HttpServerOptions options = TlsOptions();
  options.tls_key_file = files_.encrypted_key.string();
  const Error error = StartError(options);
  EXPECT_EQ(error.field, "tls_key_file");
  EXPECT_NE(error.message.find(files_.encrypted_key.string()), std::string::npos) << error.message;
}

TEST_F(HttpServerTlsTest, CertFileWithoutACertificateFailsStartNamingIt) {
  const auto not_pem = dir_->path() / "not-a-cert.pem";
  std::ofstream(not_pem) << "not a certificate\n";
  for (const std::string& cert : {not_pem.string(), files_.key.string()}) {
    HttpServerOptions options = TlsOptions();
    options.tls_cert_file = cert;
    const Error error = StartError(options);
    EXPECT_EQ(error.field, "tls_cert_file");
    EXPECT_NE(error.message.find(cert + " holds no usable PEM certificate"), std::string::npos)
        << error.message;
  }
}

TEST_F(HttpServerTlsTest, CertWithoutKeyFailsStart) {
  HttpServerOptions options = TlsOptions();
  options.tls_key_file.clear();
  EXPECT_EQ(StartError(options).field, "tls_key_file");
}

// --- serving ---

TEST_F(HttpServerTlsTest, GetOverTlsSucceedsByAddressAndByName) {
  StartServer();
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    HttpConnection connection = TlsConnection(host);
    const auto response = connection.Call("GET", "/healthz");
    ASSERT_TRUE(response) << host << ": " << response.error().ToString();
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, R"({"status":"ok"})");
    EXPECT_TRUE(response->Header("X-Request-Id").has_value());
  }
}

TEST_F(HttpServerTlsTest, KeepAliveReusesOneTlsConnection) {
  StartServer();
  HttpConnection connection = TlsConnection();
  for (int i = 0; i < 20; ++i) {
    const auto response = connection.Call("POST", "/echo", "body " + std::to_string(i));
    ASSERT_TRUE(response) << response.error().ToString();
    EXPECT_EQ(response->body, "body " + std::to_string(i));
  }
  EXPECT_EQ(connection.connects(), 1);
}

TEST_F(HttpServerTlsTest, PlainHttpToTheTlsPortFails) {
  StartServer();
  const auto response = HttpCall("127.0.0.1", server_->port(), "GET", "/healthz", "", {});
  ASSERT_FALSE(response) << "status " << response->status;
  EXPECT_EQ(response.error().code, ErrorCode::kIo) << response.error().ToString();
  // The server still serves TLS afterwards.
  EXPECT_TRUE(TlsConnection().Call("GET", "/healthz"));
}

TEST_F(HttpServerTlsTest, TlsClientToAPlainPortFails) {
  HttpServerOptions options = TlsOptions();
  options.tls_cert_file.clear();
  options.tls_key_file.clear();
  StartServer(options);
  const auto response = TlsConnection().Call("GET", "/healthz");
  ASSERT_FALSE(response);
  EXPECT_NE(response.error().message.find("TLS handshake"), std::string::npos)
      << response.error().ToString();
}

TEST_F(HttpServerTlsTest, ClientRefusesACertificateFromAnotherCa) {
  StartServer();
  HttpConnection connection("127.0.0.1", server_->port(), ClientTls{files_.other_cert.string()});
  const auto response = connection.Call("GET", "/healthz");
  ASSERT_FALSE(response);
  EXPECT_NE(response.error().message.find("certificate verify failed"), std::string::npos)
      << response.error().ToString();
}

TEST_F(HttpServerTlsTest, ClientRefusesACertificateForAnotherAddress) {
  // 127.0.0.2 is loopback too, but the certificate names only 127.0.0.1.
  HttpServerOptions options = TlsOptions();
  options.host = "127.0.0.2";
  StartServer(options);
  HttpConnection connection("127.0.0.2", server_->port(), ClientTls{files_.cert.string()});
  const auto response = connection.Call("GET", "/healthz");
  ASSERT_FALSE(response);
  EXPECT_NE(response.error().message.find("TLS handshake"), std::string::npos)
      << response.error().ToString();
}

TEST_F(HttpServerTlsTest, Tls11ClientIsRefused) {
  StartServer();
  ssl::context context(ssl::context::tls_client);
  SSL_CTX_set_security_level(context.native_handle(), 0);  // the client would accept TLS 1.1
  SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_VERSION);
  SSL_CTX_set_max_proto_version(context.native_handle(), TLS1_1_VERSION);
  context.set_verify_mode(ssl::verify_none);
  net::io_context ioc;
  beast::ssl_stream<beast::tcp_stream> stream(ioc, context);
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
  beast::get_lowest_layer(stream).connect(
      tcp::endpoint(net::ip::make_address("127.0.0.1"), server_->port()));
  beast::error_code ec;
  stream.handshake(ssl::stream_base::client, ec);
  EXPECT_TRUE(ec) << "a TLS 1.1 handshake succeeded";
}

TEST_F(HttpServerTlsTest, StalledHandshakeIsCutOffByTheRequestTimeout) {
  HttpServerOptions options = TlsOptions();
  options.request_timeout_ms = 200;
  StartServer(options);
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.expires_after(std::chrono::seconds(30));
  stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server_->port()));
  const auto begun = std::chrono::steady_clock::now();
  std::string received;
  beast::error_code ec;
  net::async_read(stream, net::dynamic_buffer(received),
                  [&](beast::error_code e, size_t) { ec = e; });
  ioc.run();  // no ClientHello is ever sent: the server must close
  EXPECT_TRUE(ec == net::error::eof || ec == net::error::connection_reset) << ec.message();
  EXPECT_LT(std::chrono::steady_clock::now() - begun, std::chrono::seconds(20));
}

TEST_F(HttpServerTlsTest, HeaderAndBodyLimitsHoldOverTls) {
  StartServer();
  HttpConnection connection = TlsConnection();
  const auto big_head = connection.Call("GET", "/healthz", "",
                                        {{"X-Filler", std::string(kTestHeaderBytesMax * 4, 'h')}});
  ASSERT_TRUE(big_head) << big_head.error().ToString();
  EXPECT_EQ(big_head->status, 431);
  EXPECT_EQ(big_head->content_type, "application/problem+json");
  const auto big_body = connection.Call("POST", "/echo", std::string(kTestBodyBytesMax + 1, 'x'));
  ASSERT_TRUE(big_body) << big_body.error().ToString();
  EXPECT_EQ(big_body->status, 413);
  const auto at_limit = connection.Call("POST", "/echo", std::string(kTestBodyBytesMax, 'b'));
  ASSERT_TRUE(at_limit) << at_limit.error().ToString();
  EXPECT_EQ(at_limit->status, 200);
  EXPECT_EQ(at_limit->body.size(), kTestBodyBytesMax);
}

TEST_F(HttpServerTlsTest, GracefulStopFinishesInFlightTlsRequestsAndClosesIdleOnes) {
  std::promise<void> entered;
  std::latch release(1);
  router_.Add("GET", "/slow", [&](HttpRequest&) {
    entered.set_value();
    release.wait();
    return Json(200, boost::json::object{{"slow", true}});
  });
  std::promise<void> draining;
  HttpServerOptions options = TlsOptions();
  options.drain_timeout_ms = 60000;  // the latch, not the timeout, ends the request
  options.on_draining = [&] { draining.set_value(); };
  StartServer(options);

  HttpConnection idle = TlsConnection();
  ASSERT_TRUE(idle.Call("GET", "/healthz"));
  HttpConnection busy = TlsConnection();
  auto slow = std::async(std::launch::async, [&] { return busy.Call("GET", "/slow"); });
  entered.get_future().wait();
  std::thread stopper([&] { server_->Stop(); });
  draining.get_future().wait();

  release.count_down();
  const auto response = slow.get();
  ASSERT_TRUE(response) << response.error().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->Header("Connection").value_or(""), "close");
  stopper.join();
  EXPECT_FALSE(idle.Call("GET", "/healthz"));  // closed by the drain, not reconnected
}

}  // namespace
}  // namespace hub::api
