#include "pipeline/collection_setup.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>

#include "sql2mongo/json_schema.h"

namespace sql2mongo {
namespace {

Status WriteSchemaFile(const std::string& path, const std::string& collection, const nlohmann::ordered_json& schema) {
  std::error_code ignored;
  std::filesystem::path folder = std::filesystem::path(path).parent_path();
  if (!folder.empty()) std::filesystem::create_directories(folder, ignored);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  // The same shape as `sql2mongo schema` prints for one collection: what createCollection's validator takes.
  nlohmann::ordered_json validator = {{"$jsonSchema", schema}};
  out << validator.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
  out.close();
  if (!out)
    return Status::Error(StatusCode::kUsage,
                         fmt::format("cannot write the schema of collection '{}' to {}", collection, path));
  return Status::Ok();
}

Status WithLiveUntouched(const Status& status, const std::string& collection, bool replacing) {
  if (!replacing || status.ok()) return status;
  return Status::Error(status.code(), fmt::format("{}; the live collection '{}' is as it was (--drop loaded a "
                                                  "staging collection, not published)",
                                                  status.message(), collection));
}

}  // namespace

std::string SchemaFilePath(const std::string& schema_dir, const std::string& collection) {
  return (std::filesystem::path(schema_dir.empty() ? "." : schema_dir) / (collection + ".schema.json")).string();
}

Status InstallCollectionValidator(const CollectionPlan& collection, const CollectionSetupContext& context) {
  if (collection.validate == Validation::kOff) return Status::Ok();
  S2M_ASSIGN_OR_RETURN(nlohmann::ordered_json schema, CollectionJsonSchema(collection, context.source));
  ValidatorOutcome outcome{collection.name, collection.validate, false, "", ""};
  Status installed = context.sink.InstallValidator(collection.name, schema.dump(), collection.validate);
  if (installed.ok()) {
    outcome.installed = true;
    spdlog::info("collection {}: $jsonSchema validator installed (validationLevel {})", collection.name,
                 ValidationName(collection.validate));
  } else if (installed.code() == StatusCode::kUnsupported) {
    outcome.reason = installed.message();
    outcome.schema_file = SchemaFilePath(context.schema_dir, collection.name);
    S2M_RETURN_IF_ERROR(WriteSchemaFile(outcome.schema_file, collection.name, schema));
    spdlog::warn("{}; the documents are written without it, and its schema is in {}", installed.message(),
                 outcome.schema_file);
  } else {
    return WithLiveUntouched(installed, collection.name, context.replacing);
  }
  context.summary->validators.push_back(std::move(outcome));
  return Status::Ok();
}

Status CreateCollectionIndexes(const CollectionPlan& collection, const CollectionSetupContext& context) {
  if (collection.indexes.empty()) return Status::Ok();
  auto started = std::chrono::steady_clock::now();
  Result<std::vector<IndexOutcome>> created = context.sink.CreateIndexes(collection.name, collection.indexes);
  if (!created.ok()) return WithLiveUntouched(created.status(), collection.name, context.replacing);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!created->empty()) spdlog::info("collection {}: indexes done in {:.2f} s", collection.name, seconds);
  RunSummary& summary = *context.summary;
  summary.indexes.insert(summary.indexes.end(), created->begin(), created->end());
  return Status::Ok();
}

}  // namespace sql2mongo
