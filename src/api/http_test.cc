// Pins the wire contract of problem+json (member names, type URLs, the
// ErrorCode -> status table) and of percent decoding, which the router's
// path-traversal check depends on.
#include "api/http.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace hub::api {
namespace {

boost::json::object ParseObject(const std::string& body) {
  return boost::json::parse(body).as_object();
}

TEST(PercentDecodeTest, RejectsMalformedEscapes) {
  for (const char* bad : {"%", "%4", "%zz", "a%g1", "%%41"}) {
    EXPECT_FALSE(PercentDecode(bad).has_value()) << bad;
  }
}

TEST(PercentDecodeTest, DecodesEscapesAndOptionallyPlus) {
  EXPECT_EQ(PercentDecode("a%2Fb%20c+d").value(), "a/b c+d");
  EXPECT_EQ(PercentDecode("a+b", /*plus_is_space=*/true).value(), "a b");
  EXPECT_EQ(PercentDecode("%2e%2E").value(), "..");
  EXPECT_EQ(PercentDecode("x%00y").value(), std::string("x\0y", 3));
  EXPECT_EQ(PercentDecode("").value(), "");
}

TEST(ParseQueryTest, MalformedEscapeFails) { EXPECT_FALSE(ParseQuery("a=%zz").has_value()); }

TEST(ParseQueryTest, DecodesPairsAndKeepsFirstOfRepeatedKeys) {
  const auto query = ParseQuery("a=1&b=x%20y&&c&a=2&d=p+q").value();
  EXPECT_EQ(query.at("a"), "1");
  EXPECT_EQ(query.at("b"), "x y");
  EXPECT_EQ(query.at("c"), "");
  EXPECT_EQ(query.at("d"), "p q");
  EXPECT_EQ(query.size(), 4u);
}

TEST(HttpRequestTest, HeaderLookupIgnoresCase) {
  HttpRequest request;
  request.headers = {{"Content-Type", "text/plain"}, {"X-Request-Id", "a"}, {"x-request-id", "b"}};
  EXPECT_EQ(request.Header("content-type").value(), "text/plain");
  EXPECT_EQ(request.Header("X-REQUEST-ID").value(), "a");
  EXPECT_FALSE(request.Header("Accept").has_value());
}

TEST(ProblemTest, HasRfc9457MembersAndSlugType) {
  const HttpResponse response =
      Problem(422, "Unprocessable Content", "amount is negative", "lines[0].amount");
  EXPECT_EQ(response.status, 422);
  EXPECT_EQ(response.content_type, "application/problem+json");
  const auto body = ParseObject(response.body);
  EXPECT_EQ(body.at("type").as_string(), "https://retailhub.dev/problems/unprocessable_content");
  EXPECT_EQ(body.at("title").as_string(), "Unprocessable Content");
  EXPECT_EQ(body.at("status").as_int64(), 422);
  EXPECT_EQ(body.at("detail").as_string(), "amount is negative");
  EXPECT_EQ(body.at("field").as_string(), "lines[0].amount");
  EXPECT_TRUE(body.contains("request_id"));
}

TEST(ProblemTest, OmitsEmptyFieldAndHonoursTypeSuffix) {
  const auto body = ParseObject(Problem(404, "Not Found", "no order 7", {}, "order_missing").body);
  EXPECT_FALSE(body.contains("field"));
  EXPECT_EQ(body.at("type").as_string(), "https://retailhub.dev/problems/order_missing");
}

TEST(ProblemFromErrorTest, MapsEveryCodeToItsStatus) {
  struct Case {
    ErrorCode code;
    int status;
  };
  const Case cases[] = {
      {ErrorCode::kInvalidArgument, 400},
      {ErrorCode::kParse, 400},
      {ErrorCode::kPrecision, 400},
      {ErrorCode::kUnauthenticated, 401},
      {ErrorCode::kPermissionDenied, 403},
      {ErrorCode::kNotFound, 404},
      {ErrorCode::kConflict, 409},
      {ErrorCode::kAlreadyExists, 409},
      {ErrorCode::kFailedPrecondition, 409},
      {ErrorCode::kTooLarge, 413},
      {ErrorCode::kUnmapped, 422},
      {ErrorCode::kUnbalanced, 422},
      {ErrorCode::kClosedPeriod, 422},
      {ErrorCode::kAmountMismatch, 422},
      {ErrorCode::kUnavailable, 503},
      {ErrorCode::kInternal, 500},
      {ErrorCode::kIo, 500},
      {ErrorCode::kOverflow, 500},
      {ErrorCode::kCurrencyMismatch, 500},
      {ErrorCode::kTimeout, 500},
  };
  for (const Case& c : cases) {
    const HttpResponse response = ProblemFromError(Error(c.code, "msg", "f"));
    EXPECT_EQ(response.status, c.status) << ErrorCodeName(c.code);
    const auto body = ParseObject(response.body);
    EXPECT_EQ(body.at("status").as_int64(), c.status);
    EXPECT_EQ(body.at("type").as_string(),
              std::string(kProblemTypeBase) + std::string(ErrorCodeName(c.code)));
    EXPECT_EQ(body.at("field").as_string(), "f");
  }
}

TEST(ProblemFromErrorTest, HidesInternalMessagesButKeepsClientOnes) {
  const auto internal =
      ParseObject(ProblemFromError(Error(ErrorCode::kInternal, "sqlite: /var/db locked")).body);
  EXPECT_EQ(internal.at("detail").as_string().find("sqlite"), std::string::npos);
  const auto client = ParseObject(
      ProblemFromError(Error(ErrorCode::kUnmapped, "no mapping for tender 'gift'")).body);
  EXPECT_EQ(client.at("detail").as_string(), "no mapping for tender 'gift'");
  EXPECT_EQ(client.at("title").as_string(), "Unprocessable Content");
}

TEST(JsonTest, SerializesWithJsonContentType) {
  const HttpResponse response = Json(201, boost::json::object{{"id", "o-1"}});
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(response.body, R"({"id":"o-1"})");
}

}  // namespace
}  // namespace hub::api
