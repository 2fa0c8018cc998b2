#include "pipeline/reject_writer.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

namespace sql2mongo {

std::string RowToJson(const RowBatch& rows, size_t row) {
  nlohmann::ordered_json json = nlohmann::ordered_json::object();
  for (size_t c = 0; c < rows.width(); ++c) {
    const Value& v = rows.at(row, c);
    auto& slot = json[rows.columns()[c]];
    if (IsNull(v)) slot = nullptr;
    else if (auto* b = std::get_if<bool>(&v)) slot = *b;
    else if (auto* i = std::get_if<int32_t>(&v)) slot = *i;
    else if (auto* l = std::get_if<int64_t>(&v)) slot = *l;
    else if (auto* d = std::get_if<double>(&v)) slot = *d;
    else if (auto* s = std::get_if<std::string>(&v)) slot = *s;
    else if (auto* r = std::get_if<RawBson>(&v)) slot = nlohmann::ordered_json::parse(RawBsonToJson(*r), nullptr, false);
    else slot = ValueToDisplay(v);
  }
  return json.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

RejectWriter::~RejectWriter() {
  if (file_) std::fclose(file_);
}

Status RejectWriter::Write(const RejectRecord& record) {
  nlohmann::ordered_json line;
  line["collection"] = record.collection;
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
  if (!file_) {
    file_ = std::fopen(path_.c_str(), "w");
    if (!file_)
      return Status::Error(StatusCode::kInternal, fmt::format("cannot create rejects file {}: {}", path_, std::strerror(errno)));
  }
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size() || std::fflush(file_) != 0)
    return Status::Error(StatusCode::kInternal, fmt::format("cannot write rejects file {}: {}", path_, std::strerror(errno)));
  ++count_;
  return Status::Ok();
}

}  // namespace sql2mongo
