// What the tests share: where the servers and the binary are, running the CLI, reading the target.
#pragma once

#include <bson/bson.h>

#include <string>
#include <vector>

#include "common/handles.h"

namespace sql2mongo::testing {

// The target started by scripts/services (S2M_TEST_MONGO_URI), without a database: "mongodb://h:p".
std::string TargetBaseUri();
// An environment variable, or "" when unset.
std::string Env(const char* name);
// The test certificates of scripts/tls-certs: S2M_TEST_TLS_DIR (scripts/test), else their default folder.
std::string TlsDir();

// A database name unique to this test process and `tag`, so tests may run in parallel.
std::string UniqueDatabase(const std::string& tag);
// The repository root, for samples and mappings.
std::string SourceDir();
std::string ChinookSqlitePath();

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};
// Runs the sql2mongo binary with `arguments` (already shell-quoted where needed).
CommandResult RunCli(const std::string& arguments);
std::string ShellQuote(const std::string& text);

// Writes `text` to a fresh file in a temporary folder and returns its path.
std::string WriteTempFile(const std::string& name, const std::string& text);

// A fresh SQLite database file built by running `sql`; returns its path.
std::string MakeSqliteDatabase(const std::string& name, const std::string& sql);

// All documents of db.collection matching `filter_json`, sorted by `sort_json`.
std::vector<BsonPtr> FindDocuments(const std::string& database, const std::string& collection,
                                   const std::string& filter_json = "{}", const std::string& sort_json = "{\"_id\": 1}");
int64_t CountDocuments(const std::string& database, const std::string& collection);
void DropDatabase(const std::string& database);

// Field access by dotted path ("invoices.0.lines"); fails the test when absent.
bson_iter_t Field(const bson_t* doc, const std::string& dotted_path);
bool HasField(const bson_t* doc, const std::string& dotted_path);
std::string Utf8(const bson_t* doc, const std::string& path);
int64_t Integer(const bson_t* doc, const std::string& path);  // int32 or int64
std::string DecimalText(const bson_t* doc, const std::string& path);
uint32_t ArrayLength(const bson_t* doc, const std::string& path);
std::string Json(const bson_t* doc);

}  // namespace sql2mongo::testing
