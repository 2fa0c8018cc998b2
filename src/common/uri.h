// Small helpers on source and target URIs.
#pragma once

#include <string>

namespace sql2mongo {

// "sqlite", "mongodb", "postgresql", ... (lower case), or "" when the text has no scheme.
std::string UriScheme(const std::string& uri);

// For "sqlite:PATH" with a relative PATH, makes PATH relative to `base_dir` (the mapping file's folder),
// so a mapping works from any working directory. Other URIs are returned unchanged.
std::string ResolveRelativeSqlitePath(const std::string& uri, const std::string& base_dir);

// The database name of a mongodb:// URI ("/chinook?..." -> "chinook"), or "" when it names none.
std::string MongoDatabaseName(const std::string& uri);

}  // namespace sql2mongo
