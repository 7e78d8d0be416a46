// Dashboard file serving; see static_files.h. Every answer carries
// X-Content-Type-Options: nosniff; index.html is revalidated on each load
// (it names the current hashed bundles), assets are immutable for a year.
#include "api/static_files.h"

#include <array>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <utility>

namespace hub::api {
namespace {

constexpr std::string_view kIndexCacheControl = "no-cache";
constexpr std::string_view kAssetCacheControl = "public, max-age=31536000, immutable";
// The bundle loads only from this origin; inline style attributes are set by
// the charts, so style-src allows them.
constexpr std::string_view kIndexCsp =
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'";
constexpr std::size_t kFileNameBytesMax = 255;

struct Extension {
  std::string_view suffix;
  std::string_view content_type;
};

constexpr std::array<Extension, 13> kExtensions{{
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".map", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".webp", "image/webp"},
    {".woff2", "font/woff2"},
    {".woff", "font/woff"},
    {".txt", "text/plain; charset=utf-8"},
}};

HttpResponse NotBuilt() {
  return Problem(503, "Dashboard not built",
                 "dashboard not built: run make build (or set RETAILHUB_DASHBOARD_DIR)", {},
                 "dashboard_not_built");
}

HttpResponse NoSuchAsset() {
  return Problem(404, "Not Found", "no such dashboard file", {}, "not_found");
}

bool IsBuilt(const std::filesystem::path& dist_dir) {
  std::error_code ec;
  return std::filesystem::is_regular_file(dist_dir / "index.html", ec);
}

// Answers the file at `path` when it is a regular file (not a symlink) of at
// most kStaticFileBytesMax; 404 otherwise.
HttpResponse ServeFile(const std::filesystem::path& path, std::string_view cache_control) {
  std::error_code ec;
  const std::filesystem::file_status status = std::filesystem::symlink_status(path, ec);
  if (ec || status.type() != std::filesystem::file_type::regular) {
    return NoSuchAsset();
  }
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) {
    return NoSuchAsset();
  }
  if (size > kStaticFileBytesMax) {
    return Problem(500, "Internal Server Error", "dashboard file too large");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return NoSuchAsset();
  }
  HttpResponse response;
  response.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (in.bad()) {
    return Problem(500, "Internal Server Error", "dashboard file could not be read");
  }
  response.content_type = std::string(ContentTypeForFile(path.filename().string()));
  response.headers.emplace_back("Cache-Control", std::string(cache_control));
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return response;
}

}  // namespace

std::string_view ContentTypeForFile(std::string_view file_name) {
  for (const Extension& ext : kExtensions) {
    if (file_name.size() > ext.suffix.size() && file_name.ends_with(ext.suffix)) {
      return ext.content_type;
    }
  }
  return "application/octet-stream";
}

bool IsPlainFileName(std::string_view name) {
  if (name.empty() || name.size() > kFileNameBytesMax || name.front() == '.') {
    return false;
  }
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) {
      return false;
    }
  }
  return true;
}

void RegisterStaticRoutes(Router& router, std::filesystem::path dist_dir) {
  router.Add("GET", "/", [dist_dir](HttpRequest&) {
    if (!IsBuilt(dist_dir)) {
      return NotBuilt();
    }
    HttpResponse response = ServeFile(dist_dir / "index.html", kIndexCacheControl);
    if (response.status == 200) {
      response.headers.emplace_back("Content-Security-Policy", std::string(kIndexCsp));
      response.headers.emplace_back("Referrer-Policy", "no-referrer");
    }
    return response;
  });
  router.Add("GET", "/assets/{file}", [dist_dir = std::move(dist_dir)](HttpRequest& request) {
    if (!IsBuilt(dist_dir)) {
      return NotBuilt();
    }
    const std::string& file = request.path_params.at("file");
    if (!IsPlainFileName(file)) {
      return NoSuchAsset();
    }
    return ServeFile(dist_dir / "assets" / file, kAssetCacheControl);
  });
}

}  // namespace hub::api
