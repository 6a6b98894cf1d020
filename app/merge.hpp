#pragma once

#include <optional>
#include <string>
#include <vector>

namespace samdsim::app {

// `samdsim merge SHARDS... -o OUT.h5`: joins the shard files of one run into
// the file a single run would have written (same datasets and summaries).
// `compression` ("GROUP=LEVEL,..."; none: the shards' own) sets how the
// merged datasets are stored; `threads` (0: all cores) how many threads
// compress its chunks and compute its summaries. The file does not depend
// on it.
int command_merge(const std::vector<std::string>& shards, const std::string& output,
                  const std::string& outputs = "all", const std::optional<std::string>& compression = std::nullopt,
                  unsigned threads = 0);

}  // namespace samdsim::app
