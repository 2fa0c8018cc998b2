// One JSON value gives one BSON value whichever database held it: the same JSON texts go into a
// PostgreSQL jsonb column, a PostgreSQL json column and a MariaDB JSON column; the CLI migrates each into
// dump: (real BSON) and jsonl:?canonical files, and the documents are compared byte for byte and field
// by field. jsonb rewrites some texts before the connector sees them (numbers through numeric, keys
// sorted): those are compared against json and MariaDB only, and the rewrite is itself checked.
#include <bson/bson.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "support/test_support.h"

#if defined(S2M_WITH_POSTGRES) && defined(S2M_WITH_MYSQL)
#include <cppconn/prepared_statement.h>
#include <cppconn/statement.h>
#include <mysql_driver.h>

#include "postgres/postgres_handles.h"
#include "postgres/postgres_test_support.h"
#include "support/mysql_admin.h"
#endif

namespace sql2mongo::testing {
namespace {

#if defined(S2M_WITH_POSTGRES) && defined(S2M_WITH_MYSQL)

// `uri` with its database replaced by `database` (any "?query" kept).
std::string WithDatabase(const std::string& uri, const std::string& database) {
  size_t query = uri.find('?');
  std::string head = uri.substr(0, query);
  std::string tail = query == std::string::npos ? "" : uri.substr(query);
  return head.substr(0, head.rfind('/') + 1) + database + tail;
}

struct JsonRow {
  int id;
  std::string text;
  // False where jsonb stores something else than the text says (see JsonbRewritesBeforeTheConnector).
  bool jsonb_keeps_it = true;
};

// Objects list their keys in jsonb's order (shorter first, then bytewise), so that jsonb's sorting
// changes nothing and the three sources can be compared byte for byte.
const std::vector<JsonRow>& Rows() {
  static const std::vector<JsonRow> rows = [] {
    std::vector<JsonRow> r = {
        {1, R"({"$date": 0})"},
        {2, R"({"$oid": "5f0c0a0b0c0d0e0f10111213"})"},
        {3, "9223372036854775808"},
        {4, "1.5"},
        {5, "null"},
        {6, R"("text")"},
        {7, "true"},
        {8, "false"},
        {9, "-0"},
        {10, "[2147483647, -2147483649, 9223372036854775807, -9223372036854775808, 18446744073709551615, "
             "18446744073709551616, -9223372036854775809, 12345678901234567890123456789012]"},
        {11, R"([1, 2.5, "x", null, true, [], {}])"},
        {12, R"({"$gt": 2, "a.b": 1, "$in.$x": [{"$numberLong": "5"}]})"},
        {13, R"({"\u00fc": "caf\u00e9 \ud83d\ude00", "tab": "a\tb\"c\\d/"})"},
        {14, R"({"a": 1, "b": 2, "a": 3})"},  // jsonb keeps the last "a"; so must MariaDB's text
        {15, R"({"a": {"b": [1, {"c": null}], "d": {"e": {"f": "g"}}}})"},
        {16, "[0.1, 0.0025, 123.450, 1.7976931348623157, 5e-324]"},
        {17, "[1e400, -1.5e400, 1e-400]"},  // beyond double: Decimal128 from every source
        {18, R"([{"k": 1, "k": {"z": 2}}, {"x": []}])"},
        {19, R"({})"},
        {20, R"([])"},
    };
    // MariaDB's json_valid() refuses nesting deeper than 32.
    std::string deep;
    for (int i = 0; i < 15; ++i) deep += R"({"a": [)";
    deep += "7";
    for (int i = 0; i < 15; ++i) deep += "]}";
    r.push_back({21, deep});
    // Texts jsonb rewrites before the connector reads them.
    r.push_back({22, "[1e2, 2.50e1, -0.0, 1e30]", false});  // numeric prints 100, 25.0, 0.0, 1 and 30 zeros
    r.push_back({23, R"({"bb": 1, "a": 2})", false});       // keys sorted: {"a": 2, "bb": 1}
    r.push_back({24, R"({"b": 1, "a": 2, "b": 3})", false});  // sorted after keeping the last "b"
    return r;
  }();
  return rows;
}

// s2m_test_%: the databases the MariaDB test user may create (scripts/services.d/mariadb.sh).
std::string ScratchName() { return "s2m_test_json_" + std::to_string(getpid()); }

// Documents of a dump: file by _id (an int32 here).
std::map<int, std::vector<uint8_t>> ReadDump(const std::string& path) {
  std::map<int, std::vector<uint8_t>> docs;
  bson_error_t error;
  std::unique_ptr<bson_reader_t, void (*)(bson_reader_t*)> reader(bson_reader_new_from_file(path.c_str(), &error),
                                                                   bson_reader_destroy);
  EXPECT_TRUE(reader) << path << ": " << error.message;
  if (!reader) return docs;
  bool eof = false;
  while (const bson_t* doc = bson_reader_read(reader.get(), &eof)) {
    bson_iter_t id;
    EXPECT_TRUE(bson_iter_init_find(&id, doc, "_id") && BSON_ITER_HOLDS_INT32(&id)) << path;
    const uint8_t* data = bson_get_data(doc);
    docs[bson_iter_int32(&id)] = std::vector<uint8_t>(data, data + doc->len);
  }
  EXPECT_TRUE(eof) << path << ": a document that does not read";
  return docs;
}

// The lines of a jsonl file by the _id they start with ({ "_id" : { "$numberInt" : "7" }, ...).
std::map<int, std::string> ReadJsonl(const std::string& path) {
  std::map<int, std::string> lines;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  const std::string prefix = R"({ "_id" : { "$numberInt" : ")";
  std::string line;
  while (std::getline(in, line)) {
    EXPECT_EQ(line.rfind(prefix, 0), 0u) << line;
    lines[std::stoi(line.substr(prefix.size()))] = line;
  }
  return lines;
}

std::string CanonicalJson(const std::vector<uint8_t>& bytes) {
  bson_t doc;
  if (!bson_init_static(&doc, bytes.data(), bytes.size())) return "bad bson";
  char* json = bson_as_canonical_extended_json(&doc, nullptr);
  std::string text = json ? json : "bad bson";
  bson_free(json);
  return text;
}

// The source's three collections: the same rows through jsonb, json and MariaDB's JSON.
enum Source { kJsonb, kJson, kMariadb };
const char* SourceName(Source source) {
  switch (source) {
    case kJsonb: return "jsonb";
    case kJson: return "json";
    case kMariadb: return "mariadb";
  }
  return "";
}
const char* Server(Source source) { return source == kMariadb ? "mariadb" : "postgres"; }

class JsonSourcesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_FALSE(Env("S2M_TEST_POSTGRES_URI").empty()) << "start the servers with scripts/services start";
    ASSERT_FALSE(Env("S2M_TEST_MYSQL_URI").empty()) << "start the servers with scripts/services start";
    CreatePostgresTable();
    CreateMariadbTable();
    ASSERT_FALSE(::testing::Test::HasFatalFailure());

    std::string postgres_uri = WithDatabase(Env("S2M_TEST_POSTGRES_URI"), ScratchName());
    std::string mysql_uri = WithDatabase(Env("S2M_TEST_MYSQL_URI"), ScratchName());
    std::string postgres_mapping = WriteTempFile("json_sources.postgres.json", R"({"version": 1, "collections": {
        "from_jsonb": {"from": "json_values", "_id": "id", "fields": {"v": "jb"}},
        "from_json": {"from": "json_values", "_id": "id", "fields": {"v": "j"}}}})");
    std::string mysql_mapping = WriteTempFile("json_sources.mysql.json", R"({"version": 1, "collections": {
        "from_mariadb": {"from": "json_values", "_id": "id", "fields": {"v": "v"}}}})");
    // Folders the sinks create; one per server, so that no run meets another's files.
    output_dir_ = WriteTempFile("json_sources.marker", "") + ".d";
    for (bool postgres : {true, false}) {
      std::string password = Env(postgres ? "S2M_TEST_POSTGRES_PASSWORD" : "S2M_TEST_MYSQL_PASSWORD");
      std::string common = ShellQuote(postgres ? postgres_mapping : mysql_mapping) + " --source " +
                           ShellQuote(postgres ? postgres_uri : mysql_uri) + " --password-file " +
                           ShellQuote(WriteTempFile("json_sources.password", password + "\n"));
      std::string server = postgres ? "postgres" : "mariadb";
      for (const std::string& target : {"dump:" + output_dir_ + "/dump-" + server + "?db=json",
                                        "jsonl:" + output_dir_ + "/jsonl-" + server + "?canonical"}) {
        CommandResult result = RunCli("run " + common + " --target " + ShellQuote(target));
        ASSERT_EQ(result.exit_code, 0) << target << ":\n" << result.output;
        // Every text here is JSON that converts: nothing may fall back to a string.
        EXPECT_EQ(result.output.find("kept as strings"), std::string::npos) << result.output;
      }
    }
  }

  static void TearDownTestSuite() {
    if (!Env("S2M_TEST_POSTGRES_URI").empty()) {
      PgConnection admin = ConnectPostgres(Env("S2M_TEST_POSTGRES_URI"));
      PgResult dropped(PQexec(admin.get(), ("DROP DATABASE IF EXISTS " + ScratchName() + " WITH (FORCE)").c_str()));
    }
    if (!Env("S2M_TEST_MYSQL_URI").empty()) MariadbRun("DROP DATABASE IF EXISTS " + ScratchName());
  }

  static PgConnection ConnectPostgres(const std::string& uri) { return ConnectAdmin(uri); }

  static void PgExec(PGconn* conn, const std::string& sql) {
    PgResult result(PQexec(conn, sql.c_str()));
    ASSERT_EQ(PQresultStatus(result.get()), PGRES_COMMAND_OK) << sql << ": " << PQerrorMessage(conn);
  }

  static void CreatePostgresTable() {
    {
      PgConnection admin = ConnectPostgres(Env("S2M_TEST_POSTGRES_URI"));
      PgExec(admin.get(), "DROP DATABASE IF EXISTS " + ScratchName() + " WITH (FORCE)");
      PgExec(admin.get(), "CREATE DATABASE " + ScratchName() + " ENCODING 'UTF8' TEMPLATE template0");
    }
    PgConnection conn = ConnectPostgres(WithDatabase(Env("S2M_TEST_POSTGRES_URI"), ScratchName()));
    PgExec(conn.get(), "CREATE TABLE json_values (id int PRIMARY KEY, j json, jb jsonb)");
    for (const JsonRow& row : Rows()) {
      // The text as a parameter: no quoting between the test and the server.
      std::string id = std::to_string(row.id);
      const char* params[] = {id.c_str(), row.text.c_str()};
      PgResult inserted(PQexecParams(conn.get(), "INSERT INTO json_values VALUES ($1::int, $2::json, $2::jsonb)", 2,
                                     nullptr, params, nullptr, nullptr, 0));
      ASSERT_EQ(PQresultStatus(inserted.get()), PGRES_COMMAND_OK) << row.text << ": " << PQerrorMessage(conn.get());
    }
  }

  static std::unique_ptr<sql::Connection> ConnectMariadb() { return ConnectMysqlAdmin(); }

  static void MariadbRun(const std::string& sql) {
    try {
      std::unique_ptr<sql::Connection> conn = ConnectMariadb();
      std::unique_ptr<sql::Statement>(conn->createStatement())->execute(sql);
    } catch (const sql::SQLException& e) {
      FAIL() << sql << ": " << e.what();
    }
  }

  static void CreateMariadbTable() {
    try {
      std::unique_ptr<sql::Connection> conn = ConnectMariadb();
      std::unique_ptr<sql::Statement> statement(conn->createStatement());
      statement->execute("DROP DATABASE IF EXISTS " + ScratchName());
      statement->execute("CREATE DATABASE " + ScratchName() + " CHARACTER SET utf8mb4");
      statement->execute("CREATE TABLE " + ScratchName() + ".json_values (id INT PRIMARY KEY, v JSON)");
      std::unique_ptr<sql::PreparedStatement> insert(
          conn->prepareStatement("INSERT INTO " + ScratchName() + ".json_values VALUES (?, ?)"));
      for (const JsonRow& row : Rows()) {
        insert->setInt(1, row.id);
        insert->setString(2, row.text);
        insert->executeUpdate();
      }
    } catch (const sql::SQLException& e) {
      FAIL() << "MariaDB: " << e.what();
    }
  }

  static std::map<int, std::vector<uint8_t>> Dump(Source source) {
    return ReadDump(output_dir_ + "/dump-" + Server(source) + "/json/from_" + SourceName(source) + ".bson");
  }

  // The "v" field of document `id` from `source`, as BSON (the document's bytes held in `storage`).
  static bson_iter_t V(Source source, int id, std::vector<uint8_t>* storage) {
    *storage = Dump(source)[id];
    bson_iter_t it;
    bson_t doc;
    EXPECT_TRUE(bson_init_static(&doc, storage->data(), storage->size())) << SourceName(source) << " " << id;
    EXPECT_TRUE(bson_iter_init_find(&it, &doc, "v")) << SourceName(source) << " " << id;
    return it;
  }

  static std::map<int, std::string> Jsonl(Source source) {
    return ReadJsonl(output_dir_ + "/jsonl-" + Server(source) + "/from_" + SourceName(source) + ".jsonl");
  }

  static std::string output_dir_;
};
std::string JsonSourcesTest::output_dir_;

TEST_F(JsonSourcesTest, EveryRowArrivesFromEverySource) {
  for (Source source : {kJsonb, kJson, kMariadb}) EXPECT_EQ(Dump(source).size(), Rows().size()) << SourceName(source);
}

TEST_F(JsonSourcesTest, SameJsonGivesByteIdenticalBsonFromJsonbJsonAndMariadb) {
  auto mariadb = Dump(kMariadb);
  for (Source other : {kJsonb, kJson}) {
    auto docs = Dump(other);
    for (const JsonRow& row : Rows()) {
      if (other == kJsonb && !row.jsonb_keeps_it) continue;
      EXPECT_EQ(docs[row.id], mariadb[row.id]) << row.text << "\n  " << SourceName(other) << ": "
                                               << CanonicalJson(docs[row.id])
                                               << "\n  mariadb: " << CanonicalJson(mariadb[row.id]);
    }
  }
}

TEST_F(JsonSourcesTest, SameJsonGivesIdenticalCanonicalJsonLines) {
  auto mariadb = Jsonl(kMariadb);
  ASSERT_EQ(mariadb.size(), Rows().size());
  for (Source other : {kJsonb, kJson}) {
    auto lines = Jsonl(other);
    for (const JsonRow& row : Rows()) {
      if (other == kJsonb && !row.jsonb_keeps_it) continue;
      EXPECT_EQ(lines[row.id], mariadb[row.id]) << SourceName(other) << ": " << row.text;
    }
  }
}

TEST_F(JsonSourcesTest, ExtendedJsonKeysStayOrdinaryKeys) {
  for (Source source : {kJsonb, kJson, kMariadb}) {
    SCOPED_TRACE(SourceName(source));
    std::vector<uint8_t> storage;
    bson_iter_t v = V(source, 1, &storage);
    ASSERT_TRUE(BSON_ITER_HOLDS_DOCUMENT(&v)) << "{\"$date\": 0} is a sub-document, not a date";
    bson_iter_t member;
    ASSERT_TRUE(bson_iter_recurse(&v, &member) && bson_iter_next(&member));
    EXPECT_STREQ(bson_iter_key(&member), "$date");
    EXPECT_TRUE(BSON_ITER_HOLDS_INT32(&member));
    EXPECT_EQ(bson_iter_int32(&member), 0);
    EXPECT_FALSE(bson_iter_next(&member));

    v = V(source, 2, &storage);
    ASSERT_TRUE(BSON_ITER_HOLDS_DOCUMENT(&v)) << "{\"$oid\": ...} is a sub-document, not an ObjectId";
    ASSERT_TRUE(bson_iter_recurse(&v, &member) && bson_iter_next(&member));
    EXPECT_STREQ(bson_iter_key(&member), "$oid");
    ASSERT_TRUE(BSON_ITER_HOLDS_UTF8(&member));
    EXPECT_STREQ(bson_iter_utf8(&member, nullptr), "5f0c0a0b0c0d0e0f10111213");

    v = V(source, 12, &storage);
    ASSERT_TRUE(BSON_ITER_HOLDS_DOCUMENT(&v));
    ASSERT_TRUE(bson_iter_recurse(&v, &member));
    std::vector<std::string> keys;
    while (bson_iter_next(&member)) keys.push_back(bson_iter_key(&member));
    EXPECT_EQ(keys, (std::vector<std::string>{"$gt", "a.b", "$in.$x"}));
  }
}

TEST_F(JsonSourcesTest, NumbersKeepTheirSizeFromEverySource) {
  for (Source source : {kJsonb, kJson, kMariadb}) {
    SCOPED_TRACE(SourceName(source));
    std::vector<uint8_t> storage;
    bson_iter_t v = V(source, 3, &storage);
    ASSERT_TRUE(BSON_ITER_HOLDS_DECIMAL128(&v)) << "2^63 is beyond int64";
    bson_decimal128_t decimal;
    char text[BSON_DECIMAL128_STRING];
    ASSERT_TRUE(bson_iter_decimal128(&v, &decimal));
    bson_decimal128_to_string(&decimal, text);
    EXPECT_STREQ(text, "9223372036854775808");

    v = V(source, 4, &storage);
    ASSERT_TRUE(BSON_ITER_HOLDS_DOUBLE(&v));
    EXPECT_EQ(bson_iter_double(&v), 1.5);

    v = V(source, 9, &storage);
    ASSERT_TRUE(BSON_ITER_HOLDS_INT32(&v)) << "-0 is the integer 0";
    EXPECT_EQ(bson_iter_int32(&v), 0);

    v = V(source, 10, &storage);
    ASSERT_TRUE(BSON_ITER_HOLDS_ARRAY(&v));
    bson_iter_t element;
    ASSERT_TRUE(bson_iter_recurse(&v, &element));
    std::vector<std::string> types;
    while (bson_iter_next(&element)) {
      bson_type_t type = bson_iter_type(&element);
      types.push_back(type == BSON_TYPE_INT32 ? "int32" : type == BSON_TYPE_INT64 ? "int64"
                      : type == BSON_TYPE_DECIMAL128 ? "decimal" : "other");
    }
    EXPECT_EQ(types, (std::vector<std::string>{"int32", "int64", "int64", "int64", "decimal", "decimal", "decimal",
                                               "decimal"}));

    v = V(source, 17, &storage);
    ASSERT_TRUE(BSON_ITER_HOLDS_ARRAY(&v));
    ASSERT_TRUE(bson_iter_recurse(&v, &element));
    std::vector<std::string> decimals;
    while (bson_iter_next(&element) && BSON_ITER_HOLDS_DECIMAL128(&element)) {
      bson_iter_decimal128(&element, &decimal);
      bson_decimal128_to_string(&decimal, text);
      decimals.push_back(text);
    }
    EXPECT_EQ(decimals, (std::vector<std::string>{"1E+400", "-1.5E+400", "1E-400"})) << "beyond double";
  }
}

TEST_F(JsonSourcesTest, TopLevelScalarsAndRepeatedKeys) {
  for (Source source : {kJsonb, kJson, kMariadb}) {
    SCOPED_TRACE(SourceName(source));
    std::vector<uint8_t> storage;
    bson_iter_t v = V(source, 5, &storage);
    EXPECT_TRUE(BSON_ITER_HOLDS_NULL(&v));
    v = V(source, 6, &storage);
    ASSERT_TRUE(BSON_ITER_HOLDS_UTF8(&v));
    EXPECT_STREQ(bson_iter_utf8(&v, nullptr), "text");
    v = V(source, 7, &storage);
    ASSERT_TRUE(BSON_ITER_HOLDS_BOOL(&v));
    EXPECT_TRUE(bson_iter_bool(&v));
    v = V(source, 13, &storage);
    bson_iter_t member;
    ASSERT_TRUE(BSON_ITER_HOLDS_DOCUMENT(&v) && bson_iter_recurse(&v, &member) && bson_iter_next(&member));
    EXPECT_STREQ(bson_iter_key(&member), "\xc3\xbc");
    EXPECT_STREQ(bson_iter_utf8(&member, nullptr), "caf\xc3\xa9 \xf0\x9f\x98\x80");

    v = V(source, 14, &storage);  // {"a": 1, "b": 2, "a": 3}
    ASSERT_TRUE(BSON_ITER_HOLDS_DOCUMENT(&v) && bson_iter_recurse(&v, &member));
    std::vector<std::string> members;
    while (bson_iter_next(&member)) members.push_back(bson_iter_key(&member) + std::string("=") +
                                                      std::to_string(bson_iter_as_int64(&member)));
    EXPECT_EQ(members, (std::vector<std::string>{"a=3", "b=2"}));
  }
}

TEST_F(JsonSourcesTest, JsonbRewritesBeforeTheConnector) {
  // jsonb stores numbers as numeric and sorts keys: what it prints is what the connector reads. json
  // and MariaDB keep the text, so they agree with each other and show the difference.
  auto json = Dump(kJson);
  auto mariadb = Dump(kMariadb);
  auto jsonb = Dump(kJsonb);
  for (const JsonRow& row : Rows()) {
    if (!row.jsonb_keeps_it) {
      EXPECT_EQ(json[row.id], mariadb[row.id]) << row.text;
    }
  }
  auto v_of = [](const std::vector<uint8_t>& doc) {
    std::string line = CanonicalJson(doc);
    return line.substr(line.find("\"v\" : "));
  };
  EXPECT_EQ(v_of(mariadb[22]), R"("v" : [ { "$numberDouble" : "100.0" }, { "$numberDouble" : "25.0" }, )"
                               R"({ "$numberDouble" : "-0.0" }, )"
                               R"({ "$numberDouble" : "1.0000000000000000199e+30" } ] })");
  EXPECT_EQ(v_of(jsonb[22]), R"("v" : [ { "$numberInt" : "100" }, { "$numberDouble" : "25.0" }, )"
                             R"({ "$numberDouble" : "0.0" }, )"
                             R"({ "$numberDecimal" : "1000000000000000000000000000000" } ] })");
  EXPECT_EQ(v_of(mariadb[23]), R"("v" : { "bb" : { "$numberInt" : "1" }, "a" : { "$numberInt" : "2" } } })");
  EXPECT_EQ(v_of(jsonb[23]), R"("v" : { "a" : { "$numberInt" : "2" }, "bb" : { "$numberInt" : "1" } } })");
  // A repeated key: its last value at its first place (MariaDB's text), or sorted (jsonb).
  EXPECT_EQ(v_of(mariadb[24]), R"("v" : { "b" : { "$numberInt" : "3" }, "a" : { "$numberInt" : "2" } } })");
  EXPECT_EQ(v_of(jsonb[24]), R"("v" : { "a" : { "$numberInt" : "2" }, "b" : { "$numberInt" : "3" } } })");
}

#else

TEST(JsonSourcesTest, NeedsThePostgresAndMysqlConnectors) {
  GTEST_SKIP() << "built without S2M_CONNECTORS postgres and mysql";
}

#endif

}  // namespace
}  // namespace sql2mongo::testing
