// SPDX-License-Identifier: MIT
// Python bindings: `import meshsentry; e = meshsentry.Engine("set.msig");
// e.scan("part.stl")`. Results are the JSONL objects of `meshsentry scan`
// as dicts. Scans release the GIL, so threads scan in parallel.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "meshsentry/engine.hpp"
#include "meshsentry/report.hpp"

namespace py = pybind11;
using namespace meshsentry;

namespace {

class PyEngine {
 public:
  PyEngine(const std::string& signatures, int threads, double threshold, bool pieces,
           const std::vector<std::string>& trusted_keys) {
    TrustOptions trust;
    trust.trusted_keys = trusted_keys;
    auto e = Engine::open(signatures, trust);
    if (!e) throw std::invalid_argument(e.status().message);
    engine_ = std::make_unique<Engine>(std::move(e.value()));
    if (threads < 0 || !(threshold >= 0 && threshold <= 1))
      throw std::invalid_argument("threads must be >= 0 and threshold in [0, 1]");
    options_.threads = threads;
    options_.match_threshold = threshold;
    options_.pieces = pieces;
    options_.timing = false;
  }

  // One file (an archive's members nested under "member_results").
  py::object scan(const std::string& path) const {
    std::vector<ScanResult> results;
    {
      py::gil_scoped_release unlocked;
      results = engine_->scan_file(path, options_);
    }
    return nest(results);
  }

  py::object scan_bytes(const py::bytes& data, const std::string& name) const {
    std::string_view view = data;  // bytes are immutable: safe without the GIL
    std::vector<ScanResult> results;
    {
      py::gil_scoped_release unlocked;
      results = engine_->scan_buffer({reinterpret_cast<const std::byte*>(view.data()), view.size()}, name, options_);
    }
    return nest(results);
  }

  // Files and folders (recursively): a list with one dict per file or member.
  py::list scan_paths(const std::vector<std::string>& paths) const {
    std::vector<ScanResult> results;
    {
      py::gil_scoped_release unlocked;
      results = engine_->scan_paths(paths, options_);
    }
    py::list out;
    for (const auto& r : results) out.append(to_dict(r));
    return out;
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
  static py::object to_dict(const ScanResult& r) {
    static py::object loads = py::module_::import("json").attr("loads");
    return loads(to_jsonl(r));
  }
  static py::object nest(const std::vector<ScanResult>& results) {
    if (results.empty()) return py::none();
    py::object top = to_dict(results.front());
    if (results.size() > 1) {
      py::list members;
      for (std::size_t i = 1; i < results.size(); ++i) members.append(to_dict(results[i]));
      top["member_results"] = members;
    }
    return top;
  }

  std::unique_ptr<Engine> engine_;
  ScanOptions options_;
};

}  // namespace

PYBIND11_MODULE(meshsentry, m) {
  m.doc() = "meshsentry: find known part geometry in 3D files";
  m.attr("__version__") = engine_version();
  py::class_<PyEngine>(m, "Engine")
      .def(py::init<const std::string&, int, double, bool, const std::vector<std::string>&>(), py::arg("signatures"),
           py::arg("threads") = 0, py::arg("threshold") = 0.90, py::arg("pieces") = true,
           py::arg("trusted_keys") = std::vector<std::string>{},
           "Open a signature set (.msig). Raises ValueError if it cannot be read, is empty, or is not "
           "signed by one of trusted_keys (public key PEM files) when any are given. pieces=True (the "
           "default) also looks for cut pieces (verdict 'suspect').")
      .def("scan", &PyEngine::scan, py::arg("path"), "Scan one file; returns a result dict.")
      .def("scan_bytes", &PyEngine::scan_bytes, py::arg("data"), py::arg("name") = "buffer",
           "Scan bytes in memory; `name` is the reported path and a format hint.")
      .def("scan_paths", &PyEngine::scan_paths, py::arg("paths"),
           "Scan files and folders recursively; returns a list of result dicts.")
      .def_property_readonly("signatures", &PyEngine::signatures, "The signature set's name, entries and sha256.");
}
