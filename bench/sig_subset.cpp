// SPDX-License-Identifier: MIT
// Writes the first COUNT entries of one or more signature sets, joined in
// order, as a set of its own: the scale benchmark builds its references in
// chunks once and makes every set size from them (building costs far more
// than anything it measures). The sets must share descriptor parameters.
//   sig_subset OUT.msig COUNT IN.msig...
#include <cstdio>
#include <cstdlib>
#include <string>

#include "meshsentry/signatures.hpp"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: sig_subset OUT.msig COUNT IN.msig...\n");
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
    for (auto& e : set->entries)
      if (out.entries.size() < count) out.entries.push_back(std::move(e));
  }
  if (count == 0 || out.entries.size() < count) {
    std::fprintf(stderr, "sig_subset: COUNT must be 1 to %zu\n", out.entries.size());
    return 2;
  }
  if (auto st = meshsentry::write_signature_set(out, argv[1]); !st.ok()) {
    std::fprintf(stderr, "sig_subset: %s\n", st.message.c_str());
    return 2;
  }
  return 0;
}
