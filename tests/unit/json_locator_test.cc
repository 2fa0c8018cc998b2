#include <gtest/gtest.h>

#include "mapping/json_locator.h"

namespace sql2mongo {
namespace {

TEST(JsonLocator, FindsValuesAndKeysPastCommentsAndEscapes) {
  std::string text =
      "{\n"
      "  // a comment with \"quotes\" and { braces }\n"
      "  \"a\": {\"b/c\": [10, {\"d\": \"x\\\"y\"}]},\n"
      "  /* block\n comment */ \"e\": true\n"
      "}\n";
  JsonLocator locator(text);
  EXPECT_EQ(locator.ValueAt("/a").line, 3);
  EXPECT_EQ(locator.ValueAt("/a").column, 8);
  EXPECT_EQ(locator.KeyAt("/a/b~1c").column, 9);
  EXPECT_EQ(locator.ValueAt("/a/b~1c/1/d").column, 27);
  EXPECT_EQ(locator.ValueAt("/e").line, 5);
  EXPECT_EQ(locator.ValueAt("/e").column, 18);
  // An unknown pointer falls back to the nearest recorded parent.
  EXPECT_EQ(locator.ValueAt("/a/zzz").column, 8);
}

TEST(JsonLocator, EscapesPointerTokens) { EXPECT_EQ(JsonLocator::Escape("a/b~c"), "a~1b~0c"); }

TEST(JsonLocator, OffsetToPosition) {
  TextPosition p = JsonLocator::PositionOfOffset("ab\ncd", 4);
  EXPECT_EQ(p.line, 2);
  EXPECT_EQ(p.column, 2);
}

}  // namespace
}  // namespace sql2mongo
