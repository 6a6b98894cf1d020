#include "mpi_env.hpp"

#ifdef SAMDSIM_WITH_MPI
// The C API only: the deprecated C++ bindings would need their own library.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>
#endif

#include <iostream>

#include "samdsim/error.hpp"

namespace samdsim::app {

namespace {
MpiEnv* instance = nullptr;
}

#ifdef SAMDSIM_WITH_MPI
MpiEnv::MpiEnv(int& argc, char**& argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  instance = this;
}

MpiEnv::~MpiEnv() {
  instance = nullptr;
  MPI_Finalize();
}

int MpiEnv::max_over_ranks(int value) const {
  int result = value;
  MPI_Allreduce(&value, &result, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return result;
}
#else
MpiEnv::MpiEnv(int&, char**&) { instance = this; }
MpiEnv::~MpiEnv() { instance = nullptr; }
int MpiEnv::max_over_ranks(int value) const { return value; }
#endif

MpiEnv* MpiEnv::current() { return instance; }

int status_of(const std::function<int()>& step, bool report_bad_input) {
  try {
    return step();
  } catch (const InputError& e) {
    if (report_bad_input) std::cerr << "samdsim: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "samdsim: internal error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace samdsim::app
