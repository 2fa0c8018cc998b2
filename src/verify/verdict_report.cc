#include "verify/verdict_report.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace sql2mongo {

const char* DifferenceKindName(DifferenceKind kind) {
  switch (kind) {
    case DifferenceKind::kMissing: return "missing";
    case DifferenceKind::kExtra: return "extra";
    case DifferenceKind::kChanged: return "changed";
    case DifferenceKind::kDuplicate: return "duplicate";
    case DifferenceKind::kCount: return "count";
  }
  return "";
}

namespace {

uint64_t Total(const std::vector<CollectionVerdict>& verdicts, uint64_t CollectionVerdict::*field) {
  uint64_t total = 0;
  for (const auto& verdict : verdicts) total += verdict.*field;
  return total;
}

uint64_t TotalDifferences(const std::vector<CollectionVerdict>& verdicts) {
  uint64_t total = 0;
  for (const auto& verdict : verdicts) total += verdict.Differences();
  return total;
}

double Rate(uint64_t documents, double seconds) { return seconds > 0 ? documents / seconds : 0; }

// "1 missing, 2 changed": the kinds that occurred.
std::string CountsByKind(const CollectionVerdict& verdict) {
  std::string out;
  auto add = [&](uint64_t count, const char* what) {
    if (count > 0) out += fmt::format("{}{} {}", out.empty() ? "" : ", ", count, what);
  };
  add(verdict.count_mismatch, "count");
  add(verdict.missing, "missing");
  add(verdict.extra, "extra");
  add(verdict.changed, "changed");
  add(verdict.duplicate, "duplicate");
  return out;
}

std::string DifferenceLine(const Difference& difference) {
  std::string who = difference.id_json.empty() ? "" : "_id " + difference.id_json + ": ";
  return fmt::format("  {:<10}{}{}\n", DifferenceKindName(difference.kind), who, difference.message);
}

// The _id as JSON (relaxed Extended JSON is JSON), or null when there is none to name.
nlohmann::ordered_json IdValue(const std::string& id_json) {
  if (id_json.empty()) return nullptr;
  auto parsed = nlohmann::ordered_json::parse(id_json, nullptr, false);
  return parsed.is_discarded() ? nlohmann::ordered_json(id_json) : parsed;
}

std::string Dump(const nlohmann::ordered_json& line) {
  return line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace

int VerdictExitCode(const std::vector<CollectionVerdict>& verdicts) { return TotalDifferences(verdicts) > 0 ? 1 : 0; }

std::string FormatVerdictText(const std::vector<CollectionVerdict>& verdicts, const std::string& target_name) {
  std::string out;
  for (const auto& verdict : verdicts) {
    for (const auto& note : verdict.notes) out += fmt::format("{}: {}\n", verdict.collection, note);
    if (verdict.Differences() == 0) continue;
    out += fmt::format("{}: {} difference{} ({})\n", verdict.collection, verdict.Differences(),
                       verdict.Differences() == 1 ? "" : "s", CountsByKind(verdict));
    for (const auto& difference : verdict.shown) out += DifferenceLine(difference);
    if (verdict.Differences() > verdict.shown.size())
      out += fmt::format("  ... and {} more, not shown\n", verdict.Differences() - verdict.shown.size());
  }
  const bool sampled = !verdicts.empty() && verdicts.front().sampled;
  out += fmt::format("{:<24} {:>10} {:>10} {:>10} {:>8} {:>8} {:>8} {:>9} {:>9} {:>8} {:>10}\n", "collection",
                     sampled ? "checked" : "expected", sampled ? "sampled" : "stored", "equal", "missing", "extra",
                     "changed", "duplicate", "rejected", "seconds", "docs/s");
  double seconds = 0;
  for (const auto& v : verdicts) {
    out += fmt::format("{:<24} {:>10} {:>10} {:>10} {:>8} {:>8} {:>8} {:>9} {:>9} {:>8.2f} {:>10.0f}\n", v.collection,
                       v.expected, v.stored, v.equal, v.missing, v.extra, v.changed, v.duplicate, v.rejected,
                       v.seconds, Rate(v.expected, v.seconds));
    seconds += v.seconds;
  }
  uint64_t expected = Total(verdicts, &CollectionVerdict::expected);
  out += fmt::format("{:<24} {:>10} {:>10} {:>10} {:>8} {:>8} {:>8} {:>9} {:>9} {:>8.2f} {:>10.0f}\n", "total",
                     expected, Total(verdicts, &CollectionVerdict::stored), Total(verdicts, &CollectionVerdict::equal),
                     Total(verdicts, &CollectionVerdict::missing), Total(verdicts, &CollectionVerdict::extra),
                     Total(verdicts, &CollectionVerdict::changed), Total(verdicts, &CollectionVerdict::duplicate),
                     Total(verdicts, &CollectionVerdict::rejected), seconds, Rate(expected, seconds));
  if (sampled) {
    for (const auto& v : verdicts)
      out += fmt::format("{}: {} stored documents, {} source rows\n", v.collection, v.stored_total, v.source_rows);
  }
  uint64_t rejected = Total(verdicts, &CollectionVerdict::rejected);
  if (rejected > 0)
    out += fmt::format("{} source rows cannot become documents; `run` rejects them too (its rejects file says why), "
                       "so they are not expected in the target.\n",
                       rejected);
  uint64_t differences = TotalDifferences(verdicts);
  if (differences == 0)
    out += fmt::format("{} and the source agree: {}{} document{} in {} collection{} (exit 0)\n", target_name,
                       expected, sampled ? " sampled" : "", expected == 1 ? "" : "s", verdicts.size(),
                       verdicts.size() == 1 ? "" : "s");
  else
    out += fmt::format("{} differs from the source: {} difference{} (exit 1)\n", target_name, differences,
                       differences == 1 ? "" : "s");
  return out;
}

std::string FormatVerdictJson(const std::vector<CollectionVerdict>& verdicts, const std::string& target_name) {
  std::string out;
  for (const auto& v : verdicts) {
    for (const auto& difference : v.shown) {
      out += Dump({{"type", "difference"},
                   {"collection", v.collection},
                   {"kind", DifferenceKindName(difference.kind)},
                   {"_id", IdValue(difference.id_json)},
                   {"field", difference.field},
                   {"message", difference.message}});
    }
  }
  for (const auto& v : verdicts) {
    nlohmann::ordered_json line = {{"type", "collection"}, {"collection", v.collection}, {"sampled", v.sampled},
                                   {"expected", v.expected}, {"stored", v.stored},       {"equal", v.equal},
                                   {"missing", v.missing},   {"extra", v.extra},         {"changed", v.changed},
                                   {"duplicate", v.duplicate}, {"count", v.count_mismatch},
                                   {"rejected", v.rejected}, {"differences", v.Differences()},
                                   {"shown", v.shown.size()}, {"notes", v.notes},
                                   {"target_seconds", v.target_seconds}, {"seconds", v.seconds},
                                   {"docs_per_second", Rate(v.expected, v.seconds)}};
    if (v.sampled) {
      line["stored_total"] = v.stored_total;
      line["source_rows"] = v.source_rows;
    }
    out += Dump(line);
  }
  out += Dump({{"type", "verdict"},
               {"target", target_name},
               {"differences", TotalDifferences(verdicts)},
               {"collections", verdicts.size()},
               {"exit", VerdictExitCode(verdicts)}});
  return out;
}

}  // namespace sql2mongo
