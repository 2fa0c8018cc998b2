#include "sink/file/output_file.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace sql2mongo {

OutputFiles::~OutputFiles() {
  for (auto& [path, file] : files_) std::fclose(file);
}

Status OutputFiles::CloseAll() {
  Status status;
  for (auto& [path, file] : files_) {
    bool failed = std::fflush(file) != 0 || std::ferror(file);
    int saved_errno = errno;
    if (std::fclose(file) != 0 && !failed) {
      failed = true;
      saved_errno = errno;
    }
    if (failed && status.ok())
      status = Status::Error(StatusCode::kTargetError, fmt::format("cannot write {}: {}", path, std::strerror(saved_errno)));
  }
  files_.clear();
  return status;
}

Result<FILE*> OutputFiles::Open(const std::string& path) {
  auto it = files_.find(path);
  if (it != files_.end()) return it->second;
  std::error_code ec;
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  FILE* file = std::fopen(path.c_str(), "wb");
  if (!file)
    return Status::Error(StatusCode::kTargetError, fmt::format("cannot create {}: {}", path, std::strerror(errno)));
  files_[path] = file;
  return file;
}

Status OutputFiles::Append(FILE* file, const std::string& path, const void* data, size_t size) {
  if (std::fwrite(data, 1, size, file) != size)
    return Status::Error(StatusCode::kTargetError, fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  return Status::Ok();
}

}  // namespace sql2mongo
