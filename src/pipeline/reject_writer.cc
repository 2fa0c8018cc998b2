#include "pipeline/reject_writer.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

namespace sql2mongo {

nlohmann::ordered_json ValueToJson(const Value& v) {
  if (IsNull(v)) return nullptr;
  if (auto* b = std::get_if<bool>(&v)) return *b;
  if (auto* i = std::get_if<int32_t>(&v)) return *i;
  if (auto* l = std::get_if<int64_t>(&v)) return *l;
  if (auto* d = std::get_if<double>(&v)) return *d;
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  if (auto* r = std::get_if<RawBson>(&v)) return nlohmann::ordered_json::parse(RawBsonToJson(*r), nullptr, false);
  return ValueToDisplay(v);
}

std::string RowToJson(const RowBatch& rows, size_t row, size_t columns) {
  nlohmann::ordered_json json = nlohmann::ordered_json::object();
  for (size_t c = 0; c < rows.width() && c < columns; ++c) json[rows.columns()[c]] = ValueToJson(rows.at(row, c));
  return json.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

namespace {

bool EndsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A collection name as a file name: MongoDB allows '/' nowhere but other characters a shell dislikes.
std::string FileNameFor(const std::string& collection) {
  std::string name;
  for (char c : collection) name += (c == '/' || c == '\\' || c == '\0') ? '_' : c;
  return name + ".jsonl";
}

// Something that exists and is not a folder (/dev/null, a pipe, a file): written as one file.
bool IsFileLike(const std::string& path) {
  std::error_code ignored;
  return std::filesystem::exists(path, ignored) && !std::filesystem::is_directory(path, ignored);
}

}  // namespace

RejectWriter::RejectWriter(std::string path, const std::vector<std::string>& collections)
    : path_(std::move(path)), one_file_(EndsWith(path_, ".jsonl") || IsFileLike(path_)) {
  if (one_file_) return;
  std::error_code ignored;
  for (const auto& collection : collections) {
    std::filesystem::path stale = std::filesystem::path(path_) / FileNameFor(collection);
    if (std::filesystem::is_regular_file(stale, ignored)) std::filesystem::remove(stale, ignored);
  }
}

RejectWriter::~RejectWriter() {
  for (auto& [collection, file] : files_)
    if (file.handle) std::fclose(file.handle);
}

uint64_t RejectWriter::count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return count_;
}

std::vector<std::string> RejectWriter::files() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> paths;
  for (const auto& [collection, file] : files_) paths.push_back(file.path);
  return paths;
}

RejectWriter::File* RejectWriter::FileFor(const std::string& collection, Status* error) {
  const std::string key = one_file_ ? "" : collection;
  auto found = files_.find(key);
  if (found != files_.end()) return &found->second;
  File file;
  if (one_file_) {
    file.path = path_;
  } else {
    std::error_code created;
    std::filesystem::create_directories(path_, created);
    if (created) {
      *error = Status::Error(StatusCode::kInternal,
                             fmt::format("cannot create the rejects folder {}: {}", path_, created.message()));
      return nullptr;
    }
    file.path = (std::filesystem::path(path_) / FileNameFor(collection)).string();
  }
  file.handle = std::fopen(file.path.c_str(), "w");
  if (!file.handle) {
    *error = Status::Error(StatusCode::kInternal,
                           fmt::format("cannot create rejects file {}: {}", file.path, std::strerror(errno)));
    return nullptr;
  }
  return &files_.emplace(key, std::move(file)).first->second;
}

Status RejectWriter::Write(const RejectRecord& record) {
  nlohmann::ordered_json line;
  line["collection"] = record.collection;
  if (!record.table.empty()) line["table"] = record.table;
  line["stage"] = record.stage;
  line["_id"] = nlohmann::ordered_json::parse(record.id_json, nullptr, false);
  if (line["_id"].is_discarded()) line["_id"] = record.id_json;
  line["reason"] = record.reason;
  if (!record.detail_json.empty()) {
    auto detail = nlohmann::ordered_json::parse(record.detail_json, nullptr, false);
    line[record.stage == "write" ? "document" : "row"] = detail.is_discarded() ? nlohmann::ordered_json(record.detail_json) : detail;
  }
  // Replace invalid UTF-8 rather than fail: the reject must be written even when bad text is the reason.
  std::string text = line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  std::lock_guard<std::mutex> lock(mutex_);
  Status error;
  File* file = FileFor(record.collection, &error);
  if (!file) return error;
  if (std::fwrite(text.data(), 1, text.size(), file->handle) != text.size() || std::fflush(file->handle) != 0)
    return Status::Error(StatusCode::kInternal, fmt::format("cannot write rejects file {}: {}", file->path, std::strerror(errno)));
  ++count_;
  return Status::Ok();
}

}  // namespace sql2mongo
