// Incremental runs on every source and both targets: a customer > invoice > invoice line schema with a
// change column at every level (and an N:1 support rep); a first (full) run, then rows inserted, updated
// and deleted at every level, an incremental run, and a full reload of the same rows into another
// database: the two must hold the same documents, byte for byte. Also: a failed incremental run leaves
// the watermarks where they were, and a changed mapping is refused until --full.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <functional>
#include <map>

#include "support/test_support.h"

#if defined(S2M_WITH_POSTGRES)
#include "postgres/postgres_test_support.h"
#endif
#if defined(S2M_WITH_MYSQL)
#include <cppconn/statement.h>

#include "support/mysql_admin.h"
#endif

namespace sql2mongo::testing {
namespace {

// A database of the test's own on one source: SQL to run there, and how the mapping reaches it.
struct ScratchSource {
  std::string uri;             // the mapping's "source"
  std::string extra;           // --password-file ...
  std::string prefix;          // before each table name ("schema." on PostgreSQL)
  std::string timestamp_type;  // the change columns' type
  std::string flag_type;       // the soft-delete flags' type
  std::function<void(const std::string&)> exec;  // one statement
  std::function<void()> drop;
};

ScratchSource SqliteScratch(const std::string& tag) {
  std::string path = MakeSqliteDatabase(tag + ".db", "SELECT 1;");
  ScratchSource s{"sqlite:" + path, "", "", "TIMESTAMP", "INTEGER"};
  s.exec = [path](const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    EXPECT_EQ(rc, SQLITE_OK) << sql << ": " << (error ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
  };
  s.drop = [] {};
  return s;
}

class IncrementalTest : public TargetTest {
 protected:
  void TearDown() override {
    for (const auto& database : databases_) DropDatabase(database);
    if (source_.drop) source_.drop();
    TargetTest::TearDown();
  }

  std::string T(const std::string& table) const { return source_.prefix + table; }

  // 20 customers of 2 reps, 2 invoices each, 2 lines per invoice, all changed at 2026-01-01.
  void CreateSchema() {
    const std::string& ts = source_.timestamp_type;
    const std::string& flag = source_.flag_type;
    source_.exec("CREATE TABLE " + T("rep") + " (id INTEGER PRIMARY KEY, name VARCHAR(20), updated_at " + ts + " NOT NULL)");
    source_.exec("CREATE TABLE " + T("customer") + " (id INTEGER PRIMARY KEY, name VARCHAR(20), rep_id INTEGER, "
                 "updated_at " + ts + " NOT NULL)");
    source_.exec("CREATE TABLE " + T("invoice") + " (id INTEGER PRIMARY KEY, customer_id INTEGER, total INTEGER, "
                 "updated_at " + ts + " NOT NULL, deleted " + flag + " NOT NULL)");
    source_.exec("CREATE TABLE " + T("line") + " (id INTEGER PRIMARY KEY, invoice_id INTEGER, qty INTEGER, "
                 "updated_at " + ts + " NOT NULL, deleted " + flag + " NOT NULL)");
    const std::string day1 = "'2026-01-01 10:00:00'";
    source_.exec("INSERT INTO " + T("rep") + " VALUES (1, 'ann', " + day1 + "), (2, 'bob', " + day1 + ")");
    std::string customers, invoices, lines;
    for (int c = 1; c <= 20; ++c) {
      customers += fmt(c == 1 ? "" : ", ") + "(" + std::to_string(c) + ", 'c" + std::to_string(c) + "', " +
                   std::to_string(1 + c % 2) + ", " + day1 + ")";
      for (int i = 0; i < 2; ++i) {
        int invoice = c * 10 + i;
        invoices += fmt(invoices.empty() ? "" : ", ") + "(" + std::to_string(invoice) + ", " + std::to_string(c) +
                    ", " + std::to_string(invoice) + ", " + day1 + ", FALSE)";
        for (int l = 0; l < 2; ++l)
          lines += fmt(lines.empty() ? "" : ", ") + "(" + std::to_string(invoice * 10 + l) + ", " +
                   std::to_string(invoice) + ", " + std::to_string(l + 1) + ", " + day1 + ", FALSE)";
      }
    }
    source_.exec("INSERT INTO " + T("customer") + " VALUES " + customers);
    source_.exec("INSERT INTO " + T("invoice") + " VALUES " + invoices);
    source_.exec("INSERT INTO " + T("line") + " VALUES " + lines);
  }
  static std::string fmt(const char* text) { return text; }

  // Inserts, updates and deletes at every level, a day later.
  void ChangeEveryLevel() {
    const std::string day2 = "'2026-01-02 10:00:00'";
    // customers: one inserted (with an invoice and a line), one updated, one deleted (with its rows)
    source_.exec("INSERT INTO " + T("customer") + " VALUES (21, 'c21', 1, " + day2 + ")");
    source_.exec("INSERT INTO " + T("invoice") + " VALUES (210, 21, 5, " + day2 + ", FALSE)");
    source_.exec("INSERT INTO " + T("line") + " VALUES (2100, 210, 9, " + day2 + ", FALSE)");
    source_.exec("UPDATE " + T("customer") + " SET name = 'c1 renamed', updated_at = " + day2 + " WHERE id = 1");
    source_.exec("DELETE FROM " + T("line") + " WHERE invoice_id IN (20, 21)");
    source_.exec("DELETE FROM " + T("invoice") + " WHERE customer_id = 2");
    source_.exec("DELETE FROM " + T("customer") + " WHERE id = 2");
    // invoices: one updated, one inserted, one soft-deleted
    source_.exec("UPDATE " + T("invoice") + " SET total = 999, updated_at = " + day2 + " WHERE id = 30");
    source_.exec("INSERT INTO " + T("invoice") + " VALUES (42, 4, 7, " + day2 + ", FALSE)");
    source_.exec("UPDATE " + T("invoice") + " SET deleted = TRUE, updated_at = " + day2 + " WHERE id = 51");
    // lines: one updated, one inserted, one soft-deleted
    source_.exec("UPDATE " + T("line") + " SET qty = 77, updated_at = " + day2 + " WHERE id = 600");
    source_.exec("INSERT INTO " + T("line") + " VALUES (702, 70, 3, " + day2 + ", FALSE)");
    source_.exec("UPDATE " + T("line") + " SET deleted = TRUE, updated_at = " + day2 + " WHERE id = 801");
    // the N:1 rep: every customer of rep 2 changes
    source_.exec("UPDATE " + T("rep") + " SET name = 'bob renamed', updated_at = " + day2 + " WHERE id = 2");
  }

  std::string Mapping(const std::string& extra_field = "") const {
    return R"({ "source": ")" + source_.uri + R"(",
  "collections": { "customers": { "from": ")" + T("customer") + R"(", "mode": "replace",)" + extra_field + R"(
    "incremental": {"column": "updated_at", "deletes": "detect"},
    "embed": {
      "rep": {"from": ")" + T("rep") + R"(", "as": "object", "local": "rep_id", "foreign": "id",
              "incremental": {"column": "updated_at"}},
      "invoices": {"from": ")" + T("invoice") + R"(", "as": "array", "local": "id", "foreign": "customer_id",
        "incremental": {"column": "updated_at", "deletes": "soft", "flag": "deleted"},
        "embed": {"lines": {"from": ")" + T("line") + R"(", "as": "array", "local": "id", "foreign": "invoice_id",
          "incremental": {"column": "updated_at", "deletes": "soft", "flag": "deleted"}}}}}}}})";
  }

  CommandResult Run(const std::string& mapping, const std::string& database, const std::string& extra = "") {
    databases_.push_back(database);
    return RunCli("run " + ShellQuote(mapping) + " --progress none --target " +
                  ShellQuote(TargetBaseUri() + "/" + database) + " " + source_.extra + " " + extra);
  }

  void ExpectSameDocuments(const std::string& incremental, const std::string& full) {
    auto got = DocumentsById(FindDocuments(incremental, "customers"));
    auto want = DocumentsById(FindDocuments(full, "customers"));
    ASSERT_EQ(got.size(), want.size());
    EXPECT_EQ(want.size(), 20u);  // 20 - 1 deleted + 1 inserted
    for (const auto& [id, doc] : want) {
      auto it = got.find(id);
      ASSERT_NE(it, got.end()) << "the incremental run lacks customer " << id;
      EXPECT_TRUE(bson_equal(doc.get(), it->second.get())) << "customer " << id << " differs:\n  full reload: "
                                                           << Json(doc.get()) << "\n  incremental: " << Json(it->second.get());
    }
  }

  // The whole scenario: full run, changes, incremental run, full reload elsewhere, compared.
  void IncrementalEqualsFullReload(const std::string& tag) {
    CreateSchema();
    std::string mapping = WriteTempFile(tag + ".json", Mapping());
    std::string live = UniqueDatabase(tag + "_live"), reload = UniqueDatabase(tag + "_reload");
    CommandResult first = Run(mapping, live);
    ASSERT_EQ(first.exit_code, 0) << first.output;
    EXPECT_NE(first.output.find("full run: every row read; watermarks taken: customers 2026-01-01T10:00:00Z"),
              std::string::npos) << first.output;
    ChangeEveryLevel();
    CommandResult second = Run(mapping, live);
    ASSERT_EQ(second.exit_code, 0) << second.output;
    EXPECT_NE(second.output.find("incremental run: changes since customers 2026-01-01T10:00:00Z"), std::string::npos)
        << second.output;
    // Rebuilt: c1, c21 (root rows); c3 .. c19 odd (rep 2, N:1); c4 (new invoice), c6, c8 (lines): the
    // invoice and line changes of c3, c5 and c7 were counted by their rep already. Deleted: c2 (detected).
    EXPECT_NE(second.output.find("customers: 14 documents rebuilt (2 root rows changed, 3 through embedded rows, 9 "
                                 "through N:1 rows), 1 deleted (0 whose rows are gone or soft-deleted, 1 detected)"),
              std::string::npos) << second.output;
    CommandResult full = Run(mapping, reload);
    ASSERT_EQ(full.exit_code, 0) << full.output;
    EXPECT_NE(full.output.find("full run"), std::string::npos) << full.output;
    ExpectSameDocuments(live, reload);
    // The soft-deleted invoice and line are gone from their arrays; the changes are in.
    auto live_docs = DocumentsById(FindDocuments(live, "customers"));
    EXPECT_EQ(live_docs.count("{ \"_id\" : 2 }"), 0u);
    EXPECT_EQ(Utf8(live_docs.at("{ \"_id\" : 1 }").get(), "name"), "c1 renamed");
    EXPECT_EQ(ArrayLength(live_docs.at("{ \"_id\" : 5 }").get(), "invoices"), 1u);
    EXPECT_EQ(ArrayLength(live_docs.at("{ \"_id\" : 8 }").get(), "invoices.0.lines"), 1u);
    EXPECT_EQ(Utf8(live_docs.at("{ \"_id\" : 3 }").get(), "rep.name"), "bob renamed");
  }

  ScratchSource source_;
  std::vector<std::string> databases_;
};

TEST_P(IncrementalTest, SqliteIncrementalRunEqualsAFullReload) {
  if (IsSkipped()) return;
  source_ = SqliteScratch("inc_sqlite");
  IncrementalEqualsFullReload("inc_sqlite");
}

#if defined(S2M_WITH_POSTGRES)
TEST_P(IncrementalTest, PostgresIncrementalRunEqualsAFullReload) {
  if (IsSkipped()) return;
  S2M_REQUIRE_POSTGRES();
  {
    PgConnection chinook = ConnectAdmin(PostgresUri());
    PgResult exists(PQexec(chinook.get(), "SELECT 1 FROM pg_database WHERE datname = 's2m_pgtest'"));
    if (PQntuples(exists.get()) == 0) PgResult created(PQexec(chinook.get(), "CREATE DATABASE s2m_pgtest"));
  }
  std::string uri = PostgresUriFor("s2m_pgtest");
  auto admin = std::make_shared<PgConnection>(ConnectAdmin(uri));
  std::string schema = "inc" + std::to_string(getpid()) + "_" + server().name;
  Exec(admin->get(), "DROP SCHEMA IF EXISTS " + schema + " CASCADE; CREATE SCHEMA " + schema);
  source_ = ScratchSource{uri, "--password-file " + ShellQuote(WriteTempFile("inc_pg.password",
                                                                             Env("S2M_TEST_POSTGRES_PASSWORD") + "\n")),
                          schema + ".", "TIMESTAMP", "BOOLEAN"};
  source_.exec = [admin](const std::string& sql) { Exec(admin->get(), sql); };
  source_.drop = [admin, schema] { Exec(admin->get(), "DROP SCHEMA IF EXISTS " + schema + " CASCADE"); };
  IncrementalEqualsFullReload("inc_pg");
}
#endif

#if defined(S2M_WITH_MYSQL)
TEST_P(IncrementalTest, MariadbIncrementalRunEqualsAFullReload) {
  if (IsSkipped()) return;
  std::string uri = Env("S2M_TEST_MYSQL_URI");
  if (uri.empty()) GTEST_SKIP() << "S2M_TEST_MYSQL_URI is not set: run scripts/services start mariadb";
  std::string database = "s2m_test_inc_" + std::to_string(getpid()) + "_" + server().name;
  std::shared_ptr<sql::Connection> admin = ConnectMysqlAdmin();
  std::shared_ptr<sql::Statement> statement(admin->createStatement());
  statement->execute("DROP DATABASE IF EXISTS " + database);
  statement->execute("CREATE DATABASE " + database);
  source_ = ScratchSource{uri.substr(0, uri.rfind('/') + 1) + database,
                          "--password-file " + ShellQuote(WriteTempFile("inc_mysql.password",
                                                                        Env("S2M_TEST_MYSQL_PASSWORD") + "\n")),
                          database + ".", "DATETIME", "BOOLEAN"};
  source_.prefix = "";  // the mapping's source names the database
  source_.exec = [admin, statement, database](const std::string& sql) {
    statement->execute("USE " + database);
    statement->execute(sql);
  };
  source_.drop = [admin, statement, database] { statement->execute("DROP DATABASE IF EXISTS " + database); };
  IncrementalEqualsFullReload("inc_mysql");
}
#endif

// A failed incremental run (reading a changed line fails: SQLite's integer overflow in a view's
// column, which only the rebuild reads) leaves the job's watermarks as they were, and the
// next run reads from them; a changed mapping is refused with the fix, and --full runs it.
TEST_P(IncrementalTest, AFailedRunKeepsTheWatermarksAndAChangedMappingNeedsFull) {
  if (IsSkipped()) return;
  source_ = SqliteScratch("inc_fail");
  CreateSchema();
  std::string mapping = WriteTempFile("inc_fail.json", Mapping());
  std::string live = UniqueDatabase("inc_fail");
  ASSERT_EQ(Run(mapping, live).exit_code, 0);
  auto job = [&] { return Json(FindDocuments(live, "_sql2mongo", "{\"_id\": \"job:inc_fail\"}").at(0).get()); };
  std::string before = job();
  ASSERT_NE(before.find("\"watermarks\""), std::string::npos) << before;
  auto watermarks_of = [](const std::string& text) {
    return text.substr(text.find("\"watermarks\""), text.find("]", text.find("\"watermarks\"")) - text.find("\"watermarks\""));
  };

  source_.exec("UPDATE line SET qty = 5, updated_at = '2026-01-03 00:00:00' WHERE id = 100");
  source_.exec("ALTER TABLE line RENAME TO line_away");
  source_.exec("CREATE VIEW line AS SELECT id, invoice_id, CASE WHEN id = 100 THEN abs(-9223372036854775808) ELSE "
               "qty END AS qty, updated_at, deleted FROM line_away");
  CommandResult failed = Run(mapping, live);
  EXPECT_NE(failed.exit_code, 0) << failed.output;
  EXPECT_EQ(watermarks_of(job()), watermarks_of(before));
  EXPECT_NE(job().find("\"state\" : \"failed\""), std::string::npos) << job();

  source_.exec("DROP VIEW line");
  source_.exec("ALTER TABLE line_away RENAME TO line");
  CommandResult again = Run(mapping, live);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("customers: 1 documents rebuilt (0 root rows changed, 1 through embedded rows"),
            std::string::npos) << again.output;
  EXPECT_EQ(Integer(DocumentsById(FindDocuments(live, "customers")).at("{ \"_id\" : 1 }").get(), "invoices.0.lines.0.qty"), 5);

  std::string changed = WriteTempFile("inc_fail.json", Mapping(R"( "nulls": "omit",)"));
  CommandResult refused = Run(changed, live);
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("changed since its watermarks were taken"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("--full"), std::string::npos) << refused.output;
  CommandResult full = Run(changed, live, "--full");
  EXPECT_EQ(full.exit_code, 0) << full.output;
  EXPECT_NE(full.output.find("full run"), std::string::npos) << full.output;
  CommandResult next = Run(changed, live);
  EXPECT_EQ(next.exit_code, 0) << next.output;
  EXPECT_NE(next.output.find("incremental run"), std::string::npos) << next.output;
}

// Insert mode would reject every rebuilt document as a duplicate: refused before anything is read.
TEST_P(IncrementalTest, InsertModeIsRefusedWithTheFix) {
  if (IsSkipped()) return;
  source_ = SqliteScratch("inc_insert");
  CreateSchema();
  std::string mapping = WriteTempFile("inc_insert.json", Mapping());
  CommandResult refused = Run(mapping, UniqueDatabase("inc_insert"), "--mode insert");
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("\"mode\": \"replace\""), std::string::npos) << refused.output;
}

// check says, per tracked table at every depth, what a later run reads of it.
TEST_P(IncrementalTest, CheckSaysWhatAnIncrementalRunReads) {
  if (IsSkipped()) return;
  source_ = SqliteScratch("inc_check");
  CreateSchema();
  std::string mapping = WriteTempFile("inc_check.json", Mapping());
  CommandResult checked = RunCli("check " + ShellQuote(mapping) + " --target " + ShellQuote(TargetBaseUri() + "/" +
                                                                                              UniqueDatabase("inc_check")));
  for (const char* path : {"customers", "customers.rep", "customers.invoices", "customers.invoices.lines"})
    EXPECT_NE(checked.output.find(std::string("plan: incremental ") + path + ": after the first run, only rows of "),
              std::string::npos) << path << "\n" << checked.output;
  EXPECT_NE(checked.output.find("documents whose root row is gone are deleted"), std::string::npos) << checked.output;
  EXPECT_NE(checked.output.find("rows flagged deleted remove their document or element"), std::string::npos)
      << checked.output;
}

S2M_ON_EVERY_TARGET(IncrementalTest);

}  // namespace
}  // namespace sql2mongo::testing
