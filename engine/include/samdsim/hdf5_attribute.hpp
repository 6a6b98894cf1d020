#pragma once

// Typed attribute access on HDF5 objects. Strings are written as scalar,
// variable-length UTF-8 (what h5py and rhdf5 read as plain strings).

#include <hdf5.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace samdsim::hdf5 {

// Each writer replaces an existing attribute of the same name.
void write_string_attribute(hid_t object, const std::string& name, std::string_view value);
void write_uint64_attribute(hid_t object, const std::string& name, std::uint64_t value);
void write_uint32_attribute(hid_t object, const std::string& name, std::uint32_t value);
void write_int64_attribute(hid_t object, const std::string& name, std::int64_t value);
void write_double_attribute(hid_t object, const std::string& name, double value);
void write_doubles_attribute(hid_t object, const std::string& name, std::span<const double> values);

bool has_attribute(hid_t object, const std::string& name);
std::vector<std::string> attribute_names(hid_t object);  // creation order where tracked

// Readers return nullopt when the attribute is absent or of another class
// (string vs number); numbers of any width and sign are converted.
std::optional<std::string> read_string_attribute(hid_t object, const std::string& name);
std::optional<double> read_double_attribute(hid_t object, const std::string& name);
std::optional<std::vector<double>> read_doubles_attribute(hid_t object, const std::string& name);
std::optional<std::uint64_t> read_uint64_attribute(hid_t object, const std::string& name);

// Any attribute as text: strings as they are, numbers in shortest round-trip
// form, arrays as "[a, b, c]".
std::string attribute_text(hid_t object, const std::string& name);

}  // namespace samdsim::hdf5
