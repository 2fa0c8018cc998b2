#include "support/test_support.h"

#include <gtest/gtest.h>
#include <mongoc/mongoc.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "sink/mongo/mongo_connection.h"

namespace sql2mongo::testing {
namespace {

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

MongoClient& Client() {
  static MongoClient client = [] {
    EnsureMongocInitialized();
    std::string uri = TargetBaseUri() + "/?serverSelectionTimeoutMS=3000";
    return MongoClient(mongoc_client_new(uri.c_str()));
  }();
  return client;
}

}  // namespace

std::string TargetBaseUri() { return EnvOr("S2M_TEST_MONGO_URI", "mongodb://127.0.0.1:37017"); }

std::string Env(const char* name) { return EnvOr(name, ""); }

std::string TlsDir() {
  std::string dir = Env("S2M_TEST_TLS_DIR");
  return dir.empty() ? SourceDir() + "/.work/tls" : dir;
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

std::vector<BsonPtr> FindDocuments(const std::string& database, const std::string& collection,
                                   const std::string& filter_json, const std::string& sort_json) {
  bson_error_t error;
  BsonPtr filter(bson_new_from_json(reinterpret_cast<const uint8_t*>(filter_json.data()), -1, &error));
  EXPECT_TRUE(filter) << error.message;
  BsonPtr options(bson_new());
  BsonPtr sort(bson_new_from_json(reinterpret_cast<const uint8_t*>(sort_json.data()), -1, &error));
  BSON_APPEND_DOCUMENT(options.get(), "sort", sort.get());
  MongoCollection coll(mongoc_client_get_collection(Client().get(), database.c_str(), collection.c_str()));
  MongoCursor cursor(mongoc_collection_find_with_opts(coll.get(), filter.get(), options.get(), nullptr));
  std::vector<BsonPtr> docs;
  const bson_t* doc;
  while (mongoc_cursor_next(cursor.get(), &doc)) docs.emplace_back(bson_copy(doc));
  EXPECT_FALSE(mongoc_cursor_error(cursor.get(), &error)) << error.message;
  return docs;
}

int64_t CountDocuments(const std::string& database, const std::string& collection) {
  MongoCollection coll(mongoc_client_get_collection(Client().get(), database.c_str(), collection.c_str()));
  bson_error_t error;
  ScopedBson filter;
  int64_t n = mongoc_collection_count_documents(coll.get(), filter.get(), nullptr, nullptr, nullptr, &error);
  EXPECT_GE(n, 0) << error.message;
  return n;
}

void DropDatabase(const std::string& database) {
  mongoc_database_t* db = mongoc_client_get_database(Client().get(), database.c_str());
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

}  // namespace sql2mongo::testing
