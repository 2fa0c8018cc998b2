// The SQLite connector on real database files: catalog, declared-type conversion, per-value dynamic
// types, key filters and ordering, and the errors for missing or broken files.
#include <gtest/gtest.h>

#include <algorithm>


#include "sql2mongo/source.h"
#include "support/test_support.h"

namespace sql2mongo {
namespace {

using testing::MakeSqliteDatabase;

std::unique_ptr<Source> Open(const std::string& path) {
  auto source = OpenSource("sqlite:" + path);
  EXPECT_TRUE(source.ok()) << source.status().message();
  return source.ok() ? std::move(source).value() : nullptr;
}

RowBatch ReadAll(Source& source, const ScanRequest& request) {
  auto stream = source.Scan(request);
  EXPECT_TRUE(stream.ok()) << stream.status().message();
  RowBatch all(request.columns), batch;
  while (true) {
    auto more = (*stream)->Next(&batch, 2);  // tiny batches: crossing batch borders is part of the test
    EXPECT_TRUE(more.ok()) << more.status().message();
    if (!more.ok() || !more.value()) break;
    all.AppendRows(std::move(batch));
  }
  return all;
}

TEST(SqliteSource, CatalogHasColumnsKeysAndForeignKeys) {
  auto source = Open(testing::ChinookSqlitePath());
  auto tables = source->ListTables();
  ASSERT_TRUE(tables.ok());
  EXPECT_EQ(tables->size(), 11u);
  auto line = source->DescribeTable("invoiceline");  // case-insensitive lookup
  ASSERT_TRUE(line.ok()) << line.status().message();
  EXPECT_EQ(line->name, "InvoiceLine");
  EXPECT_EQ(line->primary_key, std::vector<std::string>{"InvoiceLineId"});
  ASSERT_EQ(line->foreign_keys.size(), 2u);
  bool found_invoice = false;
  for (const auto& fk : line->foreign_keys) {
    if (fk.referenced_table == "Invoice") {
      found_invoice = true;
      EXPECT_EQ(fk.columns, std::vector<std::string>{"InvoiceId"});
      EXPECT_EQ(fk.referenced_columns, std::vector<std::string>{"InvoiceId"});
    }
  }
  EXPECT_TRUE(found_invoice);
  auto playlist_track = source->DescribeTable("PlaylistTrack");
  ASSERT_TRUE(playlist_track.ok());
  EXPECT_EQ(playlist_track->primary_key, (std::vector<std::string>{"PlaylistId", "TrackId"}));
  EXPECT_EQ(source->DescribeTable("Nope").status().code(), StatusCode::kNotFound);
}

TEST(SqliteSource, ValuesFollowDeclaredTypesAndEachValuesStorageClass) {
  std::string path = MakeSqliteDatabase("types.db", R"(
    CREATE TABLE t (id INTEGER PRIMARY KEY, big INTEGER, price NUMERIC(10,2), ratio REAL, name TEXT,
                    flag BOOLEAN, born DATE, stamp DATETIME, data BLOB, anything);
    INSERT INTO t VALUES (1, 9223372036854775807, 0.99, 0.5, 'Gonçalves', 1, '2001-02-03', '2001-02-03 04:05:06.789',
                          x'00ff', 42);
    INSERT INTO t VALUES (2, 'not a number', 12, -0.0, '', 0, 'someday', 2451545.5, NULL, 'text');
    INSERT INTO t VALUES (3, -5, NULL, NULL, NULL, 7, NULL, 0, zeroblob(0), 1.5);
  )");
  auto source = Open(path);
  ScanRequest request{"t", {"id", "big", "price", "ratio", "name", "flag", "born", "stamp", "data", "anything"}};
  request.order_by = {{"id", false}};
  RowBatch rows = ReadAll(*source, request);
  ASSERT_EQ(rows.rows(), 3u);
  EXPECT_EQ(rows.at(0, 0), Value(int32_t{1}));
  EXPECT_EQ(rows.at(0, 1), Value(int64_t{INT64_MAX}));
  EXPECT_EQ(rows.at(0, 2), Value(Decimal{"0.99"}));
  EXPECT_EQ(rows.at(0, 3), Value(0.5));
  EXPECT_EQ(rows.at(0, 4), Value(std::string("Gonçalves")));
  EXPECT_EQ(rows.at(0, 5), Value(true));
  EXPECT_EQ(rows.at(0, 6), Value(DateTime{981158400000}));
  EXPECT_EQ(rows.at(0, 7), Value(DateTime{981173106789}));
  EXPECT_EQ(rows.at(0, 8), Value(Binary{{0x00, 0xff}, 0}));
  EXPECT_EQ(rows.at(0, 9), Value(int32_t{42}));
  // An INTEGER column holding text keeps the text: SQLite allowed it, so it is the data.
  EXPECT_EQ(rows.at(1, 1), Value(std::string("not a number")));
  EXPECT_EQ(rows.at(1, 2), Value(Decimal{"12.00"}));  // NUMERIC(10,2): the declared scale
  // SQLite itself stores a REAL with no fraction as an integer on disk, so -0.0 comes back as 0.0.
  EXPECT_EQ(rows.at(1, 3), Value(0.0));
  EXPECT_EQ(rows.at(1, 4), Value(std::string("")));            // empty string is not NULL
  EXPECT_EQ(rows.at(1, 5), Value(false));
  EXPECT_EQ(rows.at(1, 6), Value(std::string("someday")));     // unparsable date text stays text
  // REAL dates are Julian days (a whole-day Julian number would be stored as an integer by SQLite's
  // NUMERIC affinity and read as Unix seconds: docs/types.md says so).
  EXPECT_EQ(rows.at(1, 7), Value(DateTime{946771200000}));
  EXPECT_EQ(rows.at(1, 9), Value(std::string("text")));
  EXPECT_EQ(rows.at(2, 2), Value(Null{}));
  EXPECT_EQ(rows.at(2, 5), Value(int32_t{7}));                 // not 0/1: kept as the number it is
  EXPECT_EQ(rows.at(2, 7), Value(DateTime{0}));                // integers in a date column are Unix seconds
  EXPECT_EQ(rows.at(2, 9), Value(1.5));
}

TEST(SqliteSource, DeclaredDecimalScaleGivesTheDigitsAServerWould) {
  std::string path = MakeSqliteDatabase("scale.db", R"(
    CREATE TABLE p (id INTEGER PRIMARY KEY, price NUMERIC(10,2), rate DECIMAL(12, 4));
    INSERT INTO p VALUES (1, 0.99, 0.1), (2, 1, 2), (3, 13.86, 0.123456789);
  )");
  auto source = Open(path);
  ScanRequest request{"p", {"price", "rate"}};
  request.order_by = {{"id", false}};
  RowBatch rows = ReadAll(*source, request);
  ASSERT_EQ(rows.rows(), 3u);
  EXPECT_EQ(rows.at(0, 0), Value(Decimal{"0.99"}));
  EXPECT_EQ(rows.at(0, 1), Value(Decimal{"0.1000"}));
  EXPECT_EQ(rows.at(1, 0), Value(Decimal{"1.00"}));       // stored as integer 1 by SQLite
  EXPECT_EQ(rows.at(1, 1), Value(Decimal{"2.0000"}));
  EXPECT_EQ(rows.at(2, 0), Value(Decimal{"13.86"}));
  EXPECT_EQ(rows.at(2, 1), Value(Decimal{"0.123456789"}));  // more digits than declared: kept, not rounded
}

TEST(SqliteSource, KeyFiltersAndOrderBy) {
  std::string path = MakeSqliteDatabase("keys.db", R"(
    CREATE TABLE line (id INTEGER PRIMARY KEY, a INTEGER, b TEXT, pos INTEGER);
    INSERT INTO line VALUES (1, 1, 'x', 3), (2, 1, 'x', 1), (3, 2, 'y', 2), (4, 1, 'y', 9), (5, 3, 'x', 0);
  )");
  auto source = Open(path);
  ScanRequest request{"line", {"id", "a"}};
  request.key_filter = KeyFilter{{"a"}, {{Value(int32_t{1})}, {Value(int64_t{3})}}};
  request.order_by = {{"pos", true}};
  RowBatch rows = ReadAll(*source, request);
  ASSERT_EQ(rows.rows(), 4u);
  std::vector<Value> ids;
  for (size_t r = 0; r < rows.rows(); ++r) ids.push_back(rows.at(r, 0));
  EXPECT_EQ(ids, (std::vector<Value>{int32_t{4}, int32_t{1}, int32_t{2}, int32_t{5}}));

  ScanRequest composite{"line", {"id"}};
  composite.key_filter = KeyFilter{{"a", "b"}, {{Value(int32_t{1}), Value(std::string("y"))},
                                                {Value(int32_t{2}), Value(std::string("y"))}}};
  composite.order_by = {{"id", false}};
  composite.where = "pos > 1";
  RowBatch matched = ReadAll(*source, composite);
  ASSERT_EQ(matched.rows(), 2u);
  EXPECT_EQ(matched.at(0, 0), Value(int32_t{3}));
  EXPECT_EQ(matched.at(1, 0), Value(int32_t{4}));

  ScanRequest none{"line", {"id"}};
  none.key_filter = KeyFilter{{"a"}, {}};
  EXPECT_EQ(ReadAll(*source, none).rows(), 0u);
}

TEST(SqliteSource, BadWhereNamesTheTableAndTheCondition) {
  auto source = Open(testing::ChinookSqlitePath());
  ScanRequest request{"Genre", {"Name"}};
  request.where = "Nmae = 'Rock'";
  auto stream = source->Scan(request);
  ASSERT_FALSE(stream.ok());
  EXPECT_NE(stream.status().message().find("cannot query table 'Genre'"), std::string::npos);
  EXPECT_NE(stream.status().message().find("no such column: Nmae"), std::string::npos) << stream.status().message();
  EXPECT_NE(stream.status().message().find("check the \"where\" condition"), std::string::npos);
}

TEST(SqliteSource, MissingAndBrokenFiles) {
  auto missing = OpenSource("sqlite:/no/such/file.db");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  std::string not_a_db = testing::WriteTempFile("garbage.db", "this is not a database, just text padding it out....");
  auto broken = OpenSource("sqlite:" + not_a_db);
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find("file is not a database"), std::string::npos) << broken.status().message();
  auto unknown = OpenSource("oracle://db");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kUsage);
}

TEST(SqliteSource, SnapshotIsOneReadTransaction) {
  auto source = Open(testing::ChinookSqlitePath());
  ASSERT_TRUE(source->BeginSnapshot().ok());
  ScanRequest request{"Genre", {"GenreId"}};
  EXPECT_EQ(ReadAll(*source, request).rows(), 25u);
  EXPECT_TRUE(source->EndSnapshot().ok());
}

TEST(SqliteSource, KeyRangesAndSnapshotReadersForParallelReads) {
  std::string path = MakeSqliteDatabase("ranges.db", R"(
    CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);
    WITH RECURSIVE seq(x) AS (SELECT -5 UNION ALL SELECT x + 1 FROM seq WHERE x < 94) INSERT INTO t SELECT x, 'r' || x FROM seq;
  )");
  auto source = Open(path);
  auto bounds = source->IntegerKeyBounds("t", "id");
  ASSERT_TRUE(bounds.ok()) << bounds.status().message();
  ASSERT_TRUE(bounds.value().has_value());
  EXPECT_EQ(bounds.value()->first, -5);
  EXPECT_EQ(bounds.value()->second, 94);

  ASSERT_TRUE(source->BeginSnapshot().ok());
  auto reader = source->OpenSnapshotReader();
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  ScanRequest low{"t", {"id"}};
  low.range = testing::IntegerKeyRange("id", std::nullopt, 10);
  ScanRequest high{"t", {"id"}};
  high.range = testing::IntegerKeyRange("id", 10, std::nullopt);
  EXPECT_EQ(ReadAll(*source, low).rows(), 15u);      // -5 .. 9
  EXPECT_EQ(ReadAll(**reader, high).rows(), 85u);    // 10 .. 94, through the second reader
  ScanRequest middle{"t", {"id"}};
  middle.range = testing::IntegerKeyRange("id", 0, 3);
  EXPECT_EQ(ReadAll(**reader, middle).rows(), 3u);
  reader->reset();
  EXPECT_TRUE(source->EndSnapshot().ok());

  auto empty_db = MakeSqliteDatabase("empty.db", "CREATE TABLE e (id INTEGER PRIMARY KEY);");
  auto empty = Open(empty_db)->IntegerKeyBounds("e", "id");
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty.value().has_value());
}

TEST(SqliteSource, KeySplitPointsCutCompositeAndIntegerKeysOfChinook) {
  auto chinook = Open(testing::ChinookSqlitePath());
  testing::ExpectKeyRangesFromSplitPointsCoverTheTable(*chinook, "PlaylistTrack", {"PlaylistId", "TrackId"}, 4);
  testing::ExpectKeyRangesFromSplitPointsCoverTheTable(*chinook, "Track", {"TrackId"}, 3);
  // Equal widths of an integer key: 1..3503 in thirds, as the column decodes (int32 when it fits).
  auto points = chinook->KeySplitPoints("Track", {"TrackId"}, 3, "");
  ASSERT_TRUE(points.ok()) << points.status().message();
  EXPECT_EQ(*points, (std::vector<std::vector<Value>>{{Value(int32_t{1168})}, {Value(int32_t{2336})}}));
  // Only the rows the mapping's "where" keeps are cut: Playlist 1 alone, by its TrackIds.
  auto where = chinook->KeySplitPoints("PlaylistTrack", {"PlaylistId", "TrackId"}, 2, "PlaylistId = 1");
  ASSERT_TRUE(where.ok()) << where.status().message();
  ASSERT_EQ(where->size(), 1u);
  EXPECT_EQ((*where)[0][0], Value(int32_t{1}));
}

TEST(SqliteSource, KeySplitPointsOfTextKeysWithNullsSendTheNullsToTheFirstRange) {
  // A primary key other than INTEGER PRIMARY KEY may hold NULL in SQLite.
  std::string path = MakeSqliteDatabase("coded.db", R"(
    CREATE TABLE coded (code TEXT, n INTEGER, v TEXT, PRIMARY KEY (code, n));
    WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < 600)
      INSERT INTO coded SELECT CASE x % 3 WHEN 0 THEN 'k' WHEN 1 THEN 'K' ELSE 'a' END || (x % 37), x, 'v' FROM s;
    INSERT INTO coded VALUES (NULL, 1, 'null code'), ('zz', NULL, 'null n'), (NULL, NULL, 'both');
    CREATE TABLE word (w TEXT PRIMARY KEY);
    WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < 500) INSERT INTO word SELECT 'w' || x FROM s;
    INSERT INTO word VALUES (NULL);
    CREATE TABLE tiny (w TEXT PRIMARY KEY);
    INSERT INTO tiny VALUES ('a'), ('b');
  )");
  auto source = Open(path);
  std::vector<std::string> first = testing::ExpectKeyRangesFromSplitPointsCoverTheTable(*source, "coded", {"code", "n"}, 3);
  EXPECT_EQ(std::count_if(first.begin(), first.end(), [](const std::string& k) { return k.find("null") != std::string::npos; }), 3);
  first = testing::ExpectKeyRangesFromSplitPointsCoverTheTable(*source, "word", {"w"}, 4);
  EXPECT_EQ(std::count(first.begin(), first.end(), "null"), 1);
  auto points = source->KeySplitPoints("tiny", {"w"}, 4, "");
  ASSERT_TRUE(points.ok()) << points.status().message();
  EXPECT_TRUE(points->empty()) << "fewer rows than ranges";
}

TEST(SqliteSource, WalDatabasesReadWithOneReader) {
  // In WAL mode writers commit while we read, so a second connection could see a later state.
  std::string path = MakeSqliteDatabase("wal.db", "PRAGMA journal_mode=WAL; CREATE TABLE t (id INTEGER PRIMARY KEY);");
  auto source = Open(path);
  ASSERT_TRUE(source->BeginSnapshot().ok());
  auto reader = source->OpenSnapshotReader();
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), StatusCode::kUnsupported);
  EXPECT_TRUE(source->EndSnapshot().ok());
}

TEST(SqliteSource, CountsRowsPerKeyTypesExpressionsAndFlagsViews) {
  std::string path = MakeSqliteDatabase("counts.db", std::string("CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT);"
                                                                 "INSERT INTO t VALUES ") + testing::kRowCountTableRows +
                                                         "; CREATE VIEW v AS SELECT id, k FROM t WHERE k = 'a';");
  auto source = Open(path);
  testing::ExpectRowCountsAndViews(*source, "t", "v");
  // SQLite gives an expression no type of its own: the values' storage classes say what it holds.
  auto number = source->DescribeExpression("t", "id * 2");
  ASSERT_TRUE(number.ok()) << number.status().message();
  EXPECT_NE(number->declared_type.find("integer"), std::string::npos) << number->declared_type;
}

}  // namespace
}  // namespace sql2mongo
