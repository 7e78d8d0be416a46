// Structured logging: one JSON object per line on stderr with a dotted event
// name, a level, the time and, when known, the correlation id. Callers pass
// fields explicitly; never raw PII or secrets (use MaskEmail/MaskPhone).
// Thread-safe: lines are written whole under a mutex.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hub::obs {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

using Fields = std::vector<std::pair<std::string_view, std::string>>;

void SetLogLevel(Level level);
void Log(Level level, std::string_view event, std::string_view correlation_id,
         const Fields& fields = {});
inline void Info(std::string_view event, std::string_view cid, const Fields& f = {}) {
  Log(Level::kInfo, event, cid, f);
}
inline void Warn(std::string_view event, std::string_view cid, const Fields& f = {}) {
  Log(Level::kWarn, event, cid, f);
}
inline void LogError(std::string_view event, std::string_view cid, const Fields& f = {}) {
  Log(Level::kError, event, cid, f);
}

// "ana.souza@example.com" -> "a***@example.com"; "+14155550134" -> "+1******0134".
std::string MaskEmail(std::string_view email);
std::string MaskPhone(std::string_view phone);

}  // namespace hub::obs
