// The same run into every kind of target gives the same documents: the server, a mongodump folder read
// back with libbson, JSON lines, and null (counts only). And the documents do not depend on --threads,
// --writers or --batch-size.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>

#include "support/test_support.h"

namespace sql2mongo::testing {
namespace {

std::string Chinook() { return ShellQuote(SourceDir() + "/mappings/chinook.json"); }

CommandResult RunChinook(const std::string& target, const std::string& extra = "") {
  return RunCli("run " + Chinook() + " --target " + ShellQuote(target) + " --rejects " +
                ShellQuote(WriteTempFile("sinks.rejects.jsonl", "")) + " " + extra);
}

// _id (as Extended JSON) -> document, from a .bson file of documents back to back.
std::map<std::string, BsonPtr> ReadBsonFile(const std::string& path) {
  std::map<std::string, BsonPtr> docs;
  bson_error_t error;
  bson_reader_t* reader = bson_reader_new_from_file(path.c_str(), &error);
  EXPECT_NE(reader, nullptr) << path << ": " << error.message;
  if (!reader) return docs;
  const bson_t* doc;
  bool eof = false;
  while ((doc = bson_reader_read(reader, &eof))) {
    bson_iter_t id;
    bson_iter_init_find(&id, doc, "_id");
    ScopedBson key;
    bson_append_iter(key.get(), "_id", 3, &id);
    docs.emplace(Json(key.get()), BsonPtr(bson_copy(doc)));
  }
  EXPECT_TRUE(eof) << path << " ends with a partial document";
  bson_reader_destroy(reader);
  return docs;
}

std::string DumpDir(const std::string& tag) {
  std::string dir = WriteTempFile("dump-" + tag + "-marker", "");
  std::filesystem::remove(dir);
  return dir;
}

void ExpectSameDocuments(const std::map<std::string, BsonPtr>& a, const std::map<std::string, BsonPtr>& b,
                         const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (const auto& [id, doc] : a) {
    auto other = b.find(id);
    ASSERT_NE(other, b.end()) << what << ": no document " << id;
    EXPECT_TRUE(bson_equal(doc.get(), other->second.get()))
        << what << ": documents differ for " << id << "\n" << Json(doc.get()) << "\n" << Json(other->second.get());
  }
}

// The cases that write into a server run once per target server.
class SinksIntoServer : public TargetTest {};
S2M_ON_EVERY_TARGET(SinksIntoServer);

TEST_P(SinksIntoServer, DumpHoldsExactlyTheDocumentsTheServerHolds) {
  std::string database = UniqueDatabase("sinks");
  ASSERT_EQ(RunChinook(TargetBaseUri() + "/" + database, "--drop").exit_code, 0);
  std::string dir = DumpDir("server");
  CommandResult dumped = RunChinook("dump:" + dir + "?db=chinook");
  ASSERT_EQ(dumped.exit_code, 0) << dumped.output;
  for (const char* collection : {"customers", "tracks", "playlists", "employees"}) {
    std::map<std::string, BsonPtr> from_server;
    for (auto& doc : FindDocuments(database, collection)) {
      bson_iter_t id;
      bson_iter_init_find(&id, doc.get(), "_id");
      ScopedBson key;
      bson_append_iter(key.get(), "_id", 3, &id);
      from_server.emplace(Json(key.get()), std::move(doc));
    }
    ExpectSameDocuments(ReadBsonFile(dir + "/chinook/" + collection + ".bson"), from_server, collection);
    std::ifstream metadata(dir + "/chinook/" + collection + ".metadata.json");
    std::string text((std::istreambuf_iterator<char>(metadata)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("\"collectionName\":\"" + std::string(collection) + "\""), std::string::npos) << text;
  }
  DropDatabase(database);
}

TEST(Sinks, JsonLinesHoldOneDocumentPerLine) {
  std::string path = WriteTempFile("tracks.jsonl", "");
  CommandResult r = RunChinook("jsonl:" + path);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::ifstream in(path);
  int lines = 0;
  std::string line, first;
  while (std::getline(in, line)) {
    ++lines;
    // Key ranges are read in parallel, so customer 1 need not be the first line.
    if (line.rfind("{ \"_id\" : 1, \"name\" : { \"first\" : \"Luís\"", 0) == 0) first = line;
  }
  EXPECT_EQ(lines, 59 + 3503 + 18 + 8);  // every collection into the one file
  ASSERT_FALSE(first.empty()) << "no line for customer 1";
  // The line reads back as the document: the first invoice's total is the double 3.98 (the mapping
  // stores money as doubles).
  bson_error_t error;
  BsonPtr parsed(bson_new_from_json(reinterpret_cast<const uint8_t*>(first.data()), -1, &error));
  ASSERT_TRUE(parsed) << error.message << "\n" << first;
  bson_iter_t total = Field(parsed.get(), "invoices.0.total");
  ASSERT_TRUE(BSON_ITER_HOLDS_DOUBLE(&total)) << first;
  EXPECT_EQ(bson_iter_double(&total), 3.98);

  std::string folder = DumpDir("jsonl-folder");
  ASSERT_EQ(RunChinook("jsonl:" + folder + "?canonical").exit_code, 0);
  std::ifstream employees(folder + "/employees.jsonl");
  bool found = false;
  while (std::getline(employees, line)) found |= line.rfind("{ \"_id\" : { \"$numberInt\" : \"1\" }", 0) == 0;
  EXPECT_TRUE(found) << "canonical Extended JSON: {\"_id\": {\"$numberInt\": \"1\"}, ...}";
}

TEST(Sinks, NullBuildsEveryDocumentAndCountsIt) {
  CommandResult r = RunChinook("null:");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex(R"(\ntracks +3503 +\d+ +3503 +0 +0 +0 +0\.85 )"))) << r.output;
}

TEST(Sinks, DocumentsDoNotDependOnThreadsWritersOrBatchSize) {
  std::string one = DumpDir("threads1");
  std::string many = DumpDir("threads2");
  ASSERT_EQ(RunChinook("dump:" + one, "--threads 1 --writers 1 --batch-size 1000").exit_code, 0);
  // Tiny batches put batch borders inside every customer's invoices and every playlist's tracks.
  CommandResult small_batches = RunChinook("dump:" + many, "--threads 2 --writers 4 --batch-size 7");
  ASSERT_EQ(small_batches.exit_code, 0) << small_batches.output;
  // N:1 rows are cached across batches: each album, artist, genre and media type is read about once
  // (347 + 275 + 25 + 5 at most), not once per 7-track batch (which would be over 1500 reads).
  std::smatch joined;
  ASSERT_TRUE(std::regex_search(small_batches.output, joined, std::regex(R"(\ntracks +3503 +(\d+) )")));
  EXPECT_LE(std::stoi(joined[1]), 347 + 275 + 25 + 5) << small_batches.output;
  for (const char* collection : {"customers", "tracks", "playlists", "employees"}) {
    ExpectSameDocuments(ReadBsonFile(one + "/sql2mongo/" + collection + ".bson"),
                        ReadBsonFile(many + "/sql2mongo/" + collection + ".bson"), collection);
  }
}

TEST_P(SinksIntoServer, ParallelWritersIntoTheServerWriteEverythingOnce) {
  std::string database = UniqueDatabase("writers");
  CommandResult r = RunChinook(TargetBaseUri() + "/" + database, "--drop --writers 4 --batch-size 50");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(CountDocuments(database, "tracks"), 3503);
  EXPECT_EQ(CountDocuments(database, "customers"), 59);
  DropDatabase(database);
}

TEST(Sinks, AFullDiskFailsTheRunInsteadOfCountingDocumentsAsWritten) {
  std::string path = WriteTempFile("full.jsonl", "");
  std::filesystem::remove(path);
  std::filesystem::create_symlink("/dev/full", path);  // every write: "No space left on device"
  CommandResult r = RunChinook("jsonl:" + path);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("cannot write " + path + ": No space left on device"), std::string::npos) << r.output;
}

TEST(Sinks, UnknownTargetKindIsBadUsage) {
  CommandResult r = RunChinook("ftp://example/x");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("unknown kind of target; use mongodb://HOST:PORT/DATABASE, null:, jsonl:PATH or dump:DIR"),
            std::string::npos)
      << r.output;
}

}  // namespace
}  // namespace sql2mongo::testing
