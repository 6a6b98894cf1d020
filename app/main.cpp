#include "commands.hpp"

int main(int argc, char** argv) { return samdsim::app::main(argc, argv); }
