// MySQL / MariaDB source (MySQL Connector/C++ 1.1): a small pool of connections, streamed reads, and
// one consistent snapshot shared by every connection of a run (see mysql_source.cc for how).
#pragma once

#include <memory>
#include <string>

#include "mysql/mysql_types.h"
#include "sql2mongo/source.h"

namespace sql2mongo {

// `uri` is "mysql://user@host:port/database" (or mariadb://). Options in the query string:
// socket=PATH (connect over a Unix socket), snapshot=single (never use FLUSH TABLES WITH READ LOCK),
// password=... (accepted, discouraged: prefer --password-file or MYSQL_PWD). Fails with kSourceError
// naming the URI without its password when the server is unreachable, refuses the login or has no
// such database. options.snapshot_readers is how many readers (the source and its OpenSnapshotReader()s)
// a snapshot is started for: BeginSnapshot opens two connections for each.
Result<std::unique_ptr<Source>> OpenMysqlSource(const std::string& uri, const SourceOptions& options);

// What the decoders changed on purpose over the life of `source` (zero dates read as null, JSON kept as
// text), for reports and tests; all zero for a source that is not MySQL.
MysqlDecodeCounts MysqlSourceDecodeCounts(const Source& source);

}  // namespace sql2mongo
