// Versioned documents: a mapping's "schema_version" in every document written, and `sql2mongo diff` on
// the two Chinook versions (mappings/chinook.v1.json -> chinook.v2.json: a split name, a renamed field,
// an added embedded array), without a server and against documents of version 1 in a real target.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/test_support.h"

namespace sql2mongo::testing {
namespace {

std::string V1() { return SourceDir() + "/mappings/chinook.v1.json"; }
std::string V2() { return SourceDir() + "/mappings/chinook.v2.json"; }

// No server answers on port 1: the counts are unknown, and diff still reports every change.
constexpr char kUnreachable[] = "mongodb://127.0.0.1:1/none";

// The keys of a document, in order.
std::vector<std::string> Keys(const bson_t* doc) {
  std::vector<std::string> keys;
  bson_iter_t it;
  if (bson_iter_init(&it, doc))
    while (bson_iter_next(&it)) keys.push_back(bson_iter_key(&it));
  return keys;
}

// Every document of `collection` carries `version` as an int32 in `field`, right after _id.
void ExpectEveryDocumentVersioned(const std::vector<BsonPtr>& documents, const std::string& field, int32_t version) {
  ASSERT_FALSE(documents.empty());
  for (const auto& doc : documents) {
    std::vector<std::string> keys = Keys(doc.get());
    ASSERT_GE(keys.size(), 2u) << Json(doc.get());
    EXPECT_EQ(keys[0], "_id");
    ASSERT_EQ(keys[1], field) << Json(doc.get());
    bson_iter_t stamp = Field(doc.get(), field);
    ASSERT_EQ(bson_iter_type(&stamp), BSON_TYPE_INT32) << Json(doc.get());
    EXPECT_EQ(bson_iter_int32(&stamp), version) << Json(doc.get());
  }
}

TEST(DiffCommand, ChinookV1ToV2ClassifiesEachChangeWithoutATarget) {
  CommandResult result = RunCli("diff " + ShellQuote(V1()) + " " + ShellQuote(V2()) + " --target " + kUnreachable);
  EXPECT_EQ(result.exit_code, 1) << result.output;
  const std::string& out = result.output;
  EXPECT_NE(out.find("(schema_version 1) -> " + V2() + " (schema_version 2)"), std::string::npos) << out;
  EXPECT_NE(out.find("target: documents not counted: target mongodb://127.0.0.1:1/none does not answer"),
            std::string::npos) << out;
  EXPECT_NE(out.find("collection customers: upgrade in place, documents unknown"), std::string::npos) << out;
  EXPECT_NE(out.find("  transformative  field split: name -> name.first, name.last (expression FirstName || ' ' || "
                     "LastName -> column FirstName, column LastName)"),
            std::string::npos) << out;
  EXPECT_NE(out.find("  upgrade: set _schema_version, name\n"), std::string::npos) << out;
  EXPECT_NE(out.find("  transformative  field renamed: milliseconds -> duration_ms (column Milliseconds)"),
            std::string::npos) << out;
  EXPECT_NE(out.find("  additive        embedded array of values added: playlist_ids (from PlaylistTrack)"),
            std::string::npos) << out;
  EXPECT_NE(out.find("  upgrade: set _schema_version, duration_ms, playlist_ids; unset milliseconds\n"),
            std::string::npos) << out;
  // v2 also swaps each collection in: a setup change per collection, not a change of the documents.
  EXPECT_NE(out.find("  setup           cut-over none -> swap (2 backups)\n"), std::string::npos) << out;
  EXPECT_NE(out.find("verdict: 2 of 2 collections change: 1 additive, 2 transformative, 0 destructive changes; "
                     "2 upgradable in place, 0 to reload; 2 setup changes (indexes, validators, cut-over, mode: made "
                     "by the next run of NEW) (exit 1)"),
            std::string::npos) << out;
  EXPECT_EQ(out.find("warning:"), std::string::npos) << out;
}

TEST(DiffCommand, JsonHasTheSameChanges) {
  CommandResult result =
      RunCli("diff " + ShellQuote(V1()) + " " + ShellQuote(V2()) + " --json --target " + kUnreachable + "");
  ASSERT_EQ(result.exit_code, 1) << result.output;
  nlohmann::json report = nlohmann::json::parse(result.output);
  EXPECT_EQ(report["old"]["schema_version"], 1);
  EXPECT_EQ(report["new"]["schema_version"], 2);
  EXPECT_EQ(report["differ"], true);
  EXPECT_EQ(report["exit"], 1);
  ASSERT_EQ(report["collections"].size(), 2u);
  const auto& tracks = report["collections"][1];
  EXPECT_EQ(tracks["name"], "tracks");
  EXPECT_EQ(tracks["way"], "in place");
  EXPECT_TRUE(tracks["documents"].is_null());
  EXPECT_EQ(tracks["unset_fields"], nlohmann::json::array({"milliseconds"}));
  ASSERT_EQ(tracks["changes"].size(), 2u);
  EXPECT_EQ(tracks["changes"][0]["class"], "transformative");
  EXPECT_EQ(tracks["changes"][0]["what"], "field renamed");
  EXPECT_EQ(tracks["changes"][0]["old_path"], "milliseconds");
  EXPECT_EQ(tracks["changes"][0]["new_path"], "duration_ms");
  EXPECT_EQ(tracks["changes"][1]["class"], "additive");
  EXPECT_EQ(tracks["changes"][1]["new_path"], "playlist_ids");
}

TEST(DiffCommand, SameMappingExitsZero) {
  CommandResult result = RunCli("diff " + ShellQuote(V1()) + " " + ShellQuote(V1()) + " --target " + kUnreachable);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("collection customers: unchanged"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("verdict: the mappings build the same documents (exit 0)"), std::string::npos)
      << result.output;
}

TEST(DiffCommand, BadMappingNamesTheFileAndPlaceAndExitsTwo) {
  std::string bad = WriteTempFile("diff-bad.json", "{\n  \"schema_version\": 0,\n  \"collections\": {\"c\": {\"from\": \"t\"}}\n}");
  CommandResult result = RunCli("diff " + ShellQuote(V1()) + " " + ShellQuote(bad));
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find(bad + ":2:21: 'schema_version'"), std::string::npos) << result.output;
  CommandResult missing = RunCli("diff " + ShellQuote(V1() + ".absent") + " " + ShellQuote(V2()));
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_NE(missing.output.find(".absent: cannot open the mapping file (no such file)"), std::string::npos)
      << missing.output;
}

TEST(VersionedMapping, CheckNamesTheVersionAndSchemaRequiresItAsAnInt) {
  CommandResult check = RunCli("check " + ShellQuote(V1()) + " --target null:");
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_NE(check.output.find("collection 'tracks': schema version: every document gets _schema_version: 1 (the "
                              "mapping's \"schema_version\"), after _id"),
            std::string::npos) << check.output;
  CommandResult schema = RunCli("schema " + ShellQuote(V2()) + " --collection customers");
  ASSERT_EQ(schema.exit_code, 0) << schema.output;
  nlohmann::json validator = nlohmann::json::parse(schema.output)["customers"]["$jsonSchema"];
  EXPECT_EQ(validator["required"][1], "_schema_version");
  EXPECT_EQ(validator["properties"]["_schema_version"]["bsonType"], "int");
  EXPECT_EQ(validator["properties"]["_schema_version"]["description"], "the mapping's schema_version (2)");
}

class VersionedDocuments : public TargetTest {
 protected:
  void SetUp() override {
    TargetTest::SetUp();
    if (IsSkipped()) return;
    database_ = UniqueDatabase("versions");
    target_ = TargetBaseUri() + "/" + database_;
  }
  void TearDown() override {
    if (!database_.empty()) DropDatabase(database_);
    TargetTest::TearDown();
  }
  CommandResult Run(const std::string& mapping) {
    return RunCli("run " + ShellQuote(mapping) + " --progress none --target " + ShellQuote(target_));
  }
  std::string database_, target_;
};

TEST_P(VersionedDocuments, EveryDocumentCarriesItsMappingsSchemaVersionAndVerifyAgrees) {
  CommandResult run = Run(V1());
  ASSERT_EQ(run.exit_code, 0) << run.output;
  std::vector<BsonPtr> customers = FindDocuments(database_, "customers");
  ASSERT_EQ(customers.size(), 59u);
  ExpectEveryDocumentVersioned(customers, "_schema_version", 1);
  EXPECT_EQ(Integer(customers[0].get(), "_id"), 1);
  EXPECT_EQ(Utf8(customers[0].get(), "name"), "Luís Gonçalves");
  EXPECT_EQ(Utf8(customers[0].get(), "address.city"), "São José dos Campos");
  std::vector<BsonPtr> tracks = FindDocuments(database_, "tracks");
  ASSERT_EQ(tracks.size(), 3503u);
  ExpectEveryDocumentVersioned(tracks, "_schema_version", 1);
  EXPECT_EQ(Utf8(tracks[0].get(), "name"), "For Those About To Rock (We Salute You)");
  EXPECT_EQ(Integer(tracks[0].get(), "milliseconds"), 343719);
  EXPECT_EQ(Utf8(tracks[0].get(), "album.title"), "For Those About To Rock We Salute You");

  CommandResult verify = RunCli("verify " + ShellQuote(V1()) + " --target " + ShellQuote(target_));
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  // verify checks the version too: the documents of version 1 are not what version 2 builds.
  CommandResult stale = RunCli("verify " + ShellQuote(V2()) + " --target " + ShellQuote(target_));
  EXPECT_EQ(stale.exit_code, 1) << stale.output;
}

TEST_P(VersionedDocuments, DiffCountsTheDocumentsOfOlderVersionsInTheTarget) {
  ASSERT_EQ(Run(V1()).exit_code, 0);
  // One customer already upgraded (as an interrupted upgrade would leave it): it is not counted.
  UpdateDocument(database_, "customers", R"({"_id": 7})", R"({"$set": {"_schema_version": 2}})");
  CommandResult diff = RunCli("diff " + ShellQuote(V1()) + " " + ShellQuote(V2()) + " --target " + ShellQuote(target_));
  EXPECT_EQ(diff.exit_code, 1) << diff.output;
  EXPECT_NE(diff.output.find("target: " + target_ + "\n"), std::string::npos) << diff.output;
  EXPECT_NE(diff.output.find("collection customers: upgrade in place, 58 documents (customers: _schema_version < 2 or "
                             "missing)"),
            std::string::npos) << diff.output;
  EXPECT_NE(diff.output.find("collection tracks: upgrade in place, 3503 documents (tracks: _schema_version < 2 or "
                             "missing)"),
            std::string::npos) << diff.output;
  // A document written before versions (no field) counts as older.
  InsertDocument(database_, "tracks", R"({"_id": 100000, "name": "unversioned"})");
  CommandResult json = RunCli("diff " + ShellQuote(V1()) + " " + ShellQuote(V2()) + " --json --target " +
                              ShellQuote(target_) + "");
  ASSERT_EQ(json.exit_code, 1) << json.output;
  nlohmann::json report = nlohmann::json::parse(json.output);
  EXPECT_EQ(report["target"], target_);
  EXPECT_EQ(report["collections"][0]["documents"], 58);
  EXPECT_EQ(report["collections"][1]["documents"], 3504);
  EXPECT_EQ(CountDocuments(database_, "tracks"), 3504);  // diff only read
}

TEST_P(VersionedDocuments, TheVersionFieldCanBeRenamedOrLeftOut) {
  std::string mapping = ReadWholeFile(V2());
  std::string sqlite = "sqlite:" + ChinookSqlitePath();
  auto variant = [&](const std::string& name, const std::string& field_setting) {
    std::string text = mapping;
    text.replace(text.find("\"schema_version\": 2,"), 20, "\"schema_version\": 2, " + field_setting);
    text.replace(text.find("sqlite:../samples/chinook/Chinook_Sqlite.sqlite"), 47, sqlite);
    return WriteTempFile(name, text);
  };
  ASSERT_EQ(Run(variant("v2-named.json", "\"schema_version_field\": \"v\",")).exit_code, 0);
  std::vector<BsonPtr> customers = FindDocuments(database_, "customers");
  ExpectEveryDocumentVersioned(customers, "v", 2);
  EXPECT_EQ(Utf8(customers[0].get(), "name.first"), "Luís");
  EXPECT_EQ(Utf8(customers[0].get(), "name.last"), "Gonçalves");
  EXPECT_FALSE(HasField(customers[0].get(), "_schema_version"));
  std::vector<BsonPtr> tracks = FindDocuments(database_, "tracks");
  ExpectEveryDocumentVersioned(tracks, "v", 2);
  EXPECT_EQ(Integer(tracks[0].get(), "duration_ms"), 343719);
  EXPECT_EQ(ArrayLength(tracks[0].get(), "playlist_ids"), 3u);  // track 1 is on playlists 1, 8 and 17

  DropDatabase(database_);
  ASSERT_EQ(Run(variant("v2-off.json", "\"schema_version_field\": false,")).exit_code, 0);
  for (const auto& doc : FindDocuments(database_, "customers")) {
    EXPECT_FALSE(HasField(doc.get(), "_schema_version")) << Json(doc.get());
    EXPECT_EQ(Keys(doc.get())[1], "name") << Json(doc.get());
  }
}

S2M_ON_EVERY_TARGET(VersionedDocuments);

}  // namespace
}  // namespace sql2mongo::testing
