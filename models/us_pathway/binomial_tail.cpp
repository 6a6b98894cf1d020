#include "us_pathway/binomial_tail.hpp"

#include <cmath>

#include <boost/math/distributions/binomial.hpp>

namespace samdsim::us_pathway {

namespace {
constexpr int steps_between_anchors = 1024;
constexpr double close_to_threshold = 1e-9;
}  // namespace

double binomial_upper_tail(std::int64_t n, double p, std::int64_t k) {
  if (k <= 0) return 1.0;
  if (k > n) return 0.0;
  const boost::math::binomial_distribution<> bin(static_cast<double>(n), p);
  return boost::math::cdf(boost::math::complement(bin, static_cast<double>(k - 1)));
}

BinomialTail::BinomialTail(std::int64_t n, double p, std::int64_t k) : n_(n), p_(p), k_(k) { anchor(); }

void BinomialTail::anchor() {
  tail_ = binomial_upper_tail(n_, p_, k_);
  const boost::math::binomial_distribution<> bin(static_cast<double>(n_), p_);
  mass_ = k_ >= 1 && k_ - 1 <= n_ ? boost::math::pdf(bin, static_cast<double>(k_ - 1)) : 0.0;
  steps_ = 0;
}

void BinomialTail::next_n() {
  const double q = 1.0 - p_;
  tail_ += p_ * mass_;
  mass_ *= q * static_cast<double>(n_ + 1) / static_cast<double>(n_ + 2 - k_);
  ++n_;
  if (++steps_ >= steps_between_anchors || k_ < 1 || k_ > n_ || !(mass_ > 0.0)) anchor();
}

void BinomialTail::next_k() {
  const double q = 1.0 - p_;
  const double before = tail_;
  mass_ *= p_ * static_cast<double>(n_ - k_ + 1) / (q * static_cast<double>(k_));
  tail_ -= mass_;
  ++k_;
  if (++steps_ >= steps_between_anchors || k_ < 1 || k_ > n_ || !(mass_ > 0.0) || !(tail_ > 0.5 * before))
    anchor();
}

double BinomialTail::settled(double threshold) {
  if (steps_ > 0 && std::fabs(tail_ - threshold) <= close_to_threshold * std::fabs(threshold)) anchor();
  return tail_;
}

bool BinomialTail::above(double threshold) { return settled(threshold) > threshold; }

bool BinomialTail::at_least(double threshold) { return settled(threshold) >= threshold; }

}  // namespace samdsim::us_pathway
