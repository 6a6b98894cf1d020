#include "sobol_groups.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <set>

#include "samdsim/error.hpp"
#include "samdsim/sweep.hpp"

namespace samdsim::app {

DesignGroups design_groups(const ParameterTable& table, const std::vector<std::string>& specs) {
  const auto columns = table.sampled_columns();
  const std::size_t k = columns.size();
  std::vector<std::string> names, short_names;
  for (const auto& c : columns) {
    names.push_back(c.name);
    short_names.push_back(strip_parameters_prefix(c.name));
  }
  // Components of the columns drawn together (union-find), with why.
  std::vector<std::uint32_t> parent(k);
  std::iota(parent.begin(), parent.end(), 0u);
  const auto root = [&](std::uint32_t c) {
    while (parent[c] != c) c = parent[c] = parent[parent[c]];
    return c;
  };
  std::vector<std::set<std::string>> why(k), blocks(k);
  const auto join = [&](std::uint32_t a, std::uint32_t b, const std::string& reason) {
    a = root(a);
    b = root(b);
    if (a != b) {
      if (b < a) std::swap(a, b);
      parent[b] = a;
      why[a].insert(why[b].begin(), why[b].end());
      blocks[a].insert(blocks[b].begin(), blocks[b].end());
    }
    why[a].insert(reason);
  };
  // Groups with their own stream on one stage (evidence_program strategies)
  // draw their parameters from the same random numbers, in slot order: the
  // i-th draws coincide while the parameters before them match (same
  // relative path, same distribution); after the first difference they use
  // the stream from offsets that vary by replicate, so the rest are drawn
  // together in ways the design cannot separate.
  std::vector<std::vector<std::uint32_t>> by_stream(table.stream_count());
  std::vector<Param> param_of(k);
  for (std::uint32_t i = 0; i < table.size(); ++i) {
    const Param p{i};
    if (!table.is_sampled(p)) continue;
    const std::uint32_t column = table.sampled_index(p);
    param_of[column] = p;
    by_stream[table.slot(p).stream].push_back(column);
  }
  // A copula's parameters take their values from its own stream (they still
  // use their place in the parameter stream, which keeps the others aligned).
  std::vector<bool> replaced(k, false);
  for (const auto& c : table.copulas())
    for (const auto col : c.columns) replaced[col] = true;
  for (std::uint32_t x = 0; x < by_stream.size(); ++x)
    for (std::uint32_t y = x + 1; y < by_stream.size(); ++y) {
      if (table.stream_stage(x) != table.stream_stage(y)) continue;
      const auto& a = by_stream[x];
      const auto& b = by_stream[y];
      const std::string reason = fmt::format("one stream shared on stage {}", table.stream_stage(x));
      std::size_t i = 0;
      for (; i < std::min(a.size(), b.size()); ++i) {
        const Param pa = param_of[a[i]], pb = param_of[b[i]];
        if (table.stream_relative_path(pa) != table.stream_relative_path(pb) ||
            !(table.slot(pa).distribution == table.slot(pb).distribution))
          break;
        if (!replaced[a[i]] && !replaced[b[i]]) join(a[i], b[i], reason);
      }
      if (i < a.size() && i < b.size()) {
        std::vector<std::uint32_t> tail;
        for (const auto* side : {&a, &b})
          for (std::size_t j = i; j < side->size(); ++j)
            if (!replaced[(*side)[j]]) tail.push_back((*side)[j]);
        for (const auto col : tail) join(tail.front(), col, reason);
      }
    }
  const auto& copulas = table.copulas();
  for (std::size_t c = 0; c < copulas.size(); ++c) {
    const std::string reason = "block " + copulas[c].key_path;
    for (const auto col : copulas[c].columns) {
      join(copulas[c].columns.front(), col, reason);
      blocks[root(col)].insert(copulas[c].key_path);
    }
    // The same block on two strategies of one stage draws the same normal scores.
    for (std::size_t d = 0; d < c; ++d)
      if (copulas[d].substream == copulas[c].substream) {
        join(copulas[d].columns.front(), copulas[c].columns.front(), "the same block on strategies of one stage");
        blocks[root(copulas[c].columns.front())].insert(copulas[c].key_path);
      }
  }
  const auto reasons = [&](std::uint32_t component) {
    std::string out;
    for (const auto& r : why[component]) out += (out.empty() ? "" : "; ") + r;
    return out;
  };
  const auto listed = [&](std::uint32_t component) {
    std::string out;
    for (std::uint32_t c = 0; c < k; ++c)
      if (root(c) == component) out += (out.empty() ? "" : ", ") + short_names[c];
    return out;
  };

  constexpr int none = -1;
  std::vector<int> owner(k, none);
  std::vector<SobolGroup> all;
  const auto trim = [](std::string t) {
    const auto b = t.find_first_not_of(" \t");
    const auto e = t.find_last_not_of(" \t");
    return b == std::string::npos ? std::string() : t.substr(b, e - b + 1);
  };
  for (const std::string& spec : specs) {
    const auto eq = spec.find('=');
    const std::string label = eq == std::string::npos ? "" : trim(spec.substr(0, eq));
    if (label.empty() || eq + 1 >= spec.size())
      throw InputError("--group: expected LABEL=PARAMETER,PARAMETER,..., got '" + spec + "'");
    if (label.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
        std::string::npos)
      throw InputError("--group: a label has letters, digits, _ and - only, got '" + label + "'");
    for (const auto& g : all)
      if (g.name == label) throw InputError("--group: the label '" + label + "' is given twice");
    SobolGroup g{label, {}};
    std::size_t start = eq + 1;
    while (start <= spec.size()) {
      const auto comma = std::min(spec.find(',', start), spec.size());
      const std::string path = strip_parameters_prefix(trim(spec.substr(start, comma - start)));
      start = comma + 1;
      if (path.empty()) throw InputError("--group " + label + ": an empty parameter name in '" + spec + "'");
      const auto it = std::find(short_names.begin(), short_names.end(), path);
      if (it == short_names.end())
        throw InputError(fmt::format("--group {}: '{}' is not a parameter drawn per replicate in this scenario{}",
                                     label, path, did_you_mean(path, short_names)));
      const auto column = static_cast<std::uint32_t>(it - short_names.begin());
      if (owner[column] != none)
        throw InputError(fmt::format("--group {}: '{}' is already in group '{}'", label, path,
                                     owner[column] == static_cast<int>(all.size())
                                         ? label
                                         : all[static_cast<std::size_t>(owner[column])].name));
      owner[column] = static_cast<int>(all.size());
      g.columns.push_back(column);
    }
    all.push_back(std::move(g));
  }
  // A --group holds whole components, or none of one.
  for (std::uint32_t c = 0; c < k; ++c)
    if (owner[c] != owner[root(c)])
      throw InputError(fmt::format("--group: {} are drawn together ({}); put all of them in one group (a design that "
                                   "varies part of them would pair values the model never draws together)",
                                   listed(root(c)), reasons(root(c))));
  DesignGroups out;
  for (std::uint32_t c = 0; c < k; ++c) {
    if (owner[c] != none || root(c) != c) continue;
    std::vector<std::uint32_t> members;
    for (std::uint32_t d = 0; d < k; ++d)
      if (root(d) == c) members.push_back(d);
    if (members.size() == 1) continue;  // alone, below
    std::string name;
    for (const auto& b : blocks[c]) name += (name.empty() ? "" : "+") + b;
    if (name.empty()) name = "shared:" + short_names[c];
    for (const auto d : members) owner[d] = static_cast<int>(all.size());
    all.push_back({name, members});
    out.notes.push_back(fmt::format("{} ({}) are drawn together ({}) and form one group", name, listed(c), reasons(c)));
  }
  // A parameter alone is named as in the rank table (its stored name).
  for (std::uint32_t c = 0; c < k; ++c)
    if (owner[c] == none) all.push_back({names[c], {c}});
  std::stable_sort(all.begin(), all.end(), [](const SobolGroup& x, const SobolGroup& y) {
    return *std::min_element(x.columns.begin(), x.columns.end()) < *std::min_element(y.columns.begin(), y.columns.end());
  });
  for (const auto& g : all) {
    std::string m;
    for (const auto c : g.columns) m += (m.empty() ? "" : ",") + names[c];
    out.members.push_back(m);
  }
  out.groups = std::move(all);
  return out;
}

}  // namespace samdsim::app
