// SPDX-License-Identifier: MIT
// Test helpers: small meshes made in code, writers for the formats the tests
// round-trip, rigid/scale/mirror transforms, temp folders and repo paths.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "meshsentry/mesh.hpp"

#include "meshsentry/scan.hpp"

namespace meshsentry {
class Engine;
}

namespace fixtures {

using meshsentry::Mesh;

std::filesystem::path source_dir();
// The demo signature set (signatures/demo.msig), opened once for the whole run.
const meshsentry::Engine& demo_engine();
// `m` written as a binary STL and scanned by `engine` (timing off): its one result.
meshsentry::ScanResult scan_mesh(const Mesh& m, const meshsentry::Engine& engine = demo_engine());
// `meshsentry scan --no-timing ARGS` (stderr dropped): its exit code and stdout.
struct CliRun {
  int code = -1;
  std::string out;
};
CliRun run_scan(const std::string& args);
// `p` single-quoted for a shell command line.
std::string quoted(const std::filesystem::path& p);
// ../shared beside the checkout, or empty when absent.
std::filesystem::path shared_dir();
// A fresh empty folder under the system temp dir, removed by the destructor.
struct TempDir {
  TempDir();
  ~TempDir();
  std::filesystem::path path;
};

Mesh cube(float size = 10.0f);            // 8 vertices, 12 triangles, outward
Mesh load_or_die(const std::string& path);  // REQUIREs success

// Adds `part`'s vertices and triangles to `m` (a second body when disjoint).
void append(Mesh& m, const Mesh& part);
// Row-major 3x3 linear part and translation applied to every vertex.
Mesh transformed(const Mesh& m, const std::array<double, 9>& linear, const std::array<double, 3>& shift);
std::array<double, 9> random_rotation(std::uint64_t seed);
// Permute vertices and triangles, rotate corners, flip the winding of some.
Mesh shuffled(const Mesh& m, std::uint64_t seed);
// Gaussian noise on every vertex of the welded mesh, sigma a fraction of the
// bounding-box diagonal.
Mesh jittered(const Mesh& m, double sigma_of_diagonal, std::uint64_t seed);
// Vertex-clustering decimation (Rossignac & Borrel 1993): vertices in one
// cell of a grid become their mean; the cell is the largest found by
// bisection that leaves at most `target` triangles.
Mesh clustered(const Mesh& m, std::size_t target);

void write_binary_stl(const Mesh& m, const std::filesystem::path& p, const std::string& header = "fixture");
void write_ascii_stl(const Mesh& m, const std::filesystem::path& p, const char* float_format = "%.9g");
void write_obj(const Mesh& m, const std::filesystem::path& p);
void write_off(const Mesh& m, const std::filesystem::path& p);
void write_ply_binary(const Mesh& m, const std::filesystem::path& p);
// A zip with stored (uncompressed) members, as (name, bytes) pairs.
std::string stored_zip(const std::vector<std::pair<std::string, std::string>>& members);
// A 3MF package (zip with content types and relationships) around `model_xml`,
// with `extra` members after it (a print project's Metadata/plate_1.gcode).
std::string three_mf_package(const std::string& model_xml,
                             const std::vector<std::pair<std::string, std::string>>& extra = {});
// The model part of a 3MF holding `m` as one object and one build item.
std::string three_mf_model(const Mesh& m);
void write_3mf(const Mesh& m, const std::filesystem::path& p);
void write_amf(const Mesh& m, const std::filesystem::path& p);
void write_bytes(const std::filesystem::path& p, const std::string& bytes);
std::string read_bytes(const std::filesystem::path& p);

}  // namespace fixtures
