// Sinks that are not a server: null (measure the pipeline), JSON lines (inspect, feed other tools),
// dump (mongorestore's input). Each is thread-safe by serializing writes: a file takes one writer.
#pragma once

#include <memory>
#include <string>

#include "sql2mongo/sink.h"

namespace sql2mongo {

// Accepts and discards every document. Measures what the pipeline itself can read and build, since a
// real target (and FerretDB or mongo-java-server in tests most of all) accepts far fewer documents a
// second than the pipeline can build.
std::unique_ptr<Sink> OpenNullSink();

// `path` ending in ".jsonl" or ".json": every collection into that one file. Otherwise a folder with
// one <collection>.jsonl per collection. Relaxed Extended JSON unless `canonical`.
Result<std::unique_ptr<Sink>> OpenJsonlSink(const std::string& path, bool canonical);

// mongodump's layout: DIR/<database>/<collection>.bson (documents back to back) and
// <collection>.metadata.json, so `mongorestore DIR` loads it.
Result<std::unique_ptr<Sink>> OpenDumpSink(const std::string& dir, const std::string& database);

}  // namespace sql2mongo
