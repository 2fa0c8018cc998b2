// The Chinook sample end to end: mappings/chinook.json is run by the real CLI into the real target,
// and every document is checked field by field against the SQLite source, read here with plain
// sqlite3 calls (not through the connector under test).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <map>
#include <regex>

#include "support/test_support.h"

namespace sql2mongo::testing {
namespace {

// Rows of a query as text (NULL as "<null>"), read with the sqlite3 API directly.
std::vector<std::vector<std::string>> Query(const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(ChinookSqlitePath().c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  std::vector<std::vector<std::string>> rows;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    std::vector<std::string> row;
    for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
      const unsigned char* text = sqlite3_column_text(stmt, i);
      row.push_back(text ? reinterpret_cast<const char*>(text) : "<null>");
    }
    rows.push_back(std::move(row));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows;
}

// A string field, or "<null>" when the document holds null there.
std::string TextOrNull(const bson_t* doc, const std::string& path) {
  bson_iter_t it = Field(doc, path);
  if (BSON_ITER_HOLDS_NULL(&it)) return "<null>";
  return Utf8(doc, path);
}

// "2009-01-01 00:00:00" as a BSON date's milliseconds.
int64_t SourceDateMillis(const std::string& text) {
  auto rows = Query("SELECT CAST(strftime('%s', '" + text + "') AS INTEGER) * 1000");
  return std::stoll(rows.at(0).at(0));
}

int64_t DateMillis(const bson_t* doc, const std::string& path) {
  bson_iter_t it = Field(doc, path);
  EXPECT_TRUE(BSON_ITER_HOLDS_DATE_TIME(&it)) << path << " is not a date in " << Json(doc);
  return BSON_ITER_HOLDS_DATE_TIME(&it) ? bson_iter_date_time(&it) : 0;
}

// The money columns are mapped as doubles (see mappings/chinook.json): the source's two-decimal text
// must read back as the same double.
double Double(const bson_t* doc, const std::string& path) {
  bson_iter_t it = Field(doc, path);
  EXPECT_TRUE(BSON_ITER_HOLDS_DOUBLE(&it)) << path << " is not a double in " << Json(doc);
  return BSON_ITER_HOLDS_DOUBLE(&it) ? bson_iter_double(&it) : 0;
}

// Each case runs in its own process (ctest), so the one run per process is the case's own run.
class ChinookTest : public TargetTest {
 protected:
  void SetUp() override {
    TargetTest::SetUp();
    if (IsSkipped()) return;
    database_ = UniqueDatabase("chinook");
    std::string rejects = WriteTempFile("chinook.rejects.jsonl", "");
    // Two threads: every table is read as two key ranges, each by its own reader of the one snapshot.
    run_ = RunCli("run " + ShellQuote(SourceDir() + "/mappings/chinook.json") + " --drop --threads 2 --target " +
                  ShellQuote(TargetBaseUri() + "/" + database_) + " --rejects " + ShellQuote(rejects));
    ASSERT_EQ(run_.exit_code, 0) << run_.output;
  }
  void TearDown() override {
    if (!database_.empty()) DropDatabase(database_);
    TargetTest::TearDown();
  }

  std::string database_;
  CommandResult run_;
};
S2M_ON_EVERY_TARGET(ChinookTest);

TEST_P(ChinookTest, EveryRootRowBecomesOneDocument) {
  EXPECT_EQ(CountDocuments(database_, "customers"), 59);
  EXPECT_EQ(CountDocuments(database_, "tracks"), 3503);
  EXPECT_EQ(CountDocuments(database_, "playlists"), 18);
  EXPECT_EQ(CountDocuments(database_, "employees"), 8);
}

TEST_P(ChinookTest, SummaryReportsReadWrittenAndRejected) {
  // Columns: collection, rows read, rows joined, written, rejected, dangling. Rows joined are the rows
  // read from embedded tables: every invoice and line, and each distinct track and employee once per
  // reader. --threads 2 splits CustomerId 1..59 into [1, 30) and [30, 59].
  auto joined = Query(
      "SELECT (SELECT count(*) FROM Invoice) + (SELECT count(*) FROM InvoiceLine) + "
      "(SELECT count(DISTINCT l.TrackId) FROM InvoiceLine l JOIN Invoice i USING (InvoiceId) WHERE i.CustomerId < 30) + "
      "(SELECT count(DISTINCT l.TrackId) FROM InvoiceLine l JOIN Invoice i USING (InvoiceId) WHERE i.CustomerId >= 30) + "
      "(SELECT count(DISTINCT SupportRepId) FROM Customer WHERE CustomerId < 30) + "
      "(SELECT count(DISTINCT SupportRepId) FROM Customer WHERE CustomerId >= 30)");
  EXPECT_TRUE(std::regex_search(run_.output, std::regex("\ncustomers +59 +" + joined[0][0] + " +59 +0 +0 ")))
      << run_.output;
  EXPECT_TRUE(std::regex_search(run_.output, std::regex(R"(\ntracks +3503 +\d+ +3503 +0 +0 )"))) << run_.output;
  EXPECT_TRUE(std::regex_search(run_.output, std::regex(R"(\nplaylists +18 +8715 +18 +0 +0 )"))) << run_.output;
  EXPECT_EQ(run_.output.find("rejected; each is listed"), std::string::npos) << run_.output;
  EXPECT_NE(run_.output.find("reading table Track as 2 work units"), std::string::npos) << run_.output;
}

TEST_P(ChinookTest, CustomerOneHasSevenInvoicesInDateOrderWithMatchingLines) {
  auto docs = FindDocuments(database_, "customers", "{\"_id\": 1}");
  ASSERT_EQ(docs.size(), 1u);
  const bson_t* c = docs[0].get();
  EXPECT_EQ(Utf8(c, "name.first"), "Luís");
  EXPECT_EQ(Utf8(c, "name.last"), "Gonçalves");
  EXPECT_EQ(Utf8(c, "address.city"), "São José dos Campos");

  auto invoices = Query("SELECT InvoiceId, InvoiceDate, Total, BillingCity FROM Invoice WHERE CustomerId = 1 "
                        "ORDER BY InvoiceDate, InvoiceId");
  ASSERT_EQ(invoices.size(), 7u);
  ASSERT_EQ(ArrayLength(c, "invoices"), 7u);
  int64_t previous_date = INT64_MIN;
  for (size_t i = 0; i < invoices.size(); ++i) {
    std::string at = "invoices." + std::to_string(i);
    EXPECT_EQ(Integer(c, at + ".invoice_id"), std::stoll(invoices[i][0]));
    int64_t date = DateMillis(c, at + ".date");
    EXPECT_EQ(date, SourceDateMillis(invoices[i][1]));
    EXPECT_GE(date, previous_date) << "invoices out of date order at " << i;
    previous_date = date;
    EXPECT_EQ(Double(c, at + ".total"), std::stod(invoices[i][2]));
    EXPECT_EQ(Utf8(c, at + ".billing.city"), invoices[i][3]);

    auto lines = Query("SELECT l.InvoiceLineId, l.TrackId, l.UnitPrice, l.Quantity, t.Name FROM InvoiceLine l "
                       "JOIN Track t ON t.TrackId = l.TrackId WHERE l.InvoiceId = " + invoices[i][0] +
                       " ORDER BY l.InvoiceLineId");
    ASSERT_EQ(ArrayLength(c, at + ".lines"), lines.size());
    for (size_t j = 0; j < lines.size(); ++j) {
      std::string line = at + ".lines." + std::to_string(j);
      EXPECT_EQ(Integer(c, line + ".line_id"), std::stoll(lines[j][0]));
      EXPECT_EQ(Integer(c, line + ".track_id"), std::stoll(lines[j][1]));
      EXPECT_EQ(Double(c, line + ".unit_price"), std::stod(lines[j][2]));
      EXPECT_EQ(Integer(c, line + ".quantity"), std::stoll(lines[j][3]));
      EXPECT_EQ(Utf8(c, line + ".track.name"), lines[j][4]);
      // The line's foreign key to its invoice repeats the parent's key and is left out.
      EXPECT_FALSE(HasField(c, line + ".InvoiceId"));
    }
  }
}

TEST_P(ChinookTest, SupportRepIsTheEmployeeTheForeignKeyPointsAt) {
  auto source = Query("SELECT c.CustomerId, e.EmployeeId, e.FirstName, e.LastName, e.Email FROM Customer c "
                      "JOIN Employee e ON e.EmployeeId = c.SupportRepId ORDER BY c.CustomerId");
  auto docs = FindDocuments(database_, "customers");
  ASSERT_EQ(docs.size(), source.size());
  for (size_t i = 0; i < docs.size(); ++i) {
    const bson_t* c = docs[i].get();
    EXPECT_EQ(Integer(c, "_id"), std::stoll(source[i][0]));
    EXPECT_EQ(Integer(c, "support_rep.id"), std::stoll(source[i][1]));
    EXPECT_EQ(Utf8(c, "support_rep.first_name"), source[i][2]);
    EXPECT_EQ(Utf8(c, "support_rep.last_name"), source[i][3]);
    EXPECT_EQ(Utf8(c, "support_rep.email"), source[i][4]);
  }
}

TEST_P(ChinookTest, AllInvoicesAndLinesAreEmbeddedExactlyOnce) {
  auto per_customer = Query("SELECT c.CustomerId, (SELECT count(*) FROM Invoice i WHERE i.CustomerId = c.CustomerId), "
                            "(SELECT count(*) FROM InvoiceLine l JOIN Invoice i ON i.InvoiceId = l.InvoiceId "
                            "WHERE i.CustomerId = c.CustomerId) FROM Customer c ORDER BY c.CustomerId");
  auto docs = FindDocuments(database_, "customers");
  ASSERT_EQ(docs.size(), per_customer.size());
  uint64_t invoices = 0, lines = 0;
  for (size_t i = 0; i < docs.size(); ++i) {
    const bson_t* c = docs[i].get();
    uint32_t n = ArrayLength(c, "invoices");
    EXPECT_EQ(n, std::stoul(per_customer[i][1])) << "customer " << per_customer[i][0];
    uint32_t customer_lines = 0;
    for (uint32_t k = 0; k < n; ++k) customer_lines += ArrayLength(c, "invoices." + std::to_string(k) + ".lines");
    EXPECT_EQ(customer_lines, std::stoul(per_customer[i][2])) << "customer " << per_customer[i][0];
    invoices += n;
    lines += customer_lines;
  }
  EXPECT_EQ(invoices, 412u);
  EXPECT_EQ(lines, 2240u);
}

TEST_P(ChinookTest, PlaylistsHoldTheSourceTrackIdsThroughTheJoinTable) {
  auto docs = FindDocuments(database_, "playlists");
  ASSERT_EQ(docs.size(), 18u);
  for (const auto& doc : docs) {
    int64_t id = Integer(doc.get(), "_id");
    auto tracks = Query("SELECT TrackId FROM PlaylistTrack WHERE PlaylistId = " + std::to_string(id) + " ORDER BY TrackId");
    auto name = Query("SELECT Name FROM Playlist WHERE PlaylistId = " + std::to_string(id));
    EXPECT_EQ(Utf8(doc.get(), "name"), name.at(0).at(0));
    ASSERT_EQ(ArrayLength(doc.get(), "track_ids"), tracks.size()) << "playlist " << id;
    for (size_t k = 0; k < tracks.size(); ++k)
      EXPECT_EQ(Integer(doc.get(), "track_ids." + std::to_string(k)), std::stoll(tracks[k][0]));
  }
  auto first = FindDocuments(database_, "playlists", "{\"_id\": 1}");
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(ArrayLength(first[0].get(), "track_ids"), 3290u);
}

TEST_P(ChinookTest, TracksFoldInAlbumArtistGenreAndMediaType) {
  auto source = Query(
      "SELECT t.TrackId, t.Name, t.Composer, t.Milliseconds, t.Bytes, t.UnitPrice, a.Title, ar.Name, g.Name, m.Name "
      "FROM Track t LEFT JOIN Album a ON a.AlbumId = t.AlbumId LEFT JOIN Artist ar ON ar.ArtistId = a.ArtistId "
      "LEFT JOIN Genre g ON g.GenreId = t.GenreId JOIN MediaType m ON m.MediaTypeId = t.MediaTypeId ORDER BY t.TrackId");
  auto docs = FindDocuments(database_, "tracks");
  ASSERT_EQ(docs.size(), source.size());
  for (size_t i = 0; i < docs.size(); ++i) {
    const bson_t* t = docs[i].get();
    const auto& row = source[i];
    ASSERT_EQ(Integer(t, "_id"), std::stoll(row[0]));
    EXPECT_EQ(Utf8(t, "name"), row[1]);
    EXPECT_EQ(TextOrNull(t, "composer"), row[2]);
    EXPECT_EQ(Integer(t, "milliseconds"), std::stoll(row[3]));
    EXPECT_EQ(Integer(t, "bytes"), std::stoll(row[4]));
    EXPECT_EQ(Double(t, "unit_price"), std::stod(row[5]));
    EXPECT_EQ(Utf8(t, "album.title"), row[6]);
    EXPECT_EQ(Utf8(t, "album.artist"), row[7]);
    EXPECT_EQ(Utf8(t, "genre"), row[8]);
    EXPECT_EQ(Utf8(t, "media_type"), row[9]);
  }
}

TEST_P(ChinookTest, EmployeesReferTheirManagerById) {
  auto source = Query("SELECT EmployeeId, ReportsTo, FirstName, LastName, HireDate FROM Employee ORDER BY EmployeeId");
  auto docs = FindDocuments(database_, "employees");
  ASSERT_EQ(docs.size(), source.size());
  std::map<int64_t, bool> ids;
  for (const auto& doc : docs) ids[Integer(doc.get(), "_id")] = true;
  for (size_t i = 0; i < docs.size(); ++i) {
    const bson_t* e = docs[i].get();
    EXPECT_EQ(Integer(e, "_id"), std::stoll(source[i][0]));
    EXPECT_EQ(Utf8(e, "name.first"), source[i][2]);
    EXPECT_EQ(Utf8(e, "name.last"), source[i][3]);
    EXPECT_EQ(DateMillis(e, "hire_date"), SourceDateMillis(source[i][4]));
    bson_iter_t manager = Field(e, "reports_to");
    if (source[i][1] == "<null>") {
      EXPECT_TRUE(BSON_ITER_HOLDS_NULL(&manager)) << Json(e);
    } else {
      int64_t manager_id = Integer(e, "reports_to");
      EXPECT_EQ(manager_id, std::stoll(source[i][1]));
      EXPECT_TRUE(ids.count(manager_id)) << "reports_to " << manager_id << " is no employee _id";
    }
  }
}

TEST_P(ChinookTest, DocumentsKeepTheMappingsFieldOrderWithIdFirst) {
  auto docs = FindDocuments(database_, "customers", "{\"_id\": 2}");
  ASSERT_EQ(docs.size(), 1u);
  std::vector<std::string> keys;
  bson_iter_t it;
  bson_iter_init(&it, docs[0].get());
  while (bson_iter_next(&it)) keys.push_back(bson_iter_key(&it));
  std::vector<std::string> expected = {"_id", "name", "company", "address", "phone", "fax", "email", "support_rep", "invoices"};
  EXPECT_EQ(keys, expected);
}

TEST_P(ChinookTest, RunningTwiceWithDropGivesTheSameCounts) {
  CommandResult again = RunCli("run " + ShellQuote(SourceDir() + "/mappings/chinook.json") + " --drop --target " +
                               ShellQuote(TargetBaseUri() + "/" + database_) + " --rejects " +
                               ShellQuote(WriteTempFile("again.rejects.jsonl", "")));
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(CountDocuments(database_, "customers"), 59);
  EXPECT_EQ(CountDocuments(database_, "tracks"), 3503);
}

}  // namespace
}  // namespace sql2mongo::testing
