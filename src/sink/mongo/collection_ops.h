// Whole-collection commands on one database of a MongoDB target: list, create, drop, rename, copy and
// count. Errors name the target (password removed), what was tried and the server's code, so the
// callers (the sink's staging and publishing, `rollback`, `cleanup`) need not.
#pragma once

#include <mongoc/mongoc.h>

#include <cstdint>
#include <set>
#include <string>

#include "sql2mongo/status.h"

namespace sql2mongo {

class CollectionOps {
 public:
  // `client` is borrowed for the life of this object (one thread at a time, as libmongoc requires).
  CollectionOps(mongoc_client_t* client, std::string database, std::string display_uri)
      : client_(client), database_(std::move(database)), display_uri_(std::move(display_uri)) {}

  const std::string& display_uri() const { return display_uri_; }

  Result<std::set<std::string>> Names();
  Status Create(const std::string& name);
  // Nothing to drop is fine.
  Status Drop(const std::string& name);
  // renameCollection within the database; `drop_target` replaces an existing `to` in the same step.
  Status Rename(const std::string& from, const std::string& to, bool drop_target);
  // Every document of `from` into `to`, replacing what `to` held ($out): the server copies, nothing
  // passes through this process.
  Status CopyOver(const std::string& from, const std::string& to);
  // countDocuments({}); 0 for a collection that does not exist.
  Result<int64_t> Count(const std::string& name);
  // Runs `command` (owned, destroyed here) on `database`; the failure names `what` and the server's code.
  Status Command(const char* database, bson_t* command, const std::string& what);

 private:
  mongoc_client_t* client_;
  std::string database_;
  std::string display_uri_;
};

}  // namespace sql2mongo
