// Router matching: split the still-encoded path on '/', decode each segment,
// reject traversal, then pick the most specific route whose shape fits.
// A linear scan: route tables are tens of entries, not thousands.
#include "api/router.h"

#include <algorithm>
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

void Router::Add(std::string method, std::string pattern, Handler handler) {
  HUB_ASSERT(!method.empty());
  HUB_ASSERT(!pattern.empty() && pattern.front() == '/');
  HUB_ASSERT(handler != nullptr);
  Route route{std::move(method), std::move(pattern), {}, std::move(handler)};
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

HttpResponse Router::Dispatch(HttpRequest& request) const {
  std::vector<std::string> segments;
  for (const std::string_view raw : SplitPath(request.path)) {
    auto decoded = PercentDecode(raw);
    if (!decoded) {
      return Problem(400, "Bad Request", "the path holds a malformed percent-escape", {},
                     "bad_path_encoding");
    }
    if (IsTraversal(*decoded)) {
      return Problem(400, "Bad Request", "a path segment holds '..' or NUL", {}, "path_traversal");
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
    return best->handler(request);
  }

  std::set<std::string> allowed;
  for (const Route& route : routes_) {
    if (Match(route, segments, params)) {
      allowed.insert(route.method);
    }
  }
  if (allowed.empty()) {
    return Problem(404, "Not Found", "no route for this path", {}, "no_route");
  }
  std::string allow;
  for (const std::string& method : allowed) {
    allow += allow.empty() ? method : ", " + method;
  }
  HttpResponse response =
      Problem(405, "Method Not Allowed", request.method + " is not allowed here; use " + allow, {},
              "method_not_allowed");
  response.headers.emplace_back("Allow", std::move(allow));
  return response;
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
