#include "mapping/size_estimate.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <unordered_map>
#include <unordered_set>

#include "sql2mongo/document_builder.h"

namespace sql2mongo {
namespace {

// A field's type byte, its key and the key's NUL.
uint64_t FieldOverhead(const std::string& key) { return key.size() + 2; }
// The type bytes and keys ("0", "1", ... with their NULs) of an array's first `n` elements.
double ElementsOverhead(double n) {
  double bytes = 0;
  double digits = 1;
  for (double start = 0, end = 10; start < n; start = end, end *= 10, ++digits)
    bytes += (std::min(n, end) - start) * (digits + 2);
  return bytes;
}
// A document's (or array's) length prefix and terminator.
constexpr uint64_t kDocumentOverhead = 5;

// Where each embed of a table's shape sits: its key, and its dotted path from the table's row.
struct EmbedPlace {
  std::string key;
  std::string path;
};
void FindEmbeds(const std::vector<ShapeNode>& shape, const std::string& prefix, std::vector<EmbedPlace>* places) {
  for (const ShapeNode& node : shape) {
    std::string path = prefix.empty() ? node.key : prefix + "." + node.key;
    if (node.kind == ShapeNode::Kind::kObject) FindEmbeds(node.children, path, places);
    if (node.kind == ShapeNode::Kind::kEmbed && node.embed >= 0 && node.embed < static_cast<int>(places->size()))
      (*places)[node.embed] = EmbedPlace{node.key, path};
  }
}

// The bytes of a row's own fields under `shape`: what embeds add is counted apart.
uint64_t ShapeBytes(const std::vector<ShapeNode>& shape, const RowBatch& rows, size_t row) {
  uint64_t bytes = kDocumentOverhead;
  for (const ShapeNode& node : shape) {
    switch (node.kind) {
      case ShapeNode::Kind::kField: {
        if (node.column < 0) break;
        const Value& value = rows.at(row, node.column);
        if (IsNull(value) && node.nulls == NullPolicy::kOmit) break;
        Result<Value> converted = node.type == TargetType::kAuto ? Result<Value>(value) : ConvertValue(value, node.type);
        bytes += FieldOverhead(node.key) + BsonValueBytes(converted.ok() ? converted.value() : value);
        break;
      }
      case ShapeNode::Kind::kObject:
        bytes += FieldOverhead(node.key) + ShapeBytes(node.children, rows, row);
        break;
      case ShapeNode::Kind::kEmbed:
        break;
    }
  }
  return bytes;
}

uint64_t RowBytes(const TablePlan& plan, const RowBatch& rows, size_t row) {
  if (plan.value_column >= 0) return BsonValueBytes(rows.at(row, plan.value_column));
  return ShapeBytes(plan.shape, rows, row);
}

uint64_t IdBytes(const IdPlan& id, const RowBatch& rows, size_t row) {
  switch (id.kind) {
    case IdPlan::Kind::kColumn: return FieldOverhead("_id") + BsonValueBytes(rows.at(row, id.parts[0].second));
    case IdPlan::Kind::kComposite: {
      uint64_t bytes = FieldOverhead("_id") + kDocumentOverhead;
      for (const auto& [key, column] : id.parts) bytes += FieldOverhead(key) + BsonValueBytes(rows.at(row, column));
      return bytes;
    }
    case IdPlan::Kind::kGenerated: return FieldOverhead("_id") + 12;  // an ObjectId
  }
  return 0;
}

struct EmbedSample;

// The rows read from one table of the plan, and what was learnt from them.
struct TableSample {
  RowBatch rows;  // the first sample_rows rows read: the parents of the next level
  uint64_t rows_read = 0;
  double self_bytes = 0;  // the average of RowBytes over every row read
  std::vector<EmbedSample> embeds;  // per TablePlan::embeds
};

struct EmbedSample {
  std::unordered_map<std::string, uint64_t> children;  // per join key of the sampled parents
  uint64_t parents = 0;                                // sampled parent rows (NULL keys included)
  bool capped = false;
  std::unique_ptr<TableSample> table;
  double item_bytes = 0;  // one element (or the object) with what is embedded in it, on average
};

class Estimator {
 public:
  Estimator(const CollectionPlan& collection, Source& source, const EstimateOptions& options)
      : collection_(collection), source_(source), options_(options) {}

  Result<CollectionEstimate> Run() {
    S2M_ASSIGN_OR_RETURN(estimate_.documents, CountDocuments());
    ScanRequest request = collection_.table.ScanOfReadColumns();
    TableSample root;
    S2M_RETURN_IF_ERROR(Read(collection_.table, request, options_.sample_rows, &root));
    S2M_RETURN_IF_ERROR(SampleEmbeds(collection_.table, &root));
    estimate_.sampled = root.rows.rows();

    std::vector<EmbedPlace> places(collection_.table.embeds.size());
    FindEmbeds(collection_.table.shape, "", &places);
    std::vector<uint64_t> sizes;
    double own_bytes = 0;  // the root rows' own fields and _id, on average: the base of every document
    for (size_t row = 0; row < root.rows.rows(); ++row) {
      uint64_t own = RowBytes(collection_.table, root.rows, row) + IdBytes(collection_.id, root.rows, row);
      own_bytes += static_cast<double>(own);
      double bytes = static_cast<double>(own);
      for (size_t e = 0; e < collection_.table.embeds.size(); ++e)
        bytes += EmbedBytes(collection_.table.embeds[e], root.embeds[e], places[e].key,
                            ChildrenOf(collection_.table.embeds[e], root.embeds[e], root.rows, row));
      sizes.push_back(static_cast<uint64_t>(std::llround(bytes)));
    }
    if (!sizes.empty()) {
      own_bytes /= static_cast<double>(sizes.size());
      std::sort(sizes.begin(), sizes.end());
      uint64_t total = 0;
      for (uint64_t s : sizes) total += s;
      estimate_.average_bytes = total / sizes.size();
      size_t rank = static_cast<size_t>(std::ceil(0.99 * static_cast<double>(sizes.size())));
      estimate_.p99_bytes = sizes[std::clamp<size_t>(rank, 1, sizes.size()) - 1];
      estimate_.max_bytes = sizes.back();
    }
    S2M_RETURN_IF_ERROR(FindOversized(collection_.table, root, "", own_bytes, /*depth=*/1));
    return std::move(estimate_);
  }

 private:
  Result<std::optional<uint64_t>> CountDocuments() {
    Result<std::vector<RowCount>> counted = source_.CountRows(RowCountRequest{collection_.table.table, {}, collection_.table.where});
    if (!counted.ok() && counted.status().code() == StatusCode::kUnsupported) {
      estimate_.notes.push_back("documents: " + counted.status().message());
      return std::optional<uint64_t>();
    }
    if (!counted.ok()) return counted.status();
    return std::optional<uint64_t>(counted->empty() ? 0 : counted->front().rows);
  }

  // Streams up to `max_rows` rows of `request`, keeping the first sample_rows of them.
  Status Read(const TablePlan& plan, const ScanRequest& request, uint64_t max_rows, TableSample* sample,
              const std::vector<int>* key_columns = nullptr, EmbedSample* counts = nullptr) {
    S2M_ASSIGN_OR_RETURN(std::unique_ptr<RowStream> stream, source_.Scan(request));
    sample->rows = RowBatch(request.columns);
    RowBatch batch;
    double total = 0;
    std::string key;
    // Children are read until either cap; the root sample (no counts) only until its row count.
    auto full = [&] {
      return sample->rows_read >= max_rows || (counts && total >= static_cast<double>(options_.max_child_bytes));
    };
    while (!full()) {
      size_t want = static_cast<size_t>(std::min<uint64_t>(1000, max_rows - sample->rows_read));
      S2M_ASSIGN_OR_RETURN(bool more, stream->Next(&batch, want));
      if (!more) break;
      for (size_t row = 0; row < batch.rows(); ++row) {
        total += static_cast<double>(RowBytes(plan, batch, row));
        if (counts && JoinKeyOf(batch, row, *key_columns, &key)) ++counts->children[key];
      }
      sample->rows_read += batch.rows();
      if (sample->rows.rows() < options_.sample_rows) {
        size_t keep = std::min(batch.rows(), options_.sample_rows - sample->rows.rows());
        for (size_t row = 0; row < keep; ++row)
          for (size_t column = 0; column < batch.width(); ++column) sample->rows.Append(batch.at(row, column));
      }
    }
    if (counts && full()) {
      RowBatch one;
      S2M_ASSIGN_OR_RETURN(bool more, stream->Next(&one, 1));
      counts->capped = more;
      estimate_.partial = estimate_.partial || more;
    }
    sample->self_bytes = sample->rows_read == 0 ? 0 : total / static_cast<double>(sample->rows_read);
    return Status::Ok();
  }

  // For each embed of `plan`: the rows of the sampled parents, counted per parent, and the next level.
  Status SampleEmbeds(const TablePlan& plan, TableSample* sample) {
    sample->embeds.resize(plan.embeds.size());
    for (size_t e = 0; e < plan.embeds.size(); ++e) {
      const EmbedPlan& embed = plan.embeds[e];
      EmbedSample& counts = sample->embeds[e];
      counts.table = std::make_unique<TableSample>();
      counts.parents = sample->rows.rows();
      KeyFilter filter{embed.foreign_names, {}};
      std::unordered_set<std::string> seen;
      std::string key;
      for (size_t row = 0; row < sample->rows.rows(); ++row) {
        if (!JoinKeyOf(sample->rows, row, embed.local_columns, &key) || !seen.insert(key).second) continue;
        std::vector<Value> values;
        for (int column : embed.local_columns) values.push_back(sample->rows.at(row, column));
        filter.keys.push_back(std::move(values));
      }
      ScanRequest request = embed.table.ScanOfReadColumns();
      if (!filter.keys.empty()) {
        request.key_filter = std::move(filter);
        S2M_RETURN_IF_ERROR(Read(embed.table, request, options_.max_child_rows, counts.table.get(),
                                 &embed.foreign_columns, &counts));
      }
      if (counts.table->rows_read == 0) {
        // No sampled parent has any: the widths come from the table's first rows instead.
        request.key_filter.reset();
        S2M_RETURN_IF_ERROR(Read(embed.table, request, options_.sample_rows, counts.table.get()));
      }
      S2M_RETURN_IF_ERROR(SampleEmbeds(embed.table, counts.table.get()));
      counts.item_bytes = ItemBytes(embed.table, *counts.table);
    }
    return Status::Ok();
  }

  // One row of `plan` with everything embedded in it, on average.
  double ItemBytes(const TablePlan& plan, const TableSample& sample) const {
    std::vector<EmbedPlace> places(plan.embeds.size());
    FindEmbeds(plan.shape, "", &places);
    double bytes = sample.self_bytes;
    for (size_t e = 0; e < plan.embeds.size(); ++e) {
      const EmbedSample& nested = sample.embeds[e];
      uint64_t children = 0;
      for (const auto& [key, count] : nested.children) children += count;
      double per_parent = nested.parents == 0 ? 0 : static_cast<double>(children) / static_cast<double>(nested.parents);
      bytes += EmbedBytes(plan.embeds[e], nested, places[e].key, per_parent);
    }
    return bytes;
  }

  // What an embed adds to its parent's row when it holds `children` rows.
  static double EmbedBytes(const EmbedPlan& embed, const EmbedSample& sample, const std::string& key, double children) {
    if (embed.kind == EmbedKind::kObject)
      return static_cast<double>(FieldOverhead(key)) + (children > 0 ? sample.item_bytes : 0);
    return static_cast<double>(FieldOverhead(key) + kDocumentOverhead) + children * sample.item_bytes +
           ElementsOverhead(children);
  }

  static double ChildrenOf(const EmbedPlan& embed, const EmbedSample& sample, const RowBatch& rows, size_t row) {
    std::string key;
    if (!JoinKeyOf(rows, row, embed.local_columns, &key)) return 0;
    auto found = sample.children.find(key);
    return found == sample.children.end() ? 0 : static_cast<double>(found->second);
  }

  // Parents with so many rows in one embedded array that the document passes the limit: one GROUP BY
  // count on the child's join columns per array, at every depth. `base`: the root row's own bytes.
  Status FindOversized(const TablePlan& plan, const TableSample& sample, const std::string& prefix, double base,
                       int depth) {
    std::vector<EmbedPlace> places(plan.embeds.size());
    FindEmbeds(plan.shape, "", &places);
    for (size_t e = 0; e < plan.embeds.size(); ++e) {
      const EmbedPlan& embed = plan.embeds[e];
      const EmbedSample& counts = sample.embeds[e];
      std::string array = prefix.empty() ? places[e].path : prefix + "." + places[e].path;
      S2M_RETURN_IF_ERROR(FindOversized(embed.table, *counts.table, array, base, depth + 1));
      if (embed.kind != EmbedKind::kArray || counts.item_bytes <= 0) continue;
      // Up to 1 M elements, whose keys take at most 8 bytes each: a bound on rows a document can hold.
      double per_row = counts.item_bytes + 8;
      double room = static_cast<double>(options_.max_document_bytes) - base -
                    static_cast<double>(FieldOverhead(places[e].key) + kDocumentOverhead);
      uint64_t most = room <= 0 ? 0 : static_cast<uint64_t>(room / per_row);
      // The exact count that fits: the largest n whose estimate stays within the limit.
      while (base + EmbedBytes(embed, counts, places[e].key, static_cast<double>(most + 1)) <=
             static_cast<double>(options_.max_document_bytes))
        ++most;
      RowCountRequest request{embed.table.table, embed.foreign_names, embed.table.where, most, options_.max_oversized + 1};
      Result<std::vector<RowCount>> groups = source_.CountRows(request);
      if (!groups.ok() && groups.status().code() == StatusCode::kUnsupported) {
        estimate_.notes.push_back(fmt::format("{}: parents over the size limit not looked for: {}", array,
                                              groups.status().message()));
        continue;
      }
      if (!groups.ok()) return groups.status();
      size_t listed = 0;
      for (const RowCount& group : *groups) {
        if (std::any_of(group.key.begin(), group.key.end(), [](const auto& part) { return !part.has_value(); }))
          continue;  // rows with a NULL key belong to no parent
        if (listed == options_.max_oversized) {
          estimate_.more_oversized = true;
          break;
        }
        ++listed;
        OversizedDocument found;
        found.embed_path = embed.path;
        found.array = array;
        found.parent_table = plan.table;
        for (size_t i = 0; i < group.key.size() && i < embed.local_columns.size(); ++i)
          found.parent_key.emplace_back(plan.read_columns[embed.local_columns[i]], *group.key[i]);
        found.child_table = embed.table.table;
        found.rows = group.rows;
        found.item_bytes = static_cast<uint64_t>(std::llround(counts.item_bytes));
        found.estimated_bytes = static_cast<uint64_t>(
            std::llround(base + EmbedBytes(embed, counts, places[e].key, static_cast<double>(group.rows))));
        found.parent_is_root = depth == 1;
        estimate_.oversized.push_back(std::move(found));
      }
    }
    return Status::Ok();
  }

  const CollectionPlan& collection_;
  Source& source_;
  const EstimateOptions& options_;
  CollectionEstimate estimate_;
};

}  // namespace

Result<CollectionEstimate> EstimateCollection(const CollectionPlan& collection, Source& source,
                                              const EstimateOptions& options) {
  return Estimator(collection, source, options).Run();
}

}  // namespace sql2mongo
