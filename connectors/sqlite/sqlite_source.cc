#include "sqlite/sqlite_source.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <map>

#include "common/handles.h"
#include "sql/key_split_points.h"
#include "sql/scan_sql.h"
#include "sqlite/sqlite_catalog.h"
#include "sqlite/sqlite_types.h"

namespace sql2mongo {
namespace {

class SqliteRowStream : public RowStream {
 public:
  SqliteRowStream(sqlite3* db, SqliteStatement stmt, std::vector<std::string> columns,
                  std::vector<SqliteColumnType> kinds, std::string table, ValueWarnings* warnings)
      : db_(db),
        stmt_(std::move(stmt)),
        columns_(std::move(columns)),
        kinds_(std::move(kinds)),
        table_(std::move(table)),
        warnings_(warnings) {}

  Result<bool> Next(RowBatch* batch, size_t max_rows) override {
    *batch = RowBatch(columns_);
    if (done_) return false;
    batch->Reserve(max_rows);
    const int width = static_cast<int>(columns_.size());
    size_t rows = 0;
    while (rows < max_rows) {
      int rc = sqlite3_step(stmt_.get());
      if (rc == SQLITE_DONE) {
        done_ = true;
        break;
      }
      if (rc != SQLITE_ROW)
        return Status::Error(StatusCode::kSourceError,
                             fmt::format("reading table '{}': {}", table_, sqlite3_errmsg(db_)));
      for (int i = 0; i < width; ++i) {
        Value value = ReadSqliteValue(stmt_.get(), i, kinds_[i]);
        if (const auto* text = std::get_if<std::string>(&value)) NoteText(i, *text);
        batch->Append(std::move(value));
      }
      ++rows;
    }
    return rows > 0;
  }

 private:
  // SQLite stores any value in any column; text in a column declared as a date, number or boolean is
  // kept as text (it is the data), and counted so the run says so.
  void NoteText(int i, const std::string& text) {
    const char* what = nullptr;
    switch (kinds_[i].kind) {
      case SqliteColumnKind::kDate: what = "values are not dates, kept as strings"; break;
      case SqliteColumnKind::kInteger:
      case SqliteColumnKind::kReal:
      case SqliteColumnKind::kDecimal: what = "values are not numbers, kept as strings"; break;
      case SqliteColumnKind::kBool: what = "values are not booleans, kept as strings"; break;
      default: return;
    }
    if (warnings_) warnings_->Add(table_, columns_[i], what, text);
  }

  sqlite3* db_;
  SqliteStatement stmt_;
  std::vector<std::string> columns_;
  std::vector<SqliteColumnType> kinds_;
  std::string table_;
  ValueWarnings* warnings_;  // the source's, which outlives its streams
  bool done_ = false;
};

class SqliteSource;

// The builder's view of the catalog: names as the table spells them, dates compared as dates.
class SqliteScanCatalog : public ScanCatalog {
 public:
  explicit SqliteScanCatalog(SqliteSource& source) : source_(source) {}
  Result<std::string> TableSql(const std::string& table) override;
  Result<SqlColumn> Column(const std::string& table, const std::string& column) override;

 private:
  SqliteSource& source_;
};

class SqliteSource : public Source {
 public:
  SqliteSource(SqliteHandle db, std::string path) : db_(std::move(db)), path_(std::move(path)) {}
  ~SqliteSource() override {
    if (is_snapshot_reader_) sqlite3_exec(db_.get(), "COMMIT", nullptr, nullptr, nullptr);
  }

  std::string DisplayName() const override { return "sqlite:" + path_; }

  Result<std::vector<std::string>> ListTables() override { return ListSqliteTables(db_.get()); }

  Result<TableInfo> DescribeTable(const std::string& table) override {
    auto cached = tables_.find(table);
    if (cached != tables_.end()) return cached->second;
    S2M_ASSIGN_OR_RETURN(TableInfo info, DescribeSqliteTable(db_.get(), table));
    tables_[table] = info;
    return info;
  }

  Result<std::vector<RowCount>> CountRows(const RowCountRequest& request) override {
    S2M_ASSIGN_OR_RETURN(TableInfo info, DescribeTable(request.table));
    return CountSqliteRows(db_.get(), info, request);
  }
  Result<ColumnInfo> DescribeExpression(const std::string& table, const std::string& expression) override {
    S2M_ASSIGN_OR_RETURN(TableInfo info, DescribeTable(table));
    return DescribeSqliteExpression(db_.get(), info, expression);
  }

  Status BeginSnapshot() override {
    // A deferred transaction takes its snapshot at the first read; reading the schema at once pins it
    // to now rather than to the first table scan.
    S2M_RETURN_IF_ERROR(Execute("BEGIN"));
    return Execute("SELECT count(*) FROM sqlite_schema");
  }
  Status EndSnapshot() override { return Execute("COMMIT"); }

  Result<std::optional<std::pair<int64_t, int64_t>>> IntegerKeyBounds(const std::string& table,
                                                                       const std::string& column) override {
    S2M_ASSIGN_OR_RETURN(TableInfo info, DescribeTable(table));
    std::string sql = fmt::format("SELECT min({0}), max({0}), typeof(min({0})), typeof(max({0})) FROM {1}",
                                  QuoteSqliteIdentifier(column), QuoteSqliteIdentifier(info.name));
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &raw, nullptr) != SQLITE_OK)
      return Status::Error(StatusCode::kSourceError, fmt::format("key bounds of '{}': {}", info.name, sqlite3_errmsg(db_.get())));
    SqliteStatement stmt(raw);
    if (sqlite3_step(stmt.get()) != SQLITE_ROW)
      return Status::Error(StatusCode::kSourceError, fmt::format("key bounds of '{}': {}", info.name, sqlite3_errmsg(db_.get())));
    if (sqlite3_column_type(stmt.get(), 0) == SQLITE_NULL) return std::optional<std::pair<int64_t, int64_t>>();
    // A column holding text in some rows cannot be cut into integer ranges without losing those rows.
    auto type_of = [&](int i) { return std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), i))); };
    if (type_of(2) != "integer" || type_of(3) != "integer")
      return Status::Error(StatusCode::kUnsupported, fmt::format("'{}.{}' holds non-integer keys", info.name, column));
    return std::optional<std::pair<int64_t, int64_t>>(
        std::make_pair(sqlite3_column_int64(stmt.get(), 0), sqlite3_column_int64(stmt.get(), 1)));
  }

  // The keys come back as Scan decodes them (a date column's as DateTime), so they compare in a KeyRange
  // as they did here (through julianday()).
  Result<std::vector<std::vector<Value>>> KeySplitPoints(const std::string& table, const std::vector<std::string>& columns,
                                                         size_t parts, const std::string& where) override {
    S2M_ASSIGN_OR_RETURN(TableInfo info, DescribeTable(table));
    SqliteScanCatalog catalog(*this);
    auto query = [&](const std::string& sql, const std::vector<std::string>& names) -> Result<std::vector<std::vector<Value>>> {
      std::vector<SqliteColumnType> kinds;
      for (const std::string& name : names) {
        int index = info.ColumnIndex(name);
        kinds.push_back(index < 0 ? SqliteColumnType{} : ClassifySqliteDeclaredType(info.columns[index].declared_type));
      }
      sqlite3_stmt* raw = nullptr;
      if (sqlite3_prepare_v2(db_.get(), sql.c_str(), static_cast<int>(sql.size()), &raw, nullptr) != SQLITE_OK)
        return Status::Error(StatusCode::kSourceError, fmt::format("key split points of '{}': {}", info.name, sqlite3_errmsg(db_.get())));
      SqliteStatement stmt(raw);
      std::vector<std::vector<Value>> rows;
      int rc;
      while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
        std::vector<Value> row;
        for (size_t i = 0; i < kinds.size(); ++i) row.push_back(ReadSqliteValue(stmt.get(), static_cast<int>(i), kinds[i]));
        rows.push_back(std::move(row));
      }
      if (rc != SQLITE_DONE)
        return Status::Error(StatusCode::kSourceError, fmt::format("key split points of '{}': {}", info.name, sqlite3_errmsg(db_.get())));
      return rows;
    };
    return FindKeySplitPoints(SqliteDialect(), catalog, *this, table, columns, parts, where, query);
  }

  // ANALYZE's row count (the first number of sqlite_stat1.stat) when there is one, else a count: SQLite
  // counts from its smallest b-tree, tens of millions of rows a second.
  Result<std::optional<uint64_t>> EstimateRows(const std::string& table) override {
    S2M_ASSIGN_OR_RETURN(TableInfo info, DescribeTable(table));
    std::vector<std::string> queries;  // ?1: the table's name
    if (HasStatistics()) queries.push_back("SELECT CAST(stat AS INTEGER) FROM sqlite_stat1 WHERE tbl = ?1 LIMIT 1");
    queries.push_back("SELECT count(*) FROM " + QuoteSqliteIdentifier(info.name));
    for (const auto& sql : queries) {
      sqlite3_stmt* raw = nullptr;
      if (sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &raw, nullptr) != SQLITE_OK)
        return Status::Error(StatusCode::kSourceError,
                             fmt::format("estimating the rows of '{}': {}", info.name, sqlite3_errmsg(db_.get())));
      SqliteStatement stmt(raw);
      if (sqlite3_bind_parameter_count(stmt.get()) > 0)
        sqlite3_bind_text(stmt.get(), 1, info.name.data(), static_cast<int>(info.name.size()), SQLITE_TRANSIENT);
      if (sqlite3_step(stmt.get()) == SQLITE_ROW && sqlite3_column_type(stmt.get(), 0) == SQLITE_INTEGER)
        return std::optional<uint64_t>(static_cast<uint64_t>(sqlite3_column_int64(stmt.get(), 0)));
    }
    return std::optional<uint64_t>();
  }

  Result<std::unique_ptr<Source>> OpenSnapshotReader() override {
    // In rollback-journal mode the open read transaction holds a SHARED lock, so no writer can commit
    // until the run ends: a second connection that starts reading now sees exactly the same database.
    // In WAL mode writers go on committing, and a second connection would see a later state.
    S2M_ASSIGN_OR_RETURN(std::string mode, JournalMode());
    if (mode == "wal")
      return Status::Error(StatusCode::kUnsupported,
                           "the database is in WAL mode: a second reader could see later commits");
    S2M_ASSIGN_OR_RETURN(std::unique_ptr<Source> reader, OpenSqliteSource(path_));
    auto* sqlite_reader = static_cast<SqliteSource*>(reader.get());
    S2M_RETURN_IF_ERROR(sqlite_reader->BeginSnapshot());
    sqlite_reader->is_snapshot_reader_ = true;
    return reader;
  }

  Result<std::unique_ptr<RowStream>> Scan(const ScanRequest& request) override {
    S2M_ASSIGN_OR_RETURN(TableInfo info, DescribeTable(request.table));
    std::vector<SqliteColumnType> kinds;
    for (const std::string& name : request.columns) {
      if (request.IsCarried(name)) {  // the parent's column, typed as the parent declares it
        S2M_ASSIGN_OR_RETURN(TableInfo parent, DescribeTable(request.parent_join->parent_table));
        int index = parent.ColumnIndex(request.parent_join->carried);
        kinds.push_back(index < 0 ? SqliteColumnType{} : ClassifySqliteDeclaredType(parent.columns[index].declared_type));
        continue;
      }
      // An expression has no declared type (sqlite3_column_decltype is NULL): each value's storage
      // class decides, as for a column declared without a type.
      int index = request.ExpressionFor(name) ? -1 : info.ColumnIndex(name);
      kinds.push_back(index < 0 ? SqliteColumnType{} : ClassifySqliteDeclaredType(info.columns[index].declared_type));
    }
    SqliteScanCatalog catalog(*this);
    S2M_ASSIGN_OR_RETURN(ScanSql scan, BuildScanSql(SqliteDialect(), catalog, request));
    std::string sql = scan.Select(SqliteDialect());

    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_.get(), sql.c_str(), static_cast<int>(sql.size()), &raw, nullptr) != SQLITE_OK) {
      std::string hint = request.where.empty() ? "" : fmt::format(" (check the \"where\" condition: {})", request.where);
      return Status::Error(StatusCode::kSourceError,
                           fmt::format("cannot query table '{}': {}{}", info.name, sqlite3_errmsg(db_.get()), hint));
    }
    SqliteStatement stmt(raw);
    return std::unique_ptr<RowStream>(
        std::make_unique<SqliteRowStream>(db_.get(), std::move(stmt), request.columns, std::move(kinds), info.name,
                                          &warnings_));
  }

  std::vector<ValueWarning> TakeWarnings() override { return warnings_.Take(); }
  // Statements of one connection step independently, all in its read transaction.
  size_t ScansOpenAtOnce() const override { return 64; }

 private:
  Status Execute(const std::string& sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      std::string text = message ? message : sqlite3_errmsg(db_.get());
      sqlite3_free(message);
      return Status::Error(StatusCode::kSourceError, fmt::format("{}: {}: {}", DisplayName(), sql, text));
    }
    return Status::Ok();
  }

  // Whether ANALYZE has made sqlite_stat1 (querying it otherwise fails to prepare).
  bool HasStatistics() {
    sqlite3_stmt* raw = nullptr;
    const char* sql = "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'sqlite_stat1'";
    if (sqlite3_prepare_v2(db_.get(), sql, -1, &raw, nullptr) != SQLITE_OK) return false;
    SqliteStatement stmt(raw);
    return sqlite3_step(stmt.get()) == SQLITE_ROW;
  }

  Result<std::string> JournalMode() {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_.get(), "PRAGMA journal_mode", -1, &raw, nullptr) != SQLITE_OK)
      return Status::Error(StatusCode::kSourceError, sqlite3_errmsg(db_.get()));
    SqliteStatement stmt(raw);
    if (sqlite3_step(stmt.get()) != SQLITE_ROW) return Status::Error(StatusCode::kSourceError, sqlite3_errmsg(db_.get()));
    std::string mode = reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 0));
    std::transform(mode.begin(), mode.end(), mode.begin(), [](unsigned char c) { return std::tolower(c); });
    return mode;
  }

  SqliteHandle db_;
  std::string path_;
  std::map<std::string, TableInfo> tables_;
  ValueWarnings warnings_;
  bool is_snapshot_reader_ = false;  // ends its own read transaction when destroyed
};

Result<std::string> SqliteScanCatalog::TableSql(const std::string& table) {
  S2M_ASSIGN_OR_RETURN(TableInfo info, source_.DescribeTable(table));
  return SqliteDialect().QuoteIdentifier(info.name);
}

Result<SqlColumn> SqliteScanCatalog::Column(const std::string& table, const std::string& column) {
  S2M_ASSIGN_OR_RETURN(TableInfo info, source_.DescribeTable(table));
  int index = info.ColumnIndex(column);
  if (index < 0) return Status::Error(StatusCode::kNotFound, fmt::format("no column '{}' in table '{}'", column, info.name));
  SqlColumn sql;
  sql.name = info.columns[index].name;
  sql.nullable = info.columns[index].nullable;
  // A date column's values were converted to DateTime when read, from whatever the file stores (text in
  // several spellings, Julian day numbers): keys, bounds and the order compare through julianday(), so a
  // key finds its rows however they are stored, and '2024-01-03' sorts with '2024-01-03 00:00:00'.
  if (ClassifySqliteDeclaredType(info.columns[index].declared_type).kind == SqliteColumnKind::kDate)
    sql.compare_function = "julianday";
  return sql;
}

}  // namespace

Result<std::unique_ptr<Source>> OpenSqliteSource(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return Status::Error(StatusCode::kNotFound,
                         fmt::format("source sqlite:{}: no such file (check the path; a relative path in a mapping "
                                     "file is read from the mapping file's folder)", path));
  sqlite3* raw = nullptr;
  // NOMUTEX: each connection is used by one thread at a time (the Source contract), so SQLite's own
  // per-call mutex is pure cost (~5 % of a run's instructions under callgrind).
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  SqliteHandle db(raw);
  if (rc != SQLITE_OK)
    return Status::Error(StatusCode::kSourceError,
                         fmt::format("source sqlite:{}: cannot open: {}", path, raw ? sqlite3_errmsg(raw) : "out of memory"));
  // Opening is lazy: the first read tells whether the file really is a database.
  char* message = nullptr;
  if (sqlite3_exec(db.get(), "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : sqlite3_errmsg(db.get());
    sqlite3_free(message);
    return Status::Error(StatusCode::kSourceError, fmt::format("source sqlite:{}: {}", path, text));
  }
  return std::unique_ptr<Source>(std::make_unique<SqliteSource>(std::move(db), path));
}

}  // namespace sql2mongo
