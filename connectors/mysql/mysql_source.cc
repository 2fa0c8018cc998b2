// MySQL / MariaDB transport.
//
// Streaming. Connector/C++ 1.1 streams a result (mysql_use_result) only for a plain sql::Statement whose
// result set type is TYPE_FORWARD_ONLY; the default type and every prepared statement buffer the whole
// result (mysql_store_result). Every scan therefore runs as a plain forward-only Statement, which is why
// key filters are SQL literals (MysqlDialect, src/sql/) rather than bound parameters. Checked with
// mysql_scan_bench.cc on a generated 2 M-row, 6-column table (143 MB as text): peak RSS 10.4 MB, the same
// as for Chinook's 3503-row Track (10.5 MB), at 1.7-3.3 M rows/s decoded (0.61-1.2 s; runs interleaved
// with `mariadb --quick ... > /dev/null`, which took 0.86-1.47 s); the default (buffered) result set type
// peaked at 315 MB and ran at 2.1 M rows/s.
//
// One query per connection. A streamed result occupies its connection until read to the end, yet the
// pipeline keeps the root table's stream open while it runs the embed scans of each batch. So scans take
// connections from a small pool, opened lazily, and every connection used inside BeginSnapshot /
// EndSnapshot must see the same moment:
//  (a) Shared snapshot (default, needs the RELOAD privilege): FLUSH TABLES WITH READ LOCK on the control
//      connection, START TRANSACTION WITH CONSISTENT SNAPSHOT on kSnapshotConnections connections, then
//      UNLOCK TABLES - no commit can land between the snapshots, so they are one moment (how mydumper
//      shares a snapshot between its threads). Writers wait for the lock for a few milliseconds.
//      Parallel readers (OpenSnapshotReader) can only join that moment under the same lock, so
//      BeginSnapshot also starts kSnapshotConnections connections for each of the other
//      SourceOptions.snapshot_readers - 1 readers, and OpenSnapshotReader hands out one such set each.
//  (b) Single snapshot (no RELOAD, a lock timeout, or ?snapshot=single): one snapshot connection. A scan
//      ordered by the table's primary key (or not ordered) and without a key filter is read in keyset
//      pages (WHERE pk > last ORDER BY pk LIMIT n), each page read whole inside Next(), so the snapshot
//      connection is free between pages for the embed scans. A scan that needs a connection while the
//      snapshot connection is busy gets its own, later snapshot, with a warning naming the table. No
//      parallel readers: nothing else can join the snapshot.
// A server-side end of a stream (KILL QUERY, max_statement_time) reaches Connector/C++ as a normal end
// of rows, so every stream ends with SHOW ERRORS: a cut result is an error, never a short read.
#include "mysql/mysql_source.h"

#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>
#include <cppconn/statement.h>
#include <fmt/format.h>
#include <mysql_connection.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include "mysql/mysql_catalog.h"
#include "mysql/mysql_connection.h"
#include "sql/key_split_points.h"
#include "sql/scan_sql.h"

namespace sql2mongo {
namespace {

// The root stream, the streamed merge join's two child streams (src/pipeline/embed_merge.h), and one
// embed scan at a time (key-list scans are read to the end one after another).
constexpr size_t kSnapshotConnections = 4;
// How long FLUSH TABLES WITH READ LOCK may wait for running statements before falling back to (b):
// while it waits, it already blocks writers.
constexpr int kFlushLockWaitSeconds = 10;

enum class SnapshotMode { kNone, kShared, kSingle };

struct PooledConnection {
  std::unique_ptr<sql::Connection> connection;
  int64_t id = 0;             // CONNECTION_ID(), for KILL
  bool busy = false;          // a streamed result is open on it
  bool broken = false;        // lost, killed or retired: dropped once free
  bool in_snapshot = false;   // in the run's shared snapshot
  bool own_snapshot = false;  // in a snapshot of its own, taken later (mode (b) only)
};

// The connections of one reader: its root stream and its embed scans.
using ConnectionSet = std::vector<std::unique_ptr<PooledConnection>>;

// Closing a connection ends its transaction; nothing is written, so nothing is lost.
void Close(PooledConnection& pooled) {
  try {
    pooled.connection->close();
  } catch (const sql::SQLException&) {
  }
}

// What the decoders changed, summed over a source and its parallel readers (other threads).
struct DecodeTally {
  std::mutex mutex;
  MysqlDecodeCounts counts;
  ValueWarnings warnings;  // the same, per column with examples
};

// Decodes one value; what decoding changed on purpose is counted in *counts and noted per column.
Value DecodeNoting(MysqlColumnKind kind, const std::string& text, MysqlDecodeCounts* counts, ValueWarnings& warnings,
                   const std::string& table, const std::string& column) {
  MysqlDecodeCounts before = *counts;
  Value value = DecodeMysqlValue(kind, text, counts);
  if (counts->zero_dates != before.zero_dates)
    warnings.Add(table, column, "zero dates ('0000-00-00' or a zero month or day), stored as null", text);
  else if (counts->unparsed_json != before.unparsed_json)
    warnings.Add(table, column, "JSON values that did not parse, kept as strings", text);
  else if (counts->unparsed != before.unparsed)
    warnings.Add(table, column, "values that do not match the column's type, kept as strings", text);
  return value;
}

bool EqualsIgnoreCase(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// A key value read back as a literal for the next keyset page: the server's own text, so DATETIME(6)
// keeps its microseconds (a decoded DateTime holds milliseconds).
std::string RawKeyLiteral(MysqlColumnKind kind, const std::string& text) {
  switch (kind) {
    case MysqlColumnKind::kBool:
    case MysqlColumnKind::kInt32:
    case MysqlColumnKind::kInt64:
    case MysqlColumnKind::kUInt64:
    case MysqlColumnKind::kBit:
    case MysqlColumnKind::kDecimal:
      return text;
    case MysqlColumnKind::kBinary:
      return MysqlDialect().Literal(Binary{std::vector<uint8_t>(text.begin(), text.end()), 0}).value();
    default:
      return MysqlDialect().Literal(Value(text)).value();
  }
}

class MysqlSource;

// The SQL of one scan (from the builder) and what the connector needs to read its result.
struct MysqlScan {
  ScanSql sql;
  std::vector<MysqlColumnKind> kinds;     // one per select-list column
  std::vector<int> column_indices;        // one per select-list column: its index in the table, -1 for an expression
  size_t requested = 0;                   // the first `requested` select-list columns go to the batch

  std::string Sql(const std::string& extra_condition = "", size_t limit = 0) const {
    return sql.Select(MysqlDialect(), extra_condition, limit);
  }
};

// The builder's view of the catalog: names as the table spells them.
class MysqlScanCatalog : public ScanCatalog {
 public:
  explicit MysqlScanCatalog(MysqlSource& source) : source_(source) {}
  Result<std::string> TableSql(const std::string& table) override;
  Result<SqlColumn> Column(const std::string& table, const std::string& column) override;

 private:
  MysqlSource& source_;
};

class MysqlSource : public Source {
 public:
  MysqlSource(MysqlEndpoint endpoint, std::unique_ptr<sql::Connection> control, bool is_mariadb,
              int snapshot_readers)
      : endpoint_(std::move(endpoint)), control_(std::move(control)), is_mariadb_(is_mariadb),
        snapshot_readers_(std::max(1, snapshot_readers)) {}
  ~MysqlSource() override;

  std::string DisplayName() const override { return endpoint_.display_name; }
  Result<std::vector<std::string>> ListTables() override;
  Result<TableInfo> DescribeTable(const std::string& table) override;
  Status BeginSnapshot() override;
  Status EndSnapshot() override;
  // A streamed result holds its connection: as many scans as the snapshot has connections; in a single
  // snapshot one, since any other would read in a later snapshot of its own.
  size_t ScansOpenAtOnce() const override {
    return snapshot_ == SnapshotMode::kShared ? kSnapshotConnections : snapshot_ == SnapshotMode::kSingle ? 1 : 64;
  }
  Status ReopenInSnapshot() override {
    return Status::Error(StatusCode::kUnsupported,
                         "MySQL cannot open a connection in a snapshot already under way (START TRANSACTION WITH "
                         "CONSISTENT SNAPSHOT lives only in the connections that began it)");
  }
  Result<std::unique_ptr<RowStream>> Scan(const ScanRequest& request) override;
  Result<std::optional<std::pair<int64_t, int64_t>>> IntegerKeyBounds(const std::string& table,
                                                                       const std::string& column) override;
  Result<std::optional<uint64_t>> EstimateRows(const std::string& table) override;
  Result<std::vector<std::vector<Value>>> KeySplitPoints(const std::string& table, const std::vector<std::string>& columns,
                                                         size_t parts, const std::string& where) override;
  Result<std::unique_ptr<Source>> OpenSnapshotReader() override;
  std::vector<ValueWarning> TakeWarnings() override { return tally_->warnings.Take(); }
  ValueWarnings& warnings() { return tally_->warnings; }
  Result<std::vector<RowCount>> CountRows(const RowCountRequest& request) override {
    S2M_ASSIGN_OR_RETURN(const MysqlTable* table, Table(request.table));
    return CountMysqlRows(control_.get(), table->info, request);
  }
  Result<ColumnInfo> DescribeExpression(const std::string& table, const std::string& expression) override {
    S2M_ASSIGN_OR_RETURN(const MysqlTable* found, Table(table));
    return DescribeMysqlExpression(control_.get(), found->info, expression);
  }

  // For the streams.
  Status FinishResult(PooledConnection* connection, const std::string& table, uint64_t rows);
  void Release(PooledConnection* connection) { connection->busy = false; }
  void Abandon(PooledConnection* connection, std::unique_ptr<sql::ResultSet> result,
               std::unique_ptr<sql::Statement> statement);
  Result<PooledConnection*> SnapshotConnectionForPage(const std::string& table);
  void AddCounts(const MysqlDecodeCounts& counts, const std::string& table);
  MysqlDecodeCounts counts() const {
    std::lock_guard<std::mutex> lock(tally_->mutex);
    return tally_->counts;
  }

 private:
  friend class MysqlScanCatalog;
  Result<const MysqlTable*> Table(const std::string& name);
  Result<std::unique_ptr<PooledConnection>> Connect();
  Result<PooledConnection*> Open();
  Result<PooledConnection*> Acquire(const std::string& table);
  Status StartSnapshotOn(PooledConnection* connection);
  Result<MysqlScan> BuildScan(const MysqlTable& table, const ScanRequest& request, bool with_primary_key);
  bool CanPage(const MysqlTable& table, const ScanRequest& request, bool* descending) const;
  Result<MysqlColumnKind> ExpressionKind(const TableInfo& info, const std::string& expression);

  MysqlEndpoint endpoint_;
  // Catalog queries, FLUSH TABLES WITH READ LOCK and KILL; never streams, so it is always free.
  std::unique_ptr<sql::Connection> control_;
  bool is_mariadb_;
  // Readers this source and its OpenSnapshotReader()s may be at once (SourceOptions.snapshot_readers).
  int snapshot_readers_;
  std::vector<std::unique_ptr<PooledConnection>> pool_;
  // Between BeginSnapshot and EndSnapshot: connection sets already in the shared snapshot, not yet
  // handed out by OpenSnapshotReader. A reader never gives its set back; it closes it.
  std::vector<ConnectionSet> reader_sets_;
  std::map<std::string, MysqlTable> tables_;
  std::map<std::pair<std::string, std::string>, MysqlColumnKind> expression_kinds_;  // by (table, expression)
  SnapshotMode snapshot_ = SnapshotMode::kNone;
  std::shared_ptr<DecodeTally> tally_ = std::make_shared<DecodeTally>();  // shared with the readers
};

// A streamed scan on one pooled connection, read as rows are needed.
class MysqlRowStream : public RowStream {
 public:
  MysqlRowStream(MysqlSource* source, PooledConnection* connection, std::unique_ptr<sql::Statement> statement,
                 std::unique_ptr<sql::ResultSet> result, std::vector<std::string> columns, MysqlScan sql,
                 std::string table)
      : source_(source), connection_(connection), statement_(std::move(statement)), result_(std::move(result)),
        columns_(std::move(columns)), sql_(std::move(sql)), table_(std::move(table)) {}

  ~MysqlRowStream() override {
    if (connection_) source_->Abandon(connection_, std::move(result_), std::move(statement_));
  }

  Result<bool> Next(RowBatch* batch, size_t max_rows) override {
    *batch = RowBatch(columns_);
    if (!connection_) return false;
    batch->Reserve(max_rows);
    const uint32_t width = static_cast<uint32_t>(columns_.size());
    size_t rows = 0;
    bool end = false;
    try {
      while (rows < max_rows) {
        if (!result_->next()) {
          end = true;
          break;
        }
        for (uint32_t i = 0; i < width; ++i) {
          sql::SQLString text = result_->getString(i + 1);
          if (result_->wasNull()) {
            batch->Append(Null{});
          } else {
            batch->Append(DecodeNoting(sql_.kinds[i], text.asStdString(), &counts_, source_->warnings(), table_, batch->columns()[i]));
          }
        }
        ++rows;
      }
    } catch (const sql::SQLException& e) {
      connection_->broken = true;
      PooledConnection* connection = std::exchange(connection_, nullptr);
      source_->Abandon(connection, std::move(result_), std::move(statement_));
      return MysqlErrorStatus(e, fmt::format("source {}: reading table '{}' failed after {} rows",
                                             source_->DisplayName(), table_, rows_read_ + rows));
    }
    rows_read_ += rows;
    if (end) {
      result_.reset();
      statement_.reset();
      PooledConnection* connection = std::exchange(connection_, nullptr);
      source_->AddCounts(counts_, table_);
      S2M_RETURN_IF_ERROR(source_->FinishResult(connection, table_, rows_read_));
    }
    return rows > 0;
  }

 private:
  MysqlSource* source_;
  PooledConnection* connection_;  // null once the result is finished
  std::unique_ptr<sql::Statement> statement_;
  std::unique_ptr<sql::ResultSet> result_;  // declared after statement_: destroyed first
  std::vector<std::string> columns_;
  MysqlScan sql_;
  std::string table_;
  uint64_t rows_read_ = 0;
  MysqlDecodeCounts counts_;
};

// A scan ordered by the primary key, read one keyset page per Next() on the single snapshot connection
// (mode (b)), so that connection is free for embed scans between pages.
class MysqlPagedStream : public RowStream {
 public:
  MysqlPagedStream(MysqlSource* source, std::vector<std::string> columns, MysqlScan sql,
                   std::vector<std::string> key_columns, std::vector<size_t> key_positions, bool descending,
                   std::string table)
      : source_(source), columns_(std::move(columns)), sql_(std::move(sql)), key_columns_(std::move(key_columns)),
        key_positions_(std::move(key_positions)), descending_(descending), table_(std::move(table)),
        last_key_(key_columns_.size()) {}

  Result<bool> Next(RowBatch* batch, size_t max_rows) override {
    *batch = RowBatch(columns_);
    if (done_) return false;
    max_rows = std::max<size_t>(max_rows, 1);
    batch->Reserve(max_rows);
    S2M_ASSIGN_OR_RETURN(PooledConnection * connection, source_->SnapshotConnectionForPage(table_));
    const std::string sql = sql_.Sql(KeysetCondition(), max_rows);
    const uint32_t width = static_cast<uint32_t>(sql_.kinds.size());
    size_t rows = 0;
    try {
      std::unique_ptr<sql::Statement> statement(connection->connection->createStatement());
      statement->setResultSetType(sql::ResultSet::TYPE_FORWARD_ONLY);
      std::unique_ptr<sql::ResultSet> result(statement->executeQuery(sql));
      while (result->next()) {
        for (uint32_t i = 0; i < width; ++i) {
          sql::SQLString text = result->getString(i + 1);
          bool is_null = result->wasNull();
          auto key = std::find(key_positions_.begin(), key_positions_.end(), i);
          if (key != key_positions_.end()) last_key_[key - key_positions_.begin()] = text.asStdString();
          if (i >= sql_.requested) continue;
          batch->Append(is_null ? Value(Null{}) : DecodeNoting(sql_.kinds[i], text.asStdString(), &counts_, source_->warnings(), table_, batch->columns()[i]));
        }
        ++rows;
      }
    } catch (const sql::SQLException& e) {
      connection->broken = true;
      source_->Release(connection);
      return MysqlErrorStatus(e, fmt::format("source {}: reading table '{}' failed after {} rows",
                                             source_->DisplayName(), table_, rows_read_ + rows));
    }
    rows_read_ += rows;
    S2M_RETURN_IF_ERROR(source_->FinishResult(connection, table_, rows_read_));
    has_last_key_ = has_last_key_ || rows > 0;
    if (rows < max_rows) {
      done_ = true;
      source_->AddCounts(counts_, table_);
    }
    return rows > 0;
  }

 private:
  // After the last key read, in the expanded form MySQL's range optimizer uses (mysql_dialect.cc).
  std::string KeysetCondition() const {
    if (!has_last_key_) return "";
    std::vector<std::string> literals;
    for (size_t k = 0; k < key_positions_.size(); ++k)
      literals.push_back(RawKeyLiteral(sql_.kinds[key_positions_[k]], last_key_[k]));
    return MysqlDialect().RowCompare(key_columns_, descending_ ? "<" : ">", literals);
  }

  MysqlSource* source_;
  std::vector<std::string> columns_;
  MysqlScan sql_;
  std::vector<std::string> key_columns_;  // quoted
  std::vector<size_t> key_positions_;     // in the select list
  bool descending_;
  std::string table_;
  std::vector<std::string> last_key_;  // per key column, the server's text of the last row read
  bool has_last_key_ = false;
  bool done_ = false;
  uint64_t rows_read_ = 0;
  MysqlDecodeCounts counts_;
};

MysqlSource::~MysqlSource() {
  for (auto& pooled : pool_) Close(*pooled);
  for (auto& set : reader_sets_)
    for (auto& pooled : set) Close(*pooled);
}

Result<std::vector<std::string>> MysqlSource::ListTables() {
  Result<std::vector<std::string>> names = ListMysqlTables(control_.get(), endpoint_.database);
  if (!names.ok()) return names.status().WithContext("source " + DisplayName());
  return names;
}

Result<const MysqlTable*> MysqlSource::Table(const std::string& name) {
  auto cached = tables_.find(name);
  if (cached != tables_.end()) return &cached->second;
  Result<MysqlTable> table = DescribeMysqlTable(control_.get(), endpoint_.database, name, is_mariadb_);
  if (!table.ok()) {
    if (table.status().code() == StatusCode::kNotFound) return table.status();
    return table.status().WithContext("source " + DisplayName());
  }
  return &(tables_[name] = std::move(table).value());
}

Result<TableInfo> MysqlSource::DescribeTable(const std::string& table) {
  S2M_ASSIGN_OR_RETURN(const MysqlTable* found, Table(table));
  return found->info;
}

Result<std::unique_ptr<PooledConnection>> MysqlSource::Connect() {
  S2M_ASSIGN_OR_RETURN(std::unique_ptr<sql::Connection> connection, ConnectMysql(endpoint_));
  // A consistent snapshot is only kept for the whole transaction under REPEATABLE READ; a server whose
  // default is READ COMMITTED would otherwise take a new one per statement. Set here, not in
  // StartSnapshotOn, so it costs nothing while BeginSnapshot holds the global read lock.
  S2M_RETURN_IF_ERROR(ExecuteMysql(connection.get(), "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ",
                                   "source " + DisplayName() + ": setting up the session"));
  auto pooled = std::make_unique<PooledConnection>();
  S2M_ASSIGN_OR_RETURN(pooled->id, MysqlConnectionId(connection.get()));
  pooled->connection = std::move(connection);
  return pooled;
}

Result<PooledConnection*> MysqlSource::Open() {
  S2M_ASSIGN_OR_RETURN(std::unique_ptr<PooledConnection> pooled, Connect());
  pool_.push_back(std::move(pooled));
  return pool_.back().get();
}

Status MysqlSource::StartSnapshotOn(PooledConnection* connection) {
  return ExecuteMysql(connection->connection.get(), "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY",
                      "source " + DisplayName() + ": starting the snapshot");
}

Result<PooledConnection*> MysqlSource::Acquire(const std::string& table) {
  std::erase_if(pool_, [](const std::unique_ptr<PooledConnection>& c) { return c->broken && !c->busy; });
  auto take = [](PooledConnection* c) {
    c->busy = true;
    return c;
  };
  if (snapshot_ == SnapshotMode::kNone) {
    for (auto& c : pool_)
      if (!c->busy && !c->in_snapshot && !c->own_snapshot) return take(c.get());
    S2M_ASSIGN_OR_RETURN(PooledConnection * opened, Open());
    return take(opened);
  }
  for (auto& c : pool_)
    if (!c->busy && c->in_snapshot) return take(c.get());
  for (auto& c : pool_)
    if (!c->busy && c->own_snapshot) return take(c.get());
  PooledConnection* spare = nullptr;
  for (auto& c : pool_)
    if (!c->busy && !c->in_snapshot && !c->own_snapshot) spare = c.get();
  if (!spare) {
    S2M_ASSIGN_OR_RETURN(spare, Open());
  }
  S2M_RETURN_IF_ERROR(StartSnapshotOn(spare));
  spare->own_snapshot = true;
  spdlog::warn(
      "source {}: table '{}' is read in a snapshot taken after the run's, because every snapshot "
      "connection is busy{}; rows changed since the run began may not match the other tables",
      DisplayName(), table,
      snapshot_ == SnapshotMode::kSingle
          ? " (one snapshot only: grant RELOAD to share it, or order the outer table by its primary key)"
          : "");
  return take(spare);
}

Result<PooledConnection*> MysqlSource::SnapshotConnectionForPage(const std::string& table) {
  for (auto& c : pool_) {
    if (!c->in_snapshot) continue;
    if (c->busy || c->broken)
      return Status::Error(StatusCode::kInternal,
                           fmt::format("source {}: table '{}' is read in pages on the snapshot connection, but "
                                       "another scan still holds it{}",
                                       DisplayName(), table, c->broken ? " (it was lost)" : ""));
    c->busy = true;
    return c.get();
  }
  return Status::Error(StatusCode::kInternal,
                       fmt::format("source {}: table '{}': the snapshot connection is gone", DisplayName(), table));
}

Status MysqlSource::FinishResult(PooledConnection* connection, const std::string& table, uint64_t rows) {
  Status status;
  try {
    std::unique_ptr<sql::Statement> statement(connection->connection->createStatement());
    std::unique_ptr<sql::ResultSet> errors(statement->executeQuery("SHOW ERRORS"));
    while (errors->next()) {
      if (std::string(errors->getString(1)) != "Error") continue;
      status = Status::Error(StatusCode::kSourceError,
                             fmt::format("source {}: reading table '{}': the server ended the result after {} rows: "
                                         "{} (MySQL error {})",
                                         DisplayName(), table, rows, std::string(errors->getString(3)),
                                         errors->getInt(2)));
      break;
    }
  } catch (const sql::SQLException& e) {
    connection->broken = true;
    status = MysqlErrorStatus(e, fmt::format("source {}: reading table '{}' (checking the end of the result)",
                                             DisplayName(), table));
  }
  Release(connection);
  return status;
}

void MysqlSource::Abandon(PooledConnection* connection, std::unique_ptr<sql::ResultSet> result,
                          std::unique_ptr<sql::Statement> statement) {
  // Destroying a half-read streamed result reads every remaining row (mysql_free_result drains it), which
  // for a large table is the rest of the table: ending the session first makes it stop at once.
  if (result && !connection->broken) {
    Status killed = ExecuteMysql(control_.get(), fmt::format("KILL CONNECTION {}", connection->id), "");
    if (!killed.ok()) spdlog::debug("source {}: {}", DisplayName(), killed.message());
  }
  connection->broken = true;
  try {
    result.reset();
    statement.reset();
  } catch (const sql::SQLException&) {
  }
  Release(connection);
}

void MysqlSource::AddCounts(const MysqlDecodeCounts& counts, const std::string& table) {
  {
    std::lock_guard<std::mutex> lock(tally_->mutex);
    tally_->counts.zero_dates += counts.zero_dates;
    tally_->counts.unparsed_json += counts.unparsed_json;
    tally_->counts.unparsed += counts.unparsed;
  }
  if (counts.zero_dates > 0)
    spdlog::debug("source {}: table '{}': {} zero dates ('0000-00-00' or a zero month or day) read as null",
                 DisplayName(), table, counts.zero_dates);
  if (counts.unparsed_json > 0)
    spdlog::debug("source {}: table '{}': {} JSON values that did not parse were kept as strings", DisplayName(),
                 table, counts.unparsed_json);
  if (counts.unparsed > 0)
    spdlog::debug("source {}: table '{}': {} values did not match their column type and were kept as strings",
                 DisplayName(), table, counts.unparsed);
}

Status MysqlSource::BeginSnapshot() {
  if (snapshot_ != SnapshotMode::kNone)
    return Status::Error(StatusCode::kInternal, "source " + DisplayName() + ": snapshot already begun");
  // Connect first, so the global read lock is held for the few statements below and not for a connect.
  std::vector<PooledConnection*> members;
  for (auto& c : pool_)
    if (!c->busy && !c->broken && members.size() < kSnapshotConnections) members.push_back(c.get());
  while (members.size() < kSnapshotConnections) {
    S2M_ASSIGN_OR_RETURN(PooledConnection * opened, Open());
    members.push_back(opened);
  }
  // The other readers' sets. Too few is not an error (a server's max_connections, say): the run then
  // reads with fewer readers.
  std::vector<ConnectionSet> reader_sets;
  if (endpoint_.allow_flush_lock) {
    for (int reader = 1; reader < snapshot_readers_; ++reader) {
      ConnectionSet set;
      Status failed;
      while (set.size() < kSnapshotConnections && failed.ok()) {
        Result<std::unique_ptr<PooledConnection>> opened = Connect();
        if (opened.ok()) set.push_back(std::move(opened).value());
        else failed = opened.status();
      }
      if (!failed.ok()) {
        spdlog::warn("source {}: connections for {} of {} parallel readers only: {}", DisplayName(), reader,
                     snapshot_readers_, failed.message());
        for (auto& pooled : set) Close(*pooled);
        break;
      }
      reader_sets.push_back(std::move(set));
    }
  }

  bool locked = false;
  std::string why_single = "?snapshot=single in the URI";
  if (endpoint_.allow_flush_lock) {
    Status lock = ExecuteMysql(control_.get(), "FLUSH TABLES WITH READ LOCK", "FLUSH TABLES WITH READ LOCK");
    locked = lock.ok();
    if (!locked) why_single = lock.message();
  }
  Status started;
  size_t count = locked ? members.size() : 1;
  for (size_t i = 0; i < count && started.ok(); ++i) {
    started = StartSnapshotOn(members[i]);
    members[i]->in_snapshot = started.ok();
  }
  size_t ready_sets = 0;  // reader sets whose every connection is in the snapshot
  if (locked && started.ok()) {
    for (; ready_sets < reader_sets.size(); ++ready_sets) {
      bool all_started = true;
      for (auto& pooled : reader_sets[ready_sets]) {
        all_started = all_started && StartSnapshotOn(pooled.get()).ok();
        pooled->in_snapshot = all_started;
      }
      if (!all_started) break;
    }
  }
  if (locked) {
    Status unlocked = ExecuteMysql(control_.get(), "UNLOCK TABLES", "source " + DisplayName() + ": UNLOCK TABLES");
    if (!unlocked.ok()) {
      // The global read lock must not outlive this call: without the session it dies with it.
      control_->close();
      return unlocked;
    }
  }
  for (size_t i = ready_sets; i < reader_sets.size(); ++i)
    for (auto& pooled : reader_sets[i]) Close(*pooled);
  reader_sets.resize(ready_sets);
  if (!started.ok()) {
    for (PooledConnection* member : members) {
      member->in_snapshot = false;
      member->broken = true;
    }
    return started;
  }
  snapshot_ = locked ? SnapshotMode::kShared : SnapshotMode::kSingle;
  reader_sets_ = std::move(reader_sets);
  if (!locked)
    spdlog::warn("source {}: cannot share one snapshot between connections ({}); tables are read in primary key "
                 "pages on one snapshot connection, by one reader",
                 DisplayName(), why_single);
  return Status::Ok();
}

Status MysqlSource::EndSnapshot() {
  Status status;
  for (auto& set : reader_sets_)
    for (auto& pooled : set) Close(*pooled);
  reader_sets_.clear();
  for (auto& c : pool_) {
    if (!c->in_snapshot && !c->own_snapshot) continue;
    c->in_snapshot = c->own_snapshot = false;
    if (c->busy || c->broken) {
      c->broken = true;  // a stream still open on it: the connection is closed when it is given back
      continue;
    }
    Status committed = ExecuteMysql(c->connection.get(), "COMMIT", "source " + DisplayName() + ": ending the snapshot");
    if (!committed.ok()) {
      c->broken = true;
      if (status.ok()) status = committed;
    }
  }
  snapshot_ = SnapshotMode::kNone;
  return status;
}

// InnoDB's TABLE_ROWS is a sampled estimate (off by tens of percent, and 0 for a table loaded a moment
// ago); below kCountBelow rows a real count costs little and is exact.
Result<std::optional<uint64_t>> MysqlSource::EstimateRows(const std::string& table) {
  constexpr uint64_t kCountBelow = 200000;
  S2M_ASSIGN_OR_RETURN(const MysqlTable* found, Table(table));
  const std::string& name = found->info.name;
  S2M_ASSIGN_OR_RETURN(PooledConnection * connection, Acquire(name));
  std::optional<uint64_t> rows;
  try {
    std::unique_ptr<sql::Statement> statement(connection->connection->createStatement());
    std::string literal = MysqlDialect().Literal(Value(name)).value();
    std::unique_ptr<sql::ResultSet> result(statement->executeQuery(
        "SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = " + literal));
    if (result->next()) {
      uint64_t estimate = result->getUInt64(1);
      if (!result->wasNull()) rows = estimate;
    }
    result.reset();
    if (!rows || *rows < kCountBelow) {
      std::unique_ptr<sql::ResultSet> counted(statement->executeQuery("SELECT COUNT(*) FROM " + QuoteMysqlIdentifier(name)));
      if (counted->next()) rows = counted->getUInt64(1);
    }
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() >= 2000 && e.getErrorCode() < 3000) connection->broken = true;
    Release(connection);
    return MysqlErrorStatus(e, fmt::format("source {}: estimating the rows of '{}'", DisplayName(), name));
  }
  Release(connection);
  return rows;
}

Result<std::optional<std::pair<int64_t, int64_t>>> MysqlSource::IntegerKeyBounds(const std::string& table,
                                                                                  const std::string& column) {
  S2M_ASSIGN_OR_RETURN(const MysqlTable* found, Table(table));
  const TableInfo& info = found->info;
  int index = info.ColumnIndex(column);
  if (index < 0) return Status::Error(StatusCode::kNotFound, fmt::format("no column '{}' in table '{}'", column, info.name));
  const std::string& name = info.columns[index].name;
  MysqlColumnKind kind = found->kinds[index];
  if (kind != MysqlColumnKind::kInt32 && kind != MysqlColumnKind::kInt64 && kind != MysqlColumnKind::kUInt64)
    return Status::Error(StatusCode::kUnsupported, fmt::format("'{}.{}' is {}, not an integer column", info.name, name,
                                                               info.columns[index].declared_type));
  // On a snapshot connection when a snapshot is open, so the bounds are the snapshot's.
  S2M_ASSIGN_OR_RETURN(PooledConnection * connection, Acquire(info.name));
  std::string sql = fmt::format("SELECT MIN({0}), MAX({0}) FROM {1}", QuoteMysqlIdentifier(name),
                                QuoteMysqlIdentifier(info.name));
  std::optional<std::string> low, high;
  try {
    std::unique_ptr<sql::Statement> statement(connection->connection->createStatement());
    std::unique_ptr<sql::ResultSet> result(statement->executeQuery(sql));  // one row: buffered is fine
    if (result->next()) {
      std::string min = result->getString(1);
      if (!result->wasNull()) low = min;
      std::string max = result->getString(2);
      if (!result->wasNull()) high = max;
    }
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() >= 2000 && e.getErrorCode() < 3000) connection->broken = true;
    Release(connection);
    return MysqlErrorStatus(e, fmt::format("source {}: key bounds of '{}.{}'", DisplayName(), info.name, name));
  }
  Release(connection);
  if (!low || !high) return std::optional<std::pair<int64_t, int64_t>>();
  auto parse = [](const std::string& text, int64_t* out) {
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *out);
    return error == std::errc() && end == text.data() + text.size();
  };
  int64_t min = 0, max = 0;
  // Only a BIGINT UNSIGNED above 2^63 - 1 fails here.
  if (!parse(*low, &min) || !parse(*high, &max))
    return Status::Error(StatusCode::kUnsupported, fmt::format("'{}.{}' holds keys outside the signed 64-bit range "
                                                               "({} .. {})", info.name, name, *low, *high));
  return std::optional<std::pair<int64_t, int64_t>>(std::make_pair(min, max));
}

// On a snapshot connection when a snapshot is open, so the keys are the snapshot's; a few rows, buffered.
Result<std::vector<std::vector<Value>>> MysqlSource::KeySplitPoints(const std::string& table,
                                                                   const std::vector<std::string>& columns, size_t parts,
                                                                   const std::string& where) {
  S2M_ASSIGN_OR_RETURN(const MysqlTable* found, Table(table));
  const TableInfo& info = found->info;
  auto query = [&](const std::string& sql, const std::vector<std::string>& names) -> Result<std::vector<std::vector<Value>>> {
    std::vector<MysqlColumnKind> kinds;
    for (const std::string& name : names) {
      int index = info.ColumnIndex(name);
      if (index < 0) return Status::Error(StatusCode::kNotFound, fmt::format("no column '{}' in table '{}'", name, info.name));
      kinds.push_back(found->kinds[index]);
    }
    S2M_ASSIGN_OR_RETURN(PooledConnection * connection, Acquire(info.name));
    std::vector<std::vector<Value>> rows;
    MysqlDecodeCounts counts;
    try {
      std::unique_ptr<sql::Statement> statement(connection->connection->createStatement());
      std::unique_ptr<sql::ResultSet> result(statement->executeQuery(sql));
      while (result->next()) {
        std::vector<Value> row;
        for (size_t i = 0; i < kinds.size(); ++i) {
          std::string text = result->getString(static_cast<uint32_t>(i + 1));
          row.push_back(result->wasNull() ? Value(Null{}) : DecodeMysqlValue(kinds[i], text, &counts));
        }
        rows.push_back(std::move(row));
      }
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() >= 2000 && e.getErrorCode() < 3000) connection->broken = true;
      Release(connection);
      return MysqlErrorStatus(e, fmt::format("source {}: key split points of '{}'", DisplayName(), info.name));
    }
    Release(connection);
    return rows;
  };
  MysqlScanCatalog catalog(*this);
  return FindKeySplitPoints(MysqlDialect(), catalog, *this, table, columns, parts, where, query);
}

Result<std::unique_ptr<Source>> MysqlSource::OpenSnapshotReader() {
  if (snapshot_ == SnapshotMode::kNone)
    return Status::Error(StatusCode::kUnsupported,
                         "source " + DisplayName() + ": a parallel reader needs a snapshot: call BeginSnapshot first");
  if (snapshot_ == SnapshotMode::kSingle)
    return Status::Error(StatusCode::kUnsupported,
                         "source " + DisplayName() + ": the snapshot is on one connection only (no RELOAD privilege "
                         "for FLUSH TABLES WITH READ LOCK, or ?snapshot=single), so no other reader can see it");
  if (reader_sets_.empty())
    return Status::Error(StatusCode::kUnsupported,
                         fmt::format("source {}: no parallel reader left: a MySQL snapshot can only be shared by "
                                     "connections that start it together, and BeginSnapshot started them for {} "
                                     "reader(s) in all (SourceOptions.snapshot_readers, from --threads)",
                                     DisplayName(), snapshot_readers_));
  // Its own control connection (catalog, KILL, escaping): this one stays with this source's thread.
  S2M_ASSIGN_OR_RETURN(std::unique_ptr<sql::Connection> control, ConnectMysql(endpoint_));
  auto reader = std::make_unique<MysqlSource>(endpoint_, std::move(control), is_mariadb_, snapshot_readers_);
  reader->pool_ = std::move(reader_sets_.back());
  reader_sets_.pop_back();
  reader->tables_ = tables_;
  reader->expression_kinds_ = expression_kinds_;
  reader->snapshot_ = SnapshotMode::kShared;
  reader->tally_ = tally_;
  return std::unique_ptr<Source>(std::move(reader));
}

Result<std::string> MysqlScanCatalog::TableSql(const std::string& table) {
  S2M_ASSIGN_OR_RETURN(const MysqlTable* found, source_.Table(table));
  return QuoteMysqlIdentifier(found->info.name);
}

Result<SqlColumn> MysqlScanCatalog::Column(const std::string& table, const std::string& column) {
  S2M_ASSIGN_OR_RETURN(const MysqlTable* found, source_.Table(table));
  int index = found->info.ColumnIndex(column);
  if (index < 0)
    return Status::Error(StatusCode::kNotFound, fmt::format("no column '{}' in table '{}'", column, found->info.name));
  SqlColumn sql;
  sql.name = found->info.columns[index].name;
  sql.nullable = found->info.columns[index].nullable;
  return sql;
}

Result<MysqlScan> MysqlSource::BuildScan(const MysqlTable& table, const ScanRequest& request, bool with_primary_key) {
  const TableInfo& info = table.info;
  MysqlScan scan;
  MysqlScanCatalog catalog(*this);
  S2M_ASSIGN_OR_RETURN(scan.sql, BuildScanSql(MysqlDialect(), catalog, request));
  for (const std::string& name : request.columns) {
    if (const std::string* expression = request.ExpressionFor(name)) {
      S2M_ASSIGN_OR_RETURN(MysqlColumnKind kind, ExpressionKind(info, *expression));
      scan.kinds.push_back(kind);
      scan.column_indices.push_back(-1);  // no column of the table: never a keyset page's key
      continue;
    }
    if (request.IsCarried(name)) {  // the parent's column, decoded as the parent's
      S2M_ASSIGN_OR_RETURN(const MysqlTable* parent, Table(request.parent_join->parent_table));
      int index = parent->info.ColumnIndex(request.parent_join->carried);
      if (index < 0)
        return Status::Error(StatusCode::kNotFound, fmt::format("no column '{}' in table '{}'",
                                                                request.parent_join->carried, parent->info.name));
      scan.kinds.push_back(parent->kinds[index]);
      scan.column_indices.push_back(-1);
      continue;
    }
    int index = info.ColumnIndex(name);  // found: the builder resolved it
    scan.kinds.push_back(table.kinds[index]);
    scan.column_indices.push_back(index);
  }
  scan.requested = scan.kinds.size();
  if (with_primary_key) {
    for (const std::string& name : info.primary_key) {
      int index = info.ColumnIndex(name);
      if (index < 0) return Status::Error(StatusCode::kNotFound, fmt::format("no column '{}' in table '{}'", name, info.name));
      const std::vector<int>& read = scan.column_indices;
      if (std::find(read.begin(), read.end(), index) != read.end()) continue;
      scan.sql.select_items.push_back(QuoteMysqlIdentifier(info.columns[index].name));
      scan.kinds.push_back(table.kinds[index]);
      scan.column_indices.push_back(index);
    }
  }
  return scan;
}

// A streamed text-protocol result carries no types the decoder could use before reading, so the
// kind of a computed column comes from the metadata of the same SELECT run with LIMIT 0 on the control
// connection (no rows, but the server types the expression). Once per table and expression.
Result<MysqlColumnKind> MysqlSource::ExpressionKind(const TableInfo& info, const std::string& expression) {
  auto key = std::make_pair(info.name, expression);
  auto cached = expression_kinds_.find(key);
  if (cached != expression_kinds_.end()) return cached->second;
  const std::string query =
      fmt::format("SELECT ({}) FROM {} LIMIT 0", expression, QuoteMysqlIdentifier(info.name));
  MysqlColumnKind kind = MysqlColumnKind::kOther;
  try {
    std::unique_ptr<sql::Statement> statement(control_->createStatement());
    std::unique_ptr<sql::ResultSet> result(statement->executeQuery(query));
    sql::ResultSetMetaData* metadata = result->getMetaData();  // owned by the result set
    kind = ClassifyMysqlResultColumn(metadata->getColumnTypeName(1), metadata->getColumnCharset(1));
  } catch (const sql::SQLException& e) {
    return MysqlErrorStatus(e, fmt::format("source {}: expression ({}) on table '{}'", DisplayName(), expression,
                                           info.name));
  }
  expression_kinds_.emplace(std::move(key), kind);
  return kind;
}

bool MysqlSource::CanPage(const MysqlTable& table, const ScanRequest& request, bool* descending) const {
  const TableInfo& info = table.info;
  if (snapshot_ != SnapshotMode::kSingle || request.key_filter || request.parent_join || info.primary_key.empty())
    return false;
  for (const std::string& key : info.primary_key) {
    int index = info.ColumnIndex(key);
    if (index < 0) return false;
    MysqlColumnKind kind = table.kinds[index];
    // The next page starts after the last key as the server printed it: exact for these kinds only
    // (a FLOAT prints rounded, so "> 3.14" would read its row again).
    if (kind == MysqlColumnKind::kDouble || kind == MysqlColumnKind::kJson || kind == MysqlColumnKind::kSet ||
        kind == MysqlColumnKind::kOther)
      return false;
  }
  *descending = false;
  if (request.order_by.empty()) return true;
  if (request.order_by.size() != info.primary_key.size()) return false;
  *descending = request.order_by[0].descending;
  for (size_t i = 0; i < request.order_by.size(); ++i) {
    if (!EqualsIgnoreCase(request.order_by[i].column, info.primary_key[i]) ||
        request.order_by[i].descending != *descending)
      return false;
  }
  return true;
}

Result<std::unique_ptr<RowStream>> MysqlSource::Scan(const ScanRequest& request) {
  S2M_ASSIGN_OR_RETURN(const MysqlTable* table, Table(request.table));
  const std::string& name = table->info.name;
  bool descending = false;
  if (CanPage(*table, request, &descending)) {
    S2M_ASSIGN_OR_RETURN(MysqlScan sql, BuildScan(*table, request, /*with_primary_key=*/true));
    std::vector<std::string> key_columns;
    std::vector<size_t> key_positions;
    for (const std::string& key : table->info.primary_key) {
      int index = table->info.ColumnIndex(key);
      key_columns.push_back(QuoteMysqlIdentifier(table->info.columns[index].name));
      key_positions.push_back(std::find(sql.column_indices.begin(), sql.column_indices.end(), index) -
                              sql.column_indices.begin());
    }
    sql.sql.order_by.clear();
    for (const std::string& key : key_columns) sql.sql.order_by.push_back(key + (descending ? " DESC" : ""));
    return std::unique_ptr<RowStream>(std::make_unique<MysqlPagedStream>(
        this, request.columns, std::move(sql), std::move(key_columns), std::move(key_positions), descending, name));
  }

  S2M_ASSIGN_OR_RETURN(MysqlScan sql, BuildScan(*table, request, /*with_primary_key=*/false));
  S2M_ASSIGN_OR_RETURN(PooledConnection * connection, Acquire(name));
  std::unique_ptr<sql::Statement> statement;
  std::unique_ptr<sql::ResultSet> result;
  try {
    statement.reset(connection->connection->createStatement());
    // The one setting under which Connector/C++ 1.1 streams (mysql_use_result): see the file comment.
    statement->setResultSetType(sql::ResultSet::TYPE_FORWARD_ONLY);
    result.reset(statement->executeQuery(sql.Sql()));
  } catch (const sql::SQLException& e) {
    // A query the server refused leaves the connection usable; a lost connection does not.
    if (e.getErrorCode() >= 2000 && e.getErrorCode() < 3000) connection->broken = true;
    Release(connection);
    std::string hint = request.where.empty() ? "" : fmt::format(" (check the \"where\" condition: {})", request.where);
    return MysqlErrorStatus(e, fmt::format("source {}: cannot query table '{}'{}", DisplayName(), name, hint));
  }
  return std::unique_ptr<RowStream>(std::make_unique<MysqlRowStream>(
      this, connection, std::move(statement), std::move(result), request.columns, std::move(sql), name));
}

}  // namespace

Result<std::unique_ptr<Source>> OpenMysqlSource(const std::string& uri, const SourceOptions& options) {
  S2M_ASSIGN_OR_RETURN(MysqlEndpoint endpoint, ParseMysqlUri(uri, options));
  S2M_ASSIGN_OR_RETURN(std::unique_ptr<sql::Connection> control, ConnectMysql(endpoint));
  bool is_mariadb = false;
  try {
    std::unique_ptr<sql::Statement> statement(control->createStatement());
    std::unique_ptr<sql::ResultSet> version(statement->executeQuery("SELECT VERSION()"));
    if (version->next()) is_mariadb = std::string(version->getString(1)).find("MariaDB") != std::string::npos;
    statement->execute(fmt::format("SET SESSION lock_wait_timeout = {}", kFlushLockWaitSeconds));
  } catch (const sql::SQLException& e) {
    return MysqlErrorStatus(e, "source " + endpoint.display_name + ": setting up the session");
  }
  return std::unique_ptr<Source>(
      std::make_unique<MysqlSource>(std::move(endpoint), std::move(control), is_mariadb, options.snapshot_readers));
}

MysqlDecodeCounts MysqlSourceDecodeCounts(const Source& source) {
  auto* mysql = dynamic_cast<const MysqlSource*>(&source);
  return mysql ? mysql->counts() : MysqlDecodeCounts{};
}

}  // namespace sql2mongo
