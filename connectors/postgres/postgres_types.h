// Decoding: PostgreSQL binary send-format values -> Value. Knows nothing of connections (the transport
// is postgres_binary_reader.h) and nothing of the catalog (postgres_catalog.h says which decoder a column
// gets). The table of what becomes what is in docs/types.md and in DecodePgValue below.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "sql2mongo/value.h"

namespace sql2mongo {

// How one value is decoded. Arrays carry their element's kind.
enum class PgValueKind {
  kBool,
  kInt2,
  kInt4,
  kInt8,
  kOid,
  kFloat4,
  kFloat8,
  kNumeric,
  kText,  // text, varchar, bpchar, name, enum labels, and every type read through its text form
  kChar,  // "char", the one-byte internal type
  kBytea,
  kUuid,
  kDate,
  kTimestamp,
  kTimestampTz,
  kTime,
  kTimeTz,
  kInterval,
  kJson,
  kJsonb,
  kArray,
};

struct PgDecoder {
  PgValueKind kind = PgValueKind::kText;
  PgValueKind element = PgValueKind::kText;  // for kArray
};

// The kind for a built-in scalar type OID; nullopt for arrays, domains, enums and anything else, which
// the catalog resolves.
std::optional<PgValueKind> BuiltinPgValueKind(uint32_t type_oid);

// Decodes `size` bytes (never NULL: the reader gives NULL as a negative size). kSourceError when the
// bytes do not have the shape the type's binary format promises.
Result<Value> DecodePgValue(const PgDecoder& decoder, const char* data, size_t size);

// The binary numeric format (base-10000 digits, weight, sign, display scale) as exact decimal text:
// "-12.50", "0.000001", "NaN", "Infinity". Exposed for tests.
Result<std::string> PgNumericToText(const char* data, size_t size);


}  // namespace sql2mongo
