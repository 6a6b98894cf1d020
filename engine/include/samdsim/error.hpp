#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace samdsim {

// Where a value came from: a file and a 1-based line and column (0 when unknown).
struct Location {
  std::string file;
  int line = 0;
  int column = 0;

  std::string str() const;  // "file:line:col", "file" or ""
};

// Bad input from the user: config, command-line arguments, input files.
// The command-line program turns it into exit status 2.
class InputError : public std::runtime_error {
 public:
  InputError(Location where, std::string key_path, const std::string& message);
  explicit InputError(const std::string& message);

  const Location& where() const { return where_; }
  const std::string& key_path() const { return key_path_; }
  const std::string& message() const { return message_; }

 private:
  Location where_;
  std::string key_path_;
  std::string message_;
};

// Anything that is not the user's fault: I/O failures, broken invariants.
// The command-line program turns it into exit status 1.
class InternalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The candidate closest to `word` by edit distance, or "" when none is close
// enough to be a plausible typo.
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" or "" — for appending to an unknown-name message.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace samdsim
