// Rows + resolved embeds -> BSON, read back with libbson: _id first, nesting, arrays in order, N:1
// objects, plain-value embeds, null handling and the values BSON cannot hold.
#include <gtest/gtest.h>

#include "pipeline/embed_resolver.h"
#include "sql2mongo/document_builder.h"
#include "support/test_support.h"

namespace sql2mongo {
namespace {

using testing::Integer;
using testing::Utf8;

class DocumentBuilderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string db = testing::MakeSqliteDatabase("builder.db", R"(
      CREATE TABLE team (id INTEGER PRIMARY KEY, name TEXT, lead_id INTEGER REFERENCES person(id), budget NUMERIC);
      CREATE TABLE person (id INTEGER PRIMARY KEY, name TEXT, team_id INTEGER REFERENCES team(id), rank INTEGER,
                           nick TEXT);
      CREATE TABLE tag (person_id INTEGER REFERENCES person(id), label TEXT);
      INSERT INTO team VALUES (1, 'core', 11, 12.50), (2, 'empty', NULL, NULL), (3, 'ghost lead', 99, 1);
      CREATE TABLE amount (id INTEGER PRIMARY KEY, digits TEXT);
      INSERT INTO amount VALUES (1, '1234567890123456789012345678901234.5'), (2, '0.000000000000000000000000000000001');
      INSERT INTO person VALUES (10, 'ann', 1, 2, NULL), (11, 'bo', 1, 1, 'b'), (12, 'cy', 1, 3, NULL);
      INSERT INTO tag VALUES (10, 'x'), (10, 'y'), (11, 'z');
      CREATE TABLE note (id INTEGER PRIMARY KEY, body BLOB);
      INSERT INTO note VALUES (1, CAST(x'ff00' AS TEXT));
    )");
    auto source = OpenSource("sqlite:" + db);
    ASSERT_TRUE(source.ok()) << source.status().message();
    source_ = std::move(source).value();
  }

  // Builds every document of the mapping's first collection.
  std::vector<Result<BsonPtr>> BuildAll(const std::string& collection_json, BuildCounters* counters) {
    auto mapping = ParseMappingText("{\"collections\": {\"c\": " + collection_json + "}}", "m.json");
    EXPECT_TRUE(mapping.ok()) << mapping.status().message();
    auto plan = BuildPlan(mapping.value(), *source_);
    EXPECT_TRUE(plan.ok()) << plan.status().message();
    const CollectionPlan& c = plan->collections[0];
    ScanRequest request{c.table.table, c.table.read_columns, c.table.where};
    request.order_by = c.table.order_by;
    auto stream = source_->Scan(request);
    EXPECT_TRUE(stream.ok()) << stream.status().message();
    RowBatch rows;
    std::vector<Result<BsonPtr>> docs;
    EmbedResolver resolver(*source_);
    while ((*stream)->Next(&rows, 100).value()) {
      std::vector<ResolvedEmbed> embeds;
      uint64_t embedded = 0;
      Status resolved = resolver.Resolve(c.table, rows, &embeds, &embedded);
      EXPECT_TRUE(resolved.ok()) << resolved.message();
      for (size_t r = 0; r < rows.rows(); ++r) docs.push_back(BuildDocument(c, rows, r, embeds, counters));
    }
    return docs;
  }

  std::unique_ptr<Source> source_;
};

std::vector<std::string> Keys(const bson_t* doc) {
  std::vector<std::string> keys;
  bson_iter_t it;
  bson_iter_init(&it, doc);
  while (bson_iter_next(&it)) keys.push_back(bson_iter_key(&it));
  return keys;
}

TEST_F(DocumentBuilderTest, NestsArraysObjectsAndPlainValues) {
  BuildCounters counters;
  auto docs = BuildAll(R"({"from": "team", "fields": {"info.name": "name", "info.budget": "budget"}, "embed": {
      "members": {"from": "person", "as": "array", "order_by": "rank", "fields": {"name": "name"},
                  "embed": {"tags": {"from": "tag", "as": "array", "foreign": "person_id", "order_by": "label", "value": "label"}}},
      "lead": {"from": "person", "as": "object", "local": "lead_id", "value": "name"}}})", &counters);
  ASSERT_EQ(docs.size(), 3u);
  ASSERT_TRUE(docs[0].ok()) << docs[0].status().message();
  const bson_t* core = docs[0]->get();
  EXPECT_EQ(Keys(core), (std::vector<std::string>{"_id", "info", "members", "lead"}));
  EXPECT_EQ(Integer(core, "_id"), 1);
  EXPECT_EQ(Utf8(core, "info.name"), "core");
  EXPECT_EQ(testing::DecimalText(core, "info.budget"), "12.5");
  ASSERT_EQ(testing::ArrayLength(core, "members"), 3u);
  EXPECT_EQ(Utf8(core, "members.0.name"), "bo");  // order_by rank
  EXPECT_EQ(Utf8(core, "members.1.name"), "ann");
  EXPECT_EQ(Utf8(core, "members.2.name"), "cy");
  EXPECT_EQ(Utf8(core, "members.1.tags.0"), "x");
  EXPECT_EQ(Utf8(core, "members.1.tags.1"), "y");
  EXPECT_EQ(testing::ArrayLength(core, "members.2.tags"), 0u);
  EXPECT_EQ(Utf8(core, "lead"), "bo");

  const bson_t* empty = docs[1]->get();
  EXPECT_EQ(testing::ArrayLength(empty, "members"), 0u);  // no children: an empty array
  bson_iter_t lead = testing::Field(empty, "lead");
  EXPECT_TRUE(BSON_ITER_HOLDS_NULL(&lead));                // NULL foreign key: null, not dangling
  bson_iter_t ghost = testing::Field(docs[2]->get(), "lead");
  EXPECT_TRUE(BSON_ITER_HOLDS_NULL(&ghost));
  EXPECT_EQ(counters.missing_parents, 1u);                 // lead_id 99 points at nobody
}

TEST_F(DocumentBuilderTest, DecimalsBeyond34DigitsAreRefusedNotRounded) {
  BuildCounters counters;
  auto docs = BuildAll(R"({"from": "amount", "fields": {"v": {"column": "digits", "type": "decimal"}}})", &counters);
  ASSERT_EQ(docs.size(), 2u);
  ASSERT_FALSE(docs[0].ok());  // 35 significant digits
  EXPECT_NE(docs[0].status().message().find("column amount.digits: decimal 1234567890123456789012345678901234.5"),
            std::string::npos) << docs[0].status().message();
  EXPECT_NE(docs[0].status().message().find("\"type\": \"string\""), std::string::npos);
  ASSERT_TRUE(docs[1].ok()) << docs[1].status().message();
  EXPECT_EQ(testing::DecimalText(docs[1]->get(), "v"), "1E-33");
}

TEST_F(DocumentBuilderTest, NullsOmitLeavesFieldsOut) {
  BuildCounters counters;
  auto docs = BuildAll(R"({"from": "person", "nulls": "omit", "fields": {"name": "name", "nick": "nick"}})", &counters);
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(Keys(docs[0]->get()), (std::vector<std::string>{"_id", "name"}));
  EXPECT_EQ(Keys(docs[1]->get()), (std::vector<std::string>{"_id", "name", "nick"}));
}

TEST_F(DocumentBuilderTest, InvalidUtf8IsADataErrorNamingTheColumn) {
  BuildCounters counters;
  auto docs = BuildAll(R"({"from": "note"})", &counters);
  ASSERT_EQ(docs.size(), 1u);
  ASSERT_FALSE(docs[0].ok());
  EXPECT_EQ(docs[0].status().code(), StatusCode::kDataError);
  EXPECT_NE(docs[0].status().message().find("column note.body: text"), std::string::npos) << docs[0].status().message();
  EXPECT_NE(docs[0].status().message().find("not valid UTF-8"), std::string::npos);
}

TEST_F(DocumentBuilderTest, TypeOverridesApply) {
  BuildCounters counters;
  auto docs = BuildAll(R"({"from": "team", "where": "id = 1", "fields": {"b": {"column": "budget", "type": "double"},
                           "n": {"column": "id", "type": "string"}}})", &counters);
  ASSERT_EQ(docs.size(), 1u);
  bson_iter_t b = testing::Field(docs[0]->get(), "b");
  ASSERT_TRUE(BSON_ITER_HOLDS_DOUBLE(&b));
  EXPECT_EQ(bson_iter_double(&b), 12.5);
  EXPECT_EQ(Utf8(docs[0]->get(), "n"), "1");
}

TEST(DocumentBuilder, GeneratedIdWhenTheTableHasNoKey) {
  CollectionPlan plan;
  plan.name = "x";
  plan.table.read_columns = {"a"};
  RowBatch rows({"a"});
  rows.Append(Value(int32_t{1}));
  BuildCounters counters;
  auto doc = BuildDocument(plan, rows, 0, {}, &counters);
  ASSERT_TRUE(doc.ok());
  bson_iter_t id = testing::Field(doc->get(), "_id");
  EXPECT_TRUE(BSON_ITER_HOLDS_OID(&id));
}

}  // namespace
}  // namespace sql2mongo
