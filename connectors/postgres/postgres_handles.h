// RAII owners of libpq handles. Logic code never calls PQfinish / PQclear / PQfreemem itself.
#pragma once

#include <libpq-fe.h>

#include <memory>

namespace sql2mongo {

struct PgConnectionCloser {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
struct PgResultClearer {
  void operator()(PGresult* result) const { PQclear(result); }
};
// Memory libpq allocated for the caller: PQgetCopyData rows, PQescapeLiteral / PQescapeIdentifier text.
struct PgMemoryFreer {
  void operator()(void* p) const { PQfreemem(p); }
};

using PgConnection = std::unique_ptr<PGconn, PgConnectionCloser>;
using PgResult = std::unique_ptr<PGresult, PgResultClearer>;
using PgBuffer = std::unique_ptr<char, PgMemoryFreer>;

}  // namespace sql2mongo
