// Router matching: split the still-encoded path on '/', decode each segment,
// reject traversal, then pick the most specific route whose shape fits.
// A linear scan: route tables are tens of entries, not thousands.
#include "api/router.h"

#include <algorithm>
#include <atomic>
#include <future>
#include <set>

#include "core/assert.h"

namespace hub::api {
namespace {

// "/a/b" -> {"a", "b"}; "/" -> {}; "/a/" -> {"a", ""}. Raw (encoded) views.
std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty() || path == "/") {
    return out;
  }
  if (path.front() == '/') {
    path.remove_prefix(1);
  }
  while (true) {
    const size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) {
      break;
    }
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool IsTraversal(std::string_view segment) {
  return segment.find("..") != std::string_view::npos ||
         segment.find('\0') != std::string_view::npos;
}

}  // namespace

struct Responder::State {
  explicit State(Deliver d) : deliver(std::move(d)) {}
  ~State() {
    if (!delivered.exchange(true)) {
      deliver(Problem(500, "Internal Server Error",
                      "the handler ended without an answer; quote the request_id", {}, "internal"));
    }
  }
  Deliver deliver;
  std::atomic<bool> delivered{false};
};

Responder::Responder(Deliver deliver) : state_(std::make_shared<State>(std::move(deliver))) {
  HUB_ASSERT(state_->deliver != nullptr);
}

void Responder::operator()(HttpResponse response) const {
  if (!state_->delivered.exchange(true)) {
    state_->deliver(std::move(response));
  }
}

bool Responder::done() const { return state_->delivered.load(); }

void Router::Add(std::string method, std::string pattern, Handler handler) {
  HUB_ASSERT(handler != nullptr);
  AddRoute(std::move(method), std::move(pattern), std::move(handler), nullptr);
}

void Router::AddAsync(std::string method, std::string pattern, AsyncHandler handler) {
  HUB_ASSERT(handler != nullptr);
  AddRoute(std::move(method), std::move(pattern), nullptr, std::move(handler));
}

void Router::AddRoute(std::string method, std::string pattern, Handler handler,
                      AsyncHandler async_handler) {
  HUB_ASSERT(!method.empty());
  HUB_ASSERT(!pattern.empty() && pattern.front() == '/');
  Route route{
      std::move(method), std::move(pattern), {}, std::move(handler), std::move(async_handler)};
  std::set<std::string> names;
  for (const std::string_view raw : SplitPath(route.pattern)) {
    HUB_ASSERT(!raw.empty());
    Segment segment;
    if (raw.front() == '{') {
      HUB_ASSERT(raw.size() > 2 && raw.back() == '}');
      segment.text = std::string(raw.substr(1, raw.size() - 2));
      segment.is_param = true;
      HUB_ASSERT(names.insert(segment.text).second);
    } else {
      HUB_ASSERT(raw.find_first_of("{}%") == std::string_view::npos);
      segment.text = std::string(raw);
    }
    route.segments.push_back(std::move(segment));
  }
  for (const Route& existing : routes_) {
    HUB_ASSERT(!(existing.method == route.method && existing.pattern == route.pattern));
  }
  routes_.push_back(std::move(route));
}

bool Router::Match(const Route& route, const std::vector<std::string>& segments,
                   std::map<std::string, std::string>& params) {
  if (route.segments.size() != segments.size()) {
    return false;
  }
  for (size_t i = 0; i < segments.size(); ++i) {
    const Segment& want = route.segments[i];
    if (want.is_param) {
      if (segments[i].empty()) {
        return false;
      }
    } else if (want.text != segments[i]) {
      return false;
    }
  }
  params.clear();
  for (size_t i = 0; i < segments.size(); ++i) {
    if (route.segments[i].is_param) {
      params[route.segments[i].text] = segments[i];
    }
  }
  return true;
}

bool Router::MoreSpecific(const Route& a, const Route& b) {
  for (size_t i = 0; i < a.segments.size() && i < b.segments.size(); ++i) {
    if (a.segments[i].is_param != b.segments[i].is_param) {
      return !a.segments[i].is_param;
    }
  }
  return false;
}

void Router::DispatchAsync(HttpRequest& request, const Responder& respond) const {
  HttpResponse problem;
  const Route* route = Find(request, problem);
  if (route == nullptr) {
    respond(std::move(problem));
  } else if (route->handler) {
    respond(route->handler(request));
  } else {
    route->async_handler(request, respond);
  }
}

HttpResponse Router::Dispatch(HttpRequest& request) const {
  std::promise<HttpResponse> answer;
  auto fut = answer.get_future();
  DispatchAsync(request, Responder([&answer](HttpResponse r) { answer.set_value(std::move(r)); }));
  return fut.get();
}

const Router::Route* Router::Find(HttpRequest& request, HttpResponse& problem) const {
  std::vector<std::string> segments;
  for (const std::string_view raw : SplitPath(request.path)) {
    auto decoded = PercentDecode(raw);
    if (!decoded) {
      problem = Problem(400, "Bad Request", "the path holds a malformed percent-escape", {},
                        "bad_path_encoding");
      return nullptr;
    }
    if (IsTraversal(*decoded)) {
      problem =
          Problem(400, "Bad Request", "a path segment holds '..' or NUL", {}, "path_traversal");
      return nullptr;
    }
    segments.push_back(std::move(*decoded));
  }

  // Among the routes for this method that fit, the most specific wins. Only
  // when none fits is the method checked against the other routes (405).
  const Route* best = nullptr;
  std::map<std::string, std::string> params;
  for (const Route& route : routes_) {
    if (route.method != request.method || !Match(route, segments, params)) {
      continue;
    }
    if (best == nullptr || MoreSpecific(route, *best)) {
      best = &route;
    }
  }
  if (best != nullptr) {
    Match(*best, segments, request.path_params);
    return best;
  }

  std::set<std::string> allowed;
  for (const Route& route : routes_) {
    if (Match(route, segments, params)) {
      allowed.insert(route.method);
    }
  }
  if (allowed.empty()) {
    problem = Problem(404, "Not Found", "no route for this path", {}, "no_route");
    return nullptr;
  }
  std::string allow;
  for (const std::string& method : allowed) {
    allow += allow.empty() ? method : ", " + method;
  }
  problem =
      Problem(405, "Method Not Allowed", request.method + " is not allowed here; use " + allow, {},
              "method_not_allowed");
  problem.headers.emplace_back("Allow", std::move(allow));
  return nullptr;
}

std::vector<std::pair<std::string, std::string>> Router::Routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(routes_.size());
  for (const Route& route : routes_) {
    out.emplace_back(route.method, route.pattern);
  }
  return out;
}

}  // namespace hub::api
