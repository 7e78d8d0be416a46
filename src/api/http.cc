// Problem+json builders, the ErrorCode -> status table and percent decoding.
// Pure functions over values; thread-safe.
#include "api/http.h"

#include <boost/json.hpp>

namespace hub::api {
namespace {

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::optional<std::string> FindHeader(const HeaderList& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) {
      return value;
    }
  }
  return std::nullopt;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// "Request Header Fields Too Large" -> "request_header_fields_too_large".
std::string Slug(std::string_view title) {
  std::string out;
  bool pending_separator = false;
  for (const char c : title) {
    const char lower = AsciiLower(c);
    const bool alnum = (lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9');
    if (!alnum) {
      pending_separator = !out.empty();
      continue;
    }
    if (pending_separator) {
      out.push_back('_');
      pending_separator = false;
    }
    out.push_back(lower);
  }
  return out.empty() ? std::string("about_blank") : out;
}

}  // namespace

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) {
      return false;
    }
  }
  return true;
}

std::optional<std::string> HttpRequest::Header(std::string_view name) const {
  return FindHeader(headers, name);
}

std::optional<std::string> HttpResponse::Header(std::string_view name) const {
  return FindHeader(headers, name);
}

HttpResponse Json(int status, const boost::json::value& value) {
  HttpResponse response;
  response.status = status;
  response.body = boost::json::serialize(value);
  return response;
}

HttpResponse Problem(int status, std::string_view title, std::string_view detail,
                     std::string_view field, std::string_view type_suffix) {
  boost::json::object problem;
  std::string type(kProblemTypeBase);
  type += type_suffix.empty() ? Slug(title) : std::string(type_suffix);
  problem["type"] = type;
  problem["title"] = title;
  problem["status"] = status;
  problem["detail"] = detail;
  if (!field.empty()) {
    problem["field"] = field;
  }
  problem["request_id"] = "";
  HttpResponse response;
  response.status = status;
  response.body = boost::json::serialize(problem);
  response.content_type = std::string(kProblemContentType);
  return response;
}

int StatusForError(hub::ErrorCode code) {
  using hub::ErrorCode;
  switch (code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kParse:
    case ErrorCode::kPrecision:
      return 400;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kPermissionDenied:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kConflict:
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kFailedPrecondition:
      return 409;
    case ErrorCode::kTooLarge:
      return 413;
    case ErrorCode::kUnmapped:
    case ErrorCode::kUnbalanced:
    case ErrorCode::kClosedPeriod:
    case ErrorCode::kAmountMismatch:
      return 422;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kOverflow:
    case ErrorCode::kCurrencyMismatch:
    case ErrorCode::kInternal:
    case ErrorCode::kIo:
    case ErrorCode::kTimeout:
      return 500;
  }
  return 500;
}

HttpResponse ProblemFromError(const hub::Error& error) {
  const int status = StatusForError(error.code);
  const std::string_view detail =
      status == 500 ? std::string_view("an internal error occurred; quote the request_id")
                    : std::string_view(error.message);
  return Problem(status, StatusReason(status), detail, error.field, ErrorCodeName(error.code));
}

std::string_view StatusReason(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Unknown";
  }
}

std::optional<std::string> PercentDecode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '+' && plus_is_space) {
      out.push_back(' ');
      continue;
    }
    if (c != '%') {
      out.push_back(c);
      continue;
    }
    if (in.size() - i < 3) {
      return std::nullopt;
    }
    const int hi = HexValue(in[i + 1]);
    const int lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0) {
      return std::nullopt;
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

std::optional<std::map<std::string, std::string>> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) {
      continue;
    }
    const size_t eq = pair.find('=');
    auto key = PercentDecode(pair.substr(0, eq), /*plus_is_space=*/true);
    auto value =
        PercentDecode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1),
                      /*plus_is_space=*/true);
    if (!key || !value) {
      return std::nullopt;
    }
    out.emplace(std::move(*key), std::move(*value));
  }
  return out;
}

}  // namespace hub::api
