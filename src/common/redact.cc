#include "common/redact.h"

#include <regex>

namespace sql2mongo {

std::string RedactUri(const std::string& uri) {
  // user:password@ in the authority, and password=... in a query string (libpq and MySQL accept both).
  static const std::regex kUserInfo(R"(^([A-Za-z][A-Za-z0-9+.-]*://[^:/@?#]*):[^@/?#]*@)");
  static const std::regex kQueryPassword(R"(([?&](password|pwd|passwd)=)[^&#]*)", std::regex::icase);
  std::string out = std::regex_replace(uri, kUserInfo, "$1:***@");
  return std::regex_replace(out, kQueryPassword, "$1***");
}

}  // namespace sql2mongo
