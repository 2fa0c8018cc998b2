// The text of a proposed mapping: JSON with the reason of every choice as `//` comments above it.
// nlohmann::json cannot write comments, so the file is laid out here from a small tree of entries; every
// key and string value still goes through nlohmann's dump() for its quoting.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "common/readable_bytes.h"
#include "init/model_proposal.h"
#include "init/proposal_support.h"

namespace sql2mongo {
namespace {

std::string Quote(const std::string& text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// One or more column names: a string for one, a list for several (the mapping takes both).
std::string Columns(const std::vector<std::string>& columns) {
  if (columns.size() == 1) return Quote(columns[0]);
  std::string out = "[";
  for (size_t i = 0; i < columns.size(); ++i) out += (i ? ", " : "") + Quote(columns[i]);
  return out + "]";
}

struct Node;
struct Entry {
  std::vector<std::string> comments;
  std::string key;
  std::shared_ptr<Node> value;
};
// A JSON value: `scalar` text as it is, or an object of entries (on one line when `inline_object`).
struct Node {
  std::string scalar;
  std::vector<Entry> members;
  bool is_object = false;
  bool inline_object = false;

  static std::shared_ptr<Node> Text(std::string text) {
    auto node = std::make_shared<Node>();
    node->scalar = std::move(text);
    return node;
  }
  static std::shared_ptr<Node> Object(bool inline_object = false) {
    auto node = std::make_shared<Node>();
    node->is_object = true;
    node->inline_object = inline_object;
    return node;
  }
  void Add(std::string key, std::shared_ptr<Node> value, std::vector<std::string> comments = {}) {
    members.push_back({std::move(comments), std::move(key), std::move(value)});
  }
};

// Splits `text` into comment lines of at most `width` characters after the indent.
void AppendComment(const std::string& text, const std::string& indent, std::string* out) {
  const size_t width = std::max<size_t>(60, 110 - std::min<size_t>(indent.size(), 50) - 3);
  std::string line;
  size_t start = 0;
  while (start <= text.size()) {
    size_t space = text.find(' ', start);
    std::string word = text.substr(start, space == std::string::npos ? std::string::npos : space - start);
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      *out += indent + "// " + line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
    if (space == std::string::npos) break;
    start = space + 1;
  }
  if (!line.empty()) *out += indent + "// " + line + "\n";
}

void Render(const Node& node, int indent, std::string* out) {
  if (!node.is_object) {
    *out += node.scalar;
    return;
  }
  if (node.members.empty()) {
    *out += "{}";
    return;
  }
  if (node.inline_object) {
    *out += "{ ";
    for (size_t i = 0; i < node.members.size(); ++i) {
      *out += (i ? ", " : "") + Quote(node.members[i].key) + ": ";
      Render(*node.members[i].value, indent, out);
    }
    *out += " }";
    return;
  }
  std::string pad(indent + 2, ' ');
  *out += "{\n";
  for (size_t i = 0; i < node.members.size(); ++i) {
    const Entry& entry = node.members[i];
    for (const auto& comment : entry.comments) AppendComment(comment, pad, out);
    *out += pad + Quote(entry.key) + ": ";
    Render(*entry.value, indent + 2, out);
    *out += i + 1 < node.members.size() ? ",\n" : "\n";
  }
  *out += std::string(indent, ' ') + "}";
}

// A reason as a sentence: capitalized, with its full stop.
std::string Sentence(std::string text) {
  if (!text.empty()) text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
  if (!text.empty() && text.back() != '.') text += ".";
  return text;
}

class MappingWriter {
 public:
  MappingWriter(const ModelProposal& proposal, const CatalogSurvey& survey) : proposal_(proposal), survey_(survey) {}

  std::string Write(const ProposedMappingHeader& header) {
    auto collections = Node::Object();
    for (int t = 0; t < static_cast<int>(survey_.tables.size()); ++t)
      if (Decision(t).role == TableRole::kCollection) collections->Add(Decision(t).collection, Collection(t), CollectionReasons(t));
    if (!collections->members.empty()) {
      std::vector<std::string> contents = TableOfContents();
      auto& comments = collections->members.front().comments;
      comments.insert(comments.begin(), contents.begin(), contents.end());
    }

    std::string out;
    AppendComment(fmt::format("Proposed by `{}`: a starting point to read, edit and keep beside the code; the "
                              "reason of every choice is written above it.", header.command), "", &out);
    AppendComment(fmt::format("Measured with plain scans: every table streamed once (up to {} rows each, then "
                              "counting stops and says so), counting its rows, its largest row, and for each "
                              "foreign key the children per parent (max, p50, p99 over every parent row, those "
                              "without children counted as 0).", survey_.max_rows_per_table), "", &out);
    const ProposalRules& r = proposal_.rules;
    AppendComment(fmt::format(
        "Rules, in order: (1) a pure join table (two foreign keys, maybe a timestamp) is M:N: an array of the far "
        "side's keys in the side with fewer rows, up to {} keys; (2) a small lookup table (<= {} columns, <= {} "
        "rows, referenced by foreign keys) is folded into the rows that point at it (N:1); (3) a child whose "
        "foreign key is NOT NULL and whose fan-out is one-to-few (p99 <= {}, max <= {}) is embedded as an "
        "array in that parent (1:N), in the parent with fewer rows when there are several, unless its rows "
        "could add over {} to one document; (4) every other table is a collection, _id from its primary key, "
        "its foreign keys to collections kept as references (\"ref\"), a self-reference too.",
        r.id_array_max, r.lookup_max_columns, r.lookup_max_rows, r.embed_max_p99, r.embed_max, ReadableBytes(r.embed_max_bytes)),
        "", &out);
    AppendComment("Run it: sql2mongo run THIS_FILE --target mongodb://HOST:PORT/DATABASE (or jsonl:DIR, null:), "
                  "or set \"target\" below. sql2mongo check THIS_FILE --target ... shows sample documents first.",
                  "", &out);
    auto root = Node::Object();
    root->Add("version", Node::Text("1"));
    std::vector<std::string> source_comments;
    if (header.source_uri.rfind("sqlite:", 0) != 0)
      source_comments.push_back("The password is never written here: --password-file, PGPASSWORD or MYSQL_PWD.");
    root->Add("source", Node::Text(Quote(header.source_uri)), source_comments);
    root->Add("collections", collections,
              {"No \"target\": give --target mongodb://HOST:PORT/DATABASE to run, or add \"target\": \"...\" here."});
    Render(*root, 0, &out);
    out += "\n";
    return out;
  }

 private:
  const TableDecision& Decision(int t) const { return proposal_.tables[t]; }
  const TableSurvey& Table(int t) const { return survey_.tables[t]; }
  int IndexOf(const std::string& name) const {
    const TableSurvey* found = survey_.Find(name);
    return found ? static_cast<int>(found - survey_.tables.data()) : -1;
  }
  int Referenced(int t, size_t f) const { return IndexOf(Table(t).info.foreign_keys[f].referenced_table); }
  bool IsLookup(int t) const { return t >= 0 && Decision(t).role == TableRole::kLookup; }

  // A collection `t` whose _id is exactly `columns` (one column): what a "ref" may point at.
  bool IdIs(int t, const std::vector<std::string>& columns) const {
    return t >= 0 && Decision(t).role == TableRole::kCollection && Table(t).info.primary_key.size() == 1 &&
           columns.size() == 1 && Lower(Table(t).info.primary_key[0]) == Lower(columns[0]);
  }

  std::string RowsText(int t) const {
    return Table(t).rows_capped ? fmt::format("over {} rows", Table(t).rows) : fmt::format("{} rows", Table(t).rows);
  }

  std::vector<std::string> CollectionReasons(int t) const {
    const TableInfo& info = Table(t).info;
    std::string id = info.primary_key.empty()
                         ? "it has no primary key, so its documents get generated ObjectIds as _id"
                     : info.primary_key.size() == 1 ? fmt::format("_id from its primary key {}", info.primary_key[0])
                                                    : fmt::format("a composite _id from its primary key ({})",
                                                                  fmt::join(info.primary_key, ", "));
    std::vector<std::string> reasons = {fmt::format("{} ({}): a collection of its own; {}; largest document "
                                                    "estimated at {}.", info.name, RowsText(t), id,
                                                    ReadableBytes(Decision(t).estimated_bytes))};
    for (const auto& reason : Decision(t).reasons) reasons.push_back(Sentence(reason));
    return reasons;
  }

  std::vector<std::string> TableOfContents() const {
    std::vector<std::string> lines = {"Every table of the source, and where it goes:"};
    for (int t = 0; t < static_cast<int>(proposal_.tables.size()); ++t) {
      const TableDecision& decision = proposal_.tables[t];
      std::string where;
      auto placed = places_.find(decision.table);
      std::string at = placed == places_.end() ? "" : fmt::format("{}", fmt::join(placed->second, ", "));
      switch (decision.role) {
        case TableRole::kCollection: where = "collection " + decision.collection; break;
        case TableRole::kEmbedded: where = "embedded, 1:N, as " + at; break;
        case TableRole::kLookup: where = "not a collection: folded in, N:1, as " + at; break;
        case TableRole::kJoinArray: where = "not a collection: M:N, an array in " + at; break;
        case TableRole::kSkipped:
          where = fmt::format("skipped: {}", fmt::join(decision.reasons, "; "));
          break;
      }
      if (decision.role != TableRole::kCollection && decision.role != TableRole::kSkipped && at.empty())
        where = "skipped: nothing it would be embedded in is mapped";
      lines.push_back(fmt::format("- {}: {}", decision.table, where));
    }
    return lines;
  }

  std::shared_ptr<Node> Collection(int t) {
    auto node = Node::Object();
    const TableInfo& info = Table(t).info;
    node->Add("from", Node::Text(Quote(info.name)));
    if (!info.primary_key.empty()) node->Add("_id", Node::Text(Columns(info.primary_key)));
    Body(t, LowerSet(info.primary_key), {t}, Decision(t).collection, node.get());
    return node;
  }

  // The "fields" and "embed" of table `t`'s rows, leaving out `skip` (lower-case column names: the
  // _id, or an array's join columns, which repeat the parent's key). `path`: tables folded in above, so
  // a loop of foreign keys among lookups ends; `place`: where the rows land, for the table of contents.
  void Body(int t, const std::set<std::string>& skip, std::vector<int> path, const std::string& place, Node* node) {
    const TableInfo& info = Table(t).info;
    auto in_path = [&](int r) { return std::find(path.begin(), path.end(), r) != path.end(); };
    std::set<std::string> folded;  // columns of foreign keys replaced by a folded-in lookup
    for (size_t f = 0; f < info.foreign_keys.size(); ++f)
      if (IsLookup(Referenced(t, f)) && !in_path(Referenced(t, f)))
        for (const auto& column : info.foreign_keys[f].columns) folded.insert(Lower(column));

    auto fields = Node::Object();
    std::set<std::string> taken;
    std::set<size_t> explained;  // foreign keys whose comment was written
    for (const auto& column : info.columns) {
      std::string lower = Lower(column.name);
      if (skip.count(lower) || folded.count(lower)) continue;
      std::string field = UniqueName(FieldName(column.name, proposal_.names), &taken);
      std::vector<std::string> comments;
      std::shared_ptr<Node> value = Node::Text(Quote(column.name));
      for (size_t f = 0; f < info.foreign_keys.size(); ++f) {
        const ForeignKey& fk = info.foreign_keys[f];
        if (!LowerSet(fk.columns).count(lower)) continue;
        int r = Referenced(t, f);
        if (fk.columns.size() == 1 && IdIs(r, fk.referenced_columns) && Decision(t).role != TableRole::kLookup) {
          value = Node::Object(true);
          value->Add("column", Node::Text(Quote(column.name)));
          value->Add("ref", Node::Text(Quote(Decision(r).collection)));
          comments.push_back(
              r == t ? fmt::format("Self-reference: {} holds the _id of another document of {} (a reference: a "
                                   "row cannot contain its own kind; $graphLookup follows the chain).",
                                   column.name, Decision(r).collection)
                     : fmt::format("N:1 reference: {} holds the _id of a document of {} ({} is a collection of "
                                   "its own: looked up when needed, not copied here).",
                                   column.name, Decision(r).collection, Table(r).info.name));
        } else if (explained.insert(f).second) {
          std::string target = fmt::format("{}.{}", fk.referenced_table, fmt::join(fk.referenced_columns, "+"));
          if (r < 0)
            comments.push_back(fmt::format("Points at {}, which init did not survey (not in --tables, or "
                                           "unreadable): a plain value.", target));
          else if (in_path(r) && IsLookup(r))
            comments.push_back(fmt::format("Points back at {}, folded in above already: a plain value.", target));
          else if (Decision(r).role == TableRole::kEmbedded || Decision(r).role == TableRole::kLookup)
            comments.push_back(fmt::format("Points at {} rows, which are embedded elsewhere (no collection to refer "
                                           "to): a plain value.", Table(r).info.name));
          else if (fk.columns.size() > 1)
            comments.push_back(fmt::format("With {}: the composite foreign key to {}, kept as plain values (a "
                                           "\"ref\" holds one column's _id).", fmt::join(fk.columns, ", "), target));
          else
            comments.push_back(fmt::format("Points at {}, which is not a single-column _id of a collection: a plain "
                                           "value.", target));
        }
        break;
      }
      if (column.yields.decimal)
        comments.push_back(fmt::format("{} {}: Decimal128 (exact). FerretDB v1 cannot store it: there add "
                                       "\"type\": \"double\" (approximate) or \"string\".", column.name,
                                       column.declared_type));
      fields->Add(field, value, comments);
    }
    node->Add("fields", fields);

    auto embeds = Node::Object();
    // N:1: lookups folded in.
    for (size_t f = 0; f < info.foreign_keys.size(); ++f) {
      int r = Referenced(t, f);
      if (!IsLookup(r) || in_path(r)) continue;
      const ForeignKey& fk = info.foreign_keys[f];
      std::string name = UniqueName(
          MadeUpName(fk.columns.size() == 1 ? PointeeName(fk.columns[0]) : SnakeName(Table(r).info.name), proposal_.names),
          &taken);
      std::string at = place + "." + name;
      places_[Table(r).info.name].push_back(at);
      auto embed = Node::Object();
      embed->Add("from", Node::Text(Quote(Table(r).info.name)));
      embed->Add("as", Node::Text(Quote("object")));
      embed->Add("local", Node::Text(Columns(fk.columns)));
      embed->Add("foreign", Node::Text(Columns(fk.referenced_columns)));
      std::vector<std::string> descriptive = DescriptiveColumns(Table(r).info);
      bool single_value = descriptive.size() == 1 && Table(r).info.foreign_keys.empty();
      std::vector<std::string> comments;
      if (!first_fold_.count(r)) {
        first_fold_[r] = at;
        comments.push_back(fmt::format("N:1: {}: {}.", Table(r).info.name, fmt::join(Decision(r).reasons, "; ")));
      } else {
        comments.push_back(fmt::format("N:1: {}, a small lookup table folded in (the reason is at {}).",
                                       Table(r).info.name, first_fold_[r]));
      }
      if (single_value) {
        embed->Add("value", Node::Text(Quote(descriptive[0])));
        comments.push_back(fmt::format("Its one descriptive column, {}, as a plain value; the key {} is not kept.",
                                       descriptive[0], fmt::join(fk.columns, ", ")));
      } else {
        std::vector<int> deeper = path;
        deeper.push_back(r);
        Body(r, LowerSet(Table(r).info.primary_key), deeper, at, embed.get());
      }
      embeds->Add(name, embed, comments);
    }
    // 1:N: children embedded as arrays.
    for (int c = 0; c < static_cast<int>(survey_.tables.size()); ++c) {
      const TableDecision& child = Decision(c);
      if (child.role != TableRole::kEmbedded || Referenced(c, child.via_fk) != t || in_path(c)) continue;
      const ForeignKey& fk = Table(c).info.foreign_keys[child.via_fk];
      std::string name = UniqueName(MadeUpName(PluralName(SnakeName(Table(c).info.name)), proposal_.names), &taken);
      std::string at = place + "." + name;
      places_[Table(c).info.name].push_back(at);
      auto embed = Node::Object();
      embed->Add("from", Node::Text(Quote(Table(c).info.name)));
      embed->Add("as", Node::Text(Quote("array")));
      embed->Add("local", Node::Text(Columns(fk.referenced_columns)));
      embed->Add("foreign", Node::Text(Columns(fk.columns)));
      if (!Table(c).info.primary_key.empty()) embed->Add("order_by", Node::Text(Columns(Table(c).info.primary_key)));
      std::vector<int> deeper = path;
      deeper.push_back(c);
      Body(c, LowerSet(fk.columns), deeper, at, embed.get());
      std::vector<std::string> comments;
      for (const auto& reason : child.reasons) comments.push_back(Sentence(reason));
      comments.push_back(fmt::format("Largest {} item estimated at {}; the join column {} is left out (it "
                                     "repeats the parent's key).", name, ReadableBytes(EstimatedItemBytes(c)),
                                     fmt::join(fk.columns, ", ")));
      embeds->Add(name, embed, comments);
    }
    // M:N: join tables whose home side is this table.
    for (int j = 0; j < static_cast<int>(survey_.tables.size()); ++j) {
      const TableDecision& join = Decision(j);
      if (join.role != TableRole::kJoinArray || Referenced(j, join.via_fk) != t) continue;
      const TableInfo& join_info = Table(j).info;
      const ForeignKey& home = join_info.foreign_keys[join.via_fk];
      const ForeignKey& far = join_info.foreign_keys[1 - join.via_fk];
      int far_table = Referenced(j, 1 - join.via_fk);
      bool plain_keys = far.columns.size() == 1 && join_info.columns.size() == home.columns.size() + 1;
      std::string name = UniqueName(MadeUpName(plain_keys ? SnakeName(Table(far_table).info.name) + "_ids"
                                                          : PluralName(SnakeName(Table(far_table).info.name)),
                                               proposal_.names),
                                    &taken);
      std::string at = place + "." + name;
      places_[join_info.name].push_back(at);
      auto embed = Node::Object();
      embed->Add("from", Node::Text(Quote(join_info.name)));
      embed->Add("as", Node::Text(Quote("array")));
      embed->Add("local", Node::Text(Columns(home.referenced_columns)));
      embed->Add("foreign", Node::Text(Columns(home.columns)));
      embed->Add("order_by", Node::Text(Columns(far.columns)));
      std::vector<std::string> comments;
      for (const auto& reason : join.reasons) comments.push_back(Sentence(reason));
      if (plain_keys) {
        embed->Add("value", Node::Text(Quote(far.columns[0])));
        comments.push_back(IdIs(far_table, far.referenced_columns)
                               ? fmt::format("Each item is the _id of a document of {}.", Decision(far_table).collection)
                               : fmt::format("Each item is a {} key.", Table(far_table).info.name));
      } else {
        auto fields = Node::Object();
        std::set<std::string> item_keys;
        for (const auto& column : join_info.columns)
          if (!LowerSet(home.columns).count(Lower(column.name)))
            fields->Add(UniqueName(FieldName(column.name, proposal_.names), &item_keys), Node::Text(Quote(column.name)));
        embed->Add("fields", fields);
      }
      embeds->Add(name, embed, comments);
    }
    if (!embeds->members.empty()) node->Add("embed", embeds);
  }

  // The largest row of `c` with what is embedded in it, as the rules estimated the whole document.
  uint64_t EstimatedItemBytes(int c) const {
    uint64_t bytes = Table(c).max_row_bytes;
    for (int d = 0; d < static_cast<int>(survey_.tables.size()); ++d) {
      const TableDecision& child = Decision(d);
      if (child.via_fk < 0 || Referenced(d, child.via_fk) != c) continue;
      uint64_t items = Table(d).fan_outs[child.via_fk].max;
      bytes += items * (child.role == TableRole::kEmbedded ? EstimatedItemBytes(d) : Table(d).max_row_bytes + 4);
    }
    return bytes;
  }

  const ModelProposal& proposal_;
  const CatalogSurvey& survey_;
  std::map<std::string, std::vector<std::string>> places_;  // table -> where its rows land
  std::map<int, std::string> first_fold_;                   // lookup -> the first place it is folded in
};

}  // namespace

std::string WriteProposedMapping(const ModelProposal& proposal, const CatalogSurvey& survey,
                                 const ProposedMappingHeader& header) {
  return MappingWriter(proposal, survey).Write(header);
}

}  // namespace sql2mongo
