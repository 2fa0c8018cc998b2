// Passwords never reach logs, errors or reports: every URI is shown through RedactUri.
#pragma once

#include <string>

namespace sql2mongo {

// "mongodb://bob:secret@h:1/db?password=x" -> "mongodb://bob:***@h:1/db?password=***".
std::string RedactUri(const std::string& uri);

}  // namespace sql2mongo
