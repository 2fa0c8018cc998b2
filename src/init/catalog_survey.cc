#include "init/catalog_survey.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <unordered_map>

namespace sql2mongo {
namespace {

bool SameName(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Per foreign key while its child table streams: rows per distinct key.
struct KeyCounter {
  std::vector<int> columns;  // positions in the scanned row
  std::unordered_map<std::string, uint32_t> per_key;
  uint64_t null_keys = 0;
};

// The q-quantile (nearest rank) of `zeros` zero counts followed by `sorted` (ascending).
uint64_t Quantile(uint64_t zeros, const std::vector<uint32_t>& sorted, double q) {
  uint64_t n = zeros + sorted.size();
  if (n == 0) return 0;
  uint64_t rank = static_cast<uint64_t>(q * static_cast<double>(n) + 0.999999999);  // ceil, 1-based
  rank = std::clamp<uint64_t>(rank, 1, n);
  return rank <= zeros ? 0 : sorted[rank - zeros - 1];
}

// Streams the table once: row count and sizes, and the per-key counts of each of its foreign keys. The
// counts per key are returned sorted, for the quantiles once the parents' row counts are known.
Status SurveyTable(Source& source, const SurveyOptions& options, TableSurvey* table,
                   std::vector<std::vector<uint32_t>>* sorted_counts) {
  const TableInfo& info = table->info;
  ScanRequest request;
  request.table = info.name;
  for (const auto& column : info.columns) request.columns.push_back(column.name);
  std::vector<KeyCounter> counters(info.foreign_keys.size());
  for (size_t f = 0; f < info.foreign_keys.size(); ++f)
    for (const auto& column : info.foreign_keys[f].columns) {
      int index = info.ColumnIndex(column);
      if (index < 0)
        return Status::Error(StatusCode::kSourceError,
                             fmt::format("foreign key column '{}' is not a column of the table", column));
      counters[f].columns.push_back(index);
    }
  uint64_t key_bytes = 0;  // the keys of a row's fields: name, type byte, terminating NUL
  for (const auto& column : info.columns) key_bytes += column.name.size() + 2;

  S2M_ASSIGN_OR_RETURN(std::unique_ptr<RowStream> stream, source.Scan(request));
  RowBatch batch;
  uint64_t total_bytes = 0;
  while (table->rows < options.max_rows_per_table) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(options.batch_rows, options.max_rows_per_table - table->rows));
    S2M_ASSIGN_OR_RETURN(bool more, stream->Next(&batch, want));
    if (!more) break;
    for (size_t row = 0; row < batch.rows(); ++row) {
      uint64_t bytes = 5 + key_bytes;  // a document's length prefix and terminator
      for (size_t c = 0; c < batch.width(); ++c) bytes += BsonValueBytes(batch.at(row, c));
      total_bytes += bytes;
      table->max_row_bytes = std::max(table->max_row_bytes, bytes);
      for (KeyCounter& counter : counters) {
        std::string key;
        bool has_null = false;
        for (int c : counter.columns) {
          if (IsNull(batch.at(row, c))) has_null = true;
          AppendJoinKey(batch.at(row, c), &key);
        }
        if (has_null)
          ++counter.null_keys;
        else
          ++counter.per_key[key];
      }
    }
    table->rows += batch.rows();
  }
  if (table->rows >= options.max_rows_per_table) {
    // One more row tells a table of exactly the cap from a larger one.
    S2M_ASSIGN_OR_RETURN(bool more, stream->Next(&batch, 1));
    table->rows_capped = more;
  }
  table->average_row_bytes = table->rows == 0 ? 0 : static_cast<double>(total_bytes) / static_cast<double>(table->rows);
  table->fan_outs.resize(counters.size());
  sorted_counts->resize(counters.size());
  for (size_t f = 0; f < counters.size(); ++f) {
    FanOut& fan_out = table->fan_outs[f];
    fan_out.child_rows = table->rows;
    fan_out.null_keys = counters[f].null_keys;
    fan_out.parents_used = counters[f].per_key.size();
    fan_out.capped = table->rows_capped;
    std::vector<uint32_t>& counts = (*sorted_counts)[f];
    counts.reserve(counters[f].per_key.size());
    for (const auto& [key, count] : counters[f].per_key) counts.push_back(count);
    std::sort(counts.begin(), counts.end());
    counters[f].per_key.clear();  // free the map before the next table
  }
  return Status::Ok();
}

}  // namespace

const TableSurvey* CatalogSurvey::Find(const std::string& name) const {
  for (const auto& table : tables)
    if (table.info.name == name) return &table;
  for (const auto& table : tables)
    if (SameName(table.info.name, name)) return &table;
  return nullptr;
}

Result<CatalogSurvey> SurveyCatalog(Source& source, const SurveyOptions& options) {
  CatalogSurvey survey;
  survey.max_rows_per_table = options.max_rows_per_table;
  S2M_ASSIGN_OR_RETURN(std::vector<std::string> names, source.ListTables());
  std::vector<std::string> selected;
  if (options.tables.empty()) {
    selected = names;
  } else {
    for (const auto& wanted : options.tables) {
      auto match = std::find(names.begin(), names.end(), wanted);
      if (match == names.end())
        match = std::find_if(names.begin(), names.end(), [&](const std::string& n) { return SameName(n, wanted); });
      if (match == names.end())
        return Status::Error(StatusCode::kNotFound,
                             fmt::format("--tables: source {} has no table '{}'", source.DisplayName(), wanted));
      if (std::find(selected.begin(), selected.end(), *match) == selected.end()) selected.push_back(*match);
    }
    for (const auto& name : names)
      if (std::find(selected.begin(), selected.end(), name) == selected.end()) survey.not_selected.push_back(name);
  }

  std::vector<std::vector<std::vector<uint32_t>>> counts_per_table;  // [table][foreign key] sorted counts
  for (const auto& name : selected) {
    Result<TableInfo> info = source.DescribeTable(name);
    if (!info.ok()) {
      survey.unreadable.push_back({name, "cannot describe it: " + info.status().message()});
      continue;
    }
    if (info->is_view) {
      survey.views.push_back(name);
      continue;
    }
    TableSurvey table;
    table.info = std::move(info).value();
    std::vector<std::vector<uint32_t>> counts;
    Status read = SurveyTable(source, options, &table, &counts);
    if (!read.ok()) {
      survey.unreadable.push_back({name, "cannot read it: " + read.message()});
      continue;
    }
    survey.tables.push_back(std::move(table));
    counts_per_table.push_back(std::move(counts));
  }

  // Quantiles over every parent row: a parent no child points at counts as 0 children.
  for (size_t t = 0; t < survey.tables.size(); ++t) {
    TableSurvey& table = survey.tables[t];
    for (size_t f = 0; f < table.fan_outs.size(); ++f) {
      const std::vector<uint32_t>& counts = counts_per_table[t][f];
      const TableSurvey* parent = survey.Find(table.info.foreign_keys[f].referenced_table);
      uint64_t zeros = parent && parent->rows > counts.size() ? parent->rows - counts.size() : 0;
      FanOut& fan_out = table.fan_outs[f];
      fan_out.max = counts.empty() ? 0 : counts.back();
      fan_out.p50 = Quantile(zeros, counts, 0.50);
      fan_out.p99 = Quantile(zeros, counts, 0.99);
    }
  }
  return survey;
}

}  // namespace sql2mongo
