#include "sink/file/output_file.h"

#include "sink/file/file_sinks.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace sql2mongo {

Status RefuseMergeIntoFiles(const std::string& sink_name, const std::vector<Sink::CollectionSetup>& collections) {
  for (const auto& c : collections)
    if (c.mode.kind == WriteModeKind::kMerge)
      return Status::Error(StatusCode::kUsage,
                           fmt::format("{}: collection '{}' is in mode \"merge\", which sets fields of documents "
                                       "already stored, and a file sink writes new files; merge into a mongodb:// "
                                       "target, or use --mode insert (or replace: the same here)",
                                       sink_name, c.name));
  return Status::Ok();
}

OutputFiles::~OutputFiles() {
  for (auto& [path, file] : files_) std::fclose(file);
}

Result<FILE*> OutputFiles::OpenLocked(const std::string& path) {
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

Status OutputFiles::Create(const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  return OpenLocked(path).status();
}

Status OutputFiles::Append(const std::string& path, const void* data, size_t size) {
  std::lock_guard<std::mutex> lock(mutex_);
  S2M_ASSIGN_OR_RETURN(FILE* file, OpenLocked(path));
  if (std::fwrite(data, 1, size, file) != size)
    return Status::Error(StatusCode::kTargetError, fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  return Status::Ok();
}

Status OutputFiles::CloseAll() {
  std::lock_guard<std::mutex> lock(mutex_);
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

}  // namespace sql2mongo
