// The MongoDB sink: unordered bulk inserts through libmongoc.
#pragma once

#include <memory>
#include <string>

#include "sql2mongo/sink.h"

namespace sql2mongo {

// `writers`: how many bulk inserts may run at once (the client pool's size).
Result<std::unique_ptr<Sink>> OpenMongoSink(const std::string& uri, int writers);

}  // namespace sql2mongo
