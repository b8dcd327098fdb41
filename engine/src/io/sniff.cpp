// SPDX-License-Identifier: MIT
// Format detection from content. Order matters: binary signatures first, then
// the STL size rule (a binary STL header may start with "solid"), then text.
#include <algorithm>
#include <cctype>
#include <cstring>
#include <string>
#include <utility>

#include "common/text.hpp"
#include "meshsentry/io.hpp"

namespace meshsentry {

const char* format_name(Format f) noexcept {
  switch (f) {
    case Format::stl_binary: return "stl";
    case Format::stl_ascii: return "stl-ascii";
    case Format::obj: return "obj";
    case Format::ply: return "ply";
    case Format::off: return "off";
    case Format::threemf: return "3mf";
    case Format::amf: return "amf";
    case Format::gltf: return "gltf";
    case Format::glb: return "glb";
    case Format::collada: return "dae";
    case Format::fbx: return "fbx";
    case Format::x3d: return "x3d";
    case Format::max3ds: return "3ds";
    case Format::zip: return "zip";
    case Format::tar: return "tar";
    case Format::gzip: return "gz";
    case Format::bzip2: return "bz2";
    case Format::xz: return "xz";
    case Format::sevenzip: return "7z";
    case Format::gcode: return "gcode";
    case Format::step: return "step";
    case Format::iges: return "iges";
    case Format::bgcode: return "bgcode";
    case Format::vrml: return "vrml";
    case Format::brep: return "brep";
    case Format::unknown: break;
  }
  return "unknown";
}

bool is_archive(Format f) noexcept {
  return f == Format::zip || f == Format::tar || f == Format::gzip || f == Format::bzip2 ||
         f == Format::xz || f == Format::sevenzip;
}

bool is_mesh(Format f) noexcept {
  switch (f) {
    case Format::stl_binary: case Format::stl_ascii: case Format::obj: case Format::ply:
    case Format::off: case Format::threemf: case Format::amf: case Format::gltf:
    case Format::glb: case Format::collada: case Format::fbx: case Format::x3d:
    case Format::max3ds: case Format::vrml: case Format::step: case Format::iges: case Format::brep:
      return true;
    default:
      return false;
  }
}

namespace {

bool starts_with(std::span<const std::byte> b, const char* magic, std::size_t at = 0) {
  const std::size_t n = std::strlen(magic);
  return b.size() >= at + n && std::memcmp(b.data() + at, magic, n) == 0;
}

std::uint32_t le(std::span<const std::byte> b, std::size_t at, int n) {
  std::uint32_t v = 0;
  for (int i = 0; i < n; ++i) v |= static_cast<std::uint32_t>(b[at + i]) << (8 * i);
  return v;
}

std::uint64_t le64(std::span<const std::byte> b, std::size_t at) {
  return le(b, at, 4) | (std::uint64_t(le(b, at + 4, 4)) << 32);
}

bool is_3mf_part(std::string name) {
  name = to_lower(std::move(name));
  if (!name.empty() && name.front() == '/') name.erase(0, 1);
  return name == "3d/3dmodel.model";
}

// Whether the zip's own central directory names a 3MF model part
// ("3D/3dmodel.model", any case). Looking at the directory rather than for
// the string anywhere keeps a zip that merely contains a .3mf a zip. ZIP64
// directories are followed; a directory that cannot be read falls back to
// the first local header, which in an OPC package is one of its parts.
bool zip_is_3mf(std::span<const std::byte> b) {
  if (b.size() < 30) return false;
  const std::size_t lowest = b.size() > 22 + 65535 ? b.size() - 22 - 65535 : 0;
  for (std::size_t e = b.size() >= 22 ? b.size() - 22 + 1 : 0; e-- > lowest;) {
    if (le(b, e, 4) != 0x06054b50u) continue;
    std::uint64_t entries = le(b, e + 10, 2), cd_size = le(b, e + 12, 4), cd_at = le(b, e + 16, 4);
    if (cd_at == 0xffffffffu && e >= 20 && le(b, e - 20, 4) == 0x07064b50u) {
      const std::uint64_t z = le64(b, e - 12);  // ZIP64 end-of-directory record
      if (z + 56 <= b.size() && le(b, z, 4) == 0x06064b50u) {
        entries = le64(b, z + 32);
        cd_size = le64(b, z + 40);
        cd_at = le64(b, z + 48);
      }
    }
    if (cd_at > b.size() || cd_size > b.size() - cd_at) break;
    std::uint64_t p = cd_at;
    for (std::uint64_t i = 0; i < entries && p + 46 <= cd_at + cd_size; ++i) {
      if (le(b, p, 4) != 0x02014b50u) break;
      const std::size_t name_len = le(b, p + 28, 2), extra = le(b, p + 30, 2), comment = le(b, p + 32, 2);
      if (p + 46 + name_len > b.size()) break;
      if (is_3mf_part(std::string(reinterpret_cast<const char*>(b.data() + p + 46), name_len))) return true;
      p += 46 + name_len + extra + comment;
    }
    return false;
  }
  const std::size_t name_len = le(b, 26, 2);
  if (30 + name_len > b.size()) return false;
  const std::string first = to_lower(std::string(reinterpret_cast<const char*>(b.data() + 30), name_len));
  return is_3mf_part(first) || first == "[content_types].xml" || first.rfind("_rels/", 0) == 0;
}

// The first `limit` bytes of a text file, lower-cased, for keyword tests.
std::string first_lines(std::span<const std::byte> b, std::size_t limit) {
  return to_lower(std::string(reinterpret_cast<const char*>(b.data()), std::min(b.size(), limit)));
}

bool looks_binary(std::span<const std::byte> b) {
  const std::size_t n = std::min<std::size_t>(b.size(), 512);
  for (std::size_t i = 0; i < n; ++i) {
    auto c = static_cast<unsigned char>(b[i]);
    if (c == 0) return true;
  }
  return false;
}

// A G0/G1 move within the lowered head: at a line start (after spaces and
// an optional line number "n10"), "g0"/"g1" (or "g00"/"g01"), spaces, then
// an axis, extrusion or feed word with a number: "G1 X10 Y2", not a script's
// "G1 = ...".
bool has_move_line(std::string_view h) {
  auto digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
  for (std::size_t at = 0; at < h.size();) {
    const std::size_t nl = std::min(h.find('\n', at), h.size());
    std::string_view line = h.substr(at, nl - at);
    at = nl + 1;
    std::size_t i = line.find_first_not_of(" \t");
    if (i != std::string_view::npos && line[i] == 'n' && i + 1 < line.size() && digit(line[i + 1])) {
      while (++i < line.size() && digit(line[i])) {
      }
      i = line.find_first_not_of(" \t", i);
    }
    if (i == std::string_view::npos || i + 2 >= line.size() || line[i] != 'g') continue;
    std::size_t j = i + 1;
    if (line[j] == '0' && j + 1 < line.size() && digit(line[j + 1])) ++j;  // g00, g01
    if (line[j] != '0' && line[j] != '1') continue;
    const std::size_t w = line.find_first_not_of(" \t", j + 1);
    if (w == j + 1 || w == std::string_view::npos || w + 1 >= line.size()) continue;
    const char axis = line[w], value = line[w + 1];
    if (std::string_view("xyzef").find(axis) != std::string_view::npos &&
        (digit(value) || value == '-' || value == '.' || value == '+'))
      return true;
  }
  return false;
}

// IGES: 80-column records, the first one of the Start section: 'S' in
// column 73 and sequence number 1 in 74-80, whatever the file is named (a
// CAD program's first line is often blank up to column 73).
bool is_iges_start(std::string_view head) {
  if (head.size() < 80 || head[72] != 's') return false;
  const std::string_view seq = head.substr(73, 7);
  const std::size_t digits = seq.find_first_not_of(" 0");
  if (digits != 6 || seq[6] != '1') return false;
  return head.size() == 80 || head[80] == '\n' || head[80] == '\r';
}

Format sniff_text(std::span<const std::byte> b, const std::string& ext) {
  if (b.size() >= 3 && std::memcmp(b.data(), "\xef\xbb\xbf", 3) == 0) b = b.subspan(3);  // UTF-8 BOM
  const std::string head = first_lines(b, 4096);
  std::size_t i = head.find_first_not_of(" \t\r\n");
  if (i == std::string::npos) return Format::unknown;
  const std::string_view h = std::string_view(head).substr(i);
  auto has = [&](const char* k) { return h.rfind(k, 0) == 0; };

  if (has("solid")) return Format::stl_ascii;
  if (has("#vrml v2.0") || has("#vrml v1.0")) return Format::vrml;  // ISO/IEC 14772-1 header; 1.0 as admesh writes
  if (has("iso-10303-21")) return Format::step;
  // OCCT's text BREP, bare or as Draw saves it.
  if (has("cascade topology v") || (has("dbrep_drawableshape") && h.find("cascade topology v") < 200))
    return Format::brep;
  if (is_iges_start(head) || (h.size() > 72 && h[72] == 's' && ext.starts_with("ig"))) return Format::iges;
  if (has("<?xml") || has("<")) {
    if (h.find("<collada") != std::string_view::npos) return Format::collada;
    if (h.find("<amf") != std::string_view::npos) return Format::amf;
    if (h.find("<x3d") != std::string_view::npos) return Format::x3d;
    // A 3MF model part on its own, outside its package.
    if (h.find("<model") != std::string_view::npos && h.find("3dmanufacturing") != std::string_view::npos)
      return Format::threemf;
    return Format::unknown;
  }
  if (has("{") && h.find("\"asset\"") != std::string_view::npos) return Format::gltf;
  if (has("{") && ext == "gltf") return Format::gltf;
  if (has("; fbx")) return Format::fbx;
  // OFF variants, [ST][C][N][4][n]OFF: OFF, COFF, NOFF, CNOFF, STOFF, 4OFF...
  // (a text opening with "groff" is not one).
  {
    auto end = h.find_first_of(" \t\r\n");
    std::string_view w = h.substr(0, end);
    while (!w.empty() && std::isdigit(static_cast<unsigned char>(w.back()))) w.remove_suffix(1);  // "OFF8 6 0"
    if (w.size() >= 3 && w.size() <= 6 && w.ends_with("off") &&
        w.substr(0, w.size() - 3).find_first_not_of("stcn4") == std::string_view::npos)
      return Format::off;
  }
  // G-code: named so, or a move at a line start ("G1 X10 Y2", not a
  // script's "G1 = ...").
  if (ext == "gcode" || ext == "gco" || has_move_line(h)) return Format::gcode;
  // OBJ: lines made of its keywords (comments allowed).
  std::size_t pos = 0, keyword_lines = 0, other_lines = 0;
  while (pos < h.size() && keyword_lines + other_lines < 40) {
    std::size_t e = h.find('\n', pos);
    std::string_view line = h.substr(pos, e == std::string_view::npos ? std::string_view::npos : e - pos);
    pos = e == std::string_view::npos ? h.size() : e + 1;
    auto s = line.find_first_not_of(" \t\r");
    if (s == std::string_view::npos || line[s] == '#') continue;
    line = line.substr(s);
    static const char* kws[] = {"v ", "vn ", "vt ", "f ", "o ", "g ", "s ", "l ", "p ",
                                "mtllib", "usemtl", "v\t", "f\t", "vp "};
    bool kw = false;
    for (const char* k : kws) kw = kw || line.rfind(k, 0) == 0;
    (kw ? keyword_lines : other_lines)++;
  }
  if (keyword_lines > 0 && other_lines == 0) return Format::obj;
  if (keyword_lines > 0 && ext == "obj") return Format::obj;
  return Format::unknown;
}

}  // namespace

const char* unsupported_3d_format(std::string_view ext) noexcept {
  static constexpr std::pair<std::string_view, const char*> kFormats[] = {
      {"x3dv", "X3D (classic VRML encoding)"}, {"x3db", "X3D (binary)"},
      {"3dm", "Rhino 3DM"}, {"skp", "SketchUp"}, {"blend", "Blender"},
      {"f3d", "Fusion 360"}, {"sldprt", "SolidWorks part"}, {"sldasm", "SolidWorks assembly"},
      {"ipt", "Inventor part"}, {"iam", "Inventor assembly"}, {"x_t", "Parasolid"}, {"x_b", "Parasolid"},
      {"sat", "ACIS"}, {"c4d", "Cinema 4D"}, {"ma", "Maya"}, {"mb", "Maya"},
      {"lwo", "LightWave"}, {"usd", "USD"}, {"usda", "USD"}, {"usdc", "USD"}, {"usdz", "USD"},
      {"ctm", "OpenCTM"}};
  for (const auto& [e, name] : kFormats)
    if (ext == e) return name;
  return nullptr;
}

std::string file_extension(std::string_view path) {
  const auto dot = path.rfind('.');
  const auto slash = path.rfind('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return {};
  return to_lower(std::string(path.substr(dot + 1)));
}

Format sniff(std::span<const std::byte> b, std::string_view name_hint) {
  const std::string ext = file_extension(name_hint);
  if (b.empty()) return Format::unknown;

  if (starts_with(b, "PK\x03\x04") || starts_with(b, "PK\x05\x06")) {
    // 3MF is a zip whose package holds a 3D model part: a mesh, not an archive.
    if (zip_is_3mf(b)) return Format::threemf;
    return Format::zip;
  }
  if (starts_with(b, "\x1f\x8b")) return Format::gzip;
  if (starts_with(b, "BZh")) return Format::bzip2;
  if (starts_with(b, "\xfd" "7zXZ")) return Format::xz;
  if (starts_with(b, "7z\xbc\xaf\x27\x1c")) return Format::sevenzip;
  if (starts_with(b, "ustar", 257)) return Format::tar;
  if (starts_with(b, "glTF")) return Format::glb;
  if (starts_with(b, "GCDE")) return Format::bgcode;  // the reader checks the rest of its header
  if (starts_with(b, "Kaydara FBX Binary")) return Format::fbx;
  if (starts_with(b, "\nOpen CASCADE Topology V") || starts_with(b, "Open CASCADE Topology V"))
    return Format::brep;  // BinTools' binary BREP
  if (starts_with(b, "ply\n") || starts_with(b, "ply\r\n")) return Format::ply;

  // STL size rule: exactly 84 + 50 n bytes is binary, whatever the header says.
  if (b.size() >= 84) {
    std::uint32_t n = 0;
    std::memcpy(&n, b.data() + 80, 4);
    if (84 + 50ull * n == b.size()) return Format::stl_binary;
  }
  // 3DS: main chunk 0x4D4D whose length field equals the file size.
  if (b.size() >= 6 && starts_with(b, "\x4d\x4d")) {
    std::uint32_t len = 0;
    std::memcpy(&len, b.data() + 2, 4);
    if (len == b.size()) return Format::max3ds;
  }
  if (!looks_binary(b)) {
    Format f = sniff_text(b, ext);
    if (f != Format::unknown) return f;
  } else if (starts_with(b, "solid") && (ext == "stl")) {
    return Format::stl_ascii;  // ascii with stray NULs: the reader will say what is wrong
  }
  // A binary file named .stl that fails the size rule: let the STL reader
  // explain the mismatch instead of calling it unknown.
  if (ext == "stl" && b.size() >= 84 && looks_binary(b)) return Format::stl_binary;
  return Format::unknown;
}

}  // namespace meshsentry
