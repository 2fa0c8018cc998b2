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
