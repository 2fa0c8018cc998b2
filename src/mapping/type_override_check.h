// Fields whose mapping sets a "type", against the values of the whole table (within its "where"): the
// build converts each value the same way, and a value it cannot convert makes its row a reject, which a
// sample of a few rows rarely shows ("UnitPrice: 3 of 2240 values have more than 34 significant
// digits"). For `sql2mongo check`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sql2mongo/plan.h"
#include "sql2mongo/source.h"
#include "sql2mongo/status.h"

namespace sql2mongo {

struct TypeOverrideFinding {
  std::string field;   // dotted path in the document, array levels included: "invoices.lines.price"
  std::string column;  // "Track.UnitPrice (NUMERIC(10,2))", or "Track.(LOWER(Name))" for an "expr"
  std::string column_name;  // "UnitPrice", or the expression
  TargetType type = TargetType::kAuto;
  uint64_t values = 0;  // non-NULL values looked at
  bool capped = false;  // the table has more rows than were read
  struct Reason {
    std::string why;      // "have more than 34 significant digits"
    uint64_t count = 0;   // values with this reason
    std::string example;  // the first of them, as ValueToDisplay shows it
    std::string fix;
  };
  std::vector<Reason> reasons;
};

// Streams, per table of the collection with such fields, the columns they read (one scan each, up to
// `max_rows` rows) and converts every value as the build would. Fails only when the source does.
Result<std::vector<TypeOverrideFinding>> CheckTypeOverrides(const CollectionPlan& collection, Source& source,
                                                            uint64_t max_rows);

}  // namespace sql2mongo
