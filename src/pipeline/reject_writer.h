// The rejects file: one JSON line per row or document that did not reach the target, with the reason.
// Nothing is dropped silently: every row read is either written or listed here.
#pragma once

#include <cstdio>
#include <mutex>
#include <string>

#include "sql2mongo/row_batch.h"
#include "sql2mongo/status.h"

namespace sql2mongo {

struct RejectRecord {
  std::string collection;
  std::string stage;       // "build" (a value could not be converted) or "write" (the target refused it)
  std::string id_json;     // the document's _id as Extended JSON, or the row's key
  std::string reason;
  std::string detail_json; // the source row or the document, as JSON; may be empty
};

// One source row as a JSON object (column -> value), for the "row" of a reject record.
std::string RowToJson(const RowBatch& rows, size_t row);

class RejectWriter {
 public:
  explicit RejectWriter(std::string path) : path_(std::move(path)) {}
  ~RejectWriter();
  RejectWriter(const RejectWriter&) = delete;
  RejectWriter& operator=(const RejectWriter&) = delete;

  // Thread-safe. The file is created on the first reject, so a clean run leaves none behind.
  Status Write(const RejectRecord& record);
  const std::string& path() const { return path_; }
  uint64_t count() const { return count_; }

 private:
  std::string path_;
  std::mutex mutex_;
  FILE* file_ = nullptr;
  uint64_t count_ = 0;
};

}  // namespace sql2mongo
