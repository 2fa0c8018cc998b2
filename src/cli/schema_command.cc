// sql2mongo schema MAPPING.json: each collection's $jsonSchema validator, from the plan and the source
// columns' types and nullability, as one JSON object {"collection": {"$jsonSchema": {...}}, ...}: what
// `db.createCollection(name, {validator: ...})` takes.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "cli/command_output.h"
#include "cli/commands.h"
#include "sql2mongo/json_schema.h"

namespace sql2mongo {

void AddSchemaCommand(CLI::App& app, SchemaArguments* arguments) {
  CLI::App* schema = app.add_subcommand(
      "schema", "Print each collection's $jsonSchema validator, from the mapping and the source's column types");
  AddJobOptions(schema, &arguments->job);
  schema->add_option("--collection", arguments->collection, "Only this collection");
  schema->add_option("-o,--output", arguments->output_file, "Write to this file instead of standard output");
}

int SchemaCommand(const SchemaArguments& arguments) {
  auto report = [](const Status& status) {
    spdlog::error("{}", status.message());
    return ExitCodeFor(status);
  };
  Result<Job> loaded = LoadJob(arguments.job, JobPart::kPlan);
  if (!loaded.ok()) return report(loaded.status());
  Job& job = loaded.value();
  nlohmann::ordered_json validators = nlohmann::ordered_json::object();
  for (const CollectionPlan& collection : job.plan.collections) {
    if (!arguments.collection.empty() && collection.name != arguments.collection) continue;
    Result<nlohmann::ordered_json> schema = CollectionJsonSchema(collection, *job.source);
    if (!schema.ok()) return report(schema.status().WithContext(fmt::format("collection '{}'", collection.name)));
    validators[collection.name] = {{"$jsonSchema", std::move(schema).value()}};
  }
  if (validators.empty())
    return report(Status::Error(StatusCode::kUsage, fmt::format("{}: no collection '{}' in the mapping",
                                                                arguments.job.mapping_file, arguments.collection)));
  std::string text = validators.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  Status written = PrintOrWrite(text, arguments.output_file);
  if (!written.ok()) return report(written);
  if (arguments.output_file.empty()) return kExitOk;
  spdlog::info("wrote the validators of {} collection{} to {}", validators.size(), validators.size() == 1 ? "" : "s",
               arguments.output_file);
  return kExitOk;
}

}  // namespace sql2mongo
