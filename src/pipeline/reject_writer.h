// The rejects: one JSON line per row or document that did not reach the target, with the reason, in a
// folder with one <collection>.jsonl each (or one file for all, when the path ends in .jsonl).
// Nothing is dropped silently: every row read is either written or listed here.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sql2mongo/row_batch.h"
#include "sql2mongo/status.h"

namespace sql2mongo {

struct RejectRecord {
  std::string collection;
  // "build" (a value could not be converted), "write" (the target refused it) or "embed" (a row of an
  // embedded table that fits no document: an orphan)
  std::string stage;
  std::string id_json;     // the document's _id as Extended JSON, or the row's key
  std::string reason;
  std::string detail_json; // the source row or the document, as JSON; may be empty
  std::string table;       // the source table of the row (the root table for a document)
};

// One value as JSON: numbers, strings, booleans and null as themselves, the rest as display text.
nlohmann::ordered_json ValueToJson(const Value& value);

// One source row as a JSON object (column -> value), for the "row" of a reject record: its first
// `columns` columns (a merge stream's rows carry one more, internal, after the table's own).
std::string RowToJson(const RowBatch& rows, size_t row, size_t columns = SIZE_MAX);

class RejectWriter {
 public:
  // `path` is a folder (created on the first reject), or one file when it ends in ".jsonl" or exists and
  // is no folder (/dev/null, a pipe). In a folder,
  // the files of `collections` left by an earlier run are removed now: they would mislead.
  RejectWriter(std::string path, const std::vector<std::string>& collections);
  ~RejectWriter();
  RejectWriter(const RejectWriter&) = delete;
  RejectWriter& operator=(const RejectWriter&) = delete;

  // Thread-safe. A file is created on its first reject, so a clean run leaves none behind.
  Status Write(const RejectRecord& record);
  const std::string& path() const { return path_; }
  uint64_t count() const;
  // The files written so far.
  std::vector<std::string> files() const;

 private:
  struct File {
    std::string path;
    FILE* handle = nullptr;
  };
  File* FileFor(const std::string& collection, Status* error);  // mutex_ held

  std::string path_;
  bool one_file_;
  mutable std::mutex mutex_;
  std::map<std::string, File> files_;  // by collection ("" for the one file)
  uint64_t count_ = 0;
};

}  // namespace sql2mongo
