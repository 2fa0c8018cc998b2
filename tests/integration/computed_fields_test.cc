// Computed fields ("expr") on every source. The CLI migrates invoices whose fields are SQL expressions,
// in each source's own dialect, into a jsonl: file (canonical Extended JSON, so every BSON type shows),
// and each document is checked field by field against the same expressions evaluated by the source
// itself, queried here behind the tool's back: the e-mail through the source's LOWER(), an "ORD-<id>"
// string, integer and decimal arithmetic in the type the source gives it, a NULL result kept or omitted,
// and an expression inside an embedded row. A broken expression stops the run before anything is
// written (exit 2) with the database's own message and the expression's file:line:col.
#include <bson/bson.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "support/test_support.h"

#if defined(S2M_WITH_POSTGRES)
#include "postgres/postgres_handles.h"
#include "postgres/postgres_test_support.h"
#endif
#if defined(S2M_WITH_MYSQL)
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include "support/mysql_admin.h"
#endif

namespace sql2mongo::testing {
namespace {

// One invoice as the source computes it.
struct Expected {
  std::string email;                 // LOWER(customer's e-mail)
  std::optional<std::string> state;  // LOWER(BillingState); nullopt for NULL
  int64_t double_id = 0;             // InvoiceId * 2
  std::string cents;                 // Total * 100, as the source prints it
};

// Table and column names differ by source (the PostgreSQL copy of Chinook is snake_case), and so does
// the SQL: each source gets the mapping its users would write.
struct Dialect {
  std::string name;
  std::string invoice, invoice_id, customer, customer_id, email, state, total;
  std::string number_expr;  // 'ORD-' and the invoice id
};

const Dialect kSqlite{"sqlite", "Invoice", "InvoiceId", "Customer", "CustomerId", "Email", "BillingState", "Total",
                      "'ORD-' || CAST(InvoiceId AS TEXT)"};
const Dialect kPostgres{"postgres", "invoice", "invoice_id", "customer", "customer_id", "email", "billing_state",
                        "total", "'ORD-' || CAST(invoice_id AS TEXT)"};
const Dialect kMysql{"mysql", "Invoice", "InvoiceId", "Customer", "CustomerId", "Email", "BillingState", "Total",
                     "CONCAT('ORD-', InvoiceId)"};

void PrintTo(const Dialect& dialect, std::ostream* out) { *out << dialect.name; }

// The source's own answer, one query joining what the mapping embeds.
std::string ExpectedSql(const Dialect& d) {
  return "SELECT i." + d.invoice_id + ", LOWER(c." + d.email + "), LOWER(i." + d.state + "), i." + d.invoice_id +
         " * 2, i." + d.total + " * 100 FROM " + d.invoice + " i JOIN " + d.customer + " c ON c." + d.customer_id +
         " = i." + d.customer_id;
}

void ReplaceAll(std::string* text, const std::string& from, const std::string& to) {
  for (size_t at = text->find(from); at != std::string::npos; at = text->find(from, at + to.size()))
    text->replace(at, from.size(), to);
}

std::string Mapping(const Dialect& d, const std::string& email_expr) {
  std::string mapping = R"json({
  "collections": {
    "invoices": {
      "from": "$invoice", "_id": "$invoice_id",
      "fields": {
        "number": {"expr": "$number_expr", "type": "string"},
        "double_id": {"expr": "$invoice_id * 2"},
        "cents": {"expr": "$total * 100"},
        "state": {"expr": "LOWER($state)"},
        "state_or_nothing": {"expr": "LOWER($state)", "nulls": "omit"}
      },
      "embed": {
        "customer": {"from": "$customer", "as": "object", "local": "$customer_id",
                     "fields": {"id": "$customer_id", "email": {"expr": "$email_expr"}}}
      }
    }
  }
})json";
  // Longest names first: $invoice_id before $invoice.
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"$number_expr", d.number_expr}, {"$email_expr", email_expr}, {"$invoice_id", d.invoice_id},
           {"$customer_id", d.customer_id}, {"$invoice", d.invoice}, {"$customer", d.customer},
           {"$total", d.total}, {"$state", d.state}})
    ReplaceAll(&mapping, from, to);
  return mapping;
}

// The line and column of `text`'s first occurrence in `mapping`, as "line:col".
std::string PlaceOf(const std::string& mapping, const std::string& text) {
  size_t at = mapping.find(text);
  EXPECT_NE(at, std::string::npos) << text;
  int line = 1, column = 1;
  for (size_t i = 0; i < at; ++i) {
    if (mapping[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return std::to_string(line) + ":" + std::to_string(column);
}

std::map<int64_t, BsonPtr> ReadDocuments(const std::string& path) {
  std::map<int64_t, BsonPtr> docs;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  for (std::string line; std::getline(in, line);) {
    bson_error_t error;
    BsonPtr doc(bson_new_from_json(reinterpret_cast<const uint8_t*>(line.data()), static_cast<ssize_t>(line.size()),
                                   &error));
    EXPECT_TRUE(doc) << error.message << ": " << line;
    if (!doc) continue;
    int64_t id = Integer(doc.get(), "_id");
    docs.emplace(id, std::move(doc));
  }
  return docs;
}

// A small Chinook-shaped SQLite database: Total is NUMERIC(10,2) as in Chinook, BillingState has NULLs.
std::string MakeSqliteSample() {
  return MakeSqliteDatabase("computed.db", R"(
    CREATE TABLE Customer (CustomerId INTEGER PRIMARY KEY, Email NVARCHAR(60));
    CREATE TABLE Invoice (InvoiceId INTEGER PRIMARY KEY, CustomerId INTEGER REFERENCES Customer (CustomerId),
                          BillingState NVARCHAR(40), Total NUMERIC(10,2));
    INSERT INTO Customer VALUES (1, 'Luis.Goncalves@Embraer.COM.br'), (2, 'LEONEKOHLER@surfeu.de');
    INSERT INTO Invoice VALUES (1, 2, NULL, 1.98), (2, 1, 'SP', 3.96), (3, 1, 'SP', 5.94), (7, 2, NULL, 0.99);
  )");
}

std::map<int64_t, Expected> SqliteExpected(const std::string& path, const Dialect& d) {
  std::map<int64_t, Expected> rows;
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  SqliteHandle owner(db);
  sqlite3_stmt* raw = nullptr;
  std::string sql = ExpectedSql(d);
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &raw, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  SqliteStatement stmt(raw);
  while (sqlite3_step(stmt.get()) == SQLITE_ROW) {
    Expected& e = rows[sqlite3_column_int64(stmt.get(), 0)];
    e.email = reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 1));
    if (sqlite3_column_type(stmt.get(), 2) != SQLITE_NULL)
      e.state = reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 2));
    e.double_id = sqlite3_column_int64(stmt.get(), 3);
    // REAL arithmetic: kept as the double the source computed, compared as such below.
    e.cents = std::to_string(sqlite3_column_double(stmt.get(), 4));
  }
  return rows;
}

#if defined(S2M_WITH_POSTGRES)
std::map<int64_t, Expected> PostgresExpected(const Dialect& d) {
  std::map<int64_t, Expected> rows;
  PgConnection admin = ConnectAdmin(PostgresUri());
  PgResult result = Exec(admin.get(), ExpectedSql(d));
  for (int row = 0; row < PQntuples(result.get()); ++row) {
    Expected& e = rows[std::stoll(PQgetvalue(result.get(), row, 0))];
    e.email = PQgetvalue(result.get(), row, 1);
    if (!PQgetisnull(result.get(), row, 2)) e.state = PQgetvalue(result.get(), row, 2);
    e.double_id = std::stoll(PQgetvalue(result.get(), row, 3));
    e.cents = PQgetvalue(result.get(), row, 4);
  }
  return rows;
}
#endif

#if defined(S2M_WITH_MYSQL)
std::map<int64_t, Expected> MysqlExpected(const Dialect& d) {
  std::map<int64_t, Expected> rows;
  std::unique_ptr<sql::Connection> admin = ConnectMysqlAdmin();
  std::string uri = Env("S2M_TEST_MYSQL_URI");
  admin->setSchema(uri.substr(uri.rfind('/') + 1));
  std::unique_ptr<sql::Statement> statement(admin->createStatement());
  std::unique_ptr<sql::ResultSet> result(statement->executeQuery(ExpectedSql(d)));
  while (result->next()) {
    Expected& e = rows[result->getInt64(1)];
    e.email = result->getString(2);
    std::string state = result->getString(3);
    if (!result->wasNull()) e.state = state;
    e.double_id = result->getInt64(4);
    e.cents = result->getString(5);
  }
  return rows;
}
#endif

class ComputedFieldsTest : public ::testing::TestWithParam<Dialect> {
 protected:
  void SetUp() override {
    const Dialect& d = GetParam();
    if (d.name == "sqlite") {
      sqlite_path_ = MakeSqliteSample();
      source_arguments_ = " --source " + ShellQuote("sqlite:" + sqlite_path_);
      return;
    }
    const char* uri_variable = d.name == "postgres" ? "S2M_TEST_POSTGRES_URI" : "S2M_TEST_MYSQL_URI";
    const char* password_variable = d.name == "postgres" ? "S2M_TEST_POSTGRES_PASSWORD" : "S2M_TEST_MYSQL_PASSWORD";
    ASSERT_FALSE(Env(uri_variable).empty()) << "start the servers with scripts/services start";
    // The password travels in a file, as a user would pass it, never on the command line.
    source_arguments_ = " --source " + ShellQuote(Env(uri_variable)) + " --password-file " +
                        ShellQuote(WriteTempFile(d.name + ".computed.password", Env(password_variable) + "\n"));
  }

  std::map<int64_t, Expected> SourceExpected() {
    const Dialect& d = GetParam();
    if (d.name == "sqlite") return SqliteExpected(sqlite_path_, d);
#if defined(S2M_WITH_POSTGRES)
    if (d.name == "postgres") return PostgresExpected(d);
#endif
#if defined(S2M_WITH_MYSQL)
    if (d.name == "mysql") return MysqlExpected(d);
#endif
    ADD_FAILURE() << "sql2mongo was built without the " << d.name << " connector";
    return {};
  }

  // Runs the CLI on `mapping` into a fresh jsonl file; returns the file's path.
  std::string Run(const std::string& mapping_text, const std::string& tag, CommandResult* result) {
    const std::string& name = GetParam().name;
    std::string mapping = WriteTempFile(name + "." + tag + ".json", mapping_text);
    std::string out = std::filesystem::path(mapping).parent_path().string() + "/" + name + "." + tag + ".jsonl";
    std::filesystem::remove(out);
    *result = RunCli("run " + ShellQuote(mapping) + source_arguments_ + " --target " +
                     ShellQuote("jsonl:" + out + "?canonical") + " --rejects " +
                     ShellQuote(WriteTempFile(name + "." + tag + ".rejects.jsonl", "")));
    mapping_path_ = mapping;
    return out;
  }

  std::string sqlite_path_;
  std::string source_arguments_;
  std::string mapping_path_;
};

TEST_P(ComputedFieldsTest, EachFieldHoldsWhatTheSourceComputes) {
  const Dialect& d = GetParam();
  const std::string email_expr = "LOWER(" + d.email + ")";
  CommandResult result;
  std::string out = Run(Mapping(d, email_expr), "ok", &result);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  std::map<int64_t, BsonPtr> docs = ReadDocuments(out);
  std::map<int64_t, Expected> expected = SourceExpected();
  ASSERT_FALSE(expected.empty());
  ASSERT_EQ(docs.size(), expected.size());
  size_t nulls = 0;
  for (const auto& [id, want] : expected) {
    auto found = docs.find(id);
    ASSERT_NE(found, docs.end()) << "no document for invoice " << id;
    const bson_t* doc = found->second.get();
    SCOPED_TRACE(d.name + " invoice " + std::to_string(id) + ": " + Json(doc));
    EXPECT_EQ(Utf8(doc, "number"), "ORD-" + std::to_string(id));
    EXPECT_EQ(Utf8(doc, "customer.email"), want.email);
    // An integer expression arrives as the integer type the source gives it: int4 in PostgreSQL,
    // BIGINT in MySQL (integer arithmetic widens), SQLite's narrowest integer.
    bson_iter_t double_id = Field(doc, "double_id");
    if (d.name == "mysql") EXPECT_TRUE(BSON_ITER_HOLDS_INT64(&double_id));
    else EXPECT_TRUE(BSON_ITER_HOLDS_INT32(&double_id));
    EXPECT_EQ(bson_iter_as_int64(&double_id), want.double_id);
    // NUMERIC * 100 stays exact (Decimal128 with the source's digits) where the source computes in
    // decimal; SQLite computes REAL, and an expression has no declared type to make it a decimal.
    if (d.name == "sqlite") {
      bson_iter_t cents = Field(doc, "cents");
      ASSERT_TRUE(BSON_ITER_HOLDS_DOUBLE(&cents));
      EXPECT_EQ(std::to_string(bson_iter_double(&cents)), want.cents);
    } else {
      EXPECT_EQ(DecimalText(doc, "cents"), want.cents);
    }
    if (want.state) {
      EXPECT_EQ(Utf8(doc, "state"), *want.state);
      EXPECT_EQ(Utf8(doc, "state_or_nothing"), *want.state);
    } else {
      ++nulls;
      bson_iter_t state = Field(doc, "state");
      EXPECT_TRUE(BSON_ITER_HOLDS_NULL(&state));  // "nulls": "keep", the default
      EXPECT_FALSE(HasField(doc, "state_or_nothing"));  // "nulls": "omit"
    }
  }
  EXPECT_GT(nulls, 0u) << "the data must hold NULL results for this test to mean something";
  EXPECT_LT(nulls, expected.size());
}

TEST_P(ComputedFieldsTest, ABrokenExpressionStopsTheRunWithTheDatabaseMessageAndItsPlace) {
  const Dialect& d = GetParam();
  const std::string broken = "LOWER(Emal)";
  const std::string mapping = Mapping(d, broken);
  CommandResult result;
  std::string out = Run(mapping, "broken", &result);
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find(mapping_path_ + ":" + PlaceOf(mapping, "\"" + broken) + ": field 'email'"),
            std::string::npos)
      << result.output;
  const char* database_says = d.name == "sqlite"     ? "no such column: Emal"
                              : d.name == "postgres" ? "column \"emal\" does not exist"
                                                     : "Unknown column 'Emal'";  // "in 'SELECT'" in MariaDB 11
  EXPECT_NE(result.output.find(database_says), std::string::npos) << result.output;
  EXPECT_FALSE(std::filesystem::exists(out)) << "nothing may be written: " << out;
}

// check names the type the database gives each expression (SQLite gives none: the values' storage
// classes), and what the field then becomes.
TEST_P(ComputedFieldsTest, CheckShowsTheTypeTheDatabaseGivesEachExpression) {
  const Dialect& d = GetParam();
  std::string mapping = WriteTempFile(d.name + ".types.json", Mapping(d, "LOWER(" + d.email + ")"));
  CommandResult result = RunCli("check " + ShellQuote(mapping) + source_arguments_ + " --target null: --sample 0");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  struct Want {
    std::string field, expression, table, type, becomes;
  };
  const bool sqlite = d.name == "sqlite", postgres = d.name == "postgres";
  const std::string sqlite_note = " (SQLite declares no type for an expression: the storage classes of the first 1000 rows' values)";
  std::vector<Want> wants = {
      {"double_id", d.invoice_id + " * 2", d.invoice, sqlite ? "integer" + sqlite_note : postgres ? "integer" : "BIGINT",
       sqlite ? "it becomes int or long" : postgres ? "it becomes int" : "it becomes long"},
      {"cents", d.total + " * 100", d.invoice, sqlite ? "real" + sqlite_note : postgres ? "numeric" : "DECIMAL",
       sqlite ? "it becomes double" : "it becomes decimal"},
      {"number", d.number_expr, d.invoice, sqlite ? "text" + sqlite_note : postgres ? "text" : "VARCHAR",
       "\"type\": \"string\" makes it string"},
      {"customer.email", "LOWER(" + d.email + ")", d.customer,
       sqlite ? "text" + sqlite_note : postgres ? "text" : "VARCHAR", "it becomes string"}};
  for (const Want& want : wants) {
    std::string line = "computed field '" + want.field + "' = (" + want.expression + ") on table " + want.table +
                       ": the database types it as " + want.type + "; " + want.becomes + "\n";
    EXPECT_NE(result.output.find(line), std::string::npos) << line << "\n" << result.output;
  }
}

INSTANTIATE_TEST_SUITE_P(Sources, ComputedFieldsTest, ::testing::Values(kSqlite, kPostgres, kMysql),
                         [](const ::testing::TestParamInfo<Dialect>& info) { return info.param.name; });

}  // namespace
}  // namespace sql2mongo::testing
