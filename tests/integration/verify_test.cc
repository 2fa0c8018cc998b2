// sql2mongo verify, through the real CLI on every target server: after a run it finds that the target
// holds exactly what the source builds, and after documents are deleted, changed, cut short or added
// behind its back it names each one with its _id and the field.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/test_support.h"

namespace sql2mongo::testing {
namespace {

using JsonLine = nlohmann::ordered_json;

class VerifyCommandTest : public TargetTest {
 protected:
  void SetUp() override {
    TargetTest::SetUp();
    if (IsSkipped()) return;
    database_ = UniqueDatabase("verify");
  }
  void TearDown() override {
    if (!database_.empty()) DropDatabase(database_);
    TargetTest::TearDown();
  }
  std::string Target() const { return TargetBaseUri() + "/" + database_; }

  void Run(const std::string& mapping) {
    CommandResult r = RunCli("run " + ShellQuote(mapping) + " --drop --target " + ShellQuote(Target()) +
                             " --rejects " + ShellQuote(WriteTempFile("verify.rejects.jsonl", "")));
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }

  CommandResult Verify(const std::string& mapping, const std::string& extra = "") {
    return RunCli("verify " + ShellQuote(mapping) + " --target " + ShellQuote(Target()) + " " + extra);
  }

  // verify --json: its lines as JSON objects (the log, merged on the same pipe by RunCli, is skipped).
  std::vector<JsonLine> VerifyJson(const std::string& mapping, const std::string& extra, int* exit_code) {
    CommandResult r = Verify(mapping, "--json " + extra);
    *exit_code = r.exit_code;
    std::vector<JsonLine> lines;
    std::istringstream in(r.output);
    for (std::string line; std::getline(in, line);) {
      if (line.empty() || line[0] != '{') continue;
      JsonLine parsed = JsonLine::parse(line, nullptr, false);
      EXPECT_FALSE(parsed.is_discarded()) << "not JSON: " << line;
      if (!parsed.is_discarded()) lines.push_back(parsed);
    }
    EXPECT_TRUE(!lines.empty() && lines.back()["type"] == "verdict") << r.output;
    return lines;
  }

  // Runs a command on the target server ({"delete": ...}, {"update": ...}), failing the test on an error.
  void Command(const std::string& json) {
    MongoClient client(mongoc_client_new(TargetBaseUri().c_str()));
    ASSERT_TRUE(client);
    bson_error_t error;
    BsonPtr command(bson_new_from_json(reinterpret_cast<const uint8_t*>(json.data()), -1, &error));
    ASSERT_TRUE(command) << error.message << ": " << json;
    ScopedBson reply;
    ASSERT_TRUE(mongoc_client_command_simple(client.get(), database_.c_str(), command.get(), nullptr,
                                             reply.ResetForOutput(), &error))
        << error.message << ": " << json;
    bson_iter_t n;
    ASSERT_TRUE(bson_iter_init_find(&n, reply.get(), "n")) << Json(reply.get());
    EXPECT_GE(bson_iter_as_int64(&n), 1) << "the command changed nothing: " << json;
  }
  void DeleteOne(const std::string& collection, const std::string& filter) {
    Command(R"({"delete": ")" + collection + R"(", "deletes": [{"q": )" + filter + R"(, "limit": 1}]})");
  }
  void Update(const std::string& collection, const std::string& filter, const std::string& update, bool multi = false) {
    Command(R"({"update": ")" + collection + R"(", "updates": [{"q": )" + filter + R"(, "u": )" + update +
            R"(, "multi": )" + (multi ? "true" : "false") + "}]}");
  }

  std::string database_;
};
S2M_ON_EVERY_TARGET(VerifyCommandTest);

std::string Lines(const std::vector<JsonLine>& lines) {
  std::string all;
  for (const auto& line : lines) all += line.dump() + "\n";
  return all;
}

std::map<std::string, JsonLine> CollectionTotals(const std::vector<JsonLine>& lines) {
  std::map<std::string, JsonLine> totals;
  for (const auto& line : lines)
    if (line["type"] == "collection") totals[line["collection"]] = line;
  return totals;
}

std::vector<JsonLine> Differences(const std::vector<JsonLine>& lines, const std::string& collection) {
  std::vector<JsonLine> out;
  for (const auto& line : lines)
    if (line["type"] == "difference" && line["collection"] == collection) out.push_back(line);
  return out;
}

std::string ChinookMapping() { return SourceDir() + "/mappings/chinook.json"; }

TEST_P(VerifyCommandTest, AfterARunEveryDocumentIsEqual) {
  Run(ChinookMapping());
  int code = -1;
  auto lines = VerifyJson(ChinookMapping(), "", &code);
  EXPECT_EQ(code, 0) << Lines(lines);
  auto totals = CollectionTotals(lines);
  ASSERT_EQ(totals.size(), 4u) << Lines(lines);
  for (const auto& [collection, total] : totals) {
    int64_t stored = CountDocuments(database_, collection);
    EXPECT_GT(stored, 0) << collection;
    EXPECT_EQ(total["expected"], stored) << total;
    EXPECT_EQ(total["stored"], stored) << total;
    EXPECT_EQ(total["equal"], stored) << total;
    EXPECT_EQ(total["differences"], 0) << total;
    EXPECT_EQ(total["rejected"], 0) << total;
    EXPECT_GT(total["docs_per_second"].get<double>(), 0) << total;
  }
  EXPECT_EQ(totals["customers"]["expected"], 59);
  EXPECT_EQ(totals["tracks"]["expected"], 3503);
  EXPECT_EQ(lines.back()["exit"], 0);
  EXPECT_EQ(lines.back()["differences"], 0);
  EXPECT_TRUE(Differences(lines, "customers").empty()) << Lines(lines);

  CommandResult text = Verify(ChinookMapping());
  EXPECT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find(Target() + " and the source agree: 3588 documents in 4 collections (exit 0)"),
            std::string::npos)
      << text.output;
}

TEST_P(VerifyCommandTest, EachDifferenceIsNamedWithItsIdAndField) {
  Run(ChinookMapping());
  auto customer_1 = FindDocuments(database_, "customers", R"({"_id": 1})");
  ASSERT_EQ(customer_1.size(), 1u);
  uint32_t invoices = ArrayLength(customer_1[0].get(), "invoices");
  ASSERT_GE(invoices, 2u);
  DeleteOne("customers", R"({"_id": 5})");
  Update("customers", R"({"_id": 2})", R"({"$set": {"email": "someone.else@example.com"}})");
  Update("customers", R"({"_id": 1})", R"({"$pop": {"invoices": 1}})");
  InsertDocument(database_, "customers", R"({"_id": 100000, "name": {"first": "Not", "last": "There"}})");
  Update("tracks", R"({"_id": 10})", R"({"$set": {"album.title": "Another Title"}})");

  CommandResult text = Verify(ChinookMapping());
  EXPECT_EQ(text.exit_code, 1) << text.output;
  for (const std::string& line :
       {std::string("customers: 4 differences (1 missing, 1 extra, 2 changed)"),
        std::string("  missing   _id 5: not stored"),
        std::string("  changed   _id 2: email: stored \"someone.else@example.com\", expected \""),
        "  changed   _id 1: invoices: " + std::to_string(invoices - 1) + " elements stored, " +
            std::to_string(invoices) + " expected",
        std::string("  extra     _id 100000: stored, but the source builds no document with this _id"),
        std::string("tracks: 1 difference (1 changed)"),
        std::string("  changed   _id 10: album.title: stored \"Another Title\", expected \""),
        Target() + " differs from the source: 5 differences (exit 1)"})
    EXPECT_NE(text.output.find(line), std::string::npos) << "no line '" << line << "' in:\n" << text.output;

  int code = -1;
  auto lines = VerifyJson(ChinookMapping(), "", &code);
  EXPECT_EQ(code, 1) << Lines(lines);
  auto totals = CollectionTotals(lines);
  EXPECT_EQ(totals["customers"]["expected"], 59);
  EXPECT_EQ(totals["customers"]["stored"], 59);  // one deleted, one added
  EXPECT_EQ(totals["customers"]["equal"], 56);
  EXPECT_EQ(totals["customers"]["missing"], 1);
  EXPECT_EQ(totals["customers"]["extra"], 1);
  EXPECT_EQ(totals["customers"]["changed"], 2);
  EXPECT_EQ(totals["tracks"]["changed"], 1);
  EXPECT_EQ(totals["playlists"]["differences"], 0);
  EXPECT_EQ(lines.back()["differences"], 5);
  EXPECT_EQ(lines.back()["exit"], 1);
  std::map<std::string, JsonLine> by_kind_and_id;  // "missing 5" -> its line
  for (const auto& difference : Differences(lines, "customers"))
    by_kind_and_id[difference["kind"].get<std::string>() + " " + difference["_id"].dump()] = difference;
  ASSERT_EQ(by_kind_and_id.size(), 4u) << Lines(lines);
  EXPECT_EQ(by_kind_and_id["missing 5"]["field"], "");
  EXPECT_EQ(by_kind_and_id["extra 100000"]["field"], "");
  EXPECT_EQ(by_kind_and_id["changed 2"]["field"], "email");
  EXPECT_EQ(by_kind_and_id["changed 1"]["field"], "invoices");
  EXPECT_EQ(by_kind_and_id["changed 1"]["message"],
            "invoices: " + std::to_string(invoices - 1) + " elements stored, " + std::to_string(invoices) + " expected");
  auto tracks = Differences(lines, "tracks");
  ASSERT_EQ(tracks.size(), 1u);
  EXPECT_EQ(tracks[0]["_id"], 10);
  EXPECT_EQ(tracks[0]["field"], "album.title");
}

TEST_P(VerifyCommandTest, ADeepChangeIsNamedByItsPathAndATypeChangeByBothTypes) {
  Run(ChinookMapping());
  Update("customers", R"({"_id": 3})", R"({"$set": {"invoices.1.lines.0.quantity": 7}})");
  Update("tracks", R"({"_id": 20})", R"({"$set": {"milliseconds": "long"}})");
  int code = -1;
  auto lines = VerifyJson(ChinookMapping(), "", &code);
  EXPECT_EQ(code, 1) << Lines(lines);
  auto customers = Differences(lines, "customers");
  ASSERT_EQ(customers.size(), 1u) << Lines(lines);
  EXPECT_EQ(customers[0]["_id"], 3);
  EXPECT_EQ(customers[0]["field"], "invoices.1.lines.0.quantity");
  EXPECT_EQ(customers[0]["message"], "invoices.1.lines.0.quantity: stored 7, expected 1");
  auto tracks = Differences(lines, "tracks");
  ASSERT_EQ(tracks.size(), 1u) << Lines(lines);
  EXPECT_EQ(tracks[0]["field"], "milliseconds");
  std::string message = tracks[0]["message"];
  EXPECT_EQ(message.rfind("milliseconds: stored string \"long\", expected int ", 0), 0u) << message;
}

TEST_P(VerifyCommandTest, TheFirstTwentyDifferencesAreShownAndTheRestCounted) {
  Run(ChinookMapping());
  Command(R"({"delete": "tracks", "deletes": [{"q": {"_id": {"$lte": 30}}, "limit": 0}]})");
  CommandResult text = Verify(ChinookMapping(), "--collection tracks");
  EXPECT_EQ(text.exit_code, 1) << text.output;
  EXPECT_NE(text.output.find("tracks: 30 differences (30 missing)"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("  ... and 10 more, not shown"), std::string::npos) << text.output;
  size_t shown = 0;
  for (size_t at = text.output.find("  missing   _id "); at != std::string::npos;
       at = text.output.find("  missing   _id ", at + 1))
    ++shown;
  EXPECT_EQ(shown, 20u) << text.output;
  EXPECT_EQ(text.output.find("customers"), std::string::npos) << "--collection tracks only:\n" << text.output;

  int code = -1;
  auto lines = VerifyJson(ChinookMapping(), "--collection tracks", &code);
  auto totals = CollectionTotals(lines);
  ASSERT_EQ(totals.size(), 1u);
  EXPECT_EQ(totals["tracks"]["missing"], 30);
  EXPECT_EQ(totals["tracks"]["shown"], 20);
  EXPECT_EQ(totals["tracks"]["stored"], 3503 - 30);
  for (const auto& difference : Differences(lines, "tracks")) {
    EXPECT_EQ(difference["kind"], "missing");
    EXPECT_LE(difference["_id"].get<int64_t>(), 30);
  }
}

TEST_P(VerifyCommandTest, ASampleChecksRandomDocumentsAndTheCounts) {
  Run(ChinookMapping());
  int code = -1;
  auto lines = VerifyJson(ChinookMapping(), "--sample 10", &code);
  EXPECT_EQ(code, 0) << Lines(lines);
  auto totals = CollectionTotals(lines);
  ASSERT_EQ(totals.size(), 4u);
  for (const auto& [collection, total] : totals) {
    int64_t stored = CountDocuments(database_, collection);
    EXPECT_EQ(total["sampled"], true);
    EXPECT_EQ(total["stored"], std::min<int64_t>(10, stored)) << total;
    EXPECT_EQ(total["equal"], total["stored"]) << total;
    EXPECT_EQ(total["stored_total"], stored) << total;
    EXPECT_EQ(total["source_rows"], stored) << total;
  }

  // Every customer changed: whichever ten are sampled, each is found with its field. One track fewer:
  // the counts tell, though the sample cannot see a document that is not there.
  Update("customers", "{}", R"({"$set": {"company": "Everyone Inc."}})", /*multi=*/true);
  DeleteOne("tracks", R"({"_id": 1})");
  lines = VerifyJson(ChinookMapping(), "--sample 10", &code);
  EXPECT_EQ(code, 1) << Lines(lines);
  totals = CollectionTotals(lines);
  EXPECT_EQ(totals["customers"]["changed"], 10) << Lines(lines);
  for (const auto& difference : Differences(lines, "customers")) {
    EXPECT_EQ(difference["kind"], "changed");
    EXPECT_EQ(difference["field"], "company");
  }
  EXPECT_EQ(totals["tracks"]["count"], 1) << Lines(lines);
  EXPECT_EQ(totals["tracks"]["stored_total"], 3502);
  EXPECT_EQ(totals["tracks"]["source_rows"], 3503);
  auto tracks = Differences(lines, "tracks");
  ASSERT_FALSE(tracks.empty());
  EXPECT_EQ(tracks[0]["kind"], "count");
  EXPECT_EQ(tracks[0]["message"].get<std::string>().rfind("the target holds 3502 documents; the source has 3503 rows", 0),
            0u)
      << tracks[0];
  EXPECT_EQ(totals["playlists"]["differences"], 0);
}

// A table without a primary key gets generated ObjectIds, new on every run: documents pair by content.
TEST_P(VerifyCommandTest, DocumentsWithGeneratedIdsArePairedByContent) {
  std::string db = MakeSqliteDatabase("verify_no_key.db",
                                      "CREATE TABLE reading (sensor TEXT, value REAL);"
                                      "INSERT INTO reading VALUES ('a', 1.5), ('a', 1.5), ('b', 2.0), ('c', 3.25);");
  std::string mapping = WriteTempFile("verify_no_key.json", "{ \"source\": \"sqlite:" + db +
                                                                "\", \"collections\": { \"readings\": { \"from\": \"reading\" } } }");
  Run(mapping);
  int code = -1;
  auto lines = VerifyJson(mapping, "", &code);
  EXPECT_EQ(code, 0) << Lines(lines);
  auto totals = CollectionTotals(lines);
  EXPECT_EQ(totals["readings"]["equal"], 4);
  EXPECT_NE(totals["readings"]["notes"].dump().find("paired by their content"), std::string::npos) << Lines(lines);

  DeleteOne("readings", R"({"sensor": "a"})");  // one of the two equal documents
  InsertDocument(database_, "readings", R"({"sensor": "d", "value": 4.0})");
  lines = VerifyJson(mapping, "", &code);
  EXPECT_EQ(code, 1) << Lines(lines);
  totals = CollectionTotals(lines);
  EXPECT_EQ(totals["readings"]["equal"], 3) << Lines(lines);
  EXPECT_EQ(totals["readings"]["missing"], 1);
  EXPECT_EQ(totals["readings"]["extra"], 1);
  auto differences = Differences(lines, "readings");
  ASSERT_EQ(differences.size(), 2u);
  EXPECT_EQ(differences[0]["kind"], "missing");
  EXPECT_TRUE(differences[0]["_id"].is_null());
  EXPECT_NE(differences[0]["message"].get<std::string>().find("\"sensor\" : \"a\""), std::string::npos) << differences[0];
  EXPECT_EQ(differences[1]["kind"], "extra");
  EXPECT_TRUE(differences[1]["_id"].contains("$oid")) << differences[1];
}

std::string ChinookSqliteMapping(const std::string& name, const std::string& collections_json) {
  return WriteTempFile(name + ".json", "{\n  \"source\": \"sqlite:" + ChinookSqlitePath() +
                                           "\",\n  \"collections\": " + collections_json + "\n}\n");
}

// 59 customers in 24 countries: with _id the country, the target keeps one document per country and
// refuses the other 35 as duplicate keys; verify names those repeats.
TEST_P(VerifyCommandTest, AnIdTheSourceBuildsTwiceIsADuplicate) {
  std::string mapping = ChinookSqliteMapping("verify_repeat", R"({ "by_country": { "from": "Customer", "_id": "Country" } })");
  CommandResult run = RunCli("run " + ShellQuote(mapping) + " --drop --target " + ShellQuote(Target()) +
                             " --rejects " + ShellQuote(WriteTempFile("verify_repeat.rejects.jsonl", "")));
  ASSERT_EQ(run.exit_code, 3) << run.output;  // the repeats were refused: finished with rejects
  ASSERT_EQ(CountDocuments(database_, "by_country"), 24);
  int code = -1;
  auto lines = VerifyJson(mapping, "", &code);
  EXPECT_EQ(code, 1) << Lines(lines);
  auto totals = CollectionTotals(lines);
  EXPECT_EQ(totals["by_country"]["expected"], 59);
  EXPECT_EQ(totals["by_country"]["stored"], 24);
  EXPECT_EQ(totals["by_country"]["duplicate"], 35) << Lines(lines);
  EXPECT_EQ(totals["by_country"]["missing"], 0);
  EXPECT_EQ(totals["by_country"]["extra"], 0);
  // Which row of a country the target kept depends on the order of the bulk: the others differ from it.
  EXPECT_EQ(totals["by_country"]["equal"].get<int64_t>() + totals["by_country"]["changed"].get<int64_t>(), 24);
  bool named = false;
  for (const auto& difference : Differences(lines, "by_country"))
    if (difference["kind"] == "duplicate" && difference["_id"].is_string()) named = true;
  EXPECT_TRUE(named) << Lines(lines);
}

// Rows `run` rejects never become documents: verify counts them and finds no difference.
TEST_P(VerifyCommandTest, RowsRunRejectsAreCountedAndNoDifference) {
  std::string mapping = ChinookSqliteMapping(
      "verify_reject", R"({ "customers": { "from": "Customer", "fields": { "state": { "column": "State", "type": "int32" } } } })");
  CommandResult run = RunCli("run " + ShellQuote(mapping) + " --drop --target " + ShellQuote(Target()) +
                             " --rejects " + ShellQuote(WriteTempFile("verify_reject.rejects.jsonl", "")));
  ASSERT_EQ(run.exit_code, 3) << run.output;  // finished with rejects
  int64_t stored = CountDocuments(database_, "customers");
  ASSERT_GT(stored, 0);
  ASSERT_LT(stored, 59);
  CommandResult text = Verify(mapping);
  EXPECT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find(std::to_string(59 - stored) + " source rows cannot become documents; `run` rejects them too"),
            std::string::npos)
      << text.output;
  int code = -1;
  auto lines = VerifyJson(mapping, "", &code);
  EXPECT_EQ(code, 0) << Lines(lines);
  auto totals = CollectionTotals(lines);
  EXPECT_EQ(totals["customers"]["rejected"], 59 - stored);
  EXPECT_EQ(totals["customers"]["equal"], stored);
  EXPECT_EQ(totals["customers"]["differences"], 0);
}

TEST_P(VerifyCommandTest, ATargetThatIsNotAServerIsBadUsage) {
  CommandResult r = RunCli("verify " + ShellQuote(ChinookMapping()) + " --target jsonl:" +
                           ShellQuote(WriteTempFile("verify_out.jsonl", "")));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("verify reads the documents back from a MongoDB server"), std::string::npos) << r.output;
  r = Verify(ChinookMapping(), "--collection albums");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("no collection 'albums' in the mapping"), std::string::npos) << r.output;
}

TEST_P(VerifyCommandTest, APasswordInTheTargetUriIsNeverPrinted) {
  Run(ChinookMapping());
  std::string uri = TargetBaseUri();
  std::string with_password = "mongodb://verifier:s3cr3t-pw@" + uri.substr(std::string("mongodb://").size()) + "/" +
                              database_ + "?serverSelectionTimeoutMS=2000";
  CommandResult r = RunCli("verify " + ShellQuote(ChinookMapping()) + " --collection employees --target " +
                           ShellQuote(with_password));
  // Neither server has users: the login fails, and the message names the target without its password.
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("mongodb://verifier:***@"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("s3cr3t-pw"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace sql2mongo::testing
