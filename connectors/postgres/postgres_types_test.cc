// Every PostgreSQL type the connector decodes, with edge values, read through a real binary COPY and
// checked value by value (see docs/types.md for the table these tests pin down).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <ctime>

#include "postgres/postgres_test_support.h"

namespace sql2mongo {
namespace {

using testing::Exec;
using testing::PostgresScratchTest;
using testing::ReadAll;

int64_t UtcMillis(int year, int month, int day, int hour = 0, int minute = 0, int second = 0) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

class PostgresTypes : public PostgresScratchTest {
 protected:
  void SetUp() override {
    PostgresScratchTest::SetUp();
    if (IsSkipped()) return;
    const std::string& s = schema_;
    // Inserted in a New York session: a timestamptz literal without offset is New York time.
    Exec(admin_.get(), "SET TimeZone = 'America/New_York'; "
                       "CREATE TYPE " + s + ".mood AS ENUM ('sad', 'happy'); "
                       "CREATE DOMAIN " + s + ".positive AS integer CHECK (VALUE > 0); "
                       "CREATE TABLE " + s + ".types ("
                       " id int PRIMARY KEY, i2 smallint, i4 integer, i8 bigint, f4 real, f8 double precision,"
                       " num numeric, num_scaled numeric(10,2), flag boolean, t text, vc varchar(10), bp char(5),"
                       " nm name, ch \"char\", d date, ts timestamp, tstz timestamptz, tm time, tmtz timetz,"
                       " iv interval, u uuid, b bytea, j json, jb jsonb, ia int[], ta text[], na numeric[],"
                       " pt point, ip inet, m money, mood " + s + ".mood, pos " + s + ".positive, o oid)");
    Exec(admin_.get(),
         "SET TimeZone = 'America/New_York'; INSERT INTO " + s + ".types VALUES "
         "(1, -32768, -2147483648, -9223372036854775808, 1.5, '-0', 123456789012345678901234567890, 12.5, true,"
         " '', 'héllo', 'ab', 'pg_name', 'x', '1969-07-20', '1969-07-20 20:17:40.123456', '2024-07-01 12:00:00',"
         " '13:45:30.25', '13:45:30+05:30', '1 year 2 months 3 days 04:05:06.5',"
         " 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', decode(repeat('00ff', 524288), 'hex'),"
         " '{\"a\": [1, 2.5, {\"b\": null}], \"s\": \"x\", \"$oid\": \"k\"}',"
         " '{\"a\": [1, 2.5, {\"b\": null}], \"s\": \"x\", \"$oid\": \"k\"}',"
         " '{1,NULL,3}', '{{a,b},{c,d}}', '{1.5,NaN}', '(1,2)', '192.168.0.1/24', 12.34, 'happy', 7, 4294967295),"
         "(2, 32767, 2147483647, 9223372036854775807, NULL, 'Infinity', 'NaN', -0.01, false, NULL, NULL, NULL,"
         " NULL, NULL, 'infinity', '-infinity', NULL, NULL, NULL, '-1 mon -2 days -00:00:01.5', NULL, '', '42',"
         " '[]', '{}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),"
         "(3, 0, 0, 0, NULL, NULL, '0.000001', NULL, NULL, '日本語 ✓ 😀', NULL, NULL, NULL, NULL, NULL, NULL,"
         " NULL, NULL, NULL, '0', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)");
    // The connector's own sessions run in another non-UTC zone: timestamptz must still come out in UTC.
    setenv("PGTZ", "Asia/Kolkata", 1);
    source_ = testing::OpenPostgres(scratch_uri_);
    unsetenv("PGTZ");
    ASSERT_TRUE(source_);
    ScanRequest request;
    request.table = s + ".types";
    auto info = source_->DescribeTable(request.table);
    ASSERT_TRUE(info.ok()) << info.status().message();
    for (const auto& column : info->columns) request.columns.push_back(column.name);
    request.order_by = {{"id"}};
    rows_ = ReadAll(*source_, request);
    ASSERT_EQ(rows_.rows(), 3u);
  }

  const Value& At(size_t row, const std::string& column) {
    for (size_t i = 0; i < rows_.width(); ++i) {
      if (rows_.columns()[i] == column) return rows_.at(row, i);
    }
    static const Value kMissing = std::string("<no such column>");
    ADD_FAILURE() << "no column " << column;
    return kMissing;
  }
  std::string Json(size_t row, const std::string& column) {
    const Value& v = At(row, column);
    EXPECT_TRUE(std::holds_alternative<RawBson>(v)) << column << " = " << ValueToDisplay(v);
    return std::holds_alternative<RawBson>(v) ? RawBsonToJson(std::get<RawBson>(v)) : "";
  }

  std::unique_ptr<Source> source_;
  RowBatch rows_;
};

TEST_F(PostgresTypes, IntegersKeepTheirDeclaredWidthAtBothEnds) {
  EXPECT_EQ(At(0, "i2"), Value(int32_t{-32768}));
  EXPECT_EQ(At(1, "i2"), Value(int32_t{32767}));
  EXPECT_EQ(At(0, "i4"), Value(int32_t{-2147483647 - 1}));
  EXPECT_EQ(At(1, "i4"), Value(int32_t{2147483647}));
  EXPECT_EQ(At(0, "i8"), Value(int64_t{INT64_MIN}));
  EXPECT_EQ(At(1, "i8"), Value(int64_t{INT64_MAX}));
  EXPECT_EQ(At(2, "i8"), Value(int64_t{0}));
  EXPECT_EQ(At(0, "o"), Value(int64_t{4294967295}));  // oid is unsigned 32-bit
  EXPECT_EQ(At(0, "pos"), Value(int32_t{7}));          // a domain reads as its base type
}

TEST_F(PostgresTypes, FloatsKeepNegativeZeroAndInfinity) {
  EXPECT_EQ(At(0, "f4"), Value(1.5));
  ASSERT_TRUE(std::holds_alternative<double>(At(0, "f8")));
  EXPECT_EQ(std::get<double>(At(0, "f8")), 0.0);
  EXPECT_TRUE(std::signbit(std::get<double>(At(0, "f8"))));
  EXPECT_EQ(At(1, "f8"), Value(HUGE_VAL));
}

TEST_F(PostgresTypes, NumericsKeepEveryDigitAndTheirScale) {
  EXPECT_EQ(At(0, "num"), Value(Decimal{"123456789012345678901234567890"}));
  EXPECT_EQ(At(1, "num"), Value(Decimal{"NaN"}));
  EXPECT_EQ(At(2, "num"), Value(Decimal{"0.000001"}));
  EXPECT_EQ(At(0, "num_scaled"), Value(Decimal{"12.50"}));
  EXPECT_EQ(At(1, "num_scaled"), Value(Decimal{"-0.01"}));
  EXPECT_EQ(At(0, "m"), Value(Decimal{"12.34"}));  // money through numeric
}

TEST_F(PostgresTypes, TextKeepsEmptyStringsApartFromNullAndNonAsciiText) {
  EXPECT_EQ(At(0, "t"), Value(std::string()));
  EXPECT_TRUE(IsNull(At(1, "t")));
  EXPECT_EQ(At(2, "t"), Value(std::string("日本語 ✓ 😀")));
  EXPECT_EQ(At(0, "vc"), Value(std::string("héllo")));
  EXPECT_EQ(At(0, "bp"), Value(std::string("ab   ")));  // char(n) keeps its padding, as PostgreSQL stores it
  EXPECT_EQ(At(0, "nm"), Value(std::string("pg_name")));
  EXPECT_EQ(At(0, "ch"), Value(std::string("x")));
  EXPECT_EQ(At(0, "flag"), Value(true));
  EXPECT_EQ(At(1, "flag"), Value(false));
  EXPECT_EQ(At(0, "mood"), Value(std::string("happy")));  // enum label
}

TEST_F(PostgresTypes, DatesAndTimestampsBecomeUtcDatesEvenBefore1970) {
  EXPECT_EQ(At(0, "d"), Value(DateTime{UtcMillis(1969, 7, 20)}));
  // Microseconds floor to the millisecond (a BSON date has no finer unit).
  EXPECT_EQ(At(0, "ts"), Value(DateTime{UtcMillis(1969, 7, 20, 20, 17, 40) + 123}));
  // Noon in New York (EDT, UTC-4), read by a session in Asia/Kolkata: 16:00 UTC.
  EXPECT_EQ(At(0, "tstz"), Value(DateTime{UtcMillis(2024, 7, 1, 16)}));
  EXPECT_EQ(At(1, "d"), Value(std::string("infinity")));
  EXPECT_EQ(At(1, "ts"), Value(std::string("-infinity")));
}

TEST_F(PostgresTypes, TimesAndIntervalsBecomeIso8601Text) {
  EXPECT_EQ(At(0, "tm"), Value(std::string("13:45:30.25")));
  EXPECT_EQ(At(0, "tmtz"), Value(std::string("13:45:30+05:30")));
  EXPECT_EQ(At(0, "iv"), Value(std::string("P1Y2M3DT4H5M6.5S")));
  EXPECT_EQ(At(1, "iv"), Value(std::string("P-1M-2DT-1.5S")));
  EXPECT_EQ(At(2, "iv"), Value(std::string("PT0S")));
}

TEST_F(PostgresTypes, UuidAndByteaBecomeBinaryWithTheirSubtypes) {
  ASSERT_TRUE(std::holds_alternative<Binary>(At(0, "u")));
  const Binary& uuid = std::get<Binary>(At(0, "u"));
  EXPECT_EQ(uuid.subtype, 4);
  EXPECT_EQ(uuid.bytes, (std::vector<uint8_t>{0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8, 0xbb, 0x6d, 0x6b, 0xb9,
                                              0xbd, 0x38, 0x0a, 0x11}));
  ASSERT_TRUE(std::holds_alternative<Binary>(At(0, "b")));
  const Binary& big = std::get<Binary>(At(0, "b"));
  EXPECT_EQ(big.subtype, 0);
  ASSERT_EQ(big.bytes.size(), 1048576u);
  EXPECT_EQ(big.bytes[0], 0x00);
  EXPECT_EQ(big.bytes[1], 0xff);
  EXPECT_EQ(big.bytes[1048575], 0xff);
  EXPECT_EQ(At(1, "b"), Value(Binary{{}, 0}));  // empty, not NULL
}

TEST_F(PostgresTypes, JsonAndJsonbBecomeDocumentsWithLiteralKeys) {
  // "$oid" stays an ordinary key: the JSON is not read as Extended JSON. jsonb orders keys its own way.
  EXPECT_EQ(Json(0, "j"), R"({ "a" : [ 1, 2.5, { "b" : null } ], "s" : "x", "$oid" : "k" })");
  EXPECT_EQ(Json(0, "jb"), R"({ "a" : [ 1, 2.5, { "b" : null } ], "s" : "x", "$oid" : "k" })");
  EXPECT_EQ(At(1, "j"), Value(int32_t{42}));  // a top-level scalar is that scalar, as narrow as nested ones
  EXPECT_EQ(Json(1, "jb"), "[  ]");
}

TEST_F(PostgresTypes, ArraysBecomeBsonArraysNestedByDimension) {
  EXPECT_EQ(Json(0, "ia"), "[ 1, null, 3 ]");
  EXPECT_EQ(Json(0, "ta"), R"([ [ "a", "b" ], [ "c", "d" ] ])");
  EXPECT_EQ(Json(0, "na"), R"([ { "$numberDecimal" : "1.5" }, { "$numberDecimal" : "NaN" } ])");
  EXPECT_EQ(Json(1, "ia"), "[  ]");
}

TEST_F(PostgresTypes, TypesWithoutABinaryDecoderArriveAsTheirTextForm) {
  EXPECT_EQ(At(0, "pt"), Value(std::string("(1,2)")));
  EXPECT_EQ(At(0, "ip"), Value(std::string("192.168.0.1/24")));
  for (const char* column : {"pt", "ip", "m", "mood", "pos", "o", "u", "tm"}) EXPECT_TRUE(IsNull(At(2, column))) << column;
}

}  // namespace
}  // namespace sql2mongo
