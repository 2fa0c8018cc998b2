// The MongoDB sink against the real target: what is written is read back as BSON, type by type.
#include <gtest/gtest.h>


#include <atomic>
#include <cmath>
#include <map>
#include <mutex>
#include <thread>

#include "sql2mongo/document_builder.h"
#include "sql2mongo/sink.h"
#include "support/cuttable_proxy.h"
#include "support/test_support.h"

namespace sql2mongo::testing {
namespace {

BsonPtr Doc(int32_t id, const Value& value) {
  BsonPtr doc(bson_new());
  BSON_APPEND_INT32(doc.get(), "_id", id);
  EXPECT_TRUE(AppendValue(doc.get(), "v", 1, value).ok());
  return doc;
}

const WriteMode kInsert;

class MongoSinkTest : public TargetTest {
 protected:
  void SetUp() override {
    TargetTest::SetUp();
    if (IsSkipped()) return;
    database_ = UniqueDatabase("sink");
    auto sink = OpenSink(TargetBaseUri() + "/" + database_);
    ASSERT_TRUE(sink.ok()) << sink.status().message();
    sink_ = std::move(sink).value();
    ASSERT_TRUE(sink_->Prepare({{"values", kInsert, /*replace_collection=*/false}}).ok());
  }
  void TearDown() override {
    if (!database_.empty()) DropDatabase(database_);
    TargetTest::TearDown();
  }

  std::string database_;
  std::unique_ptr<Sink> sink_;
};
S2M_ON_EVERY_TARGET(MongoSinkTest);

TEST_P(MongoSinkTest, EveryValueTypeReadsBackAsTheSameBson) {
  std::vector<BsonPtr> docs;
  docs.push_back(Doc(1, Value(int64_t{9223372036854775807})));
  docs.push_back(Doc(2, Value(std::string("Gonçalves ✓"))));
  docs.push_back(Doc(3, Value(DateTime{1234567890123})));
  docs.push_back(Doc(4, Value(Binary{{0, 1, 2, 255}, 0})));
  docs.push_back(Doc(5, Value(true)));
  docs.push_back(Doc(6, Value(Null{})));
  docs.push_back(Doc(7, Value(-0.0)));
  docs.push_back(Doc(8, Value(1.5e300)));
  auto outcome = sink_->Write("values", docs, kInsert);
  ASSERT_TRUE(outcome.ok()) << outcome.status().message();
  EXPECT_EQ(outcome->written, 8u);
  EXPECT_TRUE(outcome->refused.empty());

  auto back = FindDocuments(database_, "values");
  ASSERT_EQ(back.size(), 8u);
  EXPECT_EQ(Integer(back[0].get(), "v"), INT64_MAX);
  bson_iter_t v = Field(back[0].get(), "v");
  EXPECT_TRUE(BSON_ITER_HOLDS_INT64(&v));
  EXPECT_EQ(Utf8(back[1].get(), "v"), "Gonçalves ✓");
  v = Field(back[2].get(), "v");
  ASSERT_TRUE(BSON_ITER_HOLDS_DATE_TIME(&v));
  EXPECT_EQ(bson_iter_date_time(&v), 1234567890123);
  v = Field(back[3].get(), "v");
  ASSERT_TRUE(BSON_ITER_HOLDS_BINARY(&v));
  uint32_t length;
  const uint8_t* bytes;
  bson_subtype_t subtype;
  bson_iter_binary(&v, &subtype, &length, &bytes);
  EXPECT_EQ(std::vector<uint8_t>(bytes, bytes + length), (std::vector<uint8_t>{0, 1, 2, 255}));
  v = Field(back[4].get(), "v");
  EXPECT_TRUE(BSON_ITER_HOLDS_BOOL(&v) && bson_iter_bool(&v));
  v = Field(back[5].get(), "v");
  EXPECT_TRUE(BSON_ITER_HOLDS_NULL(&v));
  v = Field(back[6].get(), "v");
  ASSERT_TRUE(BSON_ITER_HOLDS_DOUBLE(&v));
  EXPECT_EQ(bson_iter_double(&v), 0.0);
  v = Field(back[7].get(), "v");
  ASSERT_TRUE(BSON_ITER_HOLDS_DOUBLE(&v));
  EXPECT_EQ(bson_iter_double(&v), 1.5e300);
}

TEST_P(MongoSinkTest, Decimal128KeepsEveryDigit) {
  S2M_REQUIRE_TARGET_STORES(decimal128);
  std::vector<BsonPtr> docs;
  docs.push_back(Doc(1, Value(Decimal{"12345678901234567890.123456789012"})));  // 32 digits, exact
  docs.push_back(Doc(2, Value(Decimal{"-0.000001"})));
  auto outcome = sink_->Write("values", docs, kInsert);
  ASSERT_TRUE(outcome.ok()) << outcome.status().message();
  EXPECT_EQ(outcome->written, 2u);
  auto back = FindDocuments(database_, "values");
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(DecimalText(back[0].get(), "v"), "12345678901234567890.123456789012");
  EXPECT_EQ(DecimalText(back[1].get(), "v"), "-0.000001");
}

// A document with a value the server cannot store is never sent (FerretDB v1 would close the
// connection), is refused with the field and the reason, and the rest of the batch is written.
TEST_P(MongoSinkTest, ValuesTheServerCannotStoreAreRefusedBeforeSending) {
  auto with_json = [](int32_t id, const char* json) {
    BsonPtr doc(bson_new());
    BSON_APPEND_INT32(doc.get(), "_id", id);
    bson_error_t error;
    BsonPtr inner(bson_new_from_json(reinterpret_cast<const uint8_t*>(json), -1, &error));
    EXPECT_TRUE(inner) << error.message;
    BSON_APPEND_DOCUMENT(doc.get(), "v", inner.get());
    return doc;
  };
  std::vector<BsonPtr> docs;
  docs.push_back(Doc(1, Value(int32_t{1})));
  docs.push_back(Doc(2, Value(Decimal{"1.5"})));
  docs.push_back(Doc(3, Value(std::nan(""))));
  docs.push_back(with_json(4, R"({"grid": [[1, 2], [3, 4]]})"));
  BsonPtr dotted(bson_new());
  BSON_APPEND_INT32(dotted.get(), "_id", 5);
  BSON_APPEND_INT32(dotted.get(), "a.b", 1);
  docs.push_back(std::move(dotted));
  BsonPtr dollar(bson_new());
  BSON_APPEND_INT32(dollar.get(), "_id", 6);
  bson_t inner;
  BSON_APPEND_DOCUMENT_BEGIN(dollar.get(), "v", &inner);
  BSON_APPEND_INT32(&inner, "$weird", 1);
  bson_append_document_end(dollar.get(), &inner);
  docs.push_back(std::move(dollar));
  docs.push_back(Doc(7, Value(int32_t{7})));

  // What each document needs, in order; what the server cannot store must come back refused.
  const ValueSupport& stores = server().stores;
  std::vector<std::pair<bool, std::string>> expected = {
      {true, ""},
      {stores.decimal128, "Decimal128 at 'v'"},
      {stores.nan, "NaN at 'v'"},
      {stores.nested_arrays, "an array inside an array at 'v.grid.0'"},
      {stores.dotted_keys, "the key 'a.b'"},
      {stores.dollar_keys, "the key '$weird'"},
      {true, ""}};
  auto outcome = sink_->Write("values", docs, kInsert);
  ASSERT_TRUE(outcome.ok()) << outcome.status().message();
  size_t storable = 0;
  std::map<size_t, std::string> refused;
  for (const auto& refusal : outcome->refused) refused[refusal.index] = refusal.reason;
  for (size_t i = 0; i < expected.size(); ++i) {
    if (expected[i].first) {
      ++storable;
      EXPECT_EQ(refused.count(i), 0u) << "document " << i + 1 << " refused: " << refused[i];
    } else {
      ASSERT_EQ(refused.count(i), 1u) << "document " << i + 1 << " was sent";
      EXPECT_NE(refused[i].find("not sent: " + expected[i].second), std::string::npos) << refused[i];
      EXPECT_NE(refused[i].find("FerretDB v1"), std::string::npos) << refused[i];
    }
  }
  EXPECT_EQ(outcome->written, storable);
  EXPECT_EQ(CountDocuments(database_, "values"), static_cast<int64_t>(storable));
  // The connection is still good: the next batch is written.
  std::vector<BsonPtr> more;
  more.push_back(Doc(8, Value(int32_t{8})));
  auto next = sink_->Write("values", more, kInsert);
  ASSERT_TRUE(next.ok()) << next.status().message();
  EXPECT_EQ(next->written, 1u);
}

// What the sink learns from the server matches what the server is known to store.
TEST_P(MongoSinkTest, TheSinkKnowsWhoTheTargetIsAndWhatItStores) {
  const TargetInfo& target = sink_->Target();
  const ValueSupport& expected = server().stores;
  EXPECT_EQ(target.supports.decimal128, expected.decimal128);
  EXPECT_EQ(target.supports.nan, expected.nan);
  EXPECT_EQ(target.supports.nested_arrays, expected.nested_arrays);
  EXPECT_EQ(target.supports.dotted_keys, expected.dotted_keys);
  EXPECT_EQ(target.supports.dollar_keys, expected.dollar_keys);
  EXPECT_EQ(target.max_document_bytes, 16 * 1024 * 1024);
  if (server().name == "ferretdb") {
    EXPECT_EQ(target.product, "FerretDB");
    EXPECT_EQ(target.version, "v1.24.1");
    EXPECT_EQ(target.reported_version.rfind("7.0.", 0), 0u) << target.reported_version;
    EXPECT_EQ(target.max_wire_version, 21);
  } else {
    EXPECT_EQ(target.product, "MongoDB");
    EXPECT_EQ(target.max_wire_version, 8);  // mongo-java-server speaks MongoDB 4.2's protocol
  }
  std::string line = target.Describe(sink_->DisplayName());
  EXPECT_NE(line.find(target.Name()), std::string::npos) << line;
  EXPECT_NE(line.find("wire version"), std::string::npos) << line;
}

TEST_P(MongoSinkTest, RefusedDocumentsAreReportedByTheirPositionInTheBatch) {
  std::vector<BsonPtr> docs;
  docs.push_back(Doc(1, Value(int32_t{1})));
  docs.push_back(Doc(2, Value(int32_t{2})));
  docs.push_back(Doc(1, Value(int32_t{3})));  // duplicate _id
  docs.push_back(Doc(4, Value(int32_t{4})));
  auto outcome = sink_->Write("values", docs, kInsert);
  ASSERT_TRUE(outcome.ok()) << outcome.status().message();
  EXPECT_EQ(outcome->written, 3u);
  ASSERT_EQ(outcome->refused.size(), 1u);
  EXPECT_EQ(outcome->refused[0].index, 2u);
  EXPECT_NE(outcome->refused[0].reason.find("11000"), std::string::npos) << outcome->refused[0].reason;
  EXPECT_EQ(CountDocuments(database_, "values"), 3);
}

TEST_P(MongoSinkTest, ALostConnectionNamesTheCollectionWhatWasAcknowledgedAndTheLikelyCause) {
  int port = std::stoi(TargetBaseUri().substr(TargetBaseUri().rfind(':') + 1));
  CuttableProxy proxy(port);
  SinkOptions no_retry;
  no_retry.retry_for_seconds = 0;  // the fault itself, not the retries (tests/integration/retry_test.cc)
  auto sink = OpenSink("mongodb://127.0.0.1:" + std::to_string(proxy.port()) + "/" + database_ +
                           "?serverSelectionTimeoutMS=2000&socketTimeoutMS=2000",
                       no_retry);
  ASSERT_TRUE(sink.ok()) << sink.status().message();
  std::vector<BsonPtr> first;
  for (int32_t id = 1; id <= 3; ++id) first.push_back(Doc(id, Value(id)));
  auto written = (*sink)->Write("values", first, kInsert);
  ASSERT_TRUE(written.ok()) << written.status().message();
  EXPECT_EQ(written->written, 3u);

  proxy.Cut();
  std::vector<BsonPtr> second;
  second.push_back(Doc(4, Value(int32_t{4})));
  auto lost = (*sink)->Write("values", second, kInsert);
  ASSERT_FALSE(lost.ok());
  const std::string& message = lost.status().message();
  EXPECT_NE(message.find("writing collection 'values' failed"), std::string::npos) << message;
  EXPECT_NE(message.find("after 3 documents of it were acknowledged"), std::string::npos) << message;
  EXPECT_NE(message.find("the connection was lost. Likely causes: the server stopped"), std::string::npos) << message;
  EXPECT_EQ(CountDocuments(database_, "values"), 3);
}

TEST_P(MongoSinkTest, ReplacingACollectionLoadsItAsideUntilPublish) {
  std::vector<BsonPtr> old_docs;
  old_docs.push_back(Doc(1, Value(int32_t{1})));
  ASSERT_TRUE(sink_->Write("values", old_docs, kInsert).ok());
  ASSERT_TRUE(sink_->Prepare({{"values", kInsert, /*replace_collection=*/true}}).ok());
  std::vector<BsonPtr> new_docs;
  new_docs.push_back(Doc(2, Value(int32_t{2})));
  auto written = sink_->Write("values", new_docs, kInsert);
  ASSERT_TRUE(written.ok()) << written.status().message();
  EXPECT_EQ(written->written, 1u);
  // Until Publish the live collection holds what it held; the new documents are in the staging one.
  auto live = FindDocuments(database_, "values");
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(Integer(live[0].get(), "_id"), 1);
  EXPECT_EQ(CountDocuments(database_, "values__s2m_staging"), 1);
  ASSERT_TRUE(sink_->Publish().ok());
  live = FindDocuments(database_, "values");
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(Integer(live[0].get(), "_id"), 2);
  EXPECT_EQ(CollectionNames(database_), std::vector<std::string>{"values"});
}

}  // namespace
}  // namespace sql2mongo::testing
