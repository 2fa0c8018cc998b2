#include "common/uri.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace sql2mongo {

std::string UriScheme(const std::string& uri) {
  size_t colon = uri.find(':');
  if (colon == std::string::npos || colon == 0) return "";
  std::string scheme = uri.substr(0, colon);
  if (!std::all_of(scheme.begin(), scheme.end(),
                   [](unsigned char c) { return std::isalnum(c) || c == '+' || c == '-' || c == '.'; }))
    return "";
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
  return scheme;
}

std::string ResolveRelativeSqlitePath(const std::string& uri, const std::string& base_dir) {
  if (UriScheme(uri) != "sqlite") return uri;
  std::string path = uri.substr(uri.find(':') + 1);
  if (path.rfind("//", 0) == 0) path = path.substr(2);  // accept sqlite://PATH too
  std::filesystem::path p(path);
  if (p.is_absolute() || base_dir.empty()) return "sqlite:" + path;
  return "sqlite:" + (std::filesystem::path(base_dir) / p).lexically_normal().string();
}

std::string MongoDatabaseName(const std::string& uri) {
  size_t scheme_end = uri.find("://");
  if (scheme_end == std::string::npos) return "";
  size_t slash = uri.find('/', scheme_end + 3);
  if (slash == std::string::npos) return "";
  size_t end = uri.find_first_of("?#", slash + 1);
  return uri.substr(slash + 1, end == std::string::npos ? std::string::npos : end - slash - 1);
}

}  // namespace sql2mongo
