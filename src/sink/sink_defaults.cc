// What a sink that keeps no indexes or validators (null:, jsonl:) does with them.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "sql2mongo/sink.h"

namespace sql2mongo {

Result<std::vector<IndexOutcome>> Sink::CreateIndexes(const std::string& collection,
                                                      const std::vector<IndexSpec>& indexes) {
  if (!indexes.empty())
    spdlog::debug("{} keeps no indexes: the {} of collection {} are not created", DisplayName(), indexes.size(),
                  collection);
  return std::vector<IndexOutcome>{};
}

Status Sink::InstallValidator(const std::string& collection, const std::string&, Validation) {
  return Status::Error(StatusCode::kUnsupported,
                       fmt::format("{} keeps no validator for collection {}", DisplayName(), collection));
}

}  // namespace sql2mongo
