#include "result_chunks.hpp"

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#include <zlib.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "samdsim/error.hpp"
#include "samdsim/hdf5_file.hpp"
#include "tbb_handoff.hpp"

namespace samdsim::detail {

static_assert(std::endian::native == std::endian::little,
              "result chunks are stored as the native bytes of little-endian datasets");

using hdf5::check;
using hdf5::Id;

void ChunkFilters::apply(hid_t dcpl) const {
  if (shuffle) check(H5Pset_shuffle(dcpl), "cannot set the shuffle filter");
  if (deflate > 0) check(H5Pset_deflate(dcpl, static_cast<unsigned>(deflate)), "cannot set the deflate filter");
  if (fletcher32) check(H5Pset_fletcher32(dcpl), "cannot set the Fletcher-32 filter");
}

ChunkFilters ChunkFilters::of(hid_t dcpl, const std::string& label) {
  ChunkFilters f;
  const int n = H5Pget_nfilters(dcpl);
  if (n < 0) throw InputError("cannot read the filters of " + label);
  int stage = 0;  // the pipeline's order: shuffle 1, deflate 2, Fletcher-32 3
  for (int i = 0; i < n; ++i) {
    unsigned flags = 0, config = 0;
    unsigned values[8] = {};
    std::size_t count = 8;
    char name[64] = {};
    const H5Z_filter_t id = H5Pget_filter2(dcpl, static_cast<unsigned>(i), &flags, &count, values, sizeof name, name,
                                           &config);
    int this_stage = 0;
    if (id == H5Z_FILTER_SHUFFLE) {
      this_stage = 1;
      f.shuffle = true;
    } else if (id == H5Z_FILTER_DEFLATE) {
      this_stage = 2;
      f.deflate = count > 0 ? static_cast<int>(values[0]) : 6;
    } else if (id == H5Z_FILTER_FLETCHER32) {
      this_stage = 3;
      f.fletcher32 = true;
    }
    if (this_stage <= stage)
      throw InputError(fmt::format("{} is stored with filter '{}' ({}) where this writer expects shuffle, deflate and "
                                   "Fletcher-32 in that order; the file was not written by samdsim",
                                   label, name, static_cast<int>(id)));
    stage = this_stage;
  }
  if (f.deflate < 0 || f.deflate > 9) throw InputError(fmt::format("{} has deflate level {}", label, f.deflate));
  return f;
}

std::uint32_t fletcher32(const unsigned char* data, std::size_t bytes) {
  std::size_t words = bytes / 2;
  std::uint32_t sum1 = 0, sum2 = 0;
  // 360 sums of 16-bit words fit in 32 bits before they must be folded.
  // Within a run of n words, sum1 gains the words' sum and sum2 gains n
  // times sum1 plus each word weighted by the sums it enters (n - i): the
  // same 32-bit sums as adding word by word, in a loop that vectorizes.
  while (words > 0) {
    const std::size_t n = std::min<std::size_t>(words, 360);
    words -= n;
    std::uint32_t words_sum = 0, weighted = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint32_t word = (static_cast<std::uint32_t>(data[2 * i]) << 8) | data[2 * i + 1];
      words_sum += word;
      weighted += static_cast<std::uint32_t>(n - i) * word;
    }
    data += 2 * n;
    sum2 += static_cast<std::uint32_t>(n) * sum1 + weighted;
    sum1 += words_sum;
    sum1 = (sum1 & 0xffff) + (sum1 >> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >> 16);
  }
  if (bytes % 2) {
    sum1 += static_cast<std::uint32_t>(*data) << 8;
    sum2 += sum1;
    sum1 = (sum1 & 0xffff) + (sum1 >> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >> 16);
  }
  sum1 = (sum1 & 0xffff) + (sum1 >> 16);
  sum2 = (sum2 & 0xffff) + (sum2 >> 16);
  return (sum2 << 16) | sum1;
}

namespace {

// The statistics plane_compresses judges by, added up over plane[from, to).
struct PlaneCounts {
  std::uint32_t counts[256] = {};
  std::size_t bytes = 0, pairs = 0, repeats = 0;

  void add(const unsigned char* plane, std::size_t from, std::size_t to) {
    ++counts[plane[from]];
    for (std::size_t i = from + 1; i < to; ++i) {
      ++counts[plane[i]];
      repeats += plane[i] == plane[i - 1];
    }
    bytes += to - from;
    pairs += to - from - 1;
  }
};

}  // namespace

bool plane_compresses(const unsigned char* plane, std::size_t n) {
  // Deflate with the run-length strategy gains from runs and from a skewed
  // byte histogram (Huffman codes). Neither: an order-0 code would save
  // less than 1/16 of the plane (entropy above 7.5 bits per byte) and fewer
  // than 1 pair in 16 repeats a byte.
  if (n < 256) return true;
  // A plane longer than kSampled bytes is judged by kSpans runs of kSpan
  // bytes spread evenly over it: the histogram of 4,096 bytes estimates the
  // entropy within 0.05 bits (the plug-in estimate's bias, (256 - 1) /
  // (2 * 4096 ln 2)), and the time goes to compressing, not to judging.
  constexpr std::size_t kSpan = 64, kSpans = 64, kSampled = kSpan * kSpans;
  PlaneCounts c;
  if (n <= kSampled) {
    c.add(plane, 0, n);
  } else {
    for (std::size_t s = 0; s < kSpans; ++s) {
      const std::size_t from = s * (n - kSpan) / (kSpans - 1);
      c.add(plane, from, from + kSpan);
    }
  }
  if (c.repeats * 16 >= c.pairs) return true;
  // The collision entropy -log2(sum of squared shares) never exceeds the
  // entropy: above 7.5 bits it settles a random plane with one logarithm.
  std::uint64_t squares = 0;
  for (const std::uint32_t k : c.counts) squares += std::uint64_t{k} * k;
  const double total = static_cast<double>(c.bytes);
  if (-std::log2(static_cast<double>(squares) / (total * total)) > 7.5) return false;
  double entropy = 0.0;
  for (const std::uint32_t k : c.counts)
    if (k > 0) {
      const double share = static_cast<double>(k) / total;
      entropy -= share * std::log2(share);
    }
  return entropy <= 7.5;
}

void shuffle_bytes(const unsigned char* data, std::size_t elements, std::size_t element_size, unsigned char* out) {
  std::size_t done = 0;
#if defined(__SSE2__)
  if (element_size == 8) {
    // Sixteen elements at a time, two to a register: four rounds that
    // interleave the bytes of register k with those of register k + 4
    // leave byte plane k of the sixteen elements in register k.
    for (; done + 16 <= elements; done += 16) {
      __m128i r[8], t[8];
      for (std::size_t k = 0; k < 8; ++k)
        r[k] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + (done + 2 * k) * 8));
      for (int round = 0; round < 4; ++round) {
        for (std::size_t k = 0; k < 4; ++k) {
          t[2 * k] = _mm_unpacklo_epi8(r[k], r[k + 4]);
          t[2 * k + 1] = _mm_unpackhi_epi8(r[k], r[k + 4]);
        }
        std::copy(t, t + 8, r);
      }
      for (std::size_t k = 0; k < 8; ++k) _mm_storeu_si128(reinterpret_cast<__m128i*>(out + k * elements + done), r[k]);
    }
  }
#endif
  for (std::size_t j = 0; j < element_size; ++j) {
    unsigned char* dest = out + j * elements;
    const unsigned char* src = data + j;
    for (std::size_t i = done; i < elements; ++i) dest[i] = src[i * element_size];
  }
}

namespace {

// Whether the shuffle filter moves any byte of a chunk (HDF5 leaves chunks
// of one-byte elements or of a single element as they are).
bool shuffles(const ChunkFilters& filters, std::size_t bytes, std::size_t element_size) {
  return filters.shuffle && element_size > 1 && bytes / element_size > 1;
}

void append_fletcher32(std::vector<unsigned char>& bytes) {
  const std::uint32_t sum = fletcher32(bytes.data(), bytes.size());
  for (int b = 0; b < 4; ++b) bytes.push_back(static_cast<unsigned char>(sum >> (8 * b)));
}

}  // namespace

bool stored_as_is(const ChunkFilters& filters, std::size_t bytes, std::size_t element_size) {
  return filters.deflate == 0 && !shuffles(filters, bytes, element_size);
}

std::vector<unsigned char> filter_chunk(const ChunkFilters& filters, const std::vector<unsigned char>& raw,
                                        std::size_t element_size) {
  std::vector<unsigned char> out;
  const unsigned char* data = raw.data();
  std::size_t bytes = raw.size();
  // Scratch kept by each thread: a chunk's shuffled bytes and its deflate
  // stream, at their largest size so far (no fresh pages per chunk).
  thread_local std::vector<unsigned char> shuffled, stream_out;
  const std::size_t elements = element_size > 0 ? bytes / element_size : 0;
  const bool shuffle = shuffles(filters, bytes, element_size);
  if (shuffle) {
    // Byte j of element i goes to j * elements + i; bytes past the last
    // whole element stay at the end.
    shuffled.resize(bytes);
    shuffle_bytes(data, elements, element_size, shuffled.data());
    std::memcpy(shuffled.data() + elements * element_size, data + elements * element_size,
                bytes - elements * element_size);
    data = shuffled.data();
  }
  if (filters.deflate > 0) {
    // Level 1 uses zlib's run-length strategy: after the shuffle, the bytes
    // of numbers repeat mostly in runs, which it finds at twice the speed of
    // the default strategy and compresses as well (docs/hpc.md,
    // "Compression"). Levels 2-9 are zlib's default strategy, as HDF5 uses.
    z_stream stream{};
    const int strategy = filters.deflate == 1 ? Z_RLE : Z_DEFAULT_STRATEGY;
    if (deflateInit2(&stream, filters.deflate, Z_DEFLATED, 15, 8, strategy) != Z_OK)
      throw InternalError("zlib could not start compressing a chunk");
    // A block boundary per byte plane: a few bytes each beyond the bound.
    const std::size_t bound = deflateBound(&stream, static_cast<uLong>(bytes)) + 16 * element_size + 64;
    if (stream_out.size() < bound) stream_out.resize(bound);
    stream.next_in = const_cast<unsigned char*>(data);
    stream.avail_in = static_cast<uInt>(bytes);
    stream.next_out = stream_out.data();
    stream.avail_out = static_cast<uInt>(bound);
    if (filters.deflate == 1 && shuffle) {
      // Byte planes that look incompressible (the low bytes of random
      // doubles) go into the stream as stored blocks: the same zlib stream
      // any inflate reads, without the time deflate spends on them.
      int level = 1;
      stream.avail_in = 0;
      for (std::size_t j = 0; j < element_size; ++j) {
        const unsigned char* plane = data + j * elements;
        const int wanted = plane_compresses(plane, elements) ? 1 : 0;
        if (wanted != level) {
          if (deflateParams(&stream, wanted, Z_RLE) != Z_OK)
            throw InternalError("zlib could not change the level within a chunk");
          level = wanted;
        }
        // The last plane takes the bytes past the last whole element too
        // and is compressed with Z_FINISH below.
        stream.next_in = const_cast<unsigned char*>(plane);
        stream.avail_in = static_cast<uInt>(j + 1 < element_size ? elements : bytes - j * elements);
        if (j + 1 < element_size && (deflate(&stream, Z_NO_FLUSH) != Z_OK || stream.avail_in != 0))
          throw InternalError("zlib could not compress a chunk");
      }
    }
    const int status = deflate(&stream, Z_FINISH);
    const std::size_t size = stream.total_out;
    deflateEnd(&stream);
    if (status != Z_STREAM_END) throw InternalError(fmt::format("zlib could not compress a chunk (status {})", status));
    out.reserve(size + 4);
    out.assign(stream_out.data(), stream_out.data() + size);
  } else {
    out.reserve(bytes + 4);
    out.assign(data, data + bytes);
  }
  if (filters.fletcher32) append_fletcher32(out);
  return out;
}

ChunkBand::ChunkBand(hid_t dataset, std::size_t width, std::size_t element_size, hid_t memory_type, const void* fill,
                     std::uint64_t rows_written, const std::string& label)
    : dataset_(dataset), label_(label), width_(width), element_size_(element_size) {
  Id dcpl = check(H5Dget_create_plist(dataset), "cannot read the layout of " + label);
  hsize_t dims[2] = {1, 1};
  const int rank = H5Pget_chunk(dcpl.get(), 2, dims);
  if (rank < 1) throw InputError(label + " is not stored in chunks; the file was not written by samdsim");
  filters_ = ChunkFilters::of(dcpl.get(), label);
  chunk_rows_ = static_cast<std::size_t>(dims[0]);
  chunk_width_ = rank == 2 ? static_cast<std::size_t>(dims[1]) : 1;
  if (chunk_rows_ == 0 || chunk_width_ == 0 || chunk_width_ > width_)
    throw InputError(label + " has a chunk shape that does not fit its values; the file was not written by samdsim");
  chunks_across_ = (width_ + chunk_width_ - 1) / chunk_width_;
  fill_.assign(static_cast<const unsigned char*>(fill), static_cast<const unsigned char*>(fill) + element_size_);
  first_row_ = rows_written - rows_written % chunk_rows_;
  clear();
  if (rows_written > first_row_) reload(memory_type, rows_written - first_row_);
}

void ChunkBand::clear() {
  chunks_.resize(chunks_across_);
  spare_.resize(chunks_across_);
  const std::size_t bytes = chunk_rows_ * chunk_width_ * element_size_;
  for (std::size_t c = 0; c < chunks_across_; ++c) {
    auto& chunk = chunks_[c];
    if (chunk.size() == bytes) continue;
    chunk = std::exchange(spare_[c], {});
    if (chunk.size() == bytes) continue;
    // Room for a checksum: a chunk stored as it is gets it appended in place.
    chunk.reserve(bytes + 4);
    chunk.assign(bytes, 0);
    fill_rows(c, 0);
  }
  rows_ = 0;
  stored_ = true;
}

void ChunkBand::fill_rows(std::size_t c, std::size_t from) {
  // The fill value once, then copies of what is filled, doubling.
  unsigned char* const begin = chunks_[c].data() + from * chunk_width_ * element_size_;
  const std::size_t bytes = (chunk_rows_ - from) * chunk_width_ * element_size_;
  if (bytes == 0) return;
  std::memcpy(begin, fill_.data(), element_size_);
  for (std::size_t done = element_size_; done < bytes; done *= 2)
    std::memcpy(begin + done, begin, std::min(done, bytes - done));
}

void ChunkBand::recycle(std::size_t column, std::vector<unsigned char>&& raw) {
  const std::size_t c = column / chunk_width_;
  if (c < chunks_across_ && raw.size() == chunk_rows_ * chunk_width_ * element_size_) spare_[c] = std::move(raw);
}

void ChunkBand::put(std::uint64_t row, const unsigned char* values, std::size_t count, std::vector<PendingChunk>& ready) {
  if (row != first_row_ + rows_)
    throw InternalError(fmt::format("{}: rows arrive at {} where {} was expected", label_, row, first_row_ + rows_));
  const std::size_t row_bytes = width_ * element_size_;
  while (count > 0) {
    const std::size_t n = std::min(count, chunk_rows_ - rows_);
    if (chunks_across_ == 1 && chunk_width_ == width_) {
      std::memcpy(chunks_[0].data() + rows_ * row_bytes, values, n * row_bytes);
    } else {
      for (std::size_t r = 0; r < n; ++r)
        for (std::size_t c = 0; c < chunks_across_; ++c) {
          const std::size_t first = c * chunk_width_;
          const std::size_t span = std::min(chunk_width_, width_ - first);
          std::memcpy(chunks_[c].data() + ((rows_ + r) * chunk_width_) * element_size_,
                      values + (r * width_ + first) * element_size_, span * element_size_);
        }
    }
    values += n * row_bytes;
    count -= n;
    rows_ += n;
    stored_ = false;
    if (rows_ == chunk_rows_) {
      emit(ready, false);
      first_row_ += chunk_rows_;
      clear();
    }
  }
}

void ChunkBand::take_partial(std::vector<PendingChunk>& ready) {
  if (rows_ == 0 || stored_) return;
  for (std::size_t c = 0; c < chunks_across_; ++c) fill_rows(c, rows_);
  emit(ready, true);
  stored_ = true;
}

void ChunkBand::emit(std::vector<PendingChunk>& ready, bool keep) {
  for (std::size_t c = 0; c < chunks_across_; ++c) {
    PendingChunk chunk;
    chunk.band = this;
    chunk.offset[0] = first_row_;
    chunk.offset[1] = c * chunk_width_;
    if (keep)
      chunk.raw = chunks_[c];
    else
      chunk.raw = std::exchange(chunks_[c], {});
    ready.push_back(std::move(chunk));
  }
}

void ChunkBand::reload(hid_t memory_type, std::uint64_t rows) {
  std::vector<unsigned char> values(static_cast<std::size_t>(rows) * width_ * element_size_);
  const std::string context = fmt::format("cannot read rows {}-{} of {}", first_row_, first_row_ + rows - 1, label_);
  Id file_space = check(H5Dget_space(dataset_), context);
  const hsize_t start[2] = {first_row_, 0};
  const hsize_t extent[2] = {rows, width_};
  check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, extent, nullptr), context);
  const hsize_t n = rows * width_;
  Id memory_space = check(H5Screate_simple(1, &n, nullptr), context);
  check(H5Dread(dataset_, memory_type, memory_space.get(), file_space.get(), H5P_DEFAULT, values.data()), context);
  std::vector<PendingChunk> none;
  put(first_row_, values.data(), static_cast<std::size_t>(rows), none);
  stored_ = true;
}

void store_chunks(std::vector<PendingChunk>& chunks, const std::string& file) {
  if (chunks.empty()) return;
  {
    const AcquireAtExit joined;
    // Isolated: while it waits, the writer's thread helps with these chunks
    // only, never with a block of replicates of the runner around it.
    tbb::this_task_arena::isolate([&] {
      tbb::parallel_for(tbb::blocked_range<std::size_t>(0, chunks.size(), 1),
                        Handed([&](const tbb::blocked_range<std::size_t>& r) {
                          for (std::size_t i = r.begin(); i != r.end(); ++i) {
                            PendingChunk& chunk = chunks[i];
                            const ChunkFilters& filters = chunk.band->filters();
                            chunk.as_is = stored_as_is(filters, chunk.raw.size(), chunk.band->element_size());
                            // No filter changes the bytes: the checksum, if any, goes after them.
                            if (chunk.as_is && filters.fletcher32)
                              append_fletcher32(chunk.raw);
                            else if (!chunk.as_is)
                              chunk.filtered = filter_chunk(filters, chunk.raw, chunk.band->element_size());
                          }
                        }));
    });
  }
  for (PendingChunk& chunk : chunks) {
    const std::vector<unsigned char>& stored = chunk.as_is ? chunk.raw : chunk.filtered;
    check(H5Dwrite_chunk(chunk.band->dataset(), H5P_DEFAULT, 0, chunk.offset, stored.size(), stored.data()),
          fmt::format("cannot write rows from {} of {} to '{}'", chunk.offset[0], chunk.band->label(), file));
    if (chunk.as_is && chunk.band->filters().fletcher32) chunk.raw.resize(chunk.raw.size() - 4);
    chunk.band->recycle(static_cast<std::size_t>(chunk.offset[1]), std::move(chunk.raw));
  }
  chunks.clear();
}

}  // namespace samdsim::detail
