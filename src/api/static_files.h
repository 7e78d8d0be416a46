// Serves the built dashboard (dashboard/dist) from the hub: GET / answers
// index.html and GET /assets/{file} the hashed bundles Vite emits. Files are
// read per request, so rebuilding the dashboard needs no restart. Only plain
// file names directly under assets/ are served: no sub-folders, no dot files,
// no symlinks. Not here: directory listings, range requests, compression.
// Thread-safety: the registered handlers are stateless and safe to run
// concurrently.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string_view>

#include "api/router.h"

namespace hub::api {

// Largest file served; a bigger one is a broken build, answered with a 500.
inline constexpr std::uintmax_t kStaticFileBytesMax = 16 * 1024 * 1024;

// Registers GET / and GET /assets/{file} on `router`. When dist_dir holds no
// index.html both answer a 503 problem "dashboard not built: run make build".
void RegisterStaticRoutes(Router& router, std::filesystem::path dist_dir);

// Content-Type for a file name by its extension; application/octet-stream
// when unknown.
std::string_view ContentTypeForFile(std::string_view file_name);

// True for a name made of [A-Za-z0-9._-] only, not starting with '.', at most
// 255 bytes: safe to join to a directory without leaving it.
bool IsPlainFileName(std::string_view name);

}  // namespace hub::api
