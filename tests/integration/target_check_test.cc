// What a run does with values a target cannot store, through the real CLI on every target server: a
// mapping that would produce Decimal128 stops before anything is written (and before --drop) on
// FerretDB v1, naming every field at once, and is written exactly on a server that stores it.
#include <gtest/gtest.h>

#include <regex>

#include "support/test_support.h"

namespace sql2mongo::testing {
namespace {

const char* kShopSql =
    "CREATE TABLE product (id INTEGER PRIMARY KEY, name TEXT, price NUMERIC(10,2), weight REAL);"
    "CREATE TABLE sale (id INTEGER PRIMARY KEY, product_id INTEGER REFERENCES product(id), amount DECIMAL(12,4));"
    "INSERT INTO product VALUES (1, 'lamp', 9.99, 1.25), (2, 'desk', 120.5, 30);"
    "INSERT INTO sale VALUES (1, 1, 19.98), (2, 1, 9.99), (3, 2, 120.5);";

class TargetValuesTest : public TargetTest {
 protected:
  void SetUp() override {
    TargetTest::SetUp();
    if (IsSkipped()) return;
    database_ = UniqueDatabase("values");
    sqlite_ = MakeSqliteDatabase("shop.db", kShopSql);
  }
  void TearDown() override {
    if (!database_.empty()) DropDatabase(database_);
    TargetTest::TearDown();
  }

  CommandResult Run(const std::string& collections_json) {
    std::string mapping = WriteTempFile("shop.json", "{ \"source\": \"sqlite:" + sqlite_ + "\", \"target\": \"" +
                                                         TargetBaseUri() + "/" + database_ +
                                                         "\", \"collections\": " + collections_json + " }");
    return RunCli("run " + ShellQuote(mapping) + " --drop --rejects " +
                  ShellQuote(WriteTempFile("shop.rejects.jsonl", "")));
  }

  std::string database_;
  std::string sqlite_;
};
S2M_ON_EVERY_TARGET(TargetValuesTest);

// Two collections, three NUMERIC/DECIMAL fields with the Decimal128 default, one of them embedded.
const char* kDecimalMapping = R"({
  "products": { "from": "product", "embed": { "sales": { "from": "sale", "as": "array" } } },
  "prices": { "from": "product", "fields": { "price": "price" } }
})";

TEST_P(TargetValuesTest, ADecimalMappingStopsBeforeWritingOnAServerWithoutDecimal128) {
  // What the target held before the run must still be there after it.
  InsertDocument(database_, "products", R"({"_id": 1, "name": "from an earlier run"})");
  CommandResult r = Run(kDecimalMapping);
  if (server().stores.decimal128) {
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto products = FindDocuments(database_, "products");
    ASSERT_EQ(products.size(), 2u);
    EXPECT_EQ(DecimalText(products[0].get(), "price"), "9.99");
    EXPECT_EQ(DecimalText(products[0].get(), "sales.0.amount"), "19.9800");  // DECIMAL(12,4) keeps its scale
    EXPECT_EQ(DecimalText(products[1].get(), "sales.0.amount"), "120.5000");
    bson_iter_t weight = Field(products[0].get(), "weight");
    EXPECT_TRUE(BSON_ITER_HOLDS_DOUBLE(&weight));
    return;
  }
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("nothing was written"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("FerretDB v1.24.1"), std::string::npos) << r.output;
  for (const char* field : {"collection 'products', field 'price' from product.price (NUMERIC(10,2)): Decimal128",
                            "collection 'products', field 'sales.amount' from sale.amount (DECIMAL(12,4)): Decimal128",
                            "collection 'prices', field 'price' from product.price (NUMERIC(10,2)): Decimal128"})
    EXPECT_NE(r.output.find(field), std::string::npos) << field << "\n" << r.output;
  EXPECT_NE(r.output.find("\"type\": \"double\""), std::string::npos) << r.output;
  // Not dropped, not written: the earlier document is the only one, and no other collection appeared.
  auto products = FindDocuments(database_, "products");
  ASSERT_EQ(products.size(), 1u);
  EXPECT_EQ(Utf8(products[0].get(), "name"), "from an earlier run");
  EXPECT_EQ(CollectionNames(database_), std::vector<std::string>{"products"});
}

TEST_P(TargetValuesTest, TheFixTheMessageNamesRunsOnEveryServer) {
  CommandResult r = Run(R"({
    "products": { "from": "product", "fields": { "name": "name", "price": { "column": "price", "type": "double" } },
                  "embed": { "sales": { "from": "sale", "as": "array",
                             "fields": { "amount": { "column": "amount", "type": "string" } } } } }
  })");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto products = FindDocuments(database_, "products");
  ASSERT_EQ(products.size(), 2u);
  bson_iter_t price = Field(products[0].get(), "price");
  ASSERT_TRUE(BSON_ITER_HOLDS_DOUBLE(&price));
  EXPECT_EQ(bson_iter_double(&price), 9.99);
  EXPECT_EQ(Utf8(products[0].get(), "sales.0.amount"), "19.9800");  // DECIMAL(12,4) keeps its scale
  EXPECT_EQ(Utf8(products[0].get(), "sales.1.amount"), "9.9900");
}

TEST_P(TargetValuesTest, TheRunLogsWhoTheTargetIs) {
  CommandResult r = Run(R"({ "products": { "from": "product", "fields": { "name": "name" } } })");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  if (server().name == "ferretdb") {
    EXPECT_TRUE(std::regex_search(r.output, std::regex(R"(FerretDB v1\.24\.1 \(reports MongoDB 7\.0\.\d+, wire version 21, documents up to 16 MiB\), cannot store Decimal128, NaN)")))
        << r.output;
  } else {
    EXPECT_NE(r.output.find("wire version 8, documents up to 16 MiB), stores every BSON value"), std::string::npos)
        << r.output;
  }
  // libmongoc's own lines come through the project's logger, never raw ("WARNING: client: ...").
  EXPECT_EQ(r.output.find("WARNING:"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace sql2mongo::testing
