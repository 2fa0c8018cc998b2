// Unix milliseconds as the UTC text messages and the job state show ("2026-12-01T02:15:03Z").
#pragma once

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <cstdint>
#include <ctime>
#include <string>

namespace sql2mongo {

// `format` as strftime spells it; the default is ISO 8601 to the second.
inline std::string UtcText(int64_t unix_millis, const char* format = "%Y-%m-%dT%H:%M:%SZ") {
  std::time_t seconds = static_cast<std::time_t>(unix_millis / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];
  std::strftime(text, sizeof(text), format, &utc);
  return text;
}

}  // namespace sql2mongo
