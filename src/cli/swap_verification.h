// "cutover": "swap": before the collections loaded aside go live, each is read back and compared, by
// count and by a digest of every document, with what the run wrote (so in the run's own snapshot, and
// without reading the source again). A collection an interrupted run wrote part of, or one that is not
// what the run wrote, gets verify's comparison with the source (a snapshot of its own), which names the
// differences. A difference, a rejected row, or a failure to compare fails the run and the live
// collection stays as it was.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "cli/job_loader.h"
#include "sql2mongo/progress.h"
#include "sql2mongo/status.h"

namespace sql2mongo {

// For RunOptions::before_publish: verifies each swap collection of `job`'s plan in the target at
// `target_uri`, where the sink wrote it. `resumed`: the run continues an interrupted one. Empty (nothing
// to do) when no collection swaps.
std::function<Status(const std::vector<CollectionCounters>&)> VerifyBeforeSwap(Job& job, const std::string& target_uri,
                                                                               bool resumed);

}  // namespace sql2mongo
