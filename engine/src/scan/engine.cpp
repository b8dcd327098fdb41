// SPDX-License-Identifier: MIT
// The Engine: a signature set, checked against this build's descriptor
// parameters, and the matcher's index over it.
#include "match/match_index.hpp"
#include "meshsentry/engine.hpp"

namespace meshsentry {

const char* engine_version() noexcept { return MESHSENTRY_VERSION; }

const char* to_string(Verdict v) noexcept {
  switch (v) {
    case Verdict::clean: return "clean";
    case Verdict::match: return "match";
    case Verdict::suspect: return "suspect";
    case Verdict::error: return "error";
    case Verdict::allowed: return "allowed";
  }
  return "error";
}

const char* to_string(ErrorCode c) noexcept {
  switch (c) {
    case ErrorCode::ok: return "ok";
    case ErrorCode::io: return "io";
    case ErrorCode::format: return "format";
    case ErrorCode::limit: return "limit";
    case ErrorCode::corrupt: return "corrupt";
    case ErrorCode::invalid: return "invalid";
    case ErrorCode::empty: return "empty";
  }
  return "error";
}

Engine::Engine(SignatureSet set) : set_(std::move(set)), index_(MatchIndex::build_taking_view_samples(set_)) {}

Result<Engine> Engine::open(const std::string& signature_path, const TrustOptions& trust) {
  auto set = read_signature_set(signature_path, trust);
  if (!set) return set.status();
  // A set with nothing in it would pass every file as clean.
  if (set->entries.empty()) return make_error(ErrorCode::empty, signature_path + ": the signature set is empty");
  if (const DescriptorParams want{}; set->params != want)
    return make_error(ErrorCode::invalid,
                      signature_path + ": built with other descriptor parameters (v" + std::to_string(set->params.version) +
                          ", " + std::to_string(set->params.samples) + " samples; this engine uses v" +
                          std::to_string(want.version) + ", " + std::to_string(want.samples) +
                          "): rebuild it with `meshsentry sig build`");
  return Engine(std::move(set.value()));
}

}  // namespace meshsentry
