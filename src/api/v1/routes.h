// REST API v1: every /v1/… route over ReadModel, behind API keys (auth.h),
// a per-route permission table, PII masking (masking.h), Idempotency-Key on
// creating POSTs (idempotency.h), ETag/If-Match on failures and mappings,
// and audit_log entries for every change. Handlers stay thin: validation
// here, the work in ReadModel. Not here: webhooks and /metrics (the hub's).
// Thread-safety: handlers are safe to run concurrently (ReadModel and Auth are).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "api/router.h"
#include "api/v1/auth.h"
#include "api/v1/read_model.h"

namespace hub::api::v1 {

struct V1Options {
  // Request bodies above this are answered 413 before parsing: every v1 body
  // is a small JSON command, so a large one is a mistake or an attack.
  size_t body_bytes_max = 64 * 1024;
  // Upper bound of ?limit=, so one call cannot pull a whole table.
  int page_limit_max = 500;
};

// Who may call a route. kRead: viewer, finance, steward, admin. kFinance:
// finance, admin. kSteward: steward, admin. kAdmin: admin. The ingest role
// may call no v1 route.
enum class Access { kRead, kFinance, kSteward, kAdmin };

bool Allows(Access access, Role role);

struct RouteInfo {
  std::string method;
  std::string pattern;
  Access access = Access::kRead;
  bool creates = false;  // POST that needs an Idempotency-Key
};

// The v1 route table in registration order (tests iterate it).
std::vector<RouteInfo> V1Routes();

// Registers every V1Routes() entry on `router`. `model` and `auth` must outlive it.
void RegisterV1Routes(Router& router, ReadModel& model, Auth& auth, const V1Options& options);

// The OpenAPI 3.1 document (docs/openapi.yaml as JSON) served at /v1/openapi.json.
std::string_view OpenApiJson();

}  // namespace hub::api::v1
