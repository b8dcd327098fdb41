// SPDX-License-Identifier: MIT
// Binary G-code (.bgcode): no Prusa tool is installed here, so a tiny
// encoder below writes files by libbgcode's doc/specifications.md (header,
// blocks with CRC32, DEFLATE through zlib, heatshrink as a greedy LZSS with
// back-references or literals only, MeatPack with and without comments) and
// the decoder must give the text back; a sliced stand-in encoded so must be
// found like its text G-code; cut, corrupted and lying files must fail.
#include <zlib.h>

#include <catch2/catch.hpp>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "io/gcode/bgcode.hpp"
#include "meshsentry/engine.hpp"
#include "support/fixtures.hpp"

using namespace meshsentry;
using namespace fixtures;

namespace {

using Bytes = std::vector<std::uint8_t>;

void put(Bytes& b, std::uint32_t v, int n) {
  for (int i = 0; i < n; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

Bytes deflate_bytes(const std::string& s) {
  uLongf n = compressBound(s.size());
  Bytes out(n);
  REQUIRE(compress2(out.data(), &n, reinterpret_cast<const Bytef*>(s.data()), s.size(), 6) == Z_OK);
  out.resize(n);
  return out;
}

// Heatshrink: tag 1 + 8 bits a literal, tag 0 + index + count a reference,
// most significant bit first. `refs` false writes literals only, which any
// conforming decoder must read too.
Bytes heatshrink_bytes(const std::string& s, int window, bool refs) {
  Bytes out;
  int nbits = 0;
  auto bits = [&](std::uint32_t v, int n) {
    for (int i = n - 1; i >= 0; --i) {
      if (nbits % 8 == 0) out.push_back(0);
      out.back() |= static_cast<std::uint8_t>(((v >> i) & 1) << (7 - nbits % 8));
      ++nbits;
    }
  };
  for (std::size_t i = 0; i < s.size();) {
    std::size_t best = 0, best_back = 0;
    for (std::size_t back = 1; refs && back <= i && back <= (1u << window); ++back) {
      std::size_t n = 0;
      while (n < 16 && i + n < s.size() && s[i + n - back] == s[i + n]) ++n;  // may overlap, as LZSS allows
      if (n > best) best = n, best_back = back;
    }
    if (best >= 2) {
      bits(0, 1);
      bits(static_cast<std::uint32_t>(best_back - 1), window);
      bits(static_cast<std::uint32_t>(best - 1), 4);
      i += best;
    } else {
      bits(1, 1);
      bits(static_cast<std::uint8_t>(s[i]), 8);
      ++i;
    }
  }
  return out;
}

// MeatPack of G-code lines, as Prusa's encoder does it: comments dropped
// (kept as whole unpacked lines when `comments`), G lines without spaces
// ('E' takes the space's code), the rest packed two characters a byte.
Bytes meatpack_bytes(const std::string& text, bool comments) {
  const std::string table = "0123456789.E\nGX";  // no-spaces mode
  Bytes out = {0xFF, 0xFF, 251, 0xFF, 0xFF, 247};
  bool packing = true;
  std::size_t from = 0;
  while (from < text.size()) {
    std::size_t eol = text.find('\n', from);
    if (eol == std::string::npos) eol = text.size();
    std::string line = text.substr(from, eol - from);
    from = eol + 1;
    if (comments && !line.empty() && line[0] == ';') {
      if (packing) out.insert(out.end(), {0xFF, 0xFF, 250});
      packing = false;
      out.insert(out.end(), line.begin(), line.end());
      out.push_back('\n');
      continue;
    }
    line = line.substr(0, line.find(';'));
    while (!line.empty() && line.back() == ' ') line.pop_back();
    if (line.empty()) continue;
    if (line[0] == 'G') std::erase(line, ' ');
    line += '\n';
    if (!packing) out.insert(out.end(), {0xFF, 0xFF, 251});
    packing = true;
    for (std::size_t i = 0; i < line.size(); i += 2) {
      const char a = line[i], b = i + 1 < line.size() ? line[i + 1] : '\n';
      const auto ca = table.find(a), cb = table.find(b);
      const std::uint8_t lo = ca == std::string::npos ? 15 : static_cast<std::uint8_t>(ca);
      const std::uint8_t hi = cb == std::string::npos ? 15 : static_cast<std::uint8_t>(cb);
      out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
      if (lo == 15) out.push_back(static_cast<std::uint8_t>(a));
      if (hi == 15) out.push_back(static_cast<std::uint8_t>(b));
    }
  }
  return out;
}

struct Writer {
  Bytes file;
  bool crc;
  explicit Writer(bool with_crc = true) : crc(with_crc) {
    file = {'G', 'C', 'D', 'E'};
    put(file, 1, 4);
    put(file, crc ? 1 : 0, 2);
  }
  void block(std::uint16_t type, std::uint16_t compression, const Bytes& params, const std::string& raw,
             const Bytes& packed) {
    const std::size_t at = file.size();
    put(file, type, 2);
    put(file, compression, 2);
    put(file, static_cast<std::uint32_t>(raw.size()), 4);
    if (compression != 0) put(file, static_cast<std::uint32_t>(packed.size()), 4);
    file.insert(file.end(), params.begin(), params.end());
    file.insert(file.end(), packed.begin(), packed.end());
    if (crc) put(file, static_cast<std::uint32_t>(crc32(0, file.data() + at, file.size() - at)), 4);
  }
  // A block holding `raw`, compressed as asked.
  void data_block(std::uint16_t type, std::uint16_t compression, const Bytes& params, const std::string& raw) {
    Bytes packed(raw.begin(), raw.end());
    if (compression == 1) packed = deflate_bytes(raw);
    if (compression >= 2) packed = heatshrink_bytes(raw, compression == 2 ? 11 : 12, raw.size() < 20000);
    block(type, compression, params, raw, packed);
  }
  void metadata() {
    data_block(0, 1, {0, 0}, "Producer=meshsentry test\n");
    data_block(3, 0, {0, 0}, "printer_model=MK4\nnozzle_diameter=0.4\n");
    data_block(5, 0, {0, 0, 16, 0, 16, 0}, std::string("\x89PNG not really", 15));
    data_block(4, 3, {0, 0}, "estimated printing time (normal mode)=1m\n");
    data_block(2, 2, {0, 0}, "layer_height=0.2\n");
  }
  // G-code in blocks of at most `chunk` bytes, cut at line ends as
  // PrusaSlicer cuts them, each encoded (0 text, 1/2 MeatPack) and compressed.
  void gcode(const std::string& text, std::uint16_t compression, std::uint16_t encoding, std::size_t chunk = 65536) {
    for (std::size_t from = 0; from < text.size();) {
      std::size_t to = std::min(text.size(), from + chunk);
      if (to < text.size()) to = text.rfind('\n', to - 1) + 1;
      if (to <= from) to = std::min(text.size(), from + chunk);
      const std::string part = text.substr(from, to - from);
      from = to;
      const Bytes params = {static_cast<std::uint8_t>(encoding), 0};
      if (encoding == 0) {
        data_block(1, compression, params, part);
      } else {
        const Bytes mp = meatpack_bytes(part, encoding == 2);
        data_block(1, compression, params, std::string(mp.begin(), mp.end()));
      }
    }
  }
  std::span<const std::byte> bytes() const { return std::as_bytes(std::span(file)); }
};

Result<std::string> decode(const Writer& w, std::size_t max = 1u << 30) {
  return gcode::decode_bgcode(w.bytes(), max);
}

std::string gunzip(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string gz((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  z_stream z{};
  REQUIRE(inflateInit2(&z, 16 + MAX_WBITS) == Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = static_cast<uInt>(gz.size());
  std::string out;
  int rc = Z_OK;
  while (rc == Z_OK) {
    char buf[65536];
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
  }
  inflateEnd(&z);
  REQUIRE(rc == Z_STREAM_END);
  return out;
}

const std::string kText =
    "; generated by PrusaSlicer\nM83\nG28 ; home\nG1 Z0.2 F720\n;TYPE:External perimeter\n"
    "G1 X10.5 Y2 E0.3\nG1 X20 Y2 E0.45\nM104 S215\nG1 X20 Y12.25 E.45\nG1 X10.5 Y12.25 E0.45\n";
// What MeatPack leaves of it: no comments, and G lines respaced word by word.
const std::string kPacked =
    "M83\nG28\nG1 Z0.2 F720\nG1 X10.5 Y2 E0.3\nG1 X20 Y2 E0.45\nM104 S215\nG1 X20 Y12.25 E.45\n"
    "G1 X10.5 Y12.25 E0.45\n";
const std::string kPackedComments =
    "; generated by PrusaSlicer\nM83\nG28\nG1 Z0.2 F720\n;TYPE:External perimeter\nG1 X10.5 Y2 E0.3\n"
    "G1 X20 Y2 E0.45\nM104 S215\nG1 X20 Y12.25 E.45\nG1 X10.5 Y12.25 E0.45\n";

}  // namespace

TEST_CASE("bgcode: every compression and encoding gives the G-code text back", "[bgcode]") {
  for (std::uint16_t compression = 0; compression <= 3; ++compression) {
    for (std::uint16_t encoding = 0; encoding <= 2; ++encoding) {
      for (bool crc : {true, false}) {
        INFO("compression " << compression << ", encoding " << encoding << ", crc " << crc);
        Writer w(crc);
        w.metadata();
        w.gcode(kText, compression, encoding, 40);  // several G-code blocks
        auto text = decode(w);
        REQUIRE(text.ok());
        CHECK(*text == (encoding == 0 ? kText : encoding == 1 ? kPacked : kPackedComments));
      }
    }
  }
  // Heatshrink back-references, the window's zeros before the first byte
  // included (a reference before the start reads zeros).
  Writer w;
  const std::string runs = "G1 X1 Y1\nG1 X1 Y1\nG1 X1 Y1\n" + std::string(300, 'a');
  REQUIRE(heatshrink_bytes(runs, 12, true).size() < heatshrink_bytes(runs, 12, false).size() / 4);
  w.gcode(runs, 3, 0);
  // Tag 0, index 0 in 11 bits (1 back), count 15 in 4 (16 bytes).
  w.block(1, 2, {0, 0}, std::string(16, '\0'), {0x00, 0x0F});
  auto text = decode(w);
  REQUIRE(text.ok());
  CHECK(*text == runs + std::string(16, '\0'));
}

TEST_CASE("bgcode: MeatPack's whole characters, lone 0xFF and packing switches", "[bgcode]") {
  // "M1 S1\n" unpacked after a reset; then packed with spaces ("G1 X1\n":
  // 'G' '1' ' ' 'X' '1' '\n' all packable); a full byte pair 0xFF 'M' 'x'.
  Bytes mp = {0xFF, 0xFF, 249, 'M', '1', ' ', 'S', '1', '\n', 0xFF, 0xFF, 251};
  mp.insert(mp.end(), {0x1D, 0xEB, 0xC1});   // G1, ' 'X, 1\n
  mp.insert(mp.end(), {0xFF, 'M', 'x'});     // both whole
  mp.insert(mp.end(), {0x1F, 'T', 0xCC});    // whole 'T' then '1', then "\n" (high padding)
  Writer w;
  w.block(1, 0, {1, 0}, std::string(mp.begin(), mp.end()), Bytes(mp.begin(), mp.end()));
  auto text = decode(w);
  REQUIRE(text.ok());
  CHECK(*text == "M1 S1\nG1 X1\nMxT1\n");
}

TEST_CASE("bgcode: a sliced stand-in is found like its text G-code", "[bgcode][match][gcode]") {
  const std::string gcode_text = gunzip(source_dir() / "tests/data/gcode/tslot_corner_bracket.gcode.gz");
  REQUIRE(gcode_text.size() > 100000);
  const Engine& engine = demo_engine();
  ScanOptions opt;
  opt.timing = false;
  // PrusaSlicer's default (heatshrink 12/4, MeatPack keeping comments), and
  // DEFLATE of the text itself.
  for (auto [compression, encoding] : {std::pair<int, int>{3, 2}, {1, 0}}) {
    INFO("compression " << compression << ", encoding " << encoding);
    Writer w;
    w.metadata();
    w.gcode(gcode_text, static_cast<std::uint16_t>(compression), static_cast<std::uint16_t>(encoding));
    if (encoding == 0) {
      auto text = decode(w);
      REQUIRE(text.ok());
      CHECK(*text == gcode_text);
    }
    const auto results = engine.scan_buffer(w.bytes(), "tslot_corner_bracket.bgcode", opt);
    REQUIRE(results.size() == 1);
    CHECK(results[0].format == Format::bgcode);
    INFO(results[0].error);
    REQUIRE(results[0].verdict == Verdict::match);
    CHECK(results[0].matches[0].signature == "tslot_corner_bracket");
    CHECK(results[0].matches[0].scale == Approx(1.0).margin(0.05));
  }
}

TEST_CASE("bgcode: cut, corrupted and lying files are errors, not crashes", "[bgcode]") {
  Writer good;
  good.metadata();
  good.gcode(kText, 1, 0);
  REQUIRE(decode(good).ok());
  auto fails = [](const Bytes& file, const std::string& why) {
    INFO(why);
    auto r = gcode::decode_bgcode(std::as_bytes(std::span(file)), 1u << 30);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message.find(why) != std::string::npos);
  };
  // Every cut short of the whole file fails (a cut at a block's end is a
  // file without its G-code, or with part of it: those cut mid-block fail
  // as truncated).
  const std::size_t gcode_at = good.file.size() - (deflate_bytes(kText).size() + 12 + 2 + 4);
  for (std::size_t n = 0; n < good.file.size(); ++n) {
    auto r = gcode::decode_bgcode(std::as_bytes(std::span(good.file.data(), n)), 1u << 30);
    INFO("cut at " << n);
    CHECK_FALSE(r.ok());
    if (n > gcode_at) CHECK(r.status().message.find("truncated") != std::string::npos);
  }
  Bytes bad = good.file;
  bad[bad.size() - 10] ^= 0x40;  // in the G-code block's DEFLATE data
  fails(bad, "CRC32 mismatch");
  Writer no_crc(false);
  no_crc.gcode(kText, 1, 0);
  bad = no_crc.file;
  bad[bad.size() - 6] ^= 0xFF;  // the same without a checksum: zlib's own check
  fails(bad, "DEFLATE");
  bad = good.file;
  bad[4] = 2;
  fails(bad, "version 2");
  bad = good.file;
  bad[8] = 7;
  fails(bad, "checksum type 7");

  Writer w;
  w.block(9, 0, {0, 0}, "x", {'x'});
  fails(w.file, "unknown block type 9");
  Writer c;
  c.block(1, 4, {0, 0}, "x", {'x'});
  fails(c.file, "unknown compression 4");
  Writer e;
  e.block(1, 0, {3, 0}, "x", {'x'});
  fails(e.file, "unknown G-code encoding 3");
  // Sizes that lie: a block claiming 4 GiB of text from 13 bytes, DEFLATE
  // data that holds more or less than its header says, heatshrink short.
  Writer big;
  big.block(1, 1, {0, 0}, "", deflate_bytes("G1 X1\n"));
  big.file[14] = big.file[15] = big.file[16] = big.file[17] = 0xFF;
  fails(big.file, "impossible");
  Writer longer;
  longer.block(1, 1, {0, 0}, "G1 X1", deflate_bytes("G1 X1\n"));
  fails(longer.file, "longer or shorter");
  Writer shorter;
  shorter.block(1, 1, {0, 0}, "G1 X1\nG1", deflate_bytes("G1 X1\n"));
  fails(shorter.file, "longer or shorter");
  Writer cut;
  Bytes stream = deflate_bytes(kText);
  stream.resize(stream.size() / 2);
  cut.block(1, 1, {0, 0}, kText, stream);
  fails(cut.file, "DEFLATE data cut short");
  Writer hs;
  hs.block(1, 3, {0, 0}, "G1 X1\nG1 X2\n", heatshrink_bytes("G1 X1\n", 12, false));
  fails(hs.file, "heatshrink data shorter");
  Writer none;
  none.metadata();
  auto r = decode(none);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message == "bgcode: no G-code block");
  // The decoded text is held to the file size limit.
  Writer many;
  many.gcode(kText, 0, 1);
  auto limited = decode(many, 50);
  REQUIRE_FALSE(limited.ok());
  CHECK(limited.status().code == ErrorCode::limit);
  CHECK(decode(many, kText.size()).ok());
}

TEST_CASE("bgcode: sniffed by its magic, read by load_mesh", "[bgcode]") {
  Writer w;
  w.gcode(kText, 0, 0);
  CHECK(sniff(w.bytes(), "x.bin") == Format::bgcode);
  CHECK(std::string(format_name(Format::bgcode)) == "bgcode");
  CHECK(unsupported_3d_format("bgcode") == nullptr);
  Bytes junk = {'G', 'C', 'D', 'E', 1};
  auto r = load_mesh(std::as_bytes(std::span(junk)), "x.bgcode");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message == "bgcode: truncated file header");
}
