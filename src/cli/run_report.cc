#include "cli/run_report.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <xxhash.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "pipeline/reject_writer.h"
#include "pipeline/summary.h"
#include "sql2mongo_version.h"

namespace sql2mongo {
namespace {

using Json = nlohmann::ordered_json;

// "2026-12-01T11:40:18.123Z": UTC, milliseconds.
std::string IsoTime(std::chrono::system_clock::time_point time) {
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count() % 1000;
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", fmt::gmtime(std::chrono::system_clock::to_time_t(time)), millis);
}

// To the millisecond, printed as such (0.239, not 0.23900000000000002).
double Milliseconds(double seconds) { return std::round(seconds * 1000) / 1000; }

const char* StateName(CollectionState state) {
  switch (state) {
    case CollectionState::kPending: return "not run";
    case CollectionState::kRunning: return "running";
    case CollectionState::kDone: return "done";
    case CollectionState::kFailed: return "failed";
  }
  return "";
}

const char* VerdictName(RunVerdict verdict) {
  switch (verdict) {
    case RunVerdict::kWritten: return "written";
    case RunVerdict::kRejects: return "finished with rejects";
    case RunVerdict::kFailed: return "failed";
  }
  return "";
}

Json CountersJson(const CollectionCounters& c) {
  Json json;
  json["rows_read"] = c.rows_read;
  json["embedded_rows"] = c.embedded_rows;
  json["documents_built"] = c.documents_built;
  json["documents_written"] = c.documents_written;
  json["rejected"] = c.rejected;
  json["rejected_embedded_rows"] = c.rejected_rows;
  json["dangling_references"] = c.missing_parents;
  json["bytes_written"] = c.bytes_written;
  json["warnings"] = c.warnings;
  json["source_reopens"] = c.source_reopens;
  json["already_upgraded"] = c.already_upgraded;
  json["seconds"] = Milliseconds(c.seconds);
  json["documents_deleted"] = c.documents_deleted;
  json["docs_per_second"] = c.seconds > 0 ? static_cast<int64_t>(c.documents_written / c.seconds) : 0;
  return json;
}

}  // namespace

std::string FileDigest(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return fmt::format("{:016x}", XXH3_64bits(bytes.data(), bytes.size()));
}

std::string RunReportJson(const RunReport& report, int indent) {
  Json json;
  if (indent < 0) json["event"] = "summary";
  json["tool"] = "sql2mongo";
  json["version"] = SQL2MONGO_VERSION;
  json["mapping"] = {{"file", report.mapping_file}, {"xxh3_64", report.mapping_digest}};
  if (!report.run_id.empty()) json["job"] = {{"name", report.job}, {"run_id", report.run_id}, {"resumed", report.resumed}};
  json["source"] = report.source;
  json["target"] = report.target;
  json["target_server"] = {{"product", report.target_info.product},
                           {"version", report.target_info.version},
                           {"wire_version", report.target_info.max_wire_version}};
  json["started_at"] = IsoTime(report.started);
  json["finished_at"] = IsoTime(report.finished);
  json["seconds"] = Milliseconds(std::chrono::duration<double>(report.finished - report.started).count());
  RunVerdict verdict = report.summary ? VerdictOf(*report.summary) : RunVerdict::kFailed;
  json["verdict"] = VerdictName(verdict);
  json["exit_code"] = report.exit_code;
  json["failure"] = report.failure.ok() ? Json(nullptr) : Json(report.failure.message());
  Json collections = Json::array();
  CollectionCounters total;
  if (report.summary) {
    for (const auto& c : report.summary->collections) {
      Json entry;
      entry["collection"] = c.collection;
      entry["table"] = c.table;
      entry["state"] = StateName(c.state);
      entry["estimated_rows"] = c.estimated_rows >= 0 ? Json(c.estimated_rows) : Json(nullptr);
      entry.update(CountersJson(c));
      // Thread time per stage, summed over the threads that ran it (it may exceed "seconds").
      entry["stage_seconds"] = {{"read", Milliseconds(c.read_seconds)},
                                {"embed", Milliseconds(c.embed_seconds)},
                                {"build", Milliseconds(c.build_seconds)},
                                {"write", Milliseconds(c.write_seconds)}};
      collections.push_back(entry);
    }
    total = TotalOf(*report.summary);
  }
  json["collections"] = collections;
  json["totals"] = CountersJson(total);
  if (report.summary && !report.summary->watermarks.empty()) {
    auto values = [](const std::map<std::string, std::vector<Value>>& watermarks) {
      Json out = Json::object();
      for (const auto& [path, value] : watermarks) out[path] = value.empty() ? Json(nullptr) : ValueToJson(value[0]);
      return out;
    };
    Json incremental;
    incremental["incremental"] = report.summary->incremental;
    incremental["since"] = report.summary->incremental ? values(report.summary->since) : Json(nullptr);
    incremental["watermarks"] = values(report.summary->watermarks);
    Json changed = Json::array();
    for (const IncrementalAccount& c : report.summary->changes)
      changed.push_back({{"collection", c.collection}, {"rebuilt", c.Rebuilt()}, {"root_changed", c.root_changed},
                         {"child_changed", c.child_changed}, {"parent_changed", c.parent_changed},
                         {"deleted_rows_gone", c.gone}, {"deleted_detected", c.detected}});
    incremental["collections"] = changed;
    json["incremental"] = incremental;
  }
  Json unaccounted = Json::array();
  if (report.summary)
    for (const auto& problem : UnaccountedRows(*report.summary)) unaccounted.push_back(problem);
  json["every_row_accounted_for"] = report.summary != nullptr && report.failure.ok() && unaccounted.empty();
  json["unaccounted"] = unaccounted;
  Json warnings = Json::array();
  if (report.summary)
    for (const auto& w : report.summary->warnings)
      warnings.push_back({{"collection", w.collection}, {"table", w.table}, {"column", w.column}, {"what", w.what},
                          {"count", w.count}, {"examples", w.examples}});
  json["warnings"] = warnings;
  Json rejects;
  rejects["path"] = report.summary ? Json(report.summary->rejects_path) : Json(nullptr);
  rejects["files"] = report.summary ? Json(report.summary->rejects_files) : Json::array();
  json["rejects"] = rejects;
  Json indexes = Json::array(), validators = Json::array();
  if (report.summary) {
    for (const IndexOutcome& i : report.summary->indexes) {
      const char* state = i.state == IndexOutcome::State::kCreated        ? "created"
                          : i.state == IndexOutcome::State::kAlreadyThere ? "already_there"
                                                                           : "refused";
      indexes.push_back({{"collection", i.collection}, {"name", i.name}, {"state", state},
                         {"reason", i.reason.empty() ? Json(nullptr) : Json(i.reason)}});
    }
    for (const ValidatorOutcome& v : report.summary->validators)
      validators.push_back({{"collection", v.collection}, {"level", ValidationName(v.level)}, {"installed", v.installed},
                            {"reason", v.reason.empty() ? Json(nullptr) : Json(v.reason)},
                            {"schema_file", v.schema_file.empty() ? Json(nullptr) : Json(v.schema_file)}});
  }
  json["indexes"] = indexes;
  json["validators"] = validators;
  return json.dump(indent, ' ', false, Json::error_handler_t::replace) + "\n";
}

Status WriteRunReport(const std::string& path, const RunReport& report) {
  std::string text = RunReportJson(report);
  std::filesystem::path final_path(path);
  std::filesystem::path temporary = final_path;
  temporary += ".partial";
  std::error_code made;
  if (final_path.has_parent_path()) std::filesystem::create_directories(final_path.parent_path(), made);
  if (made)
    return Status::Error(StatusCode::kInternal, fmt::format("cannot create the report's folder {}: {}",
                                                            final_path.parent_path().string(), made.message()));
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out)
      return Status::Error(StatusCode::kInternal, fmt::format("cannot write the report {}: {}", temporary.string(),
                                                              std::strerror(errno)));
  }
  std::error_code renamed;
  std::filesystem::rename(temporary, final_path, renamed);
  if (renamed)
    return Status::Error(StatusCode::kInternal,
                         fmt::format("cannot write the report {}: {}", path, renamed.message()));
  return Status::Ok();
}

}  // namespace sql2mongo
