// run NEW.json --upgrade OLD.json: the documents OLD wrote are brought to NEW's schema_version in place
// (what `sql2mongo diff OLD NEW` calls an in-place upgrade): merge mode, restricted to the documents
// below the version, dropping the top-level fields NEW no longer builds. Collections whose documents
// change identity (a reload, by diff's verdict) are refused; unchanged ones are left out of the run.
#pragma once

#include <string>

#include "sql2mongo/mapping.h"
#include "sql2mongo/plan.h"
#include "sql2mongo/status.h"

namespace sql2mongo {

// Turns `plan` (built from `new_mapping`) into the upgrade from the mapping in `old_file`. kUsage when
// NEW has no schema_version (or no version field), or a collection needs a reload.
Status PlanUpgrade(const std::string& old_file, const Mapping& new_mapping, Plan* plan);

}  // namespace sql2mongo
