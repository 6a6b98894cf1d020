#pragma once

#include <catch2/catch.hpp>
#include <string>

#include "samdsim/config.hpp"
#include "samdsim/error.hpp"

// The message of the InputError that parsing `yaml` as a scenario raises, or
// "" when it parses.
inline std::string scenario_error(const std::string& yaml, const std::string& file) {
  try {
    samdsim::parse_scenario(yaml, file);
  } catch (const samdsim::InputError& e) {
    return e.what();
  }
  return "";
}

// The InputError that parsing `yaml` as a scenario raises (fails the test
// when it raises none).
inline samdsim::InputError input_error(const std::string& yaml, const std::string& file) {
  try {
    samdsim::parse_scenario(yaml, file);
  } catch (const samdsim::InputError& e) {
    return e;
  }
  FAIL("no error for:\n" << yaml);
  return samdsim::InputError("");
}
