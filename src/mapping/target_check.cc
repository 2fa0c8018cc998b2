#include "sql2mongo/target_check.h"

#include <fmt/format.h>


#include "mapping/catalog_cache.h"

namespace sql2mongo {
namespace {

constexpr char kTypeFix[] = "give the field \"type\": \"double\" (approximate) or \"string\" (exact digits) in the mapping";

class PlanChecker {
 public:
  PlanChecker(Source& source, const ValueSupport& supports) : source_(source), catalog_(source), supports_(supports) {}

  Status CheckCollection(const CollectionPlan& collection) {
    collection_ = collection.name;
    for (const auto& [key, column] : collection.id.parts) {
      std::string path = collection.id.kind == IdPlan::Kind::kComposite ? "_id." + key : "_id";
      if (collection.id.kind == IdPlan::Kind::kComposite) CheckKey(key, "_id");
      S2M_RETURN_IF_ERROR(CheckColumn(collection.table, column, TargetType::kAuto, path, /*in_array=*/false));
    }
    return CheckTable(collection.table, "", /*in_array=*/false);
  }

  std::vector<TargetFinding> TakeFindings() { return std::move(findings_); }

 private:
  // `in_array`: the table's rows are elements of an array, so an array value here is an array inside
  // an array.
  Status CheckTable(const TablePlan& table, const std::string& prefix, bool in_array) {
    if (table.value_column >= 0)
      return CheckColumn(table, table.value_column, table.value_type, prefix, /*in_array=*/in_array);
    return CheckShape(table, table.shape, prefix);
  }

  // The fields of one document: keys, so the values under them are never directly inside an array.
  Status CheckShape(const TablePlan& table, const std::vector<ShapeNode>& shape, const std::string& prefix) {
    for (const ShapeNode& node : shape) {
      std::string path = prefix.empty() ? node.key : prefix + "." + node.key;
      CheckKey(node.key, prefix);
      switch (node.kind) {
        case ShapeNode::Kind::kField:
          if (node.column >= 0) S2M_RETURN_IF_ERROR(CheckColumn(table, node.column, node.type, path, false));
          for (const auto& [key, column] : node.ref_parts)
            S2M_RETURN_IF_ERROR(CheckColumn(table, column, TargetType::kAuto, path + "." + key, false));
          break;
        case ShapeNode::Kind::kObject:
          S2M_RETURN_IF_ERROR(CheckShape(table, node.children, path));
          break;
        case ShapeNode::Kind::kEmbed: {
          const EmbedPlan& embed = table.embeds[node.embed];
          S2M_RETURN_IF_ERROR(CheckTable(embed.table, path, embed.kind == EmbedKind::kArray));
          break;
        }
      }
    }
    return Status::Ok();
  }

  // Keys come from the mapping, or from column names when a table's columns are all taken.
  void CheckKey(const std::string& key, const std::string& prefix) {
    std::string where = prefix.empty() ? "(top level)" : prefix;
    if (!supports_.dotted_keys && key.find('.') != std::string::npos)
      Add(where, "", fmt::format("the key '{}' (it holds '.')", key),
          "name the field in \"fields\" with a key without '.', or \"exclude\" the column");
    if (!supports_.dollar_keys && !key.empty() && key[0] == '$')
      Add(where, "", fmt::format("the key '{}' (it starts with '$')", key),
          "name the field in \"fields\" with a key that does not start with '$', or \"exclude\" the column");
  }

  Status CheckColumn(const TablePlan& table, int column_index, TargetType type, const std::string& path,
                     bool in_array) {
    const std::string& column_name = table.read_columns[column_index];
    S2M_ASSIGN_OR_RETURN(const ColumnInfo* column, catalog_.Column(table.table, column_name));
    if (!column) return Status::Ok();
    std::string described = fmt::format("{}.{} ({})", table.table, column->name, column->declared_type);
    const ValueTraits& yields = column->yields;
    bool decimal = type == TargetType::kDecimal || (type == TargetType::kAuto && yields.decimal);
    if (decimal && !supports_.decimal128) {
      Add(path, described, "Decimal128", kTypeFix);
      return Status::Ok();  // the NaN a numeric may hold is part of the same fix
    }
    bool as_is = type == TargetType::kAuto || type == TargetType::kDouble;
    if (!supports_.nan && as_is && yields.may_be_nan) {
      S2M_ASSIGN_OR_RETURN(bool holds, Holds(table, column->name, ValueHazard::kNaN));
      if (holds)
        Add(path, described, "NaN (the column holds some)",
            "give the field \"type\": \"string\" (NaN becomes \"NaN\"), or filter those rows out with \"where\"");
    }
    if (!supports_.nested_arrays && type == TargetType::kAuto && yields.array) {
      if (in_array) {
        Add(path, described, "an array inside an array (each element of this embedded array is an array)",
            "embed the rows as sub-documents (drop \"value\") so each array sits under a key");
      } else if (yields.may_nest) {
        S2M_ASSIGN_OR_RETURN(bool holds, Holds(table, column->name, ValueHazard::kNestedArray));
        if (holds)
          Add(path, described, "an array inside an array (the column holds multi-dimensional arrays)",
              "give the field \"type\": \"string\" to keep the array's text");
      }
    }
    return Status::Ok();
  }

  // Only the rows the mapping reads (its "where"). A source that cannot look into its data
  // (kUnsupported) may hold anything its catalog allows.
  Result<bool> Holds(const TablePlan& table, const std::string& column, ValueHazard hazard) {
    Result<bool> holds = source_.ColumnHolds(table.table, column, hazard, table.where);
    if (!holds.ok() && holds.status().code() == StatusCode::kUnsupported) return true;
    return holds;
  }


  void Add(const std::string& field, const std::string& column, const std::string& what, const std::string& fix) {
    findings_.push_back(TargetFinding{collection_, field, column, what, fix});
  }

  Source& source_;
  CatalogCache catalog_;
  const ValueSupport& supports_;
  std::string collection_;
  std::vector<TargetFinding> findings_;
};

}  // namespace

std::string TargetFinding::ToString() const {
  std::string from = column.empty() ? "" : fmt::format(" from {}", column);
  return fmt::format("collection '{}', field '{}'{}: {}; {}", collection, field, from, what, fix);
}

Result<std::vector<TargetFinding>> CheckPlanAgainstTarget(const Plan& plan, Source& source, const TargetInfo& target) {
  if (target.supports.StoresEverything()) return std::vector<TargetFinding>{};
  PlanChecker checker(source, target.supports);
  for (const CollectionPlan& collection : plan.collections) S2M_RETURN_IF_ERROR(checker.CheckCollection(collection));
  return checker.TakeFindings();
}

Status TargetFindingsError(const std::vector<TargetFinding>& findings, const TargetInfo& target,
                           const std::string& display_uri) {
  std::string message = fmt::format(
      "nothing was written: target {} is {}, which cannot store what {} field{} of this mapping would hold "
      "({}):",
      display_uri, target.Name(), findings.size(), findings.size() == 1 ? "" : "s", target.support_source);
  for (const TargetFinding& finding : findings) message += "\n  " + finding.ToString();
  return Status::Error(StatusCode::kMappingError, message);
}

}  // namespace sql2mongo
