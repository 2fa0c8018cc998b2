// sql2mongo check, through the real CLI on every target server: a dry run that finds a mapping's
// mistakes before anything is written, writes nothing, and builds the same documents `run` writes.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/test_support.h"

namespace sql2mongo::testing {
namespace {

class CheckCommandTest : public TargetTest {
 protected:
  void SetUp() override {
    TargetTest::SetUp();
    if (IsSkipped()) return;
    database_ = UniqueDatabase("check");
  }
  void TearDown() override {
    if (!database_.empty()) DropDatabase(database_);
    TargetTest::TearDown();
  }
  std::string Target() const { return TargetBaseUri() + "/" + database_; }

  // Runs check with --json; the lines as JSON objects.
  std::vector<nlohmann::ordered_json> CheckJson(const std::string& mapping, const std::string& extra, int* exit_code) {
    CommandResult r = RunCli("check " + ShellQuote(mapping) + " --json --target " + ShellQuote(Target()) + " " + extra);
    *exit_code = r.exit_code;
    std::vector<nlohmann::ordered_json> lines;
    std::istringstream in(r.output);
    for (std::string line; std::getline(in, line);) {
      if (line.empty() || line[0] != '{') continue;  // the log on stderr, merged by RunCli
      auto parsed = nlohmann::ordered_json::parse(line, nullptr, false);
      EXPECT_FALSE(parsed.is_discarded()) << "not JSON: " << line;
      if (!parsed.is_discarded()) lines.push_back(parsed);
    }
    EXPECT_FALSE(lines.empty() || lines.back()["level"] != "verdict") << r.output;
    return lines;
  }

  // check --json --sample 0 of a mapping of `collections_json` on a fresh SQLite database made by `sql`.
  std::vector<nlohmann::ordered_json> CheckNewDatabase(const std::string& name, const std::string& sql,
                                                       const std::string& collections_json, int* exit_code);

  std::string database_;
};
S2M_ON_EVERY_TARGET(CheckCommandTest);

std::string Messages(const std::vector<nlohmann::ordered_json>& lines) {
  std::string all;
  for (const auto& line : lines) all += line.dump() + "\n";
  return all;
}

bool HasFinding(const std::vector<nlohmann::ordered_json>& lines, const std::string& level, const std::string& text) {
  for (const auto& line : lines)
    if (line["level"] == level && line.value("message", "").find(text) != std::string::npos) return true;
  return false;
}

std::string SqliteMapping(const std::string& name, const std::string& collections_json) {
  return WriteTempFile(name + ".json", "{\n  \"source\": \"sqlite:" + ChinookSqlitePath() +
                                           "\",\n  \"collections\": " + collections_json + "\n}\n");
}

// A fresh SQLite database made by `sql`, and a mapping of `collections_json` reading it.
std::string MappingOfNewDatabase(const std::string& name, const std::string& sql, const std::string& collections_json) {
  std::string db = MakeSqliteDatabase(name + ".db", sql);
  return WriteTempFile(name + ".json", "{ \"source\": \"sqlite:" + db + "\", \"collections\": " + collections_json + " }");
}

std::vector<nlohmann::ordered_json> CheckCommandTest::CheckNewDatabase(const std::string& name, const std::string& sql,
                                                                       const std::string& collections_json,
                                                                       int* exit_code) {
  return CheckJson(MappingOfNewDatabase(name, sql, collections_json), "--sample 0", exit_code);
}

constexpr char kParentsWithChildren[] =
    R"({ "parents": { "from": "parent", "embed": { "children": { "from": "child", "as": "array" } } } })";

TEST_P(CheckCommandTest, ACorrectMappingWritesNothingAndItsSamplesAreWhatRunWrites) {
  std::string mapping = SourceDir() + "/mappings/chinook.json";
  int code = -1;
  auto lines = CheckJson(mapping, "--sample 3", &code);
  EXPECT_EQ(code, 0) << Messages(lines);
  EXPECT_EQ(lines.back()["exit"], 0);
  // Nothing was written: the database does not even exist.
  EXPECT_TRUE(CollectionNames(database_).empty());
  // The plan is described: partitions and each embed's strategy.
  EXPECT_TRUE(HasFinding(lines, "info", "plan: table Customer")) << Messages(lines);
  EXPECT_TRUE(HasFinding(lines, "info", "invoices: 1:N array from Invoice")) << Messages(lines);
  EXPECT_TRUE(HasFinding(lines, "info", "support_rep: N:1 object from Employee")) << Messages(lines);

  std::map<std::string, std::vector<BsonPtr>> samples;
  for (const auto& line : lines) {
    if (line["level"] != "sample") continue;
    std::string json = line["document"].dump();
    bson_error_t error;
    BsonPtr doc(bson_new_from_json(reinterpret_cast<const uint8_t*>(json.data()), -1, &error));
    ASSERT_TRUE(doc) << error.message;
    samples[line["collection"]].push_back(std::move(doc));
  }
  ASSERT_EQ(samples.size(), 4u) << Messages(lines);
  for (const auto& [collection, docs] : samples) EXPECT_EQ(docs.size(), 3u) << collection;

  CommandResult run = RunCli("run " + ShellQuote(mapping) + " --drop --target " + ShellQuote(Target()) +
                             " --rejects " + ShellQuote(WriteTempFile("check.rejects.jsonl", "")));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  for (const auto& [collection, docs] : samples) {
    for (const auto& sample : docs) {
      bson_iter_t id;
      ASSERT_TRUE(bson_iter_init_find(&id, sample.get(), "_id"));
      ScopedBson filter;
      bson_append_iter(filter.get(), "_id", 3, &id);
      BsonString filter_json(bson_as_canonical_extended_json(filter.get(), nullptr));
      auto written = FindDocuments(database_, collection, filter_json.get());
      ASSERT_EQ(written.size(), 1u) << collection << " " << filter_json.get();
      EXPECT_TRUE(bson_equal(sample.get(), written[0].get()))
          << collection << ":\n  check: " << Json(sample.get()) << "\n  run:   " << Json(written[0].get());
    }
  }
}

TEST_P(CheckCommandTest, ATypoInAWhereIsFoundWithTheDatabasesMessageAndItsPlace) {
  std::string mapping = SqliteMapping("typo", R"({ "invoices": { "from": "Invoice", "where": "Totl > 3" } })");
  int code = -1;
  auto lines = CheckJson(mapping, "", &code);
  EXPECT_EQ(code, 2) << Messages(lines);
  bool found = false;
  for (const auto& line : lines) {
    if (line["level"] == "error" && line["message"].get<std::string>().find("\"where\": \"Totl > 3\" fails on table 'Invoice'") != std::string::npos) {
      found = true;
      EXPECT_NE(line["message"].get<std::string>().find("no such column: Totl"), std::string::npos) << line;
      // Line 3 of the file; the column of the "where" value.
      std::string third_line = "  \"collections\": { \"invoices\": { \"from\": \"Invoice\", \"where\": \"Totl > 3\" } }";
      EXPECT_EQ(line["place"], mapping + ":3:" + std::to_string(third_line.find("\"Totl") + 1)) << line;
    }
  }
  EXPECT_TRUE(found) << Messages(lines);
  EXPECT_TRUE(CollectionNames(database_).empty());
}

TEST_P(CheckCommandTest, ACollectionTheTargetAlreadyHoldsIsAProblem) {
  InsertDocument(database_, "artists", R"({"_id": 1, "Name": "from an earlier run"})");
  std::string mapping = SqliteMapping("existing", R"({ "artists": { "from": "Artist" } })");
  int code = -1;
  auto lines = CheckJson(mapping, "--sample 1", &code);
  EXPECT_EQ(code, 1) << Messages(lines);
  EXPECT_TRUE(HasFinding(lines, "problem", "the target already holds collection artists (1 documents)")) << Messages(lines);
  EXPECT_TRUE(HasFinding(lines, "problem", "pass --drop to replace it")) << Messages(lines);
  EXPECT_EQ(CountDocuments(database_, "artists"), 1);  // still only what was there
  // For a run with --drop, the same collection is only information: it will be replaced.
  auto with_drop = CheckJson(mapping, "--sample 1 --drop", &code);
  EXPECT_EQ(code, 0) << Messages(with_drop);
  EXPECT_TRUE(HasFinding(with_drop, "info",
                         "the target holds collection artists (1 documents): the run loads artists__s2m_staging and "
                         "renames it over artists once the whole run succeeded"))
      << Messages(with_drop);
}

TEST_P(CheckCommandTest, ValuesTheTargetCannotStoreMakeTheMappingUnrunnable) {
  std::string mapping = SqliteMapping("decimal", R"({ "tracks": { "from": "Track", "fields": { "price": "UnitPrice" } } })");
  int code = -1;
  auto lines = CheckJson(mapping, "--sample 1", &code);
  if (server().stores.decimal128) {
    EXPECT_EQ(code, 0) << Messages(lines);
  } else {
    EXPECT_EQ(code, 2) << Messages(lines);
    EXPECT_TRUE(HasFinding(lines, "error", "field 'price' from Track.UnitPrice (NUMERIC(10,2)): Decimal128, which FerretDB v1.24.1 cannot store"))
        << Messages(lines);
  }
  EXPECT_TRUE(CollectionNames(database_).empty());
}

// Customer 1's State is 'SP', not a number; customer 2's is NULL, which stays null.
TEST_P(CheckCommandTest, SampledRowsThatWouldBeRejectedAreAProblem) {
  std::string mapping = SqliteMapping("reject", R"({ "customers": { "from": "Customer", "fields": { "state": { "column": "State", "type": "int32" } } } })");
  int code = -1;
  auto lines = CheckJson(mapping, "--sample 2", &code);
  EXPECT_EQ(code, 1) << Messages(lines);
  EXPECT_TRUE(HasFinding(lines, "problem", "1 of the 2 sampled rows would be rejected")) << Messages(lines);
}

TEST_P(CheckCommandTest, AnUnknownColumnStopsTheCheckWithItsPlace) {
  std::string mapping = SqliteMapping("unknown", R"({ "customers": { "from": "Customer", "fields": { "first": "FirstNam" } } })");
  CommandResult r = RunCli("check " + ShellQuote(mapping) + " --target " + ShellQuote(Target()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  std::string third_line = R"(  "collections": { "customers": { "from": "Customer", "fields": { "first": "FirstNam" } } })";
  std::string place = mapping + ":3:" + std::to_string(third_line.find("\"FirstNam") + 1);
  EXPECT_NE(r.output.find(place + ": unknown column 'FirstNam' in table 'Customer' (did you mean 'FirstName'?)"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("cannot run: 1 error"), std::string::npos) << r.output;
}

TEST_P(CheckCommandTest, AnIdThatRepeatsInTheTableIsAProblemWithItsPlace) {
  // 59 customers in 24 countries: 35 rows repeat a country another row has.
  std::string mapping = SqliteMapping("repeat", R"({ "by_country": { "from": "Customer", "_id": "Country" } })");
  int code = -1;
  auto lines = CheckJson(mapping, "--sample 0", &code);
  EXPECT_EQ(code, 1) << Messages(lines);
  EXPECT_TRUE(HasFinding(lines, "problem", "_id (Country) is not unique in table 'Customer': 35 rows repeat a value"))
      << Messages(lines);
}

// SQLite lets a composite primary key hold NULLs, and two (1, NULL) rows are distinct to it; as _id they
// are one value, {"a": 1, "b": null}, and the target refuses the second.
TEST_P(CheckCommandTest, ACompositeIdWithNullPartsRepeatsWhenTheRowsAreEqual) {
  std::string mapping = MappingOfNewDatabase(
      "null_parts",
      "CREATE TABLE t (a INTEGER, b INTEGER, v TEXT, PRIMARY KEY (a, b));"
      "INSERT INTO t VALUES (1, NULL, 'x'), (1, NULL, 'y'), (1, 2, 'z'), (2, NULL, 'w');",
      R"({ "rows": { "from": "t", "_id": { "a": "a", "b": "b" } } })");
  int code = -1;
  auto lines = CheckJson(mapping, "--sample 0", &code);
  EXPECT_EQ(code, 1) << Messages(lines);
  EXPECT_TRUE(HasFinding(lines, "problem", "_id (a, b) is not unique in table 't': 1 rows repeat a value another row "
                                           "has (e.g. (1, null))"))
      << Messages(lines);
  // And so it is: the run writes three documents and rejects the repeat.
  CommandResult run = RunCli("run " + ShellQuote(mapping) + " --target " + ShellQuote(Target()) + " --rejects " +
                             ShellQuote(WriteTempFile("null_parts.rejects.jsonl", "")));
  EXPECT_EQ(run.exit_code, 3) << run.output;  // finished with rejects
  EXPECT_EQ(CountDocuments(database_, "rows"), 3);
  EXPECT_EQ(FindDocuments(database_, "rows", R"({"_id": {"a": 1, "b": null}})").size(), 1u);
}

TEST_P(CheckCommandTest, JoinColumnsOfTypesThatNeverMatchAreAProblem) {
  std::string mapping = MappingOfNewDatabase(
      "join_types",
      "CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);"
      "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id TEXT REFERENCES parent(id));"
      "INSERT INTO parent VALUES (1, 'a'); INSERT INTO child VALUES (1, '1');",
      kParentsWithChildren);
  int code = -1;
  auto lines = CheckJson(mapping, "--sample 1", &code);
  EXPECT_EQ(code, 1) << Messages(lines);
  EXPECT_TRUE(HasFinding(lines, "problem", "join columns parent.id (INTEGER) and child.parent_id (TEXT) never hold equal values"))
      << Messages(lines);
}

// Parent 1 has 2000 children of 10 000 characters: ~19.1 MiB of them, past the 16 MiB a document may hold;
// the others have two each.
TEST_P(CheckCommandTest, AParentWhoseDocumentWouldPass16MiBIsNamedWithItsArrayAndCount) {
  std::string mapping = MappingOfNewDatabase(
      "oversized",
      "CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);"
      "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent(id), body TEXT);"
      "INSERT INTO parent VALUES (1, 'big'), (2, 'small'), (3, 'small'), (4, 'small');"
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
      "INSERT INTO child SELECT i, 1, printf('%.*c', 10000, 'x') FROM n;"
      "INSERT INTO child VALUES (3001, 2, 'a'), (3002, 2, 'b'), (3003, 3, 'c'), (3004, 3, 'd');",
      kParentsWithChildren);
  int code = -1;
  auto lines = CheckJson(mapping, "--sample 0", &code);
  EXPECT_EQ(code, 1) << Messages(lines);
  int oversized = 0;
  for (const auto& line : lines) {
    if (line.contains("estimate")) {
      EXPECT_EQ(line["estimate"]["documents"], 4) << line;
      EXPECT_GT(line["estimate"]["max_bytes"].get<uint64_t>(), 16u << 20) << line;  // parent 1 is in the sample
    }
    if (!line.contains("oversized")) continue;
    ++oversized;
    EXPECT_EQ(line["level"], "problem") << line;
    EXPECT_EQ(line["oversized"]["parent_key"], nlohmann::ordered_json({{"id", "1"}})) << line;
    EXPECT_EQ(line["oversized"]["array"], "children") << line;
    EXPECT_EQ(line["oversized"]["rows"], 2000) << line;
    EXPECT_GT(line["oversized"]["estimated_bytes"].get<uint64_t>(), 16u << 20) << line;
    std::string message = line["message"];
    EXPECT_NE(message.find("the document of parent id = 1 would be ~19."), std::string::npos) << message;
    EXPECT_NE(message.find("its array 'children' has 2000 rows of child"), std::string::npos) << message;
  }
  EXPECT_EQ(oversized, 1) << Messages(lines);  // the parents with two children are not named
  EXPECT_TRUE(CollectionNames(database_).empty());

  // The same in the text output.
  CommandResult text = RunCli("check " + ShellQuote(mapping) + " --sample 0 --target " + ShellQuote(Target()));
  EXPECT_EQ(text.exit_code, 1) << text.output;
  EXPECT_NE(text.output.find("estimate: 4 documents (rows of parent)"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("its array 'children' has 2000 rows of child"), std::string::npos) << text.output;
}

// A "type" is checked on every value of the table the mapping reads (within its "where"), not only on
// the sampled rows: 2241 rows, 4 of them with 38 digits, one of which the "where" leaves out.
TEST_P(CheckCommandTest, ADecimalTypeIsCheckedOnTheWholeTableForMoreThan34Digits) {
  std::string mapping = MappingOfNewDatabase(
      "decimal_digits",
      "CREATE TABLE item (id INTEGER PRIMARY KEY, price TEXT);"
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2241) "
      "INSERT INTO item SELECT i, CASE WHEN i IN (7, 1000, 2240, 2241) THEN '12345678901234567890123456789012345678' "
      "ELSE '1.25' END FROM n;",
      R"({ "items": { "from": "item", "where": "id <= 2240", "fields": { "price": { "column": "price", "type": "decimal" } } } })");
  int code = -1;
  auto lines = CheckJson(mapping, "--sample 1", &code);
  // FerretDB v1 stores no Decimal128 at all: there the mapping cannot run (exit 2), and the digits are
  // found as well.
  EXPECT_EQ(code, server().stores.decimal128 ? 1 : 2) << Messages(lines);
  EXPECT_TRUE(HasFinding(lines, "problem",
                         "price: 3 of 2240 values have more than 34 significant digits (e.g. "
                         "'12345678901234567890123456789012345678'): field 'price' is \"type\": \"decimal\" from "
                         "item.price (TEXT), and each row holding one is rejected; map the field with \"type\": "
                         "\"string\""))
      << Messages(lines);
  EXPECT_TRUE(CollectionNames(database_).empty());
}

// Inside an embed too: the field's path goes through the array.
TEST_P(CheckCommandTest, TextThatIsNoNumberIsFoundForIntLongAndDoubleTypes) {
  int code = -1;
  auto lines = CheckNewDatabase(
      "not_numbers",
      "CREATE TABLE parent (id INTEGER PRIMARY KEY, code TEXT);"
      "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent(id), qty TEXT);"
      "INSERT INTO parent VALUES (1, '10'), (2, 'ten'), (3, NULL);"
      "INSERT INTO child VALUES (1, 1, '2.5'), (2, 1, 'two'), (3, 2, '4');",
      R"({ "parents": { "from": "parent", "fields": { "code": { "column": "code", "type": "int" },
                                                      "code_long": { "column": "code", "type": "long" } },
                        "embed": { "children": { "from": "child", "as": "array",
                                                 "fields": { "qty": { "column": "qty", "type": "double" } } } } } })", &code);
  EXPECT_EQ(code, 1) << Messages(lines);
  EXPECT_TRUE(HasFinding(lines, "problem", "code: 1 of 2 values are not whole numbers (e.g. 'ten'): field 'code' is "
                                           "\"type\": \"int32\" from parent.code (TEXT)"))
      << Messages(lines);
  EXPECT_TRUE(HasFinding(lines, "problem", "code: 1 of 2 values are not whole numbers within int64 (e.g. 'ten'): field "
                                           "'code_long' is \"type\": \"int64\""))
      << Messages(lines);
  EXPECT_TRUE(HasFinding(lines, "problem", "qty: 1 of 3 values are not numbers (e.g. 'two'): field 'children.qty' is "
                                           "\"type\": \"double\" from child.qty (TEXT)"))
      << Messages(lines);
}

TEST_P(CheckCommandTest, AnInt32TypeOnValuesPastItsRangeIsAProblemWithTheFix) {
  int code = -1;
  auto lines = CheckNewDatabase(
      "int32_range",
      "CREATE TABLE reading (id INTEGER PRIMARY KEY, bytes INTEGER);"
      "INSERT INTO reading VALUES (1, 2147483647), (2, 2147483648), (3, -2147483649), (4, 5);",
      R"({ "readings": { "from": "reading", "fields": { "bytes": { "column": "bytes", "type": "int32" } } } })", &code);
  EXPECT_EQ(code, 1) << Messages(lines);
  EXPECT_TRUE(HasFinding(lines, "problem", "bytes: 2 of 4 values are out of int32 range (e.g. 2147483648): field 'bytes' "
                                           "is \"type\": \"int32\" from reading.bytes (INTEGER), and each row holding "
                                           "one is rejected; use \"type\": \"int64\""))
      << Messages(lines);
}

TEST_P(CheckCommandTest, ADateTypeOnTextThatIsNoDateIsAProblem) {
  int code = -1;
  auto lines = CheckNewDatabase(
      "not_dates",
      "CREATE TABLE visit (id INTEGER PRIMARY KEY, day TEXT);"
      "INSERT INTO visit VALUES (1, '2024-02-29'), (2, 'next tuesday'), (3, '2024-02-30'), (4, '2024-03-01 10:00:00');",
      R"({ "visits": { "from": "visit", "fields": { "day": { "column": "day", "type": "date" } } } })", &code);
  EXPECT_EQ(code, 1) << Messages(lines);
  EXPECT_TRUE(HasFinding(lines, "problem", "day: 2 of 4 values are not dates (YYYY-MM-DD[ HH:MM[:SS[.fff]]][Z|+hh:mm], "
                                           "or Unix seconds) (e.g. 'next tuesday'): field 'day' is \"type\": \"date\""))
      << Messages(lines);
}

// No target anywhere: the target checks are skipped with a problem, and the samples are still built.
TEST(CheckWithoutTarget, SamplesAreBuiltAndTheMissingTargetIsAProblem) {
  std::string mapping = SqliteMapping("no_target", R"({ "artists": { "from": "Artist" } })");
  CommandResult r = RunCli("check " + ShellQuote(mapping) + " --sample 2");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("no target: set \"target\" in the mapping or pass --target"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("sample  collection 'artists': { \"_id\" : 1, \"Name\" : \"AC/DC\" }"), std::string::npos)
      << r.output;
}

}  // namespace
}  // namespace sql2mongo::testing
