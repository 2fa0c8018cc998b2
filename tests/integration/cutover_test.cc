// "cutover": "swap": the load goes into a staging collection, is read back and checked to hold exactly
// what the run wrote, and only then replaces the live collection, whose documents are kept as a backup; `rollback` puts the backup
// back, `cleanup --keep` drops the older ones. On both servers, documents checked field by field.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <regex>
#include <thread>

#include <mongoc/mongoc.h>

#include "support/test_support.h"

namespace sql2mongo::testing {
namespace {

class Cutover : public TargetTest {
 protected:
  void SetUp() override {
    TargetTest::SetUp();
    database_ = UniqueDatabase("cutover");
    DropDatabase(database_);
  }
  void TearDown() override {
    DropDatabase(database_);
    TargetTest::TearDown();
  }

  // A source whose table `t` holds rows 1..rows named "<label> <id>".
  std::string Source(const std::string& name, const std::string& label, int rows) {
    return MakeSqliteDatabase(name, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);"
                                    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < " +
                                        std::to_string(rows) + ") INSERT INTO t SELECT x, '" + label + " ' || x FROM n;");
  }
  std::string Mapping(const std::string& source, const std::string& extra = "", int backups = 1) {
    return WriteTempFile("cutover.json", "{\"source\": \"sqlite:" + source + "\", \"target\": \"" + TargetBaseUri() + "/" +
                                             database_ + "\", \"collections\": {\"items\": {\"from\": \"t\", "
                                             "\"cutover\": \"swap\", \"backups\": " + std::to_string(backups) + extra +
                                             "}}}");
  }
  // The collection holds _id 1..rows named "<label> <id>", and nothing else.
  void ExpectItems(const std::string& collection, const std::string& label, int rows) {
    std::vector<BsonPtr> docs = FindDocuments(database_, collection);
    ASSERT_EQ(docs.size(), static_cast<size_t>(rows)) << collection;
    for (int i = 0; i < rows; ++i) {
      EXPECT_EQ(Integer(docs[i].get(), "_id"), i + 1);
      EXPECT_EQ(Utf8(docs[i].get(), "name"), label + " " + std::to_string(i + 1)) << collection;
    }
  }
  std::vector<std::string> Backups() {
    std::vector<std::string> backups;
    for (const auto& name : CollectionNames(database_))
      if (name.rfind("items__before_", 0) == 0) backups.push_back(name);
    return backups;  // sorted: oldest first
  }

  std::string database_;
};

TEST_P(Cutover, ASwapReplacesTheLiveCollectionKeepingItAsABackupAndRollbackPutsItBack) {
  std::string v1 = Source("cutover_v1.db", "first", 30);
  CommandResult first = RunCli("run " + ShellQuote(Mapping(v1)));
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("items__s2m_staging holds exactly the 30 documents this run wrote, byte for byte"),
            std::string::npos) << first.output;
  ExpectItems("items", "first", 30);
  EXPECT_TRUE(Backups().empty()) << "there was no live collection to keep";

  std::string v2 = Source("cutover_v2.db", "second", 40);
  CommandResult checked = RunCli("check " + ShellQuote(Mapping(v2)));
  EXPECT_NE(checked.output.find("the target holds collection items (30 documents): \"cutover\": \"swap\" loads "
                                "items__s2m_staging, reads it back to check it holds exactly what the run wrote, and "
                                "only then swaps it in"),
            std::string::npos) << checked.output;
  CommandResult second = RunCli("run " + ShellQuote(Mapping(v2)));
  ASSERT_EQ(second.exit_code, 0) << second.output;
  std::vector<std::string> backups = Backups();
  ASSERT_EQ(backups.size(), 1u);
  EXPECT_TRUE(std::regex_match(backups[0], std::regex(R"(items__before_\d{8}T\d{9}Z)"))) << backups[0];
  EXPECT_NE(second.output.find("the documents it replaced are kept as " + backups[0]), std::string::npos) << second.output;
  ExpectItems("items", "second", 40);
  ExpectItems(backups[0], "first", 30);
  std::vector<std::string> names = CollectionNames(database_);
  EXPECT_EQ(std::count(names.begin(), names.end(), "items__s2m_staging"), 0) << "the staging collection went live";

  CommandResult back = RunCli("rollback " + ShellQuote(Mapping(v2)));
  ASSERT_EQ(back.exit_code, 0) << back.output;
  EXPECT_NE(back.output.find("collection items: put back " + backups[0] +
                             " (30 documents); it replaced the live collection of 40 documents"),
            std::string::npos) << back.output;
  ExpectItems("items", "first", 30);
  EXPECT_TRUE(Backups().empty());

  CommandResult nothing = RunCli("rollback " + ShellQuote(Mapping(v2)));
  EXPECT_EQ(nothing.exit_code, 1) << nothing.output;
  EXPECT_NE(nothing.output.find("nothing was rolled back"), std::string::npos) << nothing.output;
  ExpectItems("items", "first", 30);
}

// The check is of what the run wrote, in the run's snapshot, not of a second read of the source: a value
// the source computes anew on every read (as a live source's rows change while a job runs) swaps in.
TEST_P(Cutover, ASourceThatReadsDifferentlyEachTimeStillSwapsInWhatTheRunWrote) {
  std::string v1 = Source("cutover_random.db", "first", 20);
  InsertDocument(database_, "items", R"({"_id": 1, "name": "live before the run"})");
  CommandResult run = RunCli("run " + ShellQuote(Mapping(v1, ", \"fields\": {\"name\": \"name\", \"draw\": "
                                                              "{\"expr\": \"abs(random())\"}}")));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("items__s2m_staging holds exactly the 20 documents this run wrote"), std::string::npos)
      << run.output;
  std::vector<BsonPtr> live = FindDocuments(database_, "items");
  ASSERT_EQ(live.size(), 20u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(Integer(live[i].get(), "_id"), i + 1);
    EXPECT_EQ(Utf8(live[i].get(), "name"), "first " + std::to_string(i + 1));
    EXPECT_GE(Integer(live[i].get(), "draw"), 0);
  }
  std::vector<std::string> backups = Backups();
  ASSERT_EQ(backups.size(), 1u);
  std::vector<BsonPtr> kept = FindDocuments(database_, backups[0]);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(Utf8(kept[0].get(), "name"), "live before the run");
}

// Another writer adds a document to the staging collection while the run loads it: the collection is
// not what the run wrote, so verify's comparison names the extra document and nothing goes live.
TEST_P(Cutover, AStagingCollectionAnotherWriterChangedIsNotSwappedInAndTheLiveOneStays) {
  std::string source = Source("cutover_intruder.db", "row", 10000);
  InsertDocument(database_, "items", R"({"_id": 1, "name": "live before the run"})");
  std::atomic<bool> done{false};
  std::atomic<int> inserted{0};
  // One document, as soon as the staging collection exists (the run made it: a fresh database has no
  // older one to drop), while the run is still loading its 10000.
  std::thread intruder([&] {
    while (!done.load() && inserted.load() == 0) {
      std::vector<std::string> names = CollectionNames(database_);
      if (std::find(names.begin(), names.end(), "items__s2m_staging") == names.end()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        continue;
      }
      InsertDocument(database_, "items__s2m_staging", R"({"_id": "intruder"})");
      ++inserted;
    }
  });
  CommandResult run = RunCli("run " + ShellQuote(Mapping(source)));
  done = true;
  intruder.join();
  ASSERT_EQ(inserted.load(), 1) << run.output;
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_TRUE(std::regex_search(run.output, std::regex(R"(verify found 1 differences between items__s2m_staging and )"
                                                       R"(the source \(0 missing, 1 extra, 0 changed, 0 duplicate\))")))
      << run.output;
  EXPECT_TRUE(std::regex_search(run.output, std::regex(R"(items__s2m_staging holds 10001 documents, not the 10000 this )"
                                                       R"(run wrote.*Not swapped in: the live collection is as it was)")))
      << run.output;
  std::vector<BsonPtr> live = FindDocuments(database_, "items");
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(Utf8(live[0].get(), "name"), "live before the run");
  EXPECT_TRUE(Backups().empty());
}

TEST_P(Cutover, EachSwapKeepsTheNewestBackupsAndCleanupDropsTheOlderOnes) {
  std::string source = Source("cutover_keep.db", "row", 5);
  for (int run = 0; run < 4; ++run) {
    CommandResult r = RunCli("run " + ShellQuote(Mapping(source, "", /*backups=*/2)));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    if (run == 3) EXPECT_NE(r.output.find("dropped backup items__before_"), std::string::npos) << r.output;
  }
  std::vector<std::string> backups = Backups();
  ASSERT_EQ(backups.size(), 2u) << "three swaps made three backups, of which the newest 2 are kept";
  CommandResult cleaned = RunCli("cleanup " + ShellQuote(Mapping(source, "", 2)) + " --keep 1");
  ASSERT_EQ(cleaned.exit_code, 0) << cleaned.output;
  EXPECT_NE(cleaned.output.find("collection items: dropped backup " + backups[0]), std::string::npos) << cleaned.output;
  EXPECT_NE(cleaned.output.find("collection items: 1 backup(s) kept"), std::string::npos) << cleaned.output;
  EXPECT_EQ(Backups(), std::vector<std::string>{backups[1]});
  ExpectItems(backups[1], "row", 5);
  ExpectItems("items", "row", 5);
}

// Readers counting the live collection while it is swapped see the whole old collection or the whole
// new one; on FerretDB v1 (two renames) also, at most for the gap the log names, no collection.
TEST_P(Cutover, ReadersDuringASwapNeverSeeAHalfLoadedCollection) {
  if (server().name == "mongo_java")
    GTEST_SKIP() << "mongo-java-server swaps by copying ($out), which readers may see part-done (docs/commands.md)";
  constexpr int kRows = 400;
  std::string source = Source("cutover_readers.db", "row", kRows);
  ASSERT_EQ(RunCli("run " + ShellQuote(Mapping(source))).exit_code, 0);
  std::atomic<bool> stop{false};
  std::atomic<int> complete{0}, missing{0}, partial{0};
  // One client of its own, kept open, so that counts follow each other closely.
  std::string base_uri = TargetBaseUri();
  std::thread reader([&] {
    mongoc_client_t* client = mongoc_client_new(base_uri.c_str());
    mongoc_collection_t* items = mongoc_client_get_collection(client, database_.c_str(), "items");
    bson_t* filter = bson_new();
    while (!stop.load()) {
      bson_error_t error;
      int64_t count = mongoc_collection_count_documents(items, filter, nullptr, nullptr, nullptr, &error);
      if (count == kRows) ++complete;
      else if (count == 0) ++missing;
      else ++partial;
    }
    bson_destroy(filter);
    mongoc_collection_destroy(items);
    mongoc_client_destroy(client);
  });
  CommandResult swap = RunCli("run " + ShellQuote(Mapping(source)));
  stop = true;
  reader.join();
  ASSERT_EQ(swap.exit_code, 0) << swap.output;
  EXPECT_EQ(partial.load(), 0) << "a reader saw a part of the collection";
  EXPECT_GE(complete.load(), 3) << "the readers hardly ran";
  if (missing.load() > 0) {
    EXPECT_NE(swap.output.find("did not exist"), std::string::npos) << "a reader found no collection, and the log "
                                                                       "named no gap\n" << swap.output;
  }
  std::cerr << complete.load() << " complete answers, " << missing.load() << " without the collection\n";
}

S2M_ON_EVERY_TARGET(Cutover);

}  // namespace
}  // namespace sql2mongo::testing
