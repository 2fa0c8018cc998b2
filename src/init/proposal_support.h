// Names and small helpers shared by init's rules and its writer.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "sql2mongo/source.h"

namespace sql2mongo {

std::string Lower(std::string text);
std::set<std::string> LowerSet(const std::vector<std::string>& names);

// "InvoiceLine" -> "invoice_line", "HTTPLog" -> "http_log", "public.order" -> "public_order".
std::string SnakeName(const std::string& name);
// "InvoiceLine" -> "invoiceLine", "customer_id" -> "customerId", "HTTPLog" -> "httpLog".
std::string CamelName(const std::string& name);

// How init spells the names it writes (--case): field names are the column names as they are (kKeep),
// or converted; collection and embed names, which init makes up, are snake_case unless kCamel.
enum class NameCase { kKeep, kSnake, kCamel };
bool ParseNameCase(const std::string& text, NameCase* out);
const char* NameCaseName(NameCase name_case);
// The field name of `column`.
std::string FieldName(const std::string& column, NameCase name_case);
// A name init made up, in snake_case ("invoice_lines", "track_ids"), in the chosen case.
std::string MadeUpName(const std::string& snake_name, NameCase name_case);
// English plural of a snake_case name, enough for table names: "invoice" -> "invoices",
// "category" -> "categories", "address" -> "addresses".
std::string PluralName(const std::string& name);
// `name`, or `name_2`, `name_3`... when taken; the result is added to *taken.
std::string UniqueName(const std::string& name, std::set<std::string>* taken);
// The name of what a foreign key column points at: "GenreId" -> "genre", "support_rep_id" ->
// "support_rep"; a column without an id suffix keeps its own snake_case name.
std::string PointeeName(const std::string& column);

// Columns of a table that are neither its primary key nor part of a foreign key: what a lookup table
// gives the rows that point at it.
std::vector<std::string> DescriptiveColumns(const TableInfo& info);

}  // namespace sql2mongo
