#include "pipeline/embed_strategy.h"

#include <optional>

namespace sql2mongo {
std::optional<int64_t> IntegerKeyOf(const Value& value) {
  if (const auto* v = std::get_if<int32_t>(&value)) return *v;
  if (const auto* v = std::get_if<int64_t>(&value)) return *v;
  return std::nullopt;
}

bool RangeFetchAllowed(const EmbedPlan& embed, const TablePlan& parent) {
  return embed.kind == EmbedKind::kArray && parent.where.empty();
}

EmbedFetchPlan PlanEmbedFetch(const EmbedPlan& embed, const TablePlan& parent, bool parent_is_root) {
  if (embed.kind != EmbedKind::kArray) return {false, "N:1 object: keys not seen yet by IN list, then cached"};
  if (!parent.where.empty())
    return {false, "IN list of the batch's keys (the parent's \"where\" leaves gaps in its key range, whose "
                   "children a range scan would read for nothing)"};
  if (!parent_is_root)
    return {true, "IN list of the batch's keys, or a key range when they happen to be ascending integers with few "
                  "gaps (the parents come grouped by their own parent, rarely in the order of their key)"};
  return {true, "key range (fk >= first AND fk <= last: one index range scan) when a batch's parent keys are "
                "ascending integers with few gaps, as a root read in key order gives, else an IN list of its keys"};
}

bool KeysFormRange(const std::vector<std::vector<Value>>& keys) {
  if (keys.empty()) return false;
  std::vector<int64_t> previous;
  for (const std::vector<Value>& key : keys) {
    std::vector<int64_t> current;
    current.reserve(key.size());
    for (const Value& part : key) {
      std::optional<int64_t> integer = IntegerKeyOf(part);
      if (!integer) return false;  // text, dates, decimals: SQL may order them otherwise than we compare
      current.push_back(*integer);
    }
    if (!previous.empty() && !(previous < current)) return false;  // not strictly ascending
    previous = std::move(current);
  }
  // Span of the leading column, in unsigned arithmetic so that no pair of int64 overflows.
  uint64_t span = static_cast<uint64_t>(*IntegerKeyOf(keys.back()[0])) - static_cast<uint64_t>(*IntegerKeyOf(keys.front()[0]));
  return span / kMaxRangeSpanPerKey < keys.size();
}

}  // namespace sql2mongo
