// Asking a MongoDB-compatible server who it is (buildInfo, hello) and deciding what it can store.
#pragma once

#include <mongoc/mongoc.h>

#include <string>

#include "sql2mongo/status.h"
#include "sql2mongo/target_info.h"

namespace sql2mongo {

// Runs buildInfo and hello (isMaster on servers older than MongoDB 4.4.2) on `client`. `display_uri`
// names the target in errors.
Result<TargetInfo> IdentifyMongoTarget(mongoc_client_t* client, const std::string& display_uri);

// What a server stores, from its identity: FerretDB v1 (a "ferretdbVersion" in buildInfo) cannot store
// Decimal128, NaN, nested arrays or keys with '.' or a leading '$' (tried on v1.24.1, 2026-12-01: the
// first two close the connection, the others are refused with code 2); everything else is taken to be
// MongoDB, which stores every value. Exposed for tests.
void DecideValueSupport(TargetInfo* info);

}  // namespace sql2mongo
