#include "samdsim/hdf5_attribute.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "samdsim/hdf5_file.hpp"

namespace samdsim::hdf5 {

namespace {
void write_raw(hid_t object, const std::string& name, hid_t file_type, hid_t mem_type, hid_t space, const void* data) {
  const auto context = [&] { return "cannot write attribute '" + name + "' of " + describe(object); };
  if (H5Aexists(object, name.c_str()) > 0) check(H5Adelete(object, name.c_str()), context);
  Id attr = check(H5Acreate2(object, name.c_str(), file_type, space, H5P_DEFAULT, H5P_DEFAULT), context);
  check(H5Awrite(attr.get(), mem_type, data), context);
}

Id scalar_space() { return check(H5Screate(H5S_SCALAR), "cannot create a scalar dataspace"); }

Id utf8_string_type() {
  Id type = check(H5Tcopy(H5T_C_S1), "cannot create a string type");
  check(H5Tset_size(type.get(), H5T_VARIABLE), "cannot make a variable-length string type");
  check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "cannot set a string type's character set");
  return type;
}

template <typename T>
void write_scalar(hid_t object, const std::string& name, hid_t file_type, hid_t mem_type, T value) {
  Id space = scalar_space();
  write_raw(object, name, file_type, mem_type, space.get(), &value);
}
}  // namespace

void write_string_attribute(hid_t object, const std::string& name, std::string_view value) {
  const std::string text(value);  // HDF5 needs the terminating NUL
  const char* data = text.c_str();
  Id type = utf8_string_type();
  Id space = scalar_space();
  write_raw(object, name, type.get(), type.get(), space.get(), &data);
}

void write_uint64_attribute(hid_t object, const std::string& name, std::uint64_t value) {
  write_scalar(object, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, value);
}

void write_uint32_attribute(hid_t object, const std::string& name, std::uint32_t value) {
  write_scalar(object, name, H5T_STD_U32LE, H5T_NATIVE_UINT32, value);
}

void write_int64_attribute(hid_t object, const std::string& name, std::int64_t value) {
  write_scalar(object, name, H5T_STD_I64LE, H5T_NATIVE_INT64, value);
}

void write_double_attribute(hid_t object, const std::string& name, double value) {
  write_scalar(object, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, value);
}

void write_doubles_attribute(hid_t object, const std::string& name, std::span<const double> values) {
  const hsize_t n = values.size();
  Id space = check(H5Screate_simple(1, &n, nullptr), "cannot create a dataspace");
  write_raw(object, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, space.get(), values.data());
}

bool has_attribute(hid_t object, const std::string& name) {
  const htri_t exists = H5Aexists(object, name.c_str());
  if (exists < 0) H5Eclear2(H5E_DEFAULT);
  return exists > 0;
}

namespace {
herr_t collect_attribute_name(hid_t, const char* name, const H5A_info_t*, void* data) {
  static_cast<std::vector<std::string>*>(data)->emplace_back(name);
  return 0;
}

// An open attribute with its type, class and element count.
struct OpenAttribute {
  Id attr, type, space;
  H5T_class_t type_class = H5T_NO_CLASS;
  std::size_t count = 0;
};

// The message of a failed read of attribute `name` of `object`, built when needed.
auto context_for(hid_t object, const std::string& name) {
  return [object, &name] { return "cannot read attribute '" + name + "' of " + describe(object); };
}
using ReadContext = decltype(context_for(hid_t{}, std::string{}));

std::optional<OpenAttribute> open_attribute(hid_t object, const std::string& name) {
  if (!has_attribute(object, name)) return std::nullopt;
  const auto context = context_for(object, name);
  OpenAttribute a;
  a.attr = check(H5Aopen(object, name.c_str(), H5P_DEFAULT), context);
  a.type = check(H5Aget_type(a.attr.get()), context);
  a.space = check(H5Aget_space(a.attr.get()), context);
  a.type_class = H5Tget_class(a.type.get());
  const hssize_t n = H5Sget_simple_extent_npoints(a.space.get());
  if (n < 0) fail_with(context);
  a.count = static_cast<std::size_t>(n);
  return a;
}

std::vector<std::string> read_strings(const OpenAttribute& a, const ReadContext& context) {
  std::vector<std::string> out;
  if (H5Tis_variable_str(a.type.get()) > 0) {
    Id mem_type = check(H5Tcopy(H5T_C_S1), context);
    check(H5Tset_size(mem_type.get(), H5T_VARIABLE), context);
    check(H5Tset_cset(mem_type.get(), H5Tget_cset(a.type.get())), context);
    std::vector<char*> buf(a.count, nullptr);
    check(H5Aread(a.attr.get(), mem_type.get(), buf.data()), context);
    for (const char* s : buf) out.emplace_back(s ? s : "");
    H5Dvlen_reclaim(mem_type.get(), a.space.get(), H5P_DEFAULT, buf.data());
    return out;
  }
  const std::size_t size = H5Tget_size(a.type.get());
  std::string buf(size * a.count, '\0');
  check(H5Aread(a.attr.get(), a.type.get(), buf.data()), context);
  const bool space_padded = H5Tget_strpad(a.type.get()) == H5T_STR_SPACEPAD;
  for (std::size_t i = 0; i < a.count; ++i) {
    std::string s = buf.substr(i * size, size);
    s.resize(std::min(s.find('\0'), s.size()));
    if (space_padded) s.erase(s.find_last_not_of(' ') + 1);
    out.push_back(std::move(s));
  }
  return out;
}

template <typename T>
std::vector<T> read_numbers(const OpenAttribute& a, hid_t mem_type, const ReadContext& context) {
  std::vector<T> out(a.count);
  check(H5Aread(a.attr.get(), mem_type, out.data()), context);
  return out;
}

}  // namespace

std::vector<std::string> attribute_names(hid_t object) {
  std::vector<std::string> names;
  if (H5Aiterate2(object, H5_INDEX_CRT_ORDER, H5_ITER_INC, nullptr, collect_attribute_name, &names) >= 0)
    return names;
  names.clear();
  H5Eclear2(H5E_DEFAULT);
  check(H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_attribute_name, &names),
        "cannot list the attributes of " + describe(object));
  return names;
}

std::optional<std::string> read_string_attribute(hid_t object, const std::string& name) {
  auto a = open_attribute(object, name);
  if (!a || a->type_class != H5T_STRING || a->count != 1) return std::nullopt;
  return read_strings(*a, context_for(object, name)).front();
}

std::optional<double> read_double_attribute(hid_t object, const std::string& name) {
  auto a = open_attribute(object, name);
  if (!a || (a->type_class != H5T_INTEGER && a->type_class != H5T_FLOAT) || a->count != 1) return std::nullopt;
  return read_numbers<double>(*a, H5T_NATIVE_DOUBLE, context_for(object, name)).front();
}

std::optional<std::vector<double>> read_doubles_attribute(hid_t object, const std::string& name) {
  auto a = open_attribute(object, name);
  if (!a || (a->type_class != H5T_INTEGER && a->type_class != H5T_FLOAT)) return std::nullopt;
  return read_numbers<double>(*a, H5T_NATIVE_DOUBLE, context_for(object, name));
}

std::optional<std::uint64_t> read_uint64_attribute(hid_t object, const std::string& name) {
  auto a = open_attribute(object, name);
  if (!a || a->type_class != H5T_INTEGER || a->count != 1) return std::nullopt;
  if (H5Tget_sign(a->type.get()) == H5T_SGN_2) {
    const auto v = read_numbers<std::int64_t>(*a, H5T_NATIVE_INT64, context_for(object, name)).front();
    if (v < 0) return std::nullopt;
    return static_cast<std::uint64_t>(v);
  }
  return read_numbers<std::uint64_t>(*a, H5T_NATIVE_UINT64, context_for(object, name)).front();
}

std::string attribute_text(hid_t object, const std::string& name) {
  auto a = open_attribute(object, name);
  if (!a) return "";
  const auto context = context_for(object, name);
  std::vector<std::string> parts;
  switch (a->type_class) {
    case H5T_STRING:
      parts = read_strings(*a, context);
      break;
    case H5T_INTEGER:
      if (H5Tget_sign(a->type.get()) == H5T_SGN_2) {
        for (auto v : read_numbers<std::int64_t>(*a, H5T_NATIVE_INT64, context)) parts.push_back(fmt::format("{}", v));
      } else {
        for (auto v : read_numbers<std::uint64_t>(*a, H5T_NATIVE_UINT64, context)) parts.push_back(fmt::format("{}", v));
      }
      break;
    case H5T_FLOAT:
      for (double v : read_numbers<double>(*a, H5T_NATIVE_DOUBLE, context)) parts.push_back(fmt::format("{}", v));
      break;
    default:
      return "<unsupported attribute type>";
  }
  // A scalar dataspace has one point; a 1-element array is still shown as an array.
  if (H5Sget_simple_extent_type(a->space.get()) == H5S_SCALAR && parts.size() == 1) return parts.front();
  return "[" + fmt::format("{}", fmt::join(parts, ", ")) + "]";
}

}  // namespace samdsim::hdf5
