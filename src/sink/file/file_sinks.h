// Sinks that are not a server: null (measure the pipeline), JSON lines (inspect, feed other tools),
// dump (mongorestore's input). Each is thread-safe by serializing writes: a file takes one writer.
#pragma once

#include <memory>
#include <string>

#include "sql2mongo/sink.h"

namespace sql2mongo {

// A file sink writes every document whole into a new file, so insert and replace come to the same and
// --drop has nothing to set aside; merge mode would promise to keep fields of stored documents there
// are none of (and mongorestore of a dump inserts): refused, naming the collection and the fix.
Status RefuseMergeIntoFiles(const std::string& sink_name, const std::vector<Sink::CollectionSetup>& collections);

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
