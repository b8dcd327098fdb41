// SPDX-License-Identifier: MIT
// sig add, remove and merge: a set edited entry by entry instead of rebuilt.
// An entry depends only on its reference and the descriptor parameters (it is
// serialised on its own, msig_io.cpp), so an edited set holds the same bytes a
// full build of the same references would, as long as the parameters and the
// engine that described the entries are the same; those are checked first.
#include <filesystem>
#include <map>
#include <set>

#include "meshsentry/engine.hpp"
#include "meshsentry/signatures.hpp"
#include "signatures/manifest_entries.hpp"

namespace meshsentry {
namespace {

std::string describe_params(const DescriptorParams& p) {
  return "descriptor v" + std::to_string(p.version) + ", " + std::to_string(p.samples) + " samples, bins " +
         std::to_string(p.d2_bins) + "/" + std::to_string(p.d1_bins) + "/" + std::to_string(p.a3_bins) + ", seed " +
         std::to_string(p.seed);
}

// Why entries of a set made with (params, engine) cannot sit beside those of
// `with`, or empty.
std::string incomparable(const SignatureSet& set, const std::string& what, const DescriptorParams& params,
                         const std::string& engine, const std::string& with) {
  // Format 2 stored no coarse views: its entries would match less than the new ones beside them.
  if (set.format_version < 3)
    return what + " is in format version " + std::to_string(set.format_version) +
           ", whose entries have no coarse views: rebuild it with sig build";
  if (set.params != params)
    return what + " was described with " + describe_params(set.params) + ", " + with + " with " +
           describe_params(params) + ": their entries do not compare; rebuild it with sig build";
  if (set.engine_version != engine)
    return what + " was built by meshsentry " + set.engine_version + ", " + with + " by " + engine +
           ": entries described by different engine versions may not compare; rebuild it with sig build";
  return {};
}

void stamp(SignatureSet& set, const std::string& name, const EditOptions& options) {
  set.name = options.name.empty() ? name : options.name;
  set.created = creation_time(options.created);
  set.format_version = kSignatureFormatVersion;
  set.checksum.clear();
  set.signed_by.clear();
}

}  // namespace

Status add_to_signature_set(SignatureSet& set, const std::string& manifest_path, const EditOptions& options) {
  const DescriptorParams build_params = BuildOptions{}.params;
  if (std::string why = incomparable(set, "the set", build_params, engine_version(), "sig add describes"); !why.empty())
    return make_error(ErrorCode::invalid, why);
  // A format-6 set's samples are decoded on first use, by entry position:
  // decoded now, before entries move.
  if (Status s = decode_all(set); !s.ok()) return s;
  auto added = describe_manifest(manifest_path, build_params, options.threads);
  if (!added) return added.status();
  std::map<std::string, std::size_t> at;  // id -> index in set.entries
  for (std::size_t i = 0; i < set.entries.size(); ++i) at.emplace(set.entries[i].id, i);
  for (const SignatureEntry& e : *added)
    if (at.count(e.id) && !options.replace)
      return make_error(ErrorCode::invalid,
                        manifest_path + ": id '" + e.id + "' is already in the set (--replace replaces its entry)");
  for (SignatureEntry& e : *added) {
    if (auto it = at.find(e.id); it != at.end()) {
      set.entries[it->second] = std::move(e);
    } else {
      set.entries.push_back(std::move(e));
    }
  }
  stamp(set, set.name, options);
  return {};
}

Status remove_from_signature_set(SignatureSet& set, const std::vector<std::string>& ids, const EditOptions& options) {
  std::set<std::string> in_set;
  for (const SignatureEntry& e : set.entries) in_set.insert(e.id);
  const std::set<std::string> drop(ids.begin(), ids.end());
  for (const std::string& id : ids)
    if (!in_set.count(id)) return make_error(ErrorCode::invalid, "no entry with id '" + id + "' in the set");
  if (drop.size() >= set.entries.size())
    return make_error(ErrorCode::empty, "removing every entry would leave an empty set, which no scan accepts");
  if (Status s = decode_all(set); !s.ok()) return s;
  std::erase_if(set.entries, [&](const SignatureEntry& e) { return drop.count(e.id) > 0; });
  stamp(set, set.name, options);
  return {};
}

Result<SignatureSet> merge_signature_sets(std::vector<SignatureSet> sets, const std::vector<std::string>& sources,
                                          const EditOptions& options) {
  if (sets.empty()) return make_error(ErrorCode::invalid, "nothing to merge");
  auto source = [&](std::size_t i) { return i < sources.size() ? sources[i] : "input " + std::to_string(i + 1); };
  const SignatureSet& first = sets.front();
  std::map<std::string, std::size_t> owner;  // id -> input that holds it
  SignatureSet out;
  out.engine_version = first.engine_version;
  out.params = first.params;
  for (std::size_t i = 0; i < sets.size(); ++i) {
    if (Status s = decode_all(sets[i]); !s.ok()) return s;
    if (i > 0 || first.format_version < 3)
      if (std::string why = incomparable(sets[i], source(i), first.params, first.engine_version, source(0));
          !why.empty())
        return make_error(ErrorCode::invalid, why);
    for (SignatureEntry& e : sets[i].entries) {
      if (auto [it, fresh] = owner.emplace(e.id, i); !fresh)
        return make_error(ErrorCode::invalid,
                          "id '" + e.id + "' is in both " + source(it->second) + " and " + source(i));
      out.entries.push_back(std::move(e));
    }
  }
  if (out.entries.empty()) return make_error(ErrorCode::empty, "the merged set would be empty");
  stamp(out, first.name, options);
  return out;
}

Status write_edited_signature_set(SignatureSet& set, const std::string& path, bool& removed_signature) {
  removed_signature = false;
  if (Status s = write_signature_set(set, path); !s.ok()) return s;
  const std::string sig = path + ".sig";
  std::error_code ec;
  removed_signature = std::filesystem::remove(sig, ec);
  if (ec)
    return make_error(ErrorCode::io, "wrote " + path + " but could not remove the signature of its old bytes " + sig +
                                         ": " + ec.message() + " (remove it, or re-sign with meshsentry sig sign)");
  return {};
}

}  // namespace meshsentry
