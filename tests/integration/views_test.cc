// Views on every source: init lists a view as skipped with the reason (its rows are its base table's, so
// a collection of its own would copy them), and a mapping that names a view still reads it, in check
// and in run.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

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

// The base table holds (1,'ada',1), (2,'bob',0), (3,'cy',1); the view the active ones.
constexpr char kBaseRows[] = "(1, 'ada', 1), (2, 'bob', 0), (3, 'cy', 1)";

// `source` holds `base` (id, name, active) and `view` over it. `extra`: --password-file and the like.
void ExpectViewSkippedByInitAndReadWhenMapped(const std::string& source, const std::string& extra,
                                              const std::string& base, const std::string& view, const std::string& tag) {
  std::string proposed_file = WriteTempFile(tag + ".init.json", "");
  CommandResult init = RunCli("init " + ShellQuote(source) + " --tables " + ShellQuote(base + "," + view) + " -o " +
                              ShellQuote(proposed_file) + " " + extra);
  ASSERT_EQ(init.exit_code, 0) << init.output;
  std::ifstream in(proposed_file);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(text.find("// - " + view + ": skipped: a view: map its base tables, or add it explicitly with a mapping"),
            std::string::npos)
      << text;
  auto proposed = nlohmann::json::parse(text, nullptr, false, /*ignore_comments=*/true);
  ASSERT_FALSE(proposed.is_discarded()) << text;
  ASSERT_EQ(proposed["collections"].size(), 1u) << text;
  EXPECT_EQ(proposed["collections"].begin().value()["from"], base) << text;

  // Named by a mapping, the view is read like a table: check builds its documents, run writes them.
  std::string mapping = WriteTempFile(tag + ".view.json", "{ \"source\": " + nlohmann::json(source).dump() +
                                                              ", \"collections\": { \"active\": { \"from\": " +
                                                              nlohmann::json(view).dump() + ", \"_id\": \"id\" } } }");
  CommandResult check = RunCli("check " + ShellQuote(mapping) + " --target null: --sample 5 " + extra);
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_NE(check.output.find("estimate: 2 documents"), std::string::npos) << check.output;
  std::string out = WriteTempFile(tag + ".out", "");
  std::filesystem::remove(out);
  std::filesystem::create_directories(out);
  CommandResult run = RunCli("run " + ShellQuote(mapping) + " --target " + ShellQuote("jsonl:" + out) + " --rejects " +
                             ShellQuote(WriteTempFile(tag + ".rejects.jsonl", "")) + " " + extra);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  std::ifstream written(out + "/active.jsonl");
  std::vector<nlohmann::json> documents;
  for (std::string line; std::getline(written, line);) documents.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(documents.size(), 2u);
  std::sort(documents.begin(), documents.end(), [](const auto& a, const auto& b) { return a["_id"] < b["_id"]; });
  EXPECT_EQ(documents[0]["_id"], 1);
  EXPECT_EQ(documents[0]["name"], "ada");
  EXPECT_EQ(documents[1]["_id"], 3);
  EXPECT_EQ(documents[1]["name"], "cy");
}

TEST(InitAndCheckViews, SqliteViewIsSkippedByInitAndReadWhenMapped) {
  std::string db = MakeSqliteDatabase("views.db", std::string("CREATE TABLE person (id INTEGER PRIMARY KEY, name TEXT, "
                                                              "active INTEGER); INSERT INTO person VALUES ") +
                                                      kBaseRows +
                                                      "; CREATE VIEW active_person AS SELECT id, name FROM person "
                                                      "WHERE active = 1;");
  ExpectViewSkippedByInitAndReadWhenMapped("sqlite:" + db, "", "person", "active_person", "views_sqlite");
}

#if defined(S2M_WITH_POSTGRES)
class InitAndCheckViewsPostgres : public PostgresScratchTest {};

TEST_F(InitAndCheckViewsPostgres, ViewIsSkippedByInitAndReadWhenMapped) {
  Exec(admin_.get(), "CREATE TABLE " + schema_ + ".person (id int PRIMARY KEY, name text, active int); INSERT INTO " +
                         schema_ + ".person VALUES " + kBaseRows + "; CREATE VIEW " + schema_ +
                         ".active_person AS SELECT id, name FROM " + schema_ + ".person WHERE active = 1");
  std::string password = WriteTempFile("views_pg.password", Env("S2M_TEST_POSTGRES_PASSWORD") + "\n");
  ExpectViewSkippedByInitAndReadWhenMapped(scratch_uri_, "--password-file " + ShellQuote(password),
                                           schema_ + ".person", schema_ + ".active_person", "views_pg");
}
#endif

#if defined(S2M_WITH_MYSQL)
TEST(InitAndCheckViews, MariadbViewIsSkippedByInitAndReadWhenMapped) {
  std::string uri = Env("S2M_TEST_MYSQL_URI");
  if (uri.empty()) GTEST_SKIP() << "S2M_TEST_MYSQL_URI is not set: run scripts/services start mariadb";
  std::string database = "s2m_test_views_" + std::to_string(getpid());  // the test user may create s2m_test_*
  std::unique_ptr<sql::Connection> admin = ConnectMysqlAdmin();
  std::unique_ptr<sql::Statement> statement(admin->createStatement());
  statement->execute("DROP DATABASE IF EXISTS " + database);
  statement->execute("CREATE DATABASE " + database);
  statement->execute("CREATE TABLE " + database + ".person (id INT PRIMARY KEY, name VARCHAR(10), active INT)");
  statement->execute("INSERT INTO " + database + ".person VALUES " + std::string(kBaseRows));
  statement->execute("CREATE VIEW " + database + ".active_person AS SELECT id, name FROM " + database +
                     ".person WHERE active = 1");
  std::string password = WriteTempFile("views_mysql.password", Env("S2M_TEST_MYSQL_PASSWORD") + "\n");
  ExpectViewSkippedByInitAndReadWhenMapped(uri.substr(0, uri.rfind('/') + 1) + database,
                                           "--password-file " + ShellQuote(password), "person", "active_person",
                                           "views_mysql");
  statement->execute("DROP DATABASE IF EXISTS " + database);
}
#endif

}  // namespace
}  // namespace sql2mongo::testing
