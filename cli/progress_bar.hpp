// SPDX-License-Identifier: MIT
// scan's progress bar: one line on stderr, only on a terminal: files done of
// the total, rate and time left. A ticker thread redraws it 10 times a
// second, so the clock moves while a big file is read and a fast scan does not
// redraw per result; lines printed to the same terminal erase it first, so
// they never carry half a bar.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "meshsentry/engine.hpp"

namespace meshsentry::cli {

class ProgressBar {
 public:
  using Clock = std::chrono::steady_clock;

  // `files` as collect_files lists them: results of the same paths count as
  // done; archive members and skipped files do not move the bar. Off: every
  // call does nothing (but `above` still prints).
  ProgressBar(bool on, const std::vector<FoundFile>& files);
  ~ProgressBar() { stop(); }

  void advance(const std::string& path);

  // Runs `print` (which writes to the terminal) with the bar erased; the
  // ticker puts it back.
  template <class F>
  void above(F&& print) {
    std::unique_lock<std::mutex> lock(mu_, std::defer_lock);
    if (on_) {
      lock.lock();
      erase();
    }
    print();
    std::fflush(stdout);
  }

  // Stop redrawing and erase the line.
  void stop();

 private:
  void draw();
  void erase();
  static int columns();

  bool on_;
  std::size_t total_, done_ = 0;
  std::unordered_map<std::string, std::size_t> index_;  // path -> files done once it is
  const Clock::time_point start_ = Clock::now();
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false, drawn_ = false;
  std::thread ticker_;
};

// The bar is for people watching a terminal: not for pipes, logs or dumb terminals.
bool progress_wanted(bool quiet);

}  // namespace meshsentry::cli
