// `retailhub serve` with TLS configured (server.tls_cert_file/tls_key_file):
// a certificate or key problem stops the command before it serves, with a
// non-zero exit and a message naming the file; a good pair makes the hub's
// listener TLS-only. Certificates are made at test time in a temp dir.
#include "app/serve.h"

#include <gtest/gtest.h>

#include "api/http_client.h"
#include "app/config.h"
#include "app/hub.h"
#include "testing/testing.h"
#include "testing/tls_files.h"

namespace hub::app {
namespace {

Config TlsConfig(const hub::testing::TempDir& dir, const hub::testing::TlsFiles& files) {
  Config config;
  config.server.listen = "127.0.0.1:0";
  config.store.data_dir = (dir.path() / "data").string();
  config.server.tls_cert_file = files.cert.string();
  config.server.tls_key_file = files.key.string();
  return config;
}

TEST(ServeTlsTest, KeyThatDoesNotMatchTheCertExitsNonZeroNamingTheKeyFile) {
  hub::testing::TempDir dir;
  const auto files = hub::testing::WriteTlsFiles(dir.path());
  Config config = TlsConfig(dir, files);
  config.server.tls_key_file = files.other_key.string();
  ::testing::internal::CaptureStderr();
  const int code = RunServe(config);
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(code, 1);
  EXPECT_NE(err.find("retailhub serve: "), std::string::npos) << err;
  EXPECT_NE(err.find(files.other_key.string() + " does not match the certificate in " +
                     files.cert.string()),
            std::string::npos)
      << err;
}

TEST(ServeTlsTest, UnreadableCertExitsNonZeroNamingTheCertFile) {
  hub::testing::TempDir dir;
  const auto files = hub::testing::WriteTlsFiles(dir.path());
  Config config = TlsConfig(dir, files);
  config.server.tls_cert_file = (dir.path() / "missing-cert.pem").string();
  ::testing::internal::CaptureStderr();
  const int code = RunServe(config);
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(code, 1);
  EXPECT_NE(err.find(config.server.tls_cert_file), std::string::npos) << err;
}

TEST(ServeTlsTest, HubServesHttpsWhenConfigured) {
  hub::testing::TempDir dir;
  const auto files = hub::testing::WriteTlsFiles(dir.path());
  auto hub = Hub::Open(TlsConfig(dir, files), SystemClock::Get());
  ASSERT_TRUE(hub) << hub.error().ToString();
  const auto started = (*hub)->Start();
  ASSERT_TRUE(started) << started.error().ToString();
  api::HttpConnection tls("127.0.0.1", (*hub)->port(), api::ClientTls{files.cert.string()});
  const auto response = tls.Call("GET", "/healthz");
  ASSERT_TRUE(response) << response.error().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_FALSE(api::HttpCall("127.0.0.1", (*hub)->port(), "GET", "/healthz", "", {}));
  (*hub)->Stop();
}

}  // namespace
}  // namespace hub::app
