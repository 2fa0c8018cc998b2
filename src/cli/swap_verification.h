// "cutover": "swap": before the collections loaded aside go live, each is compared with what the source
// builds (verify's comparison, on the staging collection, in a snapshot of its own). A difference, or a
// failure to compare, fails the run and the live collection stays as it was.
#pragma once

#include <functional>
#include <string>

#include "cli/job_loader.h"
#include "sql2mongo/status.h"

namespace sql2mongo {

// For RunOptions::before_publish: verifies each swap collection of `job`'s plan in the target at
// `target_uri`, where the sink wrote it. Empty (nothing to do) when no collection swaps.
std::function<Status()> VerifyBeforeSwap(Job& job, const std::string& target_uri);

}  // namespace sql2mongo
