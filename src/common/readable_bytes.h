// A size for people: "812 bytes", "5.8 KiB", "20.3 MiB".
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <string>

namespace sql2mongo {

inline std::string ReadableBytes(uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} bytes", bytes);
  if (bytes < (1u << 20)) return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / 1024);
  return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1 << 20));
}

}  // namespace sql2mongo
