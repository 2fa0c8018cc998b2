// The classifier behind `sql2mongo diff`. Each document level (a collection's documents, an embed's
// rows) is compared as a set of fields keyed by path; what is left unpaired is then matched by what
// it reads (the same column at a new path is a rename or a move, a value whose path became a
// sub-document is a split, an object embed replaced by a "ref" field on its join column is an embed
// turned into a reference) before the rest counts as added or removed.
#include "diff/mapping_diff.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <set>

namespace sql2mongo {
namespace {

std::string Join(const std::string& prefix, const std::string& path) {
  return prefix.empty() ? path : prefix + "." + path;
}

std::string ParentOf(const std::string& path) {
  size_t dot = path.rfind('.');
  return dot == std::string::npos ? "" : path.substr(0, dot);
}

std::string TopOf(const std::string& path) { return path.substr(0, path.find('.')); }

const char* NullsName(NullPolicy nulls) { return nulls == NullPolicy::kOmit ? "omit" : "keep"; }

// What a field reads: two fields with the same source hold the same data.
std::string SourceOf(const FieldSpec& field) {
  return field.expr.empty() ? "column " + field.column : "expression " + field.expr;
}

std::string Columns(const std::vector<std::string>& columns) { return fmt::format("{}", fmt::join(columns, ", ")); }

std::string OrderText(const std::vector<OrderTerm>& terms) {
  std::vector<std::string> words;
  for (const auto& t : terms) words.push_back(t.column + (t.descending ? " DESC" : ""));
  return Columns(words);
}

// One level of a document: a collection's fields and embeds, or an embed's.
struct Level {
  std::string table;
  bool all_columns = true;
  const std::vector<FieldSpec>* fields = nullptr;
  const std::vector<std::string>* exclude = nullptr;
  const std::vector<EmbedSpec>* embeds = nullptr;
  std::string value_column;
  NullPolicy nulls = NullPolicy::kKeep;  // in effect here, inherited
};

Level LevelOf(const CollectionSpec& c, NullPolicy inherited) {
  return Level{c.from, c.all_columns, &c.fields, &c.exclude, &c.embeds, "", c.nulls.value_or(inherited)};
}

Level LevelOf(const EmbedSpec& e, NullPolicy inherited) {
  return Level{e.from, e.all_columns, &e.fields, &e.exclude, &e.embeds, e.value_column, e.nulls.value_or(inherited)};
}

// A field or embed with its full path in the document.
struct PlacedField {
  const FieldSpec* spec;
  std::string path;
  NullPolicy nulls;
};
struct PlacedEmbed {
  const EmbedSpec* spec;
  std::string path;
  NullPolicy nulls;  // inherited by the embed
};

bool SameJoin(const EmbedSpec& a, const EmbedSpec& b) {
  return a.from == b.from && a.kind == b.kind && a.local == b.local && a.foreign == b.foreign;
}

const char* EmbedNoun(const EmbedSpec& e) {
  if (!e.value_column.empty()) return e.kind == EmbedKind::kArray ? "embedded array of values" : "embedded value";
  return e.kind == EmbedKind::kArray ? "embedded array" : "embedded object";
}

class LevelDiffer {
 public:
  explicit LevelDiffer(std::vector<MappingChange>* out) : out_(out) {}

  void Compare(const Level& old_level, const Level& new_level, const std::string& old_prefix,
               const std::string& new_prefix) {
    if (!old_level.value_column.empty() || !new_level.value_column.empty()) {
      CompareValues(old_level, new_level, old_prefix, new_prefix);
      return;
    }
    std::vector<PlacedField> removed_fields, added_fields;
    if (old_level.all_columns != new_level.all_columns) {
      Add(ChangeClass::kTransformative, old_level.all_columns ? "fields listed (was every column)" : "every column kept (was the listed fields)",
          Join(old_prefix, "*"), Join(new_prefix, "*"),
          fmt::format("table {}: which columns stay cannot be told without its catalog", new_level.table));
    } else if (old_level.all_columns) {
      CompareExcludes(old_level, new_level, old_prefix, new_prefix);
    } else {
      CompareFields(old_level, new_level, old_prefix, new_prefix, &removed_fields, &added_fields);
    }
    std::vector<PlacedEmbed> removed_embeds, added_embeds;
    CompareEmbeds(old_level, new_level, old_prefix, new_prefix, &removed_embeds, &added_embeds);
    MatchEmbedsWithReferences(&removed_embeds, &added_fields, /*to_reference=*/true);
    MatchEmbedsWithReferences(&added_embeds, &removed_fields, /*to_reference=*/false);
    for (const auto& f : removed_fields)
      Add(ChangeClass::kDestructive, "field removed", f.path, "", SourceOf(*f.spec));
    for (const auto& f : added_fields) Add(ChangeClass::kAdditive, "field added", "", f.path, SourceOf(*f.spec));
    for (const auto& e : removed_embeds)
      Add(ChangeClass::kDestructive, fmt::format("{} removed", EmbedNoun(*e.spec)), e.path, "", "from " + e.spec->from);
    for (const auto& e : added_embeds)
      Add(ChangeClass::kAdditive, fmt::format("{} added", EmbedNoun(*e.spec)), "", e.path, "from " + e.spec->from);
  }

 private:
  void Add(ChangeClass change_class, std::string what, std::string old_path, std::string new_path, std::string detail) {
    out_->push_back(MappingChange{change_class, std::move(what), std::move(old_path), std::move(new_path),
                                  std::move(detail)});
  }

  void CompareValues(const Level& old_level, const Level& new_level, const std::string& old_prefix,
                     const std::string& new_prefix) {
    if (old_level.value_column.empty() || new_level.value_column.empty()) {
      Add(ChangeClass::kTransformative,
          old_level.value_column.empty() ? "embed made plain values (was sub-documents)"
                                         : "embed made sub-documents (was plain values)",
          old_prefix, new_prefix, "table " + new_level.table);
    } else if (old_level.value_column != new_level.value_column) {
      Add(ChangeClass::kTransformative, "embedded value reads another column", old_prefix, new_prefix,
          fmt::format("column {} -> {}", old_level.value_column, new_level.value_column));
    }
  }

  void CompareExcludes(const Level& old_level, const Level& new_level, const std::string& old_prefix,
                       const std::string& new_prefix) {
    std::set<std::string> old_out(old_level.exclude->begin(), old_level.exclude->end());
    std::set<std::string> new_out(new_level.exclude->begin(), new_level.exclude->end());
    for (const auto& c : new_out)
      if (!old_out.count(c)) Add(ChangeClass::kDestructive, "field removed", Join(old_prefix, c), "", "column " + c + " excluded");
    for (const auto& c : old_out)
      if (!new_out.count(c)) Add(ChangeClass::kAdditive, "field added", "", Join(new_prefix, c), "column " + c + " no longer excluded");
    if (old_level.nulls != new_level.nulls)
      Add(ChangeClass::kTransformative, "nulls policy changed", Join(old_prefix, "*"), Join(new_prefix, "*"),
          fmt::format("{} -> {}", NullsName(old_level.nulls), NullsName(new_level.nulls)));
  }

  void CompareFields(const Level& old_level, const Level& new_level, const std::string& old_prefix,
                     const std::string& new_prefix, std::vector<PlacedField>* removed, std::vector<PlacedField>* added) {
    auto placed = [](const Level& level, const std::string& prefix) {
      std::vector<PlacedField> fields;
      for (const auto& f : *level.fields) fields.push_back({&f, Join(prefix, f.path), f.nulls.value_or(level.nulls)});
      return fields;
    };
    std::vector<PlacedField> old_fields = placed(old_level, old_prefix), new_fields = placed(new_level, new_prefix);
    for (const auto& n : new_fields) {
      auto same_path = std::find_if(old_fields.begin(), old_fields.end(),
                                    [&](const PlacedField& o) { return o.spec->path == n.spec->path; });
      if (same_path == old_fields.end()) {
        added->push_back(n);
        continue;
      }
      if (SourceOf(*same_path->spec) != SourceOf(*n.spec))
        Add(ChangeClass::kTransformative, "field reads another source", same_path->path, n.path,
            fmt::format("{} -> {}", SourceOf(*same_path->spec), SourceOf(*n.spec)));
      CompareFieldForm(*same_path, n);
    }
    for (const auto& o : old_fields) {
      bool kept = std::any_of(new_fields.begin(), new_fields.end(),
                              [&](const PlacedField& n) { return n.spec->path == o.spec->path; });
      if (!kept) removed->push_back(o);
    }
    MatchRenames(removed, added);
    MatchSplits(removed, added);
  }

  // Type, nulls and reference of one field kept (at its path or at a new one).
  void CompareFieldForm(const PlacedField& o, const PlacedField& n) {
    if (o.spec->type != n.spec->type)
      Add(ChangeClass::kTransformative, "type changed", o.path, n.path,
          fmt::format("{} -> {}", TargetTypeName(o.spec->type), TargetTypeName(n.spec->type)));
    if (o.nulls != n.nulls)
      Add(ChangeClass::kTransformative, "nulls policy changed", o.path, n.path,
          fmt::format("{} -> {}", NullsName(o.nulls), NullsName(n.nulls)));
    if (o.spec->ref != n.spec->ref)
      Add(ChangeClass::kTransformative, "reference changed", o.path, n.path,
          fmt::format("{} -> {}", o.spec->ref.empty() ? "a plain value" : "ref " + o.spec->ref,
                      n.spec->ref.empty() ? "a plain value" : "ref " + n.spec->ref));
  }

  // The same column (or expression) at a new path: renamed when only the last name changed, else moved.
  void MatchRenames(std::vector<PlacedField>* removed, std::vector<PlacedField>* added) {
    for (auto o = removed->begin(); o != removed->end();) {
      auto n = std::find_if(added->begin(), added->end(),
                            [&](const PlacedField& a) { return SourceOf(*a.spec) == SourceOf(*o->spec); });
      if (n == added->end()) {
        ++o;
        continue;
      }
      bool renamed = ParentOf(o->spec->path) == ParentOf(n->spec->path);
      Add(ChangeClass::kTransformative, renamed ? "field renamed" : "field moved", o->path, n->path, SourceOf(*o->spec));
      CompareFieldForm(*o, *n);
      added->erase(n);
      o = removed->erase(o);
    }
  }

  // One value whose path became a sub-document of several ("name" -> "name.first", "name.last"), or the
  // reverse: the data stays, in another form.
  void MatchSplits(std::vector<PlacedField>* removed, std::vector<PlacedField>* added) {
    auto under = [](const std::string& path, const std::string& parent) { return path.rfind(parent + ".", 0) == 0; };
    auto match = [&](std::vector<PlacedField>* wholes, std::vector<PlacedField>* parts, bool split) {
      for (auto w = wholes->begin(); w != wholes->end();) {
        std::vector<std::string> part_paths, part_sources;
        for (const auto& p : *parts)
          if (under(p.path, w->path)) {
            part_paths.push_back(p.path);
            part_sources.push_back(SourceOf(*p.spec));
          }
        if (part_paths.empty()) {
          ++w;
          continue;
        }
        std::string detail = fmt::format("{} {} {}", SourceOf(*w->spec), split ? "->" : "<-", Columns(part_sources));
        if (split) Add(ChangeClass::kTransformative, "field split", w->path, Columns(part_paths), detail);
        else Add(ChangeClass::kTransformative, "fields merged", Columns(part_paths), w->path, detail);
        parts->erase(std::remove_if(parts->begin(), parts->end(), [&](const PlacedField& p) { return under(p.path, w->path); }),
                     parts->end());
        w = wholes->erase(w);
      }
    };
    match(removed, added, /*split=*/true);
    match(added, removed, /*split=*/false);
  }

  void CompareEmbeds(const Level& old_level, const Level& new_level, const std::string& old_prefix,
                     const std::string& new_prefix, std::vector<PlacedEmbed>* removed, std::vector<PlacedEmbed>* added) {
    auto placed = [](const Level& level, const std::string& prefix) {
      std::vector<PlacedEmbed> embeds;
      for (const auto& e : *level.embeds) embeds.push_back({&e, Join(prefix, e.path), level.nulls});
      return embeds;
    };
    std::vector<PlacedEmbed> old_embeds = placed(old_level, old_prefix), new_embeds = placed(new_level, new_prefix);
    for (const auto& n : new_embeds) {
      auto o = std::find_if(old_embeds.begin(), old_embeds.end(),
                            [&](const PlacedEmbed& e) { return e.spec->path == n.spec->path; });
      if (o == old_embeds.end()) added->push_back(n);
      else CompareEmbed(*o, n);
    }
    for (const auto& o : old_embeds) {
      bool kept = std::any_of(new_embeds.begin(), new_embeds.end(),
                              [&](const PlacedEmbed& n) { return n.spec->path == o.spec->path; });
      if (!kept) removed->push_back(o);
    }
    // The same rows at a new path: the embed was renamed or moved.
    for (auto o = removed->begin(); o != removed->end();) {
      auto n = std::find_if(added->begin(), added->end(), [&](const PlacedEmbed& a) { return SameJoin(*a.spec, *o->spec); });
      if (n == added->end()) {
        ++o;
        continue;
      }
      bool renamed = ParentOf(o->spec->path) == ParentOf(n->spec->path);
      Add(ChangeClass::kTransformative, renamed ? "embed renamed" : "embed moved", o->path, n->path, "from " + o->spec->from);
      CompareEmbed(*o, *n);
      added->erase(n);
      o = removed->erase(o);
    }
  }

  void CompareEmbed(const PlacedEmbed& o, const PlacedEmbed& n) {
    const EmbedSpec& a = *o.spec;
    const EmbedSpec& b = *n.spec;
    if (a.kind != b.kind || a.from != b.from) {
      Add(ChangeClass::kTransformative, "embed changed", o.path, n.path,
          fmt::format("{} from {} -> {} from {}", EmbedNoun(a), a.from, EmbedNoun(b), b.from));
      return;  // other rows in another form: comparing their fields would say nothing more
    }
    if (a.local != b.local || a.foreign != b.foreign)
      Add(ChangeClass::kTransformative, "embed joins differently", o.path, n.path,
          fmt::format("local [{}] foreign [{}] -> local [{}] foreign [{}]", Columns(a.local), Columns(a.foreign),
                      Columns(b.local), Columns(b.foreign)));
    if (a.where != b.where)
      Add(ChangeClass::kTransformative, "embed filter changed", o.path, n.path,
          fmt::format("where '{}' -> '{}'", a.where, b.where));
    if (OrderText(a.order_by) != OrderText(b.order_by))
      Add(ChangeClass::kTransformative, "embed order changed", o.path, n.path,
          fmt::format("order_by [{}] -> [{}]", OrderText(a.order_by), OrderText(b.order_by)));
    Level old_level = LevelOf(a, o.nulls);
    Level new_level = LevelOf(b, n.nulls);
    if (a.kind == EmbedKind::kObject && old_level.nulls != new_level.nulls)
      Add(ChangeClass::kTransformative, "nulls policy changed", o.path, n.path,
          fmt::format("{} -> {} (a key that matches no row)", NullsName(old_level.nulls), NullsName(new_level.nulls)));
    Compare(old_level, new_level, o.path, n.path);
  }

  // An object embed (the row a foreign key points at) and a field holding that foreign key as a "ref":
  // the same link, stored as a copy or as the other document's _id.
  void MatchEmbedsWithReferences(std::vector<PlacedEmbed>* embeds, std::vector<PlacedField>* fields, bool to_reference) {
    for (auto e = embeds->begin(); e != embeds->end();) {
      auto f = std::find_if(fields->begin(), fields->end(), [&](const PlacedField& field) {
        if (e->spec->kind != EmbedKind::kObject || field.spec->ref.empty()) return false;
        const auto& local = e->spec->local;
        bool on_join_column = std::find(local.begin(), local.end(), field.spec->column) != local.end();
        return on_join_column || field.path == e->path;
      });
      if (f == fields->end()) {
        ++e;
        continue;
      }
      std::string detail = fmt::format("{} from {} {} column {} ref {}", EmbedNoun(*e->spec), e->spec->from,
                                       to_reference ? "->" : "<-", f->spec->column, f->spec->ref);
      if (to_reference) Add(ChangeClass::kTransformative, "embed turned into a reference", e->path, f->path, detail);
      else Add(ChangeClass::kTransformative, "reference turned into an embed", f->path, e->path, detail);
      fields->erase(f);
      e = embeds->erase(e);
    }
  }

  std::vector<MappingChange>* out_;
};

std::string IdText(const CollectionSpec& c) {
  if (c.id_parts.empty()) return "the primary key";
  std::vector<std::string> parts;
  for (const auto& [key, column] : c.id_parts) parts.push_back(key == column ? column : key + ": " + column);
  return (c.id_is_composite ? "{" : "") + Columns(parts) + (c.id_is_composite ? "}" : "");
}

// What a collection's documents are and which rows they come from: a change here is a new identity.
void CompareIdentity(const CollectionSpec& o, const CollectionSpec& n, CollectionDiff* diff) {
  auto reload = [&](std::string what, std::string path, std::string detail) {
    if (diff->reload_reason.empty()) diff->reload_reason = what;
    diff->changes.push_back(MappingChange{ChangeClass::kTransformative, std::move(what), path, path, std::move(detail)});
  };
  if (o.name != n.name) reload("collection renamed", "", fmt::format("{} -> {}", o.name, n.name));
  if (o.from != n.from) reload("reads another table", "", fmt::format("{} -> {}", o.from, n.from));
  if (o.id_parts != n.id_parts || o.id_is_composite != n.id_is_composite)
    reload("_id changed", "_id", fmt::format("{} -> {}", IdText(o), IdText(n)));
  if (o.where != n.where) reload("filter changed", "", fmt::format("where '{}' -> '{}'", o.where, n.where));
}

void CompareVersionField(const MappingDiff& mapping, CollectionDiff* diff) {
  const std::string& o = mapping.old_version_field;
  const std::string& n = mapping.new_version_field;
  if (o == n) return;
  if (o.empty()) diff->changes.push_back({ChangeClass::kAdditive, "version field added", "", n, "schema_version"});
  else if (n.empty()) diff->changes.push_back({ChangeClass::kDestructive, "version field removed", o, "", "schema_version"});
  else diff->changes.push_back({ChangeClass::kTransformative, "version field renamed", o, n, "schema_version"});
}

// The top-level keys NEW writes in `c`'s documents, where the mapping names them.
std::set<std::string> TopLevelKeys(const CollectionSpec& c, const std::string& version_field) {
  std::set<std::string> keys = {"_id"};
  for (const auto& f : c.fields) keys.insert(TopOf(f.path));
  for (const auto& e : c.embeds) keys.insert(TopOf(e.path));
  if (!version_field.empty()) keys.insert(version_field);
  return keys;
}

void DecideWay(const MappingDiff& mapping, const CollectionSpec& n, CollectionDiff* diff) {
  bool version_bumped = !mapping.new_version_field.empty() && mapping.old_version != mapping.new_version;
  if (!diff->reload_reason.empty()) {
    diff->way = UpgradeWay::kReload;
    return;
  }
  if (diff->changes.empty() && !version_bumped) return;  // kNone
  diff->way = UpgradeWay::kInPlace;
  std::set<std::string> set, unset;
  if (!mapping.new_version_field.empty()) set.insert(mapping.new_version_field);
  std::set<std::string> kept = TopLevelKeys(n, mapping.new_version_field);
  // A split or a merge lists several paths, all under one top-level field: the first names it.
  for (const auto& change : diff->changes) {
    if (change.change_class != ChangeClass::kDestructive && !change.new_path.empty()) set.insert(TopOf(change.new_path));
    if (!change.old_path.empty() && !kept.count(TopOf(change.old_path))) unset.insert(TopOf(change.old_path));
  }
  unset.erase("*");
  set.erase("*");  // every column: which ones, only the catalog knows; the upgrade sets what it builds
  diff->set_fields.assign(set.begin(), set.end());
  diff->unset_fields.assign(unset.begin(), unset.end());
}

std::string IndexText(const IndexSpec& index) {
  std::vector<std::string> keys;
  for (const auto& [path, kind] : index.keys) keys.push_back(path + " " + kind);
  std::string options = index.DescribeOptions();
  return fmt::format("{} ({}{})", index.name.empty() ? index.DefaultName() : index.name, fmt::join(keys, ", "),
                     options.empty() ? "" : "; " + options);
}

std::string CutoverText(const CollectionSpec& c) {
  if (c.swap) return fmt::format("swap ({} backup{})", c.backups, c.backups == 1 ? "" : "s");
  return c.drop ? "drop" : "none";  // written straight into the live collection
}

// The indexes (by name), the validator, the cut-over and the write mode of both versions. An index NEW
// no longer has is not dropped by any run: the line says how.
void CompareSetup(const CollectionSpec& o, Validation old_default, const CollectionSpec& n, Validation new_default,
                  CollectionDiff* diff) {
  std::map<std::string, const IndexSpec*> old_indexes, new_indexes;
  for (const IndexSpec& index : o.indexes) old_indexes[index.name.empty() ? index.DefaultName() : index.name] = &index;
  for (const IndexSpec& index : n.indexes) new_indexes[index.name.empty() ? index.DefaultName() : index.name] = &index;
  for (const auto& [name, index] : new_indexes) {
    auto old = old_indexes.find(name);
    if (old == old_indexes.end()) diff->setup_changes.push_back("index added: " + IndexText(*index));
    else if (IndexText(*old->second) != IndexText(*index))
      diff->setup_changes.push_back(fmt::format("index changed: {} -> {} (the run stops on an index of the same name "
                                                "and another spec: drop it first with db.{}.dropIndex(\"{}\"))",
                                                IndexText(*old->second), IndexText(*index), n.name, name));
  }
  for (const auto& [name, index] : old_indexes)
    if (!new_indexes.count(name))
      diff->setup_changes.push_back(fmt::format("index removed: {} (no run drops it: db.{}.dropIndex(\"{}\"))",
                                                IndexText(*index), n.name, name));
  Validation old_validate = o.validate.value_or(old_default), new_validate = n.validate.value_or(new_default);
  if (old_validate != new_validate)
    diff->setup_changes.push_back(
        fmt::format("validator {} -> {}", ValidationName(old_validate), ValidationName(new_validate)));
  if (CutoverText(o) != CutoverText(n))
    diff->setup_changes.push_back(fmt::format("cut-over {} -> {}", CutoverText(o), CutoverText(n)));
  WriteModeKind old_mode = o.mode.value_or(WriteModeKind::kInsert), new_mode = n.mode.value_or(WriteModeKind::kInsert);
  if (old_mode != new_mode)
    diff->setup_changes.push_back(fmt::format("mode {} -> {}", WriteModeName(old_mode), WriteModeName(new_mode)));
}

}  // namespace

const char* ChangeClassName(ChangeClass change_class) {
  switch (change_class) {
    case ChangeClass::kAdditive: return "additive";
    case ChangeClass::kTransformative: return "transformative";
    case ChangeClass::kDestructive: return "destructive";
  }
  return "?";
}

const char* UpgradeWayName(UpgradeWay way) {
  switch (way) {
    case UpgradeWay::kNone: return "none";
    case UpgradeWay::kInPlace: return "in place";
    case UpgradeWay::kReload: return "reload";
    case UpgradeWay::kLoad: return "load";
    case UpgradeWay::kDrop: return "drop";
  }
  return "?";
}

bool MappingDiff::DocumentsDiffer() const {
  return std::any_of(collections.begin(), collections.end(),
                     [](const CollectionDiff& c) { return c.way != UpgradeWay::kNone; });
}

MappingDiff DiffMappings(const Mapping& old_mapping, const Mapping& new_mapping) {
  MappingDiff diff;
  diff.old_version = old_mapping.schema_version;
  diff.new_version = new_mapping.schema_version;
  if (old_mapping.schema_version) diff.old_version_field = old_mapping.schema_version_field;
  if (new_mapping.schema_version) diff.new_version_field = new_mapping.schema_version_field;

  auto find = [](const Mapping& m, auto predicate) -> const CollectionSpec* {
    auto it = std::find_if(m.collections.begin(), m.collections.end(), predicate);
    return it == m.collections.end() ? nullptr : &*it;
  };
  std::set<std::string> matched_old;
  for (const CollectionSpec& n : new_mapping.collections) {
    const CollectionSpec* o = find(old_mapping, [&](const CollectionSpec& c) { return c.name == n.name; });
    // A new name for the same documents: same table, same _id, and OLD's name gone from NEW.
    if (!o)
      o = find(old_mapping, [&](const CollectionSpec& c) {
        return !matched_old.count(c.name) && c.from == n.from && c.id_parts == n.id_parts &&
               !find(new_mapping, [&](const CollectionSpec& other) { return other.name == c.name; });
      });
    CollectionDiff c;
    c.name = n.name;
    if (!o) {
      c.way = UpgradeWay::kLoad;
      c.changes.push_back({ChangeClass::kAdditive, "collection added", "", "", "from " + n.from});
      diff.collections.push_back(std::move(c));
      continue;
    }
    matched_old.insert(o->name);
    c.old_name = o->name;
    CompareIdentity(*o, n, &c);
    LevelDiffer(&c.changes).Compare(LevelOf(*o, old_mapping.nulls), LevelOf(n, new_mapping.nulls), "", "");
    CompareVersionField(diff, &c);
    DecideWay(diff, n, &c);
    CompareSetup(*o, old_mapping.validate, n, new_mapping.validate, &c);
    diff.collections.push_back(std::move(c));
  }
  for (const CollectionSpec& o : old_mapping.collections) {
    if (matched_old.count(o.name)) continue;
    CollectionDiff c;
    c.name = o.name;
    c.old_name = o.name;
    c.way = UpgradeWay::kDrop;
    c.changes.push_back({ChangeClass::kDestructive, "collection removed", "", "", "from " + o.from});
    diff.collections.push_back(std::move(c));
  }

  bool shapes_change = std::any_of(diff.collections.begin(), diff.collections.end(),
                                   [](const CollectionDiff& c) { return !c.changes.empty(); });
  if (shapes_change) {
    if (!diff.new_version)
      diff.warnings.push_back(
          "the documents change but NEW has no \"schema_version\": stored documents of the two versions cannot be told "
          "apart; set \"schema_version\" in NEW (and in OLD, for the documents already written)");
    else if (diff.old_version && *diff.new_version <= *diff.old_version)
      diff.warnings.push_back(fmt::format("the documents change but NEW's \"schema_version\" ({}) is not greater than "
                                          "OLD's ({}): raise it to {}, or an upgrade cannot tell which documents it did",
                                          *diff.new_version, *diff.old_version, *diff.old_version + 1));
  }
  return diff;
}

}  // namespace sql2mongo
