// Big-endian integers as PostgreSQL's binary formats (COPY framing, type send functions) write them.
#pragma once

#include <arpa/inet.h>

#include <cstdint>
#include <cstring>

namespace sql2mongo {

inline int16_t Int16At(const char* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return static_cast<int16_t>(ntohs(v));
}

inline int32_t Int32At(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return static_cast<int32_t>(ntohl(v));
}

inline int64_t Int64At(const char* p) {
  uint64_t hi = static_cast<uint32_t>(Int32At(p));
  uint64_t lo = static_cast<uint32_t>(Int32At(p + 4));
  return static_cast<int64_t>((hi << 32) | lo);
}

}  // namespace sql2mongo
