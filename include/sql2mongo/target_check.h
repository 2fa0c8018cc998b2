// The plan against the target: every field that would carry a value the target cannot store, found
// before anything is written (FerretDB v1 closes the connection on Decimal128 and NaN, so finding them
// by writing would leave a half-written collection and a socket error).
#pragma once

#include <string>
#include <vector>

#include "sql2mongo/plan.h"
#include "sql2mongo/source.h"
#include "sql2mongo/status.h"
#include "sql2mongo/target_info.h"

namespace sql2mongo {

struct TargetFinding {
  std::string collection;
  std::string field;   // dotted path in the document, array levels included: "invoices.lines.unit_price"
  std::string column;  // "InvoiceLine.UnitPrice (NUMERIC(10,2))"
  std::string what;    // "Decimal128"
  std::string fix;     // "add \"type\": \"double\" (or \"string\") to the field"
  std::string ToString() const;
};

// Walks every field of every collection of `plan`. Columns whose catalog type can hold NaN or nested
// arrays are looked into with Source::ColumnHolds (one query each, only when the target lacks that
// value). Fails only when the source does.
Result<std::vector<TargetFinding>> CheckPlanAgainstTarget(const Plan& plan, Source& source, const TargetInfo& target);

// All findings in one error (kMappingError: the mapping must change), naming the target.
Status TargetFindingsError(const std::vector<TargetFinding>& findings, const TargetInfo& target,
                           const std::string& display_uri);

}  // namespace sql2mongo
