// When a batch of parents is fetched by key range and when by key list (src/pipeline/embed_strategy.h).
#include <gtest/gtest.h>

#include <cstdint>

#include "pipeline/embed_strategy.h"

namespace sql2mongo {
namespace {

std::vector<std::vector<Value>> Keys(std::initializer_list<int64_t> values) {
  std::vector<std::vector<Value>> keys;
  for (int64_t v : values) keys.push_back({Value(v)});
  return keys;
}

TEST(EmbedStrategy, AscendingIntegerKeysWithFewGapsFormARange) {
  EXPECT_TRUE(KeysFormRange(Keys({1, 2, 3, 5, 8})));
  EXPECT_TRUE(KeysFormRange(Keys({42})));
  std::vector<std::vector<Value>> mixed_widths = {{Value(int32_t{7})}, {Value(int64_t{8})}, {Value(int32_t{10})}};
  EXPECT_TRUE(KeysFormRange(mixed_widths));
  // Composite integer keys: ascending as row values; the span is the leading column's.
  std::vector<std::vector<Value>> pairs = {{Value(1), Value(5)}, {Value(1), Value(9)}, {Value(2), Value(0)}};
  EXPECT_TRUE(KeysFormRange(pairs));
}

TEST(EmbedStrategy, KeysOutOfOrderSparseOrNotIntegersAreFetchedByList) {
  EXPECT_FALSE(KeysFormRange({}));
  EXPECT_FALSE(KeysFormRange(Keys({1, 3, 2})));        // not ascending: a heap scan, a second level
  EXPECT_FALSE(KeysFormRange(Keys({1, 2, 1000})));     // sparse: the range would hold others' children
  EXPECT_FALSE(KeysFormRange(Keys({1, 2, 2})));        // duplicates never reach it (keys are distinct)
  std::vector<std::vector<Value>> pairs = {{Value(1), Value(9)}, {Value(1), Value(5)}};
  EXPECT_FALSE(KeysFormRange(pairs));
  std::vector<std::vector<Value>> text = {{Value(std::string("a"))}, {Value(std::string("b"))}};
  EXPECT_FALSE(KeysFormRange(text));  // SQL's collation may order text otherwise than bytes
  std::vector<std::vector<Value>> dates = {{Value(DateTime{1})}, {Value(DateTime{2})}};
  EXPECT_FALSE(KeysFormRange(dates));
  // The widest span: no overflow between the ends of int64.
  EXPECT_FALSE(KeysFormRange(Keys({INT64_MIN, INT64_MAX})));
  EXPECT_TRUE(KeysFormRange(Keys({INT64_MAX - 1, INT64_MAX})));
}

TEST(EmbedStrategy, ThePlanAllowsRangesForArraysOfParentsWithoutAWhere) {
  EmbedPlan array;
  array.kind = EmbedKind::kArray;
  TablePlan parent;
  EXPECT_TRUE(PlanEmbedFetch(array, parent, true).range_allowed);
  EXPECT_TRUE(RangeFetchAllowed(array, parent));
  EXPECT_NE(PlanEmbedFetch(array, parent, false).why.find("rarely"), std::string::npos);  // a second level
  parent.where = "active = 1";  // gaps in the parents' keys, whose children a range would read for nothing
  EXPECT_FALSE(PlanEmbedFetch(array, parent, true).range_allowed);
  EXPECT_NE(PlanEmbedFetch(array, parent, true).why.find("where"), std::string::npos);
  EXPECT_FALSE(RangeFetchAllowed(array, parent));
  EmbedPlan object;
  object.kind = EmbedKind::kObject;
  EXPECT_FALSE(PlanEmbedFetch(object, TablePlan{}, true).range_allowed);
  EXPECT_FALSE(RangeFetchAllowed(object, TablePlan{}));
}

}  // namespace
}  // namespace sql2mongo
