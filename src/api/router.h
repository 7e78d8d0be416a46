// Router: maps (method, path) to a handler. Patterns are literal segments and
// whole-segment parameters: "/v1/webhooks/{source}/{account}". Literal
// segments win over parameters ("/v1/orders/search" before "/v1/orders/{id}").
// Answers 404 (no route), 405 with Allow (path known, method not), 400 (bad
// escape, or a segment holding ".." or NUL after decoding: path traversal).
// Thread-safety: Add() only before serving; Dispatch() and Routes() are const
// and safe to call concurrently.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/http.h"

namespace hub::api {

class Router {
 public:
  using Handler = std::function<HttpResponse(HttpRequest&)>;

  // Registers a route. A malformed pattern or a duplicate (method, pattern)
  // is a programmer error and aborts (HUB_ASSERT).
  void Add(std::string method, std::string pattern, Handler handler);

  // Matches request.path, fills request.path_params and calls the handler,
  // or returns the 400/404/405 problem. Handler exceptions propagate.
  HttpResponse Dispatch(HttpRequest& request) const;

  // Registered (method, pattern) pairs in registration order.
  std::vector<std::pair<std::string, std::string>> Routes() const;

 private:
  struct Segment {
    std::string text;  // literal text, or the parameter name
    bool is_param = false;
  };
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<Segment> segments;
    Handler handler;
  };

  // True when `segments` (decoded) fit `route`; fills `params` on success.
  static bool Match(const Route& route, const std::vector<std::string>& segments,
                    std::map<std::string, std::string>& params);
  // True when `a` is more specific than `b` (a literal at the first
  // position where they differ).
  static bool MoreSpecific(const Route& a, const Route& b);

  std::vector<Route> routes_;
};

}  // namespace hub::api
