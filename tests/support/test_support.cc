#include "support/test_support.h"

#include <gtest/gtest.h>
#include <mongoc/mongoc.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <map>
#include <set>

#include "sink/mongo/mongo_connection.h"

namespace sql2mongo::testing {
namespace {

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

const TargetServer* current_target = nullptr;

// One client per server URI, kept for the process (a test process runs one case).
mongoc_client_t* ClientAt(const std::string& uri) {
  static std::map<std::string, MongoClient> clients;
  auto found = clients.find(uri);
  if (found == clients.end()) {
    EnsureMongocInitialized();
    mongoc_uri_t* parsed = mongoc_uri_new(uri.c_str());
    if (!parsed) {
      ADD_FAILURE() << "not a MongoDB URI: " << uri;
      std::abort();  // every caller needs a client; nothing sensible can follow
    }
    mongoc_uri_set_option_as_int32(parsed, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 3000);
    found = clients.emplace(uri, MongoClient(mongoc_client_new_from_uri(parsed))).first;
    mongoc_uri_destroy(parsed);
  }
  return found->second.get();
}

mongoc_client_t* Client() { return ClientAt(TargetBaseUri()); }

// "mongodb://h:p" and "mongodb://h:p/?x=y" alike: libmongoc wants the '/' before options.
std::string ClientUri(const std::string& uri) { return uri.find('/', 10) == std::string::npos ? uri + "/" : uri; }

}  // namespace

std::string Env(const char* name) { return EnvOr(name, ""); }

std::string TlsDir() {
  std::string dir = Env("S2M_TEST_TLS_DIR");
  return dir.empty() ? SourceDir() + "/.work/tls" : dir;
}

const std::vector<TargetServer>& TargetServers() {
  static const std::vector<TargetServer> servers = [] {
    std::vector<TargetServer> list;
    TargetServer ferretdb;
    ferretdb.name = "ferretdb";
    ferretdb.base_uri = EnvOr("S2M_TEST_FERRETDB_URI", "");
    ferretdb.unavailable = EnvOr("S2M_TEST_FERRETDB_UNAVAILABLE", "");
    if (ferretdb.base_uri.empty() && ferretdb.unavailable.empty())
      ferretdb.unavailable = "S2M_TEST_FERRETDB_URI is not set; scripts/test starts FerretDB and sets it";
    // Tried on FerretDB v1.24.1: it closes the connection on Decimal128 and NaN and refuses nested arrays
    // and keys with '.' or a leading '$' (code 2).
    ferretdb.stores = ValueSupport{.decimal128 = false, .nan = false, .nested_arrays = false,
                                   .dotted_keys = false, .dollar_keys = false};
    list.push_back(ferretdb);
    TargetServer mongo_java;
    mongo_java.name = "mongo_java";
    mongo_java.base_uri = EnvOr("S2M_TEST_MONGO_JAVA_URI", "mongodb://127.0.0.1:37017");
    list.push_back(mongo_java);  // stores every BSON value
    return list;
  }();
  return servers;
}

void PrintTo(const TargetServer& server, std::ostream* out) { *out << server.name; }

std::string TargetServerName(const ::testing::TestParamInfo<TargetServer>& info) { return info.param.name; }

void TargetTest::TearDown() { current_target = nullptr; }

void TargetTest::SetUp() {
  current_target = &GetParam();
  if (!GetParam().unavailable.empty()) GTEST_SKIP() << GetParam().name << " is not available: " << GetParam().unavailable;
}

std::string TargetBaseUri() {
  EXPECT_NE(current_target, nullptr) << "TargetBaseUri() outside a TargetTest";
  return current_target ? current_target->base_uri : TargetServers().back().base_uri;
}

std::string UniqueDatabase(const std::string& tag) { return "s2m_test_" + tag + "_" + std::to_string(getpid()); }

std::string SourceDir() { return S2M_SOURCE_DIR; }

std::string ChinookSqlitePath() { return SourceDir() + "/samples/chinook/Chinook_Sqlite.sqlite"; }

std::string ShellQuote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

// libmongoc keeps its counters in /dev/shm/mongoc-<pid>; a run the tests kill leaves its file behind,
// and a later process given the same pid warns "Falling back to malloc for counters" on stdout, which
// breaks a test that parses the output. The tool's runs here need no counters: none are made.
const bool kNoMongocSharedMemory = setenv("MONGOC_DISABLE_SHM", "1", 0) == 0;

CommandResult RunCli(const std::string& arguments) {
  std::string binary = EnvOr("S2M_BINARY", S2M_DEFAULT_BINARY);
  std::string command = ShellQuote(binary) + " " + arguments + " 2>&1";
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

int StartCli(const std::string& arguments, const std::string& output_file) {
  std::string binary = EnvOr("S2M_BINARY", S2M_DEFAULT_BINARY);
  // exec: the pid returned is the tool's own, not a shell's, so a SIGKILL reaches the tool.
  std::string command = "exec " + ShellQuote(binary) + " " + arguments + " > " + ShellQuote(output_file) + " 2>&1";
  pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return static_cast<int>(pid);
}

CommandResult WaitCli(int pid, const std::string& output_file) {
  CommandResult result;
  int status = 0;
  if (waitpid(static_cast<pid_t>(pid), &status, 0) < 0) return result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.output = ReadWholeFile(output_file);
  return result;
}

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

BsonPtr BsonFromJson(const std::string& json) {
  bson_error_t error;
  BsonPtr doc(bson_new_from_json(reinterpret_cast<const uint8_t*>(json.data()), static_cast<ssize_t>(json.size()), &error));
  EXPECT_TRUE(doc) << error.message << ": " << json;
  return doc;
}

std::string WriteTempFile(const std::string& name, const std::string& text) {
  static std::string dir = [] {
    std::string pattern = (std::filesystem::temp_directory_path() / "s2m_test_XXXXXX").string();
    return std::string(mkdtemp(pattern.data()));
  }();
  std::string path = dir + "/" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::string MakeSqliteDatabase(const std::string& name, const std::string& sql) {
  std::string path = WriteTempFile(name, "");
  std::remove(path.c_str());
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
  return path;
}

std::map<std::string, BsonPtr> DocumentsById(std::vector<BsonPtr> docs) {
  std::map<std::string, BsonPtr> by_id;
  for (auto& doc : docs) {
    bson_iter_t id;
    bson_iter_init_find(&id, doc.get(), "_id");
    ScopedBson key;
    bson_append_iter(key.get(), "_id", 3, &id);
    by_id.emplace(Json(key.get()), std::move(doc));
  }
  return by_id;
}

std::vector<BsonPtr> FindDocuments(const std::string& database, const std::string& collection,
                                   const std::string& filter_json, const std::string& sort_json) {
  bson_error_t error;
  BsonPtr filter(bson_new_from_json(reinterpret_cast<const uint8_t*>(filter_json.data()), -1, &error));
  EXPECT_TRUE(filter) << error.message;
  BsonPtr options(bson_new());
  BsonPtr sort(bson_new_from_json(reinterpret_cast<const uint8_t*>(sort_json.data()), -1, &error));
  BSON_APPEND_DOCUMENT(options.get(), "sort", sort.get());
  MongoCollection coll(mongoc_client_get_collection(Client(), database.c_str(), collection.c_str()));
  MongoCursor cursor(mongoc_collection_find_with_opts(coll.get(), filter.get(), options.get(), nullptr));
  std::vector<BsonPtr> docs;
  const bson_t* doc;
  while (mongoc_cursor_next(cursor.get(), &doc)) docs.emplace_back(bson_copy(doc));
  EXPECT_FALSE(mongoc_cursor_error(cursor.get(), &error)) << error.message;
  return docs;
}

int64_t CountDocuments(const std::string& database, const std::string& collection) {
  MongoCollection coll(mongoc_client_get_collection(Client(), database.c_str(), collection.c_str()));
  bson_error_t error;
  ScopedBson filter;
  int64_t n = mongoc_collection_count_documents(coll.get(), filter.get(), nullptr, nullptr, nullptr, &error);
  EXPECT_GE(n, 0) << error.message;
  return n;
}

void InsertDocument(const std::string& database, const std::string& collection, const std::string& json) {
  bson_error_t error;
  BsonPtr doc(bson_new_from_json(reinterpret_cast<const uint8_t*>(json.data()), -1, &error));
  ASSERT_TRUE(doc) << error.message;
  MongoCollection coll(mongoc_client_get_collection(Client(), database.c_str(), collection.c_str()));
  ASSERT_TRUE(mongoc_collection_insert_one(coll.get(), doc.get(), nullptr, nullptr, &error)) << error.message;
}

void UpdateDocument(const std::string& database, const std::string& collection, const std::string& filter_json,
                    const std::string& update_json) {
  BsonPtr filter = BsonFromJson(filter_json), update = BsonFromJson(update_json);
  MongoCollection coll(mongoc_client_get_collection(Client(), database.c_str(), collection.c_str()));
  ScopedBson reply;
  bson_error_t error;
  ASSERT_TRUE(mongoc_collection_update_one(coll.get(), filter.get(), update.get(), nullptr, reply.ResetForOutput(), &error))
      << error.message;
  bson_iter_t matched;
  ASSERT_TRUE(bson_iter_init_find(&matched, reply.get(), "matchedCount") && bson_iter_as_int64(&matched) == 1)
      << "no document matched " << filter_json << ": " << Json(reply.get());
}

void DropCollectionNamed(const std::string& database, const std::string& collection) {
  MongoCollection coll(mongoc_client_get_collection(Client(), database.c_str(), collection.c_str()));
  bson_error_t error;
  ASSERT_TRUE(mongoc_collection_drop(coll.get(), &error)) << error.message;
}

std::vector<std::string> CollectionNames(const std::string& database) {
  mongoc_database_t* db = mongoc_client_get_database(Client(), database.c_str());
  bson_error_t error;
  char** names = mongoc_database_get_collection_names_with_opts(db, nullptr, &error);
  std::vector<std::string> out;
  EXPECT_NE(names, nullptr) << error.message;
  for (char** name = names; name && *name; ++name) out.push_back(*name);
  bson_strfreev(names);
  mongoc_database_destroy(db);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<BsonPtr> FindDocumentsAt(const std::string& uri, const std::string& database, const std::string& collection,
                                     const std::string& filter_json) {
  bson_error_t error;
  BsonPtr filter(bson_new_from_json(reinterpret_cast<const uint8_t*>(filter_json.data()), -1, &error));
  EXPECT_TRUE(filter) << error.message;
  MongoCollection coll(mongoc_client_get_collection(ClientAt(ClientUri(uri)), database.c_str(), collection.c_str()));
  MongoCursor cursor(mongoc_collection_find_with_opts(coll.get(), filter.get(), nullptr, nullptr));
  std::vector<BsonPtr> docs;
  const bson_t* doc;
  while (mongoc_cursor_next(cursor.get(), &doc)) docs.emplace_back(bson_copy(doc));
  EXPECT_FALSE(mongoc_cursor_error(cursor.get(), &error)) << error.message;
  return docs;
}

int64_t CountDocumentsAt(const std::string& uri, const std::string& database, const std::string& collection) {
  MongoCollection coll(mongoc_client_get_collection(ClientAt(ClientUri(uri)), database.c_str(), collection.c_str()));
  bson_error_t error;
  ScopedBson filter;
  int64_t n = mongoc_collection_count_documents(coll.get(), filter.get(), nullptr, nullptr, nullptr, &error);
  EXPECT_GE(n, 0) << error.message;
  return n;
}

void DropDatabaseAt(const std::string& uri, const std::string& database) {
  mongoc_database_t* db = mongoc_client_get_database(ClientAt(ClientUri(uri)), database.c_str());
  mongoc_database_drop(db, nullptr);
  mongoc_database_destroy(db);
}

void DropDatabase(const std::string& database) {
  mongoc_database_t* db = mongoc_client_get_database(Client(), database.c_str());
  mongoc_database_drop(db, nullptr);
  mongoc_database_destroy(db);
}

bson_iter_t Field(const bson_t* doc, const std::string& dotted_path) {
  bson_iter_t iter, found;
  bool ok = bson_iter_init(&iter, doc) && bson_iter_find_descendant(&iter, dotted_path.c_str(), &found);
  EXPECT_TRUE(ok) << "no field " << dotted_path << " in " << Json(doc);
  if (!ok) bson_iter_init(&found, doc);
  return found;
}

bool HasField(const bson_t* doc, const std::string& dotted_path) {
  bson_iter_t iter, found;
  return bson_iter_init(&iter, doc) && bson_iter_find_descendant(&iter, dotted_path.c_str(), &found);
}

std::string Utf8(const bson_t* doc, const std::string& path) {
  bson_iter_t it = Field(doc, path);
  EXPECT_TRUE(BSON_ITER_HOLDS_UTF8(&it)) << path << " is not a string in " << Json(doc);
  return BSON_ITER_HOLDS_UTF8(&it) ? bson_iter_utf8(&it, nullptr) : "";
}

int64_t Integer(const bson_t* doc, const std::string& path) {
  bson_iter_t it = Field(doc, path);
  EXPECT_TRUE(BSON_ITER_HOLDS_INT32(&it) || BSON_ITER_HOLDS_INT64(&it)) << path << " is not an integer in " << Json(doc);
  return bson_iter_as_int64(&it);
}

std::string DecimalText(const bson_t* doc, const std::string& path) {
  bson_iter_t it = Field(doc, path);
  EXPECT_TRUE(BSON_ITER_HOLDS_DECIMAL128(&it)) << path << " is not a Decimal128 in " << Json(doc);
  if (!BSON_ITER_HOLDS_DECIMAL128(&it)) return "";
  bson_decimal128_t value;
  bson_iter_decimal128(&it, &value);
  char text[BSON_DECIMAL128_STRING];
  bson_decimal128_to_string(&value, text);
  return text;
}

uint32_t ArrayLength(const bson_t* doc, const std::string& path) {
  bson_iter_t it = Field(doc, path);
  EXPECT_TRUE(BSON_ITER_HOLDS_ARRAY(&it)) << path << " is not an array in " << Json(doc);
  bson_iter_t child;
  uint32_t n = 0;
  if (BSON_ITER_HOLDS_ARRAY(&it) && bson_iter_recurse(&it, &child)) {
    while (bson_iter_next(&child)) ++n;
  }
  return n;
}

std::string Json(const bson_t* doc) {
  BsonString json(bson_as_relaxed_extended_json(doc, nullptr));
  return json ? json.get() : "<invalid BSON>";
}

void ExpectRowCountsAndViews(Source& source, const std::string& table, const std::string& view) {
  // Groups of more than one row, the largest first; the NULLs are one group, as GROUP BY makes them.
  auto groups = source.CountRows(RowCountRequest{table, {"k"}, "", 1, 10});
  ASSERT_TRUE(groups.ok()) << groups.status().message();
  ASSERT_EQ(groups->size(), 2u);
  EXPECT_EQ((*groups)[0].key, std::vector<std::optional<std::string>>{"a"});
  EXPECT_EQ((*groups)[0].rows, 3u);
  EXPECT_EQ((*groups)[1].key, std::vector<std::optional<std::string>>{std::nullopt});
  EXPECT_EQ((*groups)[1].rows, 2u);
  auto largest = source.CountRows(RowCountRequest{table, {"k"}, "", 0, 1});
  ASSERT_TRUE(largest.ok()) << largest.status().message();
  ASSERT_EQ(largest->size(), 1u);
  EXPECT_EQ((*largest)[0].rows, 3u);
  // No grouping: one count of the rows the condition keeps.
  auto all = source.CountRows(RowCountRequest{table, {}, "k IS NOT NULL"});
  ASSERT_TRUE(all.ok()) << all.status().message();
  ASSERT_EQ(all->size(), 1u);
  EXPECT_TRUE((*all)[0].key.empty());
  EXPECT_EQ((*all)[0].rows, 4u);
  auto bad = source.CountRows(RowCountRequest{table, {}, "no_such_column > 1"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("no_such_column"), std::string::npos) << bad.status().message();

  // A view is flagged, and reads like a table.
  auto table_info = source.DescribeTable(table);
  auto view_info = source.DescribeTable(view);
  ASSERT_TRUE(table_info.ok() && view_info.ok());
  EXPECT_FALSE(table_info->is_view);
  EXPECT_TRUE(view_info->is_view);
  auto in_view = source.CountRows(RowCountRequest{view});
  ASSERT_TRUE(in_view.ok()) << in_view.status().message();
  EXPECT_EQ(in_view->at(0).rows, 3u);

  // The type the database gives an expression; a broken one fails with the database's message.
  auto text = source.DescribeExpression(table, "UPPER(k)");
  ASSERT_TRUE(text.ok()) << text.status().message();
  EXPECT_EQ(text->yields.bson_types, std::vector<std::string>{"string"}) << text->declared_type;
  auto broken = source.DescribeExpression(table, "no_such_column + 1");
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find("no_such_column"), std::string::npos) << broken.status().message();
}

namespace {

// The keys of `table` read in `range` (all when absent), in the key order when `ordered`.
std::vector<std::vector<Value>> KeysRead(Source& source, const std::string& table, const std::vector<std::string>& key,
                                         const std::optional<KeyRange>& range, bool ordered) {
  ScanRequest request{table, key};
  request.range = range;
  if (ordered)
    for (const std::string& column : key) request.order_by.push_back({column});
  std::vector<std::vector<Value>> keys;
  auto stream = source.Scan(request);
  EXPECT_TRUE(stream.ok()) << stream.status().message();
  if (!stream.ok()) return keys;
  RowBatch batch;
  while (true) {
    auto more = (*stream)->Next(&batch, 333);
    EXPECT_TRUE(more.ok()) << more.status().message();
    if (!more.ok() || !more.value()) break;
    for (size_t r = 0; r < batch.rows(); ++r) {
      std::vector<Value> row;
      for (size_t c = 0; c < key.size(); ++c) row.push_back(batch.at(r, c));
      keys.push_back(std::move(row));
    }
  }
  return keys;
}

std::string KeyText(const std::vector<Value>& key) {
  std::string text;
  for (const Value& v : key) text += (text.empty() ? "" : "|") + ValueToDisplay(v);
  return text;
}

// From `from` on; without the keys holding a NULL when `without_nulls`.
std::multiset<std::string> KeyTexts(const std::vector<std::vector<Value>>& keys, size_t from = 0,
                                    bool without_nulls = false) {
  std::multiset<std::string> texts;
  for (size_t i = from; i < keys.size(); ++i)
    if (!without_nulls || std::none_of(keys[i].begin(), keys[i].end(), IsNull)) texts.insert(KeyText(keys[i]));
  return texts;
}

}  // namespace

std::vector<std::string> ExpectKeyRangesFromSplitPointsCoverTheTable(Source& source, const std::string& table,
                                                                     const std::vector<std::string>& key, size_t parts) {
  std::vector<std::string> first;
  auto points = source.KeySplitPoints(table, key, parts, "");
  EXPECT_TRUE(points.ok()) << points.status().message();
  if (!points.ok()) return first;
  EXPECT_EQ(points->size(), parts - 1);
  for (const auto& point : *points) {
    EXPECT_EQ(point.size(), key.size()) << KeyText(point);
    for (const Value& v : point) EXPECT_FALSE(IsNull(v)) << "a NULL is never a bound: " << KeyText(point);
  }
  std::vector<std::vector<Value>> all = KeysRead(source, table, key, std::nullopt, /*ordered=*/true);
  std::multiset<std::string> read;
  for (size_t i = 0; i <= points->size(); ++i) {
    KeyRange range;
    range.columns = key;
    if (i > 0) range.low = (*points)[i - 1];
    if (i < points->size()) range.high = (*points)[i];
    std::vector<std::vector<Value>> keys = KeysRead(source, table, key, range, false);
    EXPECT_FALSE(keys.empty()) << "range " << i << " of " << parts;
    // About equal: no range holds more than twice its share (integer widths on dense keys, quantiles).
    EXPECT_LE(keys.size(), 2 * all.size() / parts + 2) << "range " << i << " of " << parts;
    for (const auto& k : keys) read.insert(KeyText(k));
    if (i == 0)
      for (const auto& k : keys) first.push_back(KeyText(k));
  }
  EXPECT_EQ(read, KeyTexts(all)) << "the ranges read every row exactly once";
  if (all.size() > 2) {
    size_t middle = all.size() / 2;
    KeyRange after{key, all[middle], /*low_inclusive=*/false, {}};
    // A key with a NULL ('zz', NULL) may sort after the middle, but it belongs to the first range.
    EXPECT_EQ(KeyTexts(KeysRead(source, table, key, after, false)), KeyTexts(all, middle + 1, /*without_nulls=*/true))
        << "resumed after " << KeyText(all[middle]);
  }
  return first;
}

KeyRange IntegerKeyRange(const std::string& column, std::optional<int64_t> low, std::optional<int64_t> high) {
  KeyRange range;
  range.columns = {column};
  if (low) range.low = {Value(*low)};
  if (high) range.high = {Value(*high)};
  return range;
}

}  // namespace sql2mongo::testing
