// Reading documents back from a MongoDB target, for `verify`: a collection streamed once, a random
// sample, documents by _id, a count. The sink writes; this only reads.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sink/mongo/mongo_connection.h"
#include "sql2mongo/sink.h"
#include "sql2mongo/status.h"

namespace sql2mongo {

class TargetReader {
 public:
  // Connects as the sink does (short timeouts, a ping); errors name the URI without its password.
  static Result<TargetReader> Open(const std::string& uri);

  const std::string& DisplayName() const { return connection_.display_uri; }

  // Calls `visit` for every document of `collection`, in the server's order. Only one cursor batch is
  // held at a time; each document is valid during its call only. An absent collection has none.
  Status ForEach(const std::string& collection, const std::function<void(const bson_t*)>& visit);

  // Calls `visit` for `size` documents chosen at random (all of them when the collection holds fewer):
  // MongoDB's $sample where the server has it, else (FerretDB v1) a reservoir sample of one scan of the
  // collection, which counts every document on the way: *scanned is then that count, else nullopt.
  Status ForEachSampled(const std::string& collection, int64_t size, const std::function<void(const bson_t*)>& visit,
                        std::optional<int64_t>* scanned);

  // The documents of `collection` whose _id is one of `ids` (each a document {"_id": value}), any order.
  Status ForEachWithId(const std::string& collection, const std::vector<const bson_t*>& ids,
                       const std::function<void(const bson_t*)>& visit);

  // countDocuments({}): the server counts what it holds, not its metadata's estimate.
  Result<int64_t> Count(const std::string& collection);
  // countDocuments(filter): the documents matching a query, e.g. those of an older schema_version.
  Result<int64_t> Count(const std::string& collection, const bson_t* filter);

 private:
  explicit TargetReader(MongoConnection connection) : connection_(std::move(connection)) {}
  MongoCollection Collection(const std::string& name) const;
  Status Drain(mongoc_cursor_t* cursor, const std::string& collection, const char* what,
               const std::function<void(const bson_t*)>& visit) const;

  MongoConnection connection_;
};

}  // namespace sql2mongo
