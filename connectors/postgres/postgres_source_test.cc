// Scans through the PostgreSQL connector: order, where, key filters (single and composite), batch
// borders, connection errors, a connection cut mid-table, one snapshot shared by streams open at once, and
// key ranges read by snapshot readers on two threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <latch>
#include <set>
#include <thread>

#include "postgres/postgres_test_support.h"
#include "support/test_support.h"

namespace sql2mongo {
namespace {

using testing::ConnectAdmin;
using testing::Exec;
using testing::OpenPostgres;
using testing::PostgresScratchTest;
using testing::PostgresUri;
using testing::ReadAll;

std::vector<std::vector<std::string>> TextRows(PGconn* conn, const std::string& sql) {
  PgResult result = Exec(conn, sql);
  std::vector<std::vector<std::string>> rows;
  for (int r = 0; r < PQntuples(result.get()); ++r) {
    rows.emplace_back();
    for (int c = 0; c < PQnfields(result.get()); ++c)
      rows.back().push_back(PQgetisnull(result.get(), r, c) ? "<null>" : PQgetvalue(result.get(), r, c));
  }
  return rows;
}

// The text psql would show for the Values the Chinook columns use.
std::string Text(const Value& v) {
  if (IsNull(v)) return "<null>";
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  if (auto* d = std::get_if<Decimal>(&v)) return d->digits;
  if (auto* i = std::get_if<int32_t>(&v)) return std::to_string(*i);
  if (auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  return ValueToDisplay(v);
}

ScanRequest Request(const std::string& table, std::vector<std::string> columns) {
  ScanRequest request;
  request.table = table;
  request.columns = std::move(columns);
  return request;
}

void ExpectSameRows(const RowBatch& batch, const std::vector<std::vector<std::string>>& expected) {
  ASSERT_EQ(batch.rows(), expected.size());
  for (size_t r = 0; r < batch.rows(); ++r) {
    for (size_t c = 0; c < batch.width(); ++c) ASSERT_EQ(Text(batch.at(r, c)), expected[r][c]) << "row " << r << " column " << c;
  }
}

TEST(PostgresSource, ScansWithWhereAndOrderByAcrossBatchBorders) {
  S2M_REQUIRE_POSTGRES();
  auto source = OpenPostgres(PostgresUri());
  ASSERT_TRUE(source);
  PgConnection admin = ConnectAdmin(PostgresUri());
  ScanRequest request;
  request.table = "Track";  // found case-insensitively
  request.columns = {"track_id", "Name", "composer", "unit_price"};
  request.where = "genre_id = 1 AND composer LIKE '%Page%'";
  request.order_by = {{"milliseconds", true}, {"track_id"}};
  RowBatch rows = ReadAll(*source, request, 2);
  auto expected = TextRows(admin.get(),
                           "SELECT track_id, name, composer, unit_price FROM track WHERE genre_id = 1 AND composer "
                           "LIKE '%Page%' ORDER BY milliseconds DESC, track_id");
  ASSERT_GT(expected.size(), 3u);
  ExpectSameRows(rows, expected);
  EXPECT_EQ(rows.columns(), request.columns);  // columns come back as asked
  EXPECT_EQ(rows.at(0, 3), Value(Decimal{"0.99"}));
}

TEST(PostgresSource, ReadsAWholeTableInBatchesOfTheAskedSize) {
  S2M_REQUIRE_POSTGRES();
  auto source = OpenPostgres(PostgresUri());
  ASSERT_TRUE(source);
  ScanRequest request = Request("playlist_track", {"playlist_id", "track_id"});
  auto stream = source->Scan(request);
  ASSERT_TRUE(stream.ok()) << stream.status().message();
  RowBatch batch;
  size_t total = 0, batches = 0;
  while (true) {
    auto more = (*stream)->Next(&batch, 1000);
    ASSERT_TRUE(more.ok()) << more.status().message();
    if (!*more) break;
    EXPECT_LE(batch.rows(), 1000u);
    total += batch.rows();
    ++batches;
  }
  EXPECT_EQ(total, 8715u);
  EXPECT_EQ(batches, 9u);
  EXPECT_TRUE(batch.empty());
  auto again = (*stream)->Next(&batch, 10);  // exhausted stays exhausted
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
}

TEST(PostgresSource, KeyFilterOnOneColumnReadsEveryChildOfTheGivenKeys) {
  S2M_REQUIRE_POSTGRES();
  auto source = OpenPostgres(PostgresUri());
  ASSERT_TRUE(source);
  PgConnection admin = ConnectAdmin(PostgresUri());
  ScanRequest request = Request("invoice_line", {"invoice_line_id", "invoice_id", "track_id", "unit_price"});
  request.key_filter = KeyFilter{{"invoice_id"}, {{Value(int32_t{1})}, {Value(int64_t{5})}, {Value(int32_t{99999})}}};
  request.order_by = {{"invoice_line_id"}};
  ExpectSameRows(ReadAll(*source, request),
                 TextRows(admin.get(), "SELECT invoice_line_id, invoice_id, track_id, unit_price FROM invoice_line "
                                       "WHERE invoice_id IN (1, 5) ORDER BY invoice_line_id"));
  request.key_filter->keys.clear();
  EXPECT_EQ(ReadAll(*source, request).rows(), 0u);
}

TEST(PostgresSource, KeyFilterOnCompositeKeys) {
  S2M_REQUIRE_POSTGRES();
  auto source = OpenPostgres(PostgresUri());
  ASSERT_TRUE(source);
  ScanRequest request = Request("playlist_track", {"playlist_id", "track_id"});
  request.key_filter = KeyFilter{{"playlist_id", "track_id"},
                                 {{Value(int32_t{1}), Value(int32_t{3402})},
                                  {Value(int32_t{8}), Value(int32_t{3402})},
                                  {Value(int32_t{1}), Value(int32_t{1})},  // track 1 is not in playlist 1
                                  {Value(int32_t{17}), Value(int32_t{1})}}};
  request.order_by = {{"playlist_id"}, {"track_id"}};
  RowBatch rows = ReadAll(*source, request);
  PgConnection admin = ConnectAdmin(PostgresUri());
  ExpectSameRows(rows, TextRows(admin.get(), "SELECT playlist_id, track_id FROM playlist_track WHERE (playlist_id, "
                                             "track_id) IN ((1, 3402), (8, 3402), (1, 1), (17, 1)) ORDER BY 1, 2"));
  EXPECT_GE(rows.rows(), 2u);
}

class PostgresScratch : public PostgresScratchTest {};

TEST_F(PostgresScratch, KeyFilterLiteralsAreEscapedAndTypedForTextDateAndUuidKeys) {
  Exec(admin_.get(), "CREATE TABLE " + schema_ + ".visit (who text, day date, id uuid, n int);"
                     "INSERT INTO " + schema_ + ".visit VALUES ('O''Brien', '2009-01-01', "
                     "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 1), ('back\\slash', '1960-02-29', NULL, 2), "
                     "('O''Brien', '2009-01-02', NULL, 3)");
  auto source = OpenPostgres(scratch_uri_);
  ASSERT_TRUE(source);
  // Keys as a parent's decoded row would carry them: text, DateTime, uuid Binary.
  ScanRequest request = Request(schema_ + ".visit", {"n"});
  request.order_by = {{"n"}};
  request.key_filter = KeyFilter{{"who", "day"},
                                 {{Value(std::string("O'Brien")), Value(DateTime{1230768000000})},
                                  {Value(std::string("back\\slash")), Value(DateTime{-310521600000})}}};
  RowBatch rows = ReadAll(*source, request);
  ASSERT_EQ(rows.rows(), 2u);
  EXPECT_EQ(rows.at(0, 0), Value(int32_t{1}));
  EXPECT_EQ(rows.at(1, 0), Value(int32_t{2}));

  auto uuid = source->Scan(Request(schema_ + ".visit", {"id"}));
  ASSERT_TRUE(uuid.ok());
  RowBatch first;
  ASSERT_TRUE((*uuid)->Next(&first, 1).ok());
  request.key_filter = KeyFilter{{"id"}, {{first.at(0, 0)}}};
  rows = ReadAll(*source, request);
  ASSERT_EQ(rows.rows(), 1u);
  EXPECT_EQ(rows.at(0, 0), Value(int32_t{1}));
}

TEST_F(PostgresScratch, CountsRowsPerKeyTypesExpressionsAndFlagsViews) {
  Exec(admin_.get(), "CREATE TABLE " + schema_ + ".t (id int PRIMARY KEY, k text); INSERT INTO " + schema_ +
                         ".t VALUES " + testing::kRowCountTableRows + "; CREATE VIEW " + schema_ + ".v AS SELECT id, k FROM " +
                         schema_ + ".t WHERE k = 'a'; CREATE MATERIALIZED VIEW " + schema_ + ".m AS SELECT id FROM " +
                         schema_ + ".t");
  auto source = OpenPostgres(scratch_uri_);
  ASSERT_TRUE(source);
  testing::ExpectRowCountsAndViews(*source, schema_ + ".t", schema_ + ".v");
  auto materialized = source->DescribeTable(schema_ + ".m");
  ASSERT_TRUE(materialized.ok()) << materialized.status().message();
  EXPECT_TRUE(materialized->is_view);
  auto money = source->DescribeExpression(schema_ + ".t", "id::numeric(10,2)");
  ASSERT_TRUE(money.ok()) << money.status().message();
  EXPECT_EQ(money->declared_type, "numeric(10,2)");
  EXPECT_TRUE(money->yields.decimal);
}

// What init's rules rely on (tests/unit/model_proposal_test.cc): a partitioned table is listed once, its
// partitions not at all, and it reads (and counts) the rows of every partition.
TEST_F(PostgresScratch, APartitionedTableIsOneTableWithTheRowsOfEveryPartition) {
  Exec(admin_.get(), "CREATE TABLE " + schema_ + ".measurement (city_id int NOT NULL, logdate date NOT NULL, peak int, "
                     "PRIMARY KEY (city_id, logdate)) PARTITION BY RANGE (logdate);"
                     "CREATE TABLE " + schema_ + ".measurement_2023 PARTITION OF " + schema_ + ".measurement "
                     "FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');"
                     "CREATE TABLE " + schema_ + ".measurement_2024 PARTITION OF " + schema_ + ".measurement "
                     "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');"
                     "INSERT INTO " + schema_ + ".measurement VALUES (1, '2023-05-01', 20), (1, '2024-05-01', 22), "
                     "(2, '2024-06-01', 30)");
  auto source = OpenPostgres(scratch_uri_);
  ASSERT_TRUE(source);
  auto tables = source->ListTables();
  ASSERT_TRUE(tables.ok()) << tables.status().message();
  EXPECT_NE(std::find(tables->begin(), tables->end(), schema_ + ".measurement"), tables->end());
  EXPECT_EQ(std::find(tables->begin(), tables->end(), schema_ + ".measurement_2023"), tables->end());
  EXPECT_EQ(std::find(tables->begin(), tables->end(), schema_ + ".measurement_2024"), tables->end());
  auto measurement = source->DescribeTable(schema_ + ".measurement");
  ASSERT_TRUE(measurement.ok()) << measurement.status().message();
  EXPECT_EQ(measurement->primary_key, (std::vector<std::string>{"city_id", "logdate"}));
  EXPECT_FALSE(measurement->is_view);
  EXPECT_EQ(ReadAll(*source, Request(schema_ + ".measurement", {"peak"})).rows(), 3u);
  auto per_city = source->CountRows(RowCountRequest{schema_ + ".measurement", {"city_id"}});
  ASSERT_TRUE(per_city.ok()) << per_city.status().message();
  ASSERT_EQ(per_city->size(), 2u);
  EXPECT_EQ((*per_city)[0].key, std::vector<std::optional<std::string>>{"1"});
  EXPECT_EQ((*per_city)[0].rows, 2u);
}

TEST_F(PostgresScratch, MissingParentFilterReadsOnlyOrphans) {
  Exec(admin_.get(), "CREATE TABLE " + schema_ + ".parent (id int PRIMARY KEY, boss int);"
                     "INSERT INTO " + schema_ + ".parent VALUES (1, NULL), (2, 1), (3, 9), (4, 8);"
                     "CREATE TABLE " + schema_ + ".child (id int, parent_id int);"
                     "INSERT INTO " + schema_ + ".child VALUES (10, 1), (11, 7), (12, NULL), (13, 2), (14, 8)");
  auto source = OpenPostgres(scratch_uri_);
  ASSERT_TRUE(source);
  ScanRequest request = Request(schema_ + ".child", {"id"});
  request.missing_parent = MissingParentFilter{{"parent_id"}, schema_ + ".parent", {"id"}};
  request.where = "id > 10";
  request.order_by = {{"id"}};
  RowBatch orphans = ReadAll(*source, request);
  ASSERT_EQ(orphans.rows(), 2u);
  EXPECT_EQ(orphans.at(0, 0), Value(int32_t{11}));
  EXPECT_EQ(orphans.at(1, 0), Value(int32_t{14}));
  // A self-reference: bosses that do not exist.
  ScanRequest self = Request(schema_ + ".parent", {"id"});
  self.missing_parent = MissingParentFilter{{"boss"}, schema_ + ".parent", {"id"}};
  self.order_by = {{"id"}};
  RowBatch lost = ReadAll(*source, self);
  ASSERT_EQ(lost.rows(), 2u);
  EXPECT_EQ(lost.at(0, 0), Value(int32_t{3}));
  EXPECT_EQ(lost.at(1, 0), Value(int32_t{4}));
}

TEST(PostgresSource, BadWhereIsASourceErrorNamingTheConditionAndTheSourceGoesOn) {
  S2M_REQUIRE_POSTGRES();
  auto source = OpenPostgres(PostgresUri());
  ASSERT_TRUE(source);
  ScanRequest request = Request("album", {"album_id"});
  request.where = "no_such_column = 1";
  auto stream = source->Scan(request);
  ASSERT_FALSE(stream.ok());
  EXPECT_EQ(stream.status().code(), StatusCode::kSourceError);
  EXPECT_NE(stream.status().message().find("no_such_column"), std::string::npos) << stream.status().message();
  EXPECT_NE(stream.status().message().find("SQLSTATE 42703"), std::string::npos) << stream.status().message();
  EXPECT_NE(stream.status().message().find("album"), std::string::npos);
  request.where.clear();
  EXPECT_EQ(ReadAll(*source, request).rows(), 347u);
  request.columns = {"nope"};
  EXPECT_EQ(source->Scan(request).status().code(), StatusCode::kNotFound);
}

TEST(PostgresSource, WrongPasswordFailsWithoutShowingAnyPassword) {
  S2M_REQUIRE_POSTGRES();
  SourceOptions options;
  options.password = "wrong-secret";
  auto source = OpenSource(PostgresUri(), options);
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), StatusCode::kSourceError);
  const std::string& message = source.status().message();
  EXPECT_NE(message.find("password authentication failed"), std::string::npos) << message;
  EXPECT_NE(message.find("127.0.0.1"), std::string::npos) << message;
  EXPECT_EQ(message.find("wrong-secret"), std::string::npos) << message;

  // A password in the URI is redacted in messages (here SourceOptions' wrong password wins over it).
  std::string uri = PostgresUri();
  uri.replace(uri.find('@'), 1, ":uri-secret@");
  auto with_uri_password = OpenSource(uri, options);
  ASSERT_FALSE(with_uri_password.ok());
  EXPECT_EQ(with_uri_password.status().message().find("uri-secret"), std::string::npos)
      << with_uri_password.status().message();
}

TEST(PostgresSource, PasswordFromPgpasswordWhenOptionsHaveNone) {
  S2M_REQUIRE_POSTGRES();
  setenv("PGPASSWORD", std::getenv("S2M_TEST_POSTGRES_PASSWORD"), 1);
  auto source = OpenSource(PostgresUri());
  unsetenv("PGPASSWORD");
  ASSERT_TRUE(source.ok()) << source.status().message();
  EXPECT_EQ((*source)->DisplayName(), PostgresUri());
}

TEST(PostgresSource, UnknownDatabaseNamesItInTheError) {
  S2M_REQUIRE_POSTGRES();
  auto source = OpenSource(testing::PostgresUriFor("no_such_db"), testing::PostgresOptions());
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), StatusCode::kSourceError);
  EXPECT_NE(source.status().message().find("no_such_db"), std::string::npos) << source.status().message();
}

TEST(PostgresSource, ServerDownIsASourceErrorWithLibpqsReason) {
  S2M_REQUIRE_POSTGRES();
  auto source = OpenSource("postgresql://sql2mongo@127.0.0.1:1/chinook", testing::PostgresOptions());
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), StatusCode::kSourceError);
  EXPECT_NE(source.status().message().find("127.0.0.1:1/chinook"), std::string::npos) << source.status().message();
  EXPECT_NE(source.status().message().find("refused"), std::string::npos) << source.status().message();
}

TEST_F(PostgresScratch, ConnectionCutMidTableIsAnErrorNotAShortRead) {
  Exec(admin_.get(), "CREATE TABLE " + schema_ + ".big AS SELECT g AS id, repeat('x', 100) AS filler "
                     "FROM generate_series(1, 300000) g");
  auto source = OpenPostgres(scratch_uri_);
  ASSERT_TRUE(source);
  ASSERT_TRUE(source->BeginSnapshot().ok());
  auto stream = source->Scan(Request(schema_ + ".big", {"id", "filler"}));
  ASSERT_TRUE(stream.ok()) << stream.status().message();
  RowBatch batch;
  ASSERT_TRUE((*stream)->Next(&batch, 2).ok());
  size_t rows = batch.rows();
  // Kill the backend serving the COPY from another session.
  PgResult killed = Exec(admin_.get(), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                                       "application_name = 'sql2mongo' AND query LIKE 'COPY (SELECT%" + schema_ + "%'");
  ASSERT_EQ(PQntuples(killed.get()), 1);
  Status error;
  while (true) {
    auto more = (*stream)->Next(&batch, 1000);
    if (!more.ok()) {
      error = more.status();
      break;
    }
    if (!*more) break;
    rows += batch.rows();
  }
  ASSERT_FALSE(error.ok()) << "the stream ended quietly after " << rows << " rows";
  EXPECT_LT(rows, 300000u);
  EXPECT_EQ(error.code(), StatusCode::kSourceLost);  // the connection's failure, not the query's
  EXPECT_NE(error.message().find(".big"), std::string::npos) << error.message();
  auto after = (*stream)->Next(&batch, 10);  // no rows after the error
  EXPECT_TRUE(!after.ok() || !*after);

  // Another connection joins the same snapshot: a change committed since then stays unseen.
  Exec(admin_.get(), "UPDATE " + schema_ + ".big SET filler = 'changed' WHERE id <= 3");
  Status reopened = source->ReopenInSnapshot();
  ASSERT_TRUE(reopened.ok()) << reopened.message();
  ScanRequest first_rows = Request(schema_ + ".big", {"id", "filler"});
  first_rows.where = "id <= 3";
  RowBatch again = ReadAll(*source, first_rows, 100);
  ASSERT_EQ(again.rows(), 3u);
  for (size_t row = 0; row < again.rows(); ++row)
    EXPECT_EQ(std::get<std::string>(again.at(row, 1)), std::string(100, 'x')) << "row " << row;
}

TEST_F(PostgresScratch, StreamsOpenAtOnceShareOneSnapshotWhileAnotherSessionCommits) {
  Exec(admin_.get(), "CREATE TABLE " + schema_ + ".item (id int PRIMARY KEY, label text);"
                     "INSERT INTO " + schema_ + ".item SELECT g, 'v' || g FROM generate_series(1, 10) g");
  auto source = OpenPostgres(scratch_uri_);
  ASSERT_TRUE(source);
  std::string table = schema_ + ".item";
  ASSERT_TRUE(source->BeginSnapshot().ok());
  ScanRequest all = Request(table, {"id", "label"});
  all.order_by = {{"id"}};
  auto first = source->Scan(all);
  ASSERT_TRUE(first.ok()) << first.status().message();
  RowBatch batch;
  ASSERT_TRUE((*first)->Next(&batch, 2).ok());
  ASSERT_EQ(batch.rows(), 2u);
  size_t first_rows = 2;

  Exec(admin_.get(), "UPDATE " + table + " SET label = 'changed' WHERE id = 5; DELETE FROM " + table +
                         " WHERE id = 10; INSERT INTO " + table + " SELECT g, 'new' FROM generate_series(11, 20) g");

  // A second stream, on a second connection, while the first is still open: the data as it was.
  RowBatch second = ReadAll(*source, all);
  ASSERT_EQ(second.rows(), 10u);
  EXPECT_EQ(second.at(4, 1), Value(std::string("v5")));
  EXPECT_EQ(second.at(9, 0), Value(int32_t{10}));
  ScanRequest by_key = Request(table, {"label"});
  by_key.key_filter = KeyFilter{{"id"}, {{Value(int32_t{5})}, {Value(int32_t{15})}}};
  RowBatch keyed = ReadAll(*source, by_key);
  ASSERT_EQ(keyed.rows(), 1u);
  EXPECT_EQ(keyed.at(0, 0), Value(std::string("v5")));
  while (true) {
    auto more = (*first)->Next(&batch, 3);
    ASSERT_TRUE(more.ok()) << more.status().message();
    if (!*more) break;
    first_rows += batch.rows();
  }
  EXPECT_EQ(first_rows, 10u);
  ASSERT_TRUE(source->EndSnapshot().ok());

  RowBatch now = ReadAll(*source, all);  // after the snapshot: today's data
  ASSERT_EQ(now.rows(), 19u);
  EXPECT_EQ(now.at(4, 1), Value(std::string("changed")));
}

// The ids of every row `source` reads in `range` of `table`, checking that no id is read twice.
std::vector<int64_t> IdsInRange(Source& source, const std::string& table, std::optional<int64_t> low,
                                std::optional<int64_t> high) {
  ScanRequest request = Request(table, {"id"});
  request.range = testing::IntegerKeyRange("id", low, high);
  RowBatch rows = ReadAll(source, request, 1000);
  std::vector<int64_t> ids;
  for (size_t r = 0; r < rows.rows(); ++r) {
    const Value& v = rows.at(r, 0);
    if (auto* i = std::get_if<int64_t>(&v)) ids.push_back(*i);
    else if (auto* j = std::get_if<int32_t>(&v)) ids.push_back(*j);
    else ADD_FAILURE() << "id is not an integer: " << ValueToDisplay(v);
  }
  return ids;
}

TEST_F(PostgresScratch, KeyRangesCoverATableExactlyOnce) {
  // Gaps, a negative id and the int8 extremes, so the open ends matter.
  Exec(admin_.get(), "CREATE TABLE " + schema_ + ".gen (id int8 PRIMARY KEY, label text);"
                     "INSERT INTO " + schema_ + ".gen SELECT g, 'v' || g FROM generate_series(1, 5000) g WHERE g % 7 <> 0;"
                     "INSERT INTO " + schema_ + ".gen VALUES (-3, 'neg'), (-9223372036854775808, 'min'), "
                     "(9223372036854775807, 'max')");
  auto source = OpenPostgres(scratch_uri_);
  ASSERT_TRUE(source);
  std::string table = schema_ + ".gen";
  std::vector<int64_t> everything = IdsInRange(*source, table, std::nullopt, std::nullopt);
  ASSERT_EQ(everything.size(), 5000u - 5000u / 7 + 3);

  std::vector<int64_t> low = IdsInRange(*source, table, std::nullopt, 1000);
  std::vector<int64_t> middle = IdsInRange(*source, table, 1000, 3500);
  std::vector<int64_t> high = IdsInRange(*source, table, 3500, std::nullopt);
  for (int64_t id : low) EXPECT_LT(id, 1000);
  for (int64_t id : middle) EXPECT_TRUE(id >= 1000 && id < 3500) << id;
  for (int64_t id : high) EXPECT_GE(id, 3500);
  std::multiset<int64_t> read(low.begin(), low.end());
  read.insert(middle.begin(), middle.end());
  read.insert(high.begin(), high.end());
  EXPECT_EQ(read, std::multiset<int64_t>(everything.begin(), everything.end()));
  EXPECT_TRUE(IdsInRange(*source, table, 7, 8).empty());
  EXPECT_EQ(IdsInRange(*source, table, 6, 7), std::vector<int64_t>{6});
}

TEST_F(PostgresScratch, KeySplitPointsCutCompositeTextAndIntegerKeys) {
  // Text in the database's collation (mixed case: not byte order), a composite (int, text) key, an int4 key.
  Exec(admin_.get(), "CREATE TABLE " + schema_ + ".pair (a int, b text, PRIMARY KEY (a, b));"
                     "INSERT INTO " + schema_ + ".pair SELECT g % 9, CASE g % 2 WHEN 0 THEN 'x' ELSE 'X' END || g "
                     "FROM generate_series(1, 2000) g;"
                     "CREATE TABLE " + schema_ + ".word (w text PRIMARY KEY);"
                     "INSERT INTO " + schema_ + ".word SELECT CASE g % 3 WHEN 0 THEN 'b' WHEN 1 THEN 'B' ELSE 'a' END || g "
                     "FROM generate_series(1, 1500) g;"
                     "CREATE TABLE " + schema_ + ".num (id int4 PRIMARY KEY);"
                     "INSERT INTO " + schema_ + ".num SELECT g * 3 FROM generate_series(-100, 900) g");
  auto source = OpenPostgres(scratch_uri_);
  ASSERT_TRUE(source);
  testing::ExpectKeyRangesFromSplitPointsCoverTheTable(*source, schema_ + ".pair", {"a", "b"}, 4);
  testing::ExpectKeyRangesFromSplitPointsCoverTheTable(*source, schema_ + ".word", {"w"}, 3);
  testing::ExpectKeyRangesFromSplitPointsCoverTheTable(*source, schema_ + ".num", {"id"}, 3);
  // Typed as the columns decode: int4, text.
  auto points = source->KeySplitPoints(schema_ + ".num", {"id"}, 2, "");
  ASSERT_TRUE(points.ok() && points->size() == 1) << points.status().message();
  EXPECT_EQ((*points)[0][0], Value(int32_t{1200}));
  points = source->KeySplitPoints(schema_ + ".pair", {"a", "b"}, 2, "");
  ASSERT_TRUE(points.ok() && points->size() == 1) << points.status().message();
  EXPECT_TRUE(std::holds_alternative<int32_t>((*points)[0][0]));
  EXPECT_TRUE(std::holds_alternative<std::string>((*points)[0][1]));
  // Inside the snapshot, like the scans.
  ASSERT_TRUE(source->BeginSnapshot().ok());
  Exec(admin_.get(), "DELETE FROM " + schema_ + ".word");
  points = source->KeySplitPoints(schema_ + ".word", {"w"}, 3, "");
  ASSERT_TRUE(points.ok()) << points.status().message();
  EXPECT_EQ(points->size(), 2u);
  ASSERT_TRUE(source->EndSnapshot().ok());
}

TEST_F(PostgresScratch, KeyRangeOnASmallintKeyMayEndPastItsLargestValue) {
  Exec(admin_.get(), "CREATE TABLE " + schema_ + ".small (id int2 PRIMARY KEY);"
                     "INSERT INTO " + schema_ + ".small VALUES (-32768), (1), (32767)");
  auto source = OpenPostgres(scratch_uri_);
  ASSERT_TRUE(source);
  auto bounds = source->IntegerKeyBounds(schema_ + ".small", "id");
  ASSERT_TRUE(bounds.ok()) << bounds.status().message();
  ASSERT_TRUE(bounds->has_value());
  EXPECT_EQ(**bounds, std::make_pair(int64_t{-32768}, int64_t{32767}));
  EXPECT_EQ(IdsInRange(*source, schema_ + ".small", 2, 32768), std::vector<int64_t>{32767});
}

TEST(PostgresSource, IntegerKeyBoundsOfTrackInAndOutsideASnapshot) {
  S2M_REQUIRE_POSTGRES();
  auto source = OpenPostgres(PostgresUri());
  ASSERT_TRUE(source);
  auto bounds = source->IntegerKeyBounds("Track", "Track_Id");  // found case-insensitively
  ASSERT_TRUE(bounds.ok()) << bounds.status().message();
  ASSERT_TRUE(bounds->has_value());
  EXPECT_EQ(**bounds, std::make_pair(int64_t{1}, int64_t{3503}));
  ASSERT_TRUE(source->BeginSnapshot().ok());
  bounds = source->IntegerKeyBounds("track", "track_id");
  ASSERT_TRUE(bounds.ok()) << bounds.status().message();
  EXPECT_EQ(**bounds, std::make_pair(int64_t{1}, int64_t{3503}));
  ASSERT_TRUE(source->EndSnapshot().ok());
}

TEST(PostgresSource, IntegerKeyBoundsOfATextColumnAreUnsupported) {
  S2M_REQUIRE_POSTGRES();
  auto source = OpenPostgres(PostgresUri());
  ASSERT_TRUE(source);
  auto bounds = source->IntegerKeyBounds("track", "name");
  ASSERT_FALSE(bounds.ok());
  EXPECT_EQ(bounds.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(bounds.status().message().find("track.name"), std::string::npos) << bounds.status().message();
  EXPECT_EQ(source->IntegerKeyBounds("track", "nope").status().code(), StatusCode::kNotFound);
}

TEST_F(PostgresScratch, IntegerKeyBoundsOfAnEmptyTableAreNone) {
  Exec(admin_.get(), "CREATE TABLE " + schema_ + ".empty (id int PRIMARY KEY)");
  auto source = OpenPostgres(scratch_uri_);
  ASSERT_TRUE(source);
  auto bounds = source->IntegerKeyBounds(schema_ + ".empty", "id");
  ASSERT_TRUE(bounds.ok()) << bounds.status().message();
  EXPECT_FALSE(bounds->has_value());
}

TEST(PostgresSource, SnapshotReaderNeedsASnapshot) {
  S2M_REQUIRE_POSTGRES();
  auto source = OpenPostgres(PostgresUri());
  ASSERT_TRUE(source);
  auto reader = source->OpenSnapshotReader();
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(reader.status().message().find("BeginSnapshot"), std::string::npos) << reader.status().message();
}

TEST_F(PostgresScratch, TwoReadersOnTwoThreadsShareOneSnapshotWhileAnotherSessionCommits) {
  std::string table = schema_ + ".item";
  Exec(admin_.get(), "CREATE TABLE " + table + " (id int PRIMARY KEY, label text);"
                     "INSERT INTO " + table + " SELECT g, 'v' || g FROM generate_series(1, 20000) g");
  auto source = OpenPostgres(scratch_uri_);
  ASSERT_TRUE(source);
  ASSERT_TRUE(source->BeginSnapshot().ok());
  auto bounds = source->IntegerKeyBounds(table, "id");
  ASSERT_TRUE(bounds.ok() && bounds->has_value()) << bounds.status().message();
  auto reader = source->OpenSnapshotReader();
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  // Committed after the snapshot and before any scan: in both ranges and past both ends.
  Exec(admin_.get(), "UPDATE " + table + " SET label = 'changed' WHERE id IN (5, 15000);"
                     "DELETE FROM " + table + " WHERE id IN (6, 15001);"
                     "INSERT INTO " + table + " VALUES (-1, 'new'), (20001, 'new')");

  struct Read {
    std::vector<int32_t> ids;
    std::vector<std::string> labels;
    Status error;
  };
  std::latch first_batches_read(3);
  std::latch committed(1);
  auto read_range = [&](Source& from, std::optional<int64_t> low, std::optional<int64_t> high, Read* out) {
    ScanRequest request = Request(table, {"id", "label"});
    request.range = testing::IntegerKeyRange("id", low, high);
    auto stream = from.Scan(request);
    bool waited = false;
    if (!stream.ok()) {
      out->error = stream.status();
    } else {
      RowBatch batch;
      while (true) {
        auto more = (*stream)->Next(&batch, 500);
        if (!more.ok()) {
          out->error = more.status();
          break;
        }
        if (!waited) {  // both streams are open when the other session commits again
          first_batches_read.count_down();
          committed.wait();
          waited = true;
        }
        if (!*more) break;
        for (size_t r = 0; r < batch.rows(); ++r) {
          out->ids.push_back(std::get<int32_t>(batch.at(r, 0)));
          out->labels.push_back(std::get<std::string>(batch.at(r, 1)));
        }
      }
    }
    if (!waited) {
      first_batches_read.count_down();
      committed.wait();
    }
  };
  Read low, high;
  std::thread low_thread(read_range, std::ref(*source), std::nullopt, 10000, &low);
  std::thread high_thread(read_range, std::ref(**reader), 10000, std::nullopt, &high);
  first_batches_read.arrive_and_wait();
  Exec(admin_.get(), "UPDATE " + table + " SET label = 'changed' WHERE id IN (7, 15002);"
                     "DELETE FROM " + table + " WHERE id IN (8, 15003);"
                     "INSERT INTO " + table + " VALUES (-2, 'new'), (20002, 'new')");
  committed.count_down();
  low_thread.join();
  high_thread.join();
  ASSERT_TRUE(low.error.ok()) << low.error.message();
  ASSERT_TRUE(high.error.ok()) << high.error.message();

  EXPECT_EQ(low.ids.size(), 9999u);
  EXPECT_EQ(high.ids.size(), 10001u);
  std::set<int32_t> ids(low.ids.begin(), low.ids.end());
  ids.insert(high.ids.begin(), high.ids.end());
  ASSERT_EQ(ids.size(), 20000u);
  EXPECT_EQ(*ids.begin(), 1);
  EXPECT_EQ(*ids.rbegin(), 20000);
  for (const Read* read : {&low, &high}) {
    for (size_t i = 0; i < read->ids.size(); ++i)
      ASSERT_EQ(read->labels[i], "v" + std::to_string(read->ids[i])) << "id " << read->ids[i];
  }

  reader->reset();  // before EndSnapshot, as the pipeline does
  ASSERT_TRUE(source->EndSnapshot().ok());
  ScanRequest all = Request(table, {"id"});
  EXPECT_EQ(ReadAll(*source, all, 5000).rows(), 20000u);  // +4 inserted, -4 deleted
  ScanRequest changed = Request(table, {"id"});
  changed.where = "label = 'changed'";
  EXPECT_EQ(ReadAll(*source, changed).rows(), 4u);  // 5, 7, 15000, 15002
}

TEST(PostgresSource, AStreamMayOutliveItsSource) {
  S2M_REQUIRE_POSTGRES();
  auto source = OpenPostgres(PostgresUri());
  ASSERT_TRUE(source);
  auto stream = source->Scan(Request("genre", {"genre_id"}));
  ASSERT_TRUE(stream.ok());
  source.reset();
  RowBatch batch;
  size_t rows = 0;
  while (true) {
    auto more = (*stream)->Next(&batch, 7);
    ASSERT_TRUE(more.ok()) << more.status().message();
    if (!*more) break;
    rows += batch.rows();
  }
  EXPECT_EQ(rows, 25u);
}

}  // namespace
}  // namespace sql2mongo
