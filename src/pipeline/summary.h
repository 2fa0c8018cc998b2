// The table every run ends with: per collection, what was read, embedded, written and rejected, the
// check that every row read is accounted for, and the verdict.
#pragma once

#include <string>
#include <vector>

#include "sql2mongo/progress.h"

namespace sql2mongo {

enum class RunVerdict { kWritten, kRejects, kFailed };

// Every root row read became a written document or a reject (rows of embedded tables that fit no
// document are rejects of their own and are not counted against it). One message per collection
// where that does not hold; empty when all add up. Only meaningful for a run that ended.
std::vector<std::string> UnaccountedRows(const RunSummary& summary);

RunVerdict VerdictOf(const RunSummary& summary);

// The counters of `collections` added up (named "total", taking `seconds`).
CollectionCounters TotalOf(const std::vector<CollectionCounters>& collections, double seconds);
// ... of every collection of a run, with the run's seconds.
CollectionCounters TotalOf(const RunSummary& summary);

std::string FormatSummary(const RunSummary& summary);
// The indexes created and refused and the validators installed or not, one line each kind; "" when none.
std::string FormatIndexesAndValidators(const RunSummary& summary);

// "customers: Employee.BirthDate: 2 values are not dates, kept as strings (e.g. 'n/a', 'unknown')".
std::string FormatWarning(const ValueWarning& warning);

}  // namespace sql2mongo
