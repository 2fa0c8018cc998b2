// A source connection lost in the middle of a table.
// - PostgreSQL, the reading backend ended: the reader opens another connection in the run's exported
//   snapshot (held by a connection that reads nothing) and reads on after the last key it read. Every
//   row arrives exactly once, as the snapshot saw it: rows changed and added after the run began are
//   not read, not even after the new connection.
// - MariaDB, the reading connection killed: MySQL cannot open a connection in a snapshot under way, so
//   the run fails naming the collection, the table, the last key and the cause, says why it did not go
//   on, and `run --resume` continues from the last checkpoint to the same documents.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <future>
#include <regex>
#include <thread>

#include "support/test_support.h"
#ifdef S2M_WITH_POSTGRES
#include "postgres/postgres_test_support.h"
#endif
#ifdef S2M_WITH_MYSQL
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include "support/mysql_admin.h"
#endif

namespace sql2mongo::testing {
namespace {

// Wide rows, so the table is far larger than what the socket buffers hold: the backend is still
// sending when it is ended.
constexpr int kRows = 8000;
constexpr int kLabelBytes = 4000;

std::string ExpectedLabel(int64_t id) { return std::string(kLabelBytes, 'x') + std::to_string(id); }

// Every document of db.rows: _id 1..kRows once each, with the label the row had when the run began.
void ExpectEveryRowOnceAsTheSnapshotSawIt(const std::string& database) {
  std::vector<BsonPtr> docs = FindDocuments(database, "rows");
  ASSERT_EQ(docs.size(), static_cast<size_t>(kRows));
  for (size_t i = 0; i < docs.size(); ++i) {
    ASSERT_EQ(Integer(docs[i].get(), "_id"), static_cast<int64_t>(i + 1));
    ASSERT_EQ(Utf8(docs[i].get(), "label"), ExpectedLabel(static_cast<int64_t>(i + 1))) << "_id " << i + 1;
  }
}

class SourceLoss : public TargetTest {};

#ifdef S2M_WITH_POSTGRES
// Waits (60 s at most) for an active backend whose pg_stat_activity row matches `condition` (SQL),
// runs `before` once it shows, then ends that backend from `admin`'s session. Whether it was ended.
bool EndBackendOnceActive(PGconn* admin, const std::string& condition, const std::function<void()>& before = {}) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    PgResult active = Exec(admin, "SELECT pid FROM pg_stat_activity WHERE " + condition +
                                      " AND state = 'active' AND pid <> pg_backend_pid()");
    if (PQntuples(active.get()) == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    std::string pid = PQgetvalue(active.get(), 0, 0);
    if (before) before();
    PgResult ended = Exec(admin, "SELECT pg_terminate_backend(" + pid + ")");
    if (std::string(PQgetvalue(ended.get(), 0, 0)) == "t") return true;
  }
  return false;
}

TEST_P(SourceLoss, APostgresBackendEndedMidTableIsReplacedInTheSameSnapshotAndReadOnAfterTheLastKey) {
  if (PostgresUri().empty()) GTEST_SKIP() << "S2M_TEST_POSTGRES_URI is not set (scripts/services start)";
  PgConnection admin = ConnectAdmin(PostgresUri());
  std::string schema = UniqueDatabase("source_loss");
  Exec(admin.get(), "DROP SCHEMA IF EXISTS " + schema + " CASCADE; CREATE SCHEMA " + schema + ";"
                    "CREATE TABLE " + schema + ".big (id int PRIMARY KEY, label text);"
                    "INSERT INTO " + schema + ".big SELECT g, repeat('x', " + std::to_string(kLabelBytes) +
                    ") || g FROM generate_series(1, " + std::to_string(kRows) + ") g");
  std::string database = UniqueDatabase("source_loss");
  std::string mapping = WriteTempFile("source_loss.json", "{\"source\": \"" + PostgresUri() + "\", \"target\": \"" +
                                                              TargetBaseUri() + "/" + database +
                                                              "\", \"collections\": {\"rows\": {\"from\": \"" + schema +
                                                              ".big\"}}}");
  std::string password = WriteTempFile("source_loss.password", Env("S2M_TEST_POSTGRES_PASSWORD") + "\n");
  auto run = std::async(std::launch::async, [&] {
    return RunCli("run " + ShellQuote(mapping) + " --threads 1 --batch-size 100 --password-file " + ShellQuote(password));
  });
  // Once the table's COPY is under way: change every row and add some (committed, so visible to any
  // snapshot taken from now on), then end the COPY's backend from another session.
  bool killed = EndBackendOnceActive(admin.get(), "query LIKE 'COPY (SELECT%" + schema + "%'", [&] {
    Exec(admin.get(), "UPDATE " + schema + ".big SET label = 'changed after the run began';"
                      "INSERT INTO " + schema + ".big SELECT g, 'added after the run began' FROM generate_series(" +
                      std::to_string(kRows + 1) + ", " + std::to_string(kRows + 500) + ") g");
  });
  CommandResult r = run.get();
  Exec(admin.get(), "DROP SCHEMA " + schema + " CASCADE");
  ASSERT_TRUE(killed) << "the COPY never showed in pg_stat_activity\n" << r.output;
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::smatch read_on;
  ASSERT_TRUE(std::regex_search(r.output, read_on,
                                std::regex("collection rows: lost the source connection reading table " + schema +
                                           R"(.big \(.+\); reopened in the run's snapshot, )"
                                           R"(reading on (after key (\d+)|from the start of unit rows/1))")))
      << r.output;
  if (read_on[2].matched) {
    int64_t after = std::stoll(read_on[2].str());
    EXPECT_GT(after, 0);
    EXPECT_LT(after, kRows) << "the backend was ended after the last row was read: nothing was read on";
  }
  EXPECT_NE(r.output.find("The source connection was lost 1 times and reopened"), std::string::npos) << r.output;
  ExpectEveryRowOnceAsTheSnapshotSawIt(database);
  DropDatabase(database);
}

// The merge join's child stream cut mid-table: that unit goes on with key lists from the batch that
// saw the loss (fetched again whole, in the same snapshot), so every parent gets all its children once.
TEST_P(SourceLoss, AMergeStreamsBackendEndedMidTableFallsBackToKeyListsWithEveryChildOnce) {
  if (PostgresUri().empty()) GTEST_SKIP() << "S2M_TEST_POSTGRES_URI is not set (scripts/services start)";
  // Many rows per 4096-row chunk the reader takes from the stream, so the backend is still sending (held
  // back by the socket) for most of the run, whenever it is ended.
  constexpr int kParents = 2000, kKidsPerParent = 40, kKidLabelBytes = 400;
  PgConnection admin = ConnectAdmin(PostgresUri());
  std::string schema = UniqueDatabase("merge_loss");
  // Kids stored in no parent's order (k * 7 mod kParents), wide enough that the stream is still sending.
  Exec(admin.get(), "DROP SCHEMA IF EXISTS " + schema + " CASCADE; CREATE SCHEMA " + schema + ";"
                    "CREATE TABLE " + schema + ".parents (id int PRIMARY KEY, name text);"
                    "CREATE TABLE " + schema + ".kids (id int PRIMARY KEY, parent_id int, label text);"
                    "INSERT INTO " + schema + ".parents SELECT g, 'p' || g FROM generate_series(1, " +
                    std::to_string(kParents) + ") g;"
                    "INSERT INTO " + schema + ".kids SELECT k, 1 + (k * 7) % " + std::to_string(kParents) +
                    ", repeat('x', " + std::to_string(kKidLabelBytes) + ") || k FROM generate_series(1, " +
                    std::to_string(kParents * kKidsPerParent) + ") k;"
                    "CREATE INDEX ON " + schema + ".kids (parent_id)");
  std::string database = UniqueDatabase("merge_loss");
  std::string mapping = WriteTempFile(
      "merge_loss.json", "{\"source\": \"" + PostgresUri() + "\", \"target\": \"" + TargetBaseUri() + "/" + database +
                             "\", \"collections\": {\"parents\": {\"from\": \"" + schema + ".parents\", \"embed\": "
                             "{\"kids\": {\"from\": \"" + schema + ".kids\", \"as\": \"array\", \"foreign\": "
                             "\"parent_id\", \"order_by\": [\"id\"], \"fields\": {\"id\": \"id\"}}}}}}");
  std::string password = WriteTempFile("merge_loss.password", Env("S2M_TEST_POSTGRES_PASSWORD") + "\n");
  auto run = std::async(std::launch::async, [&] {
    return RunCli("run " + ShellQuote(mapping) + " --threads 1 --batch-size 50 --password-file " + ShellQuote(password));
  });
  bool killed = EndBackendOnceActive(admin.get(), "query LIKE 'COPY (SELECT%" + schema +
                                                     "\".\"kids\"%ORDER BY%' AND query NOT LIKE '% IN (%'");
  CommandResult r = run.get();
  Exec(admin.get(), "DROP SCHEMA " + schema + " CASCADE");
  ASSERT_TRUE(killed) << "the merge stream never showed in pg_stat_activity\n" << r.output;
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("unit parents/1 goes on with key lists, not merge streams: the source connection was lost"),
            std::string::npos) << r.output;
  // The backend may be ended before the unit's first batch took from its stream (it shows as active as
  // soon as it is opened): then every batch is a key list. Either way the unit fell back once.
  EXPECT_TRUE(std::regex_search(r.output, std::regex(R"(taken from merge streams \d+ times \(1 units fell back\))")))
      << r.output;
  std::vector<BsonPtr> docs = FindDocuments(database, "parents");
  ASSERT_EQ(docs.size(), static_cast<size_t>(kParents));
  for (const BsonPtr& doc : docs) {
    int64_t id = Integer(doc.get(), "_id");
    std::vector<int64_t> expected;  // the kids k with 1 + 7k mod kParents = id, ascending
    for (int k = 1; k <= kParents * kKidsPerParent; ++k)
      if (1 + (k * 7) % kParents == id) expected.push_back(k);
    ASSERT_EQ(expected.size(), static_cast<size_t>(kKidsPerParent));
    ASSERT_EQ(ArrayLength(doc.get(), "kids"), expected.size()) << "parent " << id;
    for (size_t i = 0; i < expected.size(); ++i)
      ASSERT_EQ(Integer(doc.get(), "kids." + std::to_string(i) + ".id"), expected[i]) << "parent " << id;
  }
  DropDatabase(database);
}
#endif

#ifdef S2M_WITH_MYSQL
TEST_P(SourceLoss, AKilledMysqlConnectionFailsNamingTableKeyAndCauseAndResumeCompletesTheTable) {
  if (Env("S2M_TEST_MYSQL_URI").empty()) GTEST_SKIP() << "S2M_TEST_MYSQL_URI is not set (scripts/services start)";
  std::unique_ptr<sql::Connection> admin = ConnectMysqlAdmin();
  std::string source_database = UniqueDatabase("source_loss");
  std::string chinook_uri = Env("S2M_TEST_MYSQL_URI");
  std::string uri = chinook_uri.substr(0, chinook_uri.rfind('/') + 1) + source_database;
  std::unique_ptr<sql::Statement> statement(admin->createStatement());
  statement->execute("DROP DATABASE IF EXISTS " + source_database);
  statement->execute("CREATE DATABASE " + source_database);
  admin->setSchema(source_database);
  statement->execute("CREATE TABLE big (id INT PRIMARY KEY, label TEXT)");
  statement->execute("SET SESSION max_recursive_iterations = " + std::to_string(kRows + 1));
  statement->execute("INSERT INTO big WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < " +
                     std::to_string(kRows) + ") SELECT x, CONCAT(REPEAT('x', " + std::to_string(kLabelBytes) +
                     "), x) FROM n");
  std::string database = UniqueDatabase("source_loss_my");
  std::string mapping = WriteTempFile("source_loss_my.json", "{\"source\": \"" + uri + "\", \"target\": \"" +
                                                                 TargetBaseUri() + "/" + database +
                                                                 "\", \"collections\": {\"rows\": {\"from\": \"big\"}}}");
  std::string password = WriteTempFile("source_loss_my.password", Env("S2M_TEST_MYSQL_PASSWORD") + "\n");
  std::string arguments = "run " + ShellQuote(mapping) + " --threads 1 --batch-size 100 --password-file " + ShellQuote(password);
  auto run = std::async(std::launch::async, [&] { return RunCli(arguments); });
  bool killed = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!killed && std::chrono::steady_clock::now() < deadline) {
    std::unique_ptr<sql::ResultSet> reading(statement->executeQuery(
        "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = '" + source_database +
        "' AND INFO LIKE 'SELECT `id`, `label`%FROM `big`%' AND ID <> CONNECTION_ID()"));
    if (!reading->next()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    statement->execute("KILL CONNECTION " + std::to_string(reading->getInt64(1)));
    killed = true;
  }
  CommandResult r = run.get();
  ASSERT_TRUE(killed) << "the scan never showed in the process list\n" << r.output;
  if (r.exit_code == 0) {
    statement->execute("DROP DATABASE " + source_database);
    DropDatabase(database);
    GTEST_SKIP() << "the table was read before its connection was killed; nothing to test this time";
  }
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(std::regex_search(
      r.output, std::regex(R"(collection 'rows', table 'big', (after the row with _id \d+ \(the last one this reader )"
                           R"(read\)|before its first row): .* \(not continued: MySQL cannot open a )"
                           R"(connection in a snapshot already under way.*\); run again with --resume)")))
      << r.output;

  CommandResult resumed = RunCli(arguments + " --resume");
  statement->execute("DROP DATABASE " + source_database);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  ExpectEveryRowOnceAsTheSnapshotSawIt(database);
  DropDatabase(database);
}
#endif

S2M_ON_EVERY_TARGET(SourceLoss);

}  // namespace
}  // namespace sql2mongo::testing
