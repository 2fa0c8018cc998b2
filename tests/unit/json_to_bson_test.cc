// JsonTextToValue: the one JSON -> BSON rule that PostgreSQL json / jsonb and MySQL / MariaDB JSON share.
#include "common/json_to_bson.h"

#include <bson/bson.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>

namespace sql2mongo {
namespace {

// Canonical Extended JSON shows every BSON type ({"$numberInt": "1"}), so a wrong width shows too. An
// array prints as the document BSON stores it as ({"0": ..., "1": ...}).
std::string Canonical(const Value& value) {
  if (!std::holds_alternative<RawBson>(value)) return "not a document: " + ValueToDisplay(value);
  const RawBson& raw = std::get<RawBson>(value);
  bson_t doc;
  if (!bson_init_static(&doc, raw.bytes.data(), raw.bytes.size())) return "bad bson";
  char* json = bson_as_canonical_extended_json(&doc, nullptr);
  std::string text = json ? json : "bad bson";
  bson_free(json);
  return text;
}

Value Parse(const std::string& json) {
  bool kept_as_text = true;
  Value value = JsonTextToValue(json, &kept_as_text);
  EXPECT_FALSE(kept_as_text) << json;
  return value;
}

void ExpectKeptAsText(const std::string& json) {
  bool kept_as_text = false;
  EXPECT_EQ(JsonTextToValue(json, &kept_as_text), Value(json)) << json;
  EXPECT_TRUE(kept_as_text) << json;
}

TEST(JsonToBson, ExtendedJsonKeysDollarsAndDotsStayLiteral) {
  Value v = Parse(R"({"$date": 0, "$oid": "5f0c", "a.b": {"$numberLong": "1"}, "$": null})");
  EXPECT_FALSE(std::get<RawBson>(v).is_array);
  EXPECT_EQ(Canonical(v),
            R"({ "$date" : { "$numberInt" : "0" }, "$oid" : "5f0c", "a.b" : { "$numberLong" : "1" }, "$" : null })");
}

TEST(JsonToBson, TopLevelScalarsBecomeThatScalar) {
  EXPECT_EQ(Parse("null"), Value(Null{}));
  EXPECT_EQ(Parse("true"), Value(true));
  EXPECT_EQ(Parse("false"), Value(false));
  EXPECT_EQ(Parse(R"("x")"), Value(std::string("x")));
  EXPECT_EQ(Parse(" 3 "), Value(int32_t{3}));
  EXPECT_EQ(Parse("3000000000"), Value(int64_t{3000000000}));
  EXPECT_EQ(Parse("1.5"), Value(1.5));
  EXPECT_EQ(Parse("9223372036854775808"), Value(Decimal{"9223372036854775808"}));
  EXPECT_EQ(Parse("1e400"), Value(Decimal{"1e400"}));
}

TEST(JsonToBson, ArraysAreArrays) {
  Value v = Parse("[1, [], {}]");
  EXPECT_TRUE(std::get<RawBson>(v).is_array);
  EXPECT_EQ(Canonical(v), R"({ "0" : { "$numberInt" : "1" }, "1" : [  ], "2" : {  } })");
}

TEST(JsonToBson, IntegersTakeTheNarrowestWidthThenDecimal128) {
  Value v = Parse(
      "[2147483647, -2147483648, 2147483648, -2147483649, 9223372036854775807, -9223372036854775808,"
      " 9223372036854775808, 18446744073709551615, 18446744073709551616, -9223372036854775809]");
  EXPECT_EQ(Canonical(v),
            R"({ "0" : { "$numberInt" : "2147483647" }, "1" : { "$numberInt" : "-2147483648" }, )"
            R"("2" : { "$numberLong" : "2147483648" }, "3" : { "$numberLong" : "-2147483649" }, )"
            R"("4" : { "$numberLong" : "9223372036854775807" }, "5" : { "$numberLong" : "-9223372036854775808" }, )"
            R"("6" : { "$numberDecimal" : "9223372036854775808" }, )"
            R"("7" : { "$numberDecimal" : "18446744073709551615" }, )"
            R"("8" : { "$numberDecimal" : "18446744073709551616" }, )"
            R"("9" : { "$numberDecimal" : "-9223372036854775809" } })");
}

TEST(JsonToBson, LongIntegersWithTrailingZerosGiveTheSameDecimal128AsTheirExponentForm) {
  // jsonb prints 1e400 as a 1 and 400 zeros; MariaDB keeps "1e400". Both must give 1E+400.
  std::string digits = "1" + std::string(400, '0');
  EXPECT_EQ(Canonical(Parse("[" + digits + "]")), R"({ "0" : { "$numberDecimal" : "1E+400" } })");
  EXPECT_EQ(Canonical(Parse("[1e400]")), R"({ "0" : { "$numberDecimal" : "1E+400" } })");
  std::string negative = "-15" + std::string(399, '0');
  EXPECT_EQ(Canonical(Parse("[" + negative + ", -1.5e400]")),
            R"({ "0" : { "$numberDecimal" : "-1.5E+400" }, "1" : { "$numberDecimal" : "-1.5E+400" } })");
}

TEST(JsonToBson, NumbersNoDoubleHoldsBecomeDecimal128OthersTheNearestDouble) {
  for (const char* text : {"1.5", "1e2", "1E-2", "0.1", "2.2250738585072011e-308", "1.7976931348623157e308",
                           "5e-324", "0.0", "123456789012345678.9"}) {
    EXPECT_EQ(Parse(text), Value(std::strtod(text, nullptr))) << text;
  }
  EXPECT_EQ(Canonical(Parse("[1e309, 1e-400, -2.5E-999]")),
            R"({ "0" : { "$numberDecimal" : "1E+309" }, "1" : { "$numberDecimal" : "1E-400" }, )"
            R"("2" : { "$numberDecimal" : "-2.5E-999" } })");
}

TEST(JsonToBson, NegativeZeroIntegerIsZeroNegativeZeroFloatKeepsItsSign) {
  EXPECT_EQ(Parse("-0"), Value(int32_t{0}));
  Value v = Parse("-0.0");
  ASSERT_TRUE(std::holds_alternative<double>(v));
  EXPECT_EQ(std::get<double>(v), 0.0);
  EXPECT_TRUE(std::signbit(std::get<double>(v)));
}

TEST(JsonToBson, NumbersNoDecimal128HoldsExactlyKeepTheWholeText) {
  // 39 significant digits: Decimal128 would round, a double more so.
  ExpectKeptAsText(R"({"n": 123456789012345678901234567890123456789})");
  ExpectKeptAsText("[1.23456789012345678901234567890123456789e400]");
  ExpectKeptAsText("[1e-7000]");  // below Decimal128's smallest, 1E-6176
  ExpectKeptAsText("[1e5000]");   // beyond long double, where the parser stops
  // Tiny numbers reach the parser as long double 0 and still become exact Decimal128.
  EXPECT_EQ(Canonical(Parse("[1e-5000]")), R"({ "0" : { "$numberDecimal" : "1E-5000" } })");
}

TEST(JsonToBson, UnicodeEscapesBecomeUtf8) {
  EXPECT_EQ(Parse(R"("\u00e9\ud83d\ude00\n\"")"), Value(std::string("\xc3\xa9\xf0\x9f\x98\x80\n\"")));
  EXPECT_EQ(Canonical(Parse(R"({"\u00fc": "\u0041"})")), "{ \"\xc3\xbc\" : \"A\" }");
  // A NUL is fine inside a BSON string (it has a length), not inside a key (a C string).
  EXPECT_EQ(Parse(R"("a\u0000b")"), Value(std::string("a\0b", 3)));
  ExpectKeptAsText(R"({"a\u0000b": 1})");
  ExpectKeptAsText(R"("\ud800")");  // a lone surrogate is no character
}

TEST(JsonToBson, RepeatedKeyKeepsItsLastValueAtItsFirstPlace) {
  EXPECT_EQ(Canonical(Parse(R"({"a": 1, "b": 2, "a": {"c": 3}})")),
            R"({ "a" : { "c" : { "$numberInt" : "3" } }, "b" : { "$numberInt" : "2" } })");
  // Past 16 keys the repeat is found by sorting rather than by comparing pairs.
  std::string many = "{";
  for (int i = 0; i < 40; ++i) many += "\"k" + std::to_string(i) + "\": " + std::to_string(i) + ", ";
  Value v = Parse(many + R"("k7": "last"})");
  ASSERT_TRUE(std::holds_alternative<RawBson>(v));
  bson_t doc;
  ASSERT_TRUE(bson_init_static(&doc, std::get<RawBson>(v).bytes.data(), std::get<RawBson>(v).bytes.size()));
  EXPECT_EQ(bson_count_keys(&doc), 40u);
  bson_iter_t it;
  ASSERT_TRUE(bson_iter_init(&it, &doc));
  for (int i = 0; i <= 7; ++i) ASSERT_TRUE(bson_iter_next(&it));
  EXPECT_STREQ(bson_iter_key(&it), "k7");
  EXPECT_STREQ(bson_iter_utf8(&it, nullptr), "last");
}

TEST(JsonToBson, RepeatedKeysInsideNestedObjectsAndArrays) {
  EXPECT_EQ(Canonical(Parse(R"({"x": [{"k": 1, "k": [true, {"k": 0, "k": null}]}], "y": "s"})")),
            R"({ "x" : [ { "k" : [ true, { "k" : null } ] } ], "y" : "s" })");
}

TEST(JsonToBson, ObjectsWithoutRepeatsAreTheSameWhicheverPathBuildsThem) {
  // A repeat anywhere makes the whole text go through the second builder: the rest must not change.
  std::string body = R"("a": [1, 2.5, {"b": [[], {}]}], "c": {"d": {"e": "f"}})";
  Value with_repeat = Parse("{" + body + R"(, "z": 1, "z": 2})");
  Value without = Parse("{" + body + R"(, "z": 2})");
  EXPECT_EQ(with_repeat, without);
}

TEST(JsonToBson, DeepNestingIsBuilt) {
  const int depth = 10000;
  Value arrays = Parse(std::string(depth, '[') + "7" + std::string(depth, ']'));
  ASSERT_TRUE(std::holds_alternative<RawBson>(arrays));
  std::string objects;
  for (int i = 0; i < depth; ++i) objects += R"({"a":)";
  objects += "7" + std::string(depth, '}');
  Value nested = Parse(objects);
  ASSERT_TRUE(std::holds_alternative<RawBson>(nested));
  // Walk down to the 7.
  const RawBson& raw = std::get<RawBson>(nested);
  bson_t doc;
  ASSERT_TRUE(bson_init_static(&doc, raw.bytes.data(), raw.bytes.size()));
  bson_iter_t it;
  ASSERT_TRUE(bson_iter_init(&it, &doc));
  for (int i = 1; i < depth; ++i) {
    ASSERT_TRUE(bson_iter_next(&it) && BSON_ITER_HOLDS_DOCUMENT(&it)) << "at depth " << i;
    bson_iter_t child;
    ASSERT_TRUE(bson_iter_recurse(&it, &child));
    it = child;
  }
  ASSERT_TRUE(bson_iter_next(&it));
  EXPECT_EQ(bson_iter_int32(&it), 7);
}

TEST(JsonToBson, WhitespaceDoesNotMatter) {
  EXPECT_EQ(Parse("{\"a\":[1,{\"b\":null}]}"), Parse(" {\n \"a\" : [ 1 ,\t{ \"b\" : null } ] } "));
}

TEST(JsonToBson, TextThatIsNotOneJsonValueStaysText) {
  ExpectKeptAsText("");
  ExpectKeptAsText("1, \"w\": 2");
  ExpectKeptAsText("{\"a\": 1} {\"b\": 2}");
  ExpectKeptAsText("{\"a\": 1,}");
  ExpectKeptAsText("NaN");
  ExpectKeptAsText("{'a': 1}");
  ExpectKeptAsText("[1] // comment");
  ExpectKeptAsText("{\"a\": [1, 2}");
}

TEST(JsonToBson, KeptAsTextIsOptional) {
  EXPECT_EQ(JsonTextToValue("{"), Value(std::string("{")));
  EXPECT_EQ(JsonTextToValue("2"), Value(int32_t{2}));
}

}  // namespace
}  // namespace sql2mongo
