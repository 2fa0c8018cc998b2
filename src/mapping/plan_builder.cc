// Mapping + source catalog -> Plan. Every name in the mapping is checked here, before any row is read,
// and each error points at the mapping file's line and column with the closest existing name.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "common/edit_distance.h"
#include "mapping/index_plan.h"
#include "mapping/json_locator.h"
#include "sql2mongo/plan.h"

namespace sql2mongo {
namespace {

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    parts.push_back(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) return parts;
    start = dot + 1;
  }
}

Status MappingError(const MappingPlace& place, const std::string& message) {
  return Status::Error(StatusCode::kMappingError, place.ToString() + ": " + message);
}

// Adds a column to a table plan's read list once; returns its index there.
int NeedColumn(TablePlan* plan, const std::string& column) {
  for (size_t i = 0; i < plan->read_columns.size(); ++i) {
    if (plan->read_columns[i] == column) return static_cast<int>(i);
  }
  plan->read_columns.push_back(column);
  return static_cast<int>(plan->read_columns.size() - 1);
}

// Adds a computed column to a table plan's read list once per SQL text; returns its index there, and
// whether it is new. Its alias ("s2m_expr_1", ...) is no column name of `table`, so a connector (and the
// target check) can tell a computed column from a plain one by name.
int NeedExpression(TablePlan* plan, const TableInfo& table, const std::string& expression, bool* added) {
  *added = false;
  for (size_t i = 0; i < plan->read_columns.size(); ++i) {
    const std::string* existing = plan->ExpressionAt(static_cast<int>(i));
    if (existing && *existing == expression) return static_cast<int>(i);
  }
  std::string alias;
  for (size_t n = plan->expressions.size() + 1; alias.empty() || table.ColumnIndex(alias) >= 0; ++n)
    alias = "s2m_expr_" + std::to_string(n);
  plan->expressions.emplace_back(alias, expression);
  plan->read_columns.push_back(alias);
  *added = true;
  return static_cast<int>(plan->read_columns.size() - 1);
}

// Places `leaf` at `path` in a shape tree, creating the sub-documents on the way.
Status InsertIntoShape(std::vector<ShapeNode>* nodes, const std::vector<std::string>& path, ShapeNode leaf,
                       const std::string& full_path, const MappingPlace& place) {
  std::vector<ShapeNode>* level = nodes;
  for (size_t i = 0; i < path.size(); ++i) {
    bool last = i + 1 == path.size();
    ShapeNode* existing = nullptr;
    for (auto& node : *level) {
      if (node.key == path[i]) existing = &node;
    }
    if (last) {
      if (existing)
        return MappingError(place, fmt::format("target path '{}' is set twice (or is also a sub-document); "
                                               "give each field its own path", full_path));
      leaf.key = path[i];
      level->push_back(std::move(leaf));
      return Status::Ok();
    }
    if (existing && existing->kind != ShapeNode::Kind::kObject)
      return MappingError(place, fmt::format("target path '{}' nests under '{}', which is already a value; "
                                             "rename one of them", full_path, path[i]));
    if (!existing) {
      ShapeNode object;
      object.kind = ShapeNode::Kind::kObject;
      object.key = path[i];
      level->push_back(std::move(object));
      existing = &level->back();
    }
    level = &existing->children;
  }
  return Status::Ok();
}

class PlanBuilder {
 public:
  PlanBuilder(const Mapping& mapping, Source& source) : mapping_(mapping), source_(source) {}

  Result<Plan> Build() {
    Plan plan;
    plan.mapping_file = mapping_.file;
    plan.source_uri = mapping_.source_uri;
    plan.target_uri = mapping_.target_uri;
    for (const auto& c : mapping_.collections) collection_specs_[c.name] = &c;
    for (const auto& spec : mapping_.collections) {
      S2M_ASSIGN_OR_RETURN(CollectionPlan collection, BuildCollection(spec));
      S2M_RETURN_IF_ERROR(ResolveIndexes(mapping_, spec, &collection));
      plan.collections.push_back(std::move(collection));
    }
    return plan;
  }

 private:
  Result<const TableInfo*> Table(const std::string& name, const MappingPlace& place) {
    auto cached = tables_.find(name);
    if (cached != tables_.end()) return &cached->second;
    Result<TableInfo> info = source_.DescribeTable(name);
    if (!info.ok()) {
      if (info.status().code() != StatusCode::kNotFound) return info.status();
      auto names = source_.ListTables();
      std::string hint = names.ok() ? DidYouMean(name, names.value()) : "";
      return MappingError(place, fmt::format("unknown table '{}' in {}{}", name, source_.DisplayName(), hint));
    }
    return &tables_.emplace(name, std::move(info).value()).first->second;
  }

  // The catalog's spelling of `column` in `table`, or an error naming both and the closest column.
  Result<std::string> Column(const TableInfo& table, const std::string& column, const MappingPlace& place) {
    int index = table.ColumnIndex(column);
    if (index >= 0) return table.columns[index].name;
    std::vector<std::string> names;
    for (const auto& c : table.columns) names.push_back(c.name);
    return MappingError(place, fmt::format("unknown column '{}' in table '{}'{}", column, table.name,
                                           DidYouMean(column, names)));
  }

  NullPolicy Inherit(std::optional<NullPolicy> own, NullPolicy parent) { return own.value_or(parent); }

  // Fields of a collection or embed: the listed ones, or every column but `skip` and `exclude`.
  Status AddFields(const TableInfo& table, bool all_columns, const std::vector<FieldSpec>& fields,
                   const std::vector<std::string>& exclude, const std::vector<std::string>& skip,
                   NullPolicy nulls, const std::string& pointer, TablePlan* plan) {
    std::vector<std::string> excluded;
    for (size_t i = 0; i < exclude.size(); ++i) {
      S2M_ASSIGN_OR_RETURN(std::string name,
                           Column(table, exclude[i], mapping_.PlaceOf(pointer + "/exclude/" + std::to_string(i))));
      excluded.push_back(name);
    }
    if (all_columns) {
      for (const auto& column : table.columns) {
        if (std::find(excluded.begin(), excluded.end(), column.name) != excluded.end()) continue;
        if (std::find(skip.begin(), skip.end(), column.name) != skip.end()) continue;
        // Keys are not validated again on insert (that costs ~1 us a document), so a column name that
        // would make an invalid or ambiguous key is stopped here.
        if (column.name.empty() || column.name[0] == '$' || column.name.find('.') != std::string::npos)
          return MappingError(mapping_.PlaceOf(pointer + "/from"),
                              fmt::format("column '{}' of table '{}' cannot be a field name as it is ('.' would "
                                          "nest, '$' is reserved); list the columns in \"fields\" and give it a "
                                          "path, or \"exclude\" it", column.name, table.name));
        ShapeNode node;
        node.kind = ShapeNode::Kind::kField;
        node.column = NeedColumn(plan, column.name);
        node.nulls = nulls;
        // Column names are used whole as keys: a '.' in a column name does not nest.
        S2M_RETURN_IF_ERROR(InsertIntoShape(&plan->shape, {column.name}, std::move(node), column.name,
                                            mapping_.PlaceOf(pointer)));
      }
      return Status::Ok();
    }
    for (const auto& field : fields) {
      ShapeNode node;
      node.kind = ShapeNode::Kind::kField;
      if (!field.expr.empty()) {
        bool added = false;
        node.column = NeedExpression(plan, table, field.expr, &added);
        if (added) S2M_RETURN_IF_ERROR(ProbeExpression(table, plan->read_columns[node.column], field));
      } else {
        S2M_ASSIGN_OR_RETURN(std::string name, Column(table, field.column, field.place));
        if (std::find(excluded.begin(), excluded.end(), name) != excluded.end())
          return MappingError(field.place, fmt::format("column '{}' is both in \"fields\" and in \"exclude\"", name));
        node.column = NeedColumn(plan, name);
      }
      node.type = field.type;
      node.nulls = Inherit(field.nulls, nulls);
      if (!field.ref.empty()) S2M_RETURN_IF_ERROR(CheckReference(field));
      S2M_RETURN_IF_ERROR(InsertIntoShape(&plan->shape, SplitPath(field.path), std::move(node), field.path, field.place));
    }
    return Status::Ok();
  }

  // A broken expression fails here, before anything is written, with the database's own message: the
  // source runs the table's SELECT with the expression and an empty key filter (no keys: no row, and
  // every connector writes it as a constant false), which makes the database parse and type it.
  Status ProbeExpression(const TableInfo& table, const std::string& alias, const FieldSpec& field) {
    ScanRequest request;
    request.table = table.name;
    request.columns = {alias};
    request.expressions = {{alias, field.expr}};
    request.key_filter = KeyFilter{};
    Result<std::unique_ptr<RowStream>> stream = source_.Scan(request);
    Status status = stream.status();
    if (stream.ok()) {
      RowBatch rows;
      status = (*stream)->Next(&rows, 1).status();
    }
    if (status.ok()) return status;
    return MappingError(field.place, fmt::format("field '{}': the source cannot evaluate \"expr\" {} on table '{}' "
                                                 "(the source's own SQL, on that table's columns): {}",
                                                 field.path, field.expr, table.name, status.message()));
  }

  // A reference keeps a foreign key so that documents point at each other by _id: the collection it
  // names must exist in this mapping and have a single-column _id.
  Status CheckReference(const FieldSpec& field) {
    auto it = collection_specs_.find(field.ref);
    if (it == collection_specs_.end()) {
      std::vector<std::string> names;
      for (const auto& [name, spec] : collection_specs_) names.push_back(name);
      return MappingError(field.place, fmt::format("field '{}' refers to collection '{}', which this mapping does "
                                                   "not define{}", field.path, field.ref, DidYouMean(field.ref, names)));
    }
    if (it->second->id_is_composite)
      return MappingError(field.place, fmt::format("field '{}' refers to '{}', whose _id is composite; a reference "
                                                   "holds one column's value", field.path, field.ref));
    return Status::Ok();
  }

  // A foreign key of `from` that points at `to`, when there is exactly one.
  static const ForeignKey* OnlyForeignKey(const TableInfo& from, const TableInfo& to, int* count) {
    const ForeignKey* found = nullptr;
    *count = 0;
    for (const auto& fk : from.foreign_keys) {
      if (fk.referenced_table == to.name || (to.name.size() == fk.referenced_table.size() &&
                                             std::equal(to.name.begin(), to.name.end(), fk.referenced_table.begin(),
                                                        [](char a, char b) { return std::tolower(a) == std::tolower(b); }))) {
        found = &fk;
        ++*count;
      }
    }
    return *count == 1 ? found : nullptr;
  }

  Status ResolveJoin(const EmbedSpec& spec, const TableInfo& parent, const TableInfo& child,
                     std::vector<std::string>* local, std::vector<std::string>* foreign) {
    *local = spec.local;
    *foreign = spec.foreign;
    MappingPlace at = spec.place;
    int count = 0;
    if (spec.kind == EmbedKind::kArray) {
      // 1:N: the child's foreign key points at the parent.
      if (foreign->empty()) {
        const ForeignKey* fk = OnlyForeignKey(child, parent, &count);
        if (!fk)
          return MappingError(at, fmt::format("embed '{}': cannot tell which columns of '{}' point at '{}' ({} foreign "
                                              "keys between them); add \"foreign\": \"<column of {}>\"", spec.path,
                                              child.name, parent.name, count, child.name));
        *foreign = fk->columns;
        if (local->empty()) *local = fk->referenced_columns;
      }
      if (local->empty()) *local = parent.primary_key;
      if (local->empty())
        return MappingError(at, fmt::format("embed '{}': table '{}' has no primary key; add \"local\": \"<column of {}>\"",
                                            spec.path, parent.name, parent.name));
    } else {
      // N:1: this row's foreign key points at the embedded row.
      if (local->empty()) {
        const ForeignKey* fk = OnlyForeignKey(parent, child, &count);
        if (!fk)
          return MappingError(at, fmt::format("embed '{}': cannot tell which columns of '{}' point at '{}' ({} foreign "
                                              "keys between them); add \"local\": \"<column of {}>\"", spec.path,
                                              parent.name, child.name, count, parent.name));
        *local = fk->columns;
        if (foreign->empty()) *foreign = fk->referenced_columns;
      }
      if (foreign->empty()) *foreign = child.primary_key;
      if (foreign->empty())
        return MappingError(at, fmt::format("embed '{}': table '{}' has no primary key; add \"foreign\": \"<column of {}>\"",
                                            spec.path, child.name, child.name));
    }
    if (local->size() != foreign->size())
      return MappingError(at, fmt::format("embed '{}': {} local columns but {} foreign columns; they pair up one to one",
                                          spec.path, local->size(), foreign->size()));
    for (size_t i = 0; i < local->size(); ++i) {
      MappingPlace lp = spec.local.empty() ? at : mapping_.PlaceOf(spec.pointer + "/local");
      MappingPlace fp = spec.foreign.empty() ? at : mapping_.PlaceOf(spec.pointer + "/foreign");
      S2M_ASSIGN_OR_RETURN((*local)[i], Column(parent, (*local)[i], lp));
      S2M_ASSIGN_OR_RETURN((*foreign)[i], Column(child, (*foreign)[i], fp));
    }
    return Status::Ok();
  }

  // "incremental": its columns as the table spells them. "detect" compares a collection's _ids with
  // its root keys; an embedded row has no document of its own to compare.
  Status AddChangeTracking(const TableInfo& table, const std::optional<IncrementalSpec>& spec, const std::string& path,
                           bool is_collection, TablePlan* plan) {
    if (!spec) return Status::Ok();
    ChangeTracking changes;
    changes.path = path;
    S2M_ASSIGN_OR_RETURN(changes.column, Column(table, spec->column, spec->column_place));
    changes.deletes = spec->deletes;
    if (spec->deletes == DeletePolicy::kDetect && !is_collection)
      return MappingError(spec->place, fmt::format("embed '{}': \"deletes\": \"detect\" compares a collection's "
                                                   "_ids with its table's keys, and embedded rows have no _id of "
                                                   "their own; use \"deletes\": \"soft\" with a \"flag\" column "
                                                   "here (or let deleted rows stay until a full run)",
                                                   path));
    if (spec->deletes == DeletePolicy::kSoft) {
      S2M_ASSIGN_OR_RETURN(plan->deleted_flag, Column(table, spec->flag, spec->flag_place));
    }
    plan->changes = std::move(changes);
    return Status::Ok();
  }

  Status AddEmbeds(const TableInfo& parent, const std::vector<EmbedSpec>& specs, NullPolicy nulls,
                   const std::string& owner_path, TablePlan* parent_plan) {
    for (const auto& spec : specs) {
      S2M_ASSIGN_OR_RETURN(const TableInfo* child, Table(spec.from, spec.from_place));
      EmbedPlan embed;
      embed.path = owner_path + "." + spec.path;
      embed.kind = spec.kind;
      embed.nulls = Inherit(spec.nulls, nulls);
      embed.table.table = child->name;
      embed.table.where = spec.where;
      S2M_RETURN_IF_ERROR(AddChangeTracking(*child, spec.incremental, embed.path, false, &embed.table));
      std::vector<std::string> local, foreign;
      S2M_RETURN_IF_ERROR(ResolveJoin(spec, parent, *child, &local, &foreign));
      for (const auto& column : local) embed.local_columns.push_back(NeedColumn(parent_plan, column));
      embed.foreign_names = foreign;
      for (const auto& column : foreign) embed.foreign_columns.push_back(NeedColumn(&embed.table, column));
      for (size_t i = 0; i < spec.order_by.size(); ++i) {
        OrderTerm term = spec.order_by[i];
        S2M_ASSIGN_OR_RETURN(term.column, Column(*child, term.column, mapping_.PlaceOf(spec.pointer + "/order_by")));
        embed.table.order_by.push_back(term);
      }
      // The primary key breaks ties, so array order is the same on every run.
      for (const auto& pk : child->primary_key) embed.table.order_by.push_back(OrderTerm{pk, false});
      if (!spec.value_column.empty()) {
        S2M_ASSIGN_OR_RETURN(std::string name, Column(*child, spec.value_column, mapping_.PlaceOf(spec.pointer + "/value")));
        embed.table.value_column = NeedColumn(&embed.table, name);
      } else {
        // In an array the child's foreign key repeats the parent's key: leave it out unless asked for.
        std::vector<std::string> skip = spec.kind == EmbedKind::kArray ? foreign : std::vector<std::string>{};
        S2M_RETURN_IF_ERROR(AddFields(*child, spec.all_columns, spec.fields, spec.exclude, skip, embed.nulls,
                                      spec.pointer, &embed.table));
        S2M_RETURN_IF_ERROR(AddEmbeds(*child, spec.embeds, embed.nulls, embed.path, &embed.table));
      }
      ShapeNode node;
      node.kind = ShapeNode::Kind::kEmbed;
      node.embed = static_cast<int>(parent_plan->embeds.size());
      node.nulls = embed.nulls;
      parent_plan->embeds.push_back(std::move(embed));
      S2M_RETURN_IF_ERROR(InsertIntoShape(&parent_plan->shape, SplitPath(spec.path), std::move(node), spec.path, spec.place));
    }
    return Status::Ok();
  }

  Result<CollectionPlan> BuildCollection(const CollectionSpec& spec) {
    S2M_ASSIGN_OR_RETURN(const TableInfo* table, Table(spec.from, spec.from_place));
    CollectionPlan plan;
    plan.name = spec.name;
    plan.table.table = table->name;
    plan.table.where = spec.where;
    S2M_RETURN_IF_ERROR(AddChangeTracking(*table, spec.incremental, spec.name, true, &plan.table));
    NullPolicy nulls = Inherit(spec.nulls, mapping_.nulls);

    std::vector<std::string> id_columns;
    MappingPlace id_place = mapping_.PlaceOf(spec.pointer + "/_id");
    if (!spec.id_parts.empty()) {
      plan.id.kind = spec.id_is_composite ? IdPlan::Kind::kComposite : IdPlan::Kind::kColumn;
      for (const auto& [key, column] : spec.id_parts) {
        Result<std::string> found = Column(*table, column, id_place);
        // {"expr": "Column"} is a composite _id with a key named "expr"; {"expr": "a || b"} was meant
        // as a computed _id, which is not supported.
        if (!found.ok() && key == "expr" && spec.id_is_composite)
          return Status::Error(found.status().code(),
                               found.status().message() + "; a computed _id is not supported (\"expr\" is allowed "
                                                          "only in \"fields\"): compute the key in a view of the source");
        S2M_ASSIGN_OR_RETURN(std::string name, std::move(found));
        id_columns.push_back(name);
        plan.id.parts.push_back({key, NeedColumn(&plan.table, name)});
      }
    } else if (!table->primary_key.empty()) {
      plan.id.kind = table->primary_key.size() == 1 ? IdPlan::Kind::kColumn : IdPlan::Kind::kComposite;
      for (const auto& column : table->primary_key) {
        id_columns.push_back(column);
        plan.id.parts.push_back({column, NeedColumn(&plan.table, column)});
      }
    }  // else: no key anywhere, the builder generates an ObjectId.

    for (const auto& term : spec.order_by) {
      OrderTerm t = term;
      S2M_ASSIGN_OR_RETURN(t.column, Column(*table, term.column, mapping_.PlaceOf(spec.pointer + "/order_by")));
      plan.table.order_by.push_back(t);
    }
    if (spec.order_by.empty()) {
      for (const auto& pk : table->primary_key) plan.table.order_by.push_back(OrderTerm{pk, false});
    }
    // The _id columns already are the document's key; repeating them as fields would store them twice.
    S2M_RETURN_IF_ERROR(AddFields(*table, spec.all_columns, spec.fields, spec.exclude, id_columns, nulls,
                                  spec.pointer, &plan.table));
    S2M_RETURN_IF_ERROR(AddEmbeds(*table, spec.embeds, nulls, spec.name, &plan.table));
    plan.write_mode.kind = spec.mode.value_or(WriteModeKind::kInsert);
    plan.drop = spec.drop;
    plan.swap = spec.swap;
    plan.backups = spec.backups;
    if (plan.write_mode.kind != WriteModeKind::kInsert && plan.id.kind == IdPlan::Kind::kGenerated)
      return MappingError(spec.place, fmt::format("collection '{}' is written in mode \"{}\", which finds documents by "
                                                  "_id, but table '{}' has no primary key and the mapping no \"_id\": "
                                                  "every run would make new ObjectIds; name the key columns with \"_id\"",
                                                  spec.name, WriteModeName(plan.write_mode.kind), table->name));
    if (plan.write_mode.kind == WriteModeKind::kInsert && TracksChanges(plan.table))
      return MappingError(spec.place, fmt::format("collection '{}' has \"incremental\" tables, whose runs rewrite the "
                                                  "changed documents by _id, but it is written in mode \"insert\", "
                                                  "which would reject each of them as a duplicate; give the collection "
                                                  "\"mode\": \"replace\" (or \"merge\"), or run with --mode replace",
                                                  spec.name));
    S2M_RETURN_IF_ERROR(AddMergeKeys(spec, &plan));
    // _id is written first by the builder; a field or embed of the same name would make a second one.
    for (const auto& node : plan.table.shape) {
      if (node.key == "_id")
        return MappingError(spec.place, fmt::format("collection '{}' would get a second _id: table '{}' has a column "
                                                    "named _id, or an embed is named _id; rename it with \"fields\" "
                                                    "or \"exclude\" it", spec.name, table->name));
    }
    S2M_RETURN_IF_ERROR(AddVersionStamp(spec, &plan));
    return plan;
  }

  // The version field follows _id; a mapped field of the same name would be written twice.
  Status AddVersionStamp(const CollectionSpec& spec, CollectionPlan* plan) {
    if (!mapping_.schema_version || mapping_.schema_version_field.empty()) return Status::Ok();
    for (const auto& node : plan->table.shape) {
      if (node.key == mapping_.schema_version_field)
        return MappingError(spec.place, fmt::format("collection '{}' has a field '{}', which is also the field that "
                                                    "carries \"schema_version\"; rename one of them (set "
                                                    "\"schema_version_field\" to another name)",
                                                    spec.name, node.key));
    }
    plan->version_field = mapping_.schema_version_field;
    plan->schema_version = *mapping_.schema_version;
    return Status::Ok();
  }

  // "merge_key" on an array embed at the document's top level: merge mode merges that array element by
  // element. Deeper arrays sit inside an element that is itself replaced whole, so a key there would
  // promise what the merge cannot keep.
  Status AddMergeKeys(const CollectionSpec& spec, CollectionPlan* plan) {
    for (size_t i = 0; i < spec.embeds.size(); ++i) {
      const EmbedSpec& embed = spec.embeds[i];
      S2M_RETURN_IF_ERROR(RefuseNestedMergeKeys(embed.embeds));
      if (embed.merge_key.empty()) continue;
      const EmbedPlan& planned = plan->table.embeds[i];  // AddEmbeds keeps the specs' order
      if (embed.kind != EmbedKind::kArray || planned.table.value_column >= 0)
        return MappingError(embed.merge_key_place,
                            fmt::format("\"merge_key\" merges an array of sub-documents by one of their fields, and "
                                        "embed '{}' is {}; remove \"merge_key\"", embed.path,
                                        embed.kind == EmbedKind::kObject ? "an object" : "an array of plain values"));
      if (embed.path.find('.') != std::string::npos)
        return MappingError(embed.merge_key_place,
                            fmt::format("\"merge_key\" needs the array at the document's top level, and '{}' is "
                                        "inside a sub-document that merge mode sets whole; give the embed a plain name",
                                        embed.path));
      std::vector<std::string> keys;
      for (const ShapeNode& node : planned.table.shape)
        if (node.kind == ShapeNode::Kind::kField) keys.push_back(node.key);
      if (std::find(keys.begin(), keys.end(), embed.merge_key) == keys.end())
        return MappingError(embed.merge_key_place,
                            fmt::format("\"merge_key\": the elements of '{}' have no field '{}'{}; name one of their "
                                        "top-level fields (not a column: the field it becomes)",
                                        embed.path, embed.merge_key, DidYouMean(embed.merge_key, keys)));
      plan->write_mode.merged_arrays.push_back(ArrayMerge{embed.path, embed.merge_key});
    }
    return Status::Ok();
  }

  Status RefuseNestedMergeKeys(const std::vector<EmbedSpec>& embeds) {
    for (const EmbedSpec& embed : embeds) {
      if (!embed.merge_key.empty())
        return MappingError(embed.merge_key_place,
                            fmt::format("\"merge_key\" works on arrays at the document's top level; '{}' is inside "
                                        "an element that merge mode replaces whole (put \"merge_key\" on the "
                                        "outermost array)", embed.path));
      S2M_RETURN_IF_ERROR(RefuseNestedMergeKeys(embed.embeds));
    }
    return Status::Ok();
  }

  const Mapping& mapping_;
  Source& source_;
  std::map<std::string, TableInfo> tables_;
  std::map<std::string, const CollectionSpec*> collection_specs_;
};

}  // namespace

Result<Plan> BuildPlan(const Mapping& mapping, Source& source) { return PlanBuilder(mapping, source).Build(); }

}  // namespace sql2mongo
