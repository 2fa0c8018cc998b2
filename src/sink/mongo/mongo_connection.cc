#include "sink/mongo/mongo_connection.h"

#include <fmt/format.h>

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

Result<MongoConnection> ConnectMongo(const std::string& uri_text) {
  EnsureMongocInitialized();
  MongoConnection connection;
  connection.display_uri = RedactUri(uri_text);
  bson_error_t error;
  MongoUri uri(mongoc_uri_new_with_error(uri_text.c_str(), &error));
  if (!uri)
    return Status::Error(StatusCode::kUsage,
                         fmt::format("target {}: not a valid MongoDB URI: {}", connection.display_uri, error.message));
  const char* database = mongoc_uri_get_database(uri.get());
  if (!database || !*database)
    return Status::Error(StatusCode::kUsage, fmt::format("target {}: the URI names no database; add one, e.g. "
                                                         "mongodb://host:port/DBNAME", connection.display_uri));
  connection.database = database;
  // libmongoc waits 30 s for a server by default: a target that is down should fail fast and clearly.
  if (!mongoc_uri_has_option(uri.get(), MONGOC_URI_SERVERSELECTIONTIMEOUTMS))
    mongoc_uri_set_option_as_int32(uri.get(), MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 5000);
  if (!mongoc_uri_has_option(uri.get(), MONGOC_URI_CONNECTTIMEOUTMS))
    mongoc_uri_set_option_as_int32(uri.get(), MONGOC_URI_CONNECTTIMEOUTMS, 5000);
  if (!mongoc_uri_has_option(uri.get(), MONGOC_URI_APPNAME))
    mongoc_uri_set_appname(uri.get(), "sql2mongo " SQL2MONGO_VERSION);

  connection.client.reset(mongoc_client_new_from_uri_with_error(uri.get(), &error));
  if (!connection.client)
    return Status::Error(StatusCode::kTargetError, fmt::format("target {}: {}", connection.display_uri, error.message));
  mongoc_client_set_error_api(connection.client.get(), MONGOC_ERROR_API_VERSION_2);

  ScopedBson ping;
  BSON_APPEND_INT32(ping.get(), "ping", 1);
  ScopedBson reply;
  if (!mongoc_client_command_simple(connection.client.get(), "admin", ping.get(), nullptr, reply.ResetForOutput(), &error))
    return Status::Error(StatusCode::kTargetError,
                         fmt::format("target {} does not answer: {} (is the server running? scripts/services start "
                                     "starts the local one)", connection.display_uri, error.message));
  return connection;
}

}  // namespace sql2mongo
