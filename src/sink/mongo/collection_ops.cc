#include "sink/mongo/collection_ops.h"

#include <fmt/format.h>

#include "common/handles.h"
#include "sql2mongo/sink.h"

namespace sql2mongo {

Result<std::set<std::string>> CollectionOps::Names() {
  MongoDatabase database(mongoc_client_get_database(client_, database_.c_str()));
  bson_error_t error;
  char** names = mongoc_database_get_collection_names_with_opts(database.get(), nullptr, &error);
  if (!names)
    return Status::Error(StatusCode::kTargetError,
                         fmt::format("target {}: cannot list the collections: {}", display_uri_, error.message));
  std::set<std::string> out;
  for (char** name = names; *name; ++name) out.insert(*name);
  bson_strfreev(names);
  return out;
}

Status CollectionOps::Command(const char* database, bson_t* command, const std::string& what) {
  BsonPtr owned(command);
  ScopedBson reply;
  bson_error_t error;
  if (mongoc_client_command_simple(client_, database, owned.get(), nullptr, reply.ResetForOutput(), &error))
    return Status::Ok();
  return Status::Error(StatusCode::kTargetError,
                       fmt::format("target {}: cannot {}: {} (code {})", display_uri_, what, error.message, error.code));
}

Status CollectionOps::Create(const std::string& name) {
  return Command(database_.c_str(), BCON_NEW("create", BCON_UTF8(name.c_str())), "create collection " + name);
}

Status CollectionOps::Drop(const std::string& name) {
  MongoCollection collection(mongoc_client_get_collection(client_, database_.c_str(), name.c_str()));
  bson_error_t error;
  // "ns not found" (26) only means there was nothing to drop.
  if (!mongoc_collection_drop(collection.get(), &error) && error.code != 26 &&
      std::string(error.message).find("ns not found") == std::string::npos)
    return Status::Error(StatusCode::kTargetError,
                         fmt::format("target {}: cannot drop collection '{}': {}", display_uri_, name, error.message));
  return Status::Ok();
}

Status CollectionOps::Rename(const std::string& from, const std::string& to, bool drop_target) {
  std::string from_ns = database_ + "." + from, to_ns = database_ + "." + to;
  bson_t* command = BCON_NEW("renameCollection", BCON_UTF8(from_ns.c_str()), "to", BCON_UTF8(to_ns.c_str()));
  if (drop_target) BSON_APPEND_BOOL(command, "dropTarget", true);
  return Command("admin", command, fmt::format("rename collection {} to {}", from, to));
}

Status CollectionOps::CopyOver(const std::string& from, const std::string& to) {
  MongoCollection source(mongoc_client_get_collection(client_, database_.c_str(), from.c_str()));
  BsonPtr pipeline(BCON_NEW("pipeline", "[", "{", "$match", "{", "}", "}", "{", "$out", BCON_UTF8(to.c_str()), "}", "]"));
  MongoCursor cursor(mongoc_collection_aggregate(source.get(), MONGOC_QUERY_NONE, pipeline.get(), nullptr, nullptr));
  const bson_t* ignored = nullptr;
  while (mongoc_cursor_next(cursor.get(), &ignored)) {
  }
  bson_error_t error;
  if (mongoc_cursor_error(cursor.get(), &error))
    return Status::Error(StatusCode::kTargetError, fmt::format("target {}: cannot copy {} over collection '{}' ($out): {}",
                                                               display_uri_, from, to, error.message));
  return Status::Ok();
}

Result<int64_t> CollectionOps::Count(const std::string& name) {
  MongoCollection collection(mongoc_client_get_collection(client_, database_.c_str(), name.c_str()));
  ScopedBson filter;
  bson_error_t error;
  int64_t count = mongoc_collection_count_documents(collection.get(), filter.get(), nullptr, nullptr, nullptr, &error);
  if (count < 0)
    return Status::Error(StatusCode::kTargetError,
                         fmt::format("target {}: cannot count collection '{}': {}", display_uri_, name, error.message));
  return count;
}

}  // namespace sql2mongo
