// One RAII owner for every C handle the project uses. Logic code never calls *_destroy / *_close itself.
#pragma once

#include <bson/bson.h>
#include <mongoc/mongoc.h>
#include <sqlite3.h>

#include <memory>

#include "sql2mongo/sink.h"  // BsonPtr, BsonDeleter

namespace sql2mongo {

struct SqliteCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct SqliteFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using SqliteHandle = std::unique_ptr<sqlite3, SqliteCloser>;
using SqliteStatement = std::unique_ptr<sqlite3_stmt, SqliteFinalizer>;

struct MongoUriDeleter {
  void operator()(mongoc_uri_t* uri) const { mongoc_uri_destroy(uri); }
};
struct MongoClientDeleter {
  void operator()(mongoc_client_t* client) const { mongoc_client_destroy(client); }
};
struct MongoCollectionDeleter {
  void operator()(mongoc_collection_t* collection) const { mongoc_collection_destroy(collection); }
};
struct MongoDatabaseDeleter {
  void operator()(mongoc_database_t* database) const { mongoc_database_destroy(database); }
};
struct MongoBulkDeleter {
  void operator()(mongoc_bulk_operation_t* bulk) const { mongoc_bulk_operation_destroy(bulk); }
};
struct MongoCursorDeleter {
  void operator()(mongoc_cursor_t* cursor) const { mongoc_cursor_destroy(cursor); }
};
struct MongoClientPoolDeleter {
  void operator()(mongoc_client_pool_t* pool) const { mongoc_client_pool_destroy(pool); }
};
using MongoUri = std::unique_ptr<mongoc_uri_t, MongoUriDeleter>;
using MongoClientPool = std::unique_ptr<mongoc_client_pool_t, MongoClientPoolDeleter>;

// A client borrowed from a pool for one scope; mongoc_client_pool_pop blocks while all are lent out,
// which is what bounds the number of concurrent writers.
class PooledClient {
 public:
  explicit PooledClient(mongoc_client_pool_t* pool) : pool_(pool), client_(mongoc_client_pool_pop(pool)) {}
  ~PooledClient() { mongoc_client_pool_push(pool_, client_); }
  PooledClient(const PooledClient&) = delete;
  PooledClient& operator=(const PooledClient&) = delete;
  mongoc_client_t* get() const { return client_; }

 private:
  mongoc_client_pool_t* pool_;
  mongoc_client_t* client_;
};
using MongoClient = std::unique_ptr<mongoc_client_t, MongoClientDeleter>;
using MongoCollection = std::unique_ptr<mongoc_collection_t, MongoCollectionDeleter>;
using MongoDatabase = std::unique_ptr<mongoc_database_t, MongoDatabaseDeleter>;
using MongoBulk = std::unique_ptr<mongoc_bulk_operation_t, MongoBulkDeleter>;
using MongoCursor = std::unique_ptr<mongoc_cursor_t, MongoCursorDeleter>;

// A stack bson_t that is always destroyed, for replies and options (bson_destroy on an initialized,
// empty bson_t is safe, which is why `reply` arguments can be passed without a check).
class ScopedBson {
 public:
  ScopedBson() { bson_init(&doc_); }
  ~ScopedBson() { bson_destroy(&doc_); }
  ScopedBson(const ScopedBson&) = delete;
  ScopedBson& operator=(const ScopedBson&) = delete;
  bson_t* get() { return &doc_; }
  const bson_t* get() const { return &doc_; }
  // For out-parameters that libmongoc initializes itself (e.g. `reply`): destroys the current content.
  bson_t* ResetForOutput() {
    bson_destroy(&doc_);
    return &doc_;
  }

 private:
  bson_t doc_;
};

// A string libbson allocated (bson_as_*_extended_json).
struct BsonFree {
  void operator()(char* p) const { bson_free(p); }
};
using BsonString = std::unique_ptr<char, BsonFree>;

}  // namespace sql2mongo
