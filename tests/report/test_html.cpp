// SPDX-License-Identifier: MIT
// The HTML evidence report: one card per flagged file, no network
// references, every embedded picture a PNG libpng can read, hostile names
// escaped; the rasterizer and PNG writer under it; the CLI's --report and
// --quiet, and the progress bar only on a terminal.
#include <openssl/evp.h>
#include <png.h>
#include <unistd.h>
#include <sys/wait.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>

#include "meshsentry/report.hpp"
#include "render/png_writer.hpp"
#include "render/rasterizer.hpp"
#include "report/html_text.hpp"
#include "support/fixtures.hpp"

using namespace fixtures;
using namespace meshsentry;

namespace {

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

// Empty when `s` is not base64.
std::vector<std::uint8_t> base64_decode(const std::string& s) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::vector<std::uint8_t> out;
  if (s.size() % 4 != 0) return out;
  for (std::size_t i = 0; i < s.size(); i += 4) {
    int v[4];
    for (int k = 0; k < 4; ++k) v[k] = s[i + k] == '=' ? 0 : value(s[i + k]);
    if (std::min({v[0], v[1], v[2], v[3]}) < 0) return {};
    const std::uint32_t w = (std::uint32_t(v[0]) << 18) | (std::uint32_t(v[1]) << 12) | (std::uint32_t(v[2]) << 6) | v[3];
    out.push_back(static_cast<std::uint8_t>(w >> 16));
    if (s[i + 2] != '=') out.push_back(static_cast<std::uint8_t>(w >> 8));
    if (s[i + 3] != '=') out.push_back(static_cast<std::uint8_t>(w));
  }
  return out;
}

struct Decoded {
  bool ok = false;
  int width = 0, height = 0;
  std::vector<std::uint8_t> rgb;
};

// libpng's simplified reader, independent of the writer under test.
Decoded decode_png(const std::vector<std::uint8_t>& bytes) {
  Decoded d;
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&image, bytes.data(), bytes.size())) return d;
  image.format = PNG_FORMAT_RGB;
  d.rgb.resize(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, d.rgb.data(), 0, nullptr)) {
    png_image_free(&image);
    return d;
  }
  d.ok = true;
  d.width = static_cast<int>(image.width);
  d.height = static_cast<int>(image.height);
  return d;
}

std::uint32_t be32(const std::vector<std::uint8_t>& b, std::size_t at) {
  return (std::uint32_t(b[at]) << 24) | (std::uint32_t(b[at + 1]) << 16) | (std::uint32_t(b[at + 2]) << 8) | b[at + 3];
}

RunInfo run_info(const Engine& engine, const ScanOptions& opt) {
  RunInfo info;
  info.signature_name = engine.signatures().name;
  info.signature_checksum = engine.signatures().checksum;
  info.signature_entries = engine.signatures().entries.size();
  info.threshold = opt.match_threshold;
  info.options = opt;
  info.started = "2026-01-02T03:04:05Z";
  info.finished = "2026-01-02T03:04:09Z";
  return info;
}

bool flagged(const ScanResult& r) { return r.verdict == Verdict::match || r.verdict == Verdict::suspect; }

}  // namespace

TEST_CASE("the HTML report has a card with pictures per flagged file and nothing from the network", "[report]") {
  auto engine = Engine::open((source_dir() / "signatures/demo.msig").string());
  REQUIRE(engine.ok());
  ScanOptions opt;
  opt.timing = false;
  const auto results = engine->scan_paths(
      {(source_dir() / "models/refs/gear_rack_m2.stl").string(), (source_dir() / "models/benign").string()}, opt);
  std::size_t n_flagged = 0;
  for (const ScanResult& r : results) n_flagged += flagged(r);
  REQUIRE(n_flagged >= 1);
  REQUIRE(results.size() > n_flagged);  // the benign files are in the summary, not in cards

  TempDir d;
  const auto path = d.path / "report.html";
  const RunInfo info = run_info(*engine, opt);
  const Status written = write_html_report(path.string(), results, *engine, info);
  REQUIRE(written.ok());
  REQUIRE(std::filesystem::exists(path));
  CHECK_FALSE(std::filesystem::exists(path.string() + ".tmp"));
  const std::string html = read_bytes(path);

  CHECK(html.rfind("<!doctype html>", 0) == 0);
  CHECK(count(html, "<article class=\"card") == n_flagged);
  for (const ScanResult& r : results) {
    if (!flagged(r)) continue;
    CHECK(count(html, r.sha256) == 2);  // its card and the inventory
    CHECK(html.find(r.matches.at(0).signature) != std::string::npos);
  }
  CHECK(html.find(info.signature_checksum) != std::string::npos);
  CHECK(html.find(engine_version()) != std::string::npos);
  CHECK(html.find(info.started) != std::string::npos);
  // Self-contained: no URL of any scheme but data:, and the CSP says so too.
  CHECK(html.find("http://") == std::string::npos);
  CHECK(html.find("https://") == std::string::npos);
  CHECK(html.find("src=\"//") == std::string::npos);
  CHECK(html.find("default-src 'none'") != std::string::npos);
  CHECK(html.find("No picture") == std::string::npos);

  // Three views per card, each a PNG libpng reads back at the stated size.
  // (Found by hand: std::regex recurses per character and overflows the
  // stack on a picture's worth of base64.)
  const std::string prefix = "data:image/png;base64,";
  std::size_t images = 0;
  for (std::size_t at = html.find(prefix); at != std::string::npos; at = html.find(prefix, at + 1)) {
    const std::size_t begin = at + prefix.size(), end = html.find('"', begin);
    REQUIRE(end != std::string::npos);
    const auto png = base64_decode(html.substr(begin, end - begin));
    REQUIRE(png.size() > 33);
    const std::uint8_t signature[8] = {137, 80, 78, 71, 13, 10, 26, 10};
    CHECK(std::equal(signature, signature + 8, png.begin()));
    CHECK(std::string(png.begin() + 12, png.begin() + 16) == "IHDR");
    const std::uint32_t w = be32(png, 16), h = be32(png, 20);
    CHECK(w > 0);
    CHECK(h > 0);
    const Decoded dec = decode_png(png);
    CHECK(dec.ok);
    CHECK(dec.width == static_cast<int>(w));
    CHECK(dec.height == static_cast<int>(h));
    ++images;
  }
  CHECK(images == 3 * n_flagged);

  // Same inputs, same bytes (the pictures included).
  CHECK(to_html_report(results, *engine, info) == html);
}

TEST_CASE("a part matched among several bodies gets a close-up", "[report]") {
  auto engine = Engine::open((source_dir() / "signatures/demo.msig").string());
  REQUIRE(engine.ok());
  TempDir d;
  Mesh plate = load_or_die((source_dir() / "models/refs/gear_rack_m2.stl").string());
  append(plate, transformed(fixtures::cube(40), {1, 0, 0, 0, 1, 0, 0, 0, 1}, {200, 0, 0}));
  write_binary_stl(plate, d.path / "plate.stl");
  ScanOptions opt;
  const auto results = engine->scan_paths({(d.path / "plate.stl").string()}, opt);
  REQUIRE(results.size() == 1);
  REQUIRE(results[0].verdict == Verdict::match);
  REQUIRE(results[0].matches[0].body >= 0);
  const std::string html = to_html_report(results, *engine, run_info(*engine, opt));
  CHECK(count(html, "data:image/png;base64,") == 4);
  CHECK(html.find("close-up of body " + std::to_string(results[0].matches[0].body)) != std::string::npos);
}

TEST_CASE("the HTML report escapes names and error text and says why a picture is missing", "[report]") {
  auto engine = Engine::open((source_dir() / "signatures/demo.msig").string());
  REQUIRE(engine.ok());
  ScanResult hit;
  hit.path = "/nowhere/<script>alert(1)</script>&\"'.stl";
  hit.verdict = Verdict::match;
  hit.sha256 = std::string(64, 'a');
  Match m;
  m.signature = "<img src=x onerror=alert(2)>";
  m.label = "a & b";
  m.score = 0.97;
  m.method = Method::verified;
  hit.matches = {m};
  ScanResult broken;
  broken.path = "bad\x01name\xff.stl";
  broken.verdict = Verdict::error;
  broken.error = "format: <b>not</b> a mesh";
  ScanResult clean;
  clean.path = "fine.stl";
  const std::string html = to_html_report({hit, broken, clean}, *engine, run_info(*engine, {}));

  CHECK(html.find("<script>") == std::string::npos);
  CHECK(html.find("<img src=x") == std::string::npos);
  CHECK(html.find("<b>not</b>") == std::string::npos);
  CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;&#39;.stl") != std::string::npos);
  CHECK(html.find("format: &lt;b&gt;not&lt;/b&gt; a mesh") != std::string::npos);
  // Escaped as in text output, so names differing in such bytes stay distinct.
  CHECK(html.find("bad\\x01name\\xff.stl") != std::string::npos);
  CHECK(count(html, "<article class=\"card") == 1);
  CHECK(html.find("No picture. Could not read the file again") != std::string::npos);
  CHECK(html.find("data:image/png") == std::string::npos);
}

TEST_CASE("html_escape and base64_encode", "[report]") {
  CHECK(html_escape("a<b>&\"'c") == "a&lt;b&gt;&amp;&quot;&#39;c");
  CHECK(html_escape("caf\xC3\xA9 \xE2\x82\xAC") == "caf\xC3\xA9 \xE2\x82\xAC");  // valid UTF-8 kept
  CHECK(html_escape("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong '/'
  CHECK(html_escape("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  CHECK(html_escape(std::string("x\0y", 3)) == "x\xEF\xBF\xBDy");
  CHECK(html_escape("tab\tline\n") == "tab\tline\n");
  // RFC 4648 section 10.
  const std::string in = "foobar";
  const char* out[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  for (std::size_t n = 0; n <= in.size(); ++n)
    CHECK(base64_encode({reinterpret_cast<const std::uint8_t*>(in.data()), n}) == out[n]);
}

TEST_CASE("the rasterizer draws a cube inside a clean background", "[report]") {
  const Mesh cube = fixtures::cube(10);
  render::RenderStyle style;
  for (const render::View& view : {render::kFrontView, render::kTopView, render::kIsoView}) {
    const render::Image img = render::render_view(cube, {}, {}, view, style);
    REQUIRE(img.width == style.width);
    REQUIRE(img.height == style.height);
    REQUIRE(img.rgb.size() == 3u * img.width * img.height);
    for (auto [x, y] : {std::pair{0, 0}, {img.width - 1, 0}, {0, img.height - 1}, {img.width - 1, img.height - 1}})
      CHECK(img.at(x, y) == style.background);
    CHECK_FALSE(img.at(img.width / 2, img.height / 2) == style.background);
    std::size_t covered = 0;
    for (int y = 0; y < img.height; ++y)
      for (int x = 0; x < img.width; ++x) covered += !(img.at(x, y) == style.background);
    CHECK(covered > img.rgb.size() / 3 / 5);  // a fitted cube fills much of the frame
  }
  // Isometric: three faces in three shades.
  const render::Image iso = render::render_view(cube, {}, {}, render::kIsoView, style);
  const int cx = iso.width / 2, cy = iso.height / 2;
  const render::Rgb top = iso.at(cx, cy - iso.height / 4), left = iso.at(cx - iso.width / 8, cy + iso.height / 6),
                    right = iso.at(cx + iso.width / 8, cy + iso.height / 6);
  CHECK_FALSE(top == left);
  CHECK_FALSE(left == right);
  CHECK_FALSE(top == right);

  // A dot on the visible top face is drawn in the point colour; one behind
  // the cube only faintly.
  const std::vector<Vec3d> front_dot = {{5, 5, 10}}, back_dot = {{5, 5, 0}};
  const render::Image shown = render::render_view(cube, {}, front_dot, render::kTopView, style);
  const render::Image hidden = render::render_view(cube, {}, back_dot, render::kTopView, style);
  const render::Image plain = render::render_view(cube, {}, {}, render::kTopView, style);
  CHECK(shown.at(shown.width / 2, shown.height / 2) == style.point);
  const render::Rgb faint = hidden.at(hidden.width / 2, hidden.height / 2), base = plain.at(plain.width / 2, plain.height / 2);
  CHECK_FALSE(faint == style.point);
  CHECK_FALSE(faint == base);
}

TEST_CASE("the PNG writer round-trips through libpng", "[report]") {
  const render::Image img = render::render_view(fixtures::cube(3), {}, {}, render::kIsoView, {});
  const auto png = render::encode_png(img);
  REQUIRE(png.ok());
  const Decoded dec = decode_png(*png);
  REQUIRE(dec.ok);
  CHECK(dec.width == img.width);
  CHECK(dec.height == img.height);
  CHECK(dec.rgb == img.rgb);
  CHECK(render::encode_png(img).value() == *png);
  CHECK_FALSE(render::encode_png(render::Image{}).ok());
}

namespace {

struct Run {
  int code;
  std::string err;
};

// The CLI with stdout discarded and stderr captured (not a terminal).
Run run_cli(const std::string& args, const std::filesystem::path& err_file) {
  const std::string cmd = std::string(MESHSENTRY_CLI) + " " + args + " >/dev/null 2>'" + err_file.string() + "'";
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_bytes(err_file)};
}

std::string q(const std::filesystem::path& p) { return "'" + p.string() + "'"; }

}  // namespace

TEST_CASE("scan --report writes the report only where asked; --quiet silences stderr", "[cli]") {
  TempDir d;
  const auto sigs = q(source_dir() / "signatures/demo.msig");
  const auto rack = q(source_dir() / "models/refs/gear_rack_m2.stl");
  const auto report = d.path / "out" / "evidence.html";
  std::filesystem::create_directory(d.path / "out");

  Run r = run_cli("scan --quiet --signatures " + sigs + " --report " + q(report) + " " + rack, d.path / "err");
  CHECK(r.code == 1);
  CHECK(r.err.empty());
  REQUIRE(std::filesystem::exists(report));
  CHECK(read_bytes(report).find("<article class=\"card match\"") != std::string::npos);
  // Nothing written next to the scanned file; beside the report, its SHA-256 alone.
  CHECK(std::distance(std::filesystem::directory_iterator(d.path / "out"), {}) == 2);
  CHECK(std::filesystem::exists(report.string() + ".sha256"));

  // Not a terminal: the summary line, but no progress bar.
  r = run_cli("scan --signatures " + sigs + " --report=" + q(report) + " " + rack, d.path / "err");
  CHECK(r.code == 1);
  CHECK(r.err.find("1 results") != std::string::npos);
  CHECK(r.err.find('\r') == std::string::npos);

  // A report that cannot be written fails before scanning.
  r = run_cli("scan --signatures " + sigs + " --report " + q(d.path / "missing" / "x.html") + " " + rack, d.path / "err");
  CHECK(r.code == 2);
  CHECK(r.err.find("--report") != std::string::npos);
  r = run_cli("scan --signatures " + sigs + " --report " + q(d.path) + " " + rack, d.path / "err");
  CHECK(r.code == 2);
}

TEST_CASE("the progress bar shows on a terminal and is erased at the end", "[cli]") {
  if (std::system("command -v script >/dev/null 2>&1") != 0) {
    WARN("util-linux 'script' not found: no pseudo-terminal to test the bar on");
    return;
  }
  TempDir d;
  // script(1) runs the scan on a pseudo-terminal; stdout goes to a file so
  // only stderr is on the terminal.
  auto on_tty = [&](const std::string& flags, const std::string& log) {
    const std::string inner = std::string(MESHSENTRY_CLI) + " scan " + flags + " --signatures " +
                              q(source_dir() / "signatures/demo.msig") + " " + q(source_dir() / "models/benign") +
                              " >" + q(d.path / "out.txt");
    const std::string cmd = "TERM=xterm script -qec \"" + inner + "\" " + q(d.path / log) + " >/dev/null 2>&1";
    std::system(cmd.c_str());
    return read_bytes(d.path / log);
  };
  const std::string tty = on_tty("", "tty.log");
  CHECK(tty.find("/10 files") != std::string::npos);
  CHECK(tty.find("\r\033[K") != std::string::npos);
  CHECK(tty.find("10 results:") != std::string::npos);
  CHECK(read_bytes(d.path / "out.txt").find("clean") != std::string::npos);
  CHECK(read_bytes(d.path / "out.txt").find('\r') == std::string::npos);

  const std::string log = on_tty("--quiet", "quiet.log");
  CHECK(log.find("files") == std::string::npos);
  CHECK(log.find("results") == std::string::npos);
}

namespace {

std::string openssl_hex(const std::string& bytes, const EVP_MD* md) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), out, &len, md, nullptr);
  std::string hex;
  char two[3];
  for (unsigned i = 0; i < len; ++i) {
    std::snprintf(two, sizeof two, "%02x", out[i]);
    hex += two;
  }
  return hex;
}

}  // namespace

TEST_CASE("scan --report is a forensic record: case fields, inventory, hashes, legend, its own SHA-256", "[cli]") {
  TempDir d;
  const auto sigs = q(source_dir() / "signatures/demo.msig");
  const std::filesystem::path in = d.path / "exhibit";
  std::filesystem::create_directory(in);
  std::filesystem::create_directory(d.path / "out");
  // A flagged part inside an archive, a clean cube, and a text file the walk passes over.
  write_bytes(in / "rack.zip", stored_zip({{"rack.stl", read_bytes(source_dir() / "models/refs/gear_rack_m2.stl")}}));
  write_binary_stl(cube(), in / "cube.stl");
  write_bytes(in / "readme.txt", "abc");
  const auto report = d.path / "out" / "r.html";

  Run r = run_cli("scan --quiet --signatures " + sigs +
                      " --case C-21 --exhibit 'E 7' --examiner \"Jo O'Neil\" --notes 'seized <drive>'"
                      " --hashes md5,sha1 --report " +
                      q(report) + " " + q(in),
                  d.path / "err");
  CHECK(r.code == 1);
  CHECK(r.err.empty());
  const std::string html = read_bytes(report);
  REQUIRE(!html.empty());

  // The case record: fields as given (escaped), host, user, the command line shell-quoted.
  CHECK(html.find("<dt>Case</dt><dd>C-21</dd>") != std::string::npos);
  CHECK(html.find("<dt>Exhibit</dt><dd>E 7</dd>") != std::string::npos);
  CHECK(html.find("<dt>Examiner</dt><dd>Jo O&#39;Neil</dd>") != std::string::npos);
  CHECK(html.find("seized &lt;drive&gt;") != std::string::npos);
  char host[256] = {};
  REQUIRE(gethostname(host, sizeof host - 1) == 0);
  CHECK(html.find("<dt>Host</dt><dd>" + html_escape(host) + "</dd>") != std::string::npos);
  CHECK(html.find("(uid " + std::to_string(geteuid()) + ")") != std::string::npos);
  CHECK(html.find("--case C-21 --exhibit &#39;E 7&#39; --examiner &#39;Jo O&#39;\\&#39;&#39;Neil&#39;") !=
        std::string::npos);
  CHECK(html.find("<dt>Allow-list</dt><dd>none</dd>") != std::string::npos);

  // The inventory: the clean file with its three hashes, the skipped one with its reason.
  const std::string cube_bytes = read_bytes(in / "cube.stl");
  const std::size_t cube_row = html.find((in / "cube.stl").string() + "</td>");
  REQUIRE(cube_row != std::string::npos);
  const std::string row = html.substr(cube_row, html.find("</tr>", cube_row) - cube_row);
  CHECK(row.find("badge clean") != std::string::npos);
  CHECK(row.find(openssl_hex(cube_bytes, EVP_sha256())) != std::string::npos);
  CHECK(row.find(openssl_hex(cube_bytes, EVP_md5())) != std::string::npos);
  CHECK(row.find(openssl_hex(cube_bytes, EVP_sha1())) != std::string::npos);
  CHECK(openssl_hex("abc", EVP_md5()) == "900150983cd24fb0d6963f7d28e17f72");  // the helper itself
  const std::size_t txt_row = html.find((in / "readme.txt").string() + "</td>");
  REQUIRE(txt_row != std::string::npos);
  CHECK(html.substr(txt_row, html.find("</tr>", txt_row) - txt_row).find("not_3d (text)") != std::string::npos);
  CHECK(html.find("rack.zip!/rack.stl</td>") != std::string::npos);  // the member, under its archive

  // An archive flagged for its member is one flagged file of two.
  CHECK(html.find("<title>meshsentry report: 1 flagged of 2 files</title>") != std::string::npos);
  CHECK(html.find("Flagged files <span class=\"count\">1</span>") != std::string::npos);
  const std::size_t summary = html.find("<table class=\"summary\">");
  REQUIRE(summary != std::string::npos);
  CHECK(html.find("<tbody><tr><td>2</td><td class=\"n-match\">1</td>", summary) != std::string::npos);
  // A legend for every number the cards show.
  const std::size_t legend = html.find("<section id=\"legend\">");
  REQUIRE(legend != std::string::npos);
  for (const char* term : {"Score", "Coverage", "Detail", "Fit", "Explains", "Scale", "Method", "Verdict"})
    CHECK(html.find(std::string("<dt>") + term + "</dt><dd>", legend) != std::string::npos);

  // The report's own SHA-256, beside it in sha256sum's format.
  CHECK(read_bytes(d.path / "out" / "r.html.sha256") == openssl_hex(html, EVP_sha256()) + "  r.html\n");
  CHECK(std::distance(std::filesystem::directory_iterator(d.path / "out"), {}) == 2);

  // Without --quiet the SHA-256 is said on stderr; the allow-list is named with its SHA-256.
  const std::string rule = "sha256:" + openssl_hex(cube_bytes, EVP_sha256()) + "\n";
  write_bytes(d.path / "allow.txt", rule);
  r = run_cli("scan --signatures " + sigs + " --allow " + q(d.path / "allow.txt") + " --report " + q(report) + " " +
                  q(in / "cube.stl"),
              d.path / "err");
  CHECK(r.code == 0);
  const std::string allowed = read_bytes(report);
  CHECK(r.err.find("SHA-256 " + openssl_hex(allowed, EVP_sha256())) != std::string::npos);
  CHECK(allowed.find((d.path / "allow.txt").string() + "</span> (SHA-256 <span class=\"mono\">" +
                     openssl_hex(rule, EVP_sha256()) + "</span>)") != std::string::npos);
  CHECK(allowed.find("<dt>Case</dt><dd>-</dd>") != std::string::npos);
  // An unknown digest is a usage error.
  r = run_cli("scan --signatures " + sigs + " --hashes crc32 --report " + q(report) + " " + q(in), d.path / "err");
  CHECK(r.code == 2);
  CHECK(r.err.find("--hashes") != std::string::npos);
}
