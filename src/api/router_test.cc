// Router behaviour without a socket: which handler runs, which parameters it
// sees, and the exact problems for unknown paths, wrong methods and
// traversal attempts (a decoded ".." must never reach a handler).
#include "api/router.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <thread>

namespace hub::api {
namespace {

HttpResponse Text(std::string body) {
  HttpResponse response;
  response.body = std::move(body);
  response.content_type = "text/plain";
  return response;
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("GET", "/healthz", [](HttpRequest&) { return Text("health"); });
    router_.Add("POST", "/v1/webhooks/{source}/{account}", [](HttpRequest& r) {
      return Text("hook " + r.path_params.at("source") + " " + r.path_params.at("account"));
    });
    router_.Add("GET", "/v1/orders/{id}",
                [](HttpRequest& r) { return Text("order " + r.path_params.at("id")); });
    router_.Add("DELETE", "/v1/orders/{id}", [](HttpRequest&) { return Text("deleted"); });
    router_.Add("GET", "/v1/orders/search", [](HttpRequest&) { return Text("search"); });
    router_.Add("GET", "/v1/orders/{id}/timeline",
                [](HttpRequest& r) { return Text("timeline " + r.path_params.at("id")); });
    router_.Add("GET", "/", [](HttpRequest&) { return Text("root"); });
  }

  HttpResponse Call(std::string method, std::string path) {
    request_ = HttpRequest{};
    request_.method = std::move(method);
    request_.path = std::move(path);
    return router_.Dispatch(request_);
  }

  static boost::json::object Body(const HttpResponse& response) {
    EXPECT_EQ(response.content_type, "application/problem+json");
    return boost::json::parse(response.body).as_object();
  }

  Router router_;
  HttpRequest request_;
};

TEST_F(RouterTest, UnknownPathIs404Problem) {
  for (const char* path : {"/nope", "/v1/orders", "/v1/orders/1/timeline/x", "/healthz/"}) {
    const HttpResponse response = Call("GET", path);
    EXPECT_EQ(response.status, 404) << path;
    EXPECT_EQ(Body(response).at("type").as_string(), "https://retailhub.dev/problems/no_route");
  }
}

TEST_F(RouterTest, KnownPathWrongMethodIs405WithAllow) {
  const HttpResponse response = Call("PUT", "/v1/orders/42");
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(response.Header("Allow").value(), "DELETE, GET");
  EXPECT_EQ(Body(response).at("status").as_int64(), 405);
  EXPECT_EQ(Call("GET", "/v1/webhooks/shopify/acme").Header("allow").value(), "POST");
}

TEST_F(RouterTest, EmptyParameterSegmentDoesNotMatch) {
  EXPECT_EQ(Call("GET", "/v1/orders//timeline").status, 404);
  EXPECT_EQ(Call("POST", "/v1/webhooks//acme").status, 404);
  EXPECT_EQ(Call("POST", "/v1/webhooks/shopify/").status, 404);
}

TEST_F(RouterTest, TraversalAndNulAfterDecodingAre400) {
  for (const char* path : {"/v1/orders/..", "/v1/orders/%2e%2E/timeline", "/v1/orders/a..b",
                           "/v1/orders/..%2Fetc%2Fpasswd", "/v1/orders/x%00y", "/../healthz"}) {
    const HttpResponse response = Call("GET", path);
    EXPECT_EQ(response.status, 400) << path;
    EXPECT_EQ(Body(response).at("type").as_string(),
              "https://retailhub.dev/problems/path_traversal")
        << path;
  }
}

TEST_F(RouterTest, MalformedEscapeIs400) {
  const HttpResponse response = Call("GET", "/v1/orders/%zz");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(Body(response).at("type").as_string(),
            "https://retailhub.dev/problems/bad_path_encoding");
}

TEST_F(RouterTest, FillsDecodedParams) {
  EXPECT_EQ(Call("POST", "/v1/webhooks/shopify/acme%20eu").body, "hook shopify acme eu");
  EXPECT_EQ(request_.path_params.size(), 2u);
  // An encoded slash stays inside its segment.
  EXPECT_EQ(Call("GET", "/v1/orders/a%2Fb/timeline").body, "timeline a/b");
  EXPECT_EQ(Call("GET", "/v1/orders/42").body, "order 42");
}

TEST_F(RouterTest, LiteralSegmentBeatsParameter) {
  EXPECT_EQ(Call("GET", "/v1/orders/search").body, "search");
  EXPECT_EQ(Call("GET", "/v1/orders/searcher").body, "order searcher");
  // DELETE has only the parameter route, so "search" is an id there.
  EXPECT_EQ(Call("DELETE", "/v1/orders/search").body, "deleted");
}

TEST_F(RouterTest, RootAndExactLiterals) {
  EXPECT_EQ(Call("GET", "/").body, "root");
  EXPECT_EQ(Call("GET", "/healthz").body, "health");
  EXPECT_EQ(Call("GET", "/HEALTHZ").status, 404);  // paths are case-sensitive
}

TEST_F(RouterTest, RoutesListsRegistrationOrder) {
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"GET", "/healthz"},
      {"POST", "/v1/webhooks/{source}/{account}"},
      {"GET", "/v1/orders/{id}"},
      {"DELETE", "/v1/orders/{id}"},
      {"GET", "/v1/orders/search"},
      {"GET", "/v1/orders/{id}/timeline"},
      {"GET", "/"},
  };
  EXPECT_EQ(router_.Routes(), expected);
}

TEST_F(RouterTest, HandlerExceptionsPropagateToTheCaller) {
  router_.Add("GET", "/boom", [](HttpRequest&) -> HttpResponse { throw std::runtime_error("x"); });
  EXPECT_THROW(Call("GET", "/boom"), std::runtime_error);
}

TEST_F(RouterTest, AsyncRouteGetsParamsAndItsAnswerReachesDispatch) {
  router_.AddAsync("POST", "/v1/async/{id}", [](HttpRequest& r, Responder respond) {
    // Answered from another thread after the handler returned.
    std::thread([respond, id = r.path_params.at("id")] { respond(Text("async " + id)); }).detach();
  });
  EXPECT_EQ(Call("POST", "/v1/async/7").body, "async 7");
  EXPECT_EQ(Call("GET", "/v1/async/7").status, 405);
}

TEST_F(RouterTest, ResponderDeliversOnceAndA500WhenAbandoned) {
  std::vector<HttpResponse> delivered;
  {
    Responder respond([&](HttpResponse r) { delivered.push_back(std::move(r)); });
    Responder copy = respond;
    EXPECT_FALSE(copy.done());
    copy(Text("first"));
    respond(Text("second"));
    EXPECT_TRUE(respond.done());
  }
  {
    Responder abandoned([&](HttpResponse r) { delivered.push_back(std::move(r)); });
  }
  ASSERT_EQ(delivered.size(), 2U);
  EXPECT_EQ(delivered[0].body, "first");
  EXPECT_EQ(delivered[1].status, 500);
}

TEST(RouterDeathTest, DuplicateOrMalformedPatternAborts) {
  Router router;
  router.Add("GET", "/a/{id}", [](HttpRequest&) { return HttpResponse{}; });
  EXPECT_DEATH(router.Add("GET", "/a/{id}", [](HttpRequest&) { return HttpResponse{}; }),
               "invariant");
  EXPECT_DEATH(router.Add("GET", "no-slash", [](HttpRequest&) { return HttpResponse{}; }),
               "invariant");
  EXPECT_DEATH(router.Add("GET", "/a/{x}/{x}", [](HttpRequest&) { return HttpResponse{}; }),
               "invariant");
  EXPECT_DEATH(router.Add("GET", "/a//b", [](HttpRequest&) { return HttpResponse{}; }),
               "invariant");
}

}  // namespace
}  // namespace hub::api
