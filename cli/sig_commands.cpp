// SPDX-License-Identifier: MIT
#include <cstdio>

#include "commands.hpp"
#include "meshsentry/signatures.hpp"
#include "scan_flags.hpp"

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

// info and verify: the set read (and, with trusted keys, its signature
// checked) as a scan would open it; an empty set is invalid.
int sig_info(const Args& args, bool verify_only) {
  TrustOptions trust;
  std::string path;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (take_trust_flag(args, i, trust)) continue;
    if (!path.empty() || (!args[i].empty() && args[i][0] == '-' && args[i] != "-")) {
      std::fprintf(stderr, "usage: meshsentry sig %s [--trusted-key PUB.pem]... FILE\n", verify_only ? "verify" : "info");
      return kError;
    }
    path = args[i];
  }
  if (path.empty()) {
    std::fprintf(stderr, "usage: meshsentry sig %s [--trusted-key PUB.pem]... FILE\n", verify_only ? "verify" : "info");
    return kError;
  }
  auto set = read_signature_set(path, trust);
  if (set && set->entries.empty()) set = make_error(ErrorCode::empty, "the signature set is empty");
  if (!set) {
    std::fprintf(stderr, "%s: INVALID: %s\n", path.c_str(), set.status().message.c_str());
    return kError;
  }
  const std::string signer = set->signed_by.empty() ? "not checked" : "key " + set->signed_by;
  if (verify_only) {
    std::printf("%s: OK (%zu signatures, format version %u, sha256 %s, signature %s)\n", path.c_str(),
                set->entries.size(), set->format_version, set->checksum.c_str(), signer.c_str());
    return kClean;
  }
  std::printf("name:            %s\n", set->name.c_str());
  std::printf("format version:  %u\n", set->format_version);
  std::printf("created:         %s\n", set->created.c_str());
  std::printf("engine version:  %s\n", set->engine_version.c_str());
  std::printf("descriptor:      v%u, %u samples, D2 %u / D1 %u / A3 %u bins\n", set->params.version,
              set->params.samples, set->params.d2_bins, set->params.d1_bins, set->params.a3_bins);
  std::printf("sha256:          %s\n", set->checksum.c_str());
  std::printf("signature:       %s\n", signer.c_str());
  std::printf("signatures:      %zu\n\n", set->entries.size());
  std::printf("%-24s %-10s %-8s %9s %6s %6s %5s  %s\n", "id", "class", "severity", "triangles", "bodies", "points",
              "views", "label");
  for (const SignatureEntry& e : set->entries)
    std::printf("%-24s %-10s %-8s %9u %6u %6zu %5zu  %s\n", e.id.c_str(), e.cls.c_str(), e.severity.c_str(),
                e.triangles, e.bodies, e.sample.points.size(), e.views.size(), e.label.c_str());
  return kClean;
}

int sig_keygen(const Args& args) {
  std::string out;
  for (std::size_t i = 0; i < args.size(); ++i)
    if (!take_value(args, i, "--out", out)) {
      std::fprintf(stderr, "usage: meshsentry sig keygen --out KEY.pem   (writes KEY.pem and KEY.pub.pem)\n");
      return kError;
    }
  if (out.empty()) {
    std::fprintf(stderr, "usage: meshsentry sig keygen --out KEY.pem   (writes KEY.pem and KEY.pub.pem)\n");
    return kError;
  }
  const std::string pub = (out.size() > 4 && out.ends_with(".pem") ? out.substr(0, out.size() - 4) : out) + ".pub.pem";
  if (Status s = generate_signing_key(out, pub); !s.ok()) {
    std::fprintf(stderr, "meshsentry sig keygen: %s\n", s.message.c_str());
    return kError;
  }
  std::fprintf(stderr, "wrote %s (private, keep it offline) and %s (public, give it to scanners)\n", out.c_str(),
               pub.c_str());
  return kClean;
}

int sig_sign(const Args& args) {
  std::string key, set;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (take_value(args, i, "--key", key)) continue;
    if (!set.empty() || args[i].empty() || args[i][0] == '-') {
      set.clear();
      break;
    }
    set = args[i];
  }
  if (key.empty() || set.empty()) {
    std::fprintf(stderr, "usage: meshsentry sig sign --key KEY.pem SET.msig   (writes SET.msig.sig)\n");
    return kError;
  }
  if (Status s = sign_signature_set(set, key); !s.ok()) {
    std::fprintf(stderr, "meshsentry sig sign: %s\n", s.message.c_str());
    return kError;
  }
  std::fprintf(stderr, "wrote %s.sig\n", set.c_str());
  return kClean;
}

}  // namespace

int sig_command(const Args& args) {
  const char* usage =
      "usage: meshsentry sig build --manifest refs.tsv --out set.msig [--name NAME] [--created ISO8601]\n"
      "       meshsentry sig info|verify [--trusted-key PUB.pem]... FILE\n"
      "       meshsentry sig keygen --out KEY.pem      (writes KEY.pem, private, and KEY.pub.pem)\n"
      "       meshsentry sig sign --key KEY.pem FILE   (writes FILE.sig)\n";
  if (args.empty()) {
    std::fputs(usage, stderr);
    return kError;
  }
  const Args rest(args.begin() + 1, args.end());
  if (args[0] == "-h" || args[0] == "--help" || wants_help(rest)) {
    std::fputs(usage, stdout);
    return kClean;
  }
  if (args[0] == "build") return sig_build(rest);
  if (args[0] == "info" || args[0] == "verify") return sig_info(rest, args[0] == "verify");
  if (args[0] == "keygen") return sig_keygen(rest);
  if (args[0] == "sign") return sig_sign(rest);
  std::fputs(usage, stderr);
  return kError;
}

}  // namespace meshsentry::cli
