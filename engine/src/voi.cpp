#include "samdsim/voi.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "samdsim/random.hpp"
#include "samdsim/smooth_regression.hpp"
#include "tbb_handoff.hpp"

namespace samdsim {

Evpi expected_value_of_perfect_information(const Eigen::MatrixXd& net_benefit) {
  const Eigen::Index n = net_benefit.rows();
  if (n < 2 || net_benefit.cols() < 2) throw std::invalid_argument("EVPI: needs two options and two rows");
  Evpi r;
  r.expected = net_benefit.colwise().mean().transpose();
  r.expected.maxCoeff(&r.best_option);
  const Eigen::VectorXd loss = net_benefit.rowwise().maxCoeff() - net_benefit.col(r.best_option);
  r.value = loss.mean();
  r.se = std::sqrt((loss.array() - r.value).square().sum() / static_cast<double>(n - 1) / static_cast<double>(n));
  return r;
}

double value_of_deciding_with(const Eigen::MatrixXd& incremental_fitted) {
  const Eigen::Index n = incremental_fitted.rows();
  double with_information = 0.0;
  for (Eigen::Index i = 0; i < n; ++i) with_information += std::max(0.0, incremental_fitted.row(i).maxCoeff());
  with_information /= static_cast<double>(n);
  const double without = std::max(0.0, incremental_fitted.colwise().mean().maxCoeff());
  // Never negative (Jensen). Where one option is best in every row the two
  // terms are the same mean summed in another order: rounding, not value.
  const double scale = incremental_fitted.cwiseAbs().mean();
  const double value = with_information - without;
  return value > 1e-12 * scale ? value : 0.0;
}

Evppi expected_value_of_partial_perfect_information(const Eigen::MatrixXd& net_benefit, const Eigen::MatrixXd& x,
                                                    std::size_t draws, std::uint64_t seed) {
  const Eigen::Index n = net_benefit.rows(), options = net_benefit.cols();
  if (options < 2 || x.rows() != n) throw std::invalid_argument("EVPPI: needs two options and matching rows");
  std::vector<SmoothRegression> fits;
  Eigen::MatrixXd fitted(n, options - 1);
  Evppi r;
  for (Eigen::Index d = 1; d < options; ++d) {
    fits.emplace_back(x, net_benefit.col(d) - net_benefit.col(0));
    fitted.col(d - 1) = fits.back().fitted();
    r.effective_df = std::max(r.effective_df, fits.back().effective_df());
  }
  r.value = value_of_deciding_with(fitted);
  if (draws < 2) return r;
  // 0x766f69 ("voi"): a stream of its own, apart from any replicate's.
  // Draw s uses its own streams and is summed in order after the draws ran
  // on every core: the same value for any thread count.
  std::vector<double> value(draws);
  const auto run_draws = [&](const tbb::blocked_range<std::size_t>& range) {
    Eigen::MatrixXd drawn(n, options - 1);
    for (std::size_t s = range.begin(); s < range.end(); ++s) {
      for (Eigen::Index d = 1; d < options; ++d) {
        const SmoothRegression& fit = fits[static_cast<std::size_t>(d - 1)];
        Stream stream(seed, 0x766f69, s, static_cast<std::uint64_t>(d));
        Eigen::VectorXd z(fit.coefficients());
        for (Eigen::Index k = 0; k < z.size(); ++k) z(k) = stream.normal();
        drawn.col(d - 1) = fit.draw_fitted(z);
      }
      value[s] = value_of_deciding_with(drawn);
    }
  };
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, draws), detail::Handed(run_draws));
  detail::handoff.acquire();
  double sum = 0.0, sum2 = 0.0;
  for (const double v : value) {
    sum += v;
    sum2 += v * v;
  }
  const double mean = sum / static_cast<double>(draws);
  r.se = std::sqrt(std::max(0.0, (sum2 - static_cast<double>(draws) * mean * mean) / static_cast<double>(draws - 1)));
  return r;
}

}  // namespace samdsim
