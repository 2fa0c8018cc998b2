// Decoding of MySQL text-protocol values, without a server.
#include "mysql/mysql_types.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace sql2mongo {
namespace {

Value Decode(MysqlColumnKind kind, std::string_view text) {
  MysqlDecodeCounts counts;
  return DecodeMysqlValue(kind, text, &counts);
}

TEST(MysqlClassify, TinyintOneIsBoolAndWiderIsInteger) {
  EXPECT_EQ(ClassifyMysqlColumn("tinyint", "tinyint(1)", false, false), MysqlColumnKind::kBool);
  EXPECT_EQ(ClassifyMysqlColumn("tinyint", "tinyint(4)", false, false), MysqlColumnKind::kInt32);
  EXPECT_EQ(ClassifyMysqlColumn("int", "int(10) unsigned", false, false), MysqlColumnKind::kInt64);
  EXPECT_EQ(ClassifyMysqlColumn("mediumint", "mediumint(8) unsigned", false, false), MysqlColumnKind::kInt32);
  EXPECT_EQ(ClassifyMysqlColumn("bigint", "bigint(20) unsigned", false, false), MysqlColumnKind::kUInt64);
  EXPECT_EQ(ClassifyMysqlColumn("bit", "bit(1)", false, false), MysqlColumnKind::kBool);
  EXPECT_EQ(ClassifyMysqlColumn("bit", "bit(10)", false, false), MysqlColumnKind::kBit);
}

TEST(MysqlClassify, JsonByTypeOrByCheckConstraint) {
  EXPECT_EQ(ClassifyMysqlColumn("json", "json", false, false), MysqlColumnKind::kJson);
  EXPECT_EQ(ClassifyMysqlColumn("longtext", "longtext", true, true), MysqlColumnKind::kJson);
  EXPECT_EQ(ClassifyMysqlColumn("longtext", "longtext", true, false), MysqlColumnKind::kString);
}

TEST(MysqlClassify, UnknownTypesFallBack) {
  EXPECT_EQ(ClassifyMysqlColumn("inet6", "inet6", false, false), MysqlColumnKind::kOther);
  EXPECT_EQ(ClassifyMysqlColumn("point", "point", false, false), MysqlColumnKind::kBinary);
  EXPECT_EQ(ClassifyMysqlColumn("uuid", "uuid", false, false), MysqlColumnKind::kUuid);
}

TEST(MysqlDecode, UnsignedBigintBeyondInt64IsDecimalNeverWrapped) {
  EXPECT_EQ(Decode(MysqlColumnKind::kUInt64, "18446744073709551615"), Value(Decimal{"18446744073709551615"}));
  EXPECT_EQ(Decode(MysqlColumnKind::kUInt64, "9223372036854775807"),
            Value(std::numeric_limits<int64_t>::max()));
}

TEST(MysqlDecode, DoublesKeepTheirSign) {
  Value v = Decode(MysqlColumnKind::kDouble, "-0");
  ASSERT_TRUE(std::holds_alternative<double>(v));
  EXPECT_TRUE(std::signbit(std::get<double>(v)));
  EXPECT_EQ(Decode(MysqlColumnKind::kDouble, "1.7976931348623157e308"), Value(1.7976931348623157e308));
}

TEST(MysqlDecode, BoolKeepsOtherTinyintValues) {
  EXPECT_EQ(Decode(MysqlColumnKind::kBool, "1"), Value(true));
  EXPECT_EQ(Decode(MysqlColumnKind::kBool, "0"), Value(false));
  EXPECT_EQ(Decode(MysqlColumnKind::kBool, "5"), Value(int32_t{5}));
}

TEST(MysqlDecode, DatesAndZeroDates) {
  MysqlDecodeCounts counts;
  EXPECT_EQ(DecodeMysqlValue(MysqlColumnKind::kDate, "1970-01-02", &counts), Value(DateTime{86400000}));
  EXPECT_EQ(DecodeMysqlValue(MysqlColumnKind::kDateTime, "1969-12-31 23:59:59.999999", &counts), Value(DateTime{-1}));
  EXPECT_EQ(DecodeMysqlValue(MysqlColumnKind::kDate, "0000-00-00", &counts), Value(Null{}));
  EXPECT_EQ(DecodeMysqlValue(MysqlColumnKind::kDateTime, "2020-00-15 00:00:00", &counts), Value(Null{}));
  EXPECT_EQ(counts.zero_dates, 2u);
}

TEST(MysqlDecode, SetBecomesArrayOfMembers) {
  Value v = Decode(MysqlColumnKind::kSet, "a,b");
  ASSERT_TRUE(std::holds_alternative<RawBson>(v));
  EXPECT_TRUE(std::get<RawBson>(v).is_array);
  EXPECT_EQ(RawBsonToJson(std::get<RawBson>(v)), "[ \"a\", \"b\" ]");
  EXPECT_EQ(RawBsonToJson(std::get<RawBson>(Decode(MysqlColumnKind::kSet, ""))), "[  ]");
}

TEST(MysqlDecode, JsonDocumentsArraysAndScalars) {
  Value doc = Decode(MysqlColumnKind::kJson, R"({"a": [1, {"b": null}]})");
  ASSERT_TRUE(std::holds_alternative<RawBson>(doc));
  EXPECT_FALSE(std::get<RawBson>(doc).is_array);
  EXPECT_EQ(RawBsonToJson(std::get<RawBson>(doc)), R"({ "a" : [ 1, { "b" : null } ] })");
  Value array = Decode(MysqlColumnKind::kJson, "[1, 2]");
  ASSERT_TRUE(std::holds_alternative<RawBson>(array));
  EXPECT_TRUE(std::get<RawBson>(array).is_array);
  EXPECT_EQ(Decode(MysqlColumnKind::kJson, "\"x\""), Value(std::string("x")));
  EXPECT_EQ(Decode(MysqlColumnKind::kJson, "3"), Value(int32_t{3}));
  EXPECT_EQ(Decode(MysqlColumnKind::kJson, "null"), Value(Null{}));
  MysqlDecodeCounts counts;
  EXPECT_EQ(DecodeMysqlValue(MysqlColumnKind::kJson, "1, \"w\": 2", &counts), Value(std::string("1, \"w\": 2")));
  EXPECT_EQ(counts.unparsed_json, 1u);
}

TEST(MysqlDecode, JsonFollowsTheRuleEverySourceShares) {
  // common/json_to_bson.h, as for PostgreSQL: keys literal (not Extended JSON), big integers exact.
  MysqlDecodeCounts counts;
  Value v = DecodeMysqlValue(MysqlColumnKind::kJson, R"({"$date": 0, "n": 9223372036854775808, "d": 1e400})", &counts);
  ASSERT_TRUE(std::holds_alternative<RawBson>(v));
  EXPECT_EQ(RawBsonToJson(std::get<RawBson>(v)),
            R"({ "$date" : 0, "n" : { "$numberDecimal" : "9223372036854775808" }, )"
            R"("d" : { "$numberDecimal" : "1E+400" } })");
  EXPECT_EQ(DecodeMysqlValue(MysqlColumnKind::kJson, "18446744073709551616", &counts),
            Value(Decimal{"18446744073709551616"}));
  EXPECT_EQ(counts.unparsed_json, 0u);
  EXPECT_EQ(counts.unparsed, 0u);
  // A number no Decimal128 holds exactly keeps the whole text, counted like text that is not JSON.
  std::string inexact = "[123456789012345678901234567890123456789]";
  EXPECT_EQ(DecodeMysqlValue(MysqlColumnKind::kJson, inexact, &counts), Value(inexact));
  EXPECT_EQ(counts.unparsed_json, 1u);
}

TEST(MysqlDecode, UuidIsBinarySubtype4) {
  Value v = Decode(MysqlColumnKind::kUuid, "123e4567-e89b-12d3-a456-426655440000");
  ASSERT_TRUE(std::holds_alternative<Binary>(v));
  EXPECT_EQ(std::get<Binary>(v).subtype, 4);
  EXPECT_EQ(std::get<Binary>(v).bytes.size(), 16u);
  EXPECT_EQ(std::get<Binary>(v).bytes[0], 0x12);
}

TEST(MysqlDecode, OtherIsTextWhenUtf8ElseBinary) {
  EXPECT_EQ(Decode(MysqlColumnKind::kOther, "::1"), Value(std::string("::1")));
  EXPECT_TRUE(std::holds_alternative<Binary>(Decode(MysqlColumnKind::kOther, std::string_view("\xff\x00", 2))));
}

TEST(MysqlIdentifier, BackticksDoubled) { EXPECT_EQ(QuoteMysqlIdentifier("a`b"), "`a``b`"); }

}  // namespace
}  // namespace sql2mongo
