// The MongoDB sink against the real target: what is written is read back as BSON, type by type.
#include <gtest/gtest.h>

#include "sql2mongo/document_builder.h"
#include "sql2mongo/sink.h"
#include "support/test_support.h"

namespace sql2mongo::testing {
namespace {

BsonPtr Doc(int32_t id, const Value& value) {
  BsonPtr doc(bson_new());
  BSON_APPEND_INT32(doc.get(), "_id", id);
  EXPECT_TRUE(AppendValue(doc.get(), "v", 1, value).ok());
  return doc;
}

class MongoSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = UniqueDatabase("sink");
    auto sink = OpenSink(TargetBaseUri() + "/" + database_);
    ASSERT_TRUE(sink.ok()) << sink.status().message();
    sink_ = std::move(sink).value();
    ASSERT_TRUE(sink_->Prepare({"values"}, /*drop=*/true).ok());
  }
  void TearDown() override { DropDatabase(database_); }

  std::string database_;
  std::unique_ptr<Sink> sink_;
};

TEST_F(MongoSinkTest, EveryValueTypeReadsBackAsTheSameBson) {
  std::vector<BsonPtr> docs;
  docs.push_back(Doc(1, Value(Decimal{"12345678901234567890.123456789012"})));  // 32 digits, exact
  docs.push_back(Doc(2, Value(int64_t{9223372036854775807})));
  docs.push_back(Doc(3, Value(std::string("Gonçalves ✓"))));
  docs.push_back(Doc(4, Value(DateTime{1234567890123})));
  docs.push_back(Doc(5, Value(Binary{{0, 1, 2, 255}, 0})));
  docs.push_back(Doc(6, Value(true)));
  docs.push_back(Doc(7, Value(Null{})));
  docs.push_back(Doc(8, Value(-0.0)));
  auto outcome = sink_->Write("values", docs);
  ASSERT_TRUE(outcome.ok()) << outcome.status().message();
  EXPECT_EQ(outcome->written, 8u);
  EXPECT_TRUE(outcome->refused.empty());

  auto back = FindDocuments(database_, "values");
  ASSERT_EQ(back.size(), 8u);
  EXPECT_EQ(DecimalText(back[0].get(), "v"), "12345678901234567890.123456789012");
  EXPECT_EQ(Integer(back[1].get(), "v"), INT64_MAX);
  bson_iter_t v = Field(back[1].get(), "v");
  EXPECT_TRUE(BSON_ITER_HOLDS_INT64(&v));
  EXPECT_EQ(Utf8(back[2].get(), "v"), "Gonçalves ✓");
  v = Field(back[3].get(), "v");
  ASSERT_TRUE(BSON_ITER_HOLDS_DATE_TIME(&v));
  EXPECT_EQ(bson_iter_date_time(&v), 1234567890123);
  v = Field(back[4].get(), "v");
  ASSERT_TRUE(BSON_ITER_HOLDS_BINARY(&v));
  uint32_t length;
  const uint8_t* bytes;
  bson_subtype_t subtype;
  bson_iter_binary(&v, &subtype, &length, &bytes);
  EXPECT_EQ(std::vector<uint8_t>(bytes, bytes + length), (std::vector<uint8_t>{0, 1, 2, 255}));
  v = Field(back[5].get(), "v");
  EXPECT_TRUE(BSON_ITER_HOLDS_BOOL(&v) && bson_iter_bool(&v));
  v = Field(back[6].get(), "v");
  EXPECT_TRUE(BSON_ITER_HOLDS_NULL(&v));
  v = Field(back[7].get(), "v");
  ASSERT_TRUE(BSON_ITER_HOLDS_DOUBLE(&v));
  EXPECT_EQ(bson_iter_double(&v), 0.0);
}

TEST_F(MongoSinkTest, RefusedDocumentsAreReportedByTheirPositionInTheBatch) {
  std::vector<BsonPtr> docs;
  docs.push_back(Doc(1, Value(int32_t{1})));
  docs.push_back(Doc(2, Value(int32_t{2})));
  docs.push_back(Doc(1, Value(int32_t{3})));  // duplicate _id
  docs.push_back(Doc(4, Value(int32_t{4})));
  auto outcome = sink_->Write("values", docs);
  ASSERT_TRUE(outcome.ok()) << outcome.status().message();
  EXPECT_EQ(outcome->written, 3u);
  ASSERT_EQ(outcome->refused.size(), 1u);
  EXPECT_EQ(outcome->refused[0].index, 2u);
  EXPECT_NE(outcome->refused[0].reason.find("11000"), std::string::npos) << outcome->refused[0].reason;
  EXPECT_EQ(CountDocuments(database_, "values"), 3);
}

TEST_F(MongoSinkTest, DropReplacesTheCollection) {
  std::vector<BsonPtr> docs;
  docs.push_back(Doc(1, Value(int32_t{1})));
  ASSERT_TRUE(sink_->Write("values", docs).ok());
  ASSERT_TRUE(sink_->Prepare({"values"}, /*drop=*/true).ok());
  EXPECT_EQ(CountDocuments(database_, "values"), 0);
}

}  // namespace
}  // namespace sql2mongo::testing
