#include "sql2mongo/value_warnings.h"

namespace sql2mongo {

void MergeWarnings(std::vector<ValueWarning> more, std::vector<ValueWarning>* into) {
  for (auto& warning : more) {
    ValueWarning* same = nullptr;
    for (auto& existing : *into)
      if (existing.collection == warning.collection && existing.table == warning.table &&
          existing.column == warning.column && existing.what == warning.what)
        same = &existing;
    if (!same) {
      into->push_back(std::move(warning));
      continue;
    }
    same->count += warning.count;
    for (auto& example : warning.examples)
      if (same->examples.size() < ValueWarnings::kExamples) same->examples.push_back(std::move(example));
  }
}

}  // namespace sql2mongo
