#include "sql2mongo/write_mode.h"

namespace sql2mongo {

const char* WriteModeName(WriteModeKind kind) {
  switch (kind) {
    case WriteModeKind::kInsert: return "insert";
    case WriteModeKind::kReplace: return "replace";
    case WriteModeKind::kMerge: return "merge";
  }
  return "insert";
}

std::optional<WriteModeKind> ParseWriteMode(const std::string& name) {
  for (WriteModeKind kind : {WriteModeKind::kInsert, WriteModeKind::kReplace, WriteModeKind::kMerge})
    if (name == WriteModeName(kind)) return kind;
  return std::nullopt;
}

std::string StagingCollectionName(const std::string& collection) { return collection + "__s2m_staging"; }

}  // namespace sql2mongo
