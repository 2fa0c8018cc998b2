// The SQL text of every scan shape, per dialect (src/sql/): what each source sends, asserted without a
// server. The catalog here is test data standing in for a connector's: the tables and the casts and
// compare functions its catalog gives their columns.
#include <gtest/gtest.h>

#include <map>

#include "sql/key_split_points.h"
#include "sql/scan_sql.h"

namespace sql2mongo {
namespace {

// Tables as a connector's catalog would describe them for `dialect`: Track (TrackId, Name, AlbumId
// nullable, Added a date), Album (AlbumId), PlaylistTrack (PlaylistId, TrackId).
class ChinookLikeCatalog : public ScanCatalog {
 public:
  explicit ChinookLikeCatalog(const SqlDialect& dialect) : dialect_(dialect) {
    const bool postgres = &dialect == &PostgresDialect();
    auto column = [&](std::string name, std::string type, bool nullable) {
      SqlColumn c;
      c.name = std::move(name);
      c.nullable = nullable;
      if (postgres) {
        c.literal_cast = "::" + type;
        c.bound_cast = type == "integer" ? "::int8" : c.literal_cast;
      }
      if (&dialect == &SqliteDialect() && type == "timestamp") c.compare_function = "julianday";
      return c;
    };
    std::string schema = postgres ? "\"public\"." : "";
    tables_["Track"] = {schema + dialect.QuoteIdentifier("Track"),
                        {column("TrackId", "integer", false), column("Name", "text", false),
                         column("AlbumId", "integer", true), column("Added", "timestamp", true)}};
    if (postgres) tables_["Track"].second[1].read_cast = "::text";  // as a type read through its text
    tables_["Album"] = {schema + dialect.QuoteIdentifier("Album"), {column("AlbumId", "integer", false)}};
    tables_["PlaylistTrack"] = {schema + dialect.QuoteIdentifier("PlaylistTrack"),
                                {column("PlaylistId", "integer", false), column("TrackId", "integer", false)}};
  }

  Result<std::string> TableSql(const std::string& table) override {
    auto found = tables_.find(table);
    if (found == tables_.end()) return Status::Error(StatusCode::kNotFound, "no table '" + table + "'");
    return found->second.first;
  }
  Result<SqlColumn> Column(const std::string& table, const std::string& column) override {
    auto found = tables_.find(table);
    if (found == tables_.end()) return Status::Error(StatusCode::kNotFound, "no table '" + table + "'");
    for (const SqlColumn& c : found->second.second)
      if (c.name == column) return c;
    return Status::Error(StatusCode::kNotFound, "no column '" + column + "' in table '" + table + "'");
  }
  Result<std::string> ExpressionCast(const std::string& table, const std::string& expression) override {
    return std::string(&dialect_ == &PostgresDialect() ? "::numeric" : "");
  }

 private:
  const SqlDialect& dialect_;
  std::map<std::string, std::pair<std::string, std::vector<SqlColumn>>> tables_;
};

std::string SelectOf(const SqlDialect& dialect, const ScanRequest& request) {
  ChinookLikeCatalog catalog(dialect);
  Result<ScanSql> sql = BuildScanSql(dialect, catalog, request);
  EXPECT_TRUE(sql.ok()) << sql.status().message();
  return sql.ok() ? dialect.ScanStatement(sql->Select(dialect)) : "";
}

TEST(ScanSql, ColumnsExpressionsWhereAndOrderPerDialect) {
  ScanRequest request{"Track", {"TrackId", "Name", "minutes"}, "Milliseconds > 0"};
  request.expressions = {{"minutes", "Milliseconds / 60000.0"}};
  request.order_by = {{"AlbumId"}, {"Added", true}};
  EXPECT_EQ(SelectOf(SqliteDialect(), request),
            "SELECT \"TrackId\", \"Name\", (Milliseconds / 60000.0) AS \"minutes\" FROM \"Track\" "
            "WHERE (Milliseconds > 0) ORDER BY \"AlbumId\", julianday(\"Added\") DESC");
  EXPECT_EQ(SelectOf(PostgresDialect(), request),
            "COPY (SELECT \"TrackId\", \"Name\"::text, (Milliseconds / 60000.0)::numeric AS \"minutes\" "
            "FROM \"public\".\"Track\" WHERE (Milliseconds > 0) ORDER BY \"AlbumId\", \"Added\" DESC) "
            "TO STDOUT (FORMAT binary)");
  EXPECT_EQ(SelectOf(MysqlDialect(), request),
            "SELECT `TrackId`, `Name`, (Milliseconds / 60000.0) AS `minutes` FROM `Track` "
            "WHERE (Milliseconds > 0) ORDER BY `AlbumId`, `Added` DESC");
}

TEST(ScanSql, NoColumnsSelectsOne) {
  EXPECT_EQ(SelectOf(MysqlDialect(), ScanRequest{"Album", {}}), "SELECT 1 FROM `Album`");
}

// Soft deletes: a flagged row is left out; NULL counts as not deleted.
TEST(ScanSql, DeletedFlagLeavesFlaggedRowsOut) {
  ScanRequest request{"Track", {"TrackId"}, "Milliseconds > 0"};
  request.deleted_flag = "AlbumId";
  EXPECT_EQ(SelectOf(SqliteDialect(), request),
            "SELECT \"TrackId\" FROM \"Track\" WHERE (Milliseconds > 0) AND (\"AlbumId\" IS NULL OR NOT \"AlbumId\")");
  EXPECT_EQ(SelectOf(MysqlDialect(), request),
            "SELECT `TrackId` FROM `Track` WHERE (Milliseconds > 0) AND (`AlbumId` IS NULL OR NOT `AlbumId`)");
  request.deleted_flag = "NoSuchColumn";
  ChinookLikeCatalog catalog(SqliteDialect());
  EXPECT_FALSE(BuildScanSql(SqliteDialect(), catalog, request).ok());
}

TEST(ScanSql, KeyFilterOnOneColumn) {
  ScanRequest request{"Track", {"TrackId"}};
  request.key_filter = KeyFilter{{"AlbumId"}, {{Value(int32_t{1})}, {Value(int64_t{2})}}};
  EXPECT_EQ(SelectOf(SqliteDialect(), request), "SELECT \"TrackId\" FROM \"Track\" WHERE \"AlbumId\" IN (1, 2)");
  EXPECT_EQ(SelectOf(PostgresDialect(), request),
            "COPY (SELECT \"TrackId\" FROM \"public\".\"Track\" WHERE \"AlbumId\" IN ('1'::integer, '2'::integer)) "
            "TO STDOUT (FORMAT binary)");
  EXPECT_EQ(SelectOf(MysqlDialect(), request), "SELECT `TrackId` FROM `Track` WHERE `AlbumId` IN (1, 2)");
}

TEST(ScanSql, KeyFilterOnTwoColumnsAndOnDates) {
  ScanRequest request{"Track", {"TrackId"}};
  request.key_filter = KeyFilter{{"Name", "Added"},
                                 {{Value(std::string("it's")), Value(DateTime{86400000})},
                                  {Value(std::string("b")), Value(Null{})}}};
  EXPECT_EQ(SelectOf(SqliteDialect(), request),
            "SELECT \"TrackId\" FROM \"Track\" WHERE (\"Name\", julianday(\"Added\")) IN (VALUES "
            "('it''s', julianday('1970-01-02 00:00:00.000')), ('b', julianday(NULL)))");
  EXPECT_EQ(SelectOf(PostgresDialect(), request),
            "COPY (SELECT \"TrackId\" FROM \"public\".\"Track\" WHERE (\"Name\", \"Added\") IN (VALUES "
            "('it''s'::text, '1970-01-02 00:00:00.000+00'::timestamp), ('b'::text, NULL::timestamp))) "
            "TO STDOUT (FORMAT binary)");
  EXPECT_EQ(SelectOf(MysqlDialect(), request),
            "SELECT `TrackId` FROM `Track` WHERE (`Name`, `Added`) IN "
            "(('it''s', '1970-01-02 00:00:00.000'), ('b', NULL))");
}

TEST(ScanSql, EmptyKeyFilterMatchesNothing) {
  ScanRequest request{"Album", {"AlbumId"}};
  request.key_filter = KeyFilter{{"AlbumId"}, {}};
  EXPECT_EQ(SelectOf(SqliteDialect(), request), "SELECT \"AlbumId\" FROM \"Album\" WHERE 0");
  EXPECT_EQ(SelectOf(PostgresDialect(), request),
            "COPY (SELECT \"AlbumId\" FROM \"public\".\"Album\" WHERE false) TO STDOUT (FORMAT binary)");
  EXPECT_EQ(SelectOf(MysqlDialect(), request), "SELECT `AlbumId` FROM `Album` WHERE FALSE");
}

TEST(ScanSql, KeyFilterWithAKeyOfTheWrongWidthIsAnInternalError) {
  ChinookLikeCatalog catalog(SqliteDialect());
  ScanRequest request{"Album", {"AlbumId"}};
  request.key_filter = KeyFilter{{"AlbumId"}, {{Value(1), Value(2)}}};
  EXPECT_EQ(BuildScanSql(SqliteDialect(), catalog, request).status().code(), StatusCode::kInternal);
}

TEST(ScanSql, MissingParentIsAnAntiJoinOnTheAliasedParent) {
  ScanRequest request{"Track", {"TrackId"}};
  request.missing_parent = MissingParentFilter{{"AlbumId"}, "Album", {"AlbumId"}};
  EXPECT_EQ(SelectOf(SqliteDialect(), request),
            "SELECT \"TrackId\" FROM \"Track\" WHERE \"Track\".\"AlbumId\" IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM \"Album\" AS s2m_parent WHERE s2m_parent.\"AlbumId\" = \"Track\".\"AlbumId\")");
  EXPECT_EQ(SelectOf(PostgresDialect(), request),
            "COPY (SELECT \"TrackId\" FROM \"public\".\"Track\" WHERE \"public\".\"Track\".\"AlbumId\" IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM \"public\".\"Album\" AS s2m_parent WHERE s2m_parent.\"AlbumId\" = "
            "\"public\".\"Track\".\"AlbumId\")) TO STDOUT (FORMAT binary)");
  EXPECT_EQ(SelectOf(MysqlDialect(), request),
            "SELECT `TrackId` FROM `Track` WHERE `Track`.`AlbumId` IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM `Album` AS s2m_parent WHERE s2m_parent.`AlbumId` = `Track`.`AlbumId`)");
}

TEST(ScanSql, IntegerKeyRange) {
  ScanRequest request{"Track", {"TrackId"}};
  request.range = KeyRange{{"TrackId"}, {Value(10)}, true, {Value(int64_t{20})}};
  EXPECT_EQ(SelectOf(SqliteDialect(), request), "SELECT \"TrackId\" FROM \"Track\" WHERE \"TrackId\" >= 10 AND \"TrackId\" < 20");
  // int8 bounds: the index serves them whatever the key's integer width, and no bound overflows it.
  EXPECT_EQ(SelectOf(PostgresDialect(), request),
            "COPY (SELECT \"TrackId\" FROM \"public\".\"Track\" WHERE \"TrackId\" >= '10'::int8 AND "
            "\"TrackId\" < '20'::int8) TO STDOUT (FORMAT binary)");
  request.range = KeyRange{{"AlbumId"}, {}, true, {Value(5)}};  // nullable: the range open below takes the NULLs
  EXPECT_EQ(SelectOf(MysqlDialect(), request),
            "SELECT `TrackId` FROM `Track` WHERE (`AlbumId` < 5 OR `AlbumId` IS NULL)");
  request.range = KeyRange{{"AlbumId"}, {Value(5)}, true, {}};  // ... and no range with a low bound does
  EXPECT_EQ(SelectOf(MysqlDialect(), request),
            "SELECT `TrackId` FROM `Track` WHERE `AlbumId` IS NOT NULL AND `AlbumId` >= 5");
  request.range = KeyRange{{"TrackId"}, {}, true, {}};
  EXPECT_EQ(SelectOf(MysqlDialect(), request), "SELECT `TrackId` FROM `Track`");
}

// The children of a batch of parents whose keys run from 3 to 9: one index range scan on the foreign key,
// the high bound included, grouped by it and then in the embed's order.
TEST(ScanSql, ChildrenOfAParentKeyRangeWithTheHighBoundIncluded) {
  ScanRequest request{"Track", {"TrackId", "Name"}};
  KeyRange range{{"AlbumId"}, {Value(3)}, true, {Value(int64_t{9})}};
  range.high_inclusive = true;
  request.range = range;
  request.order_by = {OrderTerm{"AlbumId", false}, OrderTerm{"Name", false}};
  EXPECT_EQ(SelectOf(SqliteDialect(), request),
            "SELECT \"TrackId\", \"Name\" FROM \"Track\" WHERE \"AlbumId\" IS NOT NULL AND \"AlbumId\" >= 3 AND "
            "\"AlbumId\" <= 9 ORDER BY \"AlbumId\", \"Name\"");
  EXPECT_EQ(SelectOf(PostgresDialect(), request),
            "COPY (SELECT \"TrackId\", \"Name\"::text FROM \"public\".\"Track\" WHERE \"AlbumId\" IS NOT NULL AND "
            "\"AlbumId\" >= '3'::int8 AND \"AlbumId\" <= '9'::int8 ORDER BY \"AlbumId\", \"Name\") TO STDOUT (FORMAT binary)");
  EXPECT_EQ(SelectOf(MysqlDialect(), request),
            "SELECT `TrackId`, `Name` FROM `Track` WHERE `AlbumId` IS NOT NULL AND `AlbumId` >= 3 AND `AlbumId` <= 9 "
            "ORDER BY `AlbumId`, `Name`");
  // Composite: the expanded MySQL form keeps the inclusive comparison on the last column only.
  ScanRequest pairs{"PlaylistTrack", {"TrackId"}};
  KeyRange composite{{"PlaylistId", "TrackId"}, {Value(1), Value(2)}, true, {Value(4), Value(5)}};
  composite.high_inclusive = true;
  pairs.range = composite;
  EXPECT_EQ(SelectOf(SqliteDialect(), pairs),
            "SELECT \"TrackId\" FROM \"PlaylistTrack\" WHERE (\"PlaylistId\", \"TrackId\") >= (1, 2) AND "
            "(\"PlaylistId\", \"TrackId\") <= (4, 5)");
  EXPECT_EQ(SelectOf(MysqlDialect(), pairs),
            "SELECT `TrackId` FROM `PlaylistTrack` WHERE (`PlaylistId` >= 1 AND ((`PlaylistId` > 1) OR "
            "(`PlaylistId` = 1 AND `TrackId` >= 2))) AND (`PlaylistId` <= 4 AND ((`PlaylistId` < 4) OR "
            "(`PlaylistId` = 4 AND `TrackId` <= 5)))");
}

// The grandchild stream of the merge join: the rows of PlaylistTrack joined to their Track, carrying the
// Track's AlbumId, bounded and ordered by it first; every column qualified (both tables have TrackId).
TEST(ScanSql, RowsJoinedToTheirParentCarryTheParentsKey) {
  ScanRequest request{"PlaylistTrack", {"PlaylistId", "TrackId", "s2m_root_key"}};
  request.parent_join = ParentJoin{"Track", {"TrackId"}, {"TrackId"}, "AlbumId", "s2m_root_key"};
  KeyRange range{{"s2m_root_key"}, {Value(3)}, true, {Value(int64_t{9})}};
  range.high_inclusive = true;
  request.range = range;
  request.order_by = {OrderTerm{"s2m_root_key", false}, OrderTerm{"TrackId", false}, OrderTerm{"PlaylistId", true}};
  EXPECT_EQ(SelectOf(SqliteDialect(), request),
            "SELECT \"PlaylistTrack\".\"PlaylistId\", \"PlaylistTrack\".\"TrackId\", s2m_parent.\"AlbumId\" AS "
            "\"s2m_root_key\" FROM \"PlaylistTrack\" JOIN \"Track\" AS s2m_parent ON s2m_parent.\"TrackId\" = "
            "\"PlaylistTrack\".\"TrackId\" WHERE s2m_parent.\"AlbumId\" IS NOT NULL AND s2m_parent.\"AlbumId\" >= 3 "
            "AND s2m_parent.\"AlbumId\" <= 9 ORDER BY s2m_parent.\"AlbumId\", \"PlaylistTrack\".\"TrackId\", "
            "\"PlaylistTrack\".\"PlaylistId\" DESC");
  EXPECT_EQ(SelectOf(PostgresDialect(), request),
            "COPY (SELECT \"public\".\"PlaylistTrack\".\"PlaylistId\", \"public\".\"PlaylistTrack\".\"TrackId\", "
            "s2m_parent.\"AlbumId\" AS \"s2m_root_key\" FROM \"public\".\"PlaylistTrack\" JOIN \"public\".\"Track\" "
            "AS s2m_parent ON s2m_parent.\"TrackId\" = \"public\".\"PlaylistTrack\".\"TrackId\" WHERE "
            "s2m_parent.\"AlbumId\" IS NOT NULL AND s2m_parent.\"AlbumId\" >= '3'::int8 AND s2m_parent.\"AlbumId\" <= "
            "'9'::int8 ORDER BY s2m_parent.\"AlbumId\", \"public\".\"PlaylistTrack\".\"TrackId\", "
            "\"public\".\"PlaylistTrack\".\"PlaylistId\" DESC) TO STDOUT (FORMAT binary)");
  EXPECT_EQ(SelectOf(MysqlDialect(), request),
            "SELECT `PlaylistTrack`.`PlaylistId`, `PlaylistTrack`.`TrackId`, s2m_parent.`AlbumId` AS `s2m_root_key` "
            "FROM `PlaylistTrack` JOIN `Track` AS s2m_parent ON s2m_parent.`TrackId` = `PlaylistTrack`.`TrackId` "
            "WHERE s2m_parent.`AlbumId` IS NOT NULL AND s2m_parent.`AlbumId` >= 3 AND s2m_parent.`AlbumId` <= 9 "
            "ORDER BY s2m_parent.`AlbumId`, `PlaylistTrack`.`TrackId`, `PlaylistTrack`.`PlaylistId` DESC");
  // A whole table (one unit): no range, the parent rows with a NULL key first, as an open low bound takes them.
  request.range.reset();
  EXPECT_EQ(SelectOf(SqliteDialect(), request).find(" WHERE "), std::string::npos);
}

// The user's SQL of the scanned table is unqualified and could name a parent column: refused, never guessed.
TEST(ScanSql, AJoinedScanTakesNoWhereNorExpression) {
  ScanRequest request{"PlaylistTrack", {"TrackId", "s2m_root_key"}, "TrackId > 0"};
  request.parent_join = ParentJoin{"Track", {"TrackId"}, {"TrackId"}, "AlbumId", "s2m_root_key"};
  ChinookLikeCatalog catalog(SqliteDialect());
  Result<ScanSql> sql = BuildScanSql(SqliteDialect(), catalog, request);
  ASSERT_FALSE(sql.ok());
  EXPECT_EQ(sql.status().code(), StatusCode::kInternal);
  EXPECT_NE(sql.status().message().find("joined to its parent 'Track'"), std::string::npos) << sql.status().message();
}

TEST(ScanSql, CompositeKeyRangeAsOneRowValue) {
  ScanRequest request{"PlaylistTrack", {"TrackId"}};
  request.range = KeyRange{{"PlaylistId", "TrackId"}, {Value(1), Value(20)}, true, {Value(8), Value(5)}};
  EXPECT_EQ(SelectOf(SqliteDialect(), request),
            "SELECT \"TrackId\" FROM \"PlaylistTrack\" WHERE (\"PlaylistId\", \"TrackId\") >= (1, 20) AND "
            "(\"PlaylistId\", \"TrackId\") < (8, 5)");
  EXPECT_EQ(SelectOf(PostgresDialect(), request),
            "COPY (SELECT \"TrackId\" FROM \"public\".\"PlaylistTrack\" WHERE (\"PlaylistId\", \"TrackId\") >= "
            "('1'::int8, '20'::int8) AND (\"PlaylistId\", \"TrackId\") < ('8'::int8, '5'::int8)) TO STDOUT (FORMAT binary)");
  // MySQL: the expanded form its range optimizer turns into an index range.
  EXPECT_EQ(SelectOf(MysqlDialect(), request),
            "SELECT `TrackId` FROM `PlaylistTrack` WHERE (`PlaylistId` >= 1 AND ((`PlaylistId` > 1) OR "
            "(`PlaylistId` = 1 AND `TrackId` >= 20))) AND (`PlaylistId` <= 8 AND ((`PlaylistId` < 8) OR "
            "(`PlaylistId` = 8 AND `TrackId` < 5)))");
}

TEST(ScanSql, ResumingStrictlyAfterAKey) {
  ScanRequest request{"PlaylistTrack", {"TrackId"}};
  request.range = KeyRange{{"PlaylistId", "TrackId"}, {Value(3), Value(7)}, false, {}};
  EXPECT_EQ(SelectOf(SqliteDialect(), request),
            "SELECT \"TrackId\" FROM \"PlaylistTrack\" WHERE (\"PlaylistId\", \"TrackId\") > (3, 7)");
  EXPECT_EQ(SelectOf(MysqlDialect(), request),
            "SELECT `TrackId` FROM `PlaylistTrack` WHERE (`PlaylistId` >= 3 AND ((`PlaylistId` > 3) OR "
            "(`PlaylistId` = 3 AND `TrackId` > 7)))");
}

TEST(ScanSql, TextAndDateKeyRangesWithNullableColumns) {
  ScanRequest request{"Track", {"TrackId"}};
  request.range = KeyRange{{"Name", "Added"}, {}, true, {Value(std::string("M")), Value(DateTime{0})}};
  // SQLite compares dates as dates; a NULL date belongs to the range open below.
  EXPECT_EQ(SelectOf(SqliteDialect(), request),
            "SELECT \"TrackId\" FROM \"Track\" WHERE ((\"Name\", julianday(\"Added\")) < "
            "('M', julianday('1970-01-01 00:00:00.000')) OR julianday(\"Added\") IS NULL)");
  request.range = KeyRange{{"Name", "Added"}, {Value(std::string("M"))}, true, {}};  // a bound on the leading column
  EXPECT_EQ(SelectOf(PostgresDialect(), request),
            "COPY (SELECT \"TrackId\" FROM \"public\".\"Track\" WHERE \"Added\" IS NOT NULL AND "
            "\"Name\" >= 'M'::text) TO STDOUT (FORMAT binary)");
}

TEST(ScanSql, KeyRangeBoundWiderThanItsColumnsIsAnInternalError) {
  ChinookLikeCatalog catalog(SqliteDialect());
  ScanRequest request{"Album", {"AlbumId"}};
  request.range = KeyRange{{"AlbumId"}, {Value(1), Value(2)}, true, {}};
  EXPECT_EQ(BuildScanSql(SqliteDialect(), catalog, request).status().code(), StatusCode::kInternal);
}

TEST(ScanSql, AnUnknownColumnIsNotFound) {
  ChinookLikeCatalog catalog(MysqlDialect());
  EXPECT_EQ(BuildScanSql(MysqlDialect(), catalog, ScanRequest{"Track", {"Nope"}}).status().code(), StatusCode::kNotFound);
  ScanRequest ordered{"Track", {"TrackId"}};
  ordered.order_by = {{"Nope"}};
  EXPECT_EQ(BuildScanSql(MysqlDialect(), catalog, ordered).status().code(), StatusCode::kNotFound);
}

TEST(ScanSql, SelectAddsAConditionAndALimit) {
  ChinookLikeCatalog catalog(MysqlDialect());
  ScanRequest request{"Album", {"AlbumId"}};
  request.order_by = {{"AlbumId"}};
  auto sql = BuildScanSql(MysqlDialect(), catalog, request);
  ASSERT_TRUE(sql.ok());
  EXPECT_EQ(sql->Select(MysqlDialect(), "`AlbumId` > 5", 100),
            "SELECT `AlbumId` FROM `Album` WHERE `AlbumId` > 5 ORDER BY `AlbumId` LIMIT 100");
}

TEST(ScanSql, RowCountsGroupedOrNot) {
  RowCountRequest request{"Track", {}, "x > 1", 5, 10};
  EXPECT_EQ(RowCountSql(MysqlDialect(), "`Track`", {}, request), "SELECT count(*) FROM `Track` WHERE (x > 1)");
  EXPECT_EQ(RowCountSql(SqliteDialect(), "\"Track\"", {"\"AlbumId\""}, request),
            "SELECT \"AlbumId\", count(*) FROM \"Track\" WHERE (x > 1) GROUP BY \"AlbumId\" HAVING count(*) > 5 "
            "ORDER BY count(*) DESC LIMIT 10");
}

TEST(KeySplitSql, BoundsOfOneColumnAndQuantilesOfSeveral) {
  ChinookLikeCatalog sqlite(SqliteDialect()), postgres(PostgresDialect()), mysql(MysqlDialect());
  EXPECT_EQ(KeyBoundsSql(PostgresDialect(), postgres, "Track", "Name", "x > 1").value(),
            "SELECT min(\"Name\")::text, max(\"Name\")::text FROM \"public\".\"Track\" WHERE (x > 1)");
  // Keys with a NULL never become bounds; the order is the ranges' (SQLite dates through julianday).
  EXPECT_EQ(KeyQuantilesSql(SqliteDialect(), sqlite, "Track", {"Name", "Added"}, 100, 3, "").value(),
            "SELECT \"Name\", \"Added\" FROM (SELECT \"Name\", \"Added\", ROW_NUMBER() OVER (ORDER BY \"Name\", "
            "julianday(\"Added\")) AS s2m_row FROM \"Track\" WHERE julianday(\"Added\") IS NOT NULL) AS s2m_keys "
            "WHERE s2m_row % 100 = 0 ORDER BY s2m_row LIMIT 3");
  EXPECT_EQ(KeyQuantilesSql(MysqlDialect(), mysql, "PlaylistTrack", {"PlaylistId", "TrackId"}, 7, 1, "PlaylistId < 5").value(),
            "SELECT `PlaylistId`, `TrackId` FROM (SELECT `PlaylistId`, `TrackId`, ROW_NUMBER() OVER (ORDER BY "
            "`PlaylistId`, `TrackId`) AS s2m_row FROM `PlaylistTrack` WHERE (PlaylistId < 5)) AS s2m_keys "
            "WHERE s2m_row % 7 = 0 ORDER BY s2m_row LIMIT 1");
}

TEST(SqlDialect, IdentifiersQuoted) {
  EXPECT_EQ(SqliteDialect().QuoteIdentifier("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(PostgresDialect().QuoteIdentifier("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(MysqlDialect().QuoteIdentifier("a`b"), "`a``b`");
}

// Every Value a key can hold, as each dialect writes it.
TEST(SqlDialect, LiteralsOfEveryKeyValue) {
  struct Case {
    Value value;
    std::string sqlite, postgres, mysql;
  };
  const std::vector<Case> cases = {
      {Value(Null{}), "NULL", "NULL", "NULL"},
      {Value(true), "1", "'true'", "1"},
      {Value(int32_t{-7}), "-7", "'-7'", "-7"},
      {Value(int64_t{-9223372036854775807 - 1}), "-9223372036854775808", "'-9223372036854775808'",
       "-9223372036854775808"},
      {Value(0.1), "0.1", "'0.1'", "0.1"},
      {Value(Decimal{"-12.50"}), "'-12.50'", "'-12.50'", "-12.50"},
      {Value(std::string("O'Brien")), "'O''Brien'", "'O''Brien'", "'O''Brien'"},
      // A backslash: PostgreSQL's E'' doubles it; MySQL writes bytes, which no sql_mode reads as escapes.
      {Value(std::string("a\\'b")), "'a\\''b'", "E'a\\\\''b'", "_utf8mb4 X'615C2762'"},
      {Value(Binary{{0x00, 0xAB}, 0}), "X'00AB'", "E'\\\\x00ab'", "X'00AB'"},
      {Value(Binary{{0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78}, 4}),
       "X'12345678123456781234567812345678'", "'12345678-1234-5678-1234-567812345678'",
       "X'12345678123456781234567812345678'"},
      {Value(DateTime{-1}), "'1969-12-31 23:59:59.999'", "'1969-12-31 23:59:59.999+00'", "'1969-12-31 23:59:59.999'"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(ValueToDisplay(c.value));
    EXPECT_EQ(SqliteDialect().Literal(c.value).value(), c.sqlite);
    EXPECT_EQ(PostgresDialect().Literal(c.value).value(), c.postgres);
    EXPECT_EQ(MysqlDialect().Literal(c.value).value(), c.mysql);
  }
}

TEST(SqlDialect, ValuesNoKeyHolds) {
  EXPECT_FALSE(SqliteDialect().Literal(Value(RawBson{})).ok());
  EXPECT_FALSE(MysqlDialect().Literal(Value(RawBson{})).ok());
  EXPECT_FALSE(MysqlDialect().Literal(Value(std::numeric_limits<double>::infinity())).ok());
  EXPECT_EQ(PostgresDialect().Literal(Value(std::numeric_limits<double>::quiet_NaN())).value(), "'NaN'");
  EXPECT_EQ(SqliteDialect().Literal(Value(-std::numeric_limits<double>::infinity())).value(), "-9e999");
}

TEST(SqlDialect, RowValueComparisons) {
  std::vector<std::string> columns = {"a", "b", "c"}, values = {"1", "'x'", "2"};
  EXPECT_EQ(SqliteDialect().RowCompare(columns, ">=", values), "(a, b, c) >= (1, 'x', 2)");
  EXPECT_EQ(PostgresDialect().RowCompare({"a"}, "<", {"1"}), "a < 1");
  // MySQL: a leading range on the index's first column, then the exact condition.
  EXPECT_EQ(MysqlDialect().RowCompare(columns, ">=", values),
            "(a >= 1 AND ((a > 1) OR (a = 1 AND b > 'x') OR (a = 1 AND b = 'x' AND c >= 2)))");
  EXPECT_EQ(MysqlDialect().RowCompare({"a", "b"}, "<", {"1", "2"}), "(a <= 1 AND ((a < 1) OR (a = 1 AND b < 2)))");
  EXPECT_EQ(MysqlDialect().RowCompare({"a"}, ">", {"1"}), "a > 1");
}

}  // namespace
}  // namespace sql2mongo
