// The plain-decimal fast path gives exactly the Decimal128 bits libbson's parser gives, for every
// string it accepts, and accepts nothing libbson would read otherwise.
#include "common/plain_decimal.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace sql2mongo {
namespace {

void ExpectSameAsLibbson(const std::string& text) {
  bson_decimal128_t fast{}, reference{};
  ASSERT_TRUE(PlainDecimalToDecimal128(text, &fast)) << text;
  ASSERT_TRUE(bson_decimal128_from_string(text.c_str(), &reference)) << text;
  EXPECT_EQ(fast.high, reference.high) << text;
  EXPECT_EQ(fast.low, reference.low) << text;
}

TEST(PlainDecimal, GivesLibbsonsBitsForTheValuesNumericColumnsHold) {
  for (const char* text : {"0", "-0", "7", "-7", "123.45", "-123.45", "1.50", "0.00", "-0.000", "007.10",
                           "9999999999999999999", "-9999999999999999999", "0.0000000000000000001",
                           "1234567890.123456789"})
    ExpectSameAsLibbson(text);
}

TEST(PlainDecimal, GivesLibbsonsBitsForRandomPlainDecimals) {
  std::mt19937_64 random(12);
  for (int i = 0; i < 20000; ++i) {
    std::string text = random() % 3 == 0 ? "-" : "";
    int whole = 1 + static_cast<int>(random() % 12), fraction = static_cast<int>(random() % 8);
    for (int d = 0; d < whole; ++d) text += static_cast<char>('0' + random() % 10);
    if (fraction > 0) {
      text += '.';
      for (int d = 0; d < fraction; ++d) text += static_cast<char>('0' + random() % 10);
    }
    ExpectSameAsLibbson(text);
  }
}

TEST(PlainDecimal, LeavesEverythingElseToLibbson) {
  bson_decimal128_t out;
  for (const char* text : {"", "-", ".", "5.", ".5", "-.5", "1e5", "1E-3", "NaN", "Infinity", "-Infinity", "+1",
                           "1.2.3", "12a", " 1", "1 ", "12345678901234567890", "0.12345678901234567890"})
    EXPECT_FALSE(PlainDecimalToDecimal128(text, &out)) << text;
}

}  // namespace
}  // namespace sql2mongo
