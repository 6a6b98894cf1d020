#include "samdsim/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

#include "samdsim/error.hpp"

namespace samdsim {

ProgressMode parse_progress_mode(const std::string& text) {
  if (text == "auto") return ProgressMode::Auto;
  if (text == "always") return ProgressMode::Always;
  if (text == "never") return ProgressMode::Never;
  throw InputError("--progress: expected auto, always or never, got '" + text + "'" +
                   did_you_mean(text, {"auto", "always", "never"}));
}

Progress::Progress(std::uint64_t total, ProgressMode mode, std::string label)
    : total_(total),
      enabled_(mode == ProgressMode::Always || (mode == ProgressMode::Auto && isatty(STDERR_FILENO))),
      terminal_(isatty(STDERR_FILENO) != 0),
      label_(std::move(label)),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() {
  if (enabled_ && terminal_ && !finished_) std::fputc('\n', stderr);
}

void Progress::advance(std::uint64_t done) {
  const std::uint64_t now_done = done_.fetch_add(done, std::memory_order_relaxed) + done;
  if (!enabled_) return;
  std::unique_lock lock(draw_mutex_, std::try_to_lock);
  if (!lock.owns_lock()) return;  // another worker is drawing; never wait for it
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < (terminal_ ? std::chrono::milliseconds(200) : std::chrono::milliseconds(10'000))) return;
  last_draw_ = now;
  draw(now_done, false);
}

void Progress::set_label(std::string label) {
  if (!enabled_) return;
  std::lock_guard lock(draw_mutex_);
  label_ = std::move(label);
}

void Progress::finish() {
  if (!enabled_ || finished_) return;
  std::lock_guard lock(draw_mutex_);
  draw(done_.load(), true);
  if (terminal_) std::fputc('\n', stderr);
  finished_ = true;
}

namespace {
std::string clock_text(double seconds) {
  if (!(seconds >= 0) || seconds > 359999) return "--:--";
  const auto s = static_cast<long>(seconds + 0.5);
  return s >= 3600 ? fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60) : fmt::format("{:02}:{:02}", s / 60, s % 60);
}
}  // namespace

void Progress::draw(std::uint64_t done, bool final) {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double fraction = total_ ? static_cast<double>(done) / static_cast<double>(total_) : 1.0;
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
  const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : -1.0;
  constexpr int width = 30;
  const int filled = static_cast<int>(fraction * width);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(width, '.');
  std::fprintf(stderr, "%s%s [%s] %5.1f%%  %s/s  %s %s%s", terminal_ ? "\r\033[K" : "", label_.c_str(), bar.c_str(),
               100.0 * fraction, fmt::format("{:.3g}", rate).c_str(), final ? "elapsed" : "ETA",
               clock_text(final ? elapsed : eta).c_str(), terminal_ ? "" : "\n");
  std::fflush(stderr);
}

}  // namespace samdsim
