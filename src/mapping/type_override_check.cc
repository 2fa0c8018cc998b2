#include "mapping/type_override_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "common/handles.h"
#include "mapping/catalog_cache.h"
#include "sql2mongo/document_builder.h"

namespace sql2mongo {
namespace {

constexpr char kKeepText[] =
    "filter those rows out with \"where\", convert them in SQL with \"expr\", or map the field as \"string\"";

struct Reason {
  const char* why;
  const char* fix;
};

// Why the build cannot make `value` a `type`, or nullptr when it can: ConvertValue, then AppendValue
// (which refuses decimals past Decimal128's 34 digits and text that is not UTF-8), as the builder does.
const Reason* WhyNot(const Value& value, TargetType type, bson_t* scratch) {
  static const Reason kDigits{"have more than 34 significant digits",
                              "map the field with \"type\": \"string\" to keep their digits exactly"};
  static const Reason kUtf8{"are not valid UTF-8", "map the field with \"type\": \"binary\" to keep the bytes"};
  static const Reason kStored{"cannot be stored", kKeepText};
  static const Reason kInt32Range{"are out of int32 range", "use \"type\": \"int64\""};
  static const Reason kNotWhole{"are not whole numbers", kKeepText};
  static const Reason kNotInt64{"are not whole numbers within int64", kKeepText};
  static const Reason kNotNumber{"are not numbers", kKeepText};
  static const Reason kNotDate{"are not dates (YYYY-MM-DD[ HH:MM[:SS[.fff]]][Z|+hh:mm], or Unix seconds)", kKeepText};
  static const Reason kNotBool{"are not 0/1 or true/false", kKeepText};
  static const Reason kNoText{"have no text form", "leave the field's \"type\" to auto"};
  static const Reason kNotBytes{"are neither text nor bytes", "leave the field's \"type\" to auto"};
  Result<Value> converted = ConvertValue(value, type);
  if (converted.ok()) {
    bson_reinit(scratch);
    if (AppendValue(scratch, "v", 1, converted.value()).ok()) return nullptr;
    if (std::holds_alternative<Decimal>(converted.value())) return &kDigits;
    if (std::holds_alternative<std::string>(converted.value())) return &kUtf8;
    return &kStored;
  }
  switch (type) {
    case TargetType::kInt32: return ConvertValue(value, TargetType::kInt64).ok() ? &kInt32Range : &kNotWhole;
    case TargetType::kInt64: return &kNotInt64;
    case TargetType::kDouble:
    case TargetType::kDecimal: return &kNotNumber;
    case TargetType::kDate: return &kNotDate;
    case TargetType::kBool: return &kNotBool;
    case TargetType::kString: return &kNoText;
    case TargetType::kBinary: return &kNotBytes;
    case TargetType::kAuto: break;
  }
  return &kStored;
}

class OverrideChecker {
 public:
  OverrideChecker(Source& source, uint64_t max_rows) : source_(source), catalog_(source), max_rows_(max_rows) {}

  // One scan per table that has typed fields, in the order the plan reads the tables.
  Status CheckCollection(const CollectionPlan& collection) {
    std::vector<const TablePlan*> tables;
    std::map<const TablePlan*, std::vector<PlannedField>> typed;
    for (PlannedField& field : FieldsOf(collection.table)) {
      if (field.type == TargetType::kAuto) continue;
      if (!typed.count(field.table)) tables.push_back(field.table);
      typed[field.table].push_back(std::move(field));
    }
    for (const TablePlan* table : tables) S2M_RETURN_IF_ERROR(CheckValues(*table, typed[table]));
    return Status::Ok();
  }

  std::vector<TypeOverrideFinding> TakeFindings() { return std::move(findings_); }

 private:
  Status CheckValues(const TablePlan& table, const std::vector<PlannedField>& overrides) {
    ScanRequest request = table.ScanOfRows();
    std::vector<int> positions;  // of each override's column in the scan
    for (const PlannedField& o : overrides) {
      const std::string& name = table.read_columns[o.column];
      auto at = std::find(request.columns.begin(), request.columns.end(), name);
      positions.push_back(static_cast<int>(at - request.columns.begin()));
      if (at != request.columns.end()) continue;
      request.columns.push_back(name);
      if (const std::string* expression = table.ExpressionAt(o.column)) request.expressions.emplace_back(name, *expression);
    }
    std::vector<TypeOverrideFinding> found(overrides.size());
    std::vector<std::map<const Reason*, size_t>> reason_index(overrides.size());
    S2M_ASSIGN_OR_RETURN(std::unique_ptr<RowStream> stream, source_.Scan(request));
    ScopedBson scratch;
    RowBatch batch;
    uint64_t rows_read = 0;
    while (rows_read < max_rows_) {
      S2M_ASSIGN_OR_RETURN(bool more, stream->Next(&batch, static_cast<size_t>(std::min<uint64_t>(10'000, max_rows_ - rows_read))));
      if (!more) break;
      rows_read += batch.rows();
      for (size_t row = 0; row < batch.rows(); ++row) {
        for (size_t o = 0; o < overrides.size(); ++o) {
          const Value& value = batch.at(row, positions[o]);
          if (IsNull(value)) continue;
          ++found[o].values;
          const Reason* reason = WhyNot(value, overrides[o].type, scratch.get());
          if (!reason) continue;
          auto [it, added] = reason_index[o].emplace(reason, found[o].reasons.size());
          if (added) found[o].reasons.push_back({reason->why, 0, ValueToDisplay(value), reason->fix});
          ++found[o].reasons[it->second].count;
        }
      }
    }
    bool capped = false;
    if (rows_read >= max_rows_) {
      RowBatch one;
      S2M_ASSIGN_OR_RETURN(capped, stream->Next(&one, 1));
    }
    for (size_t o = 0; o < overrides.size(); ++o) {
      if (found[o].reasons.empty()) continue;
      TypeOverrideFinding& finding = found[o];
      finding.field = overrides[o].path;
      finding.type = overrides[o].type;
      finding.capped = capped;
      if (const std::string* expression = table.ExpressionAt(overrides[o].column)) {
        finding.column = fmt::format("{}.({})", table.table, *expression);
        finding.column_name = *expression;
      } else {
        S2M_ASSIGN_OR_RETURN(const ColumnInfo* column, catalog_.Column(table.table, table.read_columns[overrides[o].column]));
        finding.column_name = column ? column->name : table.read_columns[overrides[o].column];
        finding.column = column ? fmt::format("{}.{} ({})", table.table, column->name, column->declared_type)
                                : fmt::format("{}.{}", table.table, finding.column_name);
      }
      findings_.push_back(std::move(finding));
    }
    return Status::Ok();
  }

  Source& source_;
  CatalogCache catalog_;
  uint64_t max_rows_;
  std::vector<TypeOverrideFinding> findings_;
};

}  // namespace

Result<std::vector<TypeOverrideFinding>> CheckTypeOverrides(const CollectionPlan& collection, Source& source,
                                                            uint64_t max_rows) {
  OverrideChecker checker(source, max_rows);
  S2M_RETURN_IF_ERROR(checker.CheckCollection(collection));
  return checker.TakeFindings();
}

}  // namespace sql2mongo
