// Result<T>: a T or an Error, over tl::expected (std::expected is incomplete
// in g++ 12). Expected failures are values; exceptions are reserved for what
// ends the process. HUB_TRY propagates an error to the caller.
#pragma once

#include <tl/expected.hpp>
#include <utility>

#include "core/error.h"

namespace hub {

template <typename T>
using Result = tl::expected<T, Error>;

using Status = Result<void>;

inline tl::unexpected<Error> Fail(ErrorCode code, std::string message, std::string field = {}) {
  return tl::unexpected<Error>(Error(code, std::move(message), std::move(field)));
}
inline tl::unexpected<Error> Fail(Error e) { return tl::unexpected<Error>(std::move(e)); }

inline Status Ok() { return {}; }

}  // namespace hub

#define HUB_CONCAT_INNER_(a, b) a##b
#define HUB_CONCAT_(a, b) HUB_CONCAT_INNER_(a, b)

// Evaluates a Result expression; on error returns it from the enclosing function.
// The temporary's name is unique per expansion, so nested uses (a lambda
// inside the expression) do not shadow each other.
#define HUB_TRY_STATUS(expr) HUB_TRY_STATUS_IMPL_(expr, HUB_CONCAT_(hub_try_status_, __COUNTER__))
#define HUB_TRY_STATUS_IMPL_(expr, tmp)                \
  do {                                                 \
    auto tmp = (expr);                                 \
    if (!tmp) {                                        \
      return ::tl::unexpected(std::move(tmp).error()); \
    }                                                  \
  } while (false)

// HUB_TRY(auto x, Parse(...)); declares x from the value or returns the error.
#define HUB_TRY(decl, expr) HUB_TRY_IMPL_(decl, expr, HUB_CONCAT_(hub_try_, __COUNTER__))
#define HUB_TRY_IMPL_(decl, expr, tmp)               \
  auto tmp = (expr);                                 \
  if (!tmp) {                                        \
    return ::tl::unexpected(std::move(tmp).error()); \
  }                                                  \
  decl = std::move(*tmp)
