// Connecting to a MongoDB-compatible server so that a dead target fails in seconds, not never.
#pragma once

#include <string>

#include "common/handles.h"
#include "sql2mongo/status.h"

namespace sql2mongo {

struct MongoConnection {
  MongoClient client;
  std::string database;
  std::string display_uri;  // password removed
};

// Parses `uri`, requires a database name in it, sets short server-selection and connect timeouts
// unless the URI sets its own, and pings the server. Errors name the URI with its password removed.
Result<MongoConnection> ConnectMongo(const std::string& uri);

// The same checks, for a pool of at most `max_clients` clients (one per concurrent writer).
struct MongoPoolConnection {
  MongoClientPool pool;
  std::string database;
  std::string display_uri;
};
Result<MongoPoolConnection> ConnectMongoPool(const std::string& uri, int max_clients);

// Calls mongoc_init() once per process (libmongoc requires it before any other call).
void EnsureMongocInitialized();

}  // namespace sql2mongo
