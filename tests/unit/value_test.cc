// Value conversions: what each mapping "type" does to each kind of SQL value, and what it refuses.
#include <gtest/gtest.h>

#include "common/handles.h"
#include "sql2mongo/document_builder.h"
#include "sql2mongo/value.h"

namespace sql2mongo {
namespace {

Value Convert(const Value& v, TargetType t) {
  Result<Value> r = ConvertValue(v, t);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? r.value() : Value(Null{});
}

std::string ConvertError(const Value& v, TargetType t) {
  Result<Value> r = ConvertValue(v, t);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDataError);
  return r.status().message();
}

TEST(Value, AutoAndNullPassThrough) {
  EXPECT_EQ(Convert(Value(int32_t{7}), TargetType::kAuto), Value(int32_t{7}));
  EXPECT_EQ(Convert(Value(Null{}), TargetType::kInt32), Value(Null{}));
}

TEST(Value, Int32ChecksRange) {
  EXPECT_EQ(Convert(Value(int64_t{42}), TargetType::kInt32), Value(int32_t{42}));
  EXPECT_EQ(Convert(Value(std::string("-17")), TargetType::kInt32), Value(int32_t{-17}));
  EXPECT_EQ(Convert(Value(3.0), TargetType::kInt32), Value(int32_t{3}));
  EXPECT_NE(ConvertError(Value(int64_t{3000000000}), TargetType::kInt32).find("out of int32 range"), std::string::npos);
  EXPECT_NE(ConvertError(Value(std::string("five")), TargetType::kInt32).find("cannot convert 'five' to int32"),
            std::string::npos);
  EXPECT_NE(ConvertError(Value(2.5), TargetType::kInt32).find("not a whole number"), std::string::npos);
}

TEST(Value, Int64KeepsExtremes) {
  EXPECT_EQ(Convert(Value(std::string("9223372036854775807")), TargetType::kInt64), Value(INT64_MAX));
  EXPECT_EQ(Convert(Value(std::string("-9223372036854775808")), TargetType::kInt64), Value(INT64_MIN));
  ConvertError(Value(std::string("9223372036854775808")), TargetType::kInt64);
  ConvertError(Value(9.3e18), TargetType::kInt64);
}

TEST(Value, DecimalIsExactFromDoublesAndText) {
  EXPECT_EQ(Convert(Value(0.99), TargetType::kDecimal), Value(Decimal{"0.99"}));
  EXPECT_EQ(Convert(Value(1.1 + 2.2), TargetType::kDecimal), Value(Decimal{"3.3000000000000003"}));
  EXPECT_EQ(Convert(Value(std::string("123456789012345678901234567890.12")), TargetType::kDecimal),
            Value(Decimal{"123456789012345678901234567890.12"}));
  EXPECT_EQ(Convert(Value(int64_t{-5}), TargetType::kDecimal), Value(Decimal{"-5"}));
  ConvertError(Value(std::string("12 apples")), TargetType::kDecimal);
}

TEST(Value, DoubleAndString) {
  EXPECT_EQ(Convert(Value(Decimal{"1.25"}), TargetType::kDouble), Value(1.25));
  EXPECT_EQ(Convert(Value(int32_t{3}), TargetType::kDouble), Value(3.0));
  EXPECT_EQ(Convert(Value(Decimal{"1.50"}), TargetType::kString), Value(std::string("1.50")));
  EXPECT_EQ(Convert(Value(0.1), TargetType::kString), Value(std::string("0.1")));
  EXPECT_EQ(Convert(Value(true), TargetType::kString), Value(std::string("true")));
}

TEST(Value, Bool) {
  EXPECT_EQ(Convert(Value(int32_t{1}), TargetType::kBool), Value(true));
  EXPECT_EQ(Convert(Value(std::string("f")), TargetType::kBool), Value(false));
  EXPECT_NE(ConvertError(Value(int32_t{2}), TargetType::kBool).find("expected 0/1 or true/false"), std::string::npos);
}

TEST(Value, DatesParseAsUtcWithOffsets) {
  EXPECT_EQ(Convert(Value(std::string("1970-01-01")), TargetType::kDate), Value(DateTime{0}));
  EXPECT_EQ(Convert(Value(std::string("2009-01-01 00:00:00")), TargetType::kDate), Value(DateTime{1230768000000}));
  EXPECT_EQ(Convert(Value(std::string("2009-01-01T01:30:00+01:30")), TargetType::kDate), Value(DateTime{1230768000000}));
  EXPECT_EQ(Convert(Value(std::string("2009-01-01T00:00:00.123456Z")), TargetType::kDate), Value(DateTime{1230768000123}));
  EXPECT_EQ(Convert(Value(std::string("1969-12-31 23:59:59")), TargetType::kDate), Value(DateTime{-1000}));
  EXPECT_EQ(Convert(Value(int64_t{86400}), TargetType::kDate), Value(DateTime{86400000}));
  EXPECT_NE(ConvertError(Value(std::string("31/12/2020")), TargetType::kDate).find("expected YYYY-MM-DD"),
            std::string::npos);
  ConvertError(Value(std::string("2020-13-01")), TargetType::kDate);
  ConvertError(Value(std::string("2024-02-31")), TargetType::kDate);           // no rolling into March
  ConvertError(Value(std::string("2023-02-29")), TargetType::kDate);           // not a leap year
  EXPECT_EQ(Convert(Value(std::string("2024-02-29")), TargetType::kDate), Value(DateTime{1709164800000}));
  ConvertError(Value(std::string("2023-12-31 23:59:60")), TargetType::kDate);  // no leap second in BSON
}

TEST(Value, ShortestDecimalTextRoundTrips) {
  EXPECT_EQ(ShortestDecimalText(0.99), "0.99");
  EXPECT_EQ(ShortestDecimalText(1e21), "1e+21");
  EXPECT_EQ(std::stod(ShortestDecimalText(0.1 + 0.2)), 0.1 + 0.2);
}

TEST(Value, TypeNamesParse) {
  TargetType t;
  EXPECT_TRUE(ParseTargetType("long", &t));
  EXPECT_EQ(t, TargetType::kInt64);
  EXPECT_TRUE(ParseTargetType("decimal", &t));
  EXPECT_EQ(t, TargetType::kDecimal);
  EXPECT_FALSE(ParseTargetType("integer", &t));
  EXPECT_STREQ(TargetTypeName(TargetType::kDate), "date");
}

TEST(Value, JoinKeysMatchAcrossIntegerWidthsButNotAcrossTypes) {
  auto key = [](const Value& v) {
    std::string k;
    AppendJoinKey(v, &k);
    return k;
  };
  EXPECT_EQ(key(Value(int32_t{5})), key(Value(int64_t{5})));
  EXPECT_EQ(key(Value(5.0)), key(Value(int32_t{5})));
  EXPECT_NE(key(Value(std::string("5"))), key(Value(int32_t{5})));
  EXPECT_NE(key(Value(Binary{{1, 2}, 0})), key(Value(Binary{{1, 3}, 0})));
  EXPECT_NE(key(Value(std::string("ab"))) + key(Value(std::string("c"))),
            key(Value(std::string("a"))) + key(Value(std::string("bc"))));
}

// The size estimates of init and check count what libbson writes for each kind of value.
TEST(Value, BsonValueBytesIsWhatLibbsonWrites) {
  std::vector<uint8_t> inner = {5, 0, 0, 0, 0};  // an empty document
  for (const Value& value : {Value(Null{}), Value(true), Value(int32_t{7}), Value(int64_t{7}), Value(0.5),
                             Value(Decimal{"1.25"}), Value(std::string("héllo")), Value(Binary{{1, 2, 3}, 0}),
                             Value(DateTime{86400000}), Value(RawBson{inner, false})}) {
    ScopedBson doc;
    ASSERT_TRUE(AppendValue(doc.get(), "k", 1, value).ok()) << ValueToDisplay(value);
    // 4 bytes of length and a NUL for the document, a type byte, "k" and its NUL for the field.
    EXPECT_EQ(doc.get()->len, 5u + 3u + BsonValueBytes(value)) << ValueToDisplay(value);
  }
}

}  // namespace
}  // namespace sql2mongo
