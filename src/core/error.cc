#include "core/error.h"

#include <fmt/format.h>

namespace hub {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kParse:
      return "parse_error";
    case ErrorCode::kOverflow:
      return "overflow";
    case ErrorCode::kCurrencyMismatch:
      return "currency_mismatch";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kAlreadyExists:
      return "already_exists";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kPermissionDenied:
      return "permission_denied";
    case ErrorCode::kUnauthenticated:
      return "unauthenticated";
    case ErrorCode::kInternal:
      return "internal";
    case ErrorCode::kFailedPrecondition:
      return "failed_precondition";
    case ErrorCode::kUnbalanced:
      return "unbalanced";
    case ErrorCode::kClosedPeriod:
      return "closed_period";
    case ErrorCode::kUnmapped:
      return "unmapped";
    case ErrorCode::kTooLarge:
      return "too_large";
    case ErrorCode::kIo:
      return "io_error";
    case ErrorCode::kPrecision:
      return "excess_precision";
    case ErrorCode::kAmountMismatch:
      return "amount_mismatch";
    case ErrorCode::kTimeout:
      return "timeout";
  }
  return "unknown";
}

std::string Error::ToString() const {
  if (field.empty()) {
    return fmt::format("{}: {}", ErrorCodeName(code), message);
  }
  return fmt::format("{}: {} (at {})", ErrorCodeName(code), message, field);
}

}  // namespace hub
