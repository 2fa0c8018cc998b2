// PostgreSQL source: catalog through pg_catalog, every scan a binary COPY on a pooled connection, all
// connections of a run inside one exported REPEATABLE READ snapshot, including those of the snapshot
// readers (OpenSnapshotReader) that read other key ranges of a table on other threads.
#pragma once

#include <memory>
#include <string>

#include "sql2mongo/source.h"

namespace sql2mongo {

// `uri` is a libpq URI: postgresql://user@host:port/db?sslmode=... (or postgres://). The password comes
// from options.password, else PGPASSWORD, else the URI (or ~/.pgpass). Connects once at once, so a wrong
// password, an unknown database or a server that is down fail here, with kSourceError naming the
// redacted URI and libpq's message.
Result<std::unique_ptr<Source>> OpenPostgresSource(const std::string& uri, const SourceOptions& options);

}  // namespace sql2mongo
