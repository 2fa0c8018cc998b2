// Chooses the connector for a source URI. A new connector adds one branch here.
#include <fmt/format.h>

#include <algorithm>

#include "common/redact.h"
#include "common/uri.h"
#include "sql2mongo/source.h"
#include "sqlite/sqlite_source.h"

namespace sql2mongo {

int TableInfo::ColumnIndex(const std::string& column) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == column) return static_cast<int>(i);
  }
  for (size_t i = 0; i < columns.size(); ++i) {
    const std::string& name = columns[i].name;
    if (name.size() == column.size() && std::equal(name.begin(), name.end(), column.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        }))
      return static_cast<int>(i);
  }
  return -1;
}

Result<std::unique_ptr<Source>> OpenSource(const std::string& uri, const SourceOptions& options) {
  std::string scheme = UriScheme(uri);
  if (scheme == "sqlite") {
    std::string path = uri.substr(uri.find(':') + 1);
    if (path.rfind("//", 0) == 0) path = path.substr(2);
    return OpenSqliteSource(path);
  }
  if (scheme == "postgresql" || scheme == "postgres" || scheme == "mysql" || scheme == "mariadb")
    return Status::Error(StatusCode::kUsage,
                         fmt::format("source {}: the {} connector is not built yet; this version reads sqlite:PATH",
                                     RedactUri(uri), scheme));
  return Status::Error(StatusCode::kUsage,
                       fmt::format("source '{}': unknown kind of source; use sqlite:PATH", RedactUri(uri)));
}

}  // namespace sql2mongo
