// Who the target is and which BSON values it can store, known before the first write: a server that
// cannot store a value may not just refuse it (FerretDB v1 closes the connection on Decimal128 and NaN),
// so a run must never send one.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <optional>
#include <string>

namespace sql2mongo {

// What a target can store. Every field is true for MongoDB itself and for the file sinks.
struct ValueSupport {
  bool decimal128 = true;     // BSON Decimal128
  bool nan = true;            // a double (or Decimal128) NaN
  bool nested_arrays = true;  // an array directly inside an array
  bool dotted_keys = true;    // a key holding '.'
  bool dollar_keys = true;    // a key starting with '$'
  bool StoresEverything() const { return decimal128 && nan && nested_arrays && dotted_keys && dollar_keys; }
};

struct TargetInfo {
  std::string product;            // "MongoDB", "FerretDB", or "files" for the file sinks
  std::string version;            // as the server reports it ("7.0.42"; FerretDB: its own "v1.24.1")
  std::string reported_version;   // MongoDB version the server claims (FerretDB claims "7.0.42")
  int max_wire_version = 0;       // 21 for MongoDB 7.0, 8 for 4.2 (mongo-java-server)
  int64_t max_document_bytes = 16 * 1024 * 1024;
  int64_t max_message_bytes = 48000000;
  ValueSupport supports;
  // Update (or replace) statements one command may carry; 0: as many as the server's maxWriteBatchSize.
  int max_updates_per_command = 0;
  // After renameCollection the old name still reaches the renamed collection (a drop of it empties the
  // live one): mongo-java-server, tried 2026-12-02. Such a target publishes a staging collection by
  // copying it ($out), never by renaming it.
  bool rename_keeps_old_name = false;
  // renameCollection takes dropTarget: a collection is replaced in one step (FerretDB v1: "not
  // implemented yet", code 238).
  bool rename_replaces = true;
  // An update command that meets a write error reports every error at its real statement index and
  // applies the statements after it (unordered). FerretDB v1 does neither (tried 2026-12-01): it stops at
  // the first error, reports it as index 0 and says nothing of the statements it skipped, so such a
  // target's update bulk with errors is sent again one statement per command, whose answer is exact.
  bool update_errors_exact = true;
  // How `supports` was decided, for the log line: "known limits of FerretDB v1", "MongoDB stores every
  // BSON type".
  std::string support_source;

  // One line for the log: "target mongodb://h:p/db: FerretDB v1.24.1 (reports MongoDB 7.0.42, wire 21,
  // documents up to 16 MiB) cannot store Decimal128, NaN, nested arrays, keys with '.' or a leading '$'".
  std::string Describe(const std::string& display_uri) const;
  // The name to put in messages: "FerretDB v1.24.1", "MongoDB 7.0.5".
  std::string Name() const;
  // What it cannot store, for messages: "Decimal128, NaN, nested arrays", or "" when it stores everything.
  std::string Missing() const;
};

// A value in `document` the target cannot store: where it is and why.
struct UnstorableValue {
  std::string path;    // dotted: "invoices.3.lines.0.price"
  std::string what;    // "Decimal128", "NaN", "an array inside an array", "the key 'a.b'"
};

// The first value in `document` that `supports` rules out, or nullopt. Cheap enough to run on every
// document (one pass of bson_iter), and only run when the target does not store everything.
std::optional<UnstorableValue> FindUnstorableValue(const bson_t* document, const ValueSupport& supports);

}  // namespace sql2mongo
