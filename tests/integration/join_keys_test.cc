// Join keys compared the way the data means them, and nothing lost when they cannot be: a NUMERIC key
// joins an INTEGER key, date keys join whatever their stored spelling, a key the database matched but
// sql2mongo cannot (text '7' for the number 7) is rejected with its reason, NULL primary keys are read
// by parallel key ranges too, and foreign-key cycles do not stop the planner.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <regex>

#include "support/test_support.h"

namespace sql2mongo::testing {
namespace {

struct JsonlRun {
  CommandResult result;
  std::vector<std::string> lines;    // documents, one relaxed Extended JSON document a line
  std::vector<std::string> rejects;  // rejects file lines
};

JsonlRun RunToJsonl(const std::string& name, const std::string& sql, const std::string& collections,
                    const std::string& extra = "") {
  std::string db = MakeSqliteDatabase(name + ".db", sql);
  std::string mapping = WriteTempFile(name + ".json", "{\"collections\": " + collections + "}");
  std::string out = WriteTempFile(name + ".out.jsonl", "");
  std::string rejects = WriteTempFile(name + ".rejects.jsonl", "");
  JsonlRun run;
  run.result = RunCli("run " + ShellQuote(mapping) + " --source " + ShellQuote("sqlite:" + db) + " --target " +
                      ShellQuote("jsonl:" + out) + " --rejects " + ShellQuote(rejects) + " " + extra);
  std::ifstream documents(out), reject_lines(rejects);
  for (std::string line; std::getline(documents, line);) run.lines.push_back(line);
  for (std::string line; std::getline(reject_lines, line);) run.rejects.push_back(line);
  return run;
}

bool AnyLineHas(const std::vector<std::string>& lines, const std::string& text) {
  for (const auto& line : lines) {
    if (line.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(JoinKeys, NumericKeyJoinsIntegerForeignKey) {
  JsonlRun run = RunToJsonl("numeric_key",
                            "CREATE TABLE parent (id NUMERIC(10,0) PRIMARY KEY, name TEXT);"
                            "CREATE TABLE child (cid INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id));"
                            "INSERT INTO parent VALUES (1, 'p1'), (2, 'p2'); INSERT INTO child VALUES (10, 1), (11, 1), (12, 2);",
                            R"({"parents": {"from": "parent", "embed": {"children": {"from": "child", "as": "array"}}}})");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.output;
  EXPECT_TRUE(AnyLineHas(run.lines, R"("name" : "p1", "children" : [ { "cid" : 10 }, { "cid" : 11 } ])")) << run.lines[0];
  EXPECT_TRUE(AnyLineHas(run.lines, R"("name" : "p2", "children" : [ { "cid" : 12 } ])"));
}

TEST(JoinKeys, DateKeysJoinWhateverTheirStoredSpelling) {
  // One day stored as text, one as text with a time, one sale as a Julian day number.
  JsonlRun run = RunToJsonl(
      "date_key",
      "CREATE TABLE day (store INTEGER, d DATE, total INTEGER, PRIMARY KEY (store, d));"
      "CREATE TABLE sale (id INTEGER PRIMARY KEY, store INTEGER, d DATE, amount INTEGER,"
      "                   FOREIGN KEY (store, d) REFERENCES day(store, d));"
      "INSERT INTO day VALUES (1, '2024-01-02', 5), (1, '2024-01-03 00:00:00', 7);"
      "INSERT INTO sale VALUES (1, 1, '2024-01-02', 2), (2, 1, 2460311.5, 3), (3, 1, '2024-01-03', 7);",
      R"({"days": {"from": "day", "embed": {"sales": {"from": "sale", "as": "array", "fields": {"id": "id"}}}},
          "sales": {"from": "sale", "embed": {"day": {"from": "day", "as": "object", "value": "total"}}}})");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.output;
  EXPECT_TRUE(AnyLineHas(run.lines, R"("total" : 5, "sales" : [ { "id" : 1 }, { "id" : 2 } ])")) << run.result.output;
  EXPECT_TRUE(AnyLineHas(run.lines, R"("total" : 7, "sales" : [ { "id" : 3 } ])"));
  EXPECT_TRUE(AnyLineHas(run.lines, R"("_id" : 2, "store" : 1, "d" : { "$date" : "2024-01-02T00:00:00Z" }, "amount" : 3, "day" : 5)"));
  EXPECT_EQ(run.result.output.find("dangling references"), std::string::npos) << run.result.output;
}

TEST(JoinKeys, RowsTheDatabaseMatchedButSql2mongoCannotAreRejected) {
  JsonlRun run = RunToJsonl("text_key",
                            "CREATE TABLE p (id INTEGER PRIMARY KEY);"
                            "CREATE TABLE c (cid INTEGER PRIMARY KEY, pid VARCHAR(10) REFERENCES p(id));"
                            "INSERT INTO p VALUES (7); INSERT INTO c VALUES (1, '7');",
                            R"({"p": {"from": "p", "embed": {"kids": {"from": "c", "as": "array"}}}})");
  EXPECT_EQ(run.result.exit_code, 3) << run.result.output;  // finished with rejects
  ASSERT_EQ(run.rejects.size(), 1u) << run.result.output;
  EXPECT_NE(run.rejects[0].find("was returned for key ('7') but its key equals none the batch asked for"),
            std::string::npos)
      << run.rejects[0];
}

// The same at the second level, where the merge join streams the grandchildren joined to their parent
// with the root key carried as one more column: the reject shows the row as its table has it.
TEST(JoinKeys, ASecondLevelRowTheDatabaseMatchedIsRejectedWithItsOwnColumnsOnly) {
  JsonlRun run = RunToJsonl("text_key_deep",
                            "CREATE TABLE p (id INTEGER PRIMARY KEY);"
                            "CREATE TABLE m (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p(id));"
                            "CREATE TABLE c (cid INTEGER PRIMARY KEY, mid VARCHAR(10) REFERENCES m(id));"
                            "INSERT INTO p VALUES (1); INSERT INTO m VALUES (7, 1); INSERT INTO c VALUES (1, '7');",
                            R"({"p": {"from": "p", "embed": {"ms": {"from": "m", "as": "array",
                                "embed": {"cs": {"from": "c", "as": "array"}}}}}})",
                            "--embed-fetch merge");
  EXPECT_EQ(run.result.exit_code, 3) << run.result.output;
  ASSERT_EQ(run.rejects.size(), 1u) << run.result.output;
  EXPECT_NE(run.rejects[0].find("was returned for key ('7') but its key equals none the batch asked for"),
            std::string::npos) << run.rejects[0];
  EXPECT_NE(run.rejects[0].find(R"("row":{"mid":"7","cid":1})"), std::string::npos) << run.rejects[0];
  EXPECT_EQ(run.rejects[0].find("s2m_root_key"), std::string::npos) << run.rejects[0];
}

// A case-blind collation orders 'abc' and 'ABC' as one key, interleaving their rows; sql2mongo tells
// them apart, so each parent's array gets its own key's rows, still in order_by order.
TEST(JoinKeys, RowsOfKeysTheDatabaseInterleavesGoToTheirOwnParentInOrder) {
  JsonlRun run = RunToJsonl("nocase",
                            "CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT);"
                            "CREATE TABLE c (id INTEGER PRIMARY KEY, code TEXT COLLATE NOCASE, n INTEGER);"
                            "INSERT INTO p VALUES (1, 'abc'), (2, 'ABC');"
                            "INSERT INTO c VALUES (1, 'abc', 10), (2, 'ABC', 20), (3, 'abc', 30), (4, 'Abc', 40), (5, 'ABC', 50);",
                            R"({"p": {"from": "p", "embed": {"cs": {"from": "c", "as": "array", "local": "code",
                                "foreign": "code", "order_by": ["id"], "fields": {"n": "n"}}}}})");
  EXPECT_EQ(run.result.exit_code, 3) << run.result.output;  // 'Abc' is nobody's
  ASSERT_EQ(run.lines.size(), 2u) << run.result.output;
  EXPECT_EQ(run.lines[0], R"({ "_id" : 1, "code" : "abc", "cs" : [ { "n" : 10 }, { "n" : 30 } ] })");
  EXPECT_EQ(run.lines[1], R"({ "_id" : 2, "code" : "ABC", "cs" : [ { "n" : 20 }, { "n" : 50 } ] })");
  EXPECT_TRUE(AnyLineHas(run.rejects, "was returned for key ('Abc') but its key equals none the batch asked for"))
      << run.result.output;
}

// The second level is merged only through its parent's primary key: joined in the database on a
// column two parent rows share, each grandchild would come once per parent row, in both parents' arrays
// twice. On such a key the level is fetched by key lists, with the same documents as --embed-fetch list.
TEST(JoinKeys, AMiddleTableJoinedOnAColumnThatIsNotItsPrimaryKeyIsNotMergedAndNoRowComesTwice) {
  const std::string sql = "CREATE TABLE p (id INTEGER PRIMARY KEY);"
                          "CREATE TABLE m (id INTEGER, pid INTEGER);"  // no primary key: id 7 twice
                          "CREATE TABLE c (cid INTEGER PRIMARY KEY, mid INTEGER);"
                          "INSERT INTO p VALUES (1), (2); INSERT INTO m VALUES (7, 1), (7, 2);"
                          "INSERT INTO c VALUES (1, 7), (2, 99);";
  const std::string mapping = R"({"p": {"from": "p", "embed": {"ms": {"from": "m", "as": "array", "local": "id",
      "foreign": "pid", "embed": {"cs": {"from": "c", "as": "array", "local": "id", "foreign": "mid"}}}}}})";
  JsonlRun merged = RunToJsonl("middle_not_pk", sql, mapping, "--embed-fetch merge");
  JsonlRun listed = RunToJsonl("middle_not_pk_list", sql, mapping, "--embed-fetch list");
  EXPECT_EQ(merged.result.exit_code, 3) << merged.result.output;  // c 2 is an orphan
  ASSERT_EQ(merged.lines.size(), 2u) << merged.result.output;
  EXPECT_EQ(merged.lines[0], R"({ "_id" : 1, "ms" : [ { "id" : 7, "cs" : [ { "cid" : 1 } ] } ] })");
  EXPECT_EQ(merged.lines[1], R"({ "_id" : 2, "ms" : [ { "id" : 7, "cs" : [ { "cid" : 1 } ] } ] })");
  EXPECT_EQ(merged.lines, listed.lines);
  ASSERT_EQ(merged.rejects.size(), 1u) << merged.result.output;
  EXPECT_NE(merged.rejects[0].find("orphan row of table 'c' for p.ms.cs: its key (99) matches no row of 'm'"),
            std::string::npos) << merged.rejects[0];
  // The first level still streams; the second, by key lists.
  EXPECT_NE(merged.result.output.find("by key list 1 times, taken from merge streams 1 times"), std::string::npos)
      << merged.result.output;
}

// Three levels, p > m > c, read by the merge join in small batches over several units.
std::string ThreeLevels(const std::string& extra_rows) {
  return "CREATE TABLE p (id INTEGER PRIMARY KEY, v TEXT);"
         "CREATE TABLE m (id INTEGER PRIMARY KEY, pid INTEGER, v TEXT);"
         "CREATE TABLE c (cid INTEGER PRIMARY KEY, mid INTEGER, v TEXT);"
         "CREATE INDEX m_pid ON m (pid); CREATE INDEX c_mid ON c (mid);"
         "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 270)"
         "  INSERT INTO c SELECT x, (x * 37) % 90 + 1, 'c' || x FROM n;"
         "INSERT INTO m SELECT cid, (cid * 11) % 30 * 2 + 2, 'm' || cid FROM c WHERE cid <= 90;"  // even parents 2..60
         "INSERT INTO p SELECT cid * 2, 'p' || cid FROM c WHERE cid <= 30;" + extra_rows;
}
constexpr char kThreeLevels[] = R"({"p": {"from": "p", "embed": {"ms": {"from": "m", "as": "array", "foreign": "pid",
    "order_by": ["id"], "embed": {"cs": {"from": "c", "as": "array", "foreign": "mid", "order_by": ["cid"]}}}}}})";

JsonlRun RunVerbose(const std::string& name, const std::string& sql, const std::string& collections) {
  std::string db = MakeSqliteDatabase(name + ".db", sql);
  std::string mapping = WriteTempFile(name + ".json", "{\"collections\": " + std::string(collections) + "}");
  std::string out = WriteTempFile(name + ".out.jsonl", "");
  std::string rejects = WriteTempFile(name + ".rejects.jsonl", "");
  JsonlRun run;
  run.result = RunCli("-v run " + ShellQuote(mapping) + " --source " + ShellQuote("sqlite:" + db) + " --target " +
                      ShellQuote("jsonl:" + out) + " --rejects " + ShellQuote(rejects) +
                      " --embed-fetch merge --threads 2 --units 3 --batch-size 4 --progress none");
  std::ifstream documents(out), reject_lines(rejects);
  for (std::string line; std::getline(documents, line);) run.lines.push_back(line);
  for (std::string line; std::getline(reject_lines, line);) run.rejects.push_back(line);
  return run;
}

size_t Occurrences(const std::vector<std::string>& lines, const std::string& text) {
  size_t n = 0;
  for (const auto& line : lines)
    for (size_t at = line.find(text); at != std::string::npos; at = line.find(text, at + 1)) ++n;
  return n;
}

// When the merge join placed every row of a level's table in a document, one count(*) proves there is
// no orphan and the anti-join is not run; one orphan anywhere (in a gap between parents, past the last
// one, or below an orphan) and the anti-join runs and rejects it, as before.
TEST(JoinKeys, AMergeJoinThatPlacedEveryRowNeedsNoOrphanScanAndAnOrphanIsStillRejected) {
  JsonlRun clean = RunVerbose("orphans_none", ThreeLevels(""), kThreeLevels);
  ASSERT_EQ(clean.result.exit_code, 0) << clean.result.output;
  EXPECT_TRUE(std::regex_search(clean.result.output, std::regex("reading table p as [2-9] work units"))) << clean.result.output;
  EXPECT_NE(clean.result.output.find("90 of the 90 rows of m placed by the merge join: no orphan row possible, no anti-join"),
            std::string::npos) << clean.result.output;
  EXPECT_NE(clean.result.output.find("270 of the 270 rows of c placed by the merge join: no orphan row possible, no anti-join"),
            std::string::npos) << clean.result.output;
  EXPECT_EQ(clean.result.output.find("by anti-join"), std::string::npos) << clean.result.output;
  EXPECT_EQ(clean.lines.size(), 30u);
  EXPECT_EQ(Occurrences(clean.lines, R"("cid" : )"), 270u);
  EXPECT_EQ(Occurrences(clean.lines, R"({ "id" : )"), 90u);
  EXPECT_TRUE(clean.rejects.empty());

  // m 91 of parent 31 (odd: in a gap, inside a unit's range), m 92 of parent 999 (past the last), c 271
  // of m 999 (no such m), c 272 of m 91 (below an orphan: its parent exists, so it is not an orphan).
  JsonlRun orphans = RunVerbose("orphans_some",
                                ThreeLevels("INSERT INTO m VALUES (91, 31, 'gap'), (92, 999, 'past');"
                                            "INSERT INTO c VALUES (271, 999, 'lost'), (272, 91, 'under');"),
                                kThreeLevels);
  EXPECT_EQ(orphans.result.exit_code, 3) << orphans.result.output;
  EXPECT_NE(orphans.result.output.find("90 of the 92 rows of m placed by the merge join; looking for orphan rows by anti-join"),
            std::string::npos) << orphans.result.output;
  EXPECT_NE(orphans.result.output.find("270 of the 272 rows of c placed by the merge join; looking for orphan rows by anti-join"),
            std::string::npos) << orphans.result.output;
  ASSERT_EQ(orphans.rejects.size(), 3u) << orphans.result.output;
  EXPECT_TRUE(AnyLineHas(orphans.rejects, R"(orphan row of table 'm' for p.ms: its key (31) matches no row of 'p')"));
  EXPECT_TRUE(AnyLineHas(orphans.rejects, R"(orphan row of table 'm' for p.ms: its key (999) matches no row of 'p')"));
  EXPECT_TRUE(AnyLineHas(orphans.rejects, R"(orphan row of table 'c' for p.ms.cs: its key (999) matches no row of 'm')"));
  // The same documents as without the orphans (m 91 and its c 272 are in none), in any order (2 threads).
  std::sort(orphans.lines.begin(), orphans.lines.end());
  std::sort(clean.lines.begin(), clean.lines.end());
  EXPECT_TRUE(orphans.lines == clean.lines);
}

TEST(JoinKeys, ParallelRangesAlsoReadRowsWithANullPrimaryKey) {
  // SQLite lets a BIGINT PRIMARY KEY hold NULL: min()/max() skip it, the ranges must not.
  JsonlRun run = RunToJsonl("null_pk",
                            "CREATE TABLE t (id BIGINT PRIMARY KEY, v TEXT);"
                            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 100)"
                            "  INSERT INTO t SELECT x, 'v' FROM n;"
                            "INSERT INTO t VALUES (NULL, 'nullkey');",
                            R"({"t": {"from": "t"}})", "--threads 2");
  EXPECT_EQ(run.result.exit_code, 3) << run.result.output;  // the NULL _id is a reject, not a loss
  EXPECT_NE(run.result.output.find("as 2 work units"), std::string::npos) << run.result.output;
  EXPECT_EQ(run.lines.size(), 100u);
  ASSERT_EQ(run.rejects.size(), 1u);
  EXPECT_NE(run.rejects[0].find("_id column t.id is NULL"), std::string::npos) << run.rejects[0];
}

TEST(JoinKeys, ForeignKeyCyclesDoNotStopThePlanner) {
  JsonlRun run = RunToJsonl("cycle",
                            "CREATE TABLE emp (id INTEGER PRIMARY KEY, dept_id INTEGER REFERENCES dept);"
                            "CREATE TABLE dept (id INTEGER PRIMARY KEY, manager_id INTEGER REFERENCES emp);"
                            "INSERT INTO dept VALUES (1, 1); INSERT INTO emp VALUES (1, 1);",
                            R"({"emps": {"from": "emp", "embed": {"dept": {"from": "dept", "as": "object"}}}})");
  ASSERT_EQ(run.result.exit_code, 0) << run.result.output;
  ASSERT_EQ(run.lines.size(), 1u);
  EXPECT_NE(run.lines[0].find(R"("dept" : { "id" : 1, "manager_id" : 1 })"), std::string::npos) << run.lines[0];
}

TEST(JoinKeys, AColumnNamedIdCannotMakeASecondId) {
  JsonlRun run = RunToJsonl("dup_id", "CREATE TABLE t (id INTEGER PRIMARY KEY, _id TEXT); INSERT INTO t VALUES (1, 'x');",
                            R"({"t": {"from": "t"}})");
  EXPECT_EQ(run.result.exit_code, 2) << run.result.output;
  EXPECT_NE(run.result.output.find("would get a second _id"), std::string::npos) << run.result.output;
}

}  // namespace
}  // namespace sql2mongo::testing
