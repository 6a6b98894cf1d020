// The chunks of a result dataset, filtered by the writer itself and stored
// with H5Dwrite_chunk: shuffle, deflate and the Fletcher-32 checksum are
// applied exactly as HDF5's own pipeline applies them, so any HDF5 reader
// decodes the chunks, but on every core at once instead of one chunk at a
// time inside the library. Internal to ResultWriter.
#pragma once

#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace samdsim::detail {

// A dataset's filter pipeline, in HDF5's order: shuffle, deflate, Fletcher-32.
struct ChunkFilters {
  bool shuffle = false;
  int deflate = 0;  // zlib level 1-9; 0: no deflate
  bool fletcher32 = false;

  // Adds the filters to a dataset creation property list, in pipeline order.
  void apply(hid_t dcpl) const;
  // The filters of a stored dataset; InputError naming `label` when it uses
  // one this writer cannot apply itself (a file not written by samdsim).
  static ChunkFilters of(hid_t dcpl, const std::string& label);
};

// HDF5's Fletcher-32 (H5_checksum_fletcher32): big-endian 16-bit words, an
// odd last byte as the high byte of a word.
std::uint32_t fletcher32(const unsigned char* data, std::size_t bytes);

// HDF5's shuffle of `elements` elements of `element_size` bytes: byte j of
// element i goes to out[j * elements + i].
void shuffle_bytes(const unsigned char* data, std::size_t elements, std::size_t element_size, unsigned char* out);

// The bytes H5Dwrite_chunk stores for `raw` (one chunk of elements of
// `element_size` bytes) under `filters`, every filter applied.
std::vector<unsigned char> filter_chunk(const ChunkFilters& filters, const std::vector<unsigned char>& raw,
                                        std::size_t element_size);

// Whether `filters` leave a chunk's bytes as they are (no deflate, and no
// shuffle that moves a byte): Fletcher-32 at most, appended after them.
bool stored_as_is(const ChunkFilters& filters, std::size_t bytes, std::size_t element_size);

// Whether deflate at level 1 (run-length strategy) should compress this
// shuffled byte plane; planes it would not shrink are stored. A plane of
// more than 4,096 bytes is judged by 64 runs of 64 bytes spread over it.
bool plane_compresses(const unsigned char* plane, std::size_t n);

class ChunkBand;

// One chunk ready to be filtered and stored.
struct PendingChunk {
  ChunkBand* band = nullptr;  // takes `raw` back for a later chunk once it is filtered
  hsize_t offset[2] = {0, 0};
  std::vector<unsigned char> raw;
  std::vector<unsigned char> filtered;
  bool as_is = false;  // stored from `raw` (its checksum appended), `filtered` unused
};

// Values of one dataset waiting for their chunks: the band of chunk rows
// being filled, laid out chunk by chunk as HDF5 stores a chunk (row-major
// within it), unused places holding the fill value.
class ChunkBand {
 public:
  ChunkBand() = default;
  // Reads the chunk shape and filters of `dataset` (kept open by the
  // caller); the band starts at the chunk row that holds local row
  // `rows_written`, whose rows before it are read back (a resumed run).
  // `memory_type` is the native type of an element, `fill` one element.
  ChunkBand(hid_t dataset, std::size_t width, std::size_t element_size, hid_t memory_type, const void* fill,
            std::uint64_t rows_written, const std::string& label);

  // Places `count` rows of `width` elements (native little-endian bytes)
  // starting at local row `row`, which must be the next row of the band.
  // Every band these rows complete is moved to `ready`.
  void put(std::uint64_t row, const unsigned char* values, std::size_t count, std::vector<PendingChunk>& ready);
  // Copies of the chunks of a band holding rows not yet stored (a partial
  // band at a checkpoint or at the end), to `ready`; the band keeps them.
  void take_partial(std::vector<PendingChunk>& ready);
  // The memory of the chunk at `column` (its first column), its values
  // filtered, kept for the band's next chunk there: no fresh pages to fault
  // in and fill for every chunk, and its padding columns already filled.
  void recycle(std::size_t column, std::vector<unsigned char>&& raw);

  hid_t dataset() const { return dataset_; }
  const std::string& label() const { return label_; }
  const ChunkFilters& filters() const { return filters_; }
  std::size_t element_size() const { return element_size_; }
  std::uint64_t first_row() const { return first_row_; }

 private:
  void emit(std::vector<PendingChunk>& ready, bool keep);
  // An empty band. A chunk's places hold the fill value where no row of the
  // band lies (columns past the width); places of rows not yet put may hold
  // values of an earlier band until take_partial fills them.
  void clear();
  // Fills the places of rows [from, chunk_rows_) of chunk c.
  void fill_rows(std::size_t c, std::size_t from);
  // Rows [first_row_, first_row_ + rows) as stored, read back into the band.
  void reload(hid_t memory_type, std::uint64_t rows);

  hid_t dataset_ = H5I_INVALID_HID;  // not owned
  std::string label_;
  ChunkFilters filters_;
  std::size_t width_ = 1, element_size_ = 8;
  std::size_t chunk_rows_ = 1, chunk_width_ = 1, chunks_across_ = 1;
  std::vector<unsigned char> fill_;  // one element
  std::uint64_t first_row_ = 0;      // local row of the band's first row
  std::size_t rows_ = 0;             // rows placed in the band
  bool stored_ = true;               // the band's rows are in the file as they are here
  std::vector<std::vector<unsigned char>> chunks_;  // chunks_across_ chunks of chunk_rows_ x chunk_width_
  std::vector<std::vector<unsigned char>> spare_;   // per chunk column: a recycled chunk, or none
};

// Filters `chunks` on every core, then stores them in order with
// H5Dwrite_chunk, each into its band's dataset; `file` names the file in a
// failure. Empties `chunks`.
void store_chunks(std::vector<PendingChunk>& chunks, const std::string& file);

}  // namespace samdsim::detail
