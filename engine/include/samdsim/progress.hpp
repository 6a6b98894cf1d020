#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace samdsim {

enum class ProgressMode { Auto, Always, Never };

ProgressMode parse_progress_mode(const std::string& text);  // InputError when unknown

// A progress bar with rate and ETA on stderr. Workers call advance() as
// replicates finish; at most one of them redraws, a few times a second, the
// first time 0.2 s after the start. One bar can span several runs (the points
// of a sweep): set_label names the current one. When stderr is not a
// terminal (--progress always into a batch job's log), the bar is a plain
// line every 10 s instead, without carriage returns or escape codes.
class Progress {
 public:
  Progress(std::uint64_t total, ProgressMode mode, std::string label);
  ~Progress();

  void advance(std::uint64_t done);
  void set_label(std::string label);
  void finish();
  bool enabled() const { return enabled_; }

 private:
  void draw(std::uint64_t done, bool final);

  std::uint64_t total_;
  bool enabled_;
  bool terminal_;
  std::string label_;
  std::atomic<std::uint64_t> done_{0};
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  std::mutex draw_mutex_;
  bool finished_ = false;
};

}  // namespace samdsim
