// What the tests share: where the servers and the binary are, running the CLI, reading the target.
#pragma once

#include <bson/bson.h>
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/handles.h"
#include "sql2mongo/source.h"
#include "sql2mongo/target_info.h"

namespace sql2mongo::testing {

// A MongoDB-compatible server the live tests write to; scripts/services starts both and exports their
// URIs (S2M_TEST_FERRETDB_URI, S2M_TEST_MONGO_JAVA_URI).
struct TargetServer {
  std::string name;         // "ferretdb", "mongo_java": the suffix of each case's name in ctest's output
  std::string base_uri;     // without a database: "mongodb://127.0.0.1:37018"
  std::string unavailable;  // why the server is not there; its cases are then reported as skipped
  // What it stores, from its documentation and our own trials (not from sql2mongo's detection, which
  // a test checks against this).
  ValueSupport stores;
};
const std::vector<TargetServer>& TargetServers();
// Prints the server's name only, so ctest's case names stay readable.
void PrintTo(const TargetServer& server, std::ostream* out);
std::string TargetServerName(const ::testing::TestParamInfo<TargetServer>& info);

// The fixture of every test that writes to a target: each TEST_P case runs once per server, and is
// reported as skipped, with the reason, where the server could not be started. A derived SetUp calls
// TargetTest::SetUp() first and returns when IsSkipped().
class TargetTest : public ::testing::TestWithParam<TargetServer> {
 protected:
  void SetUp() override;
  void TearDown() override;
  const TargetServer& server() const { return GetParam(); }
};

// Runs a TargetTest suite on every target server.
#define S2M_ON_EVERY_TARGET(suite) \
  INSTANTIATE_TEST_SUITE_P(Targets, suite, ::testing::ValuesIn(::sql2mongo::testing::TargetServers()), \
                           ::sql2mongo::testing::TargetServerName)

// Skips the case, naming what is missing, on a server that cannot store `capability` (a ValueSupport
// member): for tests whose subject is such a value. Tests of what a run does on such a server are
// written separately and run there.
#define S2M_REQUIRE_TARGET_STORES(capability)                                                        \
  do {                                                                                               \
    if (!GetParam().stores.capability)                                                               \
      GTEST_SKIP() << GetParam().name << " cannot store " #capability "; this case needs a server that does"; \
  } while (0)

// The current test's target server (set by TargetTest::SetUp), without a database: "mongodb://h:p".
std::string TargetBaseUri();
// An environment variable, or "" when unset.
std::string Env(const char* name);
// The test certificates of scripts/tls-certs: S2M_TEST_TLS_DIR (scripts/test), else their default folder.
std::string TlsDir();

// A database name unique to this test process and `tag`, so tests may run in parallel.
std::string UniqueDatabase(const std::string& tag);
// The repository root, for samples and mappings.
std::string SourceDir();
std::string ChinookSqlitePath();

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};
// Runs the sql2mongo binary with `arguments` (already shell-quoted where needed).
CommandResult RunCli(const std::string& arguments);
std::string ShellQuote(const std::string& text);
// Starts the sql2mongo binary with `arguments` in the background, its stdout and stderr into
// `output_file`; returns its pid (for a test that kills it), or -1.
int StartCli(const std::string& arguments, const std::string& output_file);
// Waits for a process StartCli started: its exit code (-1 when a signal ended it) and its output.
CommandResult WaitCli(int pid, const std::string& output_file);

// The whole content of a file ("" when it cannot be read).
std::string ReadWholeFile(const std::string& path);
// A document from (relaxed or canonical) Extended JSON; fails the test when the text does not parse.
BsonPtr BsonFromJson(const std::string& json);

// Writes `text` to a fresh file in a temporary folder and returns its path.
std::string WriteTempFile(const std::string& name, const std::string& text);

// A fresh SQLite database file built by running `sql`; returns its path.
std::string MakeSqliteDatabase(const std::string& name, const std::string& sql);

// All documents of db.collection matching `filter_json`, sorted by `sort_json`.
std::vector<BsonPtr> FindDocuments(const std::string& database, const std::string& collection,
                                   const std::string& filter_json = "{}", const std::string& sort_json = "{\"_id\": 1}");
int64_t CountDocuments(const std::string& database, const std::string& collection);
// Documents keyed by their {"_id": ...} as Extended JSON ("{ \"_id\" : 1 }"), to compare two loads.
std::map<std::string, BsonPtr> DocumentsById(std::vector<BsonPtr> docs);
// Inserts one document given as (relaxed) Extended JSON; fails the test when the server refuses it.
void InsertDocument(const std::string& database, const std::string& collection, const std::string& json);
// Applies `update_json` (an update document: {"$set": ...}) to the one document matching `filter_json`,
// as another tool would; fails the test when the server refuses it or nothing matched.
void UpdateDocument(const std::string& database, const std::string& collection, const std::string& filter_json,
                    const std::string& update_json);
void DropCollectionNamed(const std::string& database, const std::string& collection);
// The collection names of `database`, sorted.
std::vector<std::string> CollectionNames(const std::string& database);
void DropDatabase(const std::string& database);
// The same on a server named by its own URI ("mongodb://h:p/?tls=true&..."), for tests outside a
// TargetTest.
std::vector<BsonPtr> FindDocumentsAt(const std::string& uri, const std::string& database, const std::string& collection,
                                     const std::string& filter_json = "{}");
int64_t CountDocumentsAt(const std::string& uri, const std::string& database, const std::string& collection);
void DropDatabaseAt(const std::string& uri, const std::string& database);

// Field access by dotted path ("invoices.0.lines"); fails the test when absent.
bson_iter_t Field(const bson_t* doc, const std::string& dotted_path);
bool HasField(const bson_t* doc, const std::string& dotted_path);
std::string Utf8(const bson_t* doc, const std::string& path);
int64_t Integer(const bson_t* doc, const std::string& path);  // int32 or int64
std::string DecimalText(const bson_t* doc, const std::string& path);
uint32_t ArrayLength(const bson_t* doc, const std::string& path);
std::string Json(const bson_t* doc);

// The same checks of Source::CountRows, Source::DescribeExpression and TableInfo::is_view on every
// connector. `table` holds (id integer primary key, k text) rows (1,'a'), (2,'a'), (3,'a'), (4,'b'),
// (5,NULL), (6,NULL); `view` is `SELECT id, k FROM table WHERE k = 'a'`.
inline constexpr char kRowCountTableRows[] = "(1, 'a'), (2, 'a'), (3, 'a'), (4, 'b'), (5, NULL), (6, NULL)";
void ExpectRowCountsAndViews(Source& source, const std::string& table, const std::string& view);

// Checks Source::KeySplitPoints on `table` cut by `key` into `parts` ranges: parts-1 increasing points,
// typed so a KeyRange takes them; the ranges read every row of a full scan exactly once (compared as key
// sets), none empty; a range resumed strictly after a key (low_inclusive=false) reads exactly the rows
// after it in the key order. Returns the keys the first range read (as ValueToDisplay, "|"-joined), for
// checks of where NULL keys went.
std::vector<std::string> ExpectKeyRangesFromSplitPointsCoverTheTable(Source& source, const std::string& table,
                                                                     const std::vector<std::string>& key, size_t parts);

// A KeyRange on one integer column; an absent bound is open.
KeyRange IntegerKeyRange(const std::string& column, std::optional<int64_t> low, std::optional<int64_t> high);

}  // namespace sql2mongo::testing
