// sql2mongo diff OLD.json NEW.json: what a new version of a mapping does to the documents already
// written. Both files are parsed as every command parses a mapping; no source is opened. The target
// (--target, else NEW's) is only read, to count the documents an upgrade or a reload would touch, and
// one that cannot be reached makes the counts "unknown", not a failure. Exit codes follow diff(1):
// 0 the mappings build the same documents, 1 they differ, 2 bad usage or a bad mapping file.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <optional>

#include "cli/commands.h"
#include "common/handles.h"
#include "common/redact.h"
#include "common/uri.h"
#include "diff/mapping_diff.h"
#include "sink/mongo/target_reader.h"

namespace sql2mongo {
namespace {

constexpr int kExitMappingsDiffer = 1;

// The documents each collection's upgrade or reload touches, or why they were not counted.
struct DocumentCost {
  std::optional<int64_t> documents;
  std::string counted;  // what was counted, or why nothing was
};

class CostCounter {
 public:
  explicit CostCounter(const std::string& target_uri) {
    std::string scheme = UriScheme(target_uri);
    if (target_uri.empty()) {
      unavailable_ = "no target (pass --target mongodb://HOST:PORT/DB)";
    } else if (scheme != "mongodb" && scheme != "mongodb+srv") {
      unavailable_ = fmt::format("target {} is not a MongoDB server", RedactUri(target_uri));
    } else {
      Result<TargetReader> reader = TargetReader::Open(target_uri);
      if (reader.ok()) reader_.emplace(std::move(reader).value());
      else unavailable_ = reader.status().message();  // names the URI without its password
    }
  }

  std::string TargetName() const { return reader_ ? reader_->DisplayName() : ""; }
  const std::string& Unavailable() const { return unavailable_; }

  DocumentCost Count(const CollectionDiff& collection, const MappingDiff& diff) {
    if (collection.way == UpgradeWay::kNone) return {0, "nothing to do"};
    if (!reader_) return {std::nullopt, "documents unknown (the target line says why)"};
    // The documents stored are OLD's: they carry OLD's version field, or none.
    const std::string& stored = collection.old_name.empty() ? collection.name : collection.old_name;
    ScopedBson filter;
    std::string counted = "all";
    if (collection.way == UpgradeWay::kInPlace && diff.new_version && !diff.old_version_field.empty()) {
      // {$or: [{f: {$lt: N}}, {f: {$exists: false}}]}: older versions, and documents written before versions.
      const std::string& field = diff.old_version_field;
      bson_t any, older, older_test, missing, missing_test;
      bson_append_array_begin(filter.get(), "$or", 3, &any);
      bson_append_document_begin(&any, "0", 1, &older);
      bson_append_document_begin(&older, field.c_str(), -1, &older_test);
      BSON_APPEND_INT32(&older_test, "$lt", *diff.new_version);
      bson_append_document_end(&older, &older_test);
      bson_append_document_end(&any, &older);
      bson_append_document_begin(&any, "1", 1, &missing);
      bson_append_document_begin(&missing, field.c_str(), -1, &missing_test);
      BSON_APPEND_BOOL(&missing_test, "$exists", false);
      bson_append_document_end(&missing, &missing_test);
      bson_append_document_end(&any, &missing);
      bson_append_array_end(filter.get(), &any);
      counted = fmt::format("{} < {} or missing", field, *diff.new_version);
    }
    if (collection.way == UpgradeWay::kLoad) counted = "already there";
    Result<int64_t> count = reader_->Count(stored, filter.get());
    if (!count.ok()) return {std::nullopt, "documents unknown: " + count.status().message()};
    return {*count, fmt::format("{}: {}", stored, counted)};
  }

 private:
  std::optional<TargetReader> reader_;
  std::string unavailable_;
};

std::string VersionText(const std::optional<int32_t>& version) {
  return version ? fmt::format("schema_version {}", *version) : "no schema_version";
}

std::string ChangeLine(const MappingChange& change) {
  std::string paths;
  if (change.old_path.empty()) paths = change.new_path;
  else if (change.new_path.empty() || change.new_path == change.old_path) paths = change.old_path;
  else paths = change.old_path + " -> " + change.new_path;
  return fmt::format("  {:<15} {}{}{}", ChangeClassName(change.change_class), change.what,
                     paths.empty() ? "" : ": " + paths, change.detail.empty() ? "" : " (" + change.detail + ")");
}

std::string WayText(const CollectionDiff& c, const DocumentCost& cost) {
  std::string documents = cost.documents ? fmt::format("{} documents ({})", *cost.documents, cost.counted) : cost.counted;
  switch (c.way) {
    case UpgradeWay::kNone: return "unchanged";
    case UpgradeWay::kInPlace: return "upgrade in place, " + documents;
    case UpgradeWay::kReload: return fmt::format("reload ({}), {}", c.reload_reason, documents);
    case UpgradeWay::kLoad: return "new collection: load it, " + documents;
    case UpgradeWay::kDrop: return "no longer built: drop it, " + documents;
  }
  return "";
}

struct Totals {
  size_t by_class[3] = {0, 0, 0};
  size_t in_place = 0, reload = 0, changed = 0, setup = 0;
};

Totals Count(const MappingDiff& diff) {
  Totals t;
  for (const auto& c : diff.collections) {
    for (const auto& change : c.changes) ++t.by_class[static_cast<int>(change.change_class)];
    if (c.way == UpgradeWay::kInPlace) ++t.in_place;
    if (c.way == UpgradeWay::kReload) ++t.reload;
    if (c.way != UpgradeWay::kNone) ++t.changed;
    t.setup += c.setup_changes.size();
  }
  return t;
}

// Setup changes (indexes, validators, cut-over, mode) change no document, so they leave the exit code
// as the documents decide it: a script asking "must the stored documents change?" gets its answer.
std::string Verdict(const MappingDiff& diff, int exit_code) {
  Totals t = Count(diff);
  std::string setup = t.setup == 0 ? ""
                                   : fmt::format("; {} setup change{} (indexes, validators, cut-over, mode: made by the "
                                                 "next run of NEW)",
                                                 t.setup, t.setup == 1 ? "" : "s");
  if (!diff.DocumentsDiffer())
    return fmt::format("verdict: the mappings build the same documents{} (exit {})", setup, exit_code);
  return fmt::format("verdict: {} of {} collections change: {} additive, {} transformative, {} destructive change{}; "
                     "{} upgradable in place, {} to reload{} (exit {})",
                     t.changed, diff.collections.size(), t.by_class[0], t.by_class[1], t.by_class[2],
                     t.by_class[2] == 1 ? "" : "s", t.in_place, t.reload, setup, exit_code);
}

void PrintText(const DiffArguments& arguments, const MappingDiff& diff, const std::vector<DocumentCost>& costs,
               const CostCounter& target, int exit_code) {
  fmt::print("{} ({}) -> {} ({})\n", arguments.old_file, VersionText(diff.old_version), arguments.new_file,
             VersionText(diff.new_version));
  fmt::print("target: {}\n", target.TargetName().empty() ? "documents not counted: " + target.Unavailable()
                                                         : target.TargetName());
  for (size_t i = 0; i < diff.collections.size(); ++i) {
    const CollectionDiff& c = diff.collections[i];
    std::string renamed = !c.old_name.empty() && c.old_name != c.name ? fmt::format(" (was {})", c.old_name) : "";
    fmt::print("collection {}{}: {}\n", c.name, renamed, WayText(c, costs[i]));
    for (const auto& change : c.changes) fmt::print("{}\n", ChangeLine(change));
    for (const auto& setup : c.setup_changes) fmt::print("  {:<15} {}\n", "setup", setup);
    if (c.way == UpgradeWay::kInPlace)
      fmt::print("  upgrade: set {}{}\n", fmt::join(c.set_fields, ", "),
                 c.unset_fields.empty() ? "" : fmt::format("; unset {}", fmt::join(c.unset_fields, ", ")));
  }
  for (const auto& warning : diff.warnings) fmt::print("warning: {}\n", warning);
  fmt::print("{}\n", Verdict(diff, exit_code));
}

void PrintJson(const DiffArguments& arguments, const MappingDiff& diff, const std::vector<DocumentCost>& costs,
               const CostCounter& target, int exit_code) {
  auto version = [](const std::optional<int32_t>& v) { return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(); };
  nlohmann::ordered_json out;
  out["old"] = {{"file", arguments.old_file}, {"schema_version", version(diff.old_version)},
                {"schema_version_field", diff.old_version_field}};
  out["new"] = {{"file", arguments.new_file}, {"schema_version", version(diff.new_version)},
                {"schema_version_field", diff.new_version_field}};
  out["target"] = target.TargetName().empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(target.TargetName());
  if (target.TargetName().empty()) out["target_unavailable"] = target.Unavailable();
  out["collections"] = nlohmann::ordered_json::array();
  for (size_t i = 0; i < diff.collections.size(); ++i) {
    const CollectionDiff& c = diff.collections[i];
    nlohmann::ordered_json changes = nlohmann::ordered_json::array();
    for (const auto& change : c.changes)
      changes.push_back({{"class", ChangeClassName(change.change_class)}, {"what", change.what},
                         {"old_path", change.old_path}, {"new_path", change.new_path}, {"detail", change.detail}});
    nlohmann::ordered_json entry = {{"name", c.name}, {"old_name", c.old_name}, {"way", UpgradeWayName(c.way)}};
    if (c.way == UpgradeWay::kReload) entry["reload_reason"] = c.reload_reason;
    if (c.way == UpgradeWay::kInPlace) {
      entry["set_fields"] = c.set_fields;
      entry["unset_fields"] = c.unset_fields;
    }
    entry["documents"] = costs[i].documents ? nlohmann::ordered_json(*costs[i].documents) : nlohmann::ordered_json();
    entry["documents_counted"] = costs[i].counted;
    entry["changes"] = std::move(changes);
    entry["setup_changes"] = c.setup_changes;
    out["collections"].push_back(std::move(entry));
  }
  out["warnings"] = diff.warnings;
  out["differ"] = diff.DocumentsDiffer();
  out["exit"] = exit_code;
  fmt::print("{}\n", out.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
}

}  // namespace

void AddDiffCommand(CLI::App& app, DiffArguments* arguments) {
  CLI::App* diff = app.add_subcommand(
      "diff", "Compare two versions of a mapping: each change per collection (additive, transformative, "
              "destructive), and whether stored documents can be upgraded in place or need a reload");
  diff->add_option("old", arguments->old_file, "The mapping the documents in the target were written with")->required();
  diff->add_option("new", arguments->new_file, "The new version of that mapping")->required();
  diff->add_option("--target", arguments->target_uri,
                   "Where to count the documents an upgrade touches (read only); default: NEW's \"target\"");
  diff->add_flag("--json", arguments->json, "The same as one JSON object, for programs");
}

int DiffCommand(const DiffArguments& arguments) {
  Result<Mapping> old_mapping = ParseMappingFile(arguments.old_file);
  if (!old_mapping.ok()) return ReportFailure(old_mapping.status());
  Result<Mapping> new_mapping = ParseMappingFile(arguments.new_file);
  if (!new_mapping.ok()) return ReportFailure(new_mapping.status());
  MappingDiff diff = DiffMappings(*old_mapping, *new_mapping);

  CostCounter target(arguments.target_uri.empty() ? new_mapping->target_uri : arguments.target_uri);
  std::vector<DocumentCost> costs;
  for (const auto& c : diff.collections) costs.push_back(target.Count(c, diff));

  int exit_code = diff.DocumentsDiffer() ? kExitMappingsDiffer : kExitOk;
  if (arguments.json) PrintJson(arguments, diff, costs, target, exit_code);
  else PrintText(arguments, diff, costs, target, exit_code);
  std::fflush(stdout);
  return exit_code;
}

}  // namespace sql2mongo
