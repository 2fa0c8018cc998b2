// Transport: the tuples of a `COPY ... TO STDOUT (FORMAT binary)` off the wire, as byte ranges.
// Knows nothing of types or values (postgres_types.h turns the bytes into Values), like DuckDB's
// postgres_binary_reader beside its parser.
//
// Why binary COPY for every scan: on the bench table (2 M narrow rows, 2 cores) it reads ~1.6 M rows/s
// with ~0.34 s of client CPU, single-row mode ~1.9 M rows/s but ~2.8x the client CPU (a PGresult per
// row), a cursor with FETCH 10000 ~1.0 M rows/s. The pipeline needs that CPU for building documents.
// Memory stays bounded: libpq hands over one row at a time.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <string>
#include <vector>

#include "postgres/postgres_handles.h"
#include "sql2mongo/status.h"

namespace sql2mongo {

// One field of the current tuple: `size` bytes at `data`, or SQL NULL when size < 0.
struct PgField {
  const char* data = nullptr;
  int32_t size = -1;
};

class PgBinaryCopyReader {
 public:
  PgBinaryCopyReader() = default;
  PgBinaryCopyReader(const PgBinaryCopyReader&) = delete;
  PgBinaryCopyReader& operator=(const PgBinaryCopyReader&) = delete;

  // Sends `copy_sql` on `conn` (which must stay open while reading) and waits for the COPY to start.
  // Fails with the server's message (a bad WHERE, a missing column) before any row is read.
  Status Start(PGconn* conn, const std::string& copy_sql);

  // Reads the next tuple into *fields (one per column, valid until the next call). Returns false after
  // the trailer and the command's successful completion. A connection lost mid-way, or a stream that
  // ends without the trailer, is an error: a short read is never taken for the end of the table.
  Result<bool> NextTuple(std::vector<PgField>* fields);

  bool finished() const { return finished_; }
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  Result<bool> NextMessage();
  Status Finish();

  PGconn* conn_ = nullptr;
  PgBuffer message_;
  const char* pos_ = nullptr;
  const char* end_ = nullptr;
  bool header_read_ = false;
  bool trailer_read_ = false;
  bool finished_ = false;
  uint64_t bytes_read_ = 0;
};

}  // namespace sql2mongo
