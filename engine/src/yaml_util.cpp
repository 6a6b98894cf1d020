#include "samdsim/yaml_util.hpp"

#include <yaml-cpp/eventhandler.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <unordered_map>
#include <vector>

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

// More nodes than any sensible config (a 10^4-point sweep list is 10^4):
// beyond it, aliases are expanding a small file into a huge tree.
constexpr std::size_t max_yaml_nodes = 2'000'000;

// A quoted scalar starting at `pos` whose closing quote is missing: yaml-cpp
// 0.7 reads such a string to the end of the file and accepts it.
// The mark of a scalar may point at its anchor or tag ("&a", "!!str"): the
// quote is then further on.
bool unterminated_quote(const std::string& text, std::size_t pos) {
  while (pos < text.size() && (text[pos] == '&' || text[pos] == '!')) {
    while (pos < text.size() && text[pos] != ' ' && text[pos] != '\t' && text[pos] != '\n' && text[pos] != '\r') ++pos;
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\n' || text[pos] == '\r'))
      ++pos;
  }
  if (pos >= text.size() || (text[pos] != '"' && text[pos] != '\'')) return false;
  const char quote = text[pos];
  for (std::size_t i = pos + 1; i < text.size(); ++i) {
    if (quote == '"' && text[i] == '\\') {
      ++i;
    } else if (text[i] == quote) {
      if (quote == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
        ++i;  // '' inside a single-quoted string
        continue;
      }
      return false;
    }
  }
  return true;
}

// Deeper than any config (a study's distribution is 5 levels down): beyond
// it, aliases are chaining a small file into a tree whose paths alone cost
// seconds to follow.
constexpr int max_yaml_depth = 64;

// The length of the UTF-8 sequence starting at text[i], or 0 where the bytes
// are not UTF-8 (overlong forms, surrogates and code points past U+10FFFF
// included).
std::size_t utf8_length(const std::string& text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return k < text.size() ? static_cast<unsigned char>(text[k]) : 0u; };
  const unsigned b0 = byte(i);
  const auto continuation = [&](std::size_t k) { return (byte(k) & 0xC0u) == 0x80u; };
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) return continuation(i + 1) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    const unsigned b1 = byte(i + 1);
    if ((b0 == 0xE0 && b1 < 0xA0) || (b0 == 0xED && b1 >= 0xA0)) return 0;
    return continuation(i + 1) && continuation(i + 2) ? 3 : 0;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    const unsigned b1 = byte(i + 1);
    if ((b0 == 0xF0 && b1 < 0x90) || (b0 == 0xF4 && b1 >= 0x90)) return 0;
    return continuation(i + 1) && continuation(i + 2) && continuation(i + 3) ? 4 : 0;
  }
  return 0;
}

// A config is UTF-8 text of printable characters, tabs and line breaks (the
// YAML character set); anything else is a binary file or a damaged one.
void check_characters(const std::string& text, const std::string& file) {
  int line = 1, column = 1;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t n = utf8_length(text, i);
    const bool control = c < 0x20 ? (c != '\t' && c != '\n' && c != '\r') : c == 0x7F;
    if (n == 0 || control)
      throw InputError(Location{file, line, column}, "",
                       n == 0 ? fmt::format("the byte 0x{:02X} is not UTF-8 text: a config is a text file", c)
                              : fmt::format("the control character 0x{:02X} does not belong in a text file", c));
    if (c == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
    i += n;
  }
}

struct StructureCheck {
  const std::string& text;
  const std::string& file;
  std::size_t nodes = 0;
  int depth = 0;

  void walk(const YAML::Node& node, const std::string& path) {
    if (++nodes > max_yaml_nodes)
      throw InputError(location_of(node, file), path,
                       "the config expands (through aliases) to more than " + std::to_string(max_yaml_nodes) +
                           " values");
    if (depth >= max_yaml_depth)
      throw InputError(location_of(node, file), "",
                       fmt::format("the config nests (through aliases) more than {} levels deep", max_yaml_depth));
    ++depth;  // an exception ends the walk, so only the normal exit restores it
    switch (node.Type()) {
      case YAML::NodeType::Scalar:
        if (!node.Mark().is_null() && unterminated_quote(text, static_cast<std::size_t>(node.Mark().pos)))
          throw InputError(location_of(node, file), path, "a quoted string has no closing quote");
        break;
      case YAML::NodeType::Sequence: {
        std::size_t i = 0;
        for (const auto& item : node) walk(item, index_path(path, i++));
        break;
      }
      case YAML::NodeType::Map: {
        std::unordered_map<std::string, YAML::Mark> seen;
        for (const auto& entry : node) {
          const YAML::Node key = entry.first;
          if (!key.IsScalar())
            throw InputError(location_of(key, file), path,
                             std::string("a key must be a name, not ") +
                                 (key.IsNull() ? "empty" : key.IsMap() ? "a mapping" : "a list"));
          if (key.Scalar().empty()) throw InputError(location_of(key, file), path, "a key must not be empty");
          walk(key, path);
          const auto [first, inserted] = seen.emplace(key.Scalar(), key.Mark());
          if (!inserted)
            throw InputError(location_of(key, file), child_path(path, key.Scalar()),
                             "the key '" + key.Scalar() + "' is given twice (first at line " +
                                 std::to_string(first->second.line + 1) + ")");
          walk(entry.second, child_path(path, key.Scalar()));
        }
        break;
      }
      default: break;
    }
    --depth;
  }
};

// Whether a document has any content, and where it starts.
struct DocumentProbe final : YAML::EventHandler {
  bool content = false;
  YAML::Mark first;
  void node_at(const YAML::Mark& mark) {
    if (!content) first = mark;
    content = true;
  }
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { node_at(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string&) override {
    node_at(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    node_at(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    node_at(mark);
  }
  void OnMapEnd() override {}
};

// Whether a line of `text` starts as only a document marker ("---", "...")
// or a directive ("%") can: without one, the text holds one document.
bool may_hold_documents(const std::string& text) {
  for (std::size_t at = 0; at < text.size(); ++at) {
    if (at > 0 && text[at - 1] != '\n' && text[at - 1] != '\r') continue;
    if (text[at] == '%' || text.compare(at, 3, "---") == 0 || text.compare(at, 3, "...") == 0) return true;
  }
  return false;
}

const char* kind_name(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Null: return "nothing (null)";
    default: return "a scalar";
  }
}
}  // namespace

YAML::Node load_yaml(const std::string& file_text, const std::string& file) {
  // A byte-order mark is allowed and dropped, so that marks count from the text.
  const bool bom = file_text.compare(0, 3, "\xEF\xBB\xBF") == 0;
  const std::string owned = bom ? file_text.substr(3) : std::string();
  const std::string& text = bom ? owned : file_text;
  check_characters(text, file);
  YAML::Node root;
  try {
    root = YAML::Load(text);
    // A second document is read event by event: YAML::LoadAll never returns
    // on some malformed input (", a}"), where each call still returns. Text
    // without a line that could begin one is a single document.
    if (may_hold_documents(text)) {
      std::istringstream in(text);
      YAML::Parser parser(in);
      DocumentProbe probe;
      parser.HandleNextDocument(probe);
      probe = DocumentProbe{};
      if (parser.HandleNextDocument(probe) && probe.content)
        throw InputError(Location{file, probe.first.line + 1, probe.first.column + 1}, "",
                         "a second YAML document (after '---'): a config is one document");
    }
  } catch (const YAML::ParserException& e) {
    throw InputError(Location{file, e.mark.line + 1, e.mark.column + 1}, "", "malformed YAML: " + e.msg);
  }
  StructureCheck{text, file}.walk(root, "");
  return root;
}

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
  const std::string& s = node.Scalar();
  for (const char c : s)
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n') || c == 0x7F)
      throw InputError(location_of(node, file), path,
                       fmt::format("the text holds the control character 0x{:02X}", static_cast<unsigned char>(c)));
  return s;
}

void refuse_unknown_keys(const YAML::Node& node, const std::vector<std::string>& known, const std::string& path,
                         const std::string& file) {
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string k = it->first.Scalar();
    if (std::find(known.begin(), known.end(), k) == known.end())
      throw InputError(location_of(it->first, file), path + "." + k, "unknown key '" + k + "'" + did_you_mean(k, known));
  }
}

bool read_bool(const YAML::Node& node, const std::string& path, const std::string& file) {
  const std::string s = read_string(node, path, file);
  if (s == "true" || s == "True" || s == "TRUE" || s == "yes" || s == "on") return true;
  if (s == "false" || s == "False" || s == "FALSE" || s == "no" || s == "off") return false;
  throw InputError(location_of(node, file), path, "expected true or false, got '" + s + "'");
}

}  // namespace samdsim
