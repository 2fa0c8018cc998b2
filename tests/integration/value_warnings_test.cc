// Values that arrive, but not as their column declares, are stored as they are and counted per column:
// the summary lists each with examples, the report carries them, and the documents show what was kept.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/test_support.h"
#ifdef S2M_WITH_MYSQL
#include <cppconn/statement.h>
#include "support/mysql_admin.h"
#endif

namespace sql2mongo::testing {
namespace {

using Json = nlohmann::json;

std::vector<Json> JsonLines(const std::string& path) {
  std::vector<Json> lines;
  std::istringstream in(ReadWholeFile(path));
  for (std::string line; std::getline(in, line);) lines.push_back(Json::parse(line));
  return lines;
}

TEST(ValueWarnings, SqliteTextInDateAndNumberColumnsIsKeptAndListedPerColumn) {
  std::string db = MakeSqliteDatabase("warnings.db",
                                      "CREATE TABLE p (id INTEGER PRIMARY KEY, born DATETIME, height REAL);"
                                      "INSERT INTO p VALUES (1, '1970-01-02', 1.8), (2, 'n/a', 1.7), "
                                      "(3, 'unknown', 'tall'), (4, '1980-05-06 07:08:09', 1.6);");
  std::string out = WriteTempFile("warnings.jsonl", "");
  std::string report = WriteTempFile("warnings-report.json", "");
  std::string mapping = WriteTempFile("warnings.json", "{\"source\": \"sqlite:" + db +
                                                           "\", \"collections\": {\"people\": {\"from\": \"p\"}}}");
  CommandResult r = RunCli("run " + ShellQuote(mapping) + " --target " + ShellQuote("jsonl:" + out) + " --threads 1 --report " +
                           ShellQuote(report));
  ASSERT_EQ(r.exit_code, 0) << r.output;  // stored, so not a failure: a warning
  EXPECT_NE(r.output.find("warning: people: p.born: 2 values are not dates, kept as strings (e.g. 'n/a', 'unknown')"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("warning: people: p.height: 1 values are not numbers, kept as strings (e.g. 'tall')"),
            std::string::npos)
      << r.output;
  std::vector<Json> docs = JsonLines(out);
  ASSERT_EQ(docs.size(), 4u);
  EXPECT_TRUE(docs[0]["born"].contains("$date")) << docs[0];
  EXPECT_EQ(docs[1]["born"], "n/a");
  EXPECT_EQ(docs[2]["height"], "tall");
  Json account = Json::parse(ReadWholeFile(report));
  EXPECT_EQ(account["collections"][0]["warnings"], 3);
  EXPECT_EQ(account["totals"]["warnings"], 3);
  ASSERT_EQ(account["warnings"].size(), 2u);
  EXPECT_EQ(account["warnings"][0]["column"], "born");
  EXPECT_EQ(account["warnings"][0]["table"], "p");
  EXPECT_EQ(account["warnings"][0]["count"], 2);
  EXPECT_EQ(account["warnings"][0]["examples"], Json::array({"n/a", "unknown"}));
}

#ifdef S2M_WITH_MYSQL
TEST(ValueWarnings, MysqlZeroDatesBecomeNullAndAreCounted) {
  if (Env("S2M_TEST_MYSQL_URI").empty()) GTEST_SKIP() << "S2M_TEST_MYSQL_URI is not set (scripts/services start)";
  // A database of its own: tables added to Chinook would show in other tests' catalogs meanwhile.
  std::unique_ptr<sql::Connection> admin = ConnectMysqlAdmin();
  std::string database = UniqueDatabase("zero_dates");
  std::string chinook_uri = Env("S2M_TEST_MYSQL_URI");
  std::string uri = chinook_uri.substr(0, chinook_uri.rfind('/') + 1) + database;
  std::string table = "events";
  std::unique_ptr<sql::Statement> statement(admin->createStatement());
  statement->execute("DROP DATABASE IF EXISTS " + database);
  statement->execute("CREATE DATABASE " + database);
  admin->setSchema(database);
  statement->execute("SET SESSION sql_mode = ''");  // lets the zero dates in, as old applications did
  statement->execute("CREATE TABLE " + table + " (id INT PRIMARY KEY, d DATE, at DATETIME)");
  statement->execute("INSERT INTO " + table + " VALUES (1, '2020-01-02', '2020-01-02 03:04:05'), "
                     "(2, '0000-00-00', '0000-00-00 00:00:00'), (3, '2021-00-00', '2021-03-04 05:06:07')");
  std::string out = WriteTempFile("zero.jsonl", "");
  std::string mapping = WriteTempFile("zero.json", "{\"source\": \"" + uri + "\", \"collections\": {\"events\": {\"from\": \"" +
                                                       table + "\"}}}");
  std::string password = WriteTempFile("zero.password", Env("S2M_TEST_MYSQL_PASSWORD") + "\n");
  CommandResult r = RunCli("run " + ShellQuote(mapping) + " --target " + ShellQuote("jsonl:" + out) +
                           " --password-file " + ShellQuote(password));
  statement->execute("DROP DATABASE " + database);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("warning: events: " + table +
                          ".d: 2 zero dates ('0000-00-00' or a zero month or day), stored as null (e.g. '0000-00-00', "
                          "'2021-00-00')"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find(".at: 1 zero dates"), std::string::npos) << r.output;
  std::vector<Json> docs = JsonLines(out);
  ASSERT_EQ(docs.size(), 3u);
  for (const auto& doc : docs) {
    if (doc["_id"] == 2) {
      EXPECT_TRUE(doc["d"].is_null()) << doc;
    }
  }
}
#endif

}  // namespace
}  // namespace sql2mongo::testing
