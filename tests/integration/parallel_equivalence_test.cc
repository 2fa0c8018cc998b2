// The documents do not depend on how the run is cut up: one thread and one big batch, or several key
// ranges read at once with tiny batches and parallel writers, give the same documents byte for byte,
// with parents that have no children, orphan children (rejected, with the same count), NULL foreign
// keys, and arrays that follow order_by exactly across batch and range borders.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>

#include "support/test_support.h"

namespace sql2mongo::testing {
namespace {

constexpr char kShop[] = R"(
  CREATE TABLE customer (id INTEGER PRIMARY KEY, name TEXT, tier_id INTEGER REFERENCES tier(id));
  CREATE TABLE tier (id INTEGER PRIMARY KEY, label TEXT);
  CREATE TABLE purchase (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customer(id), placed TEXT, amount NUMERIC(8,2));
  CREATE TABLE line (id INTEGER PRIMARY KEY, purchase_id INTEGER REFERENCES purchase(id), pos INTEGER, sku TEXT);
  INSERT INTO tier VALUES (1, 'gold'), (2, 'silver');
  WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 3000)
    INSERT INTO customer SELECT x, 'c' || x, CASE WHEN x % 7 = 0 THEN NULL WHEN x % 11 = 0 THEN 9 ELSE 1 + x % 2 END FROM n;
  -- Every third customer has no purchase; purchase dates repeat so order_by needs its tie-break.
  WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 6000)
    INSERT INTO purchase SELECT x, CASE WHEN x % 50 = 0 THEN NULL WHEN x % 97 = 0 THEN 100000 + x ELSE 1 + (x * 7) % 3000 END,
                                '2024-01-' || printf('%02d', 1 + x % 5), (x % 1000) / 10.0 FROM n WHERE ((x * 7) % 3000) % 3 <> 2;
  WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 15000)
    INSERT INTO line SELECT x, 1 + (x * 13) % 6000, x % 4, 'sku' || x FROM n;
)";

constexpr char kMapping[] = R"({"collections": {"customers": {"from": "customer",
  "embed": {
    "tier": {"from": "tier", "as": "object", "local": "tier_id", "value": "label"},
    "purchases": {"from": "purchase", "as": "array", "order_by": ["placed DESC"],
      "embed": {"lines": {"from": "line", "as": "array", "order_by": ["pos", "sku DESC"], "fields": {"pos": "pos", "sku": "sku"}}}}}}}})";

// Root tables keyed by a composite (text, integer) and by a text primary key: cut into ranges at
// KeySplitPoints, like integer keys. Codes of mixed case and length, so text order is not length order.
constexpr char kSchool[] = R"(
  CREATE TABLE enrolment (course TEXT, student INTEGER, grade TEXT, PRIMARY KEY (course, student));
  CREATE TABLE note (id INTEGER PRIMARY KEY, course TEXT, student INTEGER, pos INTEGER, body TEXT,
                     FOREIGN KEY (course, student) REFERENCES enrolment (course, student));
  CREATE TABLE country (code TEXT PRIMARY KEY, name TEXT);
  CREATE TABLE city (id INTEGER PRIMARY KEY, country_code TEXT REFERENCES country (code), name TEXT);
  WITH RECURSIVE n(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM n WHERE x < 2999)
    INSERT INTO enrolment SELECT CASE x % 3 WHEN 0 THEN 'math' WHEN 1 THEN 'Art' ELSE 'history' END || (x % 20),
                                 x / 20, char(65 + x % 5) FROM n;
  WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 5000)
    INSERT INTO note SELECT x, e.course, e.student, x % 3, 'note ' || x
      FROM n JOIN (SELECT course, student, row_number() OVER (ORDER BY student, course) AS r FROM enrolment) e
        ON e.r = 1 + (x * 7) % 2500;
  WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 1500)
    INSERT INTO country SELECT CASE x % 4 WHEN 0 THEN 'z' WHEN 1 THEN 'A' WHEN 2 THEN 'mm' ELSE 'Q' END || x, 'country ' || x FROM n;
  WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 4000)
    INSERT INTO city SELECT x, (SELECT code FROM country WHERE rowid = 1 + (x * 11) % 1500), 'city ' || x FROM n WHERE x % 5 <> 0;
)";

constexpr char kSchoolMapping[] = R"({"collections": {
  "enrolments": {"from": "enrolment", "embed": {"notes": {"from": "note", "as": "array", "order_by": ["pos", "body"]}}},
  "countries": {"from": "country", "embed": {"cities": {"from": "city", "as": "array", "order_by": ["name"]}}}}})";

std::map<std::string, BsonPtr> ReadDump(const std::string& path) {
  std::map<std::string, BsonPtr> docs;
  bson_error_t error;
  bson_reader_t* reader = bson_reader_new_from_file(path.c_str(), &error);
  EXPECT_NE(reader, nullptr) << error.message;
  if (!reader) return docs;
  const bson_t* doc;
  while ((doc = bson_reader_read(reader, nullptr))) {
    bson_iter_t id;
    bson_iter_init_find(&id, doc, "_id");
    std::string key;
    if (BSON_ITER_HOLDS_INT(&id)) {
      key = std::to_string(bson_iter_as_int64(&id));
    } else {  // a text or composite _id: its Extended JSON
      bson_t wrapper = BSON_INITIALIZER;
      bson_append_iter(&wrapper, "_id", 3, &id);
      key = Json(&wrapper);
      bson_destroy(&wrapper);
    }
    docs.emplace(key, BsonPtr(bson_copy(doc)));
  }
  bson_reader_destroy(reader);
  return docs;
}

struct EqRun {
  CommandResult result;
  std::map<std::string, BsonPtr> docs;
  int reject_lines = 0;
};

EqRun RunWith(const std::string& db, const std::string& tag, const std::string& options,
              const std::string& mapping = kMapping, const std::string& collection = "customers") {
  std::string dir = WriteTempFile("eq-" + tag, "");
  std::filesystem::remove(dir);
  std::string rejects = WriteTempFile("eq-" + tag + ".rejects.jsonl", "");
  EqRun run;
  run.result = RunCli("run " + ShellQuote(WriteTempFile("eq-" + tag + ".json", mapping)) + " --source " + ShellQuote("sqlite:" + db) +
                      " --target " + ShellQuote("dump:" + dir) + " --rejects " + ShellQuote(rejects) + " " + options);
  run.docs = ReadDump(dir + "/sql2mongo/" + collection + ".bson");
  std::ifstream in(rejects);
  for (std::string line; std::getline(in, line);) ++run.reject_lines;
  return run;
}

TEST(ParallelEquivalence, SameDocumentsWhateverThreadsBatchesAndWriters) {
  std::string db = MakeSqliteDatabase("equivalence.db", kShop);
  EqRun one = RunWith(db, "one", "--threads 1 --writers 1 --batch-size 5000");
  EqRun many = RunWith(db, "many", "--threads 3 --writers 4 --batch-size 17");
  // Orphans (purchases of customers that do not exist) make both runs exit 3, with the same rejects.
  EXPECT_EQ(one.result.exit_code, 3) << one.result.output;
  EXPECT_EQ(many.result.exit_code, 3) << many.result.output;
  EXPECT_NE(many.result.output.find("as 3 work units"), std::string::npos) << many.result.output;
  EXPECT_GT(one.reject_lines, 0);
  EXPECT_EQ(one.reject_lines, many.reject_lines);
  ASSERT_EQ(one.docs.size(), 3000u);
  ASSERT_EQ(many.docs.size(), 3000u);
  for (const auto& [id, doc] : one.docs) {
    ASSERT_TRUE(many.docs.count(id)) << id;
    EXPECT_TRUE(bson_equal(doc.get(), many.docs[id].get())) << id << "\n" << Json(doc.get()) << "\n" << Json(many.docs[id].get());
  }
}

void ExpectSameDocuments(const EqRun& one, EqRun& many, size_t count) {
  ASSERT_EQ(one.docs.size(), count);
  ASSERT_EQ(many.docs.size(), count);
  for (const auto& [id, doc] : one.docs) {
    ASSERT_TRUE(many.docs.count(id)) << id;
    EXPECT_TRUE(bson_equal(doc.get(), many.docs[id].get())) << id << "\n" << Json(doc.get()) << "\n" << Json(many.docs[id].get());
  }
}

TEST(ParallelEquivalence, CompositeAndTextKeysAreReadAsKeyRangesWithTheSameDocuments) {
  std::string db = MakeSqliteDatabase("school.db", kSchool);
  for (const std::string collection : {"enrolments", "countries"}) {
    SCOPED_TRACE(collection);
    EqRun one = RunWith(db, collection + "-one", "--threads 1 --writers 1 --batch-size 5000", kSchoolMapping, collection);
    EqRun many = RunWith(db, collection + "-many", "--threads 3 --writers 3 --batch-size 13", kSchoolMapping, collection);
    EXPECT_EQ(one.result.exit_code, 0) << one.result.output;
    EXPECT_EQ(many.result.exit_code, 0) << many.result.output;
    std::string table = collection == "enrolments" ? "enrolment" : "country";
    EXPECT_NE(many.result.output.find("reading table " + table + " as 3 work units"), std::string::npos) << many.result.output;
    ExpectSameDocuments(one, many, collection == "enrolments" ? 3000u : 1500u);
  }
}

TEST(ParallelEquivalence, ArraysFollowOrderByAcrossBatchAndRangeBorders) {
  std::string db = MakeSqliteDatabase("ordering.db", kShop);
  EqRun many = RunWith(db, "order", "--threads 2 --batch-size 7");
  ASSERT_EQ(many.docs.size(), 3000u);
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  // The expected order, straight from SQL: purchases by placed DESC then id; lines by pos, sku DESC, id.
  ASSERT_EQ(sqlite3_prepare_v2(raw, "SELECT p.customer_id, p.id, (SELECT group_concat(sku, ',') FROM (SELECT sku FROM line "
                                    "WHERE purchase_id = p.id ORDER BY pos, sku DESC, id)) FROM purchase p "
                                    "WHERE p.customer_id IS NOT NULL ORDER BY p.customer_id, p.placed DESC, p.id",
                               -1, &stmt, nullptr),
            SQLITE_OK);
  std::map<std::string, std::vector<std::pair<int64_t, std::string>>> expected;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    const unsigned char* skus = sqlite3_column_text(stmt, 2);
    expected[std::to_string(sqlite3_column_int64(stmt, 0))].push_back(
        {sqlite3_column_int64(stmt, 1), skus ? reinterpret_cast<const char*>(skus) : ""});
  }
  sqlite3_finalize(stmt);
  sqlite3_close(raw);
  int customers_with_purchases = 0, empty = 0;
  for (const auto& [id, doc] : many.docs) {
    auto it = expected.find(id);
    uint32_t n = ArrayLength(doc.get(), "purchases");
    if (it == expected.end()) {
      EXPECT_EQ(n, 0u) << "customer " << id << " has no purchase: an empty array";
      ++empty;
      continue;
    }
    ++customers_with_purchases;
    ASSERT_EQ(n, it->second.size()) << "customer " << id;
    for (uint32_t k = 0; k < n; ++k) {
      std::string at = "purchases." + std::to_string(k);
      EXPECT_EQ(Integer(doc.get(), at + ".id"), it->second[k].first) << "customer " << id << " purchase " << k;
      std::string skus;
      for (uint32_t j = 0; j < ArrayLength(doc.get(), at + ".lines"); ++j)
        skus += (j ? "," : "") + Utf8(doc.get(), at + ".lines." + std::to_string(j) + ".sku");
      EXPECT_EQ(skus, it->second[k].second) << "customer " << id << " purchase " << k;
    }
  }
  EXPECT_GT(customers_with_purchases, 1000);
  EXPECT_GT(empty, 500);
  // NULL tier -> null; tier 9 does not exist -> null and counted as dangling.
  bson_iter_t tier = Field(many.docs["7"].get(), "tier");
  EXPECT_TRUE(BSON_ITER_HOLDS_NULL(&tier));
  EXPECT_EQ(Utf8(many.docs["1"].get(), "tier"), "silver");
  EXPECT_TRUE(std::regex_search(many.result.output, std::regex(R"(\ncustomers +3000 +\d+ +3000 +\d+ +0 +[1-9]\d* )")))
      << many.result.output;
}

}  // namespace
}  // namespace sql2mongo::testing
