// SPDX-License-Identifier: MIT
// What a file is when it is no 3D format (for the inventory of a folder
// walk), and whether its name's extension agrees with its content (forensic
// tools flag a part renamed .png). Both look at bytes already read.
#include <cstring>
#include <string_view>
#include <utility>

#include "common/text.hpp"
#include "meshsentry/io.hpp"

namespace meshsentry {

using namespace std::string_view_literals;

namespace {

bool opens_with(std::span<const std::byte> b, std::string_view magic, std::size_t at = 0) {
  return b.size() >= at + magic.size() && std::memcmp(b.data() + at, magic.data(), magic.size()) == 0;
}

// The formats a file named with `ext` may hold; null when the extension is
// no 3D or archive format meshsentry knows.
struct Named {
  std::string_view ext;
  Format formats[3];
};
constexpr Named kNamed[] = {
    {"stl", {Format::stl_binary, Format::stl_ascii}},
    {"obj", {Format::obj}},
    {"ply", {Format::ply}},
    {"off", {Format::off}},
    {"3mf", {Format::threemf}},
    {"amf", {Format::amf, Format::zip}},  // AMF may be zip-compressed (ISO/ASTM 52915)
    {"gltf", {Format::gltf}},
    {"glb", {Format::glb}},
    {"dae", {Format::collada}},
    {"fbx", {Format::fbx}},
    {"x3d", {Format::x3d}},
    {"3ds", {Format::max3ds}},
    {"zip", {Format::zip}},
    {"tar", {Format::tar}},
    {"gz", {Format::gzip}},
    {"tgz", {Format::gzip}},
    {"bz2", {Format::bzip2}},
    {"xz", {Format::xz}},
    {"7z", {Format::sevenzip}},
    {"gcode", {Format::gcode}},
    {"gco", {Format::gcode}},
    {"bgcode", {Format::bgcode}},
    {"step", {Format::step}},
    {"stp", {Format::step}},
    {"iges", {Format::iges}},
    {"igs", {Format::iges}},
    {"brep", {Format::brep}},
    {"brp", {Format::brep}},
    {"wrl", {Format::vrml}},
    {"vrml", {Format::vrml}},
};

bool is_3d_content(Format f) noexcept {
  return is_mesh(f) || f == Format::gcode || f == Format::bgcode || f == Format::step || f == Format::iges ||
         f == Format::brep;
}

}  // namespace

const char* content_kind(std::span<const std::byte> b) noexcept {
  if (b.empty()) return "empty";
  static constexpr std::pair<std::string_view, const char*> kMagic[] = {{"\x89PNG\r\n\x1a\n"sv, "png"},
                                                                        {"\xff\xd8\xff"sv, "jpeg"},
                                                                        {"GIF87a"sv, "gif"},
                                                                        {"GIF89a"sv, "gif"},
                                                                        {"%PDF-"sv, "pdf"},
                                                                        {"\x7f"
                                                                         "ELF"sv,
                                                                         "elf"},
                                                                        {"#!"sv, "script"},
                                                                        {"%!PS"sv, "postscript"},
                                                                        {"SQLite format 3"sv, "sqlite"},
                                                                        {"\x28\xb5\x2f\xfd"sv, "zstd"},
                                                                        {"\x1f\x8b"sv, "gzip"},
                                                                        {"BZh"sv, "bzip2"},
                                                                        {"\xfd"
                                                                         "7zXZ"sv,
                                                                         "xz"},
                                                                        {"PK\x03\x04"sv, "zip"},
                                                                        {"OggS"sv, "ogg"},
                                                                        {"fLaC"sv, "flac"},
                                                                        {"ID3"sv, "mp3"},
                                                                        {"wOFF"sv, "font"},
                                                                        {"wOF2"sv, "font"},
                                                                        {"OTTO"sv, "font"},
                                                                        {"\0asm"sv, "wasm"},
                                                                        {"II*\0"sv, "tiff"},
                                                                        {"MM\0*"sv, "tiff"}};
  for (const auto& [magic, kind] : kMagic)
    if (opens_with(b, magic)) return kind;
  if (opens_with(b, "RIFF") && opens_with(b, "WEBP", 8)) return "webp";
  if (opens_with(b, "RIFF")) return "riff";
  if (opens_with(b, "ftyp", 4)) return "video";
  const std::size_t n = std::min<std::size_t>(b.size(), 4096);
  const std::string_view head(reinterpret_cast<const char*>(b.data()), n);
  if (head.find('\0') != std::string_view::npos) return "binary";
  // Text: well-formed UTF-8, but for a sequence cut at the end of the head.
  for (std::size_t i = 0; i < head.size();) {
    const std::size_t len = utf8_length(head, i);
    if (len == 0 && i + 4 <= head.size()) return "binary";
    i += len ? len : head.size();
  }
  const std::size_t first = head.find_first_not_of(" \t\r\n\xef\xbb\xbf");  // spaces and a UTF-8 BOM
  const std::string lower = to_lower(std::string(head.substr(first == std::string_view::npos ? 0 : first, 64)));
  if (lower.starts_with("<!doctype html") || lower.starts_with("<html")) return "html";
  if (lower.starts_with("<?xml") || lower.starts_with("<svg")) return "xml";
  if (lower.starts_with("{") || lower.starts_with("[")) return "json";
  return "text";
}

bool extension_disagrees(std::string_view ext, Format content) noexcept {
  if (ext.empty() || content == Format::unknown) return false;
  for (const Named& n : kNamed)
    if (n.ext == ext) {
      for (Format f : n.formats)
        if (f == content && f != Format::unknown) return false;
      return true;
    }
  // Named as no format here (.png, .txt, .dat): only 3D content disagrees; a
  // .docx or .jar is a zip, and that is what it should be.
  return is_3d_content(content);
}

}  // namespace meshsentry
