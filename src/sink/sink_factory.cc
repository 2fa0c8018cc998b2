// Chooses the sink for a target URI.
#include <fmt/format.h>

#include "common/redact.h"
#include "common/uri.h"
#include "sink/file/file_sinks.h"
#include "sink/mongo/mongo_sink.h"
#include "sql2mongo/sink.h"

namespace sql2mongo {
namespace {

// "scheme:PATH?query" -> PATH and query (without '?'). "jsonl://x" and "jsonl:x" both give "x".
void SplitPathAndQuery(const std::string& uri, std::string* path, std::string* query) {
  std::string rest = uri.substr(uri.find(':') + 1);
  if (rest.rfind("//", 0) == 0) rest = rest.substr(2);
  size_t question = rest.find('?');
  *path = rest.substr(0, question);
  *query = question == std::string::npos ? "" : rest.substr(question + 1);
}

// The value of `key` in "a=1&b=2", or "" (a bare "key" gives "1").
std::string QueryValue(const std::string& query, const std::string& key) {
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    std::string part = query.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (part == key) return "1";
    if (part.rfind(key + "=", 0) == 0) return part.substr(key.size() + 1);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return "";
}

}  // namespace

Result<std::unique_ptr<Sink>> OpenSink(const std::string& uri, const SinkOptions& options) {
  std::string scheme = UriScheme(uri);
  if (scheme == "mongodb" || scheme == "mongodb+srv") return OpenMongoSink(uri, options);
  std::string path, query;
  if (scheme == "null") return OpenNullSink();
  if (scheme == "jsonl") {
    SplitPathAndQuery(uri, &path, &query);
    return OpenJsonlSink(path, !QueryValue(query, "canonical").empty());
  }
  if (scheme == "dump") {
    SplitPathAndQuery(uri, &path, &query);
    std::string database = QueryValue(query, "db");
    return OpenDumpSink(path, database.empty() ? "sql2mongo" : database);
  }
  return Status::Error(StatusCode::kUsage,
                       fmt::format("target '{}': unknown kind of target; use mongodb://HOST:PORT/DATABASE, null:, "
                                   "jsonl:PATH or dump:DIR", RedactUri(uri)));
}

}  // namespace sql2mongo
