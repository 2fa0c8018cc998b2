// run NEW --upgrade OLD: the documents of Chinook's mapping version 1 (mappings/chinook.v1.json) brought to
// version 2 in place (a field split, a field renamed, an embedded array added) equal a fresh load of
// version 2, field by field; run again it leaves every document as it is, and after an interruption
// (documents still at version 1) it upgrades only those.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "support/test_support.h"

namespace sql2mongo::testing {
namespace {

constexpr int kTracks = 60;
constexpr int kCustomers = 59;

class Upgrade : public TargetTest {
 protected:
  void SetUp() override {
    TargetTest::SetUp();
    upgraded_ = UniqueDatabase("upgrade_a");
    fresh_ = UniqueDatabase("upgrade_b");
    DropDatabase(upgraded_);
    DropDatabase(fresh_);
    v1_ = Version("chinook.v1.json");
    v2_ = Version("chinook.v2.json");
  }
  void TearDown() override {
    DropDatabase(upgraded_);
    DropDatabase(fresh_);
    TargetTest::TearDown();
  }

  // The shipped mapping version, its SQLite path made absolute and its tracks cut to kTracks (FerretDB
  // v1 updates ~35 documents/s).
  static std::string Version(const std::string& name) {
    std::string text = ReadWholeFile(SourceDir() + "/mappings/" + name);
    auto replace = [&text](const std::string& from, const std::string& to) {
      size_t at = text.find(from);
      EXPECT_NE(at, std::string::npos) << from;
      if (at != std::string::npos) text.replace(at, from.size(), to);
    };
    replace("\"sqlite:../samples/chinook/Chinook_Sqlite.sqlite\"", "\"sqlite:" + ChinookSqlitePath() + "\"");
    replace("\"from\": \"Track\",", "\"from\": \"Track\", \"where\": \"TrackId <= " + std::to_string(kTracks) + "\",");
    return WriteTempFile("upgrade_" + name, text);
  }
  CommandResult Run(const std::string& mapping, const std::string& database, const std::string& extra) {
    return RunCli("run " + ShellQuote(mapping) + " --target " + ShellQuote(TargetBaseUri() + "/" + database) + " " + extra);
  }

  // Each document's top-level fields as JSON, by _id: the same fields and values, whatever their order
  // (a renamed or added field comes last after an in-place upgrade, in the mapping's order after a load).
  static std::map<std::string, std::map<std::string, std::string>> Fields(const std::string& database,
                                                                          const std::string& collection) {
    std::map<std::string, std::map<std::string, std::string>> out;
    for (const auto& doc : FindDocuments(database, collection)) {
      std::map<std::string, std::string> fields;
      bson_iter_t it;
      bson_iter_init(&it, doc.get());
      while (bson_iter_next(&it)) {
        bson_t one = BSON_INITIALIZER;
        bson_append_iter(&one, bson_iter_key(&it), -1, &it);
        fields[bson_iter_key(&it)] = Json(&one);
        bson_destroy(&one);
      }
      out[fields["_id"]] = std::move(fields);
    }
    return out;
  }
  void ExpectUpgradedEqualsFresh() {
    for (const char* collection : {"customers", "tracks"}) {
      auto upgraded = Fields(upgraded_, collection), fresh = Fields(fresh_, collection);
      ASSERT_EQ(upgraded.size(), fresh.size()) << collection;
      for (const auto& [id, fields] : fresh) {
        ASSERT_TRUE(upgraded.count(id)) << collection << " " << id;
        EXPECT_EQ(upgraded[id], fields) << collection << " " << id;
      }
    }
  }

  std::string upgraded_, fresh_, v1_, v2_;
};

TEST_P(Upgrade, VersionOneUpgradedInPlaceEqualsAFreshLoadOfVersionTwoAndARerunContinues) {
  ASSERT_EQ(Run(v1_, upgraded_, "").exit_code, 0);
  std::vector<BsonPtr> before = FindDocuments(upgraded_, "tracks", R"({"_id": 1})");
  ASSERT_EQ(before.size(), 1u);
  EXPECT_TRUE(HasField(before[0].get(), "milliseconds"));
  EXPECT_EQ(Integer(before[0].get(), "_schema_version"), 1);

  CommandResult upgrade = Run(v2_, upgraded_, "--upgrade " + ShellQuote(v1_));
  ASSERT_EQ(upgrade.exit_code, 0) << upgrade.output;
  EXPECT_NE(upgrade.output.find("collection tracks: documents below schema_version 2 get _schema_version, duration_ms, "
                                "playlist_ids and lose milliseconds"),
            std::string::npos) << upgrade.output;
  // v2 says "cutover": "swap" for its full loads; an upgrade writes into the live collection instead.
  EXPECT_NE(upgrade.output.find("collection tracks: --upgrade writes into the live collection; its \"cutover\": "
                                "\"swap\" is for full loads and is not used"),
            std::string::npos) << upgrade.output;
  for (const std::string& name : CollectionNames(upgraded_))
    EXPECT_EQ(name.find("__"), std::string::npos) << "an upgrade left " << name;
  ASSERT_EQ(Run(v2_, fresh_, "").exit_code, 0);
  ExpectUpgradedEqualsFresh();
  std::vector<BsonPtr> after = FindDocuments(upgraded_, "tracks", R"({"_id": 1})");
  EXPECT_FALSE(HasField(after[0].get(), "milliseconds"));
  EXPECT_EQ(Integer(after[0].get(), "_schema_version"), 2);
  EXPECT_EQ(Utf8(FindDocuments(upgraded_, "customers", R"({"_id": 1})")[0].get(), "name.first"), "Luís");

  // Run again: every document is at version 2 and left as it is.
  CommandResult again = Run(v2_, upgraded_, "--upgrade " + ShellQuote(v1_));
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find(std::to_string(kCustomers + kTracks) + " of the documents written were at the new "
                              "schema_version already"),
            std::string::npos) << again.output;

  // An upgrade that stopped part-way: some tracks still at version 1. Only they are upgraded.
  for (int id = kTracks - 9; id <= kTracks; ++id)
    UpdateDocument(upgraded_, "tracks", "{\"_id\": " + std::to_string(id) + "}",
                   R"({"$set": {"_schema_version": 1, "milliseconds": 5}, "$unset": {"duration_ms": "", "playlist_ids": ""}})");
  CommandResult resumed = Run(v2_, upgraded_, "--upgrade " + ShellQuote(v1_));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find(std::to_string(kCustomers + kTracks - 10) + " of the documents written were at the "
                                "new schema_version already"),
            std::string::npos) << resumed.output;
  ExpectUpgradedEqualsFresh();
}

TEST_P(Upgrade, AChangedIdNeedsAReloadAndIsRefused) {
  std::string text = ReadWholeFile(v2_);
  size_t at = text.find("\"_id\": \"TrackId\"");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, std::string("\"_id\": \"TrackId\"").size(), "\"_id\": [\"TrackId\", \"AlbumId\"]");
  std::string v3 = WriteTempFile("upgrade_v3.json", text);
  CommandResult refused = Run(v3, upgraded_, "--upgrade " + ShellQuote(v1_));
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("collection 'tracks' cannot be upgraded in place"), std::string::npos) << refused.output;
  EXPECT_TRUE(CollectionNames(upgraded_).empty()) << "nothing is written";
}

S2M_ON_EVERY_TARGET(Upgrade);

}  // namespace
}  // namespace sql2mongo::testing
