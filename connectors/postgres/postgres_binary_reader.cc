#include "postgres/postgres_binary_reader.h"
#include "postgres/postgres_wire.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <cstring>

#include "postgres/postgres_connection.h"

namespace sql2mongo {
namespace {

// "PGCOPY\n\377\r\n\0": the signature that opens every binary COPY stream.
constexpr char kSignature[] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', '\377', '\r', '\n', '\0'};
constexpr size_t kSignatureSize = sizeof(kSignature);

Status Malformed(const std::string& what) {
  return Status::Error(StatusCode::kSourceError, "malformed binary COPY stream: " + what);
}

}  // namespace

Status PgBinaryCopyReader::Start(PGconn* conn, const std::string& copy_sql) {
  conn_ = conn;
  if (!PQsendQuery(conn, copy_sql.c_str()))
    return Status::Error(StatusCode::kSourceError, PgErrorText(conn, nullptr));
  PgResult result(PQgetResult(conn));
  if (result && PQresultStatus(result.get()) == PGRES_COPY_OUT) return Status::Ok();
  Status error = Status::Error(StatusCode::kSourceError, PgErrorText(conn, result.get()));
  // Drain what is left of the failed command so the connection's state is known.
  while (PgResult(PQgetResult(conn))) {
  }
  finished_ = true;
  return error;
}

Result<bool> PgBinaryCopyReader::NextMessage() {
  char* raw = nullptr;
  int size = PQgetCopyData(conn_, &raw, /*async=*/0);
  if (size > 0) {
    message_.reset(raw);
    pos_ = raw;
    end_ = raw + size;
    bytes_read_ += static_cast<uint64_t>(size);
    return true;
  }
  if (size == -1) {  // the COPY is over: its final result says whether it succeeded
    S2M_RETURN_IF_ERROR(Finish());
    return false;
  }
  finished_ = true;
  return Status::Error(StatusCode::kSourceError, PgErrorText(conn_, nullptr));
}

Status PgBinaryCopyReader::Finish() {
  finished_ = true;
  PgResult result(PQgetResult(conn_));
  Status status;
  if (!result || PQresultStatus(result.get()) != PGRES_COMMAND_OK)
    status = Status::Error(StatusCode::kSourceError, PgErrorText(conn_, result.get()));
  while (PgResult(PQgetResult(conn_))) {
  }
  if (status.ok() && !trailer_read_) status = Malformed("the stream ended before its trailer");
  return status;
}

Result<bool> PgBinaryCopyReader::NextTuple(std::vector<PgField>* fields) {
  if (finished_) return false;
  // The server sends one CopyData message per tuple (the header travels with the first, the trailer
  // alone), which libpq returns whole: a tuple never spans two buffers.
  if (pos_ == end_) {
    S2M_ASSIGN_OR_RETURN(bool more, NextMessage());
    if (!more) return false;
  }
  if (!header_read_) {
    if (end_ - pos_ < static_cast<ptrdiff_t>(kSignatureSize + 8) || std::memcmp(pos_, kSignature, kSignatureSize) != 0)
      return Malformed("no PGCOPY signature");
    int32_t extension = Int32At(pos_ + kSignatureSize + 4);
    pos_ += kSignatureSize + 8;
    if (extension < 0 || end_ - pos_ < extension) return Malformed("bad header extension");
    pos_ += extension;
    header_read_ = true;
    if (pos_ == end_) return NextTuple(fields);
  }
  if (end_ - pos_ < 2) return Malformed("truncated tuple");
  int16_t count = Int16At(pos_);
  pos_ += 2;
  if (count == -1) {  // the trailer; the COPY's end follows
    trailer_read_ = true;
    pos_ = end_;
    S2M_ASSIGN_OR_RETURN(bool more, NextMessage());
    if (more) return Malformed("data after the trailer");
    return false;
  }
  if (count != static_cast<int16_t>(fields->size()))
    return Malformed(fmt::format("{} fields in a tuple, {} expected", count, fields->size()));
  for (PgField& field : *fields) {
    if (end_ - pos_ < 4) return Malformed("truncated field length");
    field.size = Int32At(pos_);
    pos_ += 4;
    if (field.size < 0) {
      field.data = nullptr;
      continue;
    }
    if (end_ - pos_ < field.size) return Malformed("truncated field");
    field.data = pos_;
    pos_ += field.size;
  }
  return true;
}

}  // namespace sql2mongo
