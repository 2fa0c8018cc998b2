// Source::EstimateRows, the totals of the progress bars: the catalog's statistics where a source keeps
// them (so a stale statistic shows through, as it should: it is an estimate), a count where none exist.
#include <gtest/gtest.h>

#include "support/test_support.h"
#ifdef S2M_WITH_POSTGRES
#include "postgres/postgres_test_support.h"
#endif
#ifdef S2M_WITH_MYSQL
#include "support/mysql_admin.h"
#endif

namespace sql2mongo::testing {
namespace {

uint64_t Estimate(Source& source, const std::string& table) {
  Result<std::optional<uint64_t>> estimate = source.EstimateRows(table);
  EXPECT_TRUE(estimate.ok()) << estimate.status().message();
  if (!estimate.ok() || !estimate.value()) {
    ADD_FAILURE() << "no estimate for " << table;
    return 0;
  }
  return *estimate.value();
}

TEST(RowEstimate, SqliteCountsWithoutStatisticsAndReadsThemAfterAnalyze) {
  auto chinook = OpenSource("sqlite:" + ChinookSqlitePath());
  ASSERT_TRUE(chinook.ok()) << chinook.status().message();
  EXPECT_EQ(Estimate(*chinook.value(), "Track"), 3503u);

  std::string db = MakeSqliteDatabase("estimate.db",
                                      "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); CREATE INDEX t_v ON t(v);"
                                      "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 1000)"
                                      "  INSERT INTO t SELECT x, 'v' || x FROM n;"
                                      "ANALYZE;"
                                      "INSERT INTO t SELECT id + 1000, v FROM t WHERE id <= 500;");
  auto source = OpenSource("sqlite:" + db);
  ASSERT_TRUE(source.ok()) << source.status().message();
  EXPECT_EQ(Estimate(*source.value(), "t"), 1000u) << "ANALYZE's figure, not a count (1500 rows now)";
}

#ifdef S2M_WITH_POSTGRES
TEST(RowEstimate, PostgresReadsReltuplesAndCountsATableNeverAnalyzed) {
  if (PostgresUri().empty()) GTEST_SKIP() << "S2M_TEST_POSTGRES_URI is not set (scripts/services start)";
  PgConnection admin = ConnectAdmin(PostgresUri());
  std::string schema = UniqueDatabase("estimate");
  Exec(admin.get(), "CREATE SCHEMA " + schema);
  Exec(admin.get(), "CREATE TABLE " + schema + ".fresh (id int PRIMARY KEY)");
  Exec(admin.get(), "INSERT INTO " + schema + ".fresh SELECT generate_series(1, 250)");
  Exec(admin.get(), "CREATE TABLE " + schema + ".analyzed (id int PRIMARY KEY)");
  Exec(admin.get(), "INSERT INTO " + schema + ".analyzed SELECT generate_series(1, 400)");
  Exec(admin.get(), "ANALYZE " + schema + ".analyzed");
  Exec(admin.get(), "INSERT INTO " + schema + ".analyzed SELECT generate_series(401, 500)");
  Exec(admin.get(),
       "CREATE TABLE " + schema + ".parted (id int, region text) PARTITION BY LIST (region);"
       "CREATE TABLE " + schema + ".parted_eu PARTITION OF " + schema + ".parted FOR VALUES IN ('eu');"
       "CREATE TABLE " + schema + ".parted_us PARTITION OF " + schema + ".parted FOR VALUES IN ('us');"
       "INSERT INTO " + schema + ".parted SELECT g, CASE WHEN g % 3 = 0 THEN 'eu' ELSE 'us' END "
       "FROM generate_series(1, 90) g;"
       "ANALYZE " + schema + ".parted");
  std::unique_ptr<Source> source = OpenPostgres(PostgresUri());
  EXPECT_EQ(Estimate(*source, schema + ".fresh"), 250u) << "never analyzed: counted";
  EXPECT_EQ(Estimate(*source, schema + ".analyzed"), 400u) << "reltuples, as of the last ANALYZE";
  EXPECT_EQ(Estimate(*source, schema + ".parted"), 90u) << "the sum over the partitions";
  Exec(admin.get(), "DROP SCHEMA " + schema + " CASCADE");
}
#endif

#ifdef S2M_WITH_MYSQL
TEST(RowEstimate, MysqlCountsSmallTables) {
  if (Env("S2M_TEST_MYSQL_URI").empty()) GTEST_SKIP() << "S2M_TEST_MYSQL_URI is not set (scripts/services start)";
  SourceOptions options;
  options.password = Env("S2M_TEST_MYSQL_PASSWORD");
  auto source = OpenSource(Env("S2M_TEST_MYSQL_URI"), options);
  ASSERT_TRUE(source.ok()) << source.status().message();
  // InnoDB's TABLE_ROWS is a sample (3,5xx, or 0 right after loading); below 200,000 rows it is counted.
  EXPECT_EQ(Estimate(*source.value(), "Track"), 3503u);
  EXPECT_EQ(Estimate(*source.value(), "InvoiceLine"), 2240u);
}
#endif

}  // namespace
}  // namespace sql2mongo::testing
