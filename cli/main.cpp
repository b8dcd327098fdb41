// SPDX-License-Identifier: MIT
#include <cstdio>
#include <exception>

#include "arguments.hpp"
#include "commands.hpp"
#include "meshsentry/engine.hpp"

int main(int argc, char** argv) {
  using namespace meshsentry::cli;
  try {
    const Arguments a = parse_arguments(argc, argv);
    switch (a.command) {
      case Command::done: return a.exit_code;
      case Command::scan: return scan_command(a.scan);
      case Command::serve: return serve_command(a.serve);
      case Command::sig_build: return sig_build(a.sig_build);
      case Command::sig_add: return sig_add(a.sig_edit);
      case Command::sig_remove: return sig_remove(a.sig_edit);
      case Command::sig_merge: return sig_merge(a.sig_edit);
      case Command::sig_info: return sig_info(a.sig_file, false);
      case Command::sig_verify: return sig_info(a.sig_file, true);
      case Command::sig_keygen: return sig_keygen(a.sig_keygen);
      case Command::sig_sign: return sig_sign(a.sig_sign);
      case Command::version: std::printf("meshsentry %s\n", meshsentry::engine_version()); return kClean;
    }
    return kError;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "meshsentry: %s\n", e.what());
    return kError;
  }
}
