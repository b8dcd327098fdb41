// SPDX-License-Identifier: MIT
// The compiled half of the Python package (`meshsentry._meshsentry`): an
// Engine whose scans return the JSONL lines of `meshsentry scan`. The
// typed results, path and argument handling and exceptions are in the pure
// Python package (python/meshsentry/), which is easier to read and type.
// Scans release the GIL, so threads scan in parallel.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "meshsentry/engine.hpp"
#include "meshsentry/report.hpp"
#include "meshsentry/signatures.hpp"

namespace py = pybind11;
using namespace meshsentry;

namespace {

std::vector<std::string> to_lines(const std::vector<ScanResult>& results) {
  std::vector<std::string> lines;
  lines.reserve(results.size());
  for (const auto& r : results) lines.push_back(to_jsonl(r));
  return lines;
}

// A C-contiguous buffer of one item type, or a TypeError naming what was
// wanted (never the data). The package's Python half converts arrays and
// lists to these before calling.
py::buffer_info checked(const py::buffer& b, const char* what, const std::string& format, std::size_t itemsize) {
  py::buffer_info info = b.request();
  if (info.itemsize != static_cast<py::ssize_t>(itemsize) || info.format != format)
    throw py::type_error(std::string(what) + ": wrong item type (format '" + info.format + "')");
  if (!PyBuffer_IsContiguous(info.view(), 'C')) throw py::type_error(std::string(what) + ": not contiguous");
  return info;
}

class PyEngine {
 public:
  PyEngine(const std::string& signatures, int threads, double threshold, bool pieces,
           const std::vector<std::string>& trusted_keys, const std::optional<std::string>& allow_list,
           std::optional<std::uint64_t> max_file_bytes, std::optional<std::uint64_t> max_triangles,
           std::optional<unsigned> max_seconds, bool isolate) {
    if (threads < 0 || !(threshold >= 0 && threshold <= 1))
      throw std::invalid_argument("threads must be >= 0 and threshold in [0, 1]");
    TrustOptions trust;
    trust.trusted_keys = trusted_keys;
    auto e = Engine::open(signatures, trust);
    if (!e) throw std::invalid_argument(e.status().message);
    engine_ = std::make_unique<Engine>(std::move(e.value()));
    options_.threads = threads;
    options_.match_threshold = threshold;
    options_.pieces = pieces;
    options_.timing = false;
    if (allow_list) {
      auto allow = read_allow_list(*allow_list);
      if (!allow) throw std::invalid_argument(allow.status().message);
      options_.allow = std::make_shared<const AllowList>(std::move(allow.value()));
    }
    if (max_file_bytes) options_.load.max_file_bytes = *max_file_bytes;
    if (max_triangles) options_.load.max_triangles = *max_triangles;
    if (max_seconds) options_.load.max_seconds = *max_seconds;
    options_.load.isolate = isolate;
  }

  // One file: the file's line first, then an archive's members.
  std::vector<std::string> scan_file(const std::string& path) const {
    py::gil_scoped_release unlocked;
    return to_lines(engine_->scan_file(path, options_));
  }

  // Any contiguous buffer. A writable one (bytearray, numpy) is copied
  // first: the parsers read it without the GIL, and must not see it change
  // under them.
  std::vector<std::string> scan_buffer(const py::buffer& data, const std::string& name) const {
    py::buffer_info info = data.request();
    if (!PyBuffer_IsContiguous(info.view(), 'C')) throw py::type_error("data: not a contiguous buffer");
    const auto* p = static_cast<const std::byte*>(info.ptr);
    const std::size_t n = static_cast<std::size_t>(info.size * info.itemsize);
    std::vector<std::byte> copy;
    if (!info.readonly) {
      copy.assign(p, p + n);
      p = copy.data();
    }
    py::gil_scoped_release unlocked;
    return to_lines(engine_->scan_buffer({p, n}, name, options_));
  }

  // vertices: float32 x 3n, triangles: uint32 x 3m, both C-contiguous.
  std::string scan_mesh(const py::buffer& vertices, const py::buffer& triangles, const std::string& name) const {
    const py::buffer_info v = checked(vertices, "vertices", py::format_descriptor<float>::format(), sizeof(float));
    const py::buffer_info t =
        checked(triangles, "faces", py::format_descriptor<std::uint32_t>::format(), sizeof(std::uint32_t));
    if (v.size % 3 || t.size % 3) throw py::value_error("vertices and faces need 3 values a row");
    Mesh mesh;
    mesh.vertices.resize(static_cast<std::size_t>(v.size / 3));
    mesh.triangles.resize(static_cast<std::size_t>(t.size / 3));
    std::memcpy(mesh.vertices.data(), v.ptr, static_cast<std::size_t>(v.size) * sizeof(float));
    std::memcpy(mesh.triangles.data(), t.ptr, static_cast<std::size_t>(t.size) * sizeof(std::uint32_t));
    py::gil_scoped_release unlocked;
    return to_jsonl(engine_->scan_mesh(std::move(mesh), name, options_));
  }

  // Files and folders (recursively): one line per file or member, by path.
  std::vector<std::string> scan_paths(const std::vector<std::string>& paths) const {
    py::gil_scoped_release unlocked;
    return to_lines(engine_->scan_paths(paths, options_));
  }

  // The files scan_paths would scan, in its order, without scanning them
  // (the driver's half of a distributed scan): (path, error, from_walk,
  // skipped) each, where `skipped` is the JSONL line of an entry the walk
  // passed over (a symlink, a FIFO) and empty for a file to scan.
  std::vector<py::tuple> walk(const std::vector<std::string>& paths) const {
    std::vector<FoundFile> files;
    std::vector<SkippedFile> passed;
    {
      py::gil_scoped_release unlocked;
      files = collect_files(paths, options_.follow_symlinks, &passed);
    }
    // Merged by path as scan_paths merges them: a file before an entry passed
    // over under the same name.
    std::vector<py::tuple> out;
    out.reserve(files.size() + passed.size());
    std::size_t j = 0;
    for (const FoundFile& f : files) {
      for (; j < passed.size() && passed[j].path < f.path; ++j)
        out.push_back(py::make_tuple(py::bytes(passed[j].path), "", false, skipped_to_jsonl(passed[j])));
      out.push_back(py::make_tuple(py::bytes(f.path), f.error, f.from_walk, ""));
    }
    for (; j < passed.size(); ++j)
      out.push_back(py::make_tuple(py::bytes(passed[j].path), "", false, skipped_to_jsonl(passed[j])));
    return out;
  }

  // One entry of walk() scanned as scan_paths scans it: its lines, and the
  // JSONL line of its skip record when the walk passes it over as no 3D file.
  py::tuple scan_found(const std::string& path, const std::string& error, bool from_walk) const {
    std::vector<std::string> lines;
    std::string skipped_line;
    {
      py::gil_scoped_release unlocked;
      std::optional<SkippedFile> skipped;
      lines = to_lines(engine_->scan_found(FoundFile{path, error, from_walk}, options_, skipped));
      if (skipped) skipped_line = skipped_to_jsonl(*skipped);
    }
    return py::make_tuple(lines, skipped_line);
  }

  py::dict signatures() const;

 private:
  std::unique_ptr<Engine> engine_;
  ScanOptions options_;
};

void check(const Status& s) {
  if (!s.ok()) throw std::invalid_argument(s.message);
}

py::dict info_dict(const SignatureSet& s) {
  py::dict d;
  d["name"] = s.name;
  d["created"] = s.created;
  d["entries"] = s.entries.size();
  d["sha256"] = s.checksum;
  d["signed_by"] = s.signed_by;
  return d;
}

// A set read (its signature checked when trusted keys are given).
py::dict signature_info(const std::string& path, const std::vector<std::string>& trusted_keys) {
  TrustOptions trust;
  trust.trusted_keys = trusted_keys;
  auto set = read_signature_set(path, trust);
  if (!set) throw std::invalid_argument(set.status().message);
  return info_dict(*set);
}

// A manifest's references described and written as a set; returns its checksum.
std::string build_signatures(const std::string& manifest, const std::string& output, const std::string& name,
                             const std::string& created, int threads) {
  BuildOptions options;
  options.name = name;
  options.created = created;
  options.threads = threads;
  Result<SignatureSet> set = [&] {
    py::gil_scoped_release unlocked;
    return build_signature_set(manifest, options);
  }();
  if (!set) throw std::invalid_argument(set.status().message);
  check(write_signature_set(*set, output));
  return set->checksum;
}

py::dict PyEngine::signatures() const { return info_dict(engine_->signatures()); }

}  // namespace

PYBIND11_MODULE(_meshsentry, m) {
  m.doc() = "meshsentry's compiled engine; use the meshsentry package, not this module";
  m.attr("__version__") = engine_version();
  py::class_<PyEngine>(m, "Engine")
      .def(py::init<const std::string&, int, double, bool, const std::vector<std::string>&,
                    const std::optional<std::string>&, std::optional<std::uint64_t>, std::optional<std::uint64_t>,
                    std::optional<unsigned>, bool>(),
           py::arg("signatures"), py::arg("threads") = 0, py::arg("threshold") = 0.90, py::arg("pieces") = true,
           py::arg("trusted_keys") = std::vector<std::string>{}, py::arg("allow_list") = std::nullopt,
           py::arg("max_file_bytes") = std::nullopt, py::arg("max_triangles") = std::nullopt,
           py::arg("max_seconds") = std::nullopt, py::arg("isolate") = true)
      .def("scan_file", &PyEngine::scan_file, py::arg("path"))
      .def("scan_buffer", &PyEngine::scan_buffer, py::arg("data"), py::arg("name"))
      .def("scan_mesh", &PyEngine::scan_mesh, py::arg("vertices"), py::arg("faces"), py::arg("name"))
      .def("scan_paths", &PyEngine::scan_paths, py::arg("paths"))
      .def("walk", &PyEngine::walk, py::arg("paths"))
      .def("scan_found", &PyEngine::scan_found, py::arg("path"), py::arg("error"), py::arg("from_walk"))
      .def_property_readonly("signatures", &PyEngine::signatures);
  m.def("build_signatures", &build_signatures, py::arg("manifest"), py::arg("output"), py::arg("name"),
        py::arg("created"), py::arg("threads"));
  // The error record of a file that could not be scanned at all (a
  // distributed scan's task lost on every try), as scan writes one.
  m.def(
      "error_line",
      [](const std::string& path, const std::string& message) {
        ScanResult r;
        r.path = path;
        r.verdict = Verdict::error;
        r.error = message;
        return to_jsonl(r);
      },
      py::arg("path"), py::arg("message"));
  m.def("signature_info", &signature_info, py::arg("path"), py::arg("trusted_keys"));
  m.def(
      "generate_signing_key",
      [](const std::string& priv, const std::string& pub) { check(generate_signing_key(priv, pub)); },
      py::arg("private_key"), py::arg("public_key"));
  m.def(
      "sign_signatures", [](const std::string& set, const std::string& priv) { check(sign_signature_set(set, priv)); },
      py::arg("signatures"), py::arg("private_key"));
}
