// The MongoDB sink: unordered bulk inserts through libmongoc.
#pragma once

#include <memory>
#include <string>

#include "sql2mongo/sink.h"

namespace sql2mongo {

// options.writers: how many bulk inserts may run at once (the client pool's size); retry_for_seconds:
// how long a bulk that failed on a transient fault is resent.
Result<std::unique_ptr<Sink>> OpenMongoSink(const std::string& uri, const SinkOptions& options);

}  // namespace sql2mongo
