// sql2mongo peek MAPPING.json COLLECTION: prints documents from the target, to see what a run built.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "common/handles.h"
#include "sink/mongo/mongo_connection.h"
#include "sql2mongo/mapping.h"

namespace sql2mongo {

void AddPeekCommand(CLI::App& app, PeekArguments* arguments) {
  CLI::App* peek = app.add_subcommand("peek", "Print documents of a collection from the mapping's target");
  peek->add_option("mapping", arguments->mapping_file, "Mapping file whose target to read")->required();
  peek->add_option("collection", arguments->collection, "Collection name")->required();
  peek->add_option("--target", arguments->target_uri, "Target URI, overrides the mapping's");
  peek->add_option("--filter", arguments->filter_json, "Query filter as Extended JSON, e.g. '{\"_id\": 1}'");
  peek->add_option("--limit", arguments->limit, "How many documents")->capture_default_str()->check(CLI::Range(1, 1000));
}

int PeekCommand(const PeekArguments& arguments) {
  std::string target = arguments.target_uri;
  if (target.empty()) {
    Result<Mapping> mapping = ParseMappingFile(arguments.mapping_file);
    if (!mapping.ok()) {
      spdlog::error("{}", mapping.status().message());
      return ExitCodeFor(mapping.status());
    }
    target = mapping->target_uri;
  }
  Result<MongoConnection> connection = ConnectMongo(target);
  if (!connection.ok()) {
    spdlog::error("{}", connection.status().message());
    return ExitCodeFor(connection.status());
  }
  bson_error_t error;
  BsonPtr filter(arguments.filter_json.empty()
                     ? bson_new()
                     : bson_new_from_json(reinterpret_cast<const uint8_t*>(arguments.filter_json.data()),
                                          static_cast<ssize_t>(arguments.filter_json.size()), &error));
  if (!filter) {
    spdlog::error("--filter is not valid JSON: {}", error.message);
    return kExitBadInput;
  }
  ScopedBson options;
  BSON_APPEND_INT64(options.get(), "limit", arguments.limit);
  MongoCollection collection(mongoc_client_get_collection(connection->client.get(), connection->database.c_str(),
                                                          arguments.collection.c_str()));
  MongoCursor cursor(mongoc_collection_find_with_opts(collection.get(), filter.get(), options.get(), nullptr));
  const bson_t* doc;
  int printed = 0;
  while (mongoc_cursor_next(cursor.get(), &doc)) {
    BsonString json(bson_as_relaxed_extended_json(doc, nullptr));
    if (!json) {
      fmt::print("<a document libbson cannot print>\n");
      continue;
    }
    // Re-indented for reading; ordered_json keeps the document's field order.
    auto parsed = nlohmann::ordered_json::parse(json.get(), nullptr, false);
    fmt::print("{}\n", parsed.is_discarded() ? std::string(json.get())
                                             : parsed.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
    ++printed;
  }
  if (mongoc_cursor_error(cursor.get(), &error)) {
    spdlog::error("reading {}.{} from {}: {}", connection->database, arguments.collection, connection->display_uri,
                  error.message);
    return kExitRunFailed;
  }
  if (printed == 0) spdlog::warn("no document in {}.{} matches", connection->database, arguments.collection);
  return kExitOk;
}

}  // namespace sql2mongo
