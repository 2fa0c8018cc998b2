// sql2mongo init: on Chinook (SQLite always; PostgreSQL and MariaDB when their servers are given) the
// proposed mapping shapes each relation as the rules say, gives its reasons in comments, and runs as it
// is, one document per root row; on a generated schema, a one-to-squillions child stays a collection with
// a reference, a table without a primary key gets generated _ids, and a composite key stays composite.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <nlohmann/json.hpp>

#include "support/test_support.h"

namespace sql2mongo::testing {
namespace {

using Json = nlohmann::ordered_json;

// "InvoiceLine", "invoice_line" and "invoiceline" name the same table across the three Chinooks.
std::string Normalized(const std::string& name) {
  std::string out;
  for (char c : name)
    if (c != '_') out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return out;
}

struct Proposed {
  std::string text;      // the file as written, comments included
  std::string comments;  // the text of every comment, wrapped lines joined by spaces
  Json mapping;      // parsed, comments ignored
};

// Runs init on `source` (with `extra` options) and parses what it wrote.
Proposed Init(const std::string& source, const std::string& extra, const std::string& tag) {
  std::string out = WriteTempFile(tag + ".mapping.json", "");
  CommandResult result = RunCli("init " + ShellQuote(source) + " -o " + ShellQuote(out) + " " + extra);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  Proposed proposed;
  std::ifstream in(out);
  proposed.text.assign(std::istreambuf_iterator<char>(in), {});
  proposed.mapping = Json::parse(proposed.text, nullptr, false, /*ignore_comments=*/true);
  std::istringstream lines(proposed.text);
  for (std::string line; std::getline(lines, line);)
    if (size_t at = line.find("// "); at != std::string::npos) proposed.comments += line.substr(at + 3) + " ";
  EXPECT_FALSE(proposed.mapping.is_discarded()) << proposed.text;
  return proposed;
}

// The collection built from `table`, or null.
const Json* CollectionFrom(const Json& mapping, const std::string& table, std::string* name = nullptr) {
  for (const auto& [key, collection] : mapping["collections"].items())
    if (Normalized(collection["from"].get<std::string>()) == Normalized(table)) {
      if (name) *name = key;
      return &collection;
    }
  return nullptr;
}

// The embed (at any depth under `node`) reading `table`, or null; *path gets its dotted path.
const Json* EmbedFrom(const Json& node, const std::string& table, std::string* path, const std::string& prefix = "") {
  if (!node.contains("embed")) return nullptr;
  for (const auto& [key, embed] : node["embed"].items()) {
    std::string here = prefix.empty() ? key : prefix + "." + key;
    if (Normalized(embed["from"].get<std::string>()) == Normalized(table)) {
      *path = here;
      return &embed;
    }
    if (const Json* deeper = EmbedFrom(embed, table, path, here)) return deeper;
  }
  return nullptr;
}

// Runs `mapping_file` into a fresh jsonl folder and returns the documents written per collection.
std::map<std::string, size_t> RunIntoJsonl(const std::string& mapping_file, const std::string& extra,
                                           const std::string& tag) {
  std::string folder = WriteTempFile(tag + ".out", "");
  std::filesystem::remove(folder);
  std::filesystem::create_directories(folder);
  CommandResult run = RunCli("run " + ShellQuote(mapping_file) + " --target " + ShellQuote("jsonl:" + folder) +
                             " --rejects " + ShellQuote(WriteTempFile(tag + ".rejects.jsonl", "")) + " " + extra);
  EXPECT_EQ(run.exit_code, 0) << run.output;
  std::map<std::string, size_t> lines;
  for (const auto& file : std::filesystem::directory_iterator(folder)) {
    std::ifstream in(file.path());
    std::string line;
    size_t n = 0;
    while (std::getline(in, line)) n += !line.empty();
    lines[file.path().stem().string()] = n;
  }
  return lines;
}

// The shape the rules call for on Chinook, whichever source it comes from, and a run of it.
void ExpectChinookProposal(const std::string& source, const std::string& extra, const std::string& tag) {
  Proposed proposed = Init(source, extra, tag);
  ASSERT_FALSE(proposed.mapping.is_discarded());
  const Json& mapping = proposed.mapping;
  std::string path;

  // M:N: PlaylistTrack is an array of track ids in playlists, the side with fewer rows.
  std::string playlists;
  const Json* playlist = CollectionFrom(mapping, "Playlist", &playlists);
  ASSERT_NE(playlist, nullptr) << proposed.text;
  const Json* track_ids = EmbedFrom(*playlist, "PlaylistTrack", &path);
  ASSERT_NE(track_ids, nullptr) << proposed.text;
  EXPECT_EQ((*track_ids)["as"], "array");
  EXPECT_EQ(Normalized((*track_ids)["value"].get<std::string>()), "trackid");
  EXPECT_EQ(CollectionFrom(mapping, "PlaylistTrack"), nullptr);

  // 1:N, one-to-few, two levels: invoices in customers, lines in invoices.
  std::string customers;
  const Json* customer = CollectionFrom(mapping, "Customer", &customers);
  ASSERT_NE(customer, nullptr) << proposed.text;
  const Json* invoices = EmbedFrom(*customer, "Invoice", &path);
  ASSERT_NE(invoices, nullptr) << proposed.text;
  EXPECT_EQ((*invoices)["as"], "array");
  const Json* lines = EmbedFrom(*invoices, "InvoiceLine", &path);
  ASSERT_NE(lines, nullptr) << proposed.text;
  EXPECT_EQ((*lines)["as"], "array");
  EXPECT_EQ(CollectionFrom(mapping, "Invoice"), nullptr);
  EXPECT_EQ(CollectionFrom(mapping, "InvoiceLine"), nullptr);

  // N:1: the lookups are folded into tracks (artist inside album), not collections.
  const Json* track = CollectionFrom(mapping, "Track");
  ASSERT_NE(track, nullptr) << proposed.text;
  for (const char* lookup : {"Genre", "MediaType", "Album", "Artist"}) {
    EXPECT_EQ(CollectionFrom(mapping, lookup), nullptr) << lookup;
    const Json* embed = EmbedFrom(*track, lookup, &path);
    ASSERT_NE(embed, nullptr) << lookup << "\n" << proposed.text;
    EXPECT_EQ((*embed)["as"], "object") << lookup;
  }
  const Json* genre = EmbedFrom(*track, "Genre", &path);
  EXPECT_EQ(Normalized((*genre)["value"].get<std::string>()), "name");  // "genre": "Rock"
  EXPECT_TRUE(EmbedFrom(*track, "Artist", &path) != nullptr && path == "album.artist") << path;

  // References: an employee's manager, a customer's support rep, an invoice line's track.
  std::string employees;
  const Json* employee = CollectionFrom(mapping, "Employee", &employees);
  ASSERT_NE(employee, nullptr) << proposed.text;
  bool manager_ref = false;
  for (const auto& [key, field] : (*employee)["fields"].items())
    manager_ref = manager_ref || (field.is_object() && Normalized(field["column"].get<std::string>()) == "reportsto" &&
                                  field["ref"] == employees);
  EXPECT_TRUE(manager_ref) << (*employee)["fields"].dump();
  bool track_ref = false;
  for (const auto& [key, field] : (*lines)["fields"].items())
    track_ref = track_ref || (field.is_object() && field.value("ref", "") == "tracks");
  EXPECT_TRUE(track_ref) << (*lines)["fields"].dump();

  // Every table mapped or skipped, and the reasons are in the comments.
  EXPECT_EQ(mapping["collections"].size(), 4u) << proposed.text;
  for (const char* table : {"Album", "Artist", "Customer", "Employee", "Genre", "Invoice", "InvoiceLine", "MediaType",
                            "Playlist", "PlaylistTrack", "Track"}) {
    bool listed = false;
    std::istringstream text(proposed.text);
    for (std::string line; std::getline(text, line);)
      listed = listed || (line.find("// - ") != std::string::npos &&
                          Normalized(line.substr(line.find("// - ") + 5, line.find(':') - line.find("// - ") - 5)) ==
                              Normalized(table));
    EXPECT_TRUE(listed) << table << " is neither mapped nor skipped in the table of contents";
  }
  for (const char* reason : {"M:N: a join table", "1:N, one-to-few", "small lookup table", "Self-reference",
                             "may be NULL", "max 3290", "Could also live in"})
    EXPECT_NE(proposed.comments.find(reason), std::string::npos) << "no comment says '" << reason << "'";

  // As it is: one document per root row.
  std::string mapping_file = WriteTempFile(tag + ".run.json", proposed.text);
  std::map<std::string, size_t> written = RunIntoJsonl(mapping_file, extra, tag);
  EXPECT_EQ(written[customers], 59u);
  EXPECT_EQ(written[employees], 8u);
  EXPECT_EQ(written[playlists], 18u);
  EXPECT_EQ(written["tracks"], 3503u);
}

TEST(InitCommandTest, ChinookSqliteGetsTheModelTheRulesCallFor) {
  ExpectChinookProposal("sqlite:" + ChinookSqlitePath(), "", "init_sqlite");
}

TEST(InitCommandTest, ChinookPostgresGetsTheSameModel) {
  if (Env("S2M_TEST_POSTGRES_URI").empty())
    GTEST_SKIP() << "S2M_TEST_POSTGRES_URI is not set (scripts/services uris prints it)";
  std::string password = WriteTempFile("init_pg.password", Env("S2M_TEST_POSTGRES_PASSWORD") + "\n");
  ExpectChinookProposal(Env("S2M_TEST_POSTGRES_URI"), "--password-file " + ShellQuote(password), "init_pg");
}

TEST(InitCommandTest, ChinookMariadbGetsTheSameModel) {
  if (Env("S2M_TEST_MYSQL_URI").empty())
    GTEST_SKIP() << "S2M_TEST_MYSQL_URI is not set (scripts/services uris prints it)";
  std::string password = WriteTempFile("init_mysql.password", Env("S2M_TEST_MYSQL_PASSWORD") + "\n");
  ExpectChinookProposal(Env("S2M_TEST_MYSQL_URI"), "--password-file " + ShellQuote(password), "init_mysql");
}

// account 1 has 5990 events: one-to-squillions; log_line has no primary key; shipment's key is composite,
// and shipment_scan points at it by both columns, a few scans per shipment.
constexpr const char* kGeneratedSchema = R"sql(
CREATE TABLE account(id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT, plan TEXT, created TEXT);
INSERT INTO account VALUES (1, 'ada', 'ada@example.com', 'pro', '2024-01-01'),
                           (2, 'bob', 'bob@example.com', 'free', '2024-01-02');
CREATE TABLE event(id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL REFERENCES account(id), kind TEXT, at TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 6000)
INSERT INTO event SELECT i, CASE WHEN i <= 5990 THEN 1 ELSE 2 END, 'click', '2024-02-01' FROM n;
CREATE TABLE log_line(at TEXT, level TEXT, message TEXT);
INSERT INTO log_line VALUES ('t1', 'info', 'a'), ('t2', 'warn', 'b'), ('t3', 'info', 'c');
CREATE TABLE shipment(order_no INTEGER NOT NULL, line_no INTEGER NOT NULL, qty INTEGER, carrier TEXT, note TEXT,
                      PRIMARY KEY (order_no, line_no));
INSERT INTO shipment VALUES (1, 1, 5, 'dhl', NULL), (1, 2, 1, 'ups', 'fragile'), (2, 1, 3, 'dhl', NULL),
                            (3, 1, 9, 'fedex', NULL);
CREATE TABLE shipment_scan(id INTEGER PRIMARY KEY, order_no INTEGER NOT NULL, line_no INTEGER NOT NULL,
                           place TEXT, scanned_at TEXT,
                           FOREIGN KEY (order_no, line_no) REFERENCES shipment(order_no, line_no));
INSERT INTO shipment_scan VALUES (1, 1, 1, 'hub', 't1'), (2, 1, 1, 'door', 't2'), (3, 1, 2, 'hub', 't1'),
                                 (4, 2, 1, 'hub', 't3'), (5, 3, 1, 'hub', 't4'), (6, 3, 1, 'door', 't5');
)sql";

TEST(InitCommandTest, GeneratedSchemaKeepsSquillionsApartAndHandlesMissingAndCompositeKeys) {
  std::string db = MakeSqliteDatabase("init_generated.sqlite", kGeneratedSchema);
  Proposed proposed = Init("sqlite:" + db, "", "init_generated");
  ASSERT_FALSE(proposed.mapping.is_discarded());
  const Json& mapping = proposed.mapping;
  std::string path;

  // One-to-squillions: events stay a collection, pointing at their account by reference.
  const Json* account = CollectionFrom(mapping, "account");
  const Json* event = CollectionFrom(mapping, "event");
  ASSERT_NE(account, nullptr) << proposed.text;
  ASSERT_NE(event, nullptr) << proposed.text;
  EXPECT_EQ(EmbedFrom(*account, "event", &path), nullptr) << proposed.text;
  EXPECT_EQ((*event)["fields"]["account_id"]["ref"], "accounts") << proposed.text;
  EXPECT_NE(proposed.comments.find("one-to-many beyond few"), std::string::npos) << proposed.text;
  EXPECT_NE(proposed.comments.find("max 5990"), std::string::npos) << proposed.text;

  // No primary key: a collection with generated _ids, and it says so.
  const Json* log_line = CollectionFrom(mapping, "log_line");
  ASSERT_NE(log_line, nullptr) << proposed.text;
  EXPECT_FALSE(log_line->contains("_id"));
  EXPECT_NE(proposed.comments.find("generated ObjectIds"), std::string::npos) << proposed.text;

  // A composite key: a composite _id, and the composite foreign key joins the scans in by both columns.
  const Json* shipment = CollectionFrom(mapping, "shipment");
  ASSERT_NE(shipment, nullptr) << proposed.text;
  EXPECT_EQ((*shipment)["_id"], Json::array({"order_no", "line_no"}));
  const Json* scans = EmbedFrom(*shipment, "shipment_scan", &path);
  ASSERT_NE(scans, nullptr) << proposed.text;
  EXPECT_EQ((*scans)["foreign"], Json::array({"order_no", "line_no"}));
  EXPECT_EQ(CollectionFrom(mapping, "shipment_scan"), nullptr);

  std::map<std::string, size_t> written =
      RunIntoJsonl(WriteTempFile("init_generated.run.json", proposed.text), "", "init_generated");
  EXPECT_EQ(written["accounts"], 2u);
  EXPECT_EQ(written["events"], 6000u);
  EXPECT_EQ(written["log_lines"], 3u);
  EXPECT_EQ(written["shipments"], 4u);
  EXPECT_EQ(written.size(), 4u);
}

TEST(InitCommandTest, TablesOptionListsTheOthersAsSkipped) {
  Proposed proposed = Init("sqlite:" + ChinookSqlitePath(), "--tables Artist,Album", "init_tables");
  ASSERT_FALSE(proposed.mapping.is_discarded());
  EXPECT_NE(proposed.text.find("- Track: skipped: not in --tables"), std::string::npos) << proposed.text;
  // Without Track nothing points at Album, so it is no lookup: a collection; Artist is folded into it.
  const Json* album = CollectionFrom(proposed.mapping, "Album");
  ASSERT_NE(album, nullptr) << proposed.text;
  std::string path;
  EXPECT_NE(EmbedFrom(*album, "Artist", &path), nullptr) << proposed.text;
  EXPECT_EQ(RunCli("init " + ShellQuote("sqlite:" + ChinookSqlitePath()) + " --tables NoSuchTable").exit_code, 2);
}

// --case snake: the proposal's field names are converted, the mapping still runs, and the documents
// in the target carry the converted names. Tables without NUMERIC columns, so both servers store them.
class InitCaseTest : public TargetTest {
 protected:
  void SetUp() override {
    TargetTest::SetUp();
    if (IsSkipped()) return;
    database_ = UniqueDatabase("init_case");
  }
  void TearDown() override {
    if (!database_.empty()) DropDatabase(database_);
    TargetTest::TearDown();
  }
  std::string database_;
};
S2M_ON_EVERY_TARGET(InitCaseTest);

TEST_P(InitCaseTest, SnakeCaseFieldNamesRunIntoTheTarget) {
  Proposed proposed = Init("sqlite:" + ChinookSqlitePath(), "--case snake --tables Artist,Album,Employee,Customer",
                           "init_snake");
  ASSERT_FALSE(proposed.mapping.is_discarded());
  EXPECT_NE(proposed.text.find("--case snake"), std::string::npos) << "the command is in the first comment";
  const Json* customers = CollectionFrom(proposed.mapping, "Customer");
  ASSERT_NE(customers, nullptr) << proposed.text;
  EXPECT_EQ((*customers)["fields"]["first_name"], "FirstName") << proposed.text;
  EXPECT_EQ((*customers)["fields"]["support_rep_id"]["column"], "SupportRepId") << proposed.text;

  std::string mapping = WriteTempFile("init_snake.run.json", proposed.text);
  CommandResult run = RunCli("run " + ShellQuote(mapping) + " --target " + ShellQuote(TargetBaseUri() + "/" + database_) +
                             " --rejects " + ShellQuote(WriteTempFile("init_snake.rejects.jsonl", "")));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  auto customer = FindDocuments(database_, "customers", R"({"_id": 1})");
  ASSERT_EQ(customer.size(), 1u);
  EXPECT_EQ(Utf8(customer[0].get(), "first_name"), "Luís");
  EXPECT_EQ(Utf8(customer[0].get(), "postal_code"), "12227-000");
  EXPECT_EQ(Integer(customer[0].get(), "support_rep_id"), 3);
  EXPECT_FALSE(HasField(customer[0].get(), "FirstName"));
  auto employee = FindDocuments(database_, "employees", R"({"_id": 2})");
  ASSERT_EQ(employee.size(), 1u);
  EXPECT_EQ(Integer(employee[0].get(), "reports_to"), 1);
  EXPECT_EQ(Utf8(employee[0].get(), "last_name"), "Edwards");
  auto album = FindDocuments(database_, "albums", R"({"_id": 1})");
  ASSERT_EQ(album.size(), 1u);
  EXPECT_EQ(Utf8(album[0].get(), "title"), "For Those About To Rock We Salute You");
  EXPECT_EQ(Utf8(album[0].get(), "artist"), "AC/DC");  // the folded-in lookup, named for its key column
  EXPECT_EQ(CountDocuments(database_, "customers"), 59);
}

}  // namespace
}  // namespace sql2mongo::testing
