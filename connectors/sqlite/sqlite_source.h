// SQLite source: one read-only connection, one read transaction for the run's snapshot.
#pragma once

#include <memory>
#include <string>

#include "sql2mongo/source.h"

namespace sql2mongo {

// `path` is a file path (the part after "sqlite:"). Fails with kNotFound when the file does not exist
// (SQLite would otherwise create an empty database) and kSourceError when it is not a database.
Result<std::unique_ptr<Source>> OpenSqliteSource(const std::string& path);

}  // namespace sql2mongo
