// A collection's indexes and validator on a MongoDB server, after its load (Sink::CreateIndexes,
// Sink::InstallValidator of the MongoDB sink).
#pragma once

#include <mongoc/mongoc.h>

#include <string>
#include <vector>

#include "sql2mongo/index_spec.h"
#include "sql2mongo/status.h"

namespace sql2mongo {

struct MongoCollectionRef {
  mongoc_client_t* client;
  const std::string& database;
  const std::string& collection;  // where the documents are (a --drop staging collection)
  const std::string& shown_name;  // the collection's name in messages (the live one)
  const std::string& target;      // the target's display name, password removed
};

// One createIndexes for the indexes not already there (same name and spec); when it fails, the
// unique indexes are checked for duplicate keys (an aggregation, the first few named: servers word
// the failure differently, FerretDB v1 as an SQLite constraint), then each index is sent alone so that
// one the server refuses (an option it lacks) is named and the others are created.
Result<std::vector<IndexOutcome>> CreateMongoIndexes(const MongoCollectionRef& where,
                                                     const std::vector<IndexSpec>& indexes);

// The validator {$jsonSchema: ...} with validationLevel and validationAction "error": collMod on a
// collection that exists, else create with it (and on a server without collMod, an empty collection is
// made again with it). A server that refuses (FerretDB v1: NotImplemented), or answers ok and keeps
// none (mongo-java-server: listCollections shows no validator after), gives kUnsupported.
Status InstallMongoValidator(const MongoCollectionRef& where, const std::string& json_schema, Validation level);

}  // namespace sql2mongo
