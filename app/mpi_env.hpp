#pragma once

#include <functional>

// The MPI environment of the program: rank and size (0 and 1 without MPI).
namespace samdsim::app {

class MpiEnv {
 public:
  MpiEnv(int& argc, char**& argv);
  ~MpiEnv();
  MpiEnv(const MpiEnv&) = delete;
  MpiEnv& operator=(const MpiEnv&) = delete;

  static MpiEnv* current();  // the program's environment
  int rank() const { return rank_; }
  int size() const { return size_; }
  bool parallel() const { return size_ > 1; }
  // The largest of every rank's `value` (every rank calls it).
  int max_over_ranks(int value) const;

 private:
  int rank_ = 0;
  int size_ = 1;
};

// Runs `step` where a failure must become a status rather than unwind past
// the other ranks: returns its status, or 2 for bad input and 1 for any other
// failure, reported on stderr as the program reports them (bad input only
// when `report_bad_input`: every rank meets the same, one reports it).
int status_of(const std::function<int()>& step, bool report_bad_input = true);

}  // namespace samdsim::app
