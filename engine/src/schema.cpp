#include "samdsim/schema.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace samdsim {

bool Range::contains(double x) const {
  if (min_open ? !(x > min) : !(x >= min)) return false;
  if (max_open ? !(x < max) : !(x <= max)) return false;
  return true;
}

std::string Range::str() const {
  auto num = [](double v) { return std::isinf(v) ? std::string(v < 0 ? "-inf" : "inf") : fmt::format("{:g}", v); };
  return fmt::format("{}{}, {}{}", min_open || std::isinf(min) ? "(" : "[", num(min), num(max),
                     max_open || std::isinf(max) ? ")" : "]");
}

Field::Field(Kind kind, std::string name, std::string doc)
    : kind_(kind), name_(std::move(name)), doc_(std::move(doc)) {}

bool Field::required() const {
  switch (kind_) {
    case Kind::Number:
    case Kind::Integer: return !number_default_ && !distribution_default_ && !optional_;
    case Kind::Flag: return !flag_default_;
    case Kind::Choice:
    case Kind::Text: return !text_default_;
    case Kind::List: return min_items_ > 0;
    case Kind::Group:
      for (const auto& f : fields_)
        if (f->required()) return true;
      return false;
  }
  return false;
}

std::string Field::kind_name() const {
  switch (kind_) {
    case Kind::Number: return "number";
    case Kind::Integer: return "integer";
    case Kind::Flag: return "true/false";
    case Kind::Choice: return "one of";
    case Kind::Text: return "text";
    case Kind::Group: return "group";
    case Kind::List: return "list";
  }
  return "";
}

Field& Field::add(std::unique_ptr<Field> f) {
  if (kind_ != Kind::Group && kind_ != Kind::List)
    throw std::logic_error("schema: '" + name_ + "' cannot hold fields");
  if (find(f->name_)) throw std::logic_error("schema: '" + f->name_ + "' declared twice in '" + name_ + "'");
  fields_.push_back(std::move(f));
  return *fields_.back();
}

Field& Field::number(std::string name, std::string unit, Range range, std::string doc) {
  auto f = std::make_unique<Field>(Kind::Number, std::move(name), std::move(doc));
  f->unit_ = std::move(unit);
  f->range_ = range;
  return add(std::move(f));
}

Field& Field::integer(std::string name, std::string unit, Range range, std::string doc) {
  Field& f = number(std::move(name), std::move(unit), range, std::move(doc));
  f.kind_ = Kind::Integer;
  return f;
}

Field& Field::flag(std::string name, std::string doc) {
  return add(std::make_unique<Field>(Kind::Flag, std::move(name), std::move(doc)));
}

Field& Field::choice(std::string name, std::vector<std::string> choices, std::string doc) {
  auto f = std::make_unique<Field>(Kind::Choice, std::move(name), std::move(doc));
  f->choices_ = std::move(choices);
  return add(std::move(f));
}

Field& Field::text(std::string name, std::string doc) {
  return add(std::make_unique<Field>(Kind::Text, std::move(name), std::move(doc)));
}

Field& Field::group(std::string name, std::string doc) {
  return add(std::make_unique<Field>(Kind::Group, std::move(name), std::move(doc)));
}

Field& Field::list(std::string name, std::string discriminator, std::string doc) {
  auto f = std::make_unique<Field>(Kind::List, std::move(name), std::move(doc));
  f->discriminator_ = std::move(discriminator);
  return add(std::move(f));
}

Field& Field::records(std::string name, std::string doc) {
  Field& l = list(std::move(name), "", doc);
  return l.add(std::make_unique<Field>(Kind::Group, "item", std::move(doc)));
}

Field& Field::variant(std::string name, std::string doc) {
  if (kind_ != Kind::List) throw std::logic_error("schema: variants belong to lists");
  return add(std::make_unique<Field>(Kind::Group, std::move(name), std::move(doc)));
}

Field& Field::default_value(double v) {
  if (kind_ != Kind::Number && kind_ != Kind::Integer) throw std::logic_error("schema: numeric default on " + name_);
  if (!range_.contains(v)) throw std::logic_error("schema: default of " + name_ + " outside its range");
  if (kind_ == Kind::Integer && std::floor(v) != v) throw std::logic_error("schema: non-integer default on " + name_);
  number_default_ = v;
  return *this;
}

Field& Field::default_value(const char* v) {
  if (kind_ != Kind::Choice && kind_ != Kind::Text) throw std::logic_error("schema: text default on " + name_);
  if (kind_ == Kind::Choice && std::find(choices_.begin(), choices_.end(), v) == choices_.end())
    throw std::logic_error("schema: default of " + name_ + " is not a choice");
  text_default_ = v;
  return *this;
}

Field& Field::default_value(bool v) {
  if (kind_ != Kind::Flag) throw std::logic_error("schema: flag default on " + name_);
  flag_default_ = v;
  return *this;
}

Field& Field::default_distribution(std::string yaml) {
  if (kind_ != Kind::Number && kind_ != Kind::Integer) throw std::logic_error("schema: distribution default on " + name_);
  distribution_default_ = std::move(yaml);
  return *this;
}

Field& Field::optional() {
  if (kind_ != Kind::Number && kind_ != Kind::Integer) throw std::logic_error("schema: only numbers may be optional");
  optional_ = true;
  return *this;
}

Field& Field::per_unit() {
  if (kind_ != Kind::Number && kind_ != Kind::Integer) throw std::logic_error("schema: only numbers may be per unit");
  per_unit_ = true;
  return *this;
}

Field& Field::own_stream(std::uint64_t stage) {
  if (kind_ != Kind::Group) throw std::logic_error("schema: only groups may have their own stream");
  stream_stage_ = stage;
  return *this;
}

std::string Field::default_text() const {
  if (number_default_) return fmt::format("default {:g}", *number_default_);
  if (distribution_default_) return "default " + *distribution_default_;
  if (text_default_) return "default " + *text_default_;
  if (flag_default_) return std::string("default ") + (*flag_default_ ? "true" : "false");
  if (optional_) return "optional";
  return required() ? "required" : "";
}

Field& Field::items(std::size_t min_items, std::size_t max_items) {
  min_items_ = min_items;
  max_items_ = max_items;
  return *this;
}

const Field* Field::find(const std::string& name) const {
  for (const auto& f : fields_)
    if (f->name_ == name) return f.get();
  return nullptr;
}

std::vector<std::string> Field::field_names() const {
  std::vector<std::string> names;
  for (const auto& f : fields_) names.push_back(f->name_);
  return names;
}

namespace {
void describe_into(const Field& group, int indent, std::string& out) {
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  for (const auto& f : group.fields()) {
    switch (f->kind()) {
      case Field::Kind::Group:
        out += fmt::format("{}{}:  (group) {}\n", pad, f->name(), f->doc());
        describe_into(*f, indent + 2, out);
        break;
      case Field::Kind::List:
        if (f->discriminator().empty()) {
          out += fmt::format("{}{}:  (list of {}..{} records) {}\n", pad, f->name(), f->min_items(), f->max_items(),
                             f->doc());
          describe_into(*f->fields().front(), indent + 4, out);
          break;
        }
        out += fmt::format("{}{}:  (list of items chosen by '{}', {}..{} items) {}\n", pad, f->name(),
                           f->discriminator(), f->min_items(), f->max_items(), f->doc());
        for (const auto& v : f->fields()) {
          out += fmt::format("{}  - {}: {}  {}\n", pad, f->discriminator(), v->name(), v->doc());
          describe_into(*v, indent + 6, out);
        }
        break;
      default: {
        std::string type = f->kind_name();
        if (f->kind() == Field::Kind::Choice) {
          type += " {";
          for (std::size_t i = 0; i < f->choices().size(); ++i) type += (i ? ", " : "") + f->choices()[i];
          type += "}";
        }
        if (f->kind() == Field::Kind::Number || f->kind() == Field::Kind::Integer) {
          type += " " + f->range().str();
          if (!f->unit().empty()) type += " " + f->unit();
          if (f->is_per_unit()) type += ", drawn per unit";
        }
        out += fmt::format("{}{}:  {}; {}. {}\n", pad, f->name(), type, f->default_text(), f->doc());
      }
    }
  }
}
}  // namespace

std::string describe_schema(const Field& root, int indent) {
  std::string out;
  describe_into(root, indent, out);
  return out;
}

}  // namespace samdsim
