// sql2mongo check MAPPING.json: a dry run that writes nothing. It loads the job as `run` does (mapping,
// source catalog, plan, target identity), then looks for what would make a run fail or lose data, builds
// a few documents per collection with the real pipeline, and prints the plan. Exit 0 clean, 1 problems
// that would reject or lose data, 2 a mapping that cannot run.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "cli/commands.h"
#include "common/handles.h"
#include "common/readable_bytes.h"
#include "common/relaxed_json.h"
#include "pipeline/embed_merge.h"
#include "pipeline/embed_strategy.h"
#include "mapping/catalog_cache.h"
#include "mapping/size_estimate.h"
#include "mapping/type_override_check.h"
#include "sql2mongo/document_builder.h"
#include "sql2mongo/pipeline.h"
#include "sql2mongo/target_check.h"

namespace sql2mongo {
namespace {

struct Finding {
  enum Level { kInfo = 0, kProblem = 1, kError = 2 };
  Level level = kInfo;
  std::string place;       // file:line:col in the mapping, or ""
  std::string collection;  // or ""
  std::string message;
  nlohmann::ordered_json details;  // the finding's figures for --json, or null
};

const char* LevelName(Finding::Level level) {
  switch (level) {
    case Finding::kError: return "error";
    case Finding::kProblem: return "problem";
    case Finding::kInfo: return "info";
  }
  return "";
}

// Keeps the first documents written per collection, and writes nothing anywhere: what the real
// pipeline built, for the samples.
class SampleSink : public Sink {
 public:
  SampleSink(const Sink& target, size_t keep) : target_(target), keep_(keep) {}
  std::string DisplayName() const override { return "samples of " + target_.DisplayName(); }
  // The real target's identity, so documents it could not store are refused here just as there.
  const TargetInfo& Target() const override { return target_.Target(); }
  Status Prepare(const std::vector<CollectionSetup>&) override { return Status::Ok(); }
  Result<WriteOutcome> Write(const std::string& collection, const std::vector<BsonPtr>& documents,
                             const WriteMode&) override {
    WriteOutcome outcome;
    std::lock_guard lock(mutex_);
    auto& kept = samples_[collection];
    for (size_t i = 0; i < documents.size(); ++i) {
      if (auto bad = FindUnstorableValue(documents[i].get(), target_.Target().supports)) {
        outcome.refused.push_back(DocumentRefusal{
            i, fmt::format("{} at '{}', which {} cannot store", bad->what, bad->path, target_.Target().Name())});
        continue;
      }
      ++outcome.written;
      if (kept.size() < keep_) kept.emplace_back(bson_copy(documents[i].get()));
    }
    return outcome;
  }
  std::map<std::string, std::vector<BsonPtr>>& samples() { return samples_; }

 private:
  const Sink& target_;
  size_t keep_;
  std::mutex mutex_;
  std::map<std::string, std::vector<BsonPtr>> samples_;
};

class Checker {
 public:
  Checker(const CheckArguments& arguments) : arguments_(arguments) {}

  int Run() {
    Result<Job> loaded = LoadJob(arguments_.job, JobPart::kPlan);
    if (!loaded.ok()) return Fail(loaded.status());
    job_ = std::move(loaded).value();
    catalog_ = std::make_unique<CatalogCache>(*job_.source);
    Info("", fmt::format("source {}: {} collection{}", job_.source->DisplayName(), job_.plan.collections.size(),
                         job_.plan.collections.size() == 1 ? "" : "s"));
    CheckWhereClauses();
    CheckIds();
    CheckJoinTypes();
    CheckTypeOverrides();
    DescribeExpressions();
    if (!CheckTarget()) return Finish();
    DescribePlan();
    EstimateSizes();
    BuildSamples();
    return Finish();
  }

 private:
  void Add(Finding::Level level, std::string place, std::string collection, std::string message,
           nlohmann::ordered_json details = nullptr) {
    findings_.push_back(
        Finding{level, std::move(place), std::move(collection), std::move(message), std::move(details)});
  }
  void Info(const std::string& collection, std::string message) { Add(Finding::kInfo, "", collection, std::move(message)); }

  // A job that cannot even be loaded: the mapping, the source or the plan is at fault.
  int Fail(const Status& status) {
    Finding::Level level = ExitCodeFor(status) == kExitBadInput ? Finding::kError : Finding::kProblem;
    // The exit code of a source or target that is down is 1 (the run would fail), like `run`'s.
    Add(level, "", "", status.message());
    int code = Finish();
    return std::max(code, ExitCodeFor(status));
  }

  // Every "where" is run once, reading at most one row, so an SQL typo shows now and not an hour in.
  void CheckWhereClauses() {
    for (const CollectionSpec& collection : job_.mapping.collections) {
      CheckWhere(collection.name, collection.name, collection.from, collection.where, collection.pointer);
      CheckEmbedWheres(collection.name, collection.name, collection.embeds);
    }
  }
  void CheckEmbedWheres(const std::string& collection, const std::string& prefix, const std::vector<EmbedSpec>& embeds) {
    for (const EmbedSpec& embed : embeds) {
      std::string path = prefix + "." + embed.path;
      CheckWhere(collection, "embed " + path, embed.from, embed.where, embed.pointer);
      CheckEmbedWheres(collection, path, embed.embeds);
    }
  }
  void CheckWhere(const std::string& collection, const std::string& what, const std::string& table,
                  const std::string& where, const std::string& pointer) {
    if (where.empty()) return;
    std::string place = job_.mapping.PlaceOf(pointer + "/where").ToString();
    Result<TableInfo> info = job_.source->DescribeTable(table);
    if (!info.ok() || info->columns.empty()) return;  // the plan builder already reported the table
    ScanRequest request;
    request.table = info->name;
    request.columns = {info->columns[0].name};
    request.where = where;
    Result<std::unique_ptr<RowStream>> stream = job_.source->Scan(request);
    Status status = stream.ok() ? Status::Ok() : stream.status();
    if (stream.ok()) {
      RowBatch rows;
      Result<bool> more = (*stream)->Next(&rows, 1);
      if (!more.ok()) status = more.status();
    }
    if (!status.ok()) {
      failed_wheres_.insert(collection);
      Add(Finding::kError, place, collection,
          fmt::format("{}: \"where\": \"{}\" fails on table '{}': {}", what, where, table, status.message()));
    }
  }

  // An _id that is not the table's primary key may repeat: every repeat would be refused by the target.
  // The key values are streamed and counted here (up to kIdRowsChecked rows), which any source can do.
  static constexpr uint64_t kIdRowsChecked = 5'000'000;
  void CheckIds() {
    for (const CollectionPlan& collection : job_.plan.collections) {
      if (collection.id.kind == IdPlan::Kind::kGenerated) continue;
      std::vector<std::string> columns;
      for (const auto& part : collection.id.parts) columns.push_back(collection.table.read_columns[part.second]);
      Result<TableInfo> info = job_.source->DescribeTable(collection.table.table);
      if (!info.ok()) continue;
      std::vector<std::string> sorted_key = info->primary_key, sorted_columns = columns;
      std::sort(sorted_key.begin(), sorted_key.end());
      std::sort(sorted_columns.begin(), sorted_columns.end());
      // A primary key is unique whatever the where keeps, unless a key column may be NULL (SQLite allows
      // it outside INTEGER PRIMARY KEY), and NULLs are distinct to the database but not in an _id.
      bool key_may_be_null = false;
      for (const auto& column : info->primary_key) {
        int index = info->ColumnIndex(column);
        key_may_be_null = key_may_be_null || (index >= 0 && info->columns[index].nullable);
      }
      if (!sorted_key.empty() && sorted_key == sorted_columns && !key_may_be_null) continue;
      ScanRequest request = collection.table.ScanOfRows();
      request.columns = columns;
      Result<std::unique_ptr<RowStream>> stream = job_.source->Scan(request);
      Status failed = stream.ok() ? Status::Ok() : stream.status();
      // 64-bit hashes of the keys, not the keys: ~40 bytes a row whatever the key's width (a collision,
      // ~n^2/2^65, could only report a repeat that is not there).
      std::unordered_map<size_t, uint32_t> seen;
      uint64_t rows_read = 0, repeated_rows = 0;
      std::string example, key;
      std::vector<int> all(columns.size());
      for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
      RowBatch rows;
      while (failed.ok() && rows_read < kIdRowsChecked) {
        Result<bool> more = (*stream)->Next(&rows, 10000);
        if (!more.ok()) failed = more.status();
        if (!more.ok() || !more.value()) break;
        for (size_t row = 0; row < rows.rows(); ++row, ++rows_read) {
          key.clear();
          bool has_null = false;
          for (int column : all) {
            has_null = has_null || IsNull(rows.at(row, column));
            AppendJoinKey(rows.at(row, column), &key);
          }
          // A NULL _id is rejected by the build, with its reason. In a composite _id a NULL part is a
          // value like any other ({"a": 1, "b": null}), so two rows of (1, NULL) repeat one _id.
          if (has_null && collection.id.kind != IdPlan::Kind::kComposite) continue;
          uint32_t& count = seen[std::hash<std::string>{}(key)];
          if (++count >= 2) {
            ++repeated_rows;
            if (example.empty()) {
              std::vector<std::string> parts;
              for (int column : all) parts.push_back(ValueToDisplay(rows.at(row, column)));
              example = parts.size() == 1 ? parts[0] : fmt::format("({})", fmt::join(parts, ", "));
            }
          }
        }
      }
      if (!failed.ok()) {
        Add(Finding::kProblem, "", collection.name,
            fmt::format("_id ({}): could not read it to look for repeats: {}", Columns(columns), failed.message()));
        continue;
      }
      if (repeated_rows > 0)
        Add(Finding::kProblem, job_.mapping.PlaceOf(CollectionPointer(collection.name) + "/_id").ToString(),
            collection.name,
            fmt::format("_id ({}) is not unique in table '{}': {} rows repeat a value another row has (e.g. {}); "
                        "the target refuses each repeat as a duplicate key. Map _id to a unique column or key",
                        Columns(columns), collection.table.table, repeated_rows, example));
      else if (rows_read >= kIdRowsChecked)
        Info(collection.name, fmt::format("_id ({}): the first {} rows hold no repeat; the rest were not checked",
                                          Columns(columns), rows_read));
    }
  }

  std::string CollectionPointer(const std::string& name) const {
    for (const CollectionSpec& c : job_.mapping.collections)
      if (c.name == name) return c.pointer;
    return "";
  }

  // Join columns whose catalog types can never be equal (text against integers): the database may
  // still match them by converting, but sql2mongo compares by value and type and rejects such rows.
  void CheckJoinTypes() {
    for (const CollectionPlan& collection : job_.plan.collections) CheckJoinTypes(collection.name, collection.table);
  }
  void CheckJoinTypes(const std::string& collection, const TablePlan& parent) {
    for (const EmbedPlan& embed : parent.embeds) {
      for (size_t i = 0; i < embed.local_columns.size() && i < embed.foreign_columns.size(); ++i) {
        const ColumnInfo* local = Column(parent.table, parent.read_columns[embed.local_columns[i]]);
        const ColumnInfo* foreign = Column(embed.table.table, embed.table.read_columns[embed.foreign_columns[i]]);
        if (!local || !foreign || local->yields.bson_types.empty() || foreign->yields.bson_types.empty()) continue;
        auto kind = [](const std::vector<std::string>& types) {
          std::set<std::string> kinds;
          for (const auto& t : types) kinds.insert(t == "int" || t == "long" || t == "double" || t == "decimal" ? "number" : t);
          return kinds;
        };
        std::set<std::string> a = kind(local->yields.bson_types), b = kind(foreign->yields.bson_types), common;
        std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::inserter(common, common.begin()));
        if (common.empty())
          Add(Finding::kProblem, "", collection,
              fmt::format("embed {}: join columns {}.{} ({}) and {}.{} ({}) never hold equal values of one type: {}; "
                          "give both columns one type",
                          embed.path, parent.table, local->name, local->declared_type, embed.table.table, foreign->name,
                          foreign->declared_type,
                          embed.kind == EmbedKind::kArray
                              ? "child rows whose keys the database matches by converting are rejected"
                              : "the parent rows the database matches by converting are embedded as null"));
      }
      CheckJoinTypes(collection, embed.table);
    }
  }

  const ColumnInfo* Column(const std::string& table, const std::string& column) {
    Result<const ColumnInfo*> found = catalog_->Column(table, column);
    return found.ok() ? found.value() : nullptr;  // a table the source cannot describe: the plan said so
  }

  // A "type" that cannot hold some of the column's values makes each of their rows a reject: every value
  // of the table (within its "where") is converted as the build would convert it.
  void CheckTypeOverrides() {
    for (const CollectionPlan& collection : job_.plan.collections) {
      if (failed_wheres_.count(collection.name)) continue;
      Result<std::vector<TypeOverrideFinding>> found = sql2mongo::CheckTypeOverrides(collection, *job_.source, kIdRowsChecked);
      if (!found.ok()) {
        Add(Finding::kProblem, "", collection.name, "could not read the values of the typed fields: " + found.status().message());
        continue;
      }
      for (const TypeOverrideFinding& f : found.value()) {
        for (const auto& reason : f.reasons)
          Add(Finding::kProblem, "", collection.name,
              fmt::format("{}: {} of {} values{} {} (e.g. {}): field '{}' is \"type\": \"{}\" from {}, and each row "
                          "holding one is rejected; {}",
                          f.column_name, reason.count, f.values,
                          f.capped ? fmt::format(" of the first {} rows", kIdRowsChecked) : "", reason.why,
                          reason.example, f.field, TargetTypeName(f.type), f.column, reason.fix));
      }
    }
  }

  // Each computed field's type as the database gives it (Source::DescribeExpression), and what the
  // field becomes: the plan built without it, so a result type nobody expected shows before the run.
  void DescribeExpressions() {
    for (const CollectionPlan& collection : job_.plan.collections) {
      for (const PlannedField& field : FieldsOf(collection.table)) {
        const std::string* expression = field.table->ExpressionAt(field.column);
        if (!expression) continue;
        Result<ColumnInfo> described = job_.source->DescribeExpression(field.table->table, *expression);
        if (!described.ok()) {
          if (described.status().code() != StatusCode::kUnsupported)
            Add(Finding::kProblem, "", collection.name,
                fmt::format("computed field '{}': {}", field.path, described.status().message()));
          continue;
        }
        std::string becomes =
            field.type != TargetType::kAuto ? fmt::format("\"type\": \"{}\" makes it {}", TargetTypeName(field.type),
                                                          TargetTypeName(field.type))
            : described->yields.bson_types.empty()
                ? "its values keep their own BSON types"
                : fmt::format("it becomes {}", fmt::join(described->yields.bson_types, " or "));
        Info(collection.name, fmt::format("computed field '{}' = ({}) on table {}: the database types it as {}; {}",
                                          field.path, *expression, field.table->table, described->declared_type, becomes));
      }
    }
  }

  // The target: reachable, who it is, what of the plan it cannot store, what it already holds.
  bool CheckTarget() {
    if (job_.mapping.target_uri.empty()) {
      Add(Finding::kProblem, "", "", "no target: set \"target\" in the mapping or pass --target; the target checks were skipped");
      return true;
    }
    SinkOptions options;
    options.writers = 1;
    Result<std::unique_ptr<Sink>> sink = OpenSink(job_.mapping.target_uri, options);
    if (!sink.ok()) {
      Add(ExitCodeFor(sink.status()) == kExitBadInput ? Finding::kError : Finding::kProblem, "", "", sink.status().message());
      return false;
    }
    job_.sink = std::move(sink).value();
    const TargetInfo& target = job_.sink->Target();
    if (target.product != "files") Info("", target.Describe(job_.sink->DisplayName()));
    Result<std::vector<TargetFinding>> unstorable = CheckPlanAgainstTarget(job_.plan, *job_.source, target);
    if (!unstorable.ok()) {
      Add(Finding::kProblem, "", "", unstorable.status().message());
    } else {
      for (const TargetFinding& f : unstorable.value())
        Add(Finding::kError, "", f.collection,
            fmt::format("field '{}'{}: {}, which {} cannot store; {}", f.field, f.column.empty() ? "" : " from " + f.column,
                        f.what, target.Name(), f.fix));
    }
    DescribeWritesIntoExisting();
    DescribeIndexesAndValidators();
    return true;
  }

  // What a run creates beside the documents: indexes after each load, a validator before it.
  void DescribeIndexesAndValidators() {
    for (const auto& c : job_.plan.collections) {
      for (const IndexSpec& index : c.indexes) {
        std::vector<std::string> keys;
        for (const auto& [path, kind] : index.keys) keys.push_back(fmt::format("{}: {}", path, kind));
        std::string options = index.DescribeOptions();
        Info(c.name, fmt::format("index '{}' {{{}}}{} is created after the load", index.name, fmt::join(keys, ", "),
                                 options.empty() ? "" : " (" + options + ")"));
      }
      if (c.validate != Validation::kOff)
        Info(c.name, fmt::format("its $jsonSchema validator (`sql2mongo schema`) is installed before the load, "
                                 "validationLevel {}; a target that refuses it gets the schema in a file instead",
                                 ValidationName(c.validate)));
    }
  }

  // What the run's mode (and --drop) will do with the collections the target already holds, and the
  // staging collections an earlier --drop run left (killed, or failed).
  void DescribeWritesIntoExisting() {
    std::vector<std::string> names, staging;
    for (const auto& c : job_.plan.collections) {
      names.push_back(c.name);
      staging.push_back(StagingCollectionName(c.name));
    }
    Result<std::vector<std::string>> existing = job_.sink->ExistingCollections(names);
    if (!existing.ok()) {
      Add(Finding::kProblem, "", "", existing.status().message());
      return;
    }
    for (const std::string& described : existing.value()) {
      std::string name = described.substr(0, described.find(" ("));
      const CollectionPlan* plan = nullptr;
      for (const auto& c : job_.plan.collections)
        if (c.name == name) plan = &c;
      if (!plan) continue;
      if (plan->swap) {
        Info(name, fmt::format("the target holds collection {}: \"cutover\": \"swap\" loads {}, reads it back to "
                               "check it holds exactly what the run wrote, and only then swaps it in, keeping the live documents as {}__before_<time> "
                               "({} kept; sql2mongo rollback puts the newest back)",
                               described, StagingCollectionName(name), name, plan->backups));
        continue;
      }
      if (arguments_.drop || plan->drop) {
        Info(name, fmt::format("the target holds collection {}: the run loads {} and renames it over {} once the "
                               "whole run succeeded (a failed run leaves it as it is)",
                               described, StagingCollectionName(name), name));
        continue;
      }
      switch (plan->write_mode.kind) {
        case WriteModeKind::kInsert:
          Add(Finding::kProblem, "", name,
              fmt::format("the target already holds collection {}: a run in mode insert adds to it, and every "
                          "document whose _id is already there is rejected as a duplicate; pass --drop to replace "
                          "it, or --mode replace or merge to update it",
                          described));
          break;
        case WriteModeKind::kReplace:
          Info(name, fmt::format("the target holds collection {}: mode replace replaces each document whose _id "
                                 "is there, whole, and adds the others; documents the source no longer has stay",
                                 described));
          break;
        case WriteModeKind::kMerge: {
          std::string arrays;
          for (const auto& merge : plan->write_mode.merged_arrays)
            arrays += fmt::format("{}{} merged by {}", arrays.empty() ? "" : ", ", merge.field, merge.key);
          Info(name, fmt::format("the target holds collection {}: mode merge sets the mapped top-level fields of "
                                 "each document whose _id is there (fields other tools added stay; arrays are "
                                 "replaced whole{}) and adds the others",
                                 described, arrays.empty() ? "" : ", but " + arrays));
          break;
        }
      }
    }
    Result<std::vector<std::string>> left = job_.sink->ExistingCollections(staging);
    if (!left.ok()) return;
    for (const std::string& described : left.value())
      Info("", fmt::format("the target holds staging collection {}, left by a --drop run that did not finish; the "
                           "next --drop run drops it and loads it again",
                           described));
  }

  static std::string Columns(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
  }

  // One line per embed: which fetch `run --embed-fetch auto` uses for it, and why (embed_strategy.h,
  // embed_merge.h).
  void DescribeEmbeds(const std::string& collection, const TablePlan& table, int depth,
                      const std::map<const EmbedPlan*, MergeDecision>& merge) {
    for (const EmbedPlan& embed : table.embeds) {
      std::string indent(2 * depth, ' ');
      auto merged = merge.find(&embed);
      std::string how;
      if (embed.kind != EmbedKind::kArray)
        how = fmt::format("N:1 object from {} by {}: one query per batch for keys not seen yet, then cached (up to "
                          "100 000 rows)", embed.table.table, Columns(embed.foreign_names));
      else if (merged != merge.end() && merged->second.merged)
        how = fmt::format("1:N array from {} where {} = the parent's key: streamed merge join, {} (a unit whose root "
                          "rows do not come in key order falls back to key lists)",
                          embed.table.table, Columns(embed.foreign_names), merged->second.why);
      else
        how = fmt::format("1:N array from {} where {} = the parent's key: one query per batch of parents by {}, "
                          "grouped by key (no merge join: {})",
                          embed.table.table, Columns(embed.foreign_names), PlanEmbedFetch(embed, table, depth == 1).why,
                          merged != merge.end() ? merged->second.why : "below the second level");
      Info(collection, fmt::format("plan: {}{}: {}{}", indent, embed.path, how,
                                   embed.table.where.empty() ? "" : fmt::format(", where {}", embed.table.where)));
      DescribeEmbeds(collection, embed.table, depth + 1, merge);
    }
  }

  void DescribePlan() {
    for (const CollectionPlan& collection : job_.plan.collections) {
      Result<TableInfo> info = job_.source->DescribeTable(collection.table.table);
      // As PlanRanges cuts it (run_pipeline.cc): any primary key, at the source's KeySplitPoints.
      bool ranges = info.ok() && !info->primary_key.empty();
      std::string partition =
          ranges ? fmt::format("read as up to {} key ranges over its primary key {} at once (--threads), in one snapshot",
                               job_.readers, fmt::join(info->primary_key, ", "))
                 : "read by one reader (the table has no primary key)";
      Info(collection.name, fmt::format("plan: table {} ({} columns), {}{}", collection.table.table,
                                        collection.table.read_columns.size(), partition,
                                        collection.table.where.empty() ? "" : ", where " + collection.table.where));
      if (!collection.version_field.empty())
        Info(collection.name, fmt::format("schema version: every document gets {}: {} (the mapping's "
                                          "\"schema_version\"), after _id", collection.version_field,
                                          collection.schema_version));
      DescribeEmbeds(collection.name, collection.table, 1, PlanMergeJoin(collection, *job_.source));
      DescribeIncremental(collection.name, collection.table);
    }
  }

  // What a run after the first reads of each "incremental" table (docs/scheduled-imports.md).
  void DescribeIncremental(const std::string& collection, const TablePlan& table) {
    if (table.changes) {
      const ChangeTracking& c = *table.changes;
      const char* deletes = c.deletes == DeletePolicy::kSoft     ? "; rows flagged deleted remove their document or element"
                            : c.deletes == DeletePolicy::kDetect ? "; documents whose root row is gone are deleted"
                                                                 : "";
      Info(collection, fmt::format("plan: incremental {}: after the first run, only rows of {} with {} past the last "
                                   "successful run's watermark are read, and the documents they belong to rebuilt{}",
                                   c.path, table.table, c.column, deletes));
    }
    for (const EmbedPlan& embed : table.embeds) DescribeIncremental(collection, embed.table);
  }

  // Documents, their sizes, and the parents whose document would pass the target's limit: from the root
  // table's row count, a sample of rows and fan-outs, and one GROUP BY count per embedded array.
  void EstimateSizes() {
    EstimateOptions options;
    if (job_.sink) options.max_document_bytes = static_cast<uint64_t>(job_.sink->Target().max_document_bytes);
    for (const CollectionPlan& collection : job_.plan.collections) {
      if (failed_wheres_.count(collection.name)) continue;  // its SQL fails: reported above
      Result<CollectionEstimate> estimate = EstimateCollection(collection, *job_.source, options);
      if (!estimate.ok()) {
        Add(Finding::kProblem, "", collection.name, "could not estimate the documents' sizes: " + estimate.status().message());
        continue;
      }
      const CollectionEstimate& e = estimate.value();
      std::string documents = e.documents ? fmt::format("{} documents (rows of {})", *e.documents, collection.table.table)
                                          : "documents not counted";
      std::string sizes = e.sampled == 0
                              ? "no rows to sample"
                              : fmt::format("sizes from the first {} rows, each embed's sampled fan-out and the sampled "
                                            "rows' widths: average {}, p99 {}, largest {}{}",
                                            e.sampled, ReadableBytes(e.average_bytes), ReadableBytes(e.p99_bytes),
                                            ReadableBytes(e.max_bytes),
                                            e.partial ? " (at least: an embed's sample stopped at its cap)" : "");
      nlohmann::ordered_json figures = {{"sampled", e.sampled},         {"average_bytes", e.average_bytes},
                                        {"p99_bytes", e.p99_bytes},     {"max_bytes", e.max_bytes},
                                        {"partial", e.partial}};
      figures["documents"] = e.documents ? nlohmann::ordered_json(*e.documents) : nlohmann::ordered_json(nullptr);
      Add(Finding::kInfo, "", collection.name,
          fmt::format("estimate: {}; {}{}", documents, sizes,
                      e.notes.empty() ? "" : fmt::format(" ({})", fmt::join(e.notes, "; "))),
          {{"estimate", figures}});
      for (const OversizedDocument& o : e.oversized) ReportOversized(collection, o, options.max_document_bytes);
      if (e.more_oversized)
        Add(Finding::kProblem, "", collection.name,
            fmt::format("more parents than the {} listed would pass {} a document", options.max_oversized,
                        ReadableBytes(options.max_document_bytes)));
    }
  }

  void ReportOversized(const CollectionPlan& collection, const OversizedDocument& o, uint64_t limit) {
    std::vector<std::string> key;
    nlohmann::ordered_json key_json = nlohmann::ordered_json::object();
    for (const auto& [column, value] : o.parent_key) {
      key.push_back(fmt::format("{} = {}", column, value));
      key_json[column] = value;
    }
    std::string parent = fmt::format("{} {}", o.parent_table, fmt::join(key, ", "));
    std::string whose = o.parent_is_root ? fmt::format("the document of {}", parent)
                                         : fmt::format("the document holding {}", parent);
    Add(Finding::kProblem, EmbedPlace(collection.name, o.embed_path), collection.name,
        fmt::format("{} would be ~{}, over the {} a document may hold: its array '{}' has {} rows of {} (~{} "
                    "each); run rejects that document. Keep {} a collection of its own with a reference, or narrow "
                    "the embed with \"where\"",
                    whose, ReadableBytes(o.estimated_bytes), ReadableBytes(limit), o.array, o.rows, o.child_table,
                    ReadableBytes(o.item_bytes), o.child_table),
        {{"oversized", {{"parent_table", o.parent_table}, {"parent_key", key_json}, {"array", o.array},
                        {"rows", o.rows}, {"estimated_bytes", o.estimated_bytes}}}});
  }

  // The place of the embed the plan calls `path` ("customers.invoices.lines") in the mapping file.
  std::string EmbedPlace(const std::string& collection, const std::string& path) const {
    std::function<const EmbedSpec*(const std::vector<EmbedSpec>&, const std::string&)> find =
        [&](const std::vector<EmbedSpec>& embeds, const std::string& prefix) -> const EmbedSpec* {
      for (const EmbedSpec& embed : embeds) {
        std::string here = prefix + "." + embed.path;
        if (here == path) return &embed;
        if (const EmbedSpec* deeper = find(embed.embeds, here)) return deeper;
      }
      return nullptr;
    };
    for (const CollectionSpec& spec : job_.mapping.collections)
      if (spec.name == collection)
        if (const EmbedSpec* embed = find(spec.embeds, spec.name)) return embed->place.ToString();
    return "";
  }

  // The real pipeline on the first rows of each collection, into a sink that keeps them: the same
  // documents `run` writes for those rows, and the same rejects.
  void BuildSamples() {
    if (arguments_.sample == 0) return;
    if (!job_.sink) {  // no target: build them for one that stores every value
      Result<std::unique_ptr<Sink>> null_sink = OpenSink("null:");
      if (!null_sink.ok()) return;
      job_.sink = std::move(null_sink).value();
    }
    SampleSink samples(*job_.sink, static_cast<size_t>(arguments_.sample));
    RunOptions options;
    options.sample_rows = static_cast<size_t>(arguments_.sample);
    options.batch_size = static_cast<size_t>(arguments_.sample);
    options.writers = 1;
    options.read_partitions = 1;
    // The sampled rows that would be rejected, with their reasons and source values: a private file
    // (mode 600, made by mkstemp), removed again when no row was rejected.
    std::string path = (std::filesystem::temp_directory_path() / "sql2mongo-check-XXXXXX.rejects.jsonl").string();
    int fd = mkstemps(path.data(), static_cast<int>(std::string(".rejects.jsonl").size()));
    if (fd >= 0) close(fd);
    options.rejects_file = path;
    RunSummary summary = RunPlan(job_.plan, *job_.source, samples, options);
    std::error_code ignored;
    if (summary.TotalRejected() == 0) std::filesystem::remove(path, ignored);
    if (!summary.failure.ok()) Add(Finding::kProblem, "", "", "building samples: " + summary.failure.message());
    for (const auto& counters : summary.collections) {
      if (counters.rejected > 0)
        Add(Finding::kProblem, "", counters.collection,
            fmt::format("{} of the {} sampled rows would be rejected; see {}", counters.rejected, counters.rows_read,
                        options.rejects_file));
      uint64_t largest = 0, total = 0;
      for (const auto& doc : samples.samples()[counters.collection]) {
        largest = std::max<uint64_t>(largest, doc->len);
        total += doc->len;
      }
      size_t n = samples.samples()[counters.collection].size();
      if (n > 0)
        Info(counters.collection, fmt::format("sampled {} documents: average {} bytes, largest {} bytes", n, total / n,
                                              largest));
    }
    std::swap(samples_, samples.samples());
  }

  int Finish() {
    int code = 0;
    for (const auto& f : findings_) code = std::max(code, static_cast<int>(f.level));
    if (arguments_.json) PrintJson(code);
    else PrintText(code);
    return code;
  }

  void PrintText(int code) {
    size_t errors = 0, problems = 0;
    for (const auto& f : findings_) {
      errors += f.level == Finding::kError;
      problems += f.level == Finding::kProblem;
      std::string where = f.place.empty() ? "" : f.place + ": ";
      std::string who = f.collection.empty() ? "" : fmt::format("collection '{}': ", f.collection);
      fmt::print("{:<8}{}{}{}\n", LevelName(f.level), where, who, f.message);
    }
    for (const auto& [collection, docs] : samples_) {
      for (const auto& doc : docs) {
        std::string json = RelaxedJson(doc.get());
        fmt::print("sample  collection '{}': {}\n", collection, json.empty() ? "<unprintable>" : json);
      }
    }
    fmt::print("{}: {} error{}, {} problem{}; nothing was written (exit {})\n",
               code == 2 ? "cannot run" : code == 1 ? "would reject or lose data" : "ready to run", errors,
               errors == 1 ? "" : "s", problems, problems == 1 ? "" : "s", code);
  }

  // One JSON object per line, for CI: findings, then samples in canonical Extended JSON, then a verdict.
  void PrintJson(int code) {
    for (const auto& f : findings_) {
      nlohmann::ordered_json line = {{"level", LevelName(f.level)}, {"place", f.place}, {"collection", f.collection},
                                     {"message", f.message}};
      if (f.details.is_object()) line.update(f.details);
      fmt::print("{}\n", line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
    for (const auto& [collection, docs] : samples_) {
      for (const auto& doc : docs) {
        BsonString json(bson_as_canonical_extended_json(doc.get(), nullptr));
        fmt::print("{{\"level\":\"sample\",\"collection\":{},\"document\":{}}}\n", nlohmann::json(collection).dump(),
                   json ? json.get() : "null");
      }
    }
    fmt::print("{{\"level\":\"verdict\",\"exit\":{}}}\n", code);
  }

  const CheckArguments& arguments_;
  Job job_;
  std::unique_ptr<CatalogCache> catalog_;  // of job_.source, once it is open
  std::vector<Finding> findings_;
  std::set<std::string> failed_wheres_;  // collections with a "where" that fails
  std::map<std::string, std::vector<BsonPtr>> samples_;
};

}  // namespace

void AddCheckCommand(CLI::App& app, CheckArguments* arguments) {
  CLI::App* check = app.add_subcommand(
      "check", "Dry run: check the mapping against the source and the target, build sample documents, write nothing");
  AddJobOptions(check, &arguments->job);
  AddModeOption(check, &arguments->job);
  check->add_option("--sample", arguments->sample, "Documents to build and print per collection")
      ->check(CLI::Range(0, 1000))
      ->capture_default_str();
  check->add_flag("--json", arguments->json, "Findings as JSON lines, one object each, for CI");
  check->add_flag("--drop", arguments->drop, "Check for a run with --drop: collections the target holds will be replaced");
}

int CheckCommand(const CheckArguments& arguments) { return Checker(arguments).Run(); }

}  // namespace sql2mongo
