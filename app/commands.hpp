#pragma once

namespace samdsim::app {

// Parses the command line, runs the sub-command and maps errors to exit
// status: 0 success, 2 bad input (config, arguments, input files), 1 internal.
int main(int argc, char** argv);

}  // namespace samdsim::app
