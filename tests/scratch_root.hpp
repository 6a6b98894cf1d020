#pragma once

// A test program's own directory under the system's temporary directory,
// named by prefix and process id and removed with everything in it when the
// program ends, so that running the tests again and again does not fill the
// disk (a resumed run's files alone take hundreds of megabytes).

#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>
#include <system_error>

namespace samdsim_tests {

inline const std::filesystem::path& scratch_root(const std::string& prefix) {
  struct Roots {
    std::map<std::string, std::filesystem::path> paths;
    ~Roots() {
      std::error_code ec;
      for (const auto& [prefix, path] : paths) std::filesystem::remove_all(path, ec);
    }
  };
  static Roots roots;
  auto [it, added] = roots.paths.try_emplace(prefix);
  if (added) it->second = std::filesystem::temp_directory_path() / (prefix + std::to_string(::getpid()));
  return it->second;
}

}  // namespace samdsim_tests
