// The merge join's planner (which embeds it streams, and why not the others) and its streams, on a real
// SQLite database: batches take the heads of the streams, gaps' and NULL keys' rows never reach a parent,
// and a batch out of key order is refused so the unit falls back.
#include <gtest/gtest.h>

#include <algorithm>

#include "pipeline/embed_merge.h"
#include "pipeline/embed_resolver.h"
#include "support/test_support.h"

namespace sql2mongo {
namespace {

class EmbedMergeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string db = testing::MakeSqliteDatabase("merge.db", R"(
      CREATE TABLE customer (id INTEGER PRIMARY KEY, name TEXT, code TEXT);
      CREATE TABLE purchase (id INTEGER PRIMARY KEY, customer_id INTEGER, placed TEXT);
      CREATE TABLE line (id INTEGER PRIMARY KEY, purchase_id INTEGER, pos INTEGER);
      CREATE TABLE country (code TEXT PRIMARY KEY, name TEXT);
      CREATE TABLE city (id INTEGER PRIMARY KEY, country_code TEXT, name TEXT);
      INSERT INTO customer VALUES (1, 'a', 'x'), (2, 'b', 'y'), (4, 'd', 'z');
      -- purchase 13 belongs to the missing customer 3, 14 to nobody (NULL); stored out of customer order
      INSERT INTO purchase VALUES (10, 4, '2024-01-02'), (11, 1, '2024-01-03'), (12, 1, '2024-01-01'),
                                  (13, 3, '2024-01-01'), (14, NULL, '2024-01-01'), (15, 2, '2024-01-05');
      INSERT INTO line VALUES (1, 11, 2), (2, 12, 1), (3, 11, 1), (4, 13, 1), (5, 14, 1), (6, 10, 1), (7, 15, 1);
    )");
    auto source = OpenSource("sqlite:" + db);
    ASSERT_TRUE(source.ok()) << source.status().message();
    source_ = std::move(source).value();
  }

  Plan PlanOf(const std::string& collections) {
    auto mapping = ParseMappingText("{\"collections\": {" + collections + "}}", "m.json");
    EXPECT_TRUE(mapping.ok()) << mapping.status().message();
    auto plan = BuildPlan(mapping.value(), *source_);
    EXPECT_TRUE(plan.ok()) << plan.status().message();
    return std::move(plan).value();
  }

  std::unique_ptr<Source> source_;
};

constexpr char kTwoLevels[] = R"("customers": {"from": "customer", "embed": {"purchases": {"from": "purchase",
  "as": "array", "foreign": "customer_id", "order_by": ["placed"],
  "embed": {"lines": {"from": "line", "as": "array", "foreign": "purchase_id", "order_by": ["pos"]}}}}})";

TEST_F(EmbedMergeTest, BothLevelsBelowAnIntegerRootKeyAreMerged) {
  Plan plan = PlanOf(kTwoLevels);
  const EmbedPlan& purchases = plan.collections[0].table.embeds[0];
  const EmbedPlan& lines = purchases.table.embeds[0];
  auto decisions = PlanMergeJoin(plan.collections[0], *source_);
  ASSERT_TRUE(decisions.at(&purchases).merged) << decisions.at(&purchases).why;
  EXPECT_EQ(decisions.at(&purchases).through, nullptr);
  ASSERT_TRUE(decisions.at(&lines).merged) << decisions.at(&lines).why;
  EXPECT_EQ(decisions.at(&lines).through, &purchases);
  EXPECT_NE(decisions.at(&lines).why.find("line joined to purchase"), std::string::npos) << decisions.at(&lines).why;
}

TEST_F(EmbedMergeTest, TextKeysAWhereAndAKeyOtherThanTheRootsAreNotMergedAndSayWhy) {
  Plan text = PlanOf(R"("countries": {"from": "country", "embed": {"cities": {"from": "city", "as": "array",
    "local": "code", "foreign": "country_code"}}})");
  auto decisions = PlanMergeJoin(text.collections[0], *source_);
  const MergeDecision& cities = decisions.at(&text.collections[0].table.embeds[0]);
  EXPECT_FALSE(cities.merged);
  EXPECT_NE(cities.why.find("not an integer column"), std::string::npos) << cities.why;

  Plan filtered = PlanOf(R"("customers": {"from": "customer", "where": "id > 1", "embed": {"purchases": {"from": "purchase",
    "as": "array", "foreign": "customer_id"}}})");
  decisions = PlanMergeJoin(filtered.collections[0], *source_);
  EXPECT_FALSE(decisions.at(&filtered.collections[0].table.embeds[0]).merged);
  EXPECT_NE(decisions.at(&filtered.collections[0].table.embeds[0]).why.find("where"), std::string::npos);

  Plan other_key = PlanOf(R"("customers": {"from": "customer", "embed": {"cities": {"from": "city", "as": "array",
    "local": "code", "foreign": "country_code"}}})");
  decisions = PlanMergeJoin(other_key.collections[0], *source_);
  EXPECT_FALSE(decisions.at(&other_key.collections[0].table.embeds[0]).merged);
  EXPECT_NE(decisions.at(&other_key.collections[0].table.embeds[0]).why.find("rather than the root key id"),
            std::string::npos) << decisions.at(&other_key.collections[0].table.embeds[0]).why;

  Plan where_below = PlanOf(R"("customers": {"from": "customer", "embed": {"purchases": {"from": "purchase",
    "as": "array", "foreign": "customer_id", "embed": {"lines": {"from": "line", "as": "array",
    "foreign": "purchase_id", "where": "pos > 0"}}}}})");
  decisions = PlanMergeJoin(where_below.collections[0], *source_);
  const EmbedPlan& purchases = where_below.collections[0].table.embeds[0];
  EXPECT_TRUE(decisions.at(&purchases).merged);
  EXPECT_FALSE(decisions.at(&purchases.table.embeds[0]).merged);
  EXPECT_NE(decisions.at(&purchases.table.embeds[0]).why.find("cannot be qualified in a join"), std::string::npos);
}

// Root batches [1, 2] and [4]: the first takes purchases 11, 12, 15 and their lines; the second takes
// 13 (customer 3 is missing: the resolver drops it, the orphan scan rejects it) and 10; the NULL
// purchase 14 and its line come through neither.
TEST_F(EmbedMergeTest, EachBatchTakesTheHeadOfEachStreamUpToItsLastKey) {
  Plan plan = PlanOf(kTwoLevels);
  const CollectionPlan& customers = plan.collections[0];
  const EmbedPlan& purchases = customers.table.embeds[0];
  const EmbedPlan& lines = purchases.table.embeds[0];
  auto decisions = PlanMergeJoin(customers, *source_);
  auto merge = MergeStreams::Open(*source_, decisions, std::nullopt);
  ASSERT_TRUE(merge.ok()) << merge.status().message();

  ScanRequest root = customers.table.ScanOfReadColumns();
  root.order_by = {OrderTerm{"id", false}};
  auto stream = source_->Scan(root);
  ASSERT_TRUE(stream.ok());
  int id_column = customers.id.parts[0].second;
  auto ids = [](const RowBatch& rows, int column) {
    std::vector<int64_t> out;
    for (size_t r = 0; r < rows.rows(); ++r) {
      const Value& v = rows.at(r, column);
      out.push_back(std::holds_alternative<int32_t>(v) ? std::get<int32_t>(v) : std::get<int64_t>(v));
    }
    return out;
  };
  auto id_of = [](const TablePlan& table) {
    return static_cast<int>(std::find(table.read_columns.begin(), table.read_columns.end(), "id") - table.read_columns.begin());
  };
  const int purchase_id = id_of(purchases.table), line_id = id_of(lines.table);

  RowBatch batch, taken;
  ASSERT_TRUE((*stream)->Next(&batch, 2).value());
  ASSERT_TRUE((*merge)->StartBatch(batch, id_column));
  ASSERT_TRUE((*merge)->Take(purchases, &taken).ok());
  EXPECT_EQ(ids(taken, purchase_id), (std::vector<int64_t>{12, 11, 15}));  // by customer, then placed
  ASSERT_TRUE((*merge)->Take(lines, &taken).ok());
  EXPECT_EQ(taken.columns().back(), kCarriedRootKey);
  EXPECT_EQ(ids(taken, line_id), (std::vector<int64_t>{3, 1, 2, 7}));  // by customer, purchase, pos

  ASSERT_TRUE((*stream)->Next(&batch, 2).value());
  ASSERT_TRUE((*merge)->StartBatch(batch, id_column));
  ASSERT_TRUE((*merge)->Take(purchases, &taken).ok());
  EXPECT_EQ(ids(taken, purchase_id), (std::vector<int64_t>{13, 10}));
  ASSERT_TRUE((*merge)->Take(lines, &taken).ok());
  EXPECT_EQ(ids(taken, line_id), (std::vector<int64_t>{4, 6}));
  ASSERT_FALSE((*stream)->Next(&batch, 2).value());

  // A batch whose keys go back (a root not read in key order) is refused.
  RowBatch back(customers.table.read_columns);
  for (size_t c = 0; c < back.width(); ++c) back.Append(c == static_cast<size_t>(id_column) ? Value(int64_t{2}) : Value());
  EXPECT_FALSE((*merge)->StartBatch(back, id_column));
}

}  // namespace
}  // namespace sql2mongo
