// Router: maps (method, path) to a handler. Patterns are literal segments and
// whole-segment parameters: "/v1/webhooks/{source}/{account}". Literal
// segments win over parameters ("/v1/orders/search" before "/v1/orders/{id}").
// Answers 404 (no route), 405 with Allow (path known, method not), 400 (bad
// escape, or a segment holding ".." or NUL after decoding: path traversal).
// An asynchronous route answers through a Responder, from any thread and at
// any later time, so a handler that waits (for a group commit, say) holds no
// I/O thread meanwhile.
// Thread-safety: Add() only before serving; Dispatch() and Routes() are const
// and safe to call concurrently.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/http.h"

namespace hub::api {

// Delivers one response. Copies share one slot: the first call wins and
// later calls are ignored. If every copy is destroyed without a call, the
// `abandoned` answer (a 500) is delivered instead, so a handler bug cannot
// leave a client waiting forever.
class Responder {
 public:
  using Deliver = std::function<void(HttpResponse)>;
  explicit Responder(Deliver deliver);
  void operator()(HttpResponse response) const;
  // True once a response was delivered.
  bool done() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

class Router {
 public:
  using Handler = std::function<HttpResponse(HttpRequest&)>;
  // Must eventually call the Responder once; `request` is only valid until
  // the handler returns (copy what the answer needs).
  using AsyncHandler = std::function<void(HttpRequest&, Responder)>;

  // Registers a route. A malformed pattern or a duplicate (method, pattern)
  // is a programmer error and aborts (HUB_ASSERT).
  void Add(std::string method, std::string pattern, Handler handler);
  void AddAsync(std::string method, std::string pattern, AsyncHandler handler);

  // Matches request.path, fills request.path_params and calls the handler
  // (or the 400/404/405 problem) with `respond`. Handler exceptions
  // propagate; the caller answers them only if `respond.done()` is false.
  void DispatchAsync(HttpRequest& request, const Responder& respond) const;

  // The same, waiting for an asynchronous handler's answer (tests, tools).
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
    Handler handler;  // exactly one of the two is set
    AsyncHandler async_handler;
  };

  void AddRoute(std::string method, std::string pattern, Handler handler,
                AsyncHandler async_handler);
  // The answer when no route fits (400/404/405), or nullptr and the route.
  const Route* Find(HttpRequest& request, HttpResponse& problem) const;

  // True when `segments` (decoded) fit `route`; fills `params` on success.
  static bool Match(const Route& route, const std::vector<std::string>& segments,
                    std::map<std::string, std::string>& params);
  // True when `a` is more specific than `b` (a literal at the first
  // position where they differ).
  static bool MoreSpecific(const Route& a, const Route& b);

  std::vector<Route> routes_;
};

}  // namespace hub::api
