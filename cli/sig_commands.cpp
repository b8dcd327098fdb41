// SPDX-License-Identifier: MIT
#include <cstdio>
#include <filesystem>

#include "arguments.hpp"
#include "meshsentry/signatures.hpp"

namespace meshsentry::cli {

int sig_build(const SigBuildArgs& a) {
  const std::string &manifest = a.manifest, &out = a.out;
  const BuildOptions& opt = a.opt;
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

namespace {

Result<SignatureSet> read_input(const std::string& path) {
  auto set = read_signature_set(path);
  if (!set && set.status().message.rfind(path, 0) != 0)
    return make_error(set.status().code, path + ": " + set.status().message);
  return set;
}

bool has_signature(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path + ".sig", ec);
}

// Writes the edited set; a signature beside OUT (of the bytes replaced) is
// removed, so a scan with trusted keys reports an unsigned set rather than a
// forged one. `input_signed`: an input had a signature the result has lost.
int write_edited(const char* cmd, SignatureSet& set, const std::string& out, bool input_signed) {
  bool removed = false;
  if (Status s = write_edited_signature_set(set, out, removed); !s.ok()) {
    std::fprintf(stderr, "meshsentry sig %s: %s\n", cmd, s.message.c_str());
    return kError;
  }
  std::fprintf(stderr, "wrote %s: %zu signatures, sha256 %s\n", out.c_str(), set.entries.size(), set.checksum.c_str());
  if (removed)
    std::fprintf(stderr,
                 "meshsentry sig %s: removed %s.sig, the signature of the set it replaced: %s is not signed, "
                 "re-sign with meshsentry sig sign\n",
                 cmd, out.c_str(), out.c_str());
  else if (input_signed)
    std::fprintf(stderr, "meshsentry sig %s: %s is not signed (its input was): re-sign with meshsentry sig sign\n", cmd,
                 out.c_str());
  return kClean;
}

// add and remove: read SET, edit it, write it (over SET unless --out).
template <class Edit>
int edit_set(const char* cmd, const SigEditArgs& a, Edit edit) {
  auto set = read_input(a.set);
  if (const Status s = set ? edit(*set) : set.status(); !s.ok()) {
    std::fprintf(stderr, "meshsentry sig %s: %s\n", cmd, s.message.c_str());
    return kError;
  }
  return write_edited(cmd, *set, a.out.empty() ? a.set : a.out, has_signature(a.set));
}

}  // namespace

int sig_add(const SigEditArgs& a) {
  return edit_set("add", a, [&](SignatureSet& set) { return add_to_signature_set(set, a.manifest, a.opt); });
}

int sig_remove(const SigEditArgs& a) {
  return edit_set("remove", a, [&](SignatureSet& set) {
    Status s = remove_from_signature_set(set, a.ids, a.opt);
    if (!s.ok()) s.message = a.set + ": " + s.message;
    return s;
  });
}

int sig_merge(const SigEditArgs& a) {
  if (a.inputs.size() < 2) {
    std::fprintf(stderr, "meshsentry sig merge: give two or more sets to merge\n");
    return kError;
  }
  std::vector<SignatureSet> sets;
  bool input_signed = false;
  for (const std::string& path : a.inputs) {
    auto set = read_input(path);
    if (!set) {
      std::fprintf(stderr, "meshsentry sig merge: %s\n", set.status().message.c_str());
      return kError;
    }
    sets.push_back(std::move(*set));
    input_signed = input_signed || has_signature(path);
  }
  auto merged = merge_signature_sets(std::move(sets), a.inputs, a.opt);
  if (!merged) {
    std::fprintf(stderr, "meshsentry sig merge: %s\n", merged.status().message.c_str());
    return kError;
  }
  return write_edited("merge", *merged, a.out, input_signed);
}

// info and verify: the set read (and, with trusted keys, its signature
// checked) as a scan would open it; an empty set is invalid.
int sig_info(const SigFileArgs& a, bool verify_only) {
  const std::string& path = a.path;
  const TrustOptions& trust = a.trust;
  auto set = read_signature_set(path, trust);
  if (set && set->entries.empty()) set = make_error(ErrorCode::empty, "the signature set is empty");
  // Format 6 decodes samples on first use; info and verify check every one.
  if (set)
    if (Status s = decode_all(*set); !s.ok()) set = s;
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
  std::printf("%-24s %-10s %-8s %-5s %9s %6s %6s %5s  %s\n", "id", "class", "severity", "scale", "triangles", "bodies",
              "points", "views", "label");
  for (const SignatureEntry& e : set->entries)
    std::printf("%-24s %-10s %-8s %-5s %9u %6u %6zu %5zu  %s\n", e.id.c_str(), e.cls.c_str(), e.severity.c_str(),
                e.scale == ScalePolicy::fixed ? "true" : "any", e.triangles, e.bodies, e.sample.points.size(),
                e.views.size(), e.label.c_str());
  return kClean;
}

int sig_keygen(const SigKeygenArgs& a) {
  const std::string& out = a.out;
  const std::string pub = (out.size() > 4 && out.ends_with(".pem") ? out.substr(0, out.size() - 4) : out) + ".pub.pem";
  if (Status s = generate_signing_key(out, pub); !s.ok()) {
    std::fprintf(stderr, "meshsentry sig keygen: %s\n", s.message.c_str());
    return kError;
  }
  std::fprintf(stderr, "wrote %s (private, keep it offline) and %s (public, give it to scanners)\n", out.c_str(),
               pub.c_str());
  return kClean;
}

int sig_sign(const SigSignArgs& a) {
  const std::string &key = a.key, &set = a.set;
  if (Status s = sign_signature_set(set, key); !s.ok()) {
    std::fprintf(stderr, "meshsentry sig sign: %s\n", s.message.c_str());
    return kError;
  }
  std::fprintf(stderr, "wrote %s.sig\n", set.c_str());
  return kClean;
}

}  // namespace meshsentry::cli
