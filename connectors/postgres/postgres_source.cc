#include "postgres/postgres_source.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <map>

#include "common/redact.h"
#include "postgres/postgres_binary_reader.h"
#include "postgres/postgres_catalog.h"
#include "postgres/postgres_connection.h"
#include "postgres/postgres_types.h"
#include "sql/key_split_points.h"
#include "sql/scan_sql.h"

namespace sql2mongo {
namespace {

class PostgresRowStream : public RowStream {
 public:
  PostgresRowStream(PgLease lease, std::vector<std::string> columns, std::vector<PgDecoder> decoders,
                    std::vector<std::string> source_columns, std::string context)
      : lease_(std::move(lease)),
        columns_(std::move(columns)),
        decoders_(std::move(decoders)),
        source_columns_(std::move(source_columns)),
        context_(std::move(context)),
        fields_(columns_.size()) {}

  Status Start(const std::string& sql) {
    Status started = reader_.Start(lease_.get(), sql);
    if (!started.ok()) {
      done_ = true;
      started = MarkIfLost(std::move(started));
      lease_.Release();  // the failed command was drained; the pool checks the transaction state
    }
    return started;
  }

  Result<bool> Next(RowBatch* batch, size_t max_rows) override {
    *batch = RowBatch(columns_);
    if (done_) return false;
    batch->Reserve(std::min<size_t>(max_rows, 16384));
    size_t rows = 0;
    while (rows < max_rows) {
      Result<bool> more = reader_.NextTuple(&fields_);
      if (!more.ok()) return Fail(more.status().WithContext(context_));
      if (!more.value()) {
        done_ = true;
        lease_.Release();  // the COPY is complete: the connection serves the next scan
        break;
      }
      for (size_t i = 0; i < fields_.size(); ++i) {
        const PgField& field = fields_[i];
        if (field.size < 0) {
          batch->Append(Null{});
          continue;
        }
        Result<Value> value = DecodePgValue(decoders_[i], field.data, static_cast<size_t>(field.size));
        if (!value.ok()) return Fail(value.status().WithContext(fmt::format("{}, column {}", context_, source_columns_[i])));
        batch->Append(std::move(value).value());
      }
      ++rows;
    }
    return rows > 0;
  }

 private:
  Status Fail(Status status) {
    done_ = true;
    status = MarkIfLost(std::move(status));
    lease_.MarkBroken();  // mid-COPY: the connection cannot serve another query
    lease_.Release();
    return status;
  }

  // kSourceLost when the failure is the connection's (the backend ended, the socket closed), which a
  // reader may survive by reading on through another connection; a query's own error stays as it is.
  Status MarkIfLost(Status status) const {
    if (lease_.get() && PQstatus(lease_.get()) == CONNECTION_BAD)
      return Status::Error(StatusCode::kSourceLost, status.message());
    return status;
  }

  PgLease lease_;
  PgBinaryCopyReader reader_;
  std::vector<std::string> columns_;
  std::vector<PgDecoder> decoders_;
  std::vector<std::string> source_columns_;  // "table.column", for messages
  std::string context_;
  std::vector<PgField> fields_;
  bool done_ = false;
};

// The builder's view of the catalog. COPY takes no parameters, so key values are inlined as literals
// cast to the key column's declared type: `col IN ('1'::integer, ...)`, or `(a, b) IN (VALUES
// ('1'::integer, 'x'::text), ...)`, which the planner runs as a hash semi-join. That keeps every scan on
// the binary COPY path (see postgres_binary_reader.h); the alternative, `= ANY($1)` through the extended
// protocol, needs single-row mode and its ~2.8x client CPU.
class PostgresSource;
class PgScanCatalog : public ScanCatalog {
 public:
  PgScanCatalog(PostgresSource& source, PGconn* conn) : source_(source), conn_(conn) {}
  Result<std::string> TableSql(const std::string& table) override;
  Result<SqlColumn> Column(const std::string& table, const std::string& column) override;
  Result<std::string> ExpressionCast(const std::string& table, const std::string& expression) override;

 private:
  PostgresSource& source_;
  PGconn* conn_;  // for typing expressions
};

class PostgresSource : public Source {
 public:
  explicit PostgresSource(std::shared_ptr<PgConnectionPool> pool) : pool_(std::move(pool)) {}
  ~PostgresSource() override {
    // A snapshot reader ends its transactions here; a stream still open keeps its connection until it
    // is done, and the pool then closes it.
    if (is_snapshot_reader_) {
      Status ended = pool_->EndSnapshot();  // a destructor cannot fail the run; the pool drops a bad connection
      if (!ended.ok()) spdlog::debug("{}", ended.message());
    }
  }

  std::string DisplayName() const override { return pool_->settings().display_uri; }

  Result<std::vector<std::string>> ListTables() override {
    S2M_RETURN_IF_ERROR(LoadTableList());
    std::vector<std::string> names;
    for (const auto& t : *table_list_) names.push_back(t.display);
    return names;
  }

  Result<TableInfo> DescribeTable(const std::string& table) override {
    S2M_ASSIGN_OR_RETURN(const PgTable* described, Describe(table));
    return described->info;
  }
  Result<std::vector<RowCount>> CountRows(const RowCountRequest& request) override {
    S2M_ASSIGN_OR_RETURN(const PgTable* described, Describe(request.table));
    S2M_ASSIGN_OR_RETURN(PgLease lease, pool_->Acquire());
    return CountPgRows(lease.get(), *described, request);
  }
  Result<ColumnInfo> DescribeExpression(const std::string& table, const std::string& expression) override {
    S2M_ASSIGN_OR_RETURN(const PgTable* described, Describe(table));
    S2M_ASSIGN_OR_RETURN(PgLease lease, pool_->Acquire());
    return DescribePgExpression(lease.get(), *described, expression, &types_);
  }

  // Each open COPY holds a connection; the pool opens another when all are lent, which imports the
  // exported snapshot before it reads anything.
  size_t ScansOpenAtOnce() const override { return 16; }
  Status BeginSnapshot() override { return pool_->BeginSnapshot(); }
  Status EndSnapshot() override { return pool_->EndSnapshot(); }
  Status ReopenInSnapshot() override {
    Status checked = pool_->CheckSnapshot();
    if (!checked.ok() && pool_->in_snapshot())
      return checked.WithContext("the run's snapshot cannot be joined again (the connection holding it may be lost too)");
    return checked;
  }

  // Inside the snapshot when there is one, so the ranges cut from the bounds are those of the rows read.
  Result<std::optional<std::pair<int64_t, int64_t>>> IntegerKeyBounds(const std::string& table,
                                                                       const std::string& column) override {
    S2M_ASSIGN_OR_RETURN(const PgTable* described, Describe(table));
    S2M_ASSIGN_OR_RETURN(int index, IntegerColumnIndex(*described, column));
    std::string quoted = QuotePgIdentifier(described->info.columns[index].name);
    S2M_ASSIGN_OR_RETURN(PgLease lease, pool_->Acquire());
    std::string what = fmt::format("source {}: key bounds of '{}.{}'", DisplayName(), described->info.name,
                                   described->info.columns[index].name);
    S2M_ASSIGN_OR_RETURN(PgResult bounds, ExecPostgres(lease.get(), fmt::format("SELECT min({0})::int8, max({0})::int8 FROM {1}",
                                                                                quoted, described->name.sql), what));
    if (PQgetisnull(bounds.get(), 0, 0)) return std::optional<std::pair<int64_t, int64_t>>();
    int64_t low = 0, high = 0;
    for (auto [field, out] : {std::pair{0, &low}, std::pair{1, &high}}) {
      const char* text = PQgetvalue(bounds.get(), 0, field);
      const char* end = text + PQgetlength(bounds.get(), 0, field);
      if (std::from_chars(text, end, *out).ec != std::errc{})
        return Status::Error(StatusCode::kSourceError, fmt::format("{}: unexpected value '{}'", what, text));
    }
    return std::optional<std::pair<int64_t, int64_t>>(std::make_pair(low, high));
  }

  // Read through binary COPY like a scan, so each key comes back as Scan decodes its column.
  Result<std::vector<std::vector<Value>>> KeySplitPoints(const std::string& table, const std::vector<std::string>& columns,
                                                         size_t parts, const std::string& where) override {
    S2M_ASSIGN_OR_RETURN(const PgTable* described, Describe(table));
    auto query = [&](const std::string& sql, const std::vector<std::string>& names) -> Result<std::vector<std::vector<Value>>> {
      std::vector<PgDecoder> decoders;
      std::vector<std::string> source_columns;
      for (const std::string& name : names) {
        S2M_ASSIGN_OR_RETURN(int index, ColumnIndex(*described, name));
        decoders.push_back(described->reads[index].decoder);
        source_columns.push_back(described->info.name + "." + described->info.columns[index].name);
      }
      S2M_ASSIGN_OR_RETURN(PgLease lease, pool_->Acquire());
      std::string context = fmt::format("source {}: key split points of '{}'", DisplayName(), described->info.name);
      PostgresRowStream stream(std::move(lease), names, std::move(decoders), std::move(source_columns), context);
      Status started = stream.Start(PostgresDialect().ScanStatement(sql));
      if (!started.ok()) return started.WithContext(context);
      std::vector<std::vector<Value>> rows;
      RowBatch batch;
      while (true) {
        S2M_ASSIGN_OR_RETURN(bool more, stream.Next(&batch, 1024));
        if (!more) break;
        for (size_t r = 0; r < batch.rows(); ++r) {
          std::vector<Value> row;
          for (size_t c = 0; c < names.size(); ++c) row.push_back(batch.at(r, c));
          rows.push_back(std::move(row));
        }
      }
      return rows;
    };
    PgScanCatalog catalog(*this, nullptr);  // no expressions here
    return FindKeySplitPoints(PostgresDialect(), catalog, *this, table, columns, parts, where, query);
  }

  // The planner's statistics (pg_class.reltuples, summed over the leaves of a partitioned table). A table
  // never analyzed (reltuples -1 since PostgreSQL 14) is counted when it is small (< kCountPages pages).
  Result<std::optional<uint64_t>> EstimateRows(const std::string& table) override {
    constexpr int64_t kCountPages = 10000;  // 80 MB
    S2M_ASSIGN_OR_RETURN(const PgTable* described, Describe(table));
    S2M_ASSIGN_OR_RETURN(PgLease lease, pool_->Acquire());
    std::string what = fmt::format("source {}: estimating the rows of '{}'", DisplayName(), described->info.name);
    S2M_ASSIGN_OR_RETURN(std::string relation, QuotePgLiteral(lease.get(), described->name.sql));
    S2M_ASSIGN_OR_RETURN(
        PgResult stats,
        ExecPostgres(lease.get(),
                     // The table itself, or the leaves of its partition tree (a partitioned parent
                     // holds no rows of its own, and pg_partition_tree is empty for a plain table).
                     fmt::format("WITH parts AS (SELECT relid FROM pg_partition_tree({0}::regclass) WHERE isleaf "
                                 "UNION SELECT {0}::regclass) "
                                 "SELECT coalesce(sum(c.reltuples) FILTER (WHERE c.reltuples >= 0), -1)::int8, "
                                 "bool_or(c.reltuples < 0), sum(c.relpages)::int8 "
                                 "FROM parts JOIN pg_class c ON c.oid = parts.relid WHERE c.relkind <> 'p'",
                                 relation),
                     what));
    auto integer = [&](int field) -> std::optional<int64_t> {
      if (PQgetisnull(stats.get(), 0, field)) return std::nullopt;
      const char* text = PQgetvalue(stats.get(), 0, field);
      int64_t value = 0;
      if (std::from_chars(text, text + PQgetlength(stats.get(), 0, field), value).ec != std::errc{}) return std::nullopt;
      return value;
    };
    std::optional<int64_t> tuples = integer(0), pages = integer(2);
    bool unanalyzed = !PQgetisnull(stats.get(), 0, 1) && PQgetvalue(stats.get(), 0, 1)[0] == 't';
    if (tuples && *tuples >= 0 && !unanalyzed) return std::optional<uint64_t>(static_cast<uint64_t>(*tuples));
    if (!pages || *pages >= kCountPages) return std::optional<uint64_t>();
    S2M_ASSIGN_OR_RETURN(PgResult counted,
                         ExecPostgres(lease.get(), "SELECT count(*) FROM " + described->name.sql, what));
    const char* text = PQgetvalue(counted.get(), 0, 0);
    uint64_t rows = 0;
    if (std::from_chars(text, text + PQgetlength(counted.get(), 0, 0), rows).ec != std::errc{})
      return std::optional<uint64_t>();
    return std::optional<uint64_t>(rows);
  }

  // One EXISTS query: it stops at the first matching row, and reads the table once when none does.
  Result<bool> ColumnHolds(const std::string& table, const std::string& column, ValueHazard hazard,
                           const std::string& where) override {
    S2M_ASSIGN_OR_RETURN(const PgTable* described, Describe(table));
    int index = described->info.ColumnIndex(column);
    if (index < 0)
      return Status::Error(StatusCode::kNotFound, fmt::format("source {}: no column '{}' in table '{}'", DisplayName(),
                                                              column, described->info.name));
    const ColumnInfo& info = described->info.columns[index];
    std::string quoted = QuotePgIdentifier(info.name);
    std::string condition;
    if (hazard == ValueHazard::kNestedArray) {
      if (!info.yields.may_nest) return false;
      condition = fmt::format("array_ndims({}) > 1", quoted);
    } else {
      if (!info.yields.may_be_nan) return false;
      // 'NaN' = ANY(...) looks into every element of an array of any dimension.
      condition = info.yields.array ? fmt::format("'NaN' = ANY({})", quoted) : fmt::format("{} = 'NaN'", quoted);
    }
    S2M_ASSIGN_OR_RETURN(PgLease lease, pool_->Acquire());
    std::string what = fmt::format("source {}: looking for {} in '{}.{}'", DisplayName(),
                                   hazard == ValueHazard::kNaN ? "NaN" : "nested arrays", described->info.name, info.name);
    S2M_ASSIGN_OR_RETURN(PgResult found,
                         ExecPostgres(lease.get(),
                                      fmt::format("SELECT EXISTS (SELECT 1 FROM {} WHERE ({}){}{}{})", described->name.sql,
                                                  condition, where.empty() ? "" : " AND (", where, where.empty() ? "" : ")"),
                                      what));
    return std::string(PQgetvalue(found.get(), 0, 0)) == "t";
  }

  // The reader has a pool of its own (a pool serves one thread) whose connections all import this
  // source's exported snapshot; the exporting transaction stays open in this source's pool until
  // EndSnapshot, which the caller runs only after destroying its readers.
  Result<std::unique_ptr<Source>> OpenSnapshotReader() override {
    if (!pool_->in_snapshot())
      return Status::Error(StatusCode::kUnsupported,
                           fmt::format("source {}: a snapshot reader needs BeginSnapshot first", DisplayName()));
    auto pool = std::make_shared<PgConnectionPool>(pool_->settings());
    S2M_RETURN_IF_ERROR(pool->ImportSnapshot(pool_->snapshot_id()));
    // Connect and join now: a reader that cannot (connection limit, snapshot gone) fails here, and the
    // run falls back to one reader.
    S2M_ASSIGN_OR_RETURN(PgLease first, pool->Acquire());
    first.Release();
    auto reader = std::make_unique<PostgresSource>(std::move(pool));
    // The catalog is the same in the same snapshot: no need to ask it again.
    reader->table_list_ = table_list_;
    reader->tables_ = tables_;
    reader->types_ = types_;
    reader->expression_reads_ = expression_reads_;
    reader->is_snapshot_reader_ = true;
    return std::unique_ptr<Source>(std::move(reader));
  }

  Result<std::unique_ptr<RowStream>> Scan(const ScanRequest& request) override {
    S2M_ASSIGN_OR_RETURN(const PgTable* table, Describe(request.table));
    S2M_ASSIGN_OR_RETURN(PgLease lease, pool_->Acquire());
    std::vector<PgDecoder> decoders;
    std::vector<std::string> source_columns;
    for (size_t i = 0; i < request.columns.size(); ++i) {
      if (const std::string* expression = request.ExpressionFor(request.columns[i])) {
        S2M_ASSIGN_OR_RETURN(PgColumnRead read, ExpressionRead(*table, *expression, lease.get()));
        decoders.push_back(read.decoder);
        source_columns.push_back(fmt::format("{}.({})", table->info.name, *expression));
        continue;
      }
      if (request.IsCarried(request.columns[i])) {  // the parent's column, decoded as the parent's
        S2M_ASSIGN_OR_RETURN(const PgTable* parent, Describe(request.parent_join->parent_table));
        S2M_ASSIGN_OR_RETURN(int index, ColumnIndex(*parent, request.parent_join->carried));
        decoders.push_back(parent->reads[index].decoder);
        source_columns.push_back(parent->info.name + "." + parent->info.columns[index].name);
        continue;
      }
      S2M_ASSIGN_OR_RETURN(int index, ColumnIndex(*table, request.columns[i]));
      decoders.push_back(table->reads[index].decoder);
      source_columns.push_back(table->info.name + "." + table->info.columns[index].name);
    }
    PgScanCatalog catalog(*this, lease.get());
    S2M_ASSIGN_OR_RETURN(ScanSql scan, BuildScanSql(PostgresDialect(), catalog, request));
    std::string sql = PostgresDialect().ScanStatement(scan.Select(PostgresDialect()));

    std::string context = fmt::format("source {}: reading table '{}'", DisplayName(), table->info.name);
    auto stream = std::make_unique<PostgresRowStream>(std::move(lease), request.columns, std::move(decoders),
                                                      std::move(source_columns), context);
    Status started = stream->Start(sql);
    if (!started.ok()) {
      if (started.code() == StatusCode::kSourceLost) return started.WithContext(context);
      std::string hint = request.where.empty() ? "" : fmt::format(" (check the \"where\" condition: {})", request.where);
      return Status::Error(StatusCode::kSourceError,
                           fmt::format("source {}: cannot query table '{}': {}{}", DisplayName(), table->info.name,
                                       started.message(), hint));
    }
    return std::unique_ptr<RowStream>(std::move(stream));
  }

 private:
  friend class PgScanCatalog;

  Status LoadTableList() {
    if (table_list_) return Status::Ok();
    S2M_ASSIGN_OR_RETURN(PgLease lease, pool_->Acquire());
    auto tables = ListPgTables(lease.get());
    if (!tables.ok()) return tables.status().WithContext("source " + DisplayName());
    table_list_ = std::move(tables).value();
    return Status::Ok();
  }

  Result<const PgTable*> Describe(const std::string& table) {
    auto cached = tables_.find(table);
    if (cached != tables_.end()) return &cached->second;
    S2M_RETURN_IF_ERROR(LoadTableList());
    S2M_ASSIGN_OR_RETURN(PgTableName name, FindPgTable(*table_list_, table));
    S2M_ASSIGN_OR_RETURN(PgLease lease, pool_->Acquire());
    auto described = DescribePgTable(lease.get(), name, &types_);
    if (!described.ok()) return described.status().WithContext("source " + DisplayName());
    return &tables_.emplace(table, std::move(described).value()).first->second;
  }

  // How to read a computed column. Binary COPY sends values without their types, so the type comes
  // first from describing the SELECT (PQprepare + PQdescribePrepared: parsed and typed, never run);
  // its OID then resolves like a column's. Once per table and expression for the life of the source.
  Result<PgColumnRead> ExpressionRead(const PgTable& table, const std::string& expression, PGconn* conn) {
    auto key = std::make_pair(table.name.sql, expression);
    auto cached = expression_reads_.find(key);
    if (cached != expression_reads_.end()) return cached->second;
    std::string what = fmt::format("source {}: expression ({}) on table '{}'", DisplayName(), expression, table.info.name);
    std::string sql = fmt::format("SELECT ({}) FROM {}", expression, table.name.sql);
    PgResult prepared(PQprepare(conn, "", sql.c_str(), 0, nullptr));
    if (PQresultStatus(prepared.get()) != PGRES_COMMAND_OK)
      return Status::Error(StatusCode::kSourceError, fmt::format("{}: {}", what, PgErrorText(conn, prepared.get())));
    PgResult described(PQdescribePrepared(conn, ""));
    if (PQresultStatus(described.get()) != PGRES_COMMAND_OK || PQnfields(described.get()) != 1)
      return Status::Error(StatusCode::kSourceError, fmt::format("{}: cannot describe it: {}", what,
                                                                 PgErrorText(conn, described.get())));
    Result<PgColumnRead> read = types_.Resolve(conn, PQftype(described.get(), 0));
    if (!read.ok()) return read.status().WithContext(what);
    expression_reads_.emplace(std::move(key), *read);
    return read;
  }

  static Result<int> ColumnIndex(const PgTable& table, const std::string& column) {
    int index = table.info.ColumnIndex(column);
    if (index < 0)
      return Status::Error(StatusCode::kNotFound, fmt::format("no column '{}' in table '{}'", column, table.info.name));
    return index;
  }

  // A column that key ranges may cut: int2, int4, int8, or a domain over one of them.
  static Result<int> IntegerColumnIndex(const PgTable& table, const std::string& column) {
    S2M_ASSIGN_OR_RETURN(int index, ColumnIndex(table, column));
    PgValueKind kind = table.reads[index].decoder.kind;
    if ((kind != PgValueKind::kInt2 && kind != PgValueKind::kInt4 && kind != PgValueKind::kInt8) ||
        !table.reads[index].cast.empty())
      return Status::Error(StatusCode::kUnsupported,
                           fmt::format("'{}.{}' is {}, not an integer column: it cannot be read as key ranges",
                                       table.info.name, table.info.columns[index].name,
                                       table.info.columns[index].declared_type));
    return index;
  }

  std::shared_ptr<PgConnectionPool> pool_;
  std::optional<std::vector<PgTableName>> table_list_;
  std::map<std::string, PgTable> tables_;  // by the name asked for
  PgTypeCache types_;
  std::map<std::pair<std::string, std::string>, PgColumnRead> expression_reads_;  // by (table's SQL, expression)
  bool is_snapshot_reader_ = false;  // made by OpenSnapshotReader: ends its snapshot when destroyed
};

Result<std::string> PgScanCatalog::TableSql(const std::string& table) {
  S2M_ASSIGN_OR_RETURN(const PgTable* described, source_.Describe(table));
  return described->name.sql;
}

Result<SqlColumn> PgScanCatalog::Column(const std::string& table, const std::string& column) {
  S2M_ASSIGN_OR_RETURN(const PgTable* described, source_.Describe(table));
  S2M_ASSIGN_OR_RETURN(int index, PostgresSource::ColumnIndex(*described, column));
  const ColumnInfo& info = described->info.columns[index];
  const PgColumnRead& read = described->reads[index];
  SqlColumn sql;
  sql.name = info.name;
  sql.nullable = info.nullable;
  sql.read_cast = read.cast;
  sql.literal_cast = "::" + info.declared_type;
  // Integer bounds as int8 literals: PostgreSQL compares int2/int4 with int8 within one btree operator
  // family, so the primary key's index still serves the range, and a bound one past a smallint
  // column's largest value (the end of the last range) does not overflow a cast to the column's type.
  PgValueKind kind = read.decoder.kind;
  bool integer = (kind == PgValueKind::kInt2 || kind == PgValueKind::kInt4 || kind == PgValueKind::kInt8) &&
                 read.cast.empty();
  sql.bound_cast = integer ? "::int8" : sql.literal_cast;
  return sql;
}

Result<std::string> PgScanCatalog::ExpressionCast(const std::string& table, const std::string& expression) {
  S2M_ASSIGN_OR_RETURN(const PgTable* described, source_.Describe(table));
  S2M_ASSIGN_OR_RETURN(PgColumnRead read, source_.ExpressionRead(*described, expression, conn_));
  return read.cast;
}

}  // namespace

Result<std::unique_ptr<Source>> OpenPostgresSource(const std::string& uri, const SourceOptions& options) {
  PgConnectSettings settings{uri, options.password, RedactUri(uri)};
  auto pool = std::make_shared<PgConnectionPool>(std::move(settings));
  // Connect now: a wrong password or a server that is down is reported when the source is opened.
  S2M_ASSIGN_OR_RETURN(PgLease first, pool->Acquire());
  first.Release();
  return std::unique_ptr<Source>(std::make_unique<PostgresSource>(std::move(pool)));
}

}  // namespace sql2mongo
