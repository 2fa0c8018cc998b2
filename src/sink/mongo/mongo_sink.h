// The MongoDB sink: unordered bulk inserts through libmongoc.
#pragma once

#include <memory>
#include <string>

#include "sql2mongo/sink.h"

namespace sql2mongo {

Result<std::unique_ptr<Sink>> OpenMongoSink(const std::string& uri);

}  // namespace sql2mongo
