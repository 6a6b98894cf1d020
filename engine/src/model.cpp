#include "samdsim/model.hpp"

#include <algorithm>
#include <mutex>
#include <stdexcept>

namespace samdsim {

const Schema& Model::schema() const {
  static std::mutex m;
  std::lock_guard lock(m);
  if (!schema_) {
    auto s = std::make_unique<Schema>();
    declare(*s);
    schema_ = std::move(s);
  }
  return *schema_;
}

namespace {
// Function-local static: registrars in other translation units may run before
// any namespace-scope object of this one is initialised.
std::vector<std::unique_ptr<Model>>& registry() {
  static std::vector<std::unique_ptr<Model>> models;
  return models;
}
}  // namespace

void register_model(std::unique_ptr<Model> model) {
  if (find_model(model->name())) throw std::logic_error("model '" + model->name() + "' registered twice");
  registry().push_back(std::move(model));
  std::sort(registry().begin(), registry().end(), [](const auto& a, const auto& b) { return a->name() < b->name(); });
}

const Model* find_model(const std::string& name) {
  for (const auto& m : registry())
    if (m->name() == name) return m.get();
  return nullptr;
}

std::vector<const Model*> all_models() {
  std::vector<const Model*> out;
  for (const auto& m : registry()) out.push_back(m.get());
  return out;
}

}  // namespace samdsim
