// RelaxedJson: mongoexport's relaxed Extended JSON, doubles in their shortest exact form.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "common/handles.h"
#include "support/test_support.h"
#include "common/relaxed_json.h"

namespace sql2mongo {
namespace {

BsonPtr FromJson(const char* json) { return testing::BsonFromJson(json); }

std::string Libbson(const bson_t* doc) {
  BsonString json(bson_as_relaxed_extended_json(doc, nullptr));
  return json.get();
}

TEST(RelaxedJson, WithoutDoublesTheWalkWritesExactlyWhatLibbsonWrites) {
  BsonPtr doc = FromJson(R"({"_id": 1, "s": "a \"quoted\" \u00e9 \n line", "n": null, "b": true, "big": {"$numberLong": "9007199254740993"},
    "d": {"$date": "2022-03-11T00:00:00Z"}, "old": {"$date": {"$numberLong": "-62135596800001"}},
    "dec": {"$numberDecimal": "1.50"}, "bin": {"$binary": {"base64": "AAEC", "subType": "04"}},
    "nested": {"a": [1, [2, {"k\"ey": "v"}], {}], "e": []}, "empty": {}})");
  EXPECT_EQ(RelaxedJsonWalked(doc.get()), Libbson(doc.get()));
  EXPECT_EQ(RelaxedJson(doc.get()), Libbson(doc.get()));
}

TEST(RelaxedJson, DoublesAreTheShortestTextThatReadsBackAsTheSameDouble) {
  BsonPtr doc(bson_new());
  BSON_APPEND_DOUBLE(doc.get(), "price", 0.99);
  BSON_APPEND_DOUBLE(doc.get(), "whole", 1.0);
  BSON_APPEND_DOUBLE(doc.get(), "huge", 1.5e300);
  BSON_APPEND_DOUBLE(doc.get(), "negative_zero", -0.0);
  BSON_APPEND_DOUBLE(doc.get(), "nan", std::nan(""));
  BSON_APPEND_DOUBLE(doc.get(), "inf", -std::numeric_limits<double>::infinity());
  bson_t array;
  BSON_APPEND_ARRAY_BEGIN(doc.get(), "list", &array);
  BSON_APPEND_DOUBLE(&array, "0", 3.98);
  BSON_APPEND_UTF8(&array, "1", "x");
  bson_append_array_end(doc.get(), &array);
  std::string json = RelaxedJson(doc.get());
  EXPECT_EQ(json,
            "{ \"price\" : 0.99, \"whole\" : 1.0, \"huge\" : 1.5e+300, \"negative_zero\" : -0.0, "
            "\"nan\" : { \"$numberDouble\" : \"NaN\" }, \"inf\" : { \"$numberDouble\" : \"-Infinity\" }, "
            "\"list\" : [ 3.98, \"x\" ] }");
  // And it reads back as the same document, double for double.
  bson_error_t error;
  BsonPtr back(bson_new_from_json(reinterpret_cast<const uint8_t*>(json.data()), -1, &error));
  ASSERT_TRUE(back) << error.message;
  bson_iter_t it;
  ASSERT_TRUE(bson_iter_init_find(&it, back.get(), "price") && BSON_ITER_HOLDS_DOUBLE(&it));
  EXPECT_EQ(bson_iter_double(&it), 0.99);
  ASSERT_TRUE(bson_iter_init_find(&it, back.get(), "whole") && BSON_ITER_HOLDS_DOUBLE(&it));
  ASSERT_TRUE(bson_iter_init_find(&it, back.get(), "negative_zero") && BSON_ITER_HOLDS_DOUBLE(&it));
  EXPECT_TRUE(std::signbit(bson_iter_double(&it)));
}

}  // namespace
}  // namespace sql2mongo
