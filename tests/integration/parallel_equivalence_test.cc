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

#include <unistd.h>

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

// `source`: a SQLite file, or a source URI followed by its --password-file option.
EqRun RunWith(const std::string& source, const std::string& tag, const std::string& options,
              const std::string& mapping = kMapping, const std::string& collection = "customers") {
  std::string dir = WriteTempFile("eq-" + tag, "");
  std::filesystem::remove(dir);
  std::string rejects = WriteTempFile("eq-" + tag + ".rejects.jsonl", "");
  std::string from = source.find(':') == std::string::npos ? ShellQuote("sqlite:" + source) : source;
  EqRun run;
  run.result = RunCli("run " + ShellQuote(WriteTempFile("eq-" + tag + ".json", mapping)) + " --source " + from +
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

// The same shop in SQL every source runs: customers with gaps in their keys (every 13th is missing, so its
// purchases are orphans inside a batch's key range), purchases stored in no customer's order, NULL keys,
// customers without purchases; seats keyed by two integers; countries keyed by text. No declared foreign
// keys: InnoDB would refuse the orphans.
std::vector<std::string> PortableShop() {
  std::vector<std::string> sql = {
      "CREATE TABLE tier (id INTEGER PRIMARY KEY, label VARCHAR(10))",
      "CREATE TABLE customer (id INTEGER PRIMARY KEY, name VARCHAR(20), tier_id INTEGER)",
      "CREATE TABLE purchase (id INTEGER PRIMARY KEY, customer_id INTEGER, placed VARCHAR(10), amount NUMERIC(8,2))",
      "CREATE TABLE line (id INTEGER PRIMARY KEY, purchase_id INTEGER, pos INTEGER, sku VARCHAR(20))",
      "CREATE TABLE seat (hall INTEGER NOT NULL, num INTEGER NOT NULL, label VARCHAR(10), PRIMARY KEY (hall, num))",
      "CREATE TABLE booking (id INTEGER PRIMARY KEY, hall INTEGER, num INTEGER, guest VARCHAR(20))",
      "CREATE TABLE country (code VARCHAR(10) PRIMARY KEY, name VARCHAR(20))",
      "CREATE TABLE city (id INTEGER PRIMARY KEY, country_code VARCHAR(10), name VARCHAR(20))",
      "CREATE INDEX purchase_customer ON purchase (customer_id)",
      "CREATE INDEX line_purchase ON line (purchase_id)",
      "CREATE INDEX booking_seat ON booking (hall, num)",
      "CREATE INDEX city_country ON city (country_code)",
      "INSERT INTO tier VALUES (1, 'gold'), (2, 'silver')"};
  // Rows in statements of a few hundred, in key order (as a load would store them).
  auto insert = [&](const std::string& table, int from, int to, auto row) {
    std::string values;
    for (int x = from; x <= to; ++x) {
      std::string one = row(x);
      if (one.empty()) continue;
      values += (values.empty() ? "" : ", ") + one;
      if (x % 500 == 0 || x == to) {
        sql.push_back("INSERT INTO " + table + " VALUES " + values);
        values.clear();
      }
    }
    if (!values.empty()) sql.push_back("INSERT INTO " + table + " VALUES " + values);
  };
  auto text = [](const std::string& s) { return "'" + s + "'"; };
  insert("customer", 1, 3000, [&](int x) -> std::string {
    if (x % 13 == 0) return "";
    std::string tier = x % 7 == 0 ? "NULL" : x % 11 == 0 ? "9" : std::to_string(1 + x % 2);
    return "(" + std::to_string(x) + ", " + text("c" + std::to_string(x)) + ", " + tier + ")";
  });
  insert("purchase", 1, 6000, [&](int x) -> std::string {
    if (((x * 7) % 3000) % 3 == 2) return "";  // every third customer has none
    std::string customer = x % 50 == 0 ? "NULL" : x % 97 == 0 ? std::to_string(100000 + x) : std::to_string(1 + (x * 7) % 3000);
    return "(" + std::to_string(x) + ", " + customer + ", " + text("2024-01-0" + std::to_string(1 + x % 5)) + ", " +
           std::to_string(x % 1000) + ".50)";
  });
  insert("line", 1, 15000, [&](int x) {
    return "(" + std::to_string(x) + ", " + std::to_string(1 + (x * 13) % 6000) + ", " + std::to_string(x % 4) + ", " +
           text("sku" + std::to_string(x)) + ")";
  });
  insert("seat", 0, 1199, [&](int x) {
    return "(" + std::to_string(x / 100) + ", " + std::to_string(x % 100) + ", " + text("s" + std::to_string(x)) + ")";
  });
  insert("booking", 1, 4000, [&](int x) {
    int seat = (x * 17) % 1250;  // past 1199: bookings of seats that do not exist
    return "(" + std::to_string(x) + ", " + std::to_string(seat / 100) + ", " + std::to_string(seat % 100) + ", " +
           text("guest" + std::to_string(x % 300)) + ")";
  });
  const char* prefixes[] = {"z", "A", "mm", "Q"};
  insert("country", 1, 1500, [&](int x) {
    return "(" + text(prefixes[x % 4] + std::to_string(x)) + ", " + text("country " + std::to_string(x)) + ")";
  });
  insert("city", 1, 4000, [&](int x) -> std::string {
    if (x % 5 == 0) return "";
    int country = 1 + (x * 11) % 1500;
    return "(" + std::to_string(x) + ", " + text(prefixes[country % 4] + std::to_string(country)) + ", " +
           text("city " + std::to_string(x % 900)) + ")";
  });
  return sql;
}

constexpr char kPortableMapping[] = R"({"collections": {
  "customers": {"from": "customer", "embed": {
    "tier": {"from": "tier", "as": "object", "local": "tier_id", "foreign": "id", "value": "label"},
    "purchases": {"from": "purchase", "as": "array", "local": "id", "foreign": "customer_id", "order_by": ["placed DESC", "id"],
      "fields": {"id": "id", "placed": "placed", "amount": "amount"},
      "embed": {"lines": {"from": "line", "as": "array", "local": "id", "foreign": "purchase_id", "order_by": ["pos", "sku DESC"],
                          "fields": {"pos": "pos", "sku": "sku"}}}}}},
  "seats": {"from": "seat", "embed": {"bookings": {"from": "booking", "as": "array", "local": ["hall", "num"],
                                                   "foreign": ["hall", "num"], "order_by": ["guest", "id"]}}},
  "countries": {"from": "country", "embed": {"cities": {"from": "city", "as": "array", "local": "code",
                                                         "foreign": "country_code", "order_by": ["name", "id"]}}}}})";

// How many times the run fetched 1:N embeds by key range, by key list, and took them from merge streams
// (its info line per collection), and how many units fell back from merging.
struct Fetches {
  int ranges = -1, lists = -1, merges = -1, fallbacks = -1;
};
Fetches FetchCounts(const std::string& output, const std::string& collection) {
  std::smatch match;
  std::regex line("collection " + collection + ": 1:N embeds fetched by key range (\\d+) times, by key list (\\d+) "
                  "times, taken from merge streams (\\d+) times \\((\\d+) units fell back\\)");
  if (!std::regex_search(output, match, line)) return {};
  return {std::stoi(match[1]), std::stoi(match[2]), std::stoi(match[3]), std::stoi(match[4])};
}

// Every strategy, and every way of cutting the run, gives the reference's documents and rejects: one
// thread, one big batch, key lists only.
void ExpectEveryStrategyGivesTheSameDocuments(const std::string& source, const std::string& tag) {
  struct Collection {
    const char* name;
    size_t documents;
    bool ranges;  // whose root keys let the first level be fetched by key range
    bool merges;  // ... and be streamed by the merge join (one integer key column)
  };
  for (const Collection& c : {Collection{"customers", 2770, true, true}, Collection{"seats", 1200, true, false},
                              Collection{"countries", 1500, false, false}}) {
    SCOPED_TRACE(std::string(tag) + " " + c.name);
    std::string name = tag + "-" + c.name;
    EqRun reference = RunWith(source, name + "-list", "--embed-fetch list --threads 1 --writers 1 --batch-size 5000",
                              kPortableMapping, c.name);
    Fetches listed = FetchCounts(reference.result.output, c.name);
    EXPECT_EQ(listed.ranges, 0) << reference.result.output;
    EXPECT_EQ(listed.merges, 0) << reference.result.output;
    const std::vector<std::string> cuts = {"--threads 1 --writers 1 --batch-size 5000",
                                           "--threads 3 --writers 4 --batch-size 17",
                                           "--threads 2 --writers 1 --batch-size 250"};
    // auto at every cut; each forced strategy at two of them.
    std::vector<std::pair<std::string, std::string>> runs;
    for (const std::string& cut : cuts) runs.push_back({"auto", cut});
    for (const char* forced : {"merge", "range"})
      for (size_t i = 1; i < cuts.size(); ++i) runs.push_back({forced, cuts[i]});
    for (size_t i = 0; i < runs.size(); ++i) {
      const auto& [strategy, cut] = runs[i];
      SCOPED_TRACE(strategy + " " + cut);
      EqRun run = RunWith(source, name + "-" + strategy + std::to_string(i), "--embed-fetch " + strategy + " " + cut,
                          kPortableMapping, c.name);
      EXPECT_EQ(run.result.exit_code, reference.result.exit_code) << run.result.output;
      EXPECT_EQ(run.reject_lines, reference.reject_lines);
      Fetches fetched = FetchCounts(run.result.output, c.name);
      const bool merges = c.merges && strategy != "range";
      if (merges) {
        // Both levels (purchases, and lines through purchases) from the streams, every batch.
        EXPECT_GT(fetched.merges, 0) << run.result.output;
        EXPECT_EQ(fetched.fallbacks, 0) << run.result.output;
        EXPECT_EQ(fetched.ranges, 0) << run.result.output;
      } else {
        EXPECT_EQ(fetched.merges, 0) << "no merge join for " << c.name << ": " << run.result.output;
        if (c.ranges && strategy != "merge") EXPECT_GT(fetched.ranges, 0) << run.result.output;
        else EXPECT_EQ(fetched.ranges, 0) << run.result.output;
      }
      EXPECT_GE(fetched.lists, 0) << run.result.output;
      ExpectSameDocuments(reference, run, c.documents);
    }
    // Customers: orphans (purchases of missing customers, some inside batches' key ranges) are rejected
    // once each, whatever the strategy; bookings of missing seats likewise.
    if (c.name != std::string("countries")) EXPECT_EQ(reference.result.exit_code, 3) << reference.result.output;
    if (c.name != std::string("countries")) EXPECT_GT(reference.reject_lines, 0);
  }
}

TEST(ParallelEquivalence, EveryEmbedStrategyGivesTheSameDocumentsOnSqlite) {
  std::string schema;
  for (const std::string& statement : PortableShop()) schema += statement + ";\n";
  ExpectEveryStrategyGivesTheSameDocuments(MakeSqliteDatabase("strategies.db", schema), "sqlite");
}

// s2m_test_%: the databases the test accounts may create.
std::string ScratchDatabase() { return "s2m_test_strategies_" + std::to_string(getpid()); }

std::string WithDatabase(const std::string& uri, const std::string& database) {
  size_t query = uri.find('?');
  std::string head = uri.substr(0, query);
  std::string tail = query == std::string::npos ? "" : uri.substr(query);
  return head.substr(0, head.rfind('/') + 1) + database + tail;
}

#if defined(S2M_WITH_POSTGRES)
TEST(ParallelEquivalence, EveryEmbedStrategyGivesTheSameDocumentsOnPostgres) {
  S2M_REQUIRE_POSTGRES();
  {
    PgConnection admin = ConnectAdmin(PostgresUri());
    Exec(admin.get(), "DROP DATABASE IF EXISTS " + ScratchDatabase() + " WITH (FORCE)");
    Exec(admin.get(), "CREATE DATABASE " + ScratchDatabase());
  }
  std::string uri = WithDatabase(PostgresUri(), ScratchDatabase());
  {
    PgConnection conn = ConnectAdmin(uri);
    for (const std::string& statement : PortableShop()) Exec(conn.get(), statement);
    Exec(conn.get(), "ANALYZE customer, purchase, line, seat, booking, country, city");
  }
  std::string password = WriteTempFile("strategies_pg.password", Env("S2M_TEST_POSTGRES_PASSWORD") + "\n");
  ExpectEveryStrategyGivesTheSameDocuments(ShellQuote(uri) + " --password-file " + ShellQuote(password), "postgres");
  PgConnection admin = ConnectAdmin(PostgresUri());
  Exec(admin.get(), "DROP DATABASE IF EXISTS " + ScratchDatabase() + " WITH (FORCE)");
}
#endif

#if defined(S2M_WITH_MYSQL)
TEST(ParallelEquivalence, EveryEmbedStrategyGivesTheSameDocumentsOnMariadb) {
  std::string base = Env("S2M_TEST_MYSQL_URI");
  if (base.empty()) GTEST_SKIP() << "S2M_TEST_MYSQL_URI is not set: run scripts/services start mariadb";
  std::unique_ptr<sql::Connection> admin = ConnectMysqlAdmin();
  std::unique_ptr<sql::Statement> statement(admin->createStatement());
  statement->execute("DROP DATABASE IF EXISTS " + ScratchDatabase());
  statement->execute("CREATE DATABASE " + ScratchDatabase());
  statement->execute("USE " + ScratchDatabase());
  for (const std::string& sql : PortableShop()) statement->execute(sql);
  std::string password = WriteTempFile("strategies_mysql.password", Env("S2M_TEST_MYSQL_PASSWORD") + "\n");
  ExpectEveryStrategyGivesTheSameDocuments(ShellQuote(WithDatabase(base, ScratchDatabase())) + " --password-file " +
                                               ShellQuote(password),
                                           "mariadb");
  statement->execute("DROP DATABASE IF EXISTS " + ScratchDatabase());
}
#endif

}  // namespace
}  // namespace sql2mongo::testing
