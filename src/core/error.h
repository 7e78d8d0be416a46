// Error: the value every fallible operation returns on failure.
// ErrorCode values are stable: they appear in problem+json bodies, the DLQ and
// the exception queue, so existing numbers and names are never changed, only
// appended. Error is a plain value type; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hub {

enum class ErrorCode : std::uint16_t {
  kInvalidArgument = 1,      // input is malformed or out of its domain
  kParse = 2,                // a document could not be parsed (JSON, TOML, CSV, decimal)
  kOverflow = 3,             // arithmetic would leave the int64 range
  kCurrencyMismatch = 4,     // two amounts in different currencies met
  kNotFound = 5,             // the named thing does not exist
  kAlreadyExists = 6,        // same id, same content: idempotent repeat
  kConflict = 7,             // same id, different content
  kUnavailable = 8,          // transient: retry later (store busy, downstream 5xx)
  kPermissionDenied = 9,     // authenticated but not allowed
  kUnauthenticated = 10,     // missing or bad credentials / signature
  kInternal = 11,            // a bug or an environment failure
  kFailedPrecondition = 12,  // the state does not allow the operation
  kUnbalanced = 13,          // a journal entry does not balance
  kClosedPeriod = 14,        // posting into a closed accounting period
  kUnmapped = 15,            // no mapping for a tender, tax code, account, location
  kTooLarge = 16,            // a payload or value exceeds a configured limit
  kIo = 17,                  // file or socket error
  kPrecision = 18,           // more decimals than the currency allows
  kAmountMismatch = 19,      // figures that must agree do not
  kTimeout = 20,             // a deadline passed
};

// Stable snake_case name, used in JSON and logs ("currency_mismatch").
std::string_view ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;  // for a person: what went wrong and, if known, what to do
  std::string field;    // the JSON path, config key or column at fault; may be empty

  Error() = default;
  Error(ErrorCode c, std::string msg, std::string fld = {})
      : code(c), message(std::move(msg)), field(std::move(fld)) {}

  // True for failures worth retrying (kUnavailable, kTimeout).
  bool transient() const { return code == ErrorCode::kUnavailable || code == ErrorCode::kTimeout; }
  std::string ToString() const;
};

}  // namespace hub
