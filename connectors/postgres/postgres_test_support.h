// What the PostgreSQL live tests share: the server's URI (from scripts/services), a plain libpq connection
// for arranging data behind the connector's back, and a scratch schema per test.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "postgres/postgres_handles.h"
#include "sql2mongo/source.h"

namespace sql2mongo::testing {

// S2M_TEST_POSTGRES_URI (chinook), or "" when the tests should skip.
std::string PostgresUri();
// The same server, database `database`.
std::string PostgresUriFor(const std::string& database);
// S2M_TEST_POSTGRES_PASSWORD through SourceOptions, the way --password-file passes it.
SourceOptions PostgresOptions();

std::unique_ptr<Source> OpenPostgres(const std::string& uri);
// A libpq connection of the test's own, with the test password.
PgConnection ConnectAdmin(const std::string& uri);
// Runs `sql` and fails the test when it fails; returns the result for reading.
PgResult Exec(PGconn* conn, const std::string& sql);

// Every row of a scan, read `max_rows` at a time (tiny batches cross batch borders on purpose).
RowBatch ReadAll(Source& source, const ScanRequest& request, size_t max_rows = 2);

// A fixture with a scratch database (shared by all test processes, made once) and a schema of its own
// (dropped after the test), so tests may run in parallel.
class PostgresScratchTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  std::string scratch_uri_;  // the scratch database
  std::string schema_;       // this test's schema
  PgConnection admin_;       // connected to the scratch database
};

}  // namespace sql2mongo::testing

#define S2M_REQUIRE_POSTGRES()                                                                 \
  do {                                                                                         \
    if (::sql2mongo::testing::PostgresUri().empty())                                           \
      GTEST_SKIP() << "S2M_TEST_POSTGRES_URI is not set; run scripts/services start postgres"; \
  } while (0)
