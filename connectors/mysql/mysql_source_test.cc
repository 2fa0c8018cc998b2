// The MySQL connector against the MariaDB server scripts/services starts (S2M_TEST_MYSQL_URI,
// S2M_TEST_MYSQL_PASSWORD): catalog, every type, key filters, ordering, batch borders, errors, a
// connection cut mid-table, one snapshot shared by two open streams, and key ranges read by parallel
// readers of that snapshot.
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <gtest/gtest.h>
#include <mysql_driver.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <latch>
#include <limits>
#include <set>
#include <thread>

#include "mysql/mysql_source.h"
#include "sql2mongo/source.h"
#include "support/mysql_admin.h"
#include "support/test_support.h"

namespace sql2mongo {
namespace {

using testing::Env;

// The Chinook URI with its database replaced by `database`, and `query` appended.
std::string UriFor(const std::string& database, const std::string& query = "") {
  std::string uri = Env("S2M_TEST_MYSQL_URI");
  return uri.substr(0, uri.rfind('/') + 1) + database + query;
}

ScanRequest Request(const std::string& table, std::vector<std::string> columns, const std::string& where = "",
                    std::vector<OrderTerm> order_by = {}) {
  ScanRequest request;
  request.table = table;
  request.columns = std::move(columns);
  request.where = where;
  request.order_by = std::move(order_by);
  return request;
}

std::string ScratchDatabase() { return "s2m_test_mysql_" + std::to_string(getpid()); }

// A connection of the test's own, beside the connector, for setting up data and for interfering.
class Admin {
 public:
  Admin() : connection_(testing::ConnectMysqlAdmin()) {}
  void Run(const std::string& sql) {
    std::unique_ptr<sql::Statement> statement(connection_->createStatement());
    statement->execute(sql);
  }
  std::string One(const std::string& sql) {
    std::unique_ptr<sql::Statement> statement(connection_->createStatement());
    std::unique_ptr<sql::ResultSet> rows(statement->executeQuery(sql));
    return rows->next() ? std::string(rows->getString(1)) : "";
  }

 private:
  std::unique_ptr<sql::Connection> connection_;
};

RowBatch ReadAll(RowStream& stream, size_t batch_rows = 2) {
  RowBatch all, batch;
  bool first = true;
  while (true) {
    auto more = stream.Next(&batch, batch_rows);
    EXPECT_TRUE(more.ok()) << more.status().message();
    if (first) {
      all = RowBatch(batch.columns());
      first = false;
    }
    if (!more.ok() || !more.value()) break;
    EXPECT_LE(batch.rows(), batch_rows);
    all.AppendRows(std::move(batch));
  }
  return all;
}
RowBatch ReadAll(Source& source, const ScanRequest& request, size_t batch_rows = 2) {
  auto stream = source.Scan(request);
  EXPECT_TRUE(stream.ok()) << stream.status().message();
  if (!stream.ok()) return RowBatch(request.columns);
  return ReadAll(**stream, batch_rows);
}

class MysqlSourceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (Env("S2M_TEST_MYSQL_URI").empty()) return;
    Admin admin;
    admin.Run("DROP DATABASE IF EXISTS " + ScratchDatabase());
    admin.Run("CREATE DATABASE " + ScratchDatabase() + " CHARACTER SET utf8mb4");
    admin.Run("USE " + ScratchDatabase());
    // A table big enough that a stream is still on the wire when the test interferes with it.
    admin.Run("CREATE TABLE big (id INT PRIMARY KEY, payload VARCHAR(100))");
    admin.Run("INSERT INTO big SELECT seq, REPEAT('x', 100) FROM seq_1_to_300000");
  }
  static void TearDownTestSuite() {
    if (Env("S2M_TEST_MYSQL_URI").empty()) return;
    Admin().Run("DROP DATABASE IF EXISTS " + ScratchDatabase());
  }
  void SetUp() override {
    if (Env("S2M_TEST_MYSQL_URI").empty()) GTEST_SKIP() << "S2M_TEST_MYSQL_URI is not set: run scripts/services start mariadb";
  }

  static SourceOptions Password(int snapshot_readers = 1) {
    return SourceOptions{Env("S2M_TEST_MYSQL_PASSWORD"), snapshot_readers};
  }

  static std::unique_ptr<Source> Open(const std::string& uri, int snapshot_readers = 1) {
    auto source = OpenMysqlSource(uri, Password(snapshot_readers));
    EXPECT_TRUE(source.ok()) << source.status().message();
    return source.ok() ? std::move(source).value() : nullptr;
  }
  static std::unique_ptr<Source> OpenChinook() { return Open(Env("S2M_TEST_MYSQL_URI")); }
  static std::unique_ptr<Source> OpenScratch(const std::string& query = "", int snapshot_readers = 1) {
    return Open(UriFor(ScratchDatabase(), query), snapshot_readers);
  }

};

TEST_F(MysqlSourceTest, ChinookCatalogHasTablesKeysAndForeignKeys) {
  auto source = OpenChinook();
  ASSERT_TRUE(source);
  auto tables = source->ListTables();
  ASSERT_TRUE(tables.ok()) << tables.status().message();
  EXPECT_EQ(tables->size(), 11u);
  auto track = source->DescribeTable("track");  // case-insensitive lookup
  ASSERT_TRUE(track.ok()) << track.status().message();
  EXPECT_EQ(track->name, "Track");
  EXPECT_EQ(track->primary_key, std::vector<std::string>{"TrackId"});
  EXPECT_EQ(track->columns.size(), 9u);
  EXPECT_EQ(track->columns[0].name, "TrackId");
  EXPECT_FALSE(track->columns[0].nullable);
  EXPECT_EQ(track->foreign_keys.size(), 3u);
  bool album = false;
  for (const auto& fk : track->foreign_keys) {
    if (fk.referenced_table != "Album") continue;
    album = true;
    EXPECT_EQ(fk.columns, std::vector<std::string>{"AlbumId"});
    EXPECT_EQ(fk.referenced_columns, std::vector<std::string>{"AlbumId"});
  }
  EXPECT_TRUE(album);
  auto playlist_track = source->DescribeTable("PlaylistTrack");
  ASSERT_TRUE(playlist_track.ok());
  EXPECT_EQ(playlist_track->primary_key, (std::vector<std::string>{"PlaylistId", "TrackId"}));
  EXPECT_EQ(playlist_track->foreign_keys.size(), 2u);
  auto employee = source->DescribeTable("Employee");
  ASSERT_TRUE(employee.ok());
  ASSERT_EQ(employee->foreign_keys.size(), 1u);
  EXPECT_EQ(employee->foreign_keys[0].referenced_table, "Employee");
  EXPECT_EQ(source->DescribeTable("Nope").status().code(), StatusCode::kNotFound);
}

TEST_F(MysqlSourceTest, EveryTypeDecodesValueByValue) {
  Admin admin;
  admin.Run("USE " + ScratchDatabase());
  admin.Run("SET SESSION sql_mode = ''");  // allows the zero date
  admin.Run("SET SESSION time_zone = '+02:00'");  // TIMESTAMP literals below are +02:00 wall time
  admin.Run("DROP TABLE IF EXISTS types");
  admin.Run(R"(CREATE TABLE types (
      id INT PRIMARY KEY, flag TINYINT(1), yes BOOL,
      ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, siu SMALLINT UNSIGNED, mi MEDIUMINT, miu MEDIUMINT UNSIGNED,
      i INT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED,
      d65 DECIMAL(65,30), d10 DECIMAL(10,2), f FLOAT, dbl DOUBLE,
      c CHAR(5), vc VARCHAR(50), txt TEXT, lat VARCHAR(20) CHARACTER SET latin1,
      e ENUM('small','medium','large'), s SET('a','b','c'),
      dt DATE, dtm DATETIME, dtm6 DATETIME(6), ts TIMESTAMP NULL DEFAULT NULL, tm TIME(3), y YEAR,
      bin BINARY(3), vbin VARBINARY(10), blb LONGBLOB,
      j JSON, b1 BIT(1), b10 BIT(10), b64 BIT(64), u UUID, ip INET6, pt POINT))");
  admin.Run(R"(INSERT INTO types VALUES (1, 1, FALSE,
      -128, 255, -32768, 65535, -8388608, 16777215,
      -2147483648, 4294967295, -9223372036854775808, 18446744073709551615,
      '12345678901234567890123456789012345.123456789012345678901234567890', -12.50, 1.5, -0.0,
      'ab', 'Gonçalves ✓ 😀', '', 'é',
      'medium', 'a,c',
      '2001-02-03', '2001-02-03 04:05:06', '2001-02-03 04:05:06.789123', '2024-01-01 12:00:00', '-838:59:59.500', 2024,
      X'000102', X'FF', REPEAT(X'AB', 1048576),
      '{"a": [1, 2, {"b": null}], "c": "ü"}', b'1', b'1010', b'1111111111111111111111111111111111111111111111111111111111111111',
      '123e4567-e89b-12d3-a456-426655440000', '::1', POINT(1, 2)))");
  admin.Run(R"(INSERT INTO types (id, ti, tiu, si, siu, mi, miu, i, iu, bi, biu, vc, dt, dtm, j, b1, y, s)
      VALUES (2, 127, 0, 32767, 0, 8388607, 0, 2147483647, 0, 9223372036854775807, 9223372036854775807,
              NULL, '0000-00-00', '0000-00-00 00:00:00', '[1, "x"]', b'0', 0, ''))");
  admin.Run("INSERT INTO types (id) VALUES (3)");

  auto source = OpenScratch();
  ASSERT_TRUE(source);
  auto info = source->DescribeTable("types");
  ASSERT_TRUE(info.ok()) << info.status().message();
  ScanRequest request = Request("types", {});
  for (const auto& column : info->columns) request.columns.push_back(column.name);
  request.order_by = {{"id", false}};
  RowBatch rows = ReadAll(*source, request);
  ASSERT_EQ(rows.rows(), 3u);
  auto at = [&](size_t row, const std::string& column) {
    int index = info->ColumnIndex(column);
    EXPECT_GE(index, 0) << column;
    return rows.at(row, index);
  };
  EXPECT_EQ(at(0, "id"), Value(int32_t{1}));
  EXPECT_EQ(at(0, "flag"), Value(true));
  EXPECT_EQ(at(0, "yes"), Value(false));
  EXPECT_EQ(at(0, "ti"), Value(int32_t{-128}));
  EXPECT_EQ(at(0, "tiu"), Value(int32_t{255}));
  EXPECT_EQ(at(0, "si"), Value(int32_t{-32768}));
  EXPECT_EQ(at(0, "siu"), Value(int32_t{65535}));
  EXPECT_EQ(at(0, "mi"), Value(int32_t{-8388608}));
  EXPECT_EQ(at(0, "miu"), Value(int32_t{16777215}));
  EXPECT_EQ(at(0, "i"), Value(int32_t{-2147483647 - 1}));
  EXPECT_EQ(at(0, "iu"), Value(int64_t{4294967295}));
  EXPECT_EQ(at(0, "bi"), Value(std::numeric_limits<int64_t>::min()));
  EXPECT_EQ(at(0, "biu"), Value(Decimal{"18446744073709551615"}));
  EXPECT_EQ(at(0, "d65"), Value(Decimal{"12345678901234567890123456789012345.123456789012345678901234567890"}));
  EXPECT_EQ(at(0, "d10"), Value(Decimal{"-12.50"}));
  EXPECT_EQ(at(0, "f"), Value(1.5));
  ASSERT_TRUE(std::holds_alternative<double>(at(0, "dbl")));
  EXPECT_EQ(std::get<double>(at(0, "dbl")), 0.0);  // MariaDB stores -0.0 as 0 in a DOUBLE column
  EXPECT_EQ(at(0, "c"), Value(std::string("ab")));
  EXPECT_EQ(at(0, "vc"), Value(std::string("Gonçalves ✓ 😀")));
  EXPECT_EQ(at(0, "txt"), Value(std::string("")));
  EXPECT_EQ(at(0, "lat"), Value(std::string("é")));  // latin1 on disk, UTF-8 here
  EXPECT_EQ(at(0, "e"), Value(std::string("medium")));
  ASSERT_TRUE(std::holds_alternative<RawBson>(at(0, "s")));
  EXPECT_TRUE(std::get<RawBson>(at(0, "s")).is_array);
  EXPECT_EQ(RawBsonToJson(std::get<RawBson>(at(0, "s"))), R"([ "a", "c" ])");
  EXPECT_EQ(at(0, "dt"), Value(DateTime{981158400000}));
  EXPECT_EQ(at(0, "dtm"), Value(DateTime{981173106000}));
  EXPECT_EQ(at(0, "dtm6"), Value(DateTime{981173106789}));  // microseconds truncated to BSON milliseconds
  EXPECT_EQ(at(0, "ts"), Value(DateTime{1704103200000}));   // 2024-01-01T10:00:00Z, written at +02:00
  EXPECT_EQ(at(0, "tm"), Value(std::string("-838:59:59.500")));
  EXPECT_EQ(at(0, "y"), Value(int32_t{2024}));
  EXPECT_EQ(at(0, "bin"), Value(Binary{{0, 1, 2}, 0}));
  EXPECT_EQ(at(0, "vbin"), Value(Binary{{0xFF}, 0}));
  ASSERT_TRUE(std::holds_alternative<Binary>(at(0, "blb")));
  EXPECT_EQ(std::get<Binary>(at(0, "blb")).bytes, std::vector<uint8_t>(1 << 20, 0xAB));
  ASSERT_TRUE(std::holds_alternative<RawBson>(at(0, "j")));
  EXPECT_FALSE(std::get<RawBson>(at(0, "j")).is_array);
  EXPECT_EQ(RawBsonToJson(std::get<RawBson>(at(0, "j"))), R"({ "a" : [ 1, 2, { "b" : null } ], "c" : "ü" })");
  EXPECT_EQ(at(0, "b1"), Value(true));
  EXPECT_EQ(at(0, "b10"), Value(int64_t{10}));
  EXPECT_EQ(at(0, "b64"), Value(Decimal{"18446744073709551615"}));
  ASSERT_TRUE(std::holds_alternative<Binary>(at(0, "u")));
  EXPECT_EQ(std::get<Binary>(at(0, "u")).subtype, 4);
  EXPECT_EQ(std::get<Binary>(at(0, "u")).bytes.size(), 16u);
  EXPECT_EQ(at(0, "ip"), Value(std::string("::1")));  // the documented fallback: the server's text
  ASSERT_TRUE(std::holds_alternative<Binary>(at(0, "pt")));  // WKB with the SRID in front
  EXPECT_EQ(std::get<Binary>(at(0, "pt")).bytes.size(), 25u);

  EXPECT_EQ(at(1, "ti"), Value(int32_t{127}));
  EXPECT_EQ(at(1, "tiu"), Value(int32_t{0}));
  EXPECT_EQ(at(1, "si"), Value(int32_t{32767}));
  EXPECT_EQ(at(1, "mi"), Value(int32_t{8388607}));
  EXPECT_EQ(at(1, "i"), Value(int32_t{2147483647}));
  EXPECT_EQ(at(1, "iu"), Value(int64_t{0}));
  EXPECT_EQ(at(1, "bi"), Value(std::numeric_limits<int64_t>::max()));
  EXPECT_EQ(at(1, "biu"), Value(std::numeric_limits<int64_t>::max()));
  EXPECT_EQ(at(1, "vc"), Value(Null{}));  // NULL, beside row 1's empty string
  EXPECT_EQ(at(1, "dt"), Value(Null{}));  // zero dates
  EXPECT_EQ(at(1, "dtm"), Value(Null{}));
  ASSERT_TRUE(std::holds_alternative<RawBson>(at(1, "j")));
  EXPECT_TRUE(std::get<RawBson>(at(1, "j")).is_array);
  EXPECT_EQ(at(1, "b1"), Value(false));
  EXPECT_EQ(at(1, "y"), Value(int32_t{0}));
  EXPECT_EQ(RawBsonToJson(std::get<RawBson>(at(1, "s"))), "[  ]");
  for (size_t column = 1; column < rows.width(); ++column) EXPECT_EQ(rows.at(2, column), Value(Null{})) << column;
  EXPECT_EQ(MysqlSourceDecodeCounts(*source).zero_dates, 2u);
}

TEST_F(MysqlSourceTest, KeyFilterWithOneColumn) {
  auto source = OpenChinook();
  ScanRequest request = Request("Track", {"TrackId", "AlbumId"});
  request.key_filter = KeyFilter{{"AlbumId"}, {{Value(int32_t{1})}, {Value(int64_t{2})}, {Value(int32_t{-5})}}};
  request.order_by = {{"TrackId", false}};
  RowBatch rows = ReadAll(*source, request);
  ASSERT_EQ(rows.rows(), 11u);  // album 1 has 10 tracks, album 2 one
  EXPECT_EQ(rows.at(0, 0), Value(int32_t{1}));
  EXPECT_EQ(rows.at(10, 1), Value(int32_t{1}));
}

TEST_F(MysqlSourceTest, KeyFilterWithTextAndCompositeKeys) {
  auto source = OpenChinook();
  ScanRequest by_name = Request("Genre", {"GenreId", "Name"});
  by_name.key_filter = KeyFilter{{"Name"}, {{Value(std::string("Rock"))}, {Value(std::string("O'Brien\\ `x`"))}}};
  RowBatch genre = ReadAll(*source, by_name);
  ASSERT_EQ(genre.rows(), 1u);
  EXPECT_EQ(genre.at(0, 0), Value(int32_t{1}));

  ScanRequest pairs = Request("PlaylistTrack", {"PlaylistId", "TrackId"});
  pairs.key_filter = KeyFilter{{"PlaylistId", "TrackId"},
                               {{Value(int32_t{1}), Value(int32_t{3402})}, {Value(int32_t{1}), Value(int32_t{999999})},
                                {Value(int32_t{8}), Value(int32_t{3402})}}};
  pairs.order_by = {{"PlaylistId", false}};
  RowBatch rows = ReadAll(*source, pairs);
  ASSERT_EQ(rows.rows(), 2u);
  EXPECT_EQ(rows.at(0, 0), Value(int32_t{1}));
  EXPECT_EQ(rows.at(1, 0), Value(int32_t{8}));

  ScanRequest none = Request("Track", {"TrackId"});
  none.key_filter = KeyFilter{{"AlbumId"}, {}};
  EXPECT_EQ(ReadAll(*source, none).rows(), 0u);
}

TEST_F(MysqlSourceTest, WhereAndOrderBy) {
  auto source = OpenChinook();
  ScanRequest request = Request("Track", {"TrackId", "Milliseconds"});
  request.where = "Milliseconds > 2000000";
  request.order_by = {{"Milliseconds", true}, {"TrackId", false}};
  RowBatch rows = ReadAll(*source, request, 7);
  ASSERT_GT(rows.rows(), 10u);
  for (size_t row = 0; row < rows.rows(); ++row) {
    EXPECT_GT(std::get<int32_t>(rows.at(row, 1)), 2000000);
    if (row > 0) {
      EXPECT_GE(std::get<int32_t>(rows.at(row - 1, 1)), std::get<int32_t>(rows.at(row, 1)));
    }
  }
  ScanRequest broken = Request("Track", {"TrackId"});
  broken.where = "NoSuchColumn = 1";
  auto stream = source->Scan(broken);
  ASSERT_FALSE(stream.ok());
  EXPECT_NE(stream.status().message().find("NoSuchColumn"), std::string::npos) << stream.status().message();
  EXPECT_NE(stream.status().message().find("1054"), std::string::npos) << stream.status().message();
}

TEST_F(MysqlSourceTest, BatchBordersAndTheEnd) {
  auto source = OpenChinook();
  auto stream = source->Scan(Request("Genre", {"GenreId"}, "", {{"GenreId", false}}));
  ASSERT_TRUE(stream.ok());
  RowBatch batch;
  int32_t expected = 1;
  size_t batches = 0;
  while (true) {
    auto more = (*stream)->Next(&batch, 2);
    ASSERT_TRUE(more.ok()) << more.status().message();
    if (!more.value()) break;
    ++batches;
    for (size_t row = 0; row < batch.rows(); ++row) EXPECT_EQ(batch.at(row, 0), Value(expected++));
  }
  EXPECT_EQ(batches, 13u);  // 25 genres
  EXPECT_TRUE(batch.empty());
  auto again = (*stream)->Next(&batch, 2);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again.value());
}

TEST_F(MysqlSourceTest, WrongPasswordNamesTheUriButNotThePassword) {
  auto source = OpenMysqlSource(Env("S2M_TEST_MYSQL_URI"), SourceOptions{"not-the-password-42"});
  ASSERT_FALSE(source.ok());
  const std::string& message = source.status().message();
  EXPECT_EQ(source.status().code(), StatusCode::kSourceError);
  EXPECT_NE(message.find("1045"), std::string::npos) << message;
  EXPECT_NE(message.find("127.0.0.1"), std::string::npos) << message;
  EXPECT_EQ(message.find("not-the-password-42"), std::string::npos) << message;
  auto in_uri = OpenMysqlSource(UriFor("Chinook", "?password=uri-secret-7"), SourceOptions{"still-wrong"});
  ASSERT_FALSE(in_uri.ok());
  EXPECT_EQ(in_uri.status().message().find("uri-secret-7"), std::string::npos) << in_uri.status().message();
}

TEST_F(MysqlSourceTest, UnknownDatabase) {
  auto source = OpenMysqlSource(UriFor("s2m_test_no_such_db"), Password());
  ASSERT_FALSE(source.ok());
  EXPECT_NE(source.status().message().find("1049"), std::string::npos) << source.status().message();
  EXPECT_NE(source.status().message().find("s2m_test_no_such_db"), std::string::npos);
}

TEST_F(MysqlSourceTest, ServerDown) {
  auto source = OpenMysqlSource("mysql://sql2mongo@127.0.0.1:1/Chinook", Password());
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), StatusCode::kSourceError);
  EXPECT_NE(source.status().message().find("mysql://sql2mongo@127.0.0.1:1/Chinook"), std::string::npos)
      << source.status().message();
  EXPECT_NE(source.status().message().find("2002"), std::string::npos) << source.status().message();
}

// The connector's session reading `table`, seen from another session of the same user.
std::string StreamingSession(Admin& admin, const std::string& table) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string id = admin.One("SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT%FROM `" + table +
                               "`%' AND ID <> CONNECTION_ID()");
    if (!id.empty()) return id;
    usleep(20000);
  }
  return "";
}

// Kills the stream's session (`how` is "CONNECTION" or "QUERY") after the first batch; the stream must
// fail, not end early.
void ExpectCutStreamFails(Source& source, const std::string& how) {
  auto stream = source.Scan(Request("big", {"id", "payload"}));
  ASSERT_TRUE(stream.ok()) << stream.status().message();
  RowBatch batch;
  ASSERT_TRUE((*stream)->Next(&batch, 100).value());
  Admin admin;
  std::string id = StreamingSession(admin, "big");
  ASSERT_FALSE(id.empty());
  admin.Run("KILL " + how + " " + id);
  uint64_t rows = batch.rows();
  Result<bool> more = true;
  while (more.ok() && more.value()) {
    more = (*stream)->Next(&batch, 10000);
    rows += batch.rows();
  }
  ASSERT_FALSE(more.ok()) << "read " << rows << " rows and ended without an error";
  EXPECT_LT(rows, 300000u);
  EXPECT_NE(more.status().message().find("big"), std::string::npos) << more.status().message();
  std::cerr << "  KILL " << how << " -> " << more.status().message() << "\n";
}

TEST_F(MysqlSourceTest, ConnectionKilledMidTableIsAnError) {
  auto source = OpenScratch();
  ASSERT_TRUE(source);
  ExpectCutStreamFails(*source, "CONNECTION");
  // The source stays usable: the next scan opens a fresh connection.
  EXPECT_EQ(ReadAll(*source, Request("big", {"id"}, "id <= 5")).rows(), 5u);
}

TEST_F(MysqlSourceTest, QueryKilledMidTableIsAnError) {
  auto source = OpenScratch();
  ASSERT_TRUE(source);
  ExpectCutStreamFails(*source, "QUERY");
}

TEST_F(MysqlSourceTest, AbandonedStreamDoesNotBlockTheNextScan) {
  auto source = OpenScratch();
  ASSERT_TRUE(source);
  {
    auto stream = source->Scan(Request("big", {"id", "payload"}));
    ASSERT_TRUE(stream.ok());
    RowBatch batch;
    ASSERT_TRUE((*stream)->Next(&batch, 10).value());
  }
  EXPECT_EQ(ReadAll(*source, Request("big", {"id"}, "id <= 3")).rows(), 3u);
}

// Two streams open at once inside one snapshot, while another session commits between them: neither
// sees the commit; after EndSnapshot a new scan does.
void ExpectOneSnapshot(Source& source, const std::string& database) {
  Admin admin;
  admin.Run("USE " + database);
  admin.Run("DROP TABLE IF EXISTS parent, child");
  admin.Run("CREATE TABLE parent (id INT PRIMARY KEY, name VARCHAR(20))");
  admin.Run("CREATE TABLE child (id INT PRIMARY KEY, parent_id INT, KEY (parent_id))");
  admin.Run("INSERT INTO parent SELECT seq, CONCAT('p', seq) FROM seq_1_to_5000");
  admin.Run("INSERT INTO child SELECT seq, seq FROM seq_1_to_5000");

  ASSERT_TRUE(source.BeginSnapshot().ok());
  ScanRequest parents = Request("parent", {"id", "name"});
  parents.order_by = {{"id", false}};
  auto root = source.Scan(parents);
  ASSERT_TRUE(root.ok()) << root.status().message();
  RowBatch batch;
  ASSERT_TRUE((*root)->Next(&batch, 100).value());

  admin.Run("INSERT INTO child VALUES (100001, 1)");
  admin.Run("UPDATE parent SET name = 'changed' WHERE id = 4000");
  admin.Run("INSERT INTO parent VALUES (100001, 'late')");

  ScanRequest children = Request("child", {"id", "parent_id"});
  children.key_filter = KeyFilter{{"parent_id"}, {{Value(int32_t{1})}}};
  RowBatch child_rows = ReadAll(source, children);  // while the root stream is still open
  EXPECT_EQ(child_rows.rows(), 1u);

  RowBatch rest = ReadAll(**root, 1000);
  EXPECT_EQ(batch.rows() + rest.rows(), 5000u);
  for (size_t row = 0; row < rest.rows(); ++row) {
    if (rest.at(row, 0) == Value(int32_t{4000})) {
      EXPECT_EQ(rest.at(row, 1), Value(std::string("p4000")));
    }
  }
  root->reset();
  ASSERT_TRUE(source.EndSnapshot().ok());
  EXPECT_EQ(ReadAll(source, children).rows(), 2u);
}

TEST_F(MysqlSourceTest, TwoOpenStreamsShareOneSnapshotWithFlushLock) {
  auto source = OpenScratch();
  ASSERT_TRUE(source);
  ExpectOneSnapshot(*source, ScratchDatabase());
}

TEST_F(MysqlSourceTest, TwoOpenStreamsShareOneSnapshotWithoutFlushLock) {
  auto source = OpenScratch("?snapshot=single");
  ASSERT_TRUE(source);
  ExpectOneSnapshot(*source, ScratchDatabase());
}

TEST_F(MysqlSourceTest, KeysetPagesReadEveryRowOnceInOrder) {
  auto source = Open(UriFor("Chinook", "?snapshot=single"));
  ASSERT_TRUE(source);
  ASSERT_TRUE(source->BeginSnapshot().ok());
  ScanRequest request = Request("PlaylistTrack", {"TrackId"});  // composite key, partly not requested
  request.order_by = {{"PlaylistId", true}, {"TrackId", true}};
  RowBatch rows = ReadAll(*source, request, 1000);
  EXPECT_EQ(rows.rows(), 8715u);
  EXPECT_EQ(rows.width(), 1u);
  ScanRequest tracks = Request("Track", {"Name", "TrackId"});
  RowBatch all = ReadAll(*source, tracks, 500);
  ASSERT_EQ(all.rows(), 3503u);
  for (size_t row = 0; row < all.rows(); ++row) EXPECT_EQ(all.at(row, 1), Value(static_cast<int32_t>(row + 1)));
  EXPECT_TRUE(source->EndSnapshot().ok());
}

ScanRequest RangeRequest(const std::string& table, std::vector<std::string> columns, std::optional<int64_t> low,
                         std::optional<int64_t> high) {
  ScanRequest request = Request(table, std::move(columns));
  request.range = testing::IntegerKeyRange("id", low, high);
  return request;
}

// Ids -20, -17, ..., 2977 (1000 rows, some negative), so no range bound falls on a round number of rows.
void CreateRangedTable(Admin& admin, const std::string& table) {
  admin.Run("USE " + ScratchDatabase());
  admin.Run("DROP TABLE IF EXISTS " + table);
  admin.Run("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, name VARCHAR(20))");
  admin.Run("INSERT INTO " + table + " SELECT CAST(seq AS SIGNED) * 3 - 23, CONCAT('r', seq) FROM seq_1_to_1000");
}

// Reads an open-low, a middle and an open-high range and checks they cover the table once, each row in
// its own range.
void ExpectRangesCoverTableOnce(Source& source, const std::string& table) {
  const std::vector<std::pair<std::optional<int64_t>, std::optional<int64_t>>> ranges = {
      {std::nullopt, 400}, {400, 1601}, {1601, std::nullopt}};
  std::set<int64_t> seen;
  size_t rows = 0;
  for (const auto& [low, high] : ranges) {
    RowBatch batch = ReadAll(source, RangeRequest(table, {"id", "name"}, low, high), 64);
    EXPECT_GT(batch.rows(), 64u);  // several batches (and several keyset pages in mode (b))
    for (size_t row = 0; row < batch.rows(); ++row) {
      int64_t id = std::get<int64_t>(batch.at(row, 0));
      if (low) {
        EXPECT_GE(id, *low);
      }
      if (high) {
        EXPECT_LT(id, *high);
      }
      EXPECT_TRUE(seen.insert(id).second) << "id " << id << " read twice";
    }
    rows += batch.rows();
  }
  EXPECT_EQ(rows, 1000u);
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_EQ(*seen.begin(), -20);
  EXPECT_EQ(*seen.rbegin(), 2977);
}

TEST_F(MysqlSourceTest, KeyRangesCoverTheTableOnce) {
  Admin admin;
  CreateRangedTable(admin, "ranged");
  auto source = OpenScratch();
  ASSERT_TRUE(source);
  ExpectRangesCoverTableOnce(*source, "ranged");
  // A range is one more condition beside the mapping's "where".
  ScanRequest filtered = RangeRequest("ranged", {"id"}, 100, 1001);
  filtered.where = "id % 2 = 0";
  RowBatch even = ReadAll(*source, filtered, 1000);
  EXPECT_EQ(even.rows(), 151u);  // ids in [100, 1001) are 1 mod 3; the even ones are 100, 106, ..., 1000
}

void CreateSplitTables(Admin& admin) {
  admin.Run("USE " + ScratchDatabase());
  admin.Run("DROP TABLE IF EXISTS pair, word, num");
  // A composite (int, text) key, a text key in the column's collation (utf8mb4, case-insensitive), an int key.
  admin.Run("CREATE TABLE pair (a INT, b VARCHAR(20), PRIMARY KEY (a, b))");
  admin.Run("INSERT INTO pair SELECT seq % 9, CONCAT(IF(seq % 2 = 0, 'x', 'Y'), seq) FROM seq_1_to_2000");
  admin.Run("CREATE TABLE word (w VARCHAR(20) PRIMARY KEY)");
  admin.Run("INSERT INTO word SELECT CONCAT(ELT(1 + seq % 3, 'b', 'C', 'a'), seq, IF(seq % 7 = 0, '\\\\', '')) FROM seq_1_to_1500");
  admin.Run("CREATE TABLE num (id INT PRIMARY KEY)");
  admin.Run("INSERT INTO num SELECT CAST(seq AS SIGNED) * 3 - 300 FROM seq_1_to_1000");
}

TEST_F(MysqlSourceTest, KeySplitPointsCutCompositeTextAndIntegerKeys) {
  Admin admin;
  CreateSplitTables(admin);
  for (const std::string query : {"", "?snapshot=single"}) {  // streamed, and in keyset pages
    SCOPED_TRACE(query);
    auto source = OpenScratch(query);
    ASSERT_TRUE(source);
    ASSERT_TRUE(source->BeginSnapshot().ok());
    testing::ExpectKeyRangesFromSplitPointsCoverTheTable(*source, "pair", {"a", "b"}, 4);
    // Some words end in a backslash: the bounds' literals must read back whatever the sql_mode.
    testing::ExpectKeyRangesFromSplitPointsCoverTheTable(*source, "word", {"w"}, 3);
    testing::ExpectKeyRangesFromSplitPointsCoverTheTable(*source, "num", {"id"}, 3);
    auto points = source->KeySplitPoints("num", {"id"}, 2, "");
    ASSERT_TRUE(points.ok() && points->size() == 1) << points.status().message();
    EXPECT_EQ((*points)[0][0], Value(int32_t{1202}));  // -297 + (2700 - -297 + 1) / 2
    ASSERT_TRUE(source->EndSnapshot().ok());
  }
}

TEST_F(MysqlSourceTest, KeyRangesCoverTheTableOnceInKeysetPages) {
  Admin admin;
  CreateRangedTable(admin, "ranged_paged");
  auto source = OpenScratch("?snapshot=single");
  ASSERT_TRUE(source);
  ASSERT_TRUE(source->BeginSnapshot().ok());
  ExpectRangesCoverTableOnce(*source, "ranged_paged");
  EXPECT_TRUE(source->EndSnapshot().ok());
}

TEST_F(MysqlSourceTest, IntegerKeyBounds) {
  auto source = OpenChinook();
  ASSERT_TRUE(source);
  auto track = source->IntegerKeyBounds("Track", "TrackId");
  ASSERT_TRUE(track.ok()) << track.status().message();
  ASSERT_TRUE(track->has_value());
  EXPECT_EQ(**track, std::make_pair(int64_t{1}, int64_t{3503}));

  auto name = source->IntegerKeyBounds("Track", "Name");
  ASSERT_FALSE(name.ok());
  EXPECT_EQ(name.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(name.status().message().find("Name"), std::string::npos) << name.status().message();

  ASSERT_TRUE(source->BeginSnapshot().ok());  // inside the snapshot too
  auto inside = source->IntegerKeyBounds("track", "trackid");
  ASSERT_TRUE(inside.ok()) << inside.status().message();
  EXPECT_EQ(**inside, std::make_pair(int64_t{1}, int64_t{3503}));
  EXPECT_TRUE(source->EndSnapshot().ok());

  Admin admin;
  admin.Run("USE " + ScratchDatabase());
  admin.Run("DROP TABLE IF EXISTS empty_keys");
  admin.Run("CREATE TABLE empty_keys (id BIGINT UNSIGNED PRIMARY KEY)");
  auto scratch = OpenScratch();
  ASSERT_TRUE(scratch);
  auto empty = scratch->IntegerKeyBounds("empty_keys", "id");
  ASSERT_TRUE(empty.ok()) << empty.status().message();
  EXPECT_FALSE(empty->has_value());
}

TEST_F(MysqlSourceTest, ParallelReadersNeedASharedSnapshot) {
  auto one = OpenScratch("", 1);  // snapshot_readers = 1: no reader besides the source
  ASSERT_TRUE(one);
  EXPECT_EQ(one->OpenSnapshotReader().status().code(), StatusCode::kUnsupported);  // before BeginSnapshot
  ASSERT_TRUE(one->BeginSnapshot().ok());
  auto none = one->OpenSnapshotReader();
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kUnsupported);
  EXPECT_TRUE(one->EndSnapshot().ok());

  auto single = OpenScratch("?snapshot=single", 4);
  ASSERT_TRUE(single);
  ASSERT_TRUE(single->BeginSnapshot().ok());
  auto refused = single->OpenSnapshotReader();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(refused.status().message().find("one connection"), std::string::npos) << refused.status().message();
  EXPECT_TRUE(single->EndSnapshot().ok());
}

// snapshot_readers = 2: the source and one OpenSnapshotReader() read two ranges on two threads at once,
// with their embed-style key-filter scans, while another session commits; neither sees the commits.
TEST_F(MysqlSourceTest, TwoReadersReadDisjointRangesOfOneSnapshotAtOnce) {
  Admin admin;
  admin.Run("USE " + ScratchDatabase());
  admin.Run("DROP TABLE IF EXISTS par_parent, par_child");
  admin.Run("CREATE TABLE par_parent (id INT PRIMARY KEY, name VARCHAR(20))");
  admin.Run("CREATE TABLE par_child (id INT PRIMARY KEY, parent_id INT, KEY (parent_id))");
  admin.Run("INSERT INTO par_parent SELECT seq, CONCAT('p', seq) FROM seq_1_to_20000");
  admin.Run("INSERT INTO par_child SELECT seq, seq FROM seq_1_to_20000");

  auto source = OpenScratch("", 2);
  ASSERT_TRUE(source);
  ASSERT_TRUE(source->BeginSnapshot().ok());
  auto bounds = source->IntegerKeyBounds("par_parent", "id");
  ASSERT_TRUE(bounds.ok() && bounds->has_value());
  auto opened = source->OpenSnapshotReader();
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  std::unique_ptr<Source> reader = std::move(opened).value();
  auto third = source->OpenSnapshotReader();  // the source and one reader are the 2 asked for
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(third.status().message().find("2 reader"), std::string::npos) << third.status().message();

  // Committed after the snapshot began, before either reader has read a row.
  admin.Run("UPDATE par_parent SET name = 'early' WHERE id IN (10, 19990)");
  admin.Run("INSERT INTO par_parent VALUES (0, 'early'), (30000, 'early')");

  struct Read {
    std::vector<int32_t> ids;
    std::vector<std::string> names;
    size_t children = 0;
    std::string error;
  };
  const int32_t split = 10001;
  std::latch first_batches(2), committed(1);
  auto read_range = [&](Source* from, std::optional<int64_t> low, std::optional<int64_t> high, Read* out) {
    ScanRequest request = Request("par_parent", {"id", "name"});
    request.range = testing::IntegerKeyRange("id", low, high);
    auto stream = from->Scan(request);
    bool waited = false;
    auto wait_once = [&] {
      if (waited) return;
      waited = true;
      first_batches.count_down();
      committed.wait();
    };
    if (!stream.ok()) {
      out->error = stream.status().message();
      wait_once();
      return;
    }
    RowBatch batch;
    while (true) {
      auto more = (*stream)->Next(&batch, 500);
      if (!more.ok()) {
        out->error = more.status().message();
        break;
      }
      if (!more.value()) break;
      KeyFilter filter{{"parent_id"}, {}};
      for (size_t row = 0; row < batch.rows(); ++row) {
        out->ids.push_back(std::get<int32_t>(batch.at(row, 0)));
        out->names.push_back(std::get<std::string>(batch.at(row, 1)));
        filter.keys.push_back({batch.at(row, 0)});
      }
      // An embed scan on the same reader while its root stream is open, as the pipeline does.
      ScanRequest children = Request("par_child", {"id"});
      children.key_filter = filter;
      auto child_stream = from->Scan(children);
      if (!child_stream.ok()) {
        out->error = child_stream.status().message();
        break;
      }
      RowBatch child_batch;
      while (true) {
        auto child_more = (*child_stream)->Next(&child_batch, 1000);
        if (!child_more.ok()) out->error = child_more.status().message();
        if (!child_more.ok() || !child_more.value()) break;
        out->children += child_batch.rows();
      }
      wait_once();
    }
    wait_once();
  };
  Read low_half, high_half;
  std::thread first(read_range, source.get(), std::nullopt, split, &low_half);
  std::thread second(read_range, reader.get(), split, std::nullopt, &high_half);
  first_batches.wait();
  // Committed while both streams are open. The threads must be joined whatever happens here.
  std::string commit_error;
  try {
    admin.Run("UPDATE par_parent SET name = 'late' WHERE id IN (20, 19980)");
    admin.Run("INSERT INTO par_parent VALUES (-5, 'late'), (25000, 'late'), (40000, 'late')");
    admin.Run("INSERT INTO par_child VALUES (30001, 30), (30002, 19970)");
    admin.Run("DELETE FROM par_parent WHERE id IN (30, 19970)");
  } catch (const sql::SQLException& e) {
    commit_error = e.what();
  }
  committed.count_down();
  first.join();
  second.join();
  ASSERT_EQ(commit_error, "");
  EXPECT_EQ(low_half.error, "");
  EXPECT_EQ(high_half.error, "");

  EXPECT_EQ(low_half.ids.size(), 10000u);
  EXPECT_EQ(high_half.ids.size(), 10000u);
  EXPECT_EQ(low_half.children + high_half.children, 20000u);
  std::set<int32_t> ids;
  for (const Read* half : {&low_half, &high_half}) {
    for (size_t i = 0; i < half->ids.size(); ++i) {
      EXPECT_TRUE(ids.insert(half->ids[i]).second) << "id " << half->ids[i] << " read twice";
      EXPECT_EQ(half->names[i], "p" + std::to_string(half->ids[i]));
    }
  }
  for (int32_t id : low_half.ids) EXPECT_LT(id, split);
  for (int32_t id : high_half.ids) EXPECT_GE(id, split);
  ASSERT_EQ(ids.size(), 20000u);
  EXPECT_EQ(*ids.begin(), 1);
  EXPECT_EQ(*ids.rbegin(), 20000);

  reader.reset();  // before EndSnapshot, as the pipeline does
  ASSERT_TRUE(source->EndSnapshot().ok());
  EXPECT_EQ(ReadAll(*source, Request("par_parent", {"id"}), 5000).rows(), 20000u + 5u - 2u);
}

TEST_F(MysqlSourceTest, CountsRowsPerKeyTypesExpressionsAndFlagsViews) {
  Admin admin;
  admin.Run("USE " + ScratchDatabase());
  admin.Run("DROP VIEW IF EXISTS counted_view");
  admin.Run("DROP TABLE IF EXISTS counted");
  admin.Run("CREATE TABLE counted (id INT PRIMARY KEY, k VARCHAR(10))");
  admin.Run(std::string("INSERT INTO counted VALUES ") + testing::kRowCountTableRows);
  admin.Run("CREATE VIEW counted_view AS SELECT id, k FROM counted WHERE k = 'a'");
  auto source = OpenScratch();
  ASSERT_TRUE(source);
  testing::ExpectRowCountsAndViews(*source, "counted", "counted_view");
  auto money = source->DescribeExpression("counted", "CAST(id AS DECIMAL(10,2))");
  ASSERT_TRUE(money.ok()) << money.status().message();
  EXPECT_EQ(money->declared_type, "DECIMAL");
  EXPECT_TRUE(money->yields.decimal);
}

}  // namespace
}  // namespace sql2mongo
