// Private to bus/: shared row writers.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bus/bus.h"
#include "core/result.h"
#include "core/time.h"
#include "store/store.h"

namespace hub::bus::internal {

// [[name, value], …]: the stored form of a message's headers.
std::string HeadersToJson(const std::vector<std::pair<std::string, std::string>>& headers);
std::vector<std::pair<std::string, std::string>> HeadersFromJson(const std::string& json);

// The columns kMessageColumns selects, in that order, read into a message.
inline constexpr std::string_view kMessageColumns =
    "seq, id, source, account, topic, dedup_key, received_at, correlation_id, traceparent, "
    "headers, url, body";
RawMessage ReadMessage(const store::Statement& row);

Status InsertFailure(store::Connection& conn, const Clock& clock, std::string_view kind,
                     std::string_view stage, std::int64_t message_seq,
                     std::string_view correlation_id, std::string_view event_id,
                     std::string_view event_type, std::string_view reason_code,
                     std::string_view message, std::string_view field, std::string_view attempts,
                     bool finance);

}  // namespace hub::bus::internal
