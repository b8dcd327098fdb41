// SPDX-License-Identifier: MIT
#include <cstdio>

#include "commands.hpp"
#include "meshsentry/signatures.hpp"

namespace meshsentry::cli {
namespace {

int sig_build(const Args& args) {
  std::string manifest, out, v;
  BuildOptions opt;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (take_value(args, i, "--manifest", v)) manifest = v;
    else if (take_value(args, i, "--out", v)) out = v;
    else if (take_value(args, i, "--name", v)) opt.name = v;
    else if (take_value(args, i, "--created", v)) opt.created = v;
    else {
      std::fprintf(stderr, "meshsentry sig build: unknown or incomplete option '%s'\n", args[i].c_str());
      return kError;
    }
  }
  if (manifest.empty() || out.empty()) {
    std::fprintf(stderr, "usage: meshsentry sig build --manifest refs.tsv --out set.msig [--name NAME] [--created ISO8601]\n");
    return kError;
  }
  auto set = build_signature_set(manifest, opt);
  if (!set) {
    std::fprintf(stderr, "meshsentry sig build: %s\n", set.status().message.c_str());
    return kError;
  }
  if (Status s = write_signature_set(*set, out); !s.ok()) {
    std::fprintf(stderr, "meshsentry sig build: %s\n", s.message.c_str());
    return kError;
  }
  std::fprintf(stderr, "wrote %s: %zu signatures, sha256 %s\n", out.c_str(), set->entries.size(),
               set->checksum.c_str());
  return kClean;
}

int sig_info(const std::string& path, bool verify_only) {
  auto set = read_signature_set(path);
  if (!set) {
    std::fprintf(stderr, "%s: INVALID: %s\n", path.c_str(), set.status().message.c_str());
    return kError;
  }
  if (verify_only) {
    std::printf("%s: OK (%zu signatures, format version %u, sha256 %s)\n", path.c_str(), set->entries.size(),
                set->format_version, set->checksum.c_str());
    return kClean;
  }
  std::printf("name:            %s\n", set->name.c_str());
  std::printf("format version:  %u\n", set->format_version);
  std::printf("created:         %s\n", set->created.c_str());
  std::printf("engine version:  %s\n", set->engine_version.c_str());
  std::printf("descriptor:      v%u, %u samples, D2 %u / D1 %u / A3 %u bins\n", set->params.version,
              set->params.samples, set->params.d2_bins, set->params.d1_bins, set->params.a3_bins);
  std::printf("sha256:          %s\n", set->checksum.c_str());
  std::printf("signatures:      %zu\n\n", set->entries.size());
  std::printf("%-24s %-10s %-8s %9s %6s %6s %5s  %s\n", "id", "class", "severity", "triangles", "bodies", "points",
              "views", "label");
  for (const SignatureEntry& e : set->entries)
    std::printf("%-24s %-10s %-8s %9u %6u %6zu %5zu  %s\n", e.id.c_str(), e.cls.c_str(), e.severity.c_str(),
                e.triangles, e.bodies, e.sample.points.size(), e.views.size(), e.label.c_str());
  return kClean;
}

}  // namespace

int sig_command(const Args& args) {
  if (args.empty()) {
    std::fprintf(stderr, "usage: meshsentry sig build|info|verify ...\n");
    return kError;
  }
  const Args rest(args.begin() + 1, args.end());
  if (args[0] == "build") return sig_build(rest);
  if ((args[0] == "info" || args[0] == "verify") && rest.size() == 1) return sig_info(rest[0], args[0] == "verify");
  std::fprintf(stderr, "usage: meshsentry sig build --manifest M --out F | sig info FILE | sig verify FILE\n");
  return kError;
}

}  // namespace meshsentry::cli
