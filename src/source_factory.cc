// Chooses the connector for a source URI. A new connector adds one branch here.
#include <fmt/format.h>

#include <algorithm>

#include "common/redact.h"
#include "common/uri.h"
#include "sql2mongo/source.h"
#include "sqlite/sqlite_source.h"
#ifdef S2M_WITH_POSTGRES
#include "postgres/postgres_source.h"
#endif
#ifdef S2M_WITH_MYSQL
#include "mysql/mysql_source.h"
#endif

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
#ifdef S2M_WITH_POSTGRES
  if (scheme == "postgresql" || scheme == "postgres") return OpenPostgresSource(uri, options);
#endif
#ifdef S2M_WITH_MYSQL
  if (scheme == "mysql" || scheme == "mariadb") return OpenMysqlSource(uri, options);
#endif
  if (scheme == "postgresql" || scheme == "postgres" || scheme == "mysql" || scheme == "mariadb")
    return Status::Error(StatusCode::kUsage,
                         fmt::format("source {}: this build of sql2mongo has no {} connector (configure with "
                                     "-DS2M_CONNECTORS=postgres;mysql)", RedactUri(uri), scheme));
  return Status::Error(StatusCode::kUsage,
                       fmt::format("source '{}': unknown kind of source; use sqlite:PATH, postgresql://... or "
                                   "mysql://...", RedactUri(uri)));
}

}  // namespace sql2mongo
