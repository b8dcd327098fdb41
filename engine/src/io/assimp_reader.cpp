// SPDX-License-Identifier: MIT
// Every non-STL mesh format goes through Assimp. Only triangulation is asked
// of it; welding and cleaning are ours, so every format is prepared the same
// way. It reads the scanned bytes and side files only through AssimpFiles
// (a folder on disk, or the other members of an archive), never otherwise
// the host's file system. Node transforms are applied and instanced meshes repeated. Assimp is
// treated as untrusted code on untrusted bytes: exceptions are caught here
// and its output is checked (indices in range, finite and not subnormal
// coordinates).
#include <assimp/Importer.hpp>
#include <assimp/MemoryIOWrapper.h>
#include <assimp/postprocess.h>
#include <assimp/scene.h>

#include <cmath>
#include <utility>
#include <vector>

#include "common/mapped_file.hpp"
#include "io/assimp_files.hpp"
#include "meshsentry/io.hpp"

namespace meshsentry {
namespace {

// Assimp picks its reader from an extension; ours name them the same way.
const char* assimp_hint(Format f) { return f == Format::stl_ascii ? "stl" : format_name(f); }

constexpr unsigned kFlags = aiProcess_Triangulate;

// Appends one mesh placed by `xf`; points and lines are skipped.
Status append_mesh(const aiMesh& mesh, unsigned mi, const aiMatrix4x4& xf, const LoadLimits& limits,
                   std::uint64_t& total, Mesh& m) {
  total += mesh.mNumFaces;
  if (total > limits.max_triangles)
    return make_error(ErrorCode::limit, "limit: more than " + std::to_string(limits.max_triangles) + " triangles");
  // Vertices are counted too before they are copied: a damaged file can
  // claim billions of them beside a handful of faces.
  if (m.vertices.size() + std::uint64_t{mesh.mNumVertices} > limits.max_vertices)
    return make_error(ErrorCode::limit, "limit: more than " + std::to_string(limits.max_vertices) + " vertices");
  const auto base = static_cast<std::uint32_t>(m.vertices.size());
  // No exporter writes subnormal coordinates (below 1.2e-38, not 0); they
  // are what uninitialised memory looks like read as floats, and Assimp reads
  // such memory on some malformed files, differently on every run. Checked
  // first, so that the same garbage gets the same error whatever else it holds.
  auto subnormal = [](float x) { return std::fpclassify(x) == FP_SUBNORMAL; };
  for (unsigned v = 0; v < mesh.mNumVertices; ++v) {
    const aiVector3D& p = mesh.mVertices[v];
    if (subnormal(p.x) || subnormal(p.y) || subnormal(p.z))
      return make_error(ErrorCode::format, "corrupt vertex data (subnormal coordinates: the reader saw uninitialised memory)");
  }
  for (unsigned v = 0; v < mesh.mNumVertices; ++v) {
    aiVector3D p = xf * mesh.mVertices[v];
    if (!std::isfinite(p.x) || !std::isfinite(p.y) || !std::isfinite(p.z))
      return make_error(ErrorCode::format, "non-finite coordinate (NaN or inf)");
    m.vertices.push_back({p.x, p.y, p.z});
  }
  for (unsigned f = 0; f < mesh.mNumFaces; ++f) {
    const aiFace& face = mesh.mFaces[f];
    if (face.mNumIndices != 3 || !face.mIndices) continue;
    Tri t;
    for (int c = 0; c < 3; ++c) {
      if (face.mIndices[c] >= mesh.mNumVertices) return make_error(ErrorCode::format, "face index out of range");
      t[c] = base + face.mIndices[c];
    }
    m.triangles.push_back(t);
    m.source_mesh.push_back(mi);
  }
  return {};
}

Result<LoadedMesh> convert(const aiScene* scene, Format format, const LoadLimits& limits) {
  if (!scene || !scene->mRootNode)
    return make_error(ErrorCode::format, "no scene");
  LoadedMesh out;
  out.format = format;
  out.source_meshes = scene->mNumMeshes;
  auto& m = out.mesh;
  std::uint64_t total = 0;

  // Iterative walk: a hostile file can nest nodes deeply.
  std::vector<std::pair<const aiNode*, aiMatrix4x4>> stack{{scene->mRootNode, scene->mRootNode->mTransformation}};
  std::size_t visited = 0;
  while (!stack.empty()) {
    auto [node, xf] = stack.back();
    stack.pop_back();
    if (++visited > 1'000'000) return make_error(ErrorCode::limit, "limit: more than 1000000 scene nodes");
    for (unsigned c = 0; c < node->mNumChildren; ++c) {
      const aiNode* child = node->mChildren[c];
      if (child) stack.push_back({child, xf * child->mTransformation});
    }
    for (unsigned k = 0; k < node->mNumMeshes; ++k) {
      const unsigned mi = node->mMeshes[k];
      if (mi >= scene->mNumMeshes || !scene->mMeshes[mi]) continue;
      const aiMesh* mesh = scene->mMeshes[mi];
      if (!(mesh->mPrimitiveTypes & aiPrimitiveType_TRIANGLE) || !mesh->mVertices) continue;
      if (Status s = append_mesh(*mesh, mi, xf, limits, total, m); !s.ok()) return s;
    }
  }
  // Some importers (3MF among them) can leave meshes that no node places:
  // take them as they are rather than report an empty scene.
  if (m.triangles.empty()) {
    for (unsigned mi = 0; mi < scene->mNumMeshes; ++mi) {
      const aiMesh* mesh = scene->mMeshes[mi];
      if (!mesh || !mesh->mVertices || !(mesh->mPrimitiveTypes & aiPrimitiveType_TRIANGLE)) continue;
      if (Status s = append_mesh(*mesh, mi, aiMatrix4x4(), limits, total, m); !s.ok()) return s;
    }
  }
  if (m.triangles.empty()) return make_error(ErrorCode::empty, "no triangles in the scene");
  if (out.source_meshes <= 1) m.source_mesh.clear();
  return out;
}

Status importer_error(Assimp::Importer& imp) {
  std::string msg = imp.GetErrorString();
  if (msg.empty()) msg = "unreadable";
  if (msg.size() > 200) msg.resize(200);
  return make_error(ErrorCode::format, "assimp: " + msg);
}

// Runs one import; Assimp's exceptions end here as a format error.
template <class Import>
Result<LoadedMesh> import_guarded(Format format, const LoadLimits& limits, Import&& import) {
  try {
    Assimp::Importer imp;
    const aiScene* scene = import(imp);
    if (!scene) return importer_error(imp);
    return convert(scene, format, limits);
  } catch (const std::exception& e) {
    return make_error(ErrorCode::format, std::string("assimp: ") + e.what());
  } catch (...) {
    return make_error(ErrorCode::format, "assimp: unknown failure");
  }
}

}  // namespace

Result<LoadedMesh> read_with_assimp(std::span<const std::byte> bytes, Format format, const LoadLimits& limits,
                                    const SideFiles& side) {
  if (bytes.empty()) return make_error(ErrorCode::empty, "empty file");
  if (bytes.size() > limits.max_file_bytes)
    return make_error(ErrorCode::limit, "limit: file size over " + std::to_string(limits.max_file_bytes));
  // Assimp picks its reader by the name it is given: the file's own name
  // (which OBJ also uses for its fallback .mtl) where that agrees with the
  // format, else the name ReadFileFromMemory gives a buffer. Side files are
  // looked up only for a file of its own name.
  const std::string& path = side.members ? side.member : side.path;
  const bool beside = !path.empty() && file_extension(path) == assimp_hint(format);
  const auto slash = path.rfind('/');
  std::string name = std::string(AI_MEMORYIO_MAGIC_FILENAME) + "." + assimp_hint(format);
  if (beside) name = slash == std::string::npos ? path : path.substr(slash + 1);
  return import_guarded(format, limits, [&](Assimp::Importer& imp) {
    imp.SetIOHandler(new AssimpFiles(bytes, name, side, beside, limits.max_file_bytes));  // the importer owns it
    return imp.ReadFile(name, kFlags);
  });
}

Result<LoadedMesh> read_file_with_assimp(const std::string& path, Format format, const LoadLimits& limits) {
  auto file = MappedFile::open(path, limits.max_file_bytes);
  if (!file) return file.status();
  return read_with_assimp(file->bytes(), format, limits, path);
}

}  // namespace meshsentry
