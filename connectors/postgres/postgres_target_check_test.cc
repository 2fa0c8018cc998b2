// The plan against a target that cannot store every value (FerretDB v1), on real PostgreSQL tables:
// NUMERIC with the Decimal128 default, floats that hold NaN, and 2-D arrays are all found before
// anything is written, every field at once; columns whose data holds none of them pass.
#include <gtest/gtest.h>

#include <map>

#include "postgres/postgres_test_support.h"
#include "sink/mongo/target_identity.h"
#include "sql2mongo/mapping.h"
#include "sql2mongo/plan.h"
#include "sql2mongo/target_check.h"

namespace sql2mongo::testing {
namespace {

TargetInfo FerretDbV1() {
  TargetInfo target;
  target.product = "FerretDB";
  target.version = "v1.24.1";
  DecideValueSupport(&target);
  return target;
}

class PostgresTargetCheckTest : public PostgresScratchTest {
 protected:
  std::vector<TargetFinding> Check(const std::string& collections_json, const TargetInfo& target) {
    auto mapping = ParseMappingText("{\"collections\": " + collections_json + "}", "m.json");
    EXPECT_TRUE(mapping.ok()) << mapping.status().message();
    if (!mapping.ok()) return {};
    std::unique_ptr<Source> source = OpenPostgres(scratch_uri_);
    auto plan = BuildPlan(mapping.value(), *source);
    EXPECT_TRUE(plan.ok()) << plan.status().message();
    if (!plan.ok()) return {};
    auto findings = CheckPlanAgainstTarget(plan.value(), *source, target);
    EXPECT_TRUE(findings.ok()) << findings.status().message();
    return findings.ok() ? findings.value() : std::vector<TargetFinding>{};
  }
};

TEST_F(PostgresTargetCheckTest, EveryUnstorableFieldIsNamedWithItsColumnAndFix) {
  S2M_REQUIRE_POSTGRES();
  Exec(admin_.get(), "CREATE TABLE " + schema_ + ".reading (id int PRIMARY KEY, price numeric(10,2), "
                     "ratio float8, clean float8, grid int[], flat int[], prices numeric[]);"
                     "INSERT INTO " + schema_ + ".reading VALUES "
                     "(1, 9.99, 'NaN', 1.5, '{{1,2},{3,4}}', '{1,2}', '{1.5}'), (2, 1, 0.5, 2.5, '{5}', '{3}', NULL);"
                     "CREATE TABLE " + schema_ + ".note (id int PRIMARY KEY, reading_id int REFERENCES " + schema_ +
                     ".reading(id), amount numeric);"
                     "INSERT INTO " + schema_ + ".note VALUES (1, 1, 3.25)");
  std::string table = schema_ + ".reading";
  auto findings = Check(R"({"readings": {"from": ")" + table + R"(", "embed": {"notes": {"from": ")" + schema_ +
                            R"(.note", "as": "array"}}}})",
                        FerretDbV1());
  std::map<std::string, TargetFinding> by_field;
  for (const auto& f : findings) by_field[f.field] = f;
  // price and prices (Decimal128), ratio (holds NaN), grid (holds a 2-D array), notes.amount (Decimal128);
  // clean and flat hold neither and pass.
  ASSERT_EQ(findings.size(), 5u) << [&] {
    std::string all;
    for (const auto& f : findings) all += f.ToString() + "\n";
    return all;
  }();
  EXPECT_EQ(by_field["price"].what, "Decimal128");
  EXPECT_NE(by_field["price"].column.find("reading.price (numeric(10,2))"), std::string::npos) << by_field["price"].column;
  EXPECT_NE(by_field["price"].fix.find("\"type\": \"double\""), std::string::npos);
  EXPECT_EQ(by_field["prices"].what, "Decimal128");
  EXPECT_NE(by_field["ratio"].what.find("NaN"), std::string::npos);
  EXPECT_NE(by_field["grid"].what.find("array inside an array"), std::string::npos);
  EXPECT_EQ(by_field["notes.amount"].what, "Decimal128");
  EXPECT_EQ(by_field["notes.amount"].collection, "readings");
  EXPECT_EQ(by_field.count("clean"), 0u);
  EXPECT_EQ(by_field.count("flat"), 0u);

  // The fixes the findings name make the plan pass; MongoDB stores all of it as it is.
  auto fixed = Check(R"({"readings": {"from": ")" + table + R"(", "fields": {
      "price": {"column": "price", "type": "double"}, "ratio": {"column": "ratio", "type": "string"},
      "clean": "clean", "grid": {"column": "grid", "type": "string"}, "flat": "flat"}}})",
                     FerretDbV1());
  EXPECT_TRUE(fixed.empty()) << fixed.front().ToString();
  // Only the rows the mapping reads count: a "where" that leaves the NaN and 2-D rows out passes.
  auto filtered = Check(R"({"readings": {"from": ")" + table + R"(", "where": "id <> 1", "fields": {
      "ratio": "ratio", "grid": "grid"}}})",
                        FerretDbV1());
  EXPECT_TRUE(filtered.empty()) << filtered.front().ToString();

  TargetInfo mongodb;
  mongodb.product = "MongoDB";
  mongodb.version = "7.0.5";
  DecideValueSupport(&mongodb);
  EXPECT_TRUE(Check(R"({"readings": {"from": ")" + table + R"("}})", mongodb).empty());
}

}  // namespace
}  // namespace sql2mongo::testing
