// A work unit's bounds and checkpoint go to the target and come back with every part's type intact: a
// resumed scan compares them with the key columns in SQL, where an int32 read back as a double, or a
// decimal's digits rounded, would move the resume point.
#include "state/key_bson.h"

#include <gtest/gtest.h>

#include "common/handles.h"

namespace sql2mongo {
namespace {

std::vector<Value> RoundTrip(const std::vector<Value>& key) {
  ScopedBson doc;
  AppendKey(doc.get(), "k", key);
  bson_iter_t it;
  EXPECT_TRUE(bson_iter_init_find(&it, doc.get(), "k"));
  Result<std::vector<Value>> back = ReadKey(it, "k");
  EXPECT_TRUE(back.ok()) << back.status().message();
  return back.ok() ? back.value() : std::vector<Value>{};
}

TEST(KeyBson, EveryKeyTypeComesBackAsItWent) {
  std::vector<Value> key = {int32_t{-7},
                            int64_t{9007199254740993},  // not a double: 2^53 + 1
                            2.5,
                            Decimal{"12345678901234567890.125"},
                            std::string("text with 'quotes', ünïcode and a NUL: ") + std::string(1, '\0') + "inside",
                            true,
                            DateTime{-86400000},
                            Binary{{0, 1, 2, 255}, 4},
                            Null{}};
  std::vector<Value> back = RoundTrip(key);
  ASSERT_EQ(back.size(), key.size());
  for (size_t i = 0; i < key.size(); ++i) {
    EXPECT_EQ(back[i].index(), key[i].index()) << "part " << i;
    EXPECT_TRUE(back[i] == key[i]) << "part " << i << ": " << ValueToDisplay(back[i]) << " vs " << ValueToDisplay(key[i]);
  }
}

TEST(KeyBson, AnEmptyKeyIsAnEmptyArray) {
  EXPECT_TRUE(RoundTrip({}).empty());
}

TEST(KeyBson, SomethingElseIsRefusedNamingTheField) {
  ScopedBson doc;
  BSON_APPEND_UTF8(doc.get(), "checkpoint", "not a key");
  bson_iter_t it;
  ASSERT_TRUE(bson_iter_init_find(&it, doc.get(), "checkpoint"));
  Result<std::vector<Value>> back = ReadKey(it, "checkpoint");
  ASSERT_FALSE(back.ok());
  EXPECT_NE(back.status().message().find("'checkpoint'"), std::string::npos) << back.status().message();
}

}  // namespace
}  // namespace sql2mongo
