// Chooses the sink for a target URI.
#include <fmt/format.h>

#include "common/redact.h"
#include "common/uri.h"
#include "sink/mongo/mongo_sink.h"
#include "sql2mongo/sink.h"

namespace sql2mongo {

Result<std::unique_ptr<Sink>> OpenSink(const std::string& uri) {
  std::string scheme = UriScheme(uri);
  if (scheme == "mongodb" || scheme == "mongodb+srv") return OpenMongoSink(uri);
  return Status::Error(StatusCode::kUsage,
                       fmt::format("target '{}': unknown kind of target; use mongodb://HOST:PORT/DATABASE", RedactUri(uri)));
}

}  // namespace sql2mongo
