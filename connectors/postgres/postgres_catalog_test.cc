// The catalog of the Chinook sample as the PostgreSQL connector reads it: tables, columns with their
// declared types, primary keys (composite too), foreign keys in key order, and name lookup rules.
#include <gtest/gtest.h>

#include <algorithm>

#include "postgres/postgres_test_support.h"

namespace sql2mongo {
namespace {

using testing::OpenPostgres;
using testing::PostgresUri;

TEST(PostgresCatalog, ListsTheElevenChinookTablesByBareName) {
  S2M_REQUIRE_POSTGRES();
  auto source = OpenPostgres(PostgresUri());
  ASSERT_TRUE(source);
  auto tables = source->ListTables();
  ASSERT_TRUE(tables.ok()) << tables.status().message();
  EXPECT_EQ(*tables, (std::vector<std::string>{"album", "artist", "customer", "employee", "genre", "invoice",
                                               "invoice_line", "media_type", "playlist", "playlist_track", "track"}));
}

TEST(PostgresCatalog, DescribesColumnsWithDeclaredTypesAndNullability) {
  S2M_REQUIRE_POSTGRES();
  auto source = OpenPostgres(PostgresUri());
  ASSERT_TRUE(source);
  auto invoice = source->DescribeTable("invoice");
  ASSERT_TRUE(invoice.ok()) << invoice.status().message();
  EXPECT_EQ(invoice->name, "invoice");
  ASSERT_EQ(invoice->columns.size(), 9u);
  EXPECT_EQ(invoice->columns[0].name, "invoice_id");
  EXPECT_EQ(invoice->columns[0].declared_type, "integer");
  EXPECT_FALSE(invoice->columns[0].nullable);
  EXPECT_EQ(invoice->columns[2].declared_type, "timestamp without time zone");
  EXPECT_EQ(invoice->columns[3].name, "billing_address");
  EXPECT_EQ(invoice->columns[3].declared_type, "character varying(70)");
  EXPECT_TRUE(invoice->columns[3].nullable);
  EXPECT_EQ(invoice->columns[8].declared_type, "numeric(10,2)");
  EXPECT_EQ(invoice->primary_key, std::vector<std::string>{"invoice_id"});
  ASSERT_EQ(invoice->foreign_keys.size(), 1u);
  EXPECT_EQ(invoice->foreign_keys[0].columns, std::vector<std::string>{"customer_id"});
  EXPECT_EQ(invoice->foreign_keys[0].referenced_table, "customer");
  EXPECT_EQ(invoice->foreign_keys[0].referenced_columns, std::vector<std::string>{"customer_id"});
}

TEST(PostgresCatalog, CompositePrimaryKeyKeepsColumnOrderAndBothForeignKeys) {
  S2M_REQUIRE_POSTGRES();
  auto source = OpenPostgres(PostgresUri());
  ASSERT_TRUE(source);
  auto playlist_track = source->DescribeTable("playlist_track");
  ASSERT_TRUE(playlist_track.ok()) << playlist_track.status().message();
  EXPECT_EQ(playlist_track->primary_key, (std::vector<std::string>{"playlist_id", "track_id"}));
  ASSERT_EQ(playlist_track->foreign_keys.size(), 2u);
  std::vector<std::string> referenced;
  for (const auto& fk : playlist_track->foreign_keys) {
    ASSERT_EQ(fk.columns.size(), 1u);
    EXPECT_EQ(fk.columns, fk.referenced_columns);
    referenced.push_back(fk.referenced_table);
  }
  std::sort(referenced.begin(), referenced.end());
  EXPECT_EQ(referenced, (std::vector<std::string>{"playlist", "track"}));

  auto employee = source->DescribeTable("employee");  // a self-reference
  ASSERT_TRUE(employee.ok());
  ASSERT_EQ(employee->foreign_keys.size(), 1u);
  EXPECT_EQ(employee->foreign_keys[0].columns, std::vector<std::string>{"reports_to"});
  EXPECT_EQ(employee->foreign_keys[0].referenced_table, "employee");
  EXPECT_EQ(employee->foreign_keys[0].referenced_columns, std::vector<std::string>{"employee_id"});
}

TEST(PostgresCatalog, FindsTablesBySchemaQualifiedAndCaseInsensitiveNames) {
  S2M_REQUIRE_POSTGRES();
  auto source = OpenPostgres(PostgresUri());
  ASSERT_TRUE(source);
  auto qualified = source->DescribeTable("public.customer");
  ASSERT_TRUE(qualified.ok()) << qualified.status().message();
  EXPECT_EQ(qualified->name, "customer");
  auto other_case = source->DescribeTable("Customer");
  ASSERT_TRUE(other_case.ok()) << other_case.status().message();
  EXPECT_EQ(other_case->name, "customer");
  auto missing = source->DescribeTable("nope");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("nope"), std::string::npos);
}

}  // namespace
}  // namespace sql2mongo
