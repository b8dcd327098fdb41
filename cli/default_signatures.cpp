// SPDX-License-Identifier: MIT
#include <cstdlib>
#include <filesystem>

#include "commands.hpp"

namespace meshsentry::cli {

std::string default_signatures() {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("MESHSENTRY_SIGNATURES"); env && *env) return env;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path installed = exe.parent_path().parent_path() / "share" / "meshsentry" / "demo.msig";
    if (fs::exists(installed, ec)) return installed.string();
  }
  return MESHSENTRY_SOURCE_SIGNATURES;
}

bool take_value(const Args& args, std::size_t& i, const std::string& flag, std::string& value) {
  const std::string& a = args[i];
  if (a == flag) {
    if (i + 1 >= args.size()) return false;
    value = args[++i];
    return true;
  }
  if (a.rfind(flag + "=", 0) == 0) {
    value = a.substr(flag.size() + 1);
    return true;
  }
  return false;
}

}  // namespace meshsentry::cli
