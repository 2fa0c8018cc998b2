// The table every run ends with: per collection, what was read, embedded, written and rejected.
#pragma once

#include <string>

#include "sql2mongo/progress.h"

namespace sql2mongo {

std::string FormatSummary(const RunSummary& summary);

}  // namespace sql2mongo
