#include "samdsim/error.hpp"

#include <algorithm>
#include <cctype>

namespace samdsim {

std::string Location::str() const {
  if (file.empty()) return "";
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

namespace {
std::string compose(const Location& where, const std::string& key_path, const std::string& message) {
  std::string s = where.str();
  if (!key_path.empty()) s += (s.empty() ? "" : ": ") + key_path;
  return s.empty() ? message : s + ": " + message;
}

// Optimal string alignment distance (Damerau–Levenshtein with adjacent
// transpositions), case-insensitive: the usual shape of a typo.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
  auto lower = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1]))
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[n][m];
}
}  // namespace

InputError::InputError(Location where, std::string key_path, const std::string& message)
    : std::runtime_error(compose(where, key_path, message)),
      where_(std::move(where)),
      key_path_(std::move(key_path)),
      message_(message) {}

InputError::InputError(const std::string& message) : std::runtime_error(message), message_(message) {}

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = std::string::npos;
  for (const auto& c : candidates) {
    const std::size_t dist = edit_distance(word, c);
    if (dist < best_distance) {
      best_distance = dist;
      best = c;
    }
  }
  // Accept about one edit per three characters, and always a single edit.
  const std::size_t limit = std::max<std::size_t>(1, std::min(word.size(), best.size()) / 3);
  if (best_distance <= limit) return best;
  // A prefix or a contained word ("cost" for "per_site_cost_usd") is also a useful hint.
  for (const auto& c : candidates)
    if (word.size() >= 4 && c.find(word) != std::string::npos) return c;
  return "";
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  const std::string m = closest_match(word, candidates);
  return m.empty() ? "" : " (did you mean '" + m + "'?)";
}

}  // namespace samdsim
