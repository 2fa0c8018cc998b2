#include "sink/mongo/mongo_connection.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>

#include "common/redact.h"
#include "common/uri.h"
#include "sql2mongo_version.h"

namespace sql2mongo {

void EnsureMongocInitialized() {
  static std::once_flag once;
  std::call_once(once, [] {
    mongoc_init();
    std::atexit(mongoc_cleanup);
  });
}

namespace {

struct CheckedUri {
  MongoUri uri;
  std::string database;
  std::string display;
};

Result<CheckedUri> CheckUri(const std::string& uri_text) {
  EnsureMongocInitialized();
  CheckedUri checked;
  checked.display = RedactUri(uri_text);
  bson_error_t error;
  checked.uri.reset(mongoc_uri_new_with_error(uri_text.c_str(), &error));
  if (!checked.uri)
    return Status::Error(StatusCode::kUsage,
                         fmt::format("target {}: not a valid MongoDB URI: {}", checked.display, error.message));
  const char* database = mongoc_uri_get_database(checked.uri.get());
  if (!database || !*database)
    return Status::Error(StatusCode::kUsage, fmt::format("target {}: the URI names no database; add one, e.g. "
                                                         "mongodb://host:port/DBNAME", checked.display));
  checked.database = database;
  mongoc_uri_t* uri = checked.uri.get();
  // libmongoc waits 30 s for a server by default: a target that is down should fail fast and clearly.
  if (!mongoc_uri_has_option(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS))
    mongoc_uri_set_option_as_int32(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 5000);
  if (!mongoc_uri_has_option(uri, MONGOC_URI_CONNECTTIMEOUTMS))
    mongoc_uri_set_option_as_int32(uri, MONGOC_URI_CONNECTTIMEOUTMS, 5000);
  if (!mongoc_uri_has_option(uri, MONGOC_URI_APPNAME)) mongoc_uri_set_appname(uri, "sql2mongo " SQL2MONGO_VERSION);
  return checked;
}

Status Ping(mongoc_client_t* client, const std::string& display) {
  ScopedBson ping;
  BSON_APPEND_INT32(ping.get(), "ping", 1);
  ScopedBson reply;
  bson_error_t error;
  if (!mongoc_client_command_simple(client, "admin", ping.get(), nullptr, reply.ResetForOutput(), &error))
    return Status::Error(StatusCode::kTargetError,
                         fmt::format("target {} does not answer: {} (is the server running? scripts/services start "
                                     "starts the local one)", display, error.message));
  return Status::Ok();
}

}  // namespace

Result<MongoConnection> ConnectMongo(const std::string& uri_text) {
  S2M_ASSIGN_OR_RETURN(CheckedUri checked, CheckUri(uri_text));
  MongoConnection connection;
  connection.display_uri = checked.display;
  connection.database = checked.database;
  bson_error_t error;
  connection.client.reset(mongoc_client_new_from_uri_with_error(checked.uri.get(), &error));
  if (!connection.client)
    return Status::Error(StatusCode::kTargetError, fmt::format("target {}: {}", connection.display_uri, error.message));
  mongoc_client_set_error_api(connection.client.get(), MONGOC_ERROR_API_VERSION_2);
  S2M_RETURN_IF_ERROR(Ping(connection.client.get(), connection.display_uri));
  return connection;
}

Result<MongoPoolConnection> ConnectMongoPool(const std::string& uri_text, int max_clients) {
  S2M_ASSIGN_OR_RETURN(CheckedUri checked, CheckUri(uri_text));
  MongoPoolConnection connection;
  connection.display_uri = checked.display;
  connection.database = checked.database;
  bson_error_t error;
  connection.pool.reset(mongoc_client_pool_new_with_error(checked.uri.get(), &error));
  if (!connection.pool)
    return Status::Error(StatusCode::kTargetError, fmt::format("target {}: {}", connection.display_uri, error.message));
  mongoc_client_pool_set_error_api(connection.pool.get(), MONGOC_ERROR_API_VERSION_2);
  mongoc_client_pool_max_size(connection.pool.get(), static_cast<uint32_t>(std::max(1, max_clients)));
  PooledClient client(connection.pool.get());
  S2M_RETURN_IF_ERROR(Ping(client.get(), connection.display_uri));
  return connection;
}

}  // namespace sql2mongo
