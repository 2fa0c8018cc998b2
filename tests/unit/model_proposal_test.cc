// init's rules (ProposeModel) and the mapping it writes, on generated surveys: no server, every relation
// kind the rules tell apart, each with the shape chosen and the reason given.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "init/model_proposal.h"
#include "init/proposal_support.h"

namespace sql2mongo {
namespace {

using Json = nlohmann::ordered_json;

ColumnInfo Column(const std::string& name, const std::string& type = "INTEGER", bool nullable = false) {
  ColumnInfo column;
  column.name = name;
  column.declared_type = type;
  column.nullable = nullable;
  column.yields.bson_types = {type == "TEXT" ? "string" : "int"};
  return column;
}

// Children per parent as the survey would have measured them.
FanOut Fan(uint64_t child_rows, uint64_t max, uint64_t p50, uint64_t p99, uint64_t parents_used) {
  FanOut fan_out;
  fan_out.child_rows = child_rows;
  fan_out.max = max;
  fan_out.p50 = p50;
  fan_out.p99 = p99;
  fan_out.parents_used = parents_used;
  return fan_out;
}

struct Builder {
  CatalogSurvey survey;

  TableSurvey& Table(const std::string& name, std::vector<ColumnInfo> columns, std::vector<std::string> primary_key,
                     uint64_t rows, uint64_t max_row_bytes = 100) {
    TableSurvey table;
    table.info.name = name;
    table.info.columns = std::move(columns);
    table.info.primary_key = std::move(primary_key);
    table.rows = rows;
    table.max_row_bytes = max_row_bytes;
    table.average_row_bytes = static_cast<double>(max_row_bytes);
    survey.tables.push_back(std::move(table));
    return survey.tables.back();
  }
  // A foreign key of the table last added... by name, so that tables may be added in any order.
  void Key(const std::string& table, std::vector<std::string> columns, const std::string& referenced,
           std::vector<std::string> referenced_columns, FanOut fan_out) {
    for (auto& t : survey.tables) {
      if (t.info.name != table) continue;
      t.info.foreign_keys.push_back(ForeignKey{std::move(columns), referenced, std::move(referenced_columns)});
      t.fan_outs.push_back(fan_out);
      return;
    }
    ADD_FAILURE() << "no table " << table;
  }
};

const TableDecision& DecisionFor(const ModelProposal& proposal, const std::string& table) {
  for (const auto& decision : proposal.tables)
    if (decision.table == table) return decision;
  ADD_FAILURE() << "no decision for " << table;
  static const TableDecision kNone;
  return kNone;
}

bool HasReason(const TableDecision& decision, const std::string& text) {
  for (const auto& reason : decision.reasons)
    if (reason.find(text) != std::string::npos) return true;
  return false;
}

std::string Reasons(const TableDecision& decision) {
  std::string all;
  for (const auto& reason : decision.reasons) all += "  " + reason + "\n";
  return all;
}

// The written mapping, parsed with its comments dropped; *text gets the comments' text, their wrapped
// lines joined by spaces.
Json Written(const ModelProposal& proposal, const CatalogSurvey& survey, std::string* text) {
  std::string file = WriteProposedMapping(proposal, survey, {"sqlite:/tmp/generated.db", "sql2mongo init sqlite:/tmp/generated.db"});
  Json mapping = Json::parse(file, nullptr, false, /*ignore_comments=*/true);
  EXPECT_FALSE(mapping.is_discarded()) << file;
  text->clear();
  std::istringstream lines(file);
  for (std::string line; std::getline(lines, line);)
    if (size_t at = line.find("// "); at != std::string::npos) *text += line.substr(at + 3) + " ";
  *text += "\n" + file;
  return mapping;
}

TEST(ModelProposal, ACompositeKeyGivesACompositeIdAndItsChildrenJoinByBothColumns) {
  Builder b;
  b.Table("shipment", {Column("order_no"), Column("line_no"), Column("carrier", "TEXT"), Column("qty"), Column("note", "TEXT"),
                       Column("weight")},
          {"order_no", "line_no"}, 400);
  b.Table("shipment_scan", {Column("id"), Column("order_no"), Column("line_no"), Column("place", "TEXT")}, {"id"}, 1200);
  b.Key("shipment_scan", {"order_no", "line_no"}, "shipment", {"order_no", "line_no"}, Fan(1200, 6, 3, 5, 400));
  ModelProposal proposal = ProposeModel(b.survey);
  EXPECT_EQ(DecisionFor(proposal, "shipment").role, TableRole::kCollection);
  const TableDecision& scans = DecisionFor(proposal, "shipment_scan");
  EXPECT_EQ(scans.role, TableRole::kEmbedded);
  EXPECT_TRUE(HasReason(scans, "1:N, one-to-few: embedded as an array in shipment by shipment_scan.order_no+line_no: "
                               "shipment_scan rows per shipment: max 6, p50 3, p99 5 (rule: p99 <= 100, max <= 1000)"))
      << Reasons(scans);

  std::string text;
  Json mapping = Written(proposal, b.survey, &text);
  EXPECT_EQ(mapping["collections"]["shipments"]["_id"], Json::array({"order_no", "line_no"})) << text;
  const Json& embed = mapping["collections"]["shipments"]["embed"]["shipment_scans"];
  EXPECT_EQ(embed["as"], "array") << text;
  EXPECT_EQ(embed["local"], Json::array({"order_no", "line_no"})) << text;
  EXPECT_EQ(embed["foreign"], Json::array({"order_no", "line_no"})) << text;
  EXPECT_NE(text.find("a composite _id from its primary key (order_no, line_no)"), std::string::npos) << text;
}

TEST(ModelProposal, ASelfReferenceStaysAReferenceToTheSameCollection) {
  Builder b;
  b.Table("employee", {Column("id"), Column("name", "TEXT"), Column("title", "TEXT"), Column("email", "TEXT"),
                       Column("manager_id", "INTEGER", /*nullable=*/true)},
          {"id"}, 50);
  b.Key("employee", {"manager_id"}, "employee", {"id"}, Fan(49, 7, 0, 7, 8));
  ModelProposal proposal = ProposeModel(b.survey);
  const TableDecision& employee = DecisionFor(proposal, "employee");
  EXPECT_EQ(employee.role, TableRole::kCollection);  // a row cannot contain its own kind
  std::string text;
  Json mapping = Written(proposal, b.survey, &text);
  EXPECT_EQ(mapping["collections"]["employees"]["fields"]["manager_id"],
            Json({{"column", "manager_id"}, {"ref", "employees"}}))
      << text;
  EXPECT_NE(text.find("Self-reference: manager_id holds the _id of another document of employees"), std::string::npos)
      << text;
}

// A join table with a column of its own that is no timestamp is a table of its own rows: one-to-few
// children of the side with fewer rows, the other side kept as a reference.
TEST(ModelProposal, AJoinTableWithAnExtraColumnIsEmbeddedInTheSmallerSide) {
  Builder b;
  b.Table("student", {Column("id"), Column("name", "TEXT"), Column("email", "TEXT"), Column("year"), Column("city", "TEXT")},
          {"id"}, 2000);
  b.Table("course", {Column("id"), Column("title", "TEXT"), Column("room", "TEXT"), Column("teacher", "TEXT"),
                     Column("credits")},
          {"id"}, 40);
  b.Table("enrollment", {Column("student_id"), Column("course_id"), Column("grade", "TEXT")}, {"student_id", "course_id"},
          6000);
  b.Key("enrollment", {"student_id"}, "student", {"id"}, Fan(6000, 5, 3, 5, 2000));
  b.Key("enrollment", {"course_id"}, "course", {"id"}, Fan(6000, 300, 150, 290, 40));
  ModelProposal proposal = ProposeModel(b.survey);
  const TableDecision& enrollment = DecisionFor(proposal, "enrollment");
  EXPECT_EQ(enrollment.role, TableRole::kEmbedded) << Reasons(enrollment);
  EXPECT_EQ(b.survey.tables[2].info.foreign_keys[enrollment.via_fk].referenced_table, "student");
  EXPECT_TRUE(HasReason(enrollment, "1:N, one-to-few: embedded as an array in student by enrollment.student_id"))
      << Reasons(enrollment);
  EXPECT_TRUE(HasReason(enrollment, "not embedded in course: one-to-many beyond few (enrollment rows per course: max "
                                    "300, p50 150, p99 290; the rule embeds up to p99 100 and max 1000)"))
      << Reasons(enrollment);
  std::string text;
  Json mapping = Written(proposal, b.survey, &text);
  const Json& enrollments = mapping["collections"]["students"]["embed"]["enrollments"];
  EXPECT_EQ(enrollments["fields"]["grade"], "grade") << text;
  EXPECT_EQ(enrollments["fields"]["course_id"], Json({{"column", "course_id"}, {"ref", "courses"}})) << text;

  // With a timestamp instead, it is a pure join table: M:N, objects in the side with fewer rows.
  Builder t;
  t.survey.tables = {b.survey.tables[0], b.survey.tables[1]};
  t.Table("enrollment", {Column("student_id"), Column("course_id"), Column("enrolled_at", "TIMESTAMP")},
          {"student_id", "course_id"}, 6000);
  t.Key("enrollment", {"student_id"}, "student", {"id"}, Fan(6000, 5, 3, 5, 2000));
  t.Key("enrollment", {"course_id"}, "course", {"id"}, Fan(6000, 300, 150, 290, 40));
  ModelProposal pure = ProposeModel(t.survey);
  const TableDecision& join = DecisionFor(pure, "enrollment");
  EXPECT_EQ(join.role, TableRole::kJoinArray) << Reasons(join);
  EXPECT_TRUE(HasReason(join, "M:N: a join table (its columns are the foreign keys enrollment.student_id and "
                              "enrollment.course_id and a timestamp): embedded as an array of student's keys in course, "
                              "the side with fewer rows (40 rows against 2000 rows)"))
      << Reasons(join);
  Json pure_mapping = Written(pure, t.survey, &text);
  const Json& students = pure_mapping["collections"]["courses"]["embed"]["students"];
  EXPECT_EQ(students["fields"], Json({{"student_id", "student_id"}, {"enrolled_at", "enrolled_at"}})) << text;
}

TEST(ModelProposal, ATableWithoutAPrimaryKeyGetsGeneratedIds) {
  Builder b;
  b.Table("log_line", {Column("at", "TEXT", true), Column("level", "TEXT", true), Column("message", "TEXT", true)}, {}, 3);
  ModelProposal proposal = ProposeModel(b.survey);
  EXPECT_EQ(DecisionFor(proposal, "log_line").role, TableRole::kCollection);
  std::string text;
  Json mapping = Written(proposal, b.survey, &text);
  EXPECT_FALSE(mapping["collections"]["log_lines"].contains("_id")) << text;
  EXPECT_NE(text.find("log_line (3 rows): a collection of its own; it has no primary key, so its documents get "
                      "generated ObjectIds as _id"),
            std::string::npos)
      << text;
}

TEST(ModelProposal, OneToSquillionsStaysACollectionWithAReference) {
  Builder b;
  b.Table("account", {Column("id"), Column("name", "TEXT"), Column("email", "TEXT"), Column("plan", "TEXT"),
                      Column("created", "TEXT")},
          {"id"}, 2);
  b.Table("event", {Column("id"), Column("account_id"), Column("kind", "TEXT"), Column("at", "TEXT")}, {"id"}, 6000);
  b.Key("event", {"account_id"}, "account", {"id"}, Fan(6000, 5990, 10, 5990, 2));
  ModelProposal proposal = ProposeModel(b.survey);
  const TableDecision& event = DecisionFor(proposal, "event");
  EXPECT_EQ(event.role, TableRole::kCollection);
  EXPECT_TRUE(HasReason(event, "not embedded in account: one-to-many beyond few (event rows per account: max 5990, p50 "
                               "10, p99 5990; the rule embeds up to p99 100 and max 1000)"))
      << Reasons(event);
  std::string text;
  Json mapping = Written(proposal, b.survey, &text);
  EXPECT_EQ(mapping["collections"]["events"]["fields"]["account_id"], Json({{"column", "account_id"}, {"ref", "accounts"}}))
      << text;
  EXPECT_FALSE(mapping["collections"]["accounts"].contains("embed")) << text;
}

// A partitioned PostgreSQL table is one table to init: the catalog lists the parent (relkind 'p') and
// leaves its partitions out (pg_class.relispartition), and a scan of the parent reads every
// partition's rows, so the survey holds one table with all of them: one collection, not one a partition.
TEST(ModelProposal, APartitionedTableIsOneCollection) {
  Builder b;
  b.Table("city", {Column("id"), Column("name", "TEXT"), Column("country", "TEXT"), Column("population"),
                   Column("mayor", "TEXT")},
          {"id"}, 30);
  b.Table("measurement", {Column("city_id"), Column("logdate", "date"), Column("peak_temp"), Column("unit_sales")},
          {"city_id", "logdate"}, 30 * 730);
  b.Key("measurement", {"city_id"}, "city", {"id"}, Fan(30 * 730, 730, 730, 730, 30));
  ModelProposal proposal = ProposeModel(b.survey);
  const TableDecision& measurement = DecisionFor(proposal, "measurement");
  EXPECT_EQ(measurement.role, TableRole::kCollection);
  EXPECT_EQ(measurement.collection, "measurements");
  EXPECT_TRUE(HasReason(measurement, "not embedded in city: one-to-many beyond few (measurement rows per city: max 730"))
      << Reasons(measurement);
  std::string text;
  Json mapping = Written(proposal, b.survey, &text);
  ASSERT_EQ(mapping["collections"].size(), 2u) << text;
  // The key to the city is part of the _id: {"city_id": 7, "logdate": ...}.
  EXPECT_EQ(mapping["collections"]["measurements"]["_id"], Json::array({"city_id", "logdate"})) << text;
  EXPECT_FALSE(mapping["collections"]["measurements"]["fields"].contains("city_id")) << text;
}

TEST(ModelProposal, ViewsAreListedAsSkippedWithTheReason) {
  Builder b;
  b.Table("person", {Column("id"), Column("name", "TEXT")}, {"id"}, 3);
  b.survey.views = {"active_person"};
  ModelProposal proposal = ProposeModel(b.survey);
  const TableDecision& view = DecisionFor(proposal, "active_person");
  EXPECT_EQ(view.role, TableRole::kSkipped);
  EXPECT_TRUE(HasReason(view, "a view: map its base tables, or add it explicitly with a mapping")) << Reasons(view);
  std::string text;
  Written(proposal, b.survey, &text);
  EXPECT_NE(text.find("- active_person: skipped: a view: map its base tables, or add it explicitly with a mapping"),
            std::string::npos)
      << text;
}

TEST(ModelProposal, NameCaseSpellsFieldsAndMadeUpNames) {
  EXPECT_EQ(SnakeName("InvoiceLine"), "invoice_line");
  EXPECT_EQ(SnakeName("CustomerId"), "customer_id");
  EXPECT_EQ(CamelName("InvoiceLine"), "invoiceLine");
  EXPECT_EQ(CamelName("CustomerId"), "customerId");
  EXPECT_EQ(CamelName("customer_id"), "customerId");
  EXPECT_EQ(CamelName("HTTPLog"), "httpLog");
  EXPECT_EQ(FieldName("CustomerId", NameCase::kKeep), "CustomerId");
  EXPECT_EQ(FieldName("CustomerId", NameCase::kSnake), "customer_id");
  EXPECT_EQ(FieldName("CustomerId", NameCase::kCamel), "customerId");
  EXPECT_EQ(MadeUpName("invoice_lines", NameCase::kSnake), "invoice_lines");
  EXPECT_EQ(MadeUpName("invoice_lines", NameCase::kCamel), "invoiceLines");

  Builder b;
  b.Table("Invoice", {Column("InvoiceId"), Column("CustomerName", "TEXT"), Column("BillingCity", "TEXT"),
                      Column("BillingCountry", "TEXT"), Column("Total")},
          {"InvoiceId"}, 400);
  b.Table("InvoiceLine", {Column("InvoiceLineId"), Column("InvoiceId"), Column("UnitPrice")}, {"InvoiceLineId"}, 2000);
  b.Key("InvoiceLine", {"InvoiceId"}, "Invoice", {"InvoiceId"}, Fan(2000, 14, 5, 14, 400));
  ModelProposal camel = ProposeModel(b.survey, ProposalRules{}, NameCase::kCamel);
  std::string text;
  Json mapping = Written(camel, b.survey, &text);
  const Json& invoices = mapping["collections"]["invoices"];
  EXPECT_EQ(invoices["fields"]["customerName"], "CustomerName") << text;
  EXPECT_EQ(invoices["embed"]["invoiceLines"]["fields"]["unitPrice"], "UnitPrice") << text;
}

}  // namespace
}  // namespace sql2mongo
