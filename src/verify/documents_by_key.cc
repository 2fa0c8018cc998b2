#include "verify/documents_by_key.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "pipeline/embed_resolver.h"
#include "sql2mongo/document_builder.h"

namespace sql2mongo {
namespace {

// A stored _id value as the source value it was built from. The builder writes _id columns unconverted
// (AppendValue), so each BSON type has one Value type it came from; nullopt for types no column gives.
std::optional<Value> SourceValue(const bson_iter_t* element) {
  switch (bson_iter_type(element)) {
    case BSON_TYPE_INT32: return Value(bson_iter_int32(element));
    case BSON_TYPE_INT64: return Value(bson_iter_int64(element));
    case BSON_TYPE_DOUBLE: return Value(bson_iter_double(element));
    case BSON_TYPE_BOOL: return Value(bson_iter_bool(element));
    case BSON_TYPE_DATE_TIME: return Value(DateTime{bson_iter_date_time(element)});
    case BSON_TYPE_UTF8: {
      uint32_t length = 0;
      const char* text = bson_iter_utf8(element, &length);
      return Value(std::string(text, length));
    }
    case BSON_TYPE_BINARY: {
      bson_subtype_t subtype;
      uint32_t length = 0;
      const uint8_t* data = nullptr;
      bson_iter_binary(element, &subtype, &length, &data);
      return Value(Binary{std::vector<uint8_t>(data, data + length), static_cast<uint8_t>(subtype)});
    }
    case BSON_TYPE_DECIMAL128: {
      bson_decimal128_t decimal;
      bson_iter_decimal128(element, &decimal);
      char text[BSON_DECIMAL128_STRING];
      bson_decimal128_to_string(&decimal, text);
      return Value(Decimal{text});
    }
    default: return std::nullopt;
  }
}

}  // namespace

std::optional<std::vector<Value>> SourceKeyOf(const CollectionPlan& plan, const bson_t* id_document) {
  bson_iter_t id;
  if (!bson_iter_init_find(&id, id_document, "_id")) return std::nullopt;
  std::vector<Value> key;
  if (plan.id.kind == IdPlan::Kind::kColumn) {
    std::optional<Value> value = SourceValue(&id);
    if (!value) return std::nullopt;
    key.push_back(std::move(*value));
    return key;
  }
  if (!BSON_ITER_HOLDS_DOCUMENT(&id)) return std::nullopt;
  for (const auto& [name, column] : plan.id.parts) {
    bson_iter_t part;
    if (!bson_iter_recurse(&id, &part) || !bson_iter_find(&part, name.c_str())) return std::nullopt;
    std::optional<Value> value = SourceValue(&part);
    if (!value) return std::nullopt;
    key.push_back(std::move(*value));
  }
  return key;
}

namespace {

Status BuildChunk(const CollectionPlan& plan, Source& source, EmbedResolver& resolver, KeyFilter filter,
                  const std::function<void(const bson_t*)>& visit, uint64_t* rejected) {
  ScanRequest request = plan.table.ScanOfReadColumns();
  request.key_filter = std::move(filter);
  S2M_ASSIGN_OR_RETURN(std::unique_ptr<RowStream> stream, source.Scan(request));
  RowBatch rows;
  while (true) {
    S2M_ASSIGN_OR_RETURN(bool more, stream->Next(&rows, kMaxKeysPerQuery));
    if (!more) return Status::Ok();
    std::vector<ResolvedEmbed> embeds;
    uint64_t embedded_rows = 0;
    S2M_RETURN_IF_ERROR(resolver.Resolve(plan.table, rows, &embeds, &embedded_rows));
    *rejected += resolver.TakeUnmatched().size();
    BuildCounters counters;
    for (size_t row = 0; row < rows.rows(); ++row) {
      Result<BsonPtr> document = BuildDocument(plan, rows, row, embeds, &counters);
      if (document.ok()) {
        visit(document->get());
      } else {
        ++*rejected;
        spdlog::warn("collection {}: a sampled row cannot become a document: {}", plan.name,
                     document.status().message());
      }
    }
  }
}

}  // namespace

std::optional<std::string> WhyNotByKey(const CollectionPlan& plan) {
  if (plan.id.kind == IdPlan::Kind::kGenerated)
    return fmt::format("table '{}' has no primary key and the mapping gives no _id, so each run generates new "
                       "ObjectIds and no stored document can be traced to its row",
                       plan.table.table);
  return std::nullopt;
}

Status BuildDocumentsWithIds(const CollectionPlan& plan, Source& source, const std::vector<const bson_t*>& ids,
                             const std::function<void(const bson_t*)>& visit, uint64_t* rejected) {
  if (auto why = WhyNotByKey(plan)) return Status::Error(StatusCode::kUnsupported, *why);
  KeyFilter all;
  for (const auto& part : plan.id.parts) all.columns.push_back(plan.table.read_columns[part.second]);
  for (const bson_t* id : ids) {
    if (auto key = SourceKeyOf(plan, id)) all.keys.push_back(std::move(*key));
  }
  S2M_RETURN_IF_ERROR(source.BeginSnapshot());
  EmbedResolver resolver(source);
  Status status;
  for (size_t start = 0; start < all.keys.size() && status.ok(); start += kMaxKeysPerQuery) {
    KeyFilter chunk;
    chunk.columns = all.columns;
    size_t end = std::min(all.keys.size(), start + kMaxKeysPerQuery);
    chunk.keys.assign(all.keys.begin() + start, all.keys.begin() + end);
    status = BuildChunk(plan, source, resolver, std::move(chunk), visit, rejected);
  }
  Status ended = source.EndSnapshot();
  if (!status.ok()) return status.WithContext(fmt::format("collection '{}'", plan.name));
  return ended;
}

Result<uint64_t> CountRootRows(const CollectionPlan& plan, Source& source) {
  ScanRequest request = plan.table.ScanOfRows();
  // The _id columns are enough to count rows; a table without a key is counted by its first column read.
  for (const auto& part : plan.id.parts) request.columns.push_back(plan.table.read_columns[part.second]);
  if (request.columns.empty()) {
    request.columns.push_back(plan.table.read_columns.at(0));
    request.expressions = plan.table.expressions;
  }
  S2M_ASSIGN_OR_RETURN(std::unique_ptr<RowStream> stream, source.Scan(request));
  RowBatch rows;
  uint64_t count = 0;
  while (true) {
    S2M_ASSIGN_OR_RETURN(bool more, stream->Next(&rows, 10000));
    if (!more) return count;
    count += rows.rows();
  }
}

}  // namespace sql2mongo
