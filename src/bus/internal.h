// Private to bus/: shared row writers.
#pragma once

#include <string_view>

#include "core/result.h"
#include "core/time.h"
#include "store/store.h"

namespace hub::bus::internal {

Status InsertFailure(store::Connection& conn, const Clock& clock, std::string_view kind,
                     std::string_view stage, std::int64_t message_seq,
                     std::string_view correlation_id, std::string_view event_id,
                     std::string_view event_type, std::string_view reason_code,
                     std::string_view message, std::string_view field, std::string_view attempts,
                     bool finance);

}  // namespace hub::bus::internal
