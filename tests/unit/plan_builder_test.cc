// Resolving a mapping against a real SQLite catalog: join columns inferred from foreign keys, the
// document shape, and every name error placed in the mapping file with a suggestion.
#include <gtest/gtest.h>

#include "sql2mongo/plan.h"
#include "support/test_support.h"

namespace sql2mongo {
namespace {

class PlanBuilderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto source = OpenSource("sqlite:" + testing::ChinookSqlitePath());
    ASSERT_TRUE(source.ok());
    source_ = std::move(source).value();
  }

  Result<Plan> Build(const std::string& collections) {
    std::string text = "{\"collections\": {\n" + collections + "\n}}";
    Result<Mapping> mapping = ParseMappingText(text, "m.json");
    if (!mapping.ok()) return mapping.status();
    return BuildPlan(mapping.value(), *source_);
  }

  std::string Error(const std::string& collections) {
    Result<Plan> plan = Build(collections);
    EXPECT_FALSE(plan.ok());
    return plan.ok() ? "" : plan.status().message();
  }

  std::unique_ptr<Source> source_;
};

TEST_F(PlanBuilderTest, AllColumnsWithPrimaryKeyAsId) {
  Result<Plan> plan = Build(R"("genres": {"from": "Genre"})");
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  const CollectionPlan& c = plan->collections[0];
  EXPECT_EQ(c.id.kind, IdPlan::Kind::kColumn);
  EXPECT_EQ(c.table.read_columns, (std::vector<std::string>{"GenreId", "Name"}));
  ASSERT_EQ(c.table.shape.size(), 1u);  // GenreId is the _id, not repeated as a field
  EXPECT_EQ(c.table.shape[0].key, "Name");
  ASSERT_EQ(c.table.order_by.size(), 1u);
  EXPECT_EQ(c.table.order_by[0].column, "GenreId");
}

TEST_F(PlanBuilderTest, CompositePrimaryKeyBecomesASubDocumentId) {
  Result<Plan> plan = Build(R"("pt": {"from": "PlaylistTrack"})");
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(plan->collections[0].id.kind, IdPlan::Kind::kComposite);
  EXPECT_EQ(plan->collections[0].id.parts.size(), 2u);
  EXPECT_TRUE(plan->collections[0].table.shape.empty());
}

TEST_F(PlanBuilderTest, DottedPathsNestInFirstSeenOrder) {
  Result<Plan> plan = Build(R"("c": {"from": "Customer", "fields": {"name.first": "FirstName", "email": "Email", "name.last": "LastName"}})");
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  const auto& shape = plan->collections[0].table.shape;
  ASSERT_EQ(shape.size(), 2u);
  EXPECT_EQ(shape[0].key, "name");
  EXPECT_EQ(shape[0].kind, ShapeNode::Kind::kObject);
  ASSERT_EQ(shape[0].children.size(), 2u);
  EXPECT_EQ(shape[0].children[1].key, "last");
  EXPECT_EQ(shape[1].key, "email");
}

TEST_F(PlanBuilderTest, JoinColumnsComeFromForeignKeys) {
  Result<Plan> plan = Build(R"("c": {"from": "Customer", "fields": {"n": "FirstName"}, "embed": {
      "invoices": {"from": "Invoice", "as": "array"},
      "rep": {"from": "Employee", "as": "object"}}})");
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  const TablePlan& t = plan->collections[0].table;
  ASSERT_EQ(t.embeds.size(), 2u);
  const EmbedPlan& invoices = t.embeds[0];
  EXPECT_EQ(invoices.foreign_names, std::vector<std::string>{"CustomerId"});
  EXPECT_EQ(t.read_columns[invoices.local_columns[0]], "CustomerId");
  // The child's foreign key repeats the parent's key: not a field of the embedded rows.
  for (const auto& node : invoices.table.shape) EXPECT_NE(node.key, "CustomerId");
  const EmbedPlan& rep = t.embeds[1];
  EXPECT_EQ(t.read_columns[rep.local_columns[0]], "SupportRepId");
  EXPECT_EQ(rep.foreign_names, std::vector<std::string>{"EmployeeId"});
}

TEST_F(PlanBuilderTest, SelfReferenceNeedsExplicitColumnsOnlyWhenAmbiguous) {
  // Employee.ReportsTo -> Employee: the one foreign key makes "manager" resolvable.
  Result<Plan> plan = Build(R"("e": {"from": "Employee", "embed": {"manager": {"from": "Employee", "as": "object", "fields": {"name": "LastName"}}}})");
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  const TablePlan& t = plan->collections[0].table;
  EXPECT_EQ(t.read_columns[t.embeds[0].local_columns[0]], "ReportsTo");
}

TEST_F(PlanBuilderTest, NameErrorsArePlacedAndSuggested) {
  EXPECT_EQ(Error(R"("c": {"from": "Invoices"})"), "m.json:2:15: unknown table 'Invoices' in sqlite:" +
                                                       testing::ChinookSqlitePath() + " (did you mean 'Invoice'?)");
  EXPECT_EQ(Error(R"("c": {"from": "Invoice", "_id": "InvoiceID2"})"),
            "m.json:2:33: unknown column 'InvoiceID2' in table 'Invoice' (did you mean 'InvoiceId'?)");
  EXPECT_EQ(Error(R"("c": {"from": "Invoice", "exclude": ["Totl"]})"),
            "m.json:2:38: unknown column 'Totl' in table 'Invoice' (did you mean 'Total'?)");
  EXPECT_EQ(Error(R"("c": {"from": "Invoice", "order_by": "Dat"})"),
            "m.json:2:38: unknown column 'Dat' in table 'Invoice' (did you mean 'InvoiceDate'?)");
  EXPECT_NE(Error(R"("c": {"from": "Invoice", "embed": {"l": {"from": "InvoiceLine", "as": "array", "order_by": "Qty"}}})")
                .find("unknown column 'Qty' in table 'InvoiceLine'"),
            std::string::npos);
  EXPECT_NE(Error(R"("c": {"from": "Invoice", "embed": {"c": {"from": "Customer", "as": "object", "local": "CustomerID_"}}})")
                .find("unknown column 'CustomerID_' in table 'Invoice' (did you mean 'CustomerId'?)"),
            std::string::npos);
}

TEST(PlanBuilder, ColumnNamesThatWouldBeBadKeysMustBeMappedExplicitly) {
  std::string db = testing::MakeSqliteDatabase("keys.db", "CREATE TABLE t (id INTEGER PRIMARY KEY, \"a.b\" TEXT, c TEXT);");
  auto source = OpenSource("sqlite:" + db);
  ASSERT_TRUE(source.ok());
  auto all = ParseMappingText(R"({"collections": {"c": {"from": "t"}}})", "m.json");
  ASSERT_TRUE(all.ok());
  auto plan = BuildPlan(all.value(), **source);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("column 'a.b' of table 't' cannot be a field name as it is"), std::string::npos)
      << plan.status().message();
  auto explicit_fields = ParseMappingText(R"({"collections": {"c": {"from": "t", "fields": {"a_b": "a.b"}}}})", "m.json");
  ASSERT_TRUE(explicit_fields.ok());
  EXPECT_TRUE(BuildPlan(explicit_fields.value(), **source).ok());
  auto excluded = ParseMappingText(R"({"collections": {"c": {"from": "t", "exclude": ["a.b"]}}})", "m.json");
  ASSERT_TRUE(excluded.ok());
  EXPECT_TRUE(BuildPlan(excluded.value(), **source).ok());
}

TEST_F(PlanBuilderTest, ShapeConflictsAreErrors) {
  EXPECT_NE(Error(R"("c": {"from": "Customer", "fields": {"name": "FirstName", "name.last": "LastName"}})")
                .find("nests under 'name', which is already a value"),
            std::string::npos);
  EXPECT_NE(Error(R"("c": {"from": "Customer", "fields": {"x": "FirstName"}, "embed": {"x": {"from": "Employee", "as": "object"}}})")
                .find("'x' is set twice"),
            std::string::npos);
}

TEST_F(PlanBuilderTest, ReferencesMustNameACollectionOfTheMapping) {
  EXPECT_NE(Error(R"("e": {"from": "Employee", "fields": {"boss": {"column": "ReportsTo", "ref": "employes"}}},
                    "employees": {"from": "Employee"})")
                .find("refers to collection 'employes', which this mapping does not define (did you mean 'employees'?)"),
            std::string::npos);
  Result<Plan> ok = Build(R"("employees": {"from": "Employee", "fields": {"boss": {"column": "ReportsTo", "ref": "employees"}}})");
  EXPECT_TRUE(ok.ok()) << ok.status().message();
}

}  // namespace
}  // namespace sql2mongo
