// The fixed samplers of samdsim::Stream side by side, one thread, best of
// three: draws per second of uniform() (the floor: one Philox word per
// draw), normal() (the ziggurat), the polar method it replaced (Marsaglia &
// Bray 1964, as Stream::normal was through file format 1.1, reproduced here
// on the same stream's uniforms) and the samplers built on the normal
// (gamma, lognormal), and the discrete ones (binomial, Poisson), with each
// one's time as a ratio to uniform().

#include <chrono>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bench_common.hpp"
#include "samdsim/random.hpp"

namespace {

using samdsim::Stream;

// The polar method as it was, with its cached second normal of each pair.
class Polar {
 public:
  double operator()(Stream& s) {
    if (cached_) {
      cached_ = false;
      return second_;
    }
    double x, y, q;
    do {
      x = 2.0 * s.uniform() - 1.0;
      y = 2.0 * s.uniform() - 1.0;
      q = x * x + y * y;
    } while (q >= 1.0 || q == 0.0);
    const double f = std::sqrt(-2.0 * std::log(q) / q);
    second_ = y * f;
    cached_ = true;
    return x * f;
  }

 private:
  double second_ = 0.0;
  bool cached_ = false;
};

// Seconds per draw, best of three, of `draw` on a fresh stream.
template <class Draw>
double seconds_per_draw(std::uint64_t draws, Draw draw) {
  double best = 1e300;
  for (int repeat = 0; repeat < 3; ++repeat) {
    Stream s(20261128, 0, static_cast<std::uint64_t>(repeat));
    volatile double sink = 0.0;
    double sum = 0.0;
    const auto start = std::chrono::steady_clock::now();
    for (std::uint64_t i = 0; i < draws; ++i) sum += draw(s);
    sink = sum;
    (void)sink;
    best = std::min(best, samdsim::bench::seconds_since(start) / static_cast<double>(draws));
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  return samdsim::bench::guarded_main("bench_samplers", [&] {
    std::uint64_t draws = 20000000;
    samdsim::bench::parse_bench_options(
        "bench_samplers", argc, argv,
        {samdsim::bench::count_option("--draws", draws, 1000, 1000000000, "draws per sampler and repeat (20000000)"),
         {"--quick", "", "2000000 draws", [&](const std::string&) { draws = 2000000; }}});
    std::cout << fmt::format("bench_samplers: {} draws per sampler, best of 3, 1 thread, load {}\n", draws,
                             samdsim::bench::load_average());
    struct Row {
      std::string name;
      double seconds;
    };
    Polar polar;
    const std::vector<Row> rows = {
        {"uniform()", seconds_per_draw(draws, [](Stream& s) { return s.uniform(); })},
        {"normal(), ziggurat", seconds_per_draw(draws, [](Stream& s) { return s.normal(); })},
        {"polar method (format <= 1.1)", seconds_per_draw(draws, [&](Stream& s) { return polar(s); })},
        {"gamma(2.5, 1)", seconds_per_draw(draws, [](Stream& s) { return s.gamma(2.5, 1.0); })},
        {"gamma(40, 1)", seconds_per_draw(draws, [](Stream& s) { return s.gamma(40.0, 1.0); })},
        {"lognormal(0, 0.5)", seconds_per_draw(draws, [](Stream& s) { return s.lognormal(0.0, 0.5); })},
        {"binomial(100, 0.3), BTRS",
         seconds_per_draw(draws, [](Stream& s) { return static_cast<double>(s.binomial(100, 0.3)); })},
        {"binomial(20, 0.2), inversion",
         seconds_per_draw(draws, [](Stream& s) { return static_cast<double>(s.binomial(20, 0.2)); })},
        {"poisson(30), PTRS", seconds_per_draw(draws, [](Stream& s) { return static_cast<double>(s.poisson(30.0)); })},
    };
    std::cout << fmt::format("{:<32} {:>10} {:>12}\n", "sampler", "ns/draw", "/uniform()");
    for (const Row& r : rows)
      std::cout << fmt::format("{:<32} {:>10.2f} {:>12.2f}\n", r.name, r.seconds * 1e9, r.seconds / rows[0].seconds);
    std::cout << fmt::format("polar / ziggurat: {:.2f}\n", rows[2].seconds / rows[1].seconds);
  });
}
