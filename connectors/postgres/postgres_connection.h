// Connections to one PostgreSQL database: opening them (URI + password), running small queries with
// errors that keep the server's message and SQLSTATE, and the small pool that lets several scans be
// open at once inside one exported snapshot.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <vector>

#include "postgres/postgres_handles.h"
#include "sql2mongo/status.h"

namespace sql2mongo {

// How to open a connection. `password` is empty when libpq should find one itself (URI, ~/.pgpass).
struct PgConnectSettings {
  std::string uri;
  std::string password;  // never logged
  std::string display_uri;  // the URI with any password removed, for messages
};

// Opens one connection in autocommit mode with client_encoding UTF8. Errors name the redacted URI and
// carry libpq's own message.
Result<PgConnection> ConnectPostgres(const PgConnectSettings& settings);

// "<server message> (SQLSTATE xxxxx)" for a failed result, or libpq's connection message.
std::string PgErrorText(PGconn* conn, const PGresult* result);

// Runs `sql` (no rows expected beyond a small catalog result) with optional text parameters.
// `what` says what was being done, for the error message.
Result<PgResult> ExecPostgres(PGconn* conn, const std::string& sql, const std::string& what,
                              const std::vector<std::string>& parameters = {});

// `text` as a string literal for this connection (PQescapeLiteral: right for its encoding and for
// standard_conforming_strings either way).
Result<std::string> QuotePgLiteral(PGconn* conn, const std::string& text);
// "name" with embedded quotes doubled: a PostgreSQL identifier of any case or spelling.
std::string QuotePgIdentifier(const std::string& name);

class PgConnectionPool;

// One pooled connection lent to one user (a scan or a catalog query). Returned to the pool when the
// lease is destroyed, unless it was marked broken or its transaction state shows a failure, in which case
// the connection is closed: inside a snapshot an aborted transaction cannot be used again.
class PgLease {
 public:
  PgLease() = default;
  PgLease(std::shared_ptr<PgConnectionPool> pool, size_t slot, PGconn* conn)
      : pool_(std::move(pool)), slot_(slot), conn_(conn) {}
  PgLease(PgLease&& other) noexcept { *this = std::move(other); }
  PgLease& operator=(PgLease&& other) noexcept;
  ~PgLease() { Release(); }

  PGconn* get() const { return conn_; }
  // The connection is in an unknown state (a COPY cut short, a decode error mid-stream): close it.
  void MarkBroken() { broken_ = true; }
  void Release();

 private:
  std::shared_ptr<PgConnectionPool> pool_;
  size_t slot_ = 0;
  PGconn* conn_ = nullptr;
  bool broken_ = false;
};

// Opens connections lazily and keeps the idle ones. Between BeginSnapshot and EndSnapshot every
// connection it hands out reads the same exported snapshot. Shared (shared_ptr) by the source and its
// streams, so a stream may outlive the source that made it. One caller at a time (not thread-safe).
class PgConnectionPool : public std::enable_shared_from_this<PgConnectionPool> {
 public:
  explicit PgConnectionPool(PgConnectSettings settings) : settings_(std::move(settings)) {}

  const PgConnectSettings& settings() const { return settings_; }
  // An idle connection, or a new one; inside a snapshot it is already in the snapshot's transaction.
  Result<PgLease> Acquire();

  // A connection of its own exports the snapshot (REPEATABLE READ, READ ONLY) and holds it, reading
  // nothing, until EndSnapshot; every connection handed out, now or later, imports it with SET
  // TRANSACTION SNAPSHOT. So a connection lost mid-scan (a backend ended, a network fault) is replaced
  // by a new one in the same snapshot, as long as the holder lives.
  Status BeginSnapshot();
  // Every connection, now or later, imports `snapshot_id`, exported by another pool whose exporting
  // transaction stays open at least until this pool's first connection has joined (in practice until
  // this pool's EndSnapshot). This is how a second reader thread gets its own pool in the same snapshot.
  Status ImportSnapshot(const std::string& snapshot_id);
  // After a connection was lost: a connection that answers, in the snapshot when there is one (a new
  // one imports it: this fails once the snapshot's holder is gone too).
  Status CheckSnapshot();
  // Commits the idle connections; those still lent to an open stream are closed when returned.
  Status EndSnapshot();
  bool in_snapshot() const { return !snapshot_id_.empty(); }
  // The exported snapshot's id, empty outside a snapshot.
  const std::string& snapshot_id() const { return snapshot_id_; }

  // How many connections are open (idle or lent), for tests.
  size_t open_connections() const;

 private:
  friend class PgLease;
  struct Slot {
    PgConnection conn;
    bool lent = false;
    bool in_snapshot = false;
    bool close_on_return = false;  // lent when its snapshot ended
  };
  void Return(size_t slot, bool broken);
  Status JoinSnapshot(Slot* slot);

  PgConnectSettings settings_;
  std::vector<Slot> slots_;  // a closed slot has no conn and is reused
  std::string snapshot_id_;
  PgConnection snapshot_holder_;  // the exporting transaction (BeginSnapshot's pool only)
};

}  // namespace sql2mongo
