// SPDX-License-Identifier: MIT
#include "support/fixtures.hpp"

#include <catch2/catch.hpp>
#include <atomic>
#include <cmath>
#include <sys/wait.h>
#include <unistd.h>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <numeric>
#include <random>
#include <sstream>

#include "meshsentry/engine.hpp"
#include "meshsentry/io.hpp"

namespace fixtures {

namespace fs = std::filesystem;

fs::path source_dir() { return MESHSENTRY_SOURCE_DIR; }

const meshsentry::Engine& demo_engine() {
  static const meshsentry::Engine engine = [] {
    auto e = meshsentry::Engine::open((source_dir() / "signatures/demo.msig").string());
    REQUIRE(e.ok());
    return std::move(e.value());
  }();
  return engine;
}

fs::path shared_dir() {
  const fs::path p = source_dir().parent_path() / "shared";
  return fs::is_directory(p) ? p : fs::path();
}

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  path = fs::temp_directory_path() /
         ("meshsentry-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  fs::create_directories(path);
}
TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path, ec);
}

Mesh cube(float s) {
  Mesh m;
  for (int i = 0; i < 8; ++i) m.vertices.push_back({(i & 1) * s, ((i >> 1) & 1) * s, ((i >> 2) & 1) * s});
  // Two triangles per face, counter-clockwise seen from outside.
  m.triangles = {{0, 2, 1}, {1, 2, 3}, {4, 5, 6}, {5, 7, 6}, {0, 1, 4}, {1, 5, 4},
                 {2, 6, 3}, {3, 6, 7}, {0, 4, 2}, {2, 4, 6}, {1, 3, 5}, {3, 7, 5}};
  return m;
}

Mesh load_or_die(const std::string& path) {
  auto r = meshsentry::load_mesh_file(path);
  INFO(path << ": " << (r ? "" : r.status().message));
  REQUIRE(r.ok());
  return std::move(r->mesh);
}

void append(Mesh& m, const Mesh& part) {
  const auto base = static_cast<std::uint32_t>(m.vertices.size());
  m.vertices.insert(m.vertices.end(), part.vertices.begin(), part.vertices.end());
  for (auto t : part.triangles) m.triangles.push_back({t[0] + base, t[1] + base, t[2] + base});
}

Mesh transformed(const Mesh& m, const std::array<double, 9>& a, const std::array<double, 3>& t) {
  Mesh out = m;
  for (auto& v : out.vertices) {
    const double x = v[0], y = v[1], z = v[2];
    for (int i = 0; i < 3; ++i) v[i] = float(a[3 * i] * x + a[3 * i + 1] * y + a[3 * i + 2] * z + t[i]);
  }
  return out;
}

std::array<double, 9> random_rotation(std::uint64_t seed) {
  // Uniform quaternion (Shoemake).
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  const double u1 = u(rng), u2 = u(rng) * 2 * M_PI, u3 = u(rng) * 2 * M_PI;
  const double w = std::sqrt(1 - u1) * std::sin(u2), x = std::sqrt(1 - u1) * std::cos(u2);
  const double y = std::sqrt(u1) * std::sin(u3), z = std::sqrt(u1) * std::cos(u3);
  return {1 - 2 * (y * y + z * z), 2 * (x * y - z * w),     2 * (x * z + y * w),
          2 * (x * y + z * w),     1 - 2 * (x * x + z * z), 2 * (y * z - x * w),
          2 * (x * z - y * w),     2 * (y * z + x * w),     1 - 2 * (x * x + y * y)};
}

namespace {

Mesh cluster_with(const Mesh& m, double cell, const std::array<double, 3>& lo) {
  std::map<std::array<std::int64_t, 3>, std::uint32_t> cell_of;
  std::vector<std::array<double, 4>> sums;  // x, y, z, count
  std::vector<std::uint32_t> id(m.vertices.size());
  for (std::size_t v = 0; v < m.vertices.size(); ++v) {
    std::array<std::int64_t, 3> key{};
    for (int k = 0; k < 3; ++k) key[k] = static_cast<std::int64_t>(std::floor((m.vertices[v][k] - lo[k]) / cell));
    auto [it, fresh] = cell_of.emplace(key, static_cast<std::uint32_t>(sums.size()));
    if (fresh) sums.push_back({0, 0, 0, 0});
    id[v] = it->second;
    for (int k = 0; k < 3; ++k) sums[it->second][k] += m.vertices[v][k];
    sums[it->second][3] += 1;
  }
  Mesh out;
  for (const auto& s : sums) out.vertices.push_back({float(s[0] / s[3]), float(s[1] / s[3]), float(s[2] / s[3])});
  std::set<std::array<std::uint32_t, 3>> seen;
  for (const auto& t : m.triangles) {
    const meshsentry::Tri c{id[t[0]], id[t[1]], id[t[2]]};
    if (c[0] == c[1] || c[1] == c[2] || c[0] == c[2]) continue;
    std::array<std::uint32_t, 3> key{c[0], c[1], c[2]};
    std::sort(key.begin(), key.end());
    if (seen.insert(key).second) out.triangles.push_back(c);
  }
  return out;
}

}  // namespace

Mesh clustered(const Mesh& m, std::size_t target) {
  std::array<double, 3> lo{1e300, 1e300, 1e300}, hi{-1e300, -1e300, -1e300};
  for (const auto& v : m.vertices)
    for (int k = 0; k < 3; ++k) {
      lo[k] = std::min(lo[k], double(v[k]));
      hi[k] = std::max(hi[k], double(v[k]));
    }
  const double ext = std::max({hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]});
  double a = ext * 1e-6, b = ext * 0.5;
  Mesh best = cluster_with(m, b, lo);
  for (int i = 0; i < 40; ++i) {
    const double mid = std::sqrt(a * b);
    Mesh r = cluster_with(m, mid, lo);
    if (r.triangles.size() > target) {
      a = mid;
    } else {
      b = mid;
      best = std::move(r);
    }
  }
  return best;
}

Mesh shuffled(const Mesh& m, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::uint32_t> perm(m.vertices.size());
  std::iota(perm.begin(), perm.end(), 0u);
  std::shuffle(perm.begin(), perm.end(), rng);
  Mesh out;
  out.vertices.resize(m.vertices.size());
  for (std::size_t i = 0; i < perm.size(); ++i) out.vertices[perm[i]] = m.vertices[i];
  out.triangles = m.triangles;
  for (auto& t : out.triangles) {
    for (auto& c : t) c = perm[c];
    std::rotate(t.begin(), t.begin() + rng() % 3, t.end());
    if (rng() % 10 == 0) std::swap(t[1], t[2]);  // flipped winding
  }
  std::shuffle(out.triangles.begin(), out.triangles.end(), rng);
  return out;
}

Mesh jittered(const Mesh& m, double sigma_of_diagonal, std::uint64_t seed) {
  // Welded first, so that neighbouring triangles move together.
  auto welded = meshsentry::prepare(m);
  REQUIRE(welded.ok());
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> gauss(0.0, sigma_of_diagonal * welded->bounds.diagonal());
  Mesh out = std::move(welded->mesh);
  for (auto& v : out.vertices)
    for (float& c : v) c = static_cast<float>(c + gauss(rng));
  return out;
}

meshsentry::ScanResult scan_mesh(const Mesh& m, const meshsentry::Engine& engine) {
  TempDir d;
  write_binary_stl(m, d.path / "x.stl");
  meshsentry::ScanOptions opt;
  opt.timing = false;
  auto r = engine.scan_file((d.path / "x.stl").string(), opt);
  REQUIRE(r.size() == 1);
  return r[0];
}

CliRun run_scan(const std::string& args) {
  const std::string cmd = std::string(MESHSENTRY_CLI) + " scan --no-timing " + args + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  CliRun r;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

void write_bytes(const fs::path& p, const std::string& bytes) {
  std::ofstream f(p, std::ios::binary);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(f.good());
}

std::string read_bytes(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void write_binary_stl(const Mesh& m, const fs::path& p, const std::string& header) {
  std::string b(80, ' ');
  b.replace(0, std::min<std::size_t>(80, header.size()), header.substr(0, 80));
  const auto n = static_cast<std::uint32_t>(m.triangles.size());
  b.append(reinterpret_cast<const char*>(&n), 4);
  for (const auto& t : m.triangles) {
    const float normal[3] = {0, 0, 0};
    b.append(reinterpret_cast<const char*>(normal), 12);
    for (auto c : t) b.append(reinterpret_cast<const char*>(m.vertices[c].data()), 12);
    b.append(2, '\0');
  }
  write_bytes(p, b);
}

void write_ascii_stl(const Mesh& m, const fs::path& p, const char* ff) {
  std::string s = "solid fixture\n";
  char buf[128];
  for (const auto& t : m.triangles) {
    s += "  facet normal 0 0 0\n    outer loop\n";
    for (auto c : t) {
      const std::string fmt = std::string("      vertex ") + ff + " " + ff + " " + ff + "\n";
      std::snprintf(buf, sizeof buf, fmt.c_str(), m.vertices[c][0], m.vertices[c][1], m.vertices[c][2]);
      s += buf;
    }
    s += "    endloop\n  endfacet\n";
  }
  s += "endsolid fixture\n";
  write_bytes(p, s);
}

void write_obj(const Mesh& m, const fs::path& p) {
  std::string s = "# fixture\n";
  char buf[128];
  for (const auto& v : m.vertices) {
    std::snprintf(buf, sizeof buf, "v %.9g %.9g %.9g\n", v[0], v[1], v[2]);
    s += buf;
  }
  for (const auto& t : m.triangles) s += "f " + std::to_string(t[0] + 1) + " " + std::to_string(t[1] + 1) + " " + std::to_string(t[2] + 1) + "\n";
  write_bytes(p, s);
}

void write_off(const Mesh& m, const fs::path& p) {
  std::string s = "OFF\n" + std::to_string(m.vertices.size()) + " " + std::to_string(m.triangles.size()) + " 0\n";
  char buf[128];
  for (const auto& v : m.vertices) {
    std::snprintf(buf, sizeof buf, "%.9g %.9g %.9g\n", v[0], v[1], v[2]);
    s += buf;
  }
  for (const auto& t : m.triangles) s += "3 " + std::to_string(t[0]) + " " + std::to_string(t[1]) + " " + std::to_string(t[2]) + "\n";
  write_bytes(p, s);
}

void write_ply_binary(const Mesh& m, const fs::path& p) {
  std::string s = "ply\nformat binary_little_endian 1.0\nelement vertex " + std::to_string(m.vertices.size()) +
                  "\nproperty float x\nproperty float y\nproperty float z\nelement face " +
                  std::to_string(m.triangles.size()) + "\nproperty list uchar int vertex_indices\nend_header\n";
  for (const auto& v : m.vertices) s.append(reinterpret_cast<const char*>(v.data()), 12);
  for (const auto& t : m.triangles) {
    s.push_back(3);
    for (auto c : t) {
      const auto i = static_cast<std::int32_t>(c);
      s.append(reinterpret_cast<const char*>(&i), 4);
    }
  }
  write_bytes(p, s);
}

namespace {

std::uint32_t crc32(const std::string& s) {
  std::uint32_t c = 0xffffffffu;
  for (unsigned char ch : s) {
    c ^= ch;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
  }
  return ~c;
}

std::string le(std::uint32_t v, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return s;
}

}  // namespace

std::string stored_zip(const std::vector<std::pair<std::string, std::string>>& members) {
  std::string local, central;
  for (const auto& [name, data] : members) {
    const std::uint32_t crc = crc32(data), size = static_cast<std::uint32_t>(data.size());
    const auto offset = static_cast<std::uint32_t>(local.size());
    const auto nlen = static_cast<std::uint32_t>(name.size());
    local += "PK\x03\x04" + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(crc, 4) + le(size, 4) + le(size, 4) +
             le(nlen, 2) + le(0, 2) + name + data;
    central += "PK\x01\x02" + le(20, 2) + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(crc, 4) + le(size, 4) +
               le(size, 4) + le(nlen, 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(offset, 4) + name;
  }
  const auto count = static_cast<std::uint32_t>(members.size());
  return local + central + "PK\x05\x06" + le(0, 2) + le(0, 2) + le(count, 2) + le(count, 2) +
         le(static_cast<std::uint32_t>(central.size()), 4) + le(static_cast<std::uint32_t>(local.size()), 4) + le(0, 2);
}

namespace {

// `m`'s vertices then triangles, one printf format each (3 floats, 3 indices).
std::string xml_mesh(const Mesh& m, const char* vertex_format, const char* between, const char* triangle_format) {
  std::string s;
  char buf[200];
  for (const auto& v : m.vertices) {
    std::snprintf(buf, sizeof buf, vertex_format, v[0], v[1], v[2]);
    s += buf;
  }
  s += between;
  for (const auto& t : m.triangles) {
    std::snprintf(buf, sizeof buf, triangle_format, t[0], t[1], t[2]);
    s += buf;
  }
  return s;
}

}  // namespace

std::string three_mf_package(const std::string& model_xml,
                             const std::vector<std::pair<std::string, std::string>>& extra) {
  const std::string types =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/"
      "content-types\"><Default Extension=\"rels\" ContentType=\"application/"
      "vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"model\" "
      "ContentType=\"application/vnd.ms-package.3dmanufacturing-3dmodel+xml\"/></Types>\n";
  const std::string rels =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/"
      "2006/relationships\"><Relationship Target=\"/3D/3dmodel.model\" Id=\"rel0\" "
      "Type=\"http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel\"/></Relationships>\n";
  std::vector<std::pair<std::string, std::string>> members{
      {"[Content_Types].xml", types}, {"_rels/.rels", rels}, {"3D/3dmodel.model", model_xml}};
  members.insert(members.end(), extra.begin(), extra.end());
  return stored_zip(members);
}

std::string three_mf_model(const Mesh& m) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<model unit=\"millimeter\" xml:lang=\"en-US\" "
      "xmlns=\"http://schemas.microsoft.com/3dmanufacturing/core/2015/02\">\n<resources>\n<object id=\"1\" "
      "type=\"model\">\n<mesh>\n<vertices>\n" +
      xml_mesh(m, "<vertex x=\"%.9g\" y=\"%.9g\" z=\"%.9g\" />\n", "</vertices>\n<triangles>\n",
               "<triangle v1=\"%u\" v2=\"%u\" v3=\"%u\" />\n") +
      "</triangles>\n</mesh>\n</object>\n</resources>\n<build>\n<item objectid=\"1\" />\n</build>\n</model>\n";
}

void write_3mf(const Mesh& m, const fs::path& p) { write_bytes(p, three_mf_package(three_mf_model(m))); }

void write_amf(const Mesh& m, const fs::path& p) {
  write_bytes(p, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<amf unit=\"millimeter\">\n<object id=\"0\">\n<mesh>\n<vertices>\n" +
                     xml_mesh(m, "<vertex><coordinates><x>%.9g</x><y>%.9g</y><z>%.9g</z></coordinates></vertex>\n",
                              "</vertices>\n<volume>\n", "<triangle><v1>%u</v1><v2>%u</v2><v3>%u</v3></triangle>\n") +
                     "</volume>\n</mesh>\n</object>\n</amf>\n");
}

}  // namespace fixtures
