// Transport-neutral HTTP request/response values shared by the router, the
// server and the client, plus RFC 9457 problem+json builders and percent
// decoding. No Beast here: handlers and their tests compile without it.
// Plain value types; thread-compatible. The free functions are thread-safe.
#pragma once

#include <boost/json/fwd.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace hub::api {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // as sent, e.g. "GET"; methods are case-sensitive
  std::string target;  // raw request-target, e.g. "/v1/orders/a%2Fb?x=1"
  // Path part of `target`, still percent-encoded so that an encoded '/' stays
  // inside its segment; the router decodes segment by segment.
  std::string path;
  std::map<std::string, std::string> query;  // decoded; the first of repeated keys wins
  HeaderList headers;                        // in arrival order, names as sent
  std::string body;
  std::map<std::string, std::string> path_params;  // decoded, filled by the router
  std::string request_id;                          // filled by the server
  std::string remote;                              // "ip:port" of the peer

  // The first header called `name`, compared case-insensitively.
  std::optional<std::string> Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  // Extra headers. Content-Length, Transfer-Encoding, Connection and
  // X-Request-Id are owned by the server and ignored here; a name that is not
  // a token or a value holding CR, LF or NUL turns the answer into a 500.
  HeaderList headers;
  std::string body;
  std::string content_type = "application/json";

  // The first header called `name`, compared case-insensitively.
  std::optional<std::string> Header(std::string_view name) const;
};

inline constexpr std::string_view kProblemContentType = "application/problem+json";
inline constexpr std::string_view kProblemTypeBase = "https://retailhub.dev/problems/";

// `value` serialized as application/json.
HttpResponse Json(int status, const boost::json::value& value);

// RFC 9457 problem: {"type": kProblemTypeBase + (type_suffix or the title as
// snake_case), "title", "status", "detail", "field" (when not empty),
// "request_id"}. request_id is left empty: the server fills it in.
HttpResponse Problem(int status, std::string_view title, std::string_view detail,
                     std::string_view field = {}, std::string_view type_suffix = {});

// Maps an Error to a problem; the type suffix is ErrorCodeName(code). For a
// 500 the message is replaced by a generic detail: internal errors may carry
// paths or SQL that a caller must not see (the request id links to the log).
HttpResponse ProblemFromError(const hub::Error& error);

// The HTTP status an ErrorCode maps to (400, 404, 409, 422, 500, ...).
int StatusForError(hub::ErrorCode code);

// Standard reason phrase ("Not Found"); "Unknown" for unlisted codes.
std::string_view StatusReason(int status);

// Decodes %XX escapes (and '+' as space when `plus_is_space`, as in query
// strings). nullopt for a truncated or non-hex escape.
std::optional<std::string> PercentDecode(std::string_view in, bool plus_is_space = false);

// Parses "a=1&b=x%20y" into decoded pairs; the first of repeated keys wins.
// nullopt when an escape is malformed.
std::optional<std::map<std::string, std::string>> ParseQuery(std::string_view query);

// ASCII case-insensitive equality, for header names and tokens.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace hub::api
