// One output file per collection, opened on first use, closed (and checked) at the end.
#pragma once

#include <cstdio>
#include <map>
#include <memory>
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

  // Creates (truncates) `path`, or returns it if already open.
  Result<FILE*> Open(const std::string& path);
  // Appends bytes; the error names the file.
  Status Append(FILE* file, const std::string& path, const void* data, size_t size);
  // Flushes and closes every file, reporting the first failure (buffered writes fail only here).
  Status CloseAll();
  std::mutex& mutex() { return mutex_; }

 private:
  std::mutex mutex_;
  std::map<std::string, FILE*> files_;
};

}  // namespace sql2mongo
