// The rules of `sql2mongo init`, in the order they are applied (docs/init.md gives the reasons at length):
// 1. a pure join table becomes an array of the far side's keys in the side with fewer rows (M:N);
// 2. a small lookup table is folded into the rows that point at it (N:1), not a collection;
// 3. a child whose fan-out is bounded is embedded as an array in one parent (1:N, one-to-few);
// 4. everything else is a collection, its foreign keys kept as references.
// Then embeds that would make a document large are cut back into collections.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <set>

#include "init/model_proposal.h"
#include "init/proposal_support.h"

namespace sql2mongo {
namespace {

std::string Upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

bool LooksLikeTimestamp(const std::string& declared_type) {
  std::string upper = Upper(declared_type);
  return upper.find("DATE") != std::string::npos || upper.find("TIME") != std::string::npos;
}

class Proposer {
 public:
  Proposer(const CatalogSurvey& survey, const ProposalRules& rules, NameCase names) : survey_(survey), rules_(rules) {
    proposal_.rules = rules;
    proposal_.names = names;
    proposal_.tables.resize(survey.tables.size());
    for (size_t t = 0; t < survey.tables.size(); ++t) proposal_.tables[t].table = survey.tables[t].info.name;
  }

  ModelProposal Run() {
    FindJoinTables();
    FindLookups();
    ChooseParents();
    PlaceJoinArrays();
    CutLargeEmbeds();
    NameCollections();
    for (int t = 0; t < static_cast<int>(survey_.tables.size()); ++t)
      if (Decision(t).role == TableRole::kCollection) Decision(t).estimated_bytes = EstimatedBytes(t);
    for (const auto& table : survey_.unreadable) Skip(table.name, table.reason);
    for (const auto& name : survey_.not_selected) Skip(name, "not in --tables");
    for (const auto& name : survey_.views) Skip(name, "a view: map its base tables, or add it explicitly with a mapping");
    return std::move(proposal_);
  }

 private:
  void Skip(const std::string& table, const std::string& reason) {
    TableDecision decision;
    decision.table = table;
    decision.role = TableRole::kSkipped;
    decision.reasons.push_back(reason);
    proposal_.tables.push_back(std::move(decision));
  }
  int IndexOf(const std::string& name) const {
    const TableSurvey* found = survey_.Find(name);
    return found ? static_cast<int>(found - survey_.tables.data()) : -1;
  }
  const TableSurvey& Table(int t) const { return survey_.tables[t]; }
  TableDecision& Decision(int t) { return proposal_.tables[t]; }
  int Referenced(int t, size_t f) const { return IndexOf(Table(t).info.foreign_keys[f].referenced_table); }

  std::string Rows(int t) const {
    return Table(t).rows_capped ? fmt::format("over {} rows (counting stopped there)", Table(t).rows)
                                : fmt::format("{} row{}", Table(t).rows, Table(t).rows == 1 ? "" : "s");
  }
  std::string FanOutText(const FanOut& f) const {
    return fmt::format("max {}, p50 {}, p99 {}{}", f.max, f.p50, f.p99,
                       f.capped ? fmt::format(" (of the first {} child rows only)", f.child_rows) : "");
  }
  std::string FkText(int t, size_t f) const {
    const ForeignKey& fk = Table(t).info.foreign_keys[f];
    return fmt::format("{}.{}", Table(t).info.name, fmt::join(fk.columns, "+"));
  }

  // A pure join table: its columns are two foreign keys (plus at most one timestamp), and its primary
  // key is those columns or absent. Its rows are pairs, so they become an array of keys on one side.
  void FindJoinTables() {
    for (int t = 0; t < static_cast<int>(survey_.tables.size()); ++t) {
      const TableInfo& info = Table(t).info;
      if (info.foreign_keys.size() != 2) continue;
      if (Referenced(t, 0) < 0 || Referenced(t, 1) < 0 || Referenced(t, 0) == t || Referenced(t, 1) == t) continue;
      std::set<std::string> a = LowerSet(info.foreign_keys[0].columns), b = LowerSet(info.foreign_keys[1].columns);
      std::set<std::string> keys = a;
      keys.insert(b.begin(), b.end());
      if (keys.size() != a.size() + b.size()) continue;  // the two keys share a column
      int extra = 0;
      bool only_timestamps = true;
      for (const auto& column : info.columns)
        if (!keys.count(Lower(column.name))) {
          ++extra;
          only_timestamps = only_timestamps && LooksLikeTimestamp(column.declared_type);
        }
      if (extra > 1 || !only_timestamps) continue;
      if (!info.primary_key.empty() && LowerSet(info.primary_key) != keys) continue;
      Decision(t).role = TableRole::kJoinArray;
      join_.insert(t);
    }
  }

  // Small tables of names and codes (Genre, MediaType) are read with the rows that point at them, not on
  // their own: folding them in saves a $lookup on every read, and copies of a few short values cost little.
  void FindLookups() {
    std::set<int> candidates;
    for (int t = 0; t < static_cast<int>(survey_.tables.size()); ++t) {
      const TableSurvey& table = Table(t);
      if (join_.count(t) || table.info.primary_key.empty() || table.rows_capped) continue;
      if (table.info.columns.size() > rules_.lookup_max_columns || table.rows > rules_.lookup_max_rows) continue;
      if (DescriptiveColumns(table.info).empty()) continue;  // only keys: folding it in would add nothing
      bool self = false;
      for (size_t f = 0; f < table.info.foreign_keys.size(); ++f) self = self || Referenced(t, f) == t;
      if (self) continue;
      if (Referrers(t).empty()) continue;
      candidates.insert(t);
    }
    // A lookup's own foreign keys may only point at lookups (Album -> Artist), so that what is folded in
    // is again folded in, never a collection's row.
    for (bool changed = true; changed;) {
      changed = false;
      for (auto it = candidates.begin(); it != candidates.end();) {
        bool ok = true;
        for (size_t f = 0; f < Table(*it).info.foreign_keys.size(); ++f) ok = ok && candidates.count(Referenced(*it, f));
        if (ok) {
          ++it;
        } else {
          it = candidates.erase(it);
          changed = true;
        }
      }
    }
    for (int t : candidates) {
      const TableSurvey& table = Table(t);
      Decision(t).role = TableRole::kLookup;
      std::vector<std::string> used;
      for (const auto& [child, f] : Referrers(t))
        used.push_back(fmt::format("{} uses {} of them", FkText(child, f), Table(child).fan_outs[f].parents_used));
      Decision(t).reasons.push_back(fmt::format(
          "a small lookup table ({} columns <= {}, {} <= {}, referenced by foreign keys): folded into the rows "
          "that point at it instead of a collection of its own; {}; a row no key uses is not migrated",
          table.info.columns.size(), rules_.lookup_max_columns, Rows(t), rules_.lookup_max_rows, fmt::join(used, ", ")));
      lookup_.insert(t);
    }
  }

  // (table, foreign key) pairs pointing at `t` from tables other than join tables and `t` itself.
  std::vector<std::pair<int, size_t>> Referrers(int t) const {
    std::vector<std::pair<int, size_t>> out;
    for (int c = 0; c < static_cast<int>(survey_.tables.size()); ++c) {
      if (c == t || join_.count(c)) continue;
      for (size_t f = 0; f < Table(c).info.foreign_keys.size(); ++f)
        if (Referenced(c, f) == t) out.push_back({c, f});
    }
    return out;
  }

 private:
  bool IsEntity(int t) const { return t >= 0 && !join_.count(t) && !lookup_.count(t); }

  bool IsAncestorOrSelf(int ancestor, int t) {
    for (int steps = 0; t >= 0 && steps <= static_cast<int>(survey_.tables.size()); ++steps) {
      if (t == ancestor) return true;
      if (Decision(t).role != TableRole::kEmbedded) return false;
      t = Referenced(t, Decision(t).via_fk);
    }
    return true;  // a loop: treat as one, never close it
  }

  // One-to-few children live inside their parent: read together, written together, and a parent's
  // document holds all of them. A child belongs to one parent; with several candidates, the one with
  // fewer rows: fewer, fuller documents.
  void ChooseParents() {
    for (int t = 0; t < static_cast<int>(survey_.tables.size()); ++t) {
      if (!IsEntity(t)) continue;
      const TableSurvey& table = Table(t);
      int best = -1;
      std::vector<std::string> notes;
      for (size_t f = 0; f < table.info.foreign_keys.size(); ++f) {
        int parent = Referenced(t, f);
        if (!IsEntity(parent) || parent == t) continue;
        const FanOut& fan_out = table.fan_outs[f];
        const ForeignKey& fk = table.info.foreign_keys[f];
        bool nullable = false;
        for (const auto& column : fk.columns) {
          int index = table.info.ColumnIndex(column);
          nullable = nullable || index < 0 || table.info.columns[index].nullable;
        }
        std::string fk_text = FkText(t, f);
        if (nullable) {
          notes.push_back(fmt::format("not embedded in {}: {} may be NULL, and a row without a parent would be "
                                      "in no document", Table(parent).info.name, fk_text));
        } else if (fan_out.capped) {
          notes.push_back(fmt::format("not embedded in {}: the table was only read up to {} rows, so the fan-out "
                                      "is not known to be bounded", Table(parent).info.name, fan_out.child_rows));
        } else if (fan_out.p99 > rules_.embed_max_p99 || fan_out.max > rules_.embed_max) {
          notes.push_back(fmt::format("not embedded in {}: one-to-many beyond few ({} rows per {}: {}; the rule "
                                      "embeds up to p99 {} and max {})", Table(parent).info.name, table.info.name,
                                      Table(parent).info.name, FanOutText(fan_out), rules_.embed_max_p99,
                                      rules_.embed_max));
        } else if (IsAncestorOrSelf(t, parent)) {
          notes.push_back(fmt::format("not embedded in {}: it is already embedded in this table", Table(parent).info.name));
        } else if (best < 0 || Table(parent).rows < Table(Referenced(t, best)).rows) {
          if (best >= 0)
            notes.push_back(fmt::format("could also live in {} ({}), which has more rows",
                                        Table(Referenced(t, best)).info.name, Rows(Referenced(t, best))));
          best = static_cast<int>(f);
        } else {
          notes.push_back(fmt::format("could also live in {} ({}), which has more rows", Table(parent).info.name,
                                      Rows(parent)));
        }
      }
      TableDecision& decision = Decision(t);
      if (best >= 0) {
        decision.role = TableRole::kEmbedded;
        decision.via_fk = best;
        decision.reasons.push_back(fmt::format(
            "1:N, one-to-few: embedded as an array in {} by {}: {} rows per {}: {} (rule: p99 <= {}, max <= {})",
            Table(Referenced(t, best)).info.name, FkText(t, best), table.info.name,
            Table(Referenced(t, best)).info.name, FanOutText(table.fan_outs[best]), rules_.embed_max_p99, rules_.embed_max));
      }
      for (auto& note : notes) decision.reasons.push_back(std::move(note));
    }
  }

  // The home side of a many-to-many is the side with fewer rows: its documents get the array of the other
  // side's keys, which stays short there (PlaylistTrack: 18 playlists hold 3503 tracks' ids, not each
  // track the ids of its playlists).
  void PlaceJoinArrays() {
    for (int t : join_) {
      const TableSurvey& table = Table(t);
      int a = Referenced(t, 0), b = Referenced(t, 1);
      int home = Table(a).rows <= Table(b).rows ? 0 : 1;
      if (!IsEntity(Referenced(t, home))) home = 1 - home;
      int far = 1 - home;
      TableDecision& decision = Decision(t);
      const FanOut& fan_out = table.fan_outs[home];
      std::string what = fmt::format("a join table (its columns are the foreign keys {} and {}{})", FkText(t, 0),
                                     FkText(t, 1), table.info.columns.size() > table.info.foreign_keys[0].columns.size() +
                                                   table.info.foreign_keys[1].columns.size() ? " and a timestamp" : "");
      if (!IsEntity(Referenced(t, home))) {
        decision.role = TableRole::kCollection;
        decision.reasons.push_back(what + ", but both sides are folded-in lookup tables: a collection of its own");
        continue;
      }
      uint64_t bytes = fan_out.max * (Table(t).max_row_bytes + 4);
      if (fan_out.capped || fan_out.max > rules_.id_array_max || bytes > rules_.embed_max_bytes) {
        decision.role = TableRole::kCollection;
        decision.reasons.push_back(fmt::format("{}, but too many pairs for an array in {} ({} per {}: {}; an array "
                                               "of keys is kept to {} items and {} bytes): a collection of its own",
                                               what, Table(Referenced(t, home)).info.name, table.info.name,
                                               Table(Referenced(t, home)).info.name, FanOutText(fan_out),
                                               rules_.id_array_max, rules_.embed_max_bytes));
        continue;
      }
      decision.via_fk = home;
      decision.reasons.push_back(fmt::format(
          "M:N: {}: embedded as an array of {}'s keys in {}, the side with fewer rows ({} against {}); per {}: {} "
          "(an array of keys is kept to {} items)",
          what, Table(Referenced(t, far)).info.name, Table(Referenced(t, home)).info.name, Rows(Referenced(t, home)),
          Rows(Referenced(t, far)), Table(Referenced(t, home)).info.name, FanOutText(fan_out), rules_.id_array_max));
    }
  }

 public:
  // The largest document `t`'s row can become with what is embedded in it, in bytes (from the largest
  // row of each table and the largest fan-out of each embed: an upper bound, not an average).
  uint64_t EstimatedBytes(int t, int depth = 0) {
    if (depth > 32) return 0;
    uint64_t bytes = Table(t).max_row_bytes;
    for (size_t f = 0; f < Table(t).info.foreign_keys.size(); ++f) {
      int parent = Referenced(t, f);
      if (parent >= 0 && lookup_.count(parent)) bytes += EstimatedBytes(parent, depth + 1);
    }
    for (int c = 0; c < static_cast<int>(survey_.tables.size()); ++c) {
      const TableDecision& decision = proposal_.tables[c];
      if (decision.via_fk < 0 || Referenced(c, decision.via_fk) != t) continue;
      const FanOut& fan_out = Table(c).fan_outs[decision.via_fk];
      if (decision.role == TableRole::kEmbedded) bytes += fan_out.max * EstimatedBytes(c, depth + 1);
      if (decision.role == TableRole::kJoinArray) bytes += fan_out.max * (Table(c).max_row_bytes + 4);
    }
    return bytes;
  }

 private:
  // Embeds that would make one parent's document large go back to collections of their own, the largest
  // first, until every embed stays under embed_max_bytes.
  void CutLargeEmbeds() {
    for (;;) {
      int worst = -1;
      uint64_t worst_bytes = 0;
      for (int t = 0; t < static_cast<int>(survey_.tables.size()); ++t) {
        if (Decision(t).role != TableRole::kEmbedded) continue;
        uint64_t bytes = Table(t).fan_outs[Decision(t).via_fk].max * EstimatedBytes(t);
        if (bytes > rules_.embed_max_bytes && bytes > worst_bytes) {
          worst = t;
          worst_bytes = bytes;
        }
      }
      if (worst < 0) return;
      TableDecision& decision = Decision(worst);
      decision.reasons.insert(decision.reasons.begin(),
                              fmt::format("not embedded after all: the rows of one {} could add up to ~{:.1f} MiB to "
                                          "its document (largest fan-out x largest row), over the {:.1f} MiB this "
                                          "proposal allows an embed (MongoDB's limit is 16 MiB a document)",
                                          Table(Referenced(worst, decision.via_fk)).info.name,
                                          static_cast<double>(worst_bytes) / (1 << 20),
                                          static_cast<double>(rules_.embed_max_bytes) / (1 << 20)));
      decision.role = TableRole::kCollection;
      decision.via_fk = -1;
    }
  }

  void NameCollections() {
    std::set<std::string> taken;
    for (auto& decision : proposal_.tables) {
      if (decision.role != TableRole::kCollection) continue;
      decision.collection = UniqueName(MadeUpName(PluralName(SnakeName(decision.table)), proposal_.names), &taken);
    }
  }

  const CatalogSurvey& survey_;
  ProposalRules rules_;
  ModelProposal proposal_;
  std::set<int> join_;
  std::set<int> lookup_;
};

}  // namespace

ModelProposal ProposeModel(const CatalogSurvey& survey, const ProposalRules& rules, NameCase names) {
  return Proposer(survey, rules, names).Run();
}

}  // namespace sql2mongo
