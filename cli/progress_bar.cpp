// SPDX-License-Identifier: MIT
// Drawing scan's progress bar (see progress_bar.hpp): the line is cut to the
// terminal's width, since a line that wraps can no longer be redrawn with \r.
#include "progress_bar.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace meshsentry::cli {

ProgressBar::ProgressBar(bool on, const std::vector<FoundFile>& files) : on_(on), total_(files.size()) {
  if (!on_) return;
  for (std::size_t i = 0; i < files.size(); ++i) index_.emplace(files[i].path, i + 1);
  ticker_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    do draw();
    while (!wake_.wait_for(lock, std::chrono::milliseconds(100), [this] { return stopping_; }));
  });
}

void ProgressBar::advance(const std::string& path) {
  if (!on_) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (const auto it = index_.find(path); it != index_.end()) done_ = std::max(done_, it->second);
}

void ProgressBar::stop() {
  if (!ticker_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  ticker_.join();
  erase();
}

void ProgressBar::draw() {
  const double secs = std::chrono::duration<double>(Clock::now() - start_).count();
  char buf[64];
  std::snprintf(buf, sizeof buf, " %zu/%zu files %3.0f%%", done_, total_, total_ ? 100.0 * done_ / total_ : 100.0);
  std::string tail = buf;
  if (secs >= 1 && done_ > 0) {
    const double rate = done_ / secs;
    const long left = std::lround((total_ - done_) / rate);
    if (left >= 3600)
      std::snprintf(buf, sizeof buf, "  %.1f files/s  ETA %ld:%02ld:%02ld", rate, left / 3600, left / 60 % 60,
                    left % 60);
    else std::snprintf(buf, sizeof buf, "  %.1f files/s  ETA %ld:%02ld", rate, left / 60, left % 60);
    tail += buf;
  }
  // A line wider than the terminal wraps, and \r no longer returns to its start.
  const int cols = columns();
  const int width = std::min(cols - 4 - static_cast<int>(tail.size()), 30);
  std::string line;
  if (width >= 8) {
    const int fill = total_ ? static_cast<int>(width * done_ / total_) : width;
    line += '[';
    line.append(static_cast<std::size_t>(fill), '=');
    if (fill < width) line.append(1, '>').append(static_cast<std::size_t>(width - fill - 1), ' ');
    line += ']';
  }
  line += tail;
  if (static_cast<int>(line.size()) > cols - 1) line.resize(static_cast<std::size_t>(std::max(cols - 1, 0)));
  std::fprintf(stderr, "\r%s\033[K", line.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::erase() {
  if (!drawn_) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  drawn_ = false;
}

int ProgressBar::columns() {
  winsize ws{};
  return ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 ? ws.ws_col : 80;
}

bool progress_wanted(bool quiet) {
  const char* term = std::getenv("TERM");
  return !quiet && isatty(STDERR_FILENO) && !(term && std::strcmp(term, "dumb") == 0);
}

}  // namespace meshsentry::cli
