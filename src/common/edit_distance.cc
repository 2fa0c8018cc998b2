#include "common/edit_distance.h"

#include <algorithm>
#include <cctype>

namespace sql2mongo {
namespace {

size_t Levenshtein(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                  std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// True when every character of `abbreviation` appears in `word` in order ("CustId" in "CustomerId").
bool IsAbbreviationOf(const std::string& abbreviation, const std::string& word) {
  size_t j = 0;
  for (char c : word) {
    if (j < abbreviation.size() &&
        std::tolower(static_cast<unsigned char>(c)) == std::tolower(static_cast<unsigned char>(abbreviation[j])))
      ++j;
  }
  return j == abbreviation.size();
}

}  // namespace

std::string ClosestName(const std::string& name, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = SIZE_MAX;
  for (const auto& candidate : candidates) {
    size_t d = Levenshtein(name, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  // Past a third of the name's length the "suggestion" is noise rather than a likely typo; a different
  // case alone (distance 0) is always worth suggesting.
  size_t limit = std::max<size_t>(2, name.size() / 3);
  if (best_distance <= limit) return best;
  // Otherwise a shortened name ("CustId" for "CustomerId"): the closest candidate it abbreviates.
  std::string abbreviated;
  size_t abbreviated_distance = SIZE_MAX;
  for (const auto& candidate : candidates) {
    if (name.size() < 3 || !IsAbbreviationOf(name, candidate)) continue;
    size_t d = Levenshtein(name, candidate);
    if (d < abbreviated_distance) {
      abbreviated_distance = d;
      abbreviated = candidate;
    }
  }
  return abbreviated;
}

std::string DidYouMean(const std::string& name, const std::vector<std::string>& candidates) {
  std::string closest = ClosestName(name, candidates);
  return closest.empty() ? "" : " (did you mean '" + closest + "'?)";
}

}  // namespace sql2mongo
