#include "sql2mongo/plan.h"

namespace sql2mongo {
namespace {

void AddFields(const TablePlan& table, const std::vector<ShapeNode>& shape, const std::string& prefix,
               std::vector<PlannedField>* out) {
  for (const ShapeNode& node : shape) {
    std::string path = prefix.empty() ? node.key : prefix + "." + node.key;
    switch (node.kind) {
      case ShapeNode::Kind::kField:
        if (node.column >= 0) out->push_back(PlannedField{&table, node.column, node.type, path});
        break;
      case ShapeNode::Kind::kObject:
        AddFields(table, node.children, path, out);
        break;
      case ShapeNode::Kind::kEmbed: {
        std::vector<PlannedField> embedded = FieldsOf(table.embeds[node.embed].table, path);
        out->insert(out->end(), embedded.begin(), embedded.end());
        break;
      }
    }
  }
}

}  // namespace

std::vector<PlannedField> FieldsOf(const TablePlan& table, const std::string& prefix) {
  std::vector<PlannedField> fields;
  if (table.value_column >= 0) fields.push_back(PlannedField{&table, table.value_column, table.value_type, prefix});
  AddFields(table, table.shape, prefix, &fields);
  return fields;
}

bool TracksChanges(const TablePlan& table) {
  if (table.changes) return true;
  for (const EmbedPlan& embed : table.embeds)
    if (TracksChanges(embed.table)) return true;
  return false;
}

}  // namespace sql2mongo
