#include "samdsim/yaml_util.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace samdsim {

Location location_of(const YAML::Node& node, const std::string& file) {
  const YAML::Mark m = node.Mark();
  if (m.is_null()) return Location{file, 0, 0};
  return Location{file, m.line + 1, m.column + 1};
}

std::string child_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

std::string index_path(const std::string& parent, std::size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

namespace {
const char* kind_name(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Null: return "nothing (null)";
    default: return "a scalar";
  }
}
}  // namespace

double read_number(const YAML::Node& node, const std::string& path, const std::string& file) {
  if (!node.IsScalar())
    throw InputError(location_of(node, file), path, std::string("expected a number, got ") + kind_name(node));
  const std::string& text = node.Scalar();
  const char* begin = text.c_str();
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(begin, &end);
  if (end == begin || *end != '\0')
    throw InputError(location_of(node, file), path, "expected a number, got '" + text + "'");
  if (errno == ERANGE || !std::isfinite(v) || text.find_first_of("nN") != std::string::npos)
    throw InputError(location_of(node, file), path, "expected a finite number, got '" + text + "'");
  return v;
}

std::string read_string(const YAML::Node& node, const std::string& path, const std::string& file) {
  if (!node.IsScalar())
    throw InputError(location_of(node, file), path, std::string("expected a word, got ") + kind_name(node));
  return node.Scalar();
}

bool read_bool(const YAML::Node& node, const std::string& path, const std::string& file) {
  const std::string s = read_string(node, path, file);
  if (s == "true" || s == "True" || s == "TRUE" || s == "yes" || s == "on") return true;
  if (s == "false" || s == "False" || s == "FALSE" || s == "no" || s == "off") return false;
  throw InputError(location_of(node, file), path, "expected true or false, got '" + s + "'");
}

}  // namespace samdsim
