// Bad input, each case through the real CLI: the message names the file, line and column (or the
// table, column or URI) at fault, suggests the fix, and the exit code says what kind of failure it was.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <fstream>
#include <regex>

#include "support/test_support.h"

namespace sql2mongo::testing {
namespace {

std::string Chinook() { return "sqlite:" + ChinookSqlitePath(); }

// A mapping with one collection; `collection_body` is the JSON inside "customers": {...}. Its errors are
// found before any target is opened, so the target is null:.
std::string CustomersMapping(const std::string& collection_body) {
  return "{\n"
         "  \"source\": \"" + Chinook() + "\",\n"
         "  \"target\": \"null:\",\n"
         "  \"collections\": {\n"
         "    \"customers\": {\n" + collection_body + "\n    }\n  }\n}\n";
}

CommandResult RunMapping(const std::string& mapping_path, const std::string& extra = "") {
  return RunCli("run " + ShellQuote(mapping_path) + " " + extra);
}

TEST(CliErrors, MalformedJsonNamesFileLineAndColumn) {
  std::string path = WriteTempFile("malformed.json", "{\n  \"source\": \"sqlite:x.db\"\n  \"collections\": {}\n}\n");
  CommandResult r = RunMapping(path);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(path + ":3:3: malformed JSON"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("missing comma"), std::string::npos) << r.output;
}

TEST(CliErrors, UnknownTableIsNamedWithTheClosestTable) {
  std::string path = WriteTempFile("unknown_table.json", CustomersMapping("      \"from\": \"Costumer\""));
  CommandResult r = RunMapping(path);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(path + ":6:15: unknown table 'Costumer'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("did you mean 'Customer'?"), std::string::npos) << r.output;
}

TEST(CliErrors, UnknownColumnIsNamedWithTableAndClosestColumn) {
  std::string path = WriteTempFile("unknown_column.json",
                                   CustomersMapping("      \"from\": \"Customer\",\n"
                                                    "      \"fields\": { \"first\": \"FirstNam\" }"));
  CommandResult r = RunMapping(path);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(path + ":7:28: unknown column 'FirstNam' in table 'Customer' (did you mean 'FirstName'?)"),
            std::string::npos)
      << r.output;
}

TEST(CliErrors, EmbedWhoseJoinColumnDoesNotExist) {
  std::string path = WriteTempFile(
      "bad_join.json", CustomersMapping("      \"from\": \"Customer\",\n"
                                        "      \"embed\": { \"invoices\": { \"from\": \"Invoice\", \"as\": \"array\", "
                                        "\"foreign\": \"CustId\" } }"));
  CommandResult r = RunMapping(path);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(path + ":7:77: unknown column 'CustId' in table 'Invoice' (did you mean 'CustomerId'?)"),
            std::string::npos)
      << r.output;
}

TEST(CliErrors, EmbedWithoutForeignKeyAsksForTheJoinColumns) {
  std::string path = WriteTempFile(
      "no_fk.json", CustomersMapping("      \"from\": \"Customer\",\n"
                                     "      \"embed\": { \"genres\": { \"from\": \"Genre\", \"as\": \"array\" } }"));
  CommandResult r = RunMapping(path);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("embed 'genres': cannot tell which columns of 'Genre' point at 'Customer'"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("add \"foreign\""), std::string::npos) << r.output;
}

TEST(CliErrors, UnknownMappingKeySuggestsTheRightOne) {
  std::string path = WriteTempFile("typo.json", CustomersMapping("      \"form\": \"Customer\""));
  CommandResult r = RunMapping(path);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(path + ":6:7: collections.customers: unknown key 'form' (did you mean 'from'?)"),
            std::string::npos)
      << r.output;
}

TEST(CliErrors, UnreachableTargetFailsFastAndHidesThePassword) {
  std::string path = WriteTempFile("unreachable.json", CustomersMapping("      \"from\": \"Customer\""));
  auto start = std::chrono::steady_clock::now();
  // Port 9 (discard) is not served on loopback here: the connection is refused.
  CommandResult r = RunMapping(path, "--target " + ShellQuote("mongodb://alice:s3cr3t@127.0.0.1:9/db"));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_LT(seconds, 15.0);
  EXPECT_NE(r.output.find("target mongodb://alice:***@127.0.0.1:9/db does not answer"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("s3cr3t"), std::string::npos) << r.output;
}

TEST(CliErrors, MissingSourceFileIsNamed) {
  std::string path = WriteTempFile("missing_source.json", CustomersMapping("      \"from\": \"Customer\""));
  CommandResult r = RunMapping(path, "--source sqlite:/nonexistent/chinook.db");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("source sqlite:/nonexistent/chinook.db: no such file"), std::string::npos) << r.output;
}

TEST(CliErrors, MissingMappingFileIsNamed) {
  CommandResult r = RunCli("run /nonexistent/mapping.json");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("/nonexistent/mapping.json: cannot open the mapping file (no such file)"), std::string::npos)
      << r.output;
}

TEST(CliErrors, BadUsageExitsWithTwo) {
  EXPECT_EQ(RunCli("").exit_code, 2);
  EXPECT_EQ(RunCli("run").exit_code, 2);
  EXPECT_EQ(RunCli("frobnicate").exit_code, 2);
  std::string path = WriteTempFile("usage.json", CustomersMapping("      \"from\": \"Customer\""));
  CommandResult r = RunMapping(path, "--batch-size 0");
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

TEST(CliErrors, HelpAndVersion) {
  CommandResult help = RunCli("--help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("run"), std::string::npos);
  CommandResult version = RunCli("--version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.output.find("sql2mongo 0."), std::string::npos) << version.output;
}

// Runs a one-collection mapping over a SQLite database built from `sql`, into a fresh target database.
struct RejectRun {
  CommandResult result;
  std::string database;
  std::vector<std::string> reject_lines;
  std::string rejects;  // all lines joined
};

// Rejects end in a server, so these cases run once per target server.
class Rejects : public TargetTest {};
S2M_ON_EVERY_TARGET(Rejects);

RejectRun RunOnSqlite(const std::string& name, const std::string& sql, const std::string& collections_json) {
  RejectRun run;
  std::string db = MakeSqliteDatabase(name + ".db", sql);
  run.database = UniqueDatabase(name);
  std::string mapping = WriteTempFile(name + ".json", "{ \"source\": \"sqlite:" + db + "\", \"target\": \"" +
                                                          TargetBaseUri() + "/" + run.database +
                                                          "\", \"collections\": " + collections_json + " }");
  std::string rejects = WriteTempFile(name + ".rejects.jsonl", "");
  run.result = RunMapping(mapping, "--drop --rejects " + ShellQuote(rejects));
  std::ifstream in(rejects);
  for (std::string line; std::getline(in, line);) {
    run.reject_lines.push_back(line);
    run.rejects += line + "\n";
  }
  return run;
}

TEST_P(Rejects, AValueThatCannotBeConvertedIsRejectedWithItsReasonAndTheRestIsWritten) {
  RejectRun run = RunOnSqlite("convert",
                              "CREATE TABLE item (id INTEGER PRIMARY KEY, qty TEXT);"
                              "INSERT INTO item VALUES (1, '5'), (2, 'five'), (3, '7');",
                              R"({ "items": { "from": "item", "fields": { "qty": { "column": "qty", "type": "int32" } } } })");
  EXPECT_EQ(run.result.exit_code, 3) << run.result.output;  // rejected rows: the run finished with rejects, exit 3
  EXPECT_NE(run.result.output.find("1 rows or documents were rejected"), std::string::npos) << run.result.output;
  auto docs = FindDocuments(run.database, "items");
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(Integer(docs[0].get(), "qty"), 5);
  EXPECT_EQ(Integer(docs[1].get(), "_id"), 3);
  ASSERT_EQ(run.reject_lines.size(), 1u);
  EXPECT_NE(run.rejects.find("\"collection\":\"items\""), std::string::npos) << run.rejects;
  EXPECT_NE(run.rejects.find("column item.qty: cannot convert 'five' to int32"), std::string::npos) << run.rejects;
  EXPECT_NE(run.rejects.find("\"qty\":\"five\""), std::string::npos) << run.rejects;  // the source row travels with it
  DropDatabase(run.database);
}

TEST_P(Rejects, DocumentsTheServerRefusesAreRejectedWithTheServersReason) {
  // _id from a column with duplicates: the server keeps the first and refuses the others.
  RejectRun run = RunOnSqlite("dups",
                              "CREATE TABLE visit (id INTEGER PRIMARY KEY, who TEXT);"
                              "INSERT INTO visit VALUES (1, 'ann'), (2, 'bob'), (3, 'ann'), (4, 'cy');",
                              R"({ "people": { "from": "visit", "_id": "who" } })");
  EXPECT_EQ(run.result.exit_code, 3) << run.result.output;
  EXPECT_TRUE(std::regex_search(run.result.output, std::regex(R"(\npeople +4 +0 +3 +1 )"))) << run.result.output;
  EXPECT_EQ(CountDocuments(run.database, "people"), 3);
  ASSERT_EQ(run.reject_lines.size(), 1u);
  EXPECT_NE(run.rejects.find("\"_id\":\"ann\""), std::string::npos) << run.rejects;
  EXPECT_NE(run.rejects.find("target refused the document"), std::string::npos) << run.rejects;
  EXPECT_NE(run.rejects.find("duplicate key"), std::string::npos) << run.rejects;
  DropDatabase(run.database);
}

TEST_P(Rejects, ADocumentOver16MiBIsRejectedNotSent) {
  RejectRun run = RunOnSqlite("big",
                              "CREATE TABLE blob (id INTEGER PRIMARY KEY, data BLOB);"
                              "INSERT INTO blob VALUES (1, zeroblob(100)), (2, zeroblob(17 * 1024 * 1024));",
                              R"({ "blobs": { "from": "blob" } })");
  EXPECT_EQ(run.result.exit_code, 3) << run.result.output;
  EXPECT_EQ(CountDocuments(run.database, "blobs"), 1);
  ASSERT_EQ(run.reject_lines.size(), 1u);
  EXPECT_NE(run.rejects.find("over MongoDB's 16 MiB limit (largest fields: data (17.8 MB)"), std::string::npos)
      << run.rejects;
  EXPECT_NE(run.rejects.find("\"_id\":2"), std::string::npos) << run.rejects;
  DropDatabase(run.database);
}

TEST_P(Rejects, OrphanChildRowsAreRejectedWithTheirReason) {
  // Order 3's items point at order 99, which does not exist; item 5 has no order at all (NULL key).
  RejectRun run = RunOnSqlite("orphans",
                              "CREATE TABLE orders (id INTEGER PRIMARY KEY, who TEXT);"
                              "CREATE TABLE item (id INTEGER PRIMARY KEY, order_id INTEGER REFERENCES orders(id), sku TEXT);"
                              "INSERT INTO orders VALUES (1, 'ann'), (2, 'bob');"
                              "INSERT INTO item VALUES (1, 1, 'a'), (2, 1, 'b'), (3, 99, 'c'), (4, 2, 'd'), (5, NULL, 'e');",
                              R"({ "orders": { "from": "orders", "embed": { "items": { "from": "item", "as": "array" } } } })");
  EXPECT_EQ(run.result.exit_code, 3) << run.result.output;
  EXPECT_TRUE(std::regex_search(run.result.output, std::regex(R"(\norders +2 +4 +2 +1 +0 )"))) << run.result.output;
  ASSERT_EQ(run.reject_lines.size(), 1u) << run.rejects;
  EXPECT_NE(run.rejects.find("orphan row of table 'item' for orders.items: its key (99) matches no row of 'orders'"),
            std::string::npos)
      << run.rejects;
  EXPECT_NE(run.rejects.find("\"sku\":\"c\""), std::string::npos) << run.rejects;
  auto docs = FindDocuments(run.database, "orders");
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(ArrayLength(docs[0].get(), "items"), 2u);
  EXPECT_EQ(ArrayLength(docs[1].get(), "items"), 1u);
  DropDatabase(run.database);
}

}  // namespace
}  // namespace sql2mongo::testing
