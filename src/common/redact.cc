#include "common/redact.h"

#include <regex>

namespace sql2mongo {

std::string RedactUri(const std::string& uri) {
  std::string out = uri;
  // user:password@host: the password is everything from the first ':' after the scheme to the last '@'
  // (a password may hold '/', '?', '#' or '@' when the user did not percent-encode it).
  size_t scheme_end = out.find("://");
  if (scheme_end != std::string::npos) {
    size_t start = scheme_end + 3;
    size_t at = out.rfind('@');
    if (at != std::string::npos && at > start) {
      size_t colon = out.find(':', start);
      if (colon != std::string::npos && colon < at) out = out.substr(0, colon + 1) + "***" + out.substr(at);
    }
  }
  // password=... in a query string (libpq and MySQL accept it there).
  static const std::regex kQueryPassword(R"(([?&](password|pwd|passwd|sslpassword|tlscertificatekeyfilepassword)=)[^&#]*)", std::regex::icase);
  return std::regex_replace(out, kQueryPassword, "$1***");
}

}  // namespace sql2mongo
