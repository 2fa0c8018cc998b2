// "Did you mean ...?" for misspelled table, column and key names.
#pragma once

#include <string>
#include <vector>

namespace sql2mongo {

// The candidate closest to `name` (case-insensitive Levenshtein), or "" when none is close enough
// to be a plausible typo.
std::string ClosestName(const std::string& name, const std::vector<std::string>& candidates);

// " (did you mean 'X'?)" or "" when nothing is close.
std::string DidYouMean(const std::string& name, const std::vector<std::string>& candidates);

}  // namespace sql2mongo
