// Hand-offs to oneTBB stated for ThreadSanitizer (docs/robustness.md,
// "Suppressions"). Internal to the engine.
#pragma once

#include <utility>

#if defined(__SANITIZE_THREAD__)
#define SAMDSIM_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SAMDSIM_TSAN 1
#endif
#endif
#ifdef SAMDSIM_TSAN
#include <sanitizer/tsan_interface.h>
#endif

namespace samdsim::detail {

// oneTBB's scheduler lives in libtbb.so, which Debian does not build for
// ThreadSanitizer: TSan cannot see that a task (a parallel_for body, a
// task_group function) runs after it was handed over, with its copy of the
// function complete, nor that the wait returns after it ran. Under TSan the
// runner states these hand-offs itself: every function it gives oneTBB is
// wrapped in Handed, which releases after it is constructed or copied and
// acquires before it runs, and releases when it ends; the waiting thread
// acquires after the wait. Elsewhere all of it compiles to nothing. The
// runner and the bootstrap of the rank statistics use it.
struct Handoff {
  void release() {
#ifdef SAMDSIM_TSAN
    __tsan_release(this);
#endif
  }
  void acquire() {
#ifdef SAMDSIM_TSAN
    __tsan_acquire(this);
#endif
  }
};
inline Handoff handoff;

struct ReleaseAtExit {
  ~ReleaseAtExit() { handoff.release(); }
};
struct AcquireAtExit {
  ~AcquireAtExit() { handoff.acquire(); }
};

template <class F>
class Handed {
 public:
  explicit Handed(F f) : f_(std::move(f)) { handoff.release(); }
  Handed(const Handed& o) : f_((handoff.acquire(), o.f_)) { handoff.release(); }
  Handed(Handed&& o) noexcept : f_((handoff.acquire(), std::move(o.f_))) { handoff.release(); }
  Handed& operator=(const Handed&) = delete;
  Handed& operator=(Handed&&) = delete;
  ~Handed() = default;

  template <class... Args>
  void operator()(Args&&... args) const {
    handoff.acquire();
    const ReleaseAtExit done;
    f_(std::forward<Args>(args)...);
  }

 private:
  F f_;
};

}  // namespace samdsim::detail
