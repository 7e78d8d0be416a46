// Dashboard serving without a socket: the 503 when dist is missing, content
// types and cache headers of index.html and assets, and every way out of
// dist/assets refused (encoded slashes, dot files, sub-folders, symlinks).
#include "api/static_files.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "testing/testing.h"

namespace hub::api {
namespace {

namespace fs = std::filesystem;

void WriteFile(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << content;
}

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dist_ = temp_.path() / "dist";
    RegisterStaticRoutes(router_, dist_);
  }

  void Build() {
    WriteFile(dist_ / "index.html", "<!doctype html><title>RetailHub</title>");
    WriteFile(dist_ / "assets" / "index-abc123.js", "console.log(1)");
    WriteFile(dist_ / "assets" / "index-abc123.css", "body{}");
    WriteFile(temp_.path() / "secret.txt", "top secret");
  }

  HttpResponse Get(std::string path) {
    request_ = HttpRequest{};
    request_.method = "GET";
    request_.path = std::move(path);
    return router_.Dispatch(request_);
  }

  static std::string Detail(const HttpResponse& response) {
    return std::string(boost::json::parse(response.body).at("detail").as_string());
  }

  hub::testing::TempDir temp_;
  fs::path dist_;
  Router router_;
  HttpRequest request_;
};

TEST_F(StaticFilesTest, MissingDistAnswers503WithBuildHint) {
  for (const char* path : {"/", "/assets/index-abc123.js"}) {
    const HttpResponse response = Get(path);
    EXPECT_EQ(response.status, 503) << path;
    EXPECT_EQ(response.content_type, kProblemContentType) << path;
    EXPECT_NE(Detail(response).find("dashboard not built: run make build"), std::string::npos);
  }
}

TEST_F(StaticFilesTest, MissingAssetIs404Problem) {
  Build();
  const HttpResponse response = Get("/assets/nope.js");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.content_type, kProblemContentType);
}

TEST_F(StaticFilesTest, RefusesAnythingButAPlainFileName) {
  Build();
  WriteFile(dist_ / "assets" / ".hidden", "x");
  WriteFile(dist_ / "assets" / "sub" / "a.js", "x");
  fs::create_symlink(temp_.path() / "secret.txt", dist_ / "assets" / "link.txt");
  for (const char* path : {"/assets/.hidden", "/assets/sub%2Fa.js", "/assets/sub",
                           "/assets/link.txt", "/assets/%2E%2E%2Fsecret.txt",
                           "/assets/..%2F..%2Fsecret.txt", "/assets/a%5Cb.js", "/assets/%00"}) {
    const HttpResponse response = Get(path);
    EXPECT_TRUE(response.status == 404 || response.status == 400) << path << " " << response.status;
    EXPECT_EQ(response.body.find("top secret"), std::string::npos) << path;
    EXPECT_NE(response.body, "x") << path;
  }
  // A ".." segment never reaches the handler: the router answers 400.
  EXPECT_EQ(Get("/assets/..").status, 400);
  EXPECT_EQ(Get("/assets/%2E%2E").status, 400);
}

TEST_F(StaticFilesTest, ServesIndexRevalidatedWithCsp) {
  Build();
  const HttpResponse response = Get("/");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "<!doctype html><title>RetailHub</title>");
  EXPECT_EQ(response.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(response.Header("cache-control"), "no-cache");
  EXPECT_EQ(response.Header("X-Content-Type-Options"), "nosniff");
  ASSERT_TRUE(response.Header("Content-Security-Policy").has_value());
  EXPECT_NE(response.Header("Content-Security-Policy")->find("default-src 'self'"),
            std::string::npos);
}

TEST_F(StaticFilesTest, ServesHashedAssetsImmutable) {
  Build();
  const HttpResponse js = Get("/assets/index-abc123.js");
  ASSERT_EQ(js.status, 200);
  EXPECT_EQ(js.body, "console.log(1)");
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(js.Header("Cache-Control"), "public, max-age=31536000, immutable");
  const HttpResponse css = Get("/assets/index-abc123.css");
  ASSERT_EQ(css.status, 200);
  EXPECT_EQ(css.content_type, "text/css; charset=utf-8");
}

TEST_F(StaticFilesTest, OtherMethodsAre405) {
  Build();
  request_ = HttpRequest{};
  request_.method = "POST";
  request_.path = "/assets/index-abc123.js";
  EXPECT_EQ(router_.Dispatch(request_).status, 405);
}

TEST(ContentTypeForFileTest, ByExtension) {
  struct Case {
    const char* name;
    const char* type;
  };
  for (const Case& c :
       {Case{"a.js", "text/javascript; charset=utf-8"}, Case{"a.css", "text/css; charset=utf-8"},
        Case{"a.svg", "image/svg+xml"}, Case{"a.woff2", "font/woff2"},
        Case{"a.map", "application/json"}, Case{".js", "application/octet-stream"},
        Case{"a.exe", "application/octet-stream"}, Case{"js", "application/octet-stream"}}) {
    EXPECT_EQ(ContentTypeForFile(c.name), c.type) << c.name;
  }
}

TEST(IsPlainFileNameTest, AcceptsOnlySafeNames) {
  EXPECT_TRUE(IsPlainFileName("index-B1x_9.js"));
  for (const char* bad : {"", ".", "..", ".env", "a/b", "a\\b", "a b", "a:b", "%2e", "\xc3\xa9"}) {
    EXPECT_FALSE(IsPlainFileName(bad)) << bad;
  }
  EXPECT_FALSE(IsPlainFileName(std::string(256, 'a')));
  EXPECT_TRUE(IsPlainFileName(std::string(255, 'a')));
}

}  // namespace
}  // namespace hub::api
