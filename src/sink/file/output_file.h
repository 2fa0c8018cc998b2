// The output files of a file sink, by path: created (truncated) on first use, appended to under one
// lock (a file takes one writer at a time), flushed and closed with their errors checked at the end.
#pragma once

#include <cstdio>
#include <map>
#include <mutex>
#include <string>

#include "sql2mongo/status.h"

namespace sql2mongo {

class OutputFiles {
 public:
  OutputFiles() = default;
  ~OutputFiles();
  OutputFiles(const OutputFiles&) = delete;
  OutputFiles& operator=(const OutputFiles&) = delete;

  // Creates (truncates) `path` and its folder unless it is already open.
  Status Create(const std::string& path);
  // Appends bytes to `path`, creating it first if needed. Errors name the file.
  Status Append(const std::string& path, const void* data, size_t size);
  // Flushes and closes every file, reporting the first failure (buffered writes fail only here).
  Status CloseAll();

 private:
  Result<FILE*> OpenLocked(const std::string& path);

  std::mutex mutex_;
  std::map<std::string, FILE*> files_;
};

}  // namespace sql2mongo
