// SPDX-License-Identifier: MIT
// Writes the first COUNT entries of one or more signature sets, joined in
// order, as a set of its own: the scale benchmark builds its references in
// chunks once and makes every set size from them (building costs far more
// than anything it measures). The sets must share descriptor parameters.
// --format N (3 to 5) writes an older format version (3: no stored sample
// extents, 5: no table of contents), which bench/open_cost.py opens beside
// the current one. A COUNT past the
// entries given repeats them in order with the id suffixed "~rK" (K = 1, 2,
// ...): a large set for measuring what opening costs, never for detection.
//   sig_subset [--format N] OUT.msig COUNT IN.msig...
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "meshsentry/signatures.hpp"

int main(int argc, char** argv) {
  std::uint32_t version = meshsentry::kSignatureFormatVersion;
  if (argc > 2 && std::strcmp(argv[1], "--format") == 0) {
    version = static_cast<std::uint32_t>(std::strtoul(argv[2], nullptr, 10));
    if (version < 3 || version > meshsentry::kSignatureFormatVersion) {
      std::fprintf(stderr, "sig_subset: --format must be 3 to %u\n", meshsentry::kSignatureFormatVersion);
      return 2;
    }
    argc -= 2;
    argv += 2;
  }
  if (argc < 4) {
    std::fprintf(stderr, "usage: sig_subset [--format N] OUT.msig COUNT IN.msig...\n");
    return 2;
  }
  const unsigned long count = std::strtoul(argv[2], nullptr, 10);
  meshsentry::SignatureSet out;
  for (int i = 3; i < argc && out.entries.size() < count; ++i) {
    auto set = meshsentry::read_signature_set(argv[i]);
    if (!set) {
      std::fprintf(stderr, "sig_subset: %s\n", set.status().message.c_str());
      return 2;
    }
    if (i == 3) {
      out.name = set->name;
      out.created = set->created;
      out.engine_version = set->engine_version;
      out.params = set->params;
    } else if (!(set->params == out.params)) {
      std::fprintf(stderr, "sig_subset: %s has other descriptor parameters\n", argv[i]);
      return 2;
    }
    // Format 6 decodes samples on first use; moved out, they must be there.
    if (auto st = meshsentry::decode_all(*set); !st.ok()) {
      std::fprintf(stderr, "sig_subset: %s: %s\n", argv[i], st.message.c_str());
      return 2;
    }
    for (auto& e : set->entries)
      if (out.entries.size() < count) out.entries.push_back(std::move(e));
  }
  const std::size_t given = out.entries.size();
  if (count == 0 || given == 0) {
    std::fprintf(stderr, "sig_subset: COUNT must be at least 1, and some entries given\n");
    return 2;
  }
  for (std::size_t k = given; k < count; ++k) {
    meshsentry::SignatureEntry e = out.entries[k % given];
    e.id += "~r" + std::to_string(k / given);
    out.entries.push_back(std::move(e));
  }
  if (version == meshsentry::kSignatureFormatVersion) {
    if (auto st = meshsentry::write_signature_set(out, argv[1]); !st.ok()) {
      std::fprintf(stderr, "sig_subset: %s\n", st.message.c_str());
      return 2;
    }
    return 0;
  }
  const auto bytes = meshsentry::serialize_signature_set(out, version);
  std::ofstream f(argv[1], std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!f.flush()) {
    std::fprintf(stderr, "sig_subset: cannot write %s\n", argv[1]);
    return 2;
  }
  return 0;
}
