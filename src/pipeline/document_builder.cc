#include "sql2mongo/document_builder.h"

#include <fmt/format.h>

#include "common/handles.h"
#include "common/plain_decimal.h"

namespace sql2mongo {
namespace {

struct BuildContext {
  BuildCounters* counters;
};

Status AppendShape(const TablePlan& plan, const std::vector<ShapeNode>& shape, const RowBatch& rows, size_t row,
                   const std::vector<ResolvedEmbed>& embeds, bson_t* doc, BuildContext* context);

Status AppendField(const TablePlan& plan, const ShapeNode& node, const RowBatch& rows, size_t row, bson_t* doc,
                   const char* key, size_t key_length) {
  const Value& raw = rows.at(row, node.column);
  if (IsNull(raw) && node.nulls == NullPolicy::kOmit) return Status::Ok();
  // The hot path: no conversion asked, no copy of the value, and no message built unless it fails.
  Status status;
  if (node.type == TargetType::kAuto) {
    status = AppendValue(doc, key, key_length, raw);
  } else {
    Result<Value> converted = ConvertValue(raw, node.type);
    status = converted.ok() ? AppendValue(doc, key, key_length, converted.value()) : converted.status();
  }
  if (status.ok()) return status;
  if (const std::string* expression = plan.ExpressionAt(node.column))
    return status.WithContext(fmt::format("expression ({}) on table {}", *expression, plan.table));
  return status.WithContext(fmt::format("column {}.{}", plan.table, plan.read_columns[node.column]));
}

// One element of an array embed, or the single row of an object embed.
Status AppendEmbeddedRow(const EmbedPlan& embed, const ResolvedEmbed& resolved, const RowBatch& rows,
                         uint32_t child_row, bson_t* parent, const char* key, size_t key_length, BuildContext* context) {
  const TablePlan& table = embed.table;
  if (table.value_column >= 0) {
    ShapeNode value_node;
    value_node.column = table.value_column;
    value_node.type = table.value_type;
    return AppendField(table, value_node, rows, child_row, parent, key, key_length);
  }
  bson_t child;
  bson_append_document_begin(parent, key, static_cast<int>(key_length), &child);
  Status status = AppendShape(table, table.shape, rows, child_row, resolved.nested, &child, context);
  bson_append_document_end(parent, &child);
  return status;
}

Status AppendEmbed(const TablePlan& plan, const ShapeNode& node, const RowBatch& rows, size_t row,
                   const std::vector<ResolvedEmbed>& embeds, bson_t* doc, const char* key, size_t key_length,
                   BuildContext* context) {
  const EmbedPlan& embed = plan.embeds[node.embed];
  const ResolvedEmbed& resolved = embeds[node.embed];
  std::string join_key;
  const RowSpan* matches = nullptr;
  if (JoinKeyOf(rows, row, embed.local_columns, &join_key)) {
    auto it = resolved.rows_by_key.find(join_key);
    if (it != resolved.rows_by_key.end() && it->second.count > 0) matches = &it->second;
  }
  if (embed.kind == EmbedKind::kArray) {
    bson_t array;
    bson_append_array_begin(doc, key, static_cast<int>(key_length), &array);
    Status status;
    if (matches) {
      char index_buffer[16];
      for (uint32_t i = 0; i < matches->count && status.ok(); ++i) {
        const char* index_key;
        size_t index_length = bson_uint32_to_string(i, &index_key, index_buffer, sizeof index_buffer);
        status = AppendEmbeddedRow(embed, resolved, matches->in ? *matches->in : resolved.rows, matches->first + i,
                                   &array, index_key, index_length, context);
      }
    }
    bson_append_array_end(doc, &array);
    return status;
  }
  if (!matches) {
    // A NULL foreign key is "no parent"; a key that matches no row is a dangling reference, counted.
    if (!join_key.empty()) ++context->counters->missing_parents;
    if (embed.nulls == NullPolicy::kOmit) return Status::Ok();
    bson_append_null(doc, key, static_cast<int>(key_length));
    return Status::Ok();
  }
  return AppendEmbeddedRow(embed, resolved, matches->in ? *matches->in : resolved.rows, matches->first, doc, key,
                           key_length, context);
}

Status AppendShape(const TablePlan& plan, const std::vector<ShapeNode>& shape, const RowBatch& rows, size_t row,
                   const std::vector<ResolvedEmbed>& embeds, bson_t* doc, BuildContext* context) {
  for (const ShapeNode& node : shape) {
    const char* key = node.key.c_str();
    size_t key_length = node.key.size();
    switch (node.kind) {
      case ShapeNode::Kind::kField:
        S2M_RETURN_IF_ERROR(AppendField(plan, node, rows, row, doc, key, key_length));
        break;
      case ShapeNode::Kind::kObject: {
        bson_t child;
        bson_append_document_begin(doc, key, static_cast<int>(key_length), &child);
        Status status = AppendShape(plan, node.children, rows, row, embeds, &child, context);
        bson_append_document_end(doc, &child);
        S2M_RETURN_IF_ERROR(status);
        break;
      }
      case ShapeNode::Kind::kEmbed:
        S2M_RETURN_IF_ERROR(AppendEmbed(plan, node, rows, row, embeds, doc, key, key_length, context));
        break;
    }
  }
  return Status::Ok();
}

}  // namespace

bool JoinKeyOf(const RowBatch& batch, size_t row, const std::vector<int>& columns, std::string* key) {
  key->clear();
  for (int column : columns) {
    const Value& v = batch.at(row, column);
    if (IsNull(v)) {
      key->clear();
      return false;
    }
    AppendJoinKey(v, key);
  }
  return true;
}

Status AppendValue(bson_t* doc, const char* key, size_t key_length, const Value& value) {
  int len = static_cast<int>(key_length);
  struct Visitor {
    bson_t* doc;
    const char* key;
    int len;
    Status operator()(const Null&) const { return Ok(bson_append_null(doc, key, len)); }
    Status operator()(bool v) const { return Ok(bson_append_bool(doc, key, len, v)); }
    Status operator()(int32_t v) const { return Ok(bson_append_int32(doc, key, len, v)); }
    Status operator()(int64_t v) const { return Ok(bson_append_int64(doc, key, len, v)); }
    Status operator()(double v) const { return Ok(bson_append_double(doc, key, len, v)); }
    Status operator()(const Decimal& v) const {
      bson_decimal128_t d;
      if (!PlainDecimalToDecimal128(v.digits, &d) &&
          !bson_decimal128_from_string_w_len(v.digits.data(), static_cast<int>(v.digits.size()), &d))
        return Status::Error(StatusCode::kDataError,
                             fmt::format("decimal {} does not fit Decimal128 (34 significant digits); map the field "
                                         "with \"type\": \"string\" to keep it exactly", v.digits));
      return Ok(bson_append_decimal128(doc, key, len, &d));
    }
    Status operator()(const std::string& v) const {
      if (!bson_utf8_validate(v.data(), v.size(), /*allow_null=*/true))
        return Status::Error(StatusCode::kDataError,
                             fmt::format("text {} is not valid UTF-8; map the field with \"type\": \"binary\" to keep "
                                         "the bytes", ValueToDisplay(v)));
      return Ok(bson_append_utf8(doc, key, len, v.data(), static_cast<int>(v.size())));
    }
    Status operator()(const Binary& v) const {
      return Ok(bson_append_binary(doc, key, len, static_cast<bson_subtype_t>(v.subtype), v.bytes.data(),
                                   static_cast<uint32_t>(v.bytes.size())));
    }
    Status operator()(const DateTime& v) const { return Ok(bson_append_date_time(doc, key, len, v.millis)); }
    Status operator()(const RawBson& v) const {
      bson_t inner;
      if (!bson_init_static(&inner, v.bytes.data(), v.bytes.size()))
        return Status::Error(StatusCode::kDataError, "embedded document is not valid BSON");
      return Ok(v.is_array ? bson_append_array(doc, key, len, &inner) : bson_append_document(doc, key, len, &inner));
    }
    static Status Ok(bool appended) {
      // libbson refuses only when the document would pass its 2 GiB size limit.
      return appended ? Status::Ok() : Status::Error(StatusCode::kDataError, "document too large to build");
    }
  };
  return std::visit(Visitor{doc, key, len}, value);
}

Result<BsonPtr> BuildDocument(const CollectionPlan& plan, const RowBatch& rows, size_t row,
                              const std::vector<ResolvedEmbed>& embeds, BuildCounters* counters) {
  BsonPtr doc(bson_new());
  // _id goes first and is always set here: a document without one makes the driver generate it and
  // rewrite the whole document.
  switch (plan.id.kind) {
    case IdPlan::Kind::kColumn: {
      const Value& id = rows.at(row, plan.id.parts[0].second);
      if (IsNull(id))
        return Status::Error(StatusCode::kDataError,
                             fmt::format("_id column {}.{} is NULL", plan.table.table, plan.id.parts[0].first));
      S2M_RETURN_IF_ERROR(AppendValue(doc.get(), "_id", 3, id));
      break;
    }
    case IdPlan::Kind::kComposite: {
      bson_t id;
      bson_append_document_begin(doc.get(), "_id", 3, &id);
      Status status;
      for (const auto& [key, column] : plan.id.parts) {
        if (status.ok()) status = AppendValue(&id, key.c_str(), key.size(), rows.at(row, column));
      }
      bson_append_document_end(doc.get(), &id);
      S2M_RETURN_IF_ERROR(status);
      break;
    }
    case IdPlan::Kind::kGenerated: {
      bson_oid_t oid;
      bson_oid_init(&oid, nullptr);
      bson_append_oid(doc.get(), "_id", 3, &oid);
      break;
    }
  }
  if (!plan.version_field.empty())
    bson_append_int32(doc.get(), plan.version_field.c_str(), static_cast<int>(plan.version_field.size()),
                      plan.schema_version);
  BuildContext context{counters};
  S2M_RETURN_IF_ERROR(AppendShape(plan.table, plan.table.shape, rows, row, embeds, doc.get(), &context));
  return doc;
}

Result<BsonPtr> IdDocumentOf(const CollectionPlan& plan, const std::vector<Value>& key) {
  BsonPtr doc(bson_new());
  if (key.size() != plan.id.parts.size() || plan.id.kind == IdPlan::Kind::kGenerated)
    return Status::Error(StatusCode::kInternal, fmt::format("collection '{}': a key of {} values for an _id of {} parts",
                                                            plan.name, key.size(), plan.id.parts.size()));
  if (plan.id.kind == IdPlan::Kind::kColumn) {
    S2M_RETURN_IF_ERROR(AppendValue(doc.get(), "_id", 3, key[0]));
    return doc;
  }
  bson_t id;
  bson_append_document_begin(doc.get(), "_id", 3, &id);
  Status status;
  for (size_t i = 0; i < key.size() && status.ok(); ++i)
    status = AppendValue(&id, plan.id.parts[i].first.c_str(), plan.id.parts[i].first.size(), key[i]);
  bson_append_document_end(doc.get(), &id);
  S2M_RETURN_IF_ERROR(status);
  return doc;
}

std::string DocumentIdJson(const bson_t* doc) {
  bson_iter_t iter;
  if (!bson_iter_init_find(&iter, doc, "_id")) return "null";
  ScopedBson wrapper;
  bson_append_iter(wrapper.get(), "_id", 3, &iter);
  BsonString json(bson_as_relaxed_extended_json(wrapper.get(), nullptr));
  // {"_id" : X } -> X
  std::string text = json.get();
  size_t colon = text.find(':');
  size_t end = text.rfind('}');
  if (colon == std::string::npos || end == std::string::npos) return text;
  std::string id = text.substr(colon + 1, end - colon - 1);
  return id.substr(id.find_first_not_of(' '), id.find_last_not_of(' ') - id.find_first_not_of(' ') + 1);
}

}  // namespace sql2mongo
