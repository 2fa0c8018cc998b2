#include "verify/comparison_sink.h"

#include <fmt/format.h>

namespace sql2mongo {

Result<WriteOutcome> ComparisonSink::Write(const std::string& collection, const std::vector<BsonPtr>& documents,
                                          const WriteMode&) {
  if (collection != comparison_.collection())
    return Status::Error(StatusCode::kInternal, fmt::format("verify compares collection '{}', not '{}'",
                                                            comparison_.collection(), collection));
  for (const BsonPtr& document : documents) comparison_.Check(document.get());
  WriteOutcome outcome;
  outcome.written = documents.size();
  return outcome;
}

}  // namespace sql2mongo
