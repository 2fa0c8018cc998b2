#include "sink/mongo/target_identity.h"

#include <fmt/format.h>

#include "common/handles.h"
#include "sql2mongo/sink.h"

namespace sql2mongo {
namespace {

Result<BsonPtr> AdminCommand(mongoc_client_t* client, const char* name, const std::string& display_uri) {
  ScopedBson command;
  BSON_APPEND_INT32(command.get(), name, 1);
  ScopedBson reply;
  bson_error_t error;
  if (!mongoc_client_command_simple(client, "admin", command.get(), nullptr, reply.ResetForOutput(), &error))
    return Status::Error(StatusCode::kTargetError,
                         fmt::format("target {}: the {} command failed: {}", display_uri, name, error.message));
  return BsonPtr(bson_copy(reply.get()));
}

std::string Utf8Field(const bson_t* doc, const char* key) {
  bson_iter_t iter;
  if (bson_iter_init_find(&iter, doc, key) && BSON_ITER_HOLDS_UTF8(&iter)) return bson_iter_utf8(&iter, nullptr);
  return "";
}

int64_t NumberField(const bson_t* doc, const char* key, int64_t fallback) {
  bson_iter_t iter;
  if (bson_iter_init_find(&iter, doc, key) && BSON_ITER_HOLDS_NUMBER(&iter)) return bson_iter_as_int64(&iter);
  return fallback;
}

}  // namespace

void DecideValueSupport(TargetInfo* info) {
  if (info->product == "FerretDB" && info->version.rfind("v1.", 0) == 0) {
    info->supports.decimal128 = false;
    info->supports.nan = false;
    info->supports.nested_arrays = false;
    info->supports.dotted_keys = false;
    info->supports.dollar_keys = false;
    // FerretDB v1.24.1 (SQLite handler) never answers an update command of 100 or more statements, and
    // the database stays locked until the server restarts (tried 2026-12-02: 99 replaces answered in
    // 0.9 s, 100 never did; inserts are not affected). Half of that leaves a margin.
    info->max_updates_per_command = 50;
    info->rename_replaces = false;
    info->update_errors_exact = false;
    info->support_source = "known limits of FerretDB v1";
  } else {
    info->supports = ValueSupport{};
    info->support_source = info->product == "FerretDB" ? "FerretDB v2 stores what MongoDB stores"
                                                       : "MongoDB stores every BSON value";
  }
}

Result<TargetInfo> IdentifyMongoTarget(mongoc_client_t* client, const std::string& display_uri) {
  S2M_ASSIGN_OR_RETURN(BsonPtr build_info, AdminCommand(client, "buildInfo", display_uri));
  // hello came with MongoDB 4.4.2 (wire version 9); older servers and mongo-java-server know isMaster.
  Result<BsonPtr> hello = AdminCommand(client, "hello", display_uri);
  if (!hello.ok()) hello = AdminCommand(client, "isMaster", display_uri);
  if (!hello.ok()) return hello.status();

  TargetInfo info;
  info.reported_version = Utf8Field(build_info.get(), "version");
  std::string ferretdb = Utf8Field(build_info.get(), "ferretdbVersion");
  info.product = ferretdb.empty() ? "MongoDB" : "FerretDB";
  info.version = ferretdb.empty() ? info.reported_version : ferretdb;
  info.max_wire_version = static_cast<int>(NumberField(hello.value().get(), "maxWireVersion", 0));
  info.max_document_bytes = NumberField(hello.value().get(), "maxBsonObjectSize", info.max_document_bytes);
  info.max_message_bytes = NumberField(hello.value().get(), "maxMessageSizeBytes", info.max_message_bytes);
  DecideValueSupport(&info);
  // MongoDB and FerretDB name their build (gitVersion); mongo-java-server answers buildInfo with the
  // version alone, and is the server whose renames keep the old name.
  bson_iter_t git;
  info.rename_keeps_old_name = ferretdb.empty() && !bson_iter_init_find(&git, build_info.get(), "gitVersion");
  return info;
}

}  // namespace sql2mongo
