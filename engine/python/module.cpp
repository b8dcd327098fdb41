// SPDX-License-Identifier: MIT
// The compiled half of the Python package (`meshsentry._meshsentry`): an
// Engine whose scans return the JSONL lines of `meshsentry scan`. The
// typed results, path and argument handling and exceptions are in the pure
// Python package (python/meshsentry/), which is easier to read and type.
// Scans release the GIL, so threads scan in parallel.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>
#include <string>
#include <vector>

#include "meshsentry/engine.hpp"
#include "meshsentry/report.hpp"

namespace py = pybind11;
using namespace meshsentry;

namespace {

std::vector<std::string> to_lines(const std::vector<ScanResult>& results) {
  std::vector<std::string> lines;
  lines.reserve(results.size());
  for (const auto& r : results) lines.push_back(to_jsonl(r));
  return lines;
}

// A contiguous buffer of `count` items of one format, or a TypeError naming
// what was wanted (never the data).
py::buffer_info checked(const py::buffer& b, const char* what, const std::string& format, std::size_t itemsize) {
  py::buffer_info info = b.request();
  if (info.itemsize != static_cast<py::ssize_t>(itemsize) || info.format != format)
    throw py::type_error(std::string(what) + ": wrong item type (format '" + info.format + "')");
  const bool contiguous =
      info.ndim <= 1 ? (info.ndim == 0 || info.strides[0] == info.itemsize) : info.strides.back() == info.itemsize;
  if (!contiguous) throw py::type_error(std::string(what) + ": not contiguous");
  return info;
}

class PyEngine {
 public:
  PyEngine(const std::string& signatures, int threads, double threshold, bool pieces,
           const std::vector<std::string>& trusted_keys) {
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

  py::dict signatures() const {
    const auto& s = engine_->signatures();
    py::dict d;
    d["name"] = s.name;
    d["created"] = s.created;
    d["entries"] = s.entries.size();
    d["sha256"] = s.checksum;
    return d;
  }

 private:
  std::unique_ptr<Engine> engine_;
  ScanOptions options_;
};

}  // namespace

PYBIND11_MODULE(_meshsentry, m) {
  m.doc() = "meshsentry's compiled engine; use the meshsentry package, not this module";
  m.attr("__version__") = engine_version();
  py::class_<PyEngine>(m, "Engine")
      .def(py::init<const std::string&, int, double, bool, const std::vector<std::string>&>(), py::arg("signatures"),
           py::arg("threads") = 0, py::arg("threshold") = 0.90, py::arg("pieces") = true,
           py::arg("trusted_keys") = std::vector<std::string>{})
      .def("scan_file", &PyEngine::scan_file, py::arg("path"))
      .def("scan_buffer", &PyEngine::scan_buffer, py::arg("data"), py::arg("name"))
      .def("scan_mesh", &PyEngine::scan_mesh, py::arg("vertices"), py::arg("faces"), py::arg("name"))
      .def("scan_paths", &PyEngine::scan_paths, py::arg("paths"))
      .def_property_readonly("signatures", &PyEngine::signatures);
}
