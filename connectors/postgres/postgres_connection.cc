#include "postgres/postgres_connection.h"

#include <fmt/format.h>

#include <cstdlib>

#include "sql/sql_dialect.h"

namespace sql2mongo {
namespace {

std::string TrimTrailingSpace(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\t')) text.pop_back();
  return text;
}

}  // namespace

Result<PgConnection> ConnectPostgres(const PgConnectSettings& settings) {
  // Precedence of the password: SourceOptions (from --password-file), then PGPASSWORD, then the URI. libpq
  // itself would prefer the URI over PGPASSWORD, so the environment value is passed explicitly.
  std::string password = settings.password;
  if (password.empty()) {
    const char* env = std::getenv("PGPASSWORD");
    if (env && *env) password = env;
  }
  // Keywords before "dbname" are defaults the URI may override; those after it override the URI
  // (expand_dbname). The decoder needs UTF-8 text whatever the URI says.
  std::vector<const char*> keywords = {"application_name", "connect_timeout", "dbname"};
  std::vector<const char*> values = {"sql2mongo", "10", settings.uri.c_str()};
  if (!password.empty()) {
    keywords.push_back("password");
    values.push_back(password.c_str());
  }
  keywords.push_back("client_encoding");
  values.push_back("UTF8");
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  PgConnection conn(PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/1));
  if (!conn)
    return Status::Error(StatusCode::kSourceError, fmt::format("source {}: cannot connect: out of memory", settings.display_uri));
  if (PQstatus(conn.get()) != CONNECTION_OK)
    return Status::Error(StatusCode::kSourceError, fmt::format("source {}: cannot connect: {}", settings.display_uri,
                                                               TrimTrailingSpace(PQerrorMessage(conn.get()))));
  return conn;
}

std::string PgErrorText(PGconn* conn, const PGresult* result) {
  std::string message;
  const char* primary = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  if (primary) {
    message = primary;
    if (const char* detail = PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL)) message += fmt::format(" ({})", detail);
  } else {
    message = TrimTrailingSpace(result && *PQresultErrorMessage(result) ? PQresultErrorMessage(result) : PQerrorMessage(conn));
  }
  if (const char* sqlstate = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr)
    message += fmt::format(" (SQLSTATE {})", sqlstate);
  return message;
}

Result<PgResult> ExecPostgres(PGconn* conn, const std::string& sql, const std::string& what,
                              const std::vector<std::string>& parameters) {
  std::vector<const char*> values;
  for (const auto& p : parameters) values.push_back(p.c_str());
  PgResult result(parameters.empty()
                      ? PQexec(conn, sql.c_str())
                      : PQexecParams(conn, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                                     nullptr, nullptr, /*resultFormat=*/0));
  ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    return Status::Error(StatusCode::kSourceError, fmt::format("{}: {}", what, PgErrorText(conn, result.get())));
  return result;
}

Result<std::string> QuotePgLiteral(PGconn* conn, const std::string& text) {
  PgBuffer quoted(PQescapeLiteral(conn, text.data(), text.size()));
  if (!quoted)
    return Status::Error(StatusCode::kSourceError, fmt::format("cannot quote a key value: {}", PgErrorText(conn, nullptr)));
  return std::string(quoted.get());
}

std::string QuotePgIdentifier(const std::string& name) { return PostgresDialect().QuoteIdentifier(name); }

PgLease& PgLease::operator=(PgLease&& other) noexcept {
  if (this != &other) {
    Release();
    pool_ = std::move(other.pool_);
    slot_ = other.slot_;
    conn_ = other.conn_;
    broken_ = other.broken_;
    other.conn_ = nullptr;
  }
  return *this;
}

void PgLease::Release() {
  if (conn_ && pool_) pool_->Return(slot_, broken_);
  conn_ = nullptr;
  pool_.reset();
}

Result<PgLease> PgConnectionPool::Acquire() {
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].conn && !slots_[i].lent) {
      // A connection lent out when the snapshot began joins it now, before anyone reads through it.
      if (in_snapshot() && !slots_[i].in_snapshot && !JoinSnapshot(&slots_[i]).ok()) {
        slots_[i].conn.reset();
        continue;
      }
      slots_[i].lent = true;
      return PgLease(shared_from_this(), i, slots_[i].conn.get());
    }
  }
  S2M_ASSIGN_OR_RETURN(PgConnection conn, ConnectPostgres(settings_));
  size_t index = slots_.size();
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (!slots_[i].conn) {
      index = i;
      break;
    }
  }
  if (index == slots_.size()) slots_.emplace_back();
  Slot& slot = slots_[index];
  slot = Slot{};
  slot.conn = std::move(conn);
  if (in_snapshot()) {
    Status joined = JoinSnapshot(&slot);
    if (!joined.ok()) {
      slot.conn.reset();
      return joined;
    }
  }
  slot.lent = true;
  return PgLease(shared_from_this(), index, slot.conn.get());
}

void PgConnectionPool::Return(size_t index, bool broken) {
  Slot& slot = slots_[index];
  slot.lent = false;
  // Reusable only when idle (autocommit) or still inside its snapshot transaction; a failed statement
  // inside the snapshot leaves the transaction aborted (PQTRANS_INERROR) and the connection useless.
  PGTransactionStatusType state = PQtransactionStatus(slot.conn.get());
  bool reusable = slot.in_snapshot ? state == PQTRANS_INTRANS : state == PQTRANS_IDLE;
  if (broken || slot.close_on_return || !reusable || PQstatus(slot.conn.get()) != CONNECTION_OK) slot.conn.reset();
}

Status PgConnectionPool::CheckSnapshot() {
  S2M_ASSIGN_OR_RETURN(PgLease lease, Acquire());
  // An idle connection may have been lost as well without knowing it yet: ask it something.
  Result<PgResult> alive = ExecPostgres(lease.get(), "SELECT 1", "");
  if (!alive.ok()) {
    lease.MarkBroken();
    lease.Release();
    S2M_ASSIGN_OR_RETURN(PgLease fresh, Acquire());
    fresh.Release();
  }
  return Status::Ok();
}

Status PgConnectionPool::JoinSnapshot(Slot* slot) {
  S2M_ASSIGN_OR_RETURN(std::string id, QuotePgLiteral(slot->conn.get(), snapshot_id_));
  S2M_ASSIGN_OR_RETURN(PgResult ignored,
                       ExecPostgres(slot->conn.get(),
                                    "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET TRANSACTION SNAPSHOT " + id,
                                    fmt::format("source {}: cannot join the run's snapshot", settings_.display_uri)));
  slot->in_snapshot = true;
  return Status::Ok();
}

Status PgConnectionPool::BeginSnapshot() {
  if (in_snapshot())
    return Status::Error(StatusCode::kInternal, fmt::format("source {}: snapshot already begun", settings_.display_uri));
  std::string what = fmt::format("source {}: cannot begin the run's snapshot", settings_.display_uri);
  S2M_ASSIGN_OR_RETURN(PgConnection holder, ConnectPostgres(settings_));
  S2M_ASSIGN_OR_RETURN(PgResult begun, ExecPostgres(holder.get(), "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", what));
  S2M_ASSIGN_OR_RETURN(PgResult exported, ExecPostgres(holder.get(), "SELECT pg_export_snapshot()", what));
  snapshot_id_ = PQgetvalue(exported.get(), 0, 0);
  snapshot_holder_ = std::move(holder);
  for (Slot& slot : slots_) {
    if (slot.conn && !slot.lent) {
      Status joined = JoinSnapshot(&slot);
      if (!joined.ok()) slot.conn.reset();  // an idle spare that cannot join is not needed
    }
  }
  return Status::Ok();
}

Status PgConnectionPool::ImportSnapshot(const std::string& snapshot_id) {
  if (in_snapshot())
    return Status::Error(StatusCode::kInternal, fmt::format("source {}: snapshot already begun", settings_.display_uri));
  snapshot_id_ = snapshot_id;
  for (Slot& slot : slots_) {
    if (slot.conn && !slot.lent && !JoinSnapshot(&slot).ok()) slot.conn.reset();  // Acquire opens another
  }
  return Status::Ok();
}

Status PgConnectionPool::EndSnapshot() {
  Status first_error;
  for (Slot& slot : slots_) {
    if (!slot.conn || !slot.in_snapshot) continue;
    if (slot.lent) {
      slot.close_on_return = true;
      continue;
    }
    auto committed = ExecPostgres(slot.conn.get(), "COMMIT",
                                  fmt::format("source {}: cannot end the run's snapshot", settings_.display_uri));
    if (!committed.ok()) {
      if (first_error.ok()) first_error = committed.status();
      slot.conn.reset();
    }
    slot.in_snapshot = false;
  }
  if (snapshot_holder_) {
    auto committed = ExecPostgres(snapshot_holder_.get(), "COMMIT",
                                  fmt::format("source {}: cannot end the run's snapshot", settings_.display_uri));
    if (!committed.ok() && first_error.ok()) first_error = committed.status();
    snapshot_holder_.reset();
  }
  snapshot_id_.clear();
  return first_error;
}

size_t PgConnectionPool::open_connections() const {
  size_t n = 0;
  for (const Slot& slot : slots_) n += slot.conn ? 1 : 0;
  return n;
}

}  // namespace sql2mongo
