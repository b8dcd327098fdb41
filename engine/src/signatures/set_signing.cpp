// SPDX-License-Identifier: MIT
// Ed25519 signatures of signature sets (OpenSSL's EVP interface; RFC 8032).
// The signed message is a fixed domain prefix followed by the SHA-256 of the
// set's bytes (format 6: of its header and table of contents, which hold
// every sample blob's SHA-256), so a signature of a set can never be taken
// for a signature of anything else. The signature lives beside the set in SET.sig, a three-line
// text file:
//   meshsentry-set-signature 1
//   key <SHA-256 of the raw 32-byte public key, hex>
//   ed25519 <the 64-byte signature, hex>
// The set is verified and parsed from the same bytes, read once (format 6:
// mapped, the table of contents read).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <string_view>

#include "common/atomic_file.hpp"
#include "common/mapped_file.hpp"
#include "common/sha256.hpp"
#include "meshsentry/signatures.hpp"
#include "signatures/msig_read.hpp"

#ifndef MESHSENTRY_TRUSTED_KEYS_DIR
#define MESHSENTRY_TRUSTED_KEYS_DIR "/etc/meshsentry/trusted-keys"
#endif

namespace meshsentry {
namespace {

constexpr std::string_view kDomain = "meshsentry signature set v1";
constexpr std::string_view kHeader = "meshsentry-set-signature 1";
constexpr std::uint64_t kMaxKeyBytes = 1 << 16;

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};

bool unhex(std::string_view s, std::vector<unsigned char>& out) {
  auto digit = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1; };
  if (s.size() % 2) return false;
  out.clear();
  for (std::size_t i = 0; i < s.size(); i += 2) {
    const int hi = digit(s[i]), lo = digit(s[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<unsigned char>(16 * hi + lo));
  }
  return true;
}

// The message signed for a set: the domain prefix, a NUL, the set's SHA-256
// (format 6: of its header and table of contents, which hold every sample
// blob's SHA-256, so a 2 GB set is not hashed whole at every open).
std::vector<unsigned char> message_of(std::span<const std::byte> set_bytes) {
  std::vector<unsigned char> m(kDomain.begin(), kDomain.end());
  m.push_back(0);
  const auto digest = stored_toc_digest(set_bytes).value_or(sha256(set_bytes));
  m.insert(m.end(), digest.begin(), digest.end());
  return m;
}

Result<std::vector<std::byte>> read_small(const std::string& path) {
  auto f = MappedFile::open(path, kMaxKeyBytes);
  if (!f) return make_error(f.status().code, path + ": " + f.status().message);
  return std::vector<std::byte>(f->bytes().begin(), f->bytes().end());
}

// A PEM key (private or public) as an Ed25519 key, else an error.
Result<Pkey> read_key(const std::string& path, bool private_key) {
  auto bytes = read_small(path);
  if (!bytes) return bytes.status();
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(bytes->data(), static_cast<int>(bytes->size())));
  if (!bio) return make_error(ErrorCode::io, "out of memory");
  Pkey key(private_key ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                       : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!key || EVP_PKEY_id(key.get()) != EVP_PKEY_ED25519)
    return make_error(ErrorCode::invalid,
                      path + ": not an Ed25519 " + (private_key ? "private" : "public") + " key in PEM form");
  return key;
}

Result<std::string> key_id(EVP_PKEY* key) {
  unsigned char raw[32];
  std::size_t n = sizeof raw;
  if (EVP_PKEY_get_raw_public_key(key, raw, &n) != 1 || n != sizeof raw)
    return make_error(ErrorCode::invalid, "cannot read the public key");
  const auto id = sha256(std::as_bytes(std::span(raw, n)));
  return to_hex(id);
}

struct ParsedSignature {
  std::string key;
  std::vector<unsigned char> signature;
};

Result<ParsedSignature> parse_signature_file(const std::string& path, std::span<const std::byte> bytes) {
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  std::vector<std::string_view> lines;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t nl = std::min(text.find('\n', at), text.size());
    lines.push_back(text.substr(at, nl - at));
    at = nl + 1;
  }
  ParsedSignature p;
  const auto bad = make_error(ErrorCode::corrupt, path + ": not a meshsentry set signature");
  if (lines.size() != 3 || lines[0] != kHeader || lines[1].substr(0, 4) != "key " ||
      lines[2].substr(0, 8) != "ed25519 ")
    return bad;
  p.key = std::string(lines[1].substr(4));
  std::vector<unsigned char> id;
  if (!unhex(p.key, id) || id.size() != 32 || !unhex(lines[2].substr(8), p.signature) || p.signature.size() != 64)
    return bad;
  return p;
}

bool verifies(EVP_PKEY* key, const std::vector<unsigned char>& message, const std::vector<unsigned char>& sig) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key) == 1 &&
         EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), message.data(), message.size()) == 1;
}

// The trusted keys: those named, then the default folder's *.pem files.
std::vector<std::string> trusted_key_files(const TrustOptions& trust) {
  std::vector<std::string> files = trust.trusted_keys;
  if (!trust.default_keys) return files;
  std::error_code ec;
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::directory_iterator(default_trusted_keys_dir(), ec))
    if (entry.path().extension() == ".pem" && entry.is_regular_file(ec)) found.push_back(entry.path().string());
  std::sort(found.begin(), found.end());
  files.insert(files.end(), found.begin(), found.end());
  return files;
}

// Which trusted key signed `set_bytes`, by the signature file beside the set.
Result<std::string> check_signature(const std::string& set_path, std::span<const std::byte> set_bytes,
                                    const std::vector<std::string>& keys) {
  const std::string sig_path = set_path + ".sig";
  auto sig_bytes = read_small(sig_path);
  if (!sig_bytes)
    return make_error(ErrorCode::invalid, set_path + ": not signed (" + sig_bytes.status().message +
                                              "), and trusted keys are configured");
  auto parsed = parse_signature_file(sig_path, *sig_bytes);
  if (!parsed) return parsed.status();
  const auto message = message_of(set_bytes);
  for (const std::string& k : keys) {
    auto key = read_key(k, false);
    if (!key) return key.status();  // a broken trusted key is a configuration error, never skipped
    auto id = key_id(key->get());
    if (!id) return id.status();
    if (*id == parsed->key && verifies(key->get(), message, parsed->signature)) return *id;
  }
  return make_error(ErrorCode::invalid, set_path + ": its signature (key " + parsed->key.substr(0, 16) +
                                            ") does not verify with any trusted key");
}

}  // namespace

std::string default_trusted_keys_dir() { return MESHSENTRY_TRUSTED_KEYS_DIR; }

Status generate_signing_key(const std::string& private_key_path, const std::string& public_key_path) {
  EVP_PKEY* raw = nullptr;
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr),
                                                                   EVP_PKEY_CTX_free);
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &raw) != 1)
    return make_error(ErrorCode::invalid, "cannot generate an Ed25519 key");
  Pkey key(raw);
  auto pem = [&](bool private_part) -> Result<std::vector<std::byte>> {
    std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
    const int ok = private_part ? PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr)
                                : PEM_write_bio_PUBKEY(bio.get(), key.get());
    char* data = nullptr;
    const long n = bio ? BIO_get_mem_data(bio.get(), &data) : 0;
    if (ok != 1 || n <= 0) return make_error(ErrorCode::invalid, "cannot encode the key");
    const auto* b = reinterpret_cast<const std::byte*>(data);
    return std::vector<std::byte>(b, b + n);
  };
  std::error_code ec;
  if (std::filesystem::exists(private_key_path, ec))
    return make_error(ErrorCode::invalid, private_key_path + ": exists; a signing key is never overwritten");
  auto priv = pem(true);
  auto pub = pem(false);
  if (!priv) return priv.status();
  if (!pub) return pub.status();
  if (Status s = write_file_atomically(private_key_path, *priv, 0600); !s.ok()) return s;
  return write_file_atomically(public_key_path, *pub, 0644);
}

Status sign_signature_set(const std::string& set_path, const std::string& private_key_path) {
  auto key = read_key(private_key_path, true);
  if (!key) return key.status();
  auto file = MappedFile::open(set_path, 1ull << 32);
  if (!file) return make_error(file.status().code, set_path + ": " + file.status().message);
  const std::span<const std::byte> bytes = file->bytes();
  if (auto set = parse_signature_set(bytes); !set) return make_error(set.status().code, set_path + ": " + set.status().message);
  const auto message = message_of(bytes);
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  unsigned char sig[64];
  std::size_t n = sizeof sig;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key->get()) != 1 ||
      EVP_DigestSign(ctx.get(), sig, &n, message.data(), message.size()) != 1 || n != sizeof sig)
    return make_error(ErrorCode::invalid, "signing failed");
  auto id = key_id(key->get());
  if (!id) return id.status();
  const std::string text =
      std::string(kHeader) + "\nkey " + *id + "\ned25519 " + to_hex(std::span(sig, n)) + "\n";
  return write_file_atomically(set_path + ".sig", std::as_bytes(std::span(text.data(), text.size())));
}

Result<SignatureSet> read_signature_set(const std::string& path, const TrustOptions& trust) {
  const std::vector<std::string> keys = trusted_key_files(trust);
  auto map = map_lazy_signature_file(path);
  if (!map) return map.status();
  if (*map) {  // format 6: only the header and table of contents are read (and signed)
    std::string signer;
    if (!keys.empty()) {
      auto id = check_signature(path, (*map)->bytes(), keys);
      if (!id) return id.status();
      signer = *id;
    }
    auto set = parse_mapped_signature_file(std::move(*map));
    if (!set) return make_error(set.status().code, path + ": " + set.status().message);
    set->signed_by = signer;
    return set;
  }
  auto file = MappedFile::open(path, 1ull << 32);
  if (!file) return make_error(file.status().code, path + ": " + file.status().message);
  std::string signer;
  if (!keys.empty()) {
    auto id = check_signature(path, file->bytes(), keys);
    if (!id) return id.status();
    signer = *id;
  }
  auto set = parse_signature_file(*file);
  if (!set) return make_error(set.status().code, path + ": " + set.status().message);
  set->signed_by = signer;
  return set;
}

}  // namespace meshsentry
