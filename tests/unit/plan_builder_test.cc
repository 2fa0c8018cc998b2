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

TEST_F(PlanBuilderTest, ModeDropAndMergeKeysReachThePlan) {
  Result<Plan> plan = Build(R"("c": {"from": "Customer", "mode": "merge", "drop": true, "fields": {"name": "FirstName"},
      "embed": {"invoices": {"from": "Invoice", "as": "array", "merge_key": "InvoiceId"}}},
      "g": {"from": "Genre"})");
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  const CollectionPlan& c = plan->collections[0];
  EXPECT_EQ(c.write_mode.kind, WriteModeKind::kMerge);
  EXPECT_TRUE(c.drop);
  ASSERT_EQ(c.write_mode.merged_arrays.size(), 1u);
  EXPECT_EQ(c.write_mode.merged_arrays[0].field, "invoices");
  EXPECT_EQ(c.write_mode.merged_arrays[0].key, "InvoiceId");
  EXPECT_EQ(plan->collections[1].write_mode.kind, WriteModeKind::kInsert);  // the default
  EXPECT_FALSE(plan->collections[1].drop);
}

TEST_F(PlanBuilderTest, TheSchemaVersionReachesEveryCollectionUnlessItsFieldIsOff) {
  auto plan_of = [&](const std::string& top) {
    Result<Mapping> mapping = ParseMappingText(
        "{" + top + R"("collections": {"c": {"from": "Customer", "fields": {"name": "FirstName"}}, "g": {"from": "Genre"}}})",
        "m.json");
    EXPECT_TRUE(mapping.ok()) << mapping.status().message();
    return BuildPlan(mapping.value(), *source_);
  };
  Result<Plan> versioned = plan_of(R"("schema_version": 7,)");
  ASSERT_TRUE(versioned.ok()) << versioned.status().message();
  for (const CollectionPlan& c : versioned->collections) {
    EXPECT_EQ(c.version_field, "_schema_version") << c.name;
    EXPECT_EQ(c.schema_version, 7) << c.name;
  }
  Result<Plan> off = plan_of(R"("schema_version": 7, "schema_version_field": false,)");
  ASSERT_TRUE(off.ok()) << off.status().message();
  EXPECT_EQ(off->collections[0].version_field, "");
  Result<Plan> unversioned = plan_of("");
  ASSERT_TRUE(unversioned.ok());
  EXPECT_EQ(unversioned->collections[1].version_field, "");
  // Genre's column "Name" is a field under its own name: the version field may not take it.
  Result<Plan> clash = plan_of(R"("schema_version": 7, "schema_version_field": "Name",)");
  ASSERT_FALSE(clash.ok());
  EXPECT_NE(clash.status().message().find("collection 'g' has a field 'Name', which is also the field that carries "
                                          "\"schema_version\""),
            std::string::npos)
      << clash.status().message();
}

TEST_F(PlanBuilderTest, AMergeKeyMustBeAFieldOfTheElementsWithTheClosestOne) {
  EXPECT_EQ(Error(R"("c": {"from": "Customer", "mode": "merge",
      "embed": {"invoices": {"from": "Invoice", "as": "array", "merge_key": "InvoiceID"}}})"),
            "m.json:3:77: \"merge_key\": the elements of 'invoices' have no field 'InvoiceID' (did you mean "
            "'InvoiceId'?); name one of their top-level fields (not a column: the field it becomes)");
}

TEST_F(PlanBuilderTest, AMergeKeyOnlyOnAnArrayAtTheTopLevel) {
  std::string nested = Error(R"("c": {"from": "Customer", "embed": {"invoices": {"from": "Invoice", "as": "array",
      "embed": {"lines": {"from": "InvoiceLine", "as": "array", "merge_key": "InvoiceLineId"}}}}})");
  EXPECT_NE(nested.find("works on arrays at the document's top level; 'lines' is inside an element"), std::string::npos)
      << nested;
  std::string object = Error(R"("t": {"from": "Track", "embed": {"album": {"from": "Album", "as": "object", "merge_key": "Title"}}})");
  EXPECT_NE(object.find("embed 'album' is an object; remove \"merge_key\""), std::string::npos) << object;
}

TEST_F(PlanBuilderTest, ReplaceOrMergeNeedsAKeyToFindDocumentsBy) {
  auto source = OpenSource("sqlite:" + testing::MakeSqliteDatabase("no_key.db", "CREATE TABLE t (a TEXT); INSERT INTO t VALUES ('x');"));
  ASSERT_TRUE(source.ok());
  Result<Mapping> mapping = ParseMappingText(R"({"collections": {"t": {"from": "t", "mode": "replace"}}})", "m.json");
  ASSERT_TRUE(mapping.ok()) << mapping.status().message();
  Result<Plan> plan = BuildPlan(mapping.value(), *source.value());
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("is written in mode \"replace\", which finds documents by _id, but table 't' "
                                         "has no primary key"),
            std::string::npos)
      << plan.status().message();
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

TEST_F(PlanBuilderTest, ComputedFieldsAreReadOnceEachUnderAnAlias) {
  Result<Plan> plan = Build(R"json("c": {"from": "Customer", "fields": {
      "email": {"expr": "LOWER(Email)"}, "name": "FirstName", "again": {"expr": "LOWER(Email)", "type": "string"},
      "n": {"expr": "CustomerId * 2", "type": "int64"}},
    "embed": {"invoices": {"from": "Invoice", "as": "array", "fields": {"number": {"expr": "'ORD-' || InvoiceId"}}}}})json");
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  const TablePlan& t = plan->collections[0].table;
  // The _id, then the fields in file order; the same expression twice is read once.
  EXPECT_EQ(t.read_columns, (std::vector<std::string>{"CustomerId", "s2m_expr_1", "FirstName", "s2m_expr_2"}));
  EXPECT_EQ(t.expressions, (std::vector<std::pair<std::string, std::string>>{{"s2m_expr_1", "LOWER(Email)"},
                                                                                {"s2m_expr_2", "CustomerId * 2"}}));
  ASSERT_NE(t.ExpressionAt(1), nullptr);
  EXPECT_EQ(*t.ExpressionAt(1), "LOWER(Email)");
  EXPECT_EQ(t.ExpressionAt(0), nullptr);  // a plain column
  EXPECT_EQ(t.ExpressionAt(2), nullptr);
  ASSERT_EQ(t.shape.size(), 5u);  // email, name, again, n, invoices
  EXPECT_EQ(t.shape[0].column, 1);
  EXPECT_EQ(t.shape[2].column, 1);
  EXPECT_EQ(t.shape[2].type, TargetType::kString);
  EXPECT_EQ(t.shape[3].type, TargetType::kInt64);
  // Embedded rows have their own read list and aliases, beside the join column.
  const TablePlan& invoices = t.embeds[0].table;
  EXPECT_EQ(invoices.read_columns, (std::vector<std::string>{"CustomerId", "s2m_expr_1"}));
  ASSERT_NE(invoices.ExpressionAt(1), nullptr);
  EXPECT_EQ(*invoices.ExpressionAt(1), "'ORD-' || InvoiceId");
}

TEST(PlanBuilder, AnAliasIsNeverAColumnNameOfTheTable) {
  std::string db = testing::MakeSqliteDatabase("alias.db", "CREATE TABLE t (id INTEGER PRIMARY KEY, s2m_expr_1 TEXT);");
  auto source = OpenSource("sqlite:" + db);
  ASSERT_TRUE(source.ok());
  auto mapping = ParseMappingText(
      R"json({"collections": {"c": {"from": "t", "fields": {"a": "s2m_expr_1", "b": {"expr": "id + 1"}}}}})json", "m.json");
  ASSERT_TRUE(mapping.ok());
  auto plan = BuildPlan(mapping.value(), **source);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  const TablePlan& t = plan->collections[0].table;
  EXPECT_EQ(t.read_columns, (std::vector<std::string>{"id", "s2m_expr_1", "s2m_expr_2"}));
  EXPECT_EQ(t.ExpressionAt(1), nullptr);  // the table's own column
  ASSERT_NE(t.ExpressionAt(2), nullptr);
  EXPECT_EQ(*t.ExpressionAt(2), "id + 1");
}

TEST_F(PlanBuilderTest, ABrokenExpressionFailsWithTheDatabaseMessageAtItsPlace) {
  Result<Plan> plan = Build(R"json("c": {"from": "Customer", "fields": {"email": {"expr": "LOWER(Emal)"}}})json");
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), StatusCode::kMappingError);  // exit 2, like any mistake in the file
  const std::string& message = plan.status().message();
  EXPECT_EQ(message.rfind("m.json:2:56: field 'email': the source cannot evaluate \"expr\" LOWER(Emal) on table "
                          "'Customer'", 0),
            0u)
      << message;
  EXPECT_NE(message.find("no such column: Emal"), std::string::npos) << message;  // SQLite's own words
  // In an embed too, placed at the embed's field.
  std::string embedded = Error(R"json("c": {"from": "Customer", "embed": {"i": {"from": "Invoice", "as": "array",
                                   "fields": {"x": {"expr": "Total +"}}}}})json");
  EXPECT_NE(embedded.find("m.json:3:61: field 'x': the source cannot evaluate \"expr\" Total + on table 'Invoice'"),
            std::string::npos)
      << embedded;
  EXPECT_NE(embedded.find("syntax error"), std::string::npos) << embedded;
}

TEST_F(PlanBuilderTest, AComputedIdIsRefusedWithTheReason) {
  std::string message = Error(R"json("c": {"from": "Customer", "_id": {"expr": "CustomerId || Email"}})json");
  EXPECT_NE(message.find("m.json:2:34: unknown column 'CustomerId || Email' in table 'Customer'"), std::string::npos)
      << message;
  EXPECT_NE(message.find("a computed _id is not supported"), std::string::npos) << message;
}

TEST(PlanBuilder, SqliteExpressionsAreTypedByEachValuesStorageClass) {
  std::string db = testing::MakeSqliteDatabase(
      "storage.db", "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, price NUMERIC(10,2));"
                    "INSERT INTO t VALUES (1, 'Ann', 2.5), (2, NULL, 3);");
  auto source = OpenSource("sqlite:" + db);
  ASSERT_TRUE(source.ok());
  auto mapping = ParseMappingText(R"json({"collections": {"c": {"from": "t", "fields": {
      "upper": {"expr": "UPPER(name)"}, "twice": {"expr": "id * 2"}, "half": {"expr": "price / 2"},
      "raw": {"expr": "price"}}}}})json", "m.json");
  ASSERT_TRUE(mapping.ok());
  auto plan = BuildPlan(mapping.value(), **source);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  const TablePlan& t = plan->collections[0].table;
  ScanRequest request;
  request.table = t.table;
  request.columns = t.read_columns;
  request.expressions = t.expressions;
  request.order_by = t.order_by;
  auto stream = (*source)->Scan(request);
  ASSERT_TRUE(stream.ok()) << stream.status().message();
  RowBatch rows;
  ASSERT_TRUE((*stream)->Next(&rows, 10).value());
  ASSERT_EQ(rows.rows(), 2u);
  EXPECT_EQ(std::get<std::string>(rows.at(0, 1)), "ANN");
  EXPECT_TRUE(IsNull(rows.at(1, 1)));                  // UPPER(NULL)
  EXPECT_EQ(std::get<int32_t>(rows.at(0, 2)), 2);      // integer storage class
  EXPECT_EQ(std::get<double>(rows.at(0, 3)), 1.25);    // real storage class
  // No declared type, so no NUMERIC(10,2) decimal: the column as an expression is a plain double.
  EXPECT_EQ(std::get<double>(rows.at(0, 4)), 2.5);
  EXPECT_EQ(std::get<int32_t>(rows.at(1, 4)), 3);      // NUMERIC affinity stored 3 as an integer
}

}  // namespace
}  // namespace sql2mongo
