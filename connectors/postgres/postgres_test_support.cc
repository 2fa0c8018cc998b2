#include "postgres/postgres_test_support.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>

#include "support/test_support.h"

namespace sql2mongo::testing {
namespace {

constexpr char kScratchDatabase[] = "s2m_pgtest";

}  // namespace

std::string PostgresUri() { return Env("S2M_TEST_POSTGRES_URI"); }

std::string PostgresUriFor(const std::string& database) {
  std::string uri = PostgresUri();
  size_t query = uri.find('?');
  std::string tail = query == std::string::npos ? "" : uri.substr(query);
  std::string head = uri.substr(0, query);
  return head.substr(0, head.rfind('/') + 1) + database + tail;
}

SourceOptions PostgresOptions() {
  SourceOptions options;
  options.password = Env("S2M_TEST_POSTGRES_PASSWORD");
  return options;
}

std::unique_ptr<Source> OpenPostgres(const std::string& uri) {
  auto source = OpenSource(uri, PostgresOptions());
  EXPECT_TRUE(source.ok()) << source.status().message();
  return source.ok() ? std::move(source).value() : nullptr;
}

PgConnection ConnectAdmin(const std::string& uri) {
  std::string password = Env("S2M_TEST_POSTGRES_PASSWORD");
  // Quiet: no NOTICEs from DROP ... IF EXISTS in the test output.
  const char* keywords[] = {"dbname", "password", "options", nullptr};
  const char* values[] = {uri.c_str(), password.c_str(), "-c client_min_messages=warning", nullptr};
  PgConnection conn(PQconnectdbParams(keywords, values, 1));
  EXPECT_EQ(PQstatus(conn.get()), CONNECTION_OK) << PQerrorMessage(conn.get());
  return conn;
}

PgResult Exec(PGconn* conn, const std::string& sql) {
  PgResult result(PQexec(conn, sql.c_str()));
  ExecStatusType status = PQresultStatus(result.get());
  EXPECT_TRUE(status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
      << sql.substr(0, 200) << ": " << PQerrorMessage(conn);
  return result;
}

RowBatch ReadAll(Source& source, const ScanRequest& request, size_t max_rows) {
  auto stream = source.Scan(request);
  EXPECT_TRUE(stream.ok()) << stream.status().message();
  RowBatch all(request.columns), batch;
  if (!stream.ok()) return all;
  while (true) {
    auto more = (*stream)->Next(&batch, max_rows);
    EXPECT_TRUE(more.ok()) << more.status().message();
    if (!more.ok() || !more.value()) break;
    EXPECT_LE(batch.rows(), max_rows);
    all.AppendRows(std::move(batch));
  }
  return all;
}

void PostgresScratchTest::SetUp() {
  S2M_REQUIRE_POSTGRES();
  {
    PgConnection chinook = ConnectAdmin(PostgresUri());
    PgResult exists(PQexec(chinook.get(), "SELECT 1 FROM pg_database WHERE datname = 's2m_pgtest'"));
    if (PQntuples(exists.get()) == 0) {
      // Another test process may create it at the same moment: "already exists" is fine.
      PgResult created(PQexec(chinook.get(), "CREATE DATABASE s2m_pgtest"));
    }
  }
  scratch_uri_ = PostgresUriFor(kScratchDatabase);
  admin_ = ConnectAdmin(scratch_uri_);
  static std::atomic<int> counter{0};
  schema_ = "t" + std::to_string(getpid()) + "_" + std::to_string(counter++);
  Exec(admin_.get(), "DROP SCHEMA IF EXISTS " + schema_ + " CASCADE; CREATE SCHEMA " + schema_);
}

void PostgresScratchTest::TearDown() {
  if (admin_ && !schema_.empty()) Exec(admin_.get(), "DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
}

}  // namespace sql2mongo::testing
