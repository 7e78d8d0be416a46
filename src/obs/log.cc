#include "obs/log.h"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>

#include "core/time.h"

namespace hub::obs {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::mutex g_mu;

void AppendJsonString(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<int>(c));
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

const char* LevelName(Level l) {
  switch (l) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

}  // namespace

void SetLogLevel(Level level) { g_level.store(static_cast<int>(level)); }

void Log(Level level, std::string_view event, std::string_view correlation_id,
         const Fields& fields) {
  if (static_cast<int>(level) < g_level.load(std::memory_order_relaxed)) {
    return;
  }
  std::string line = "{\"ts\":";
  AppendJsonString(line, FormatRfc3339(SystemClock::Get().Now()));
  line += ",\"level\":";
  AppendJsonString(line, LevelName(level));
  line += ",\"event\":";
  AppendJsonString(line, event);
  if (!correlation_id.empty()) {
    line += ",\"correlation_id\":";
    AppendJsonString(line, correlation_id);
  }
  for (const auto& [k, v] : fields) {
    line.push_back(',');
    AppendJsonString(line, k);
    line.push_back(':');
    AppendJsonString(line, v);
  }
  line += "}\n";
  std::lock_guard lock(g_mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

std::string MaskEmail(std::string_view email) {
  const auto at = email.find('@');
  if (at == std::string_view::npos || at == 0) {
    return "***";
  }
  return fmt::format("{}***{}", email.substr(0, 1), email.substr(at));
}

std::string MaskPhone(std::string_view phone) {
  if (phone.size() <= 6) {
    return "***";
  }
  // Keep the "+" and country code's first digit and the last four digits.
  const std::size_t head = phone[0] == '+' ? 2 : 1;
  std::string out(phone.substr(0, head));
  out.append(phone.size() - head - 4, '*');
  out.append(phone.substr(phone.size() - 4));
  return out;
}

}  // namespace hub::obs
