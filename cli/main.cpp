// SPDX-License-Identifier: MIT
#include <cstdio>
#include <exception>

#include "commands.hpp"
#include "meshsentry/engine.hpp"

namespace {

const char* kUsage =
    "usage: meshsentry <command> [options]\n"
    "\n"
    "commands:\n"
    "  scan [--signatures FILE] [--trusted-key PUB.pem] [--format text|jsonl|json] [--threads N] [--threshold T]\n"
    "       [--candidates N] [--no-timing] [--follow-symlinks] [--no-isolation] [--no-fused] [--no-pieces] [--global-only]\n"
    "       [--allow FILE] [--report FILE.html] [--quiet]\n"
    "       [limits] PATH...\n"
    "                      scan files and folders (recursively) against a signature set\n"
    "       limits, per scanned file with all it holds (defaults): --max-file-size BYTES (1 GiB)\n"
    "         --max-triangles N (50000000)  --max-seconds S wall time (60)  --max-scan-size BYTES expanded (1 GiB)\n"
    "         --max-member-size BYTES (256 MiB)  --max-files N archive members (10000)\n"
    "         --max-recursion N archive depth (3)  --max-ratio R expansion ratio (100)\n"
    "  serve [--signatures FILE] [--trusted-key PUB.pem] [--listen HOST:PORT] [--threads N] [--max-request-size BYTES]\n"
    "        [--threshold T] [--allow FILE] [--no-isolation] [--no-fused] [--no-pieces] [limits]\n"
    "                      scan uploads over HTTP: POST /v1/scan, GET /v1/health, GET /v1/signatures\n"
    "                      (defaults: 127.0.0.1:8080, one thread per core, 256 MiB requests);\n"
    "                      SIGHUP reloads the signature set, SIGINT/SIGTERM stop\n"
    "  sig build --manifest refs.tsv --out set.msig [--name NAME] [--created ISO8601]\n"
    "                      build a signature set from reference files\n"
    "  sig info [--trusted-key PUB.pem]... FILE    show a signature set's metadata and entries\n"
    "  sig verify [--trusted-key PUB.pem]... FILE  check its structure, checksum and (with keys) signature\n"
    "  sig keygen --out KEY.pem                    make an Ed25519 signing key (KEY.pem, KEY.pub.pem)\n"
    "  sig sign --key KEY.pem FILE                 sign a set (writes FILE.sig)\n"
    "  version             print the engine version\n"
    "\n"
    "exit status: 0 nothing flagged, 1 something flagged, 2 error\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace meshsentry::cli;
  try {
    Args args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
      std::fputs(kUsage, args.empty() ? stderr : stdout);
      return args.empty() ? kError : kClean;
    }
    const std::string cmd = args[0];
    args.erase(args.begin());
    if (cmd == "scan") return scan_command(args);
    if (cmd == "sig") return sig_command(args);
    if (cmd == "serve") return serve_command(args);
    if (cmd == "version" || cmd == "--version") {
      std::printf("meshsentry %s\n", meshsentry::engine_version());
      return kClean;
    }
    std::fprintf(stderr, "meshsentry: unknown command '%s'\n%s", cmd.c_str(), kUsage);
    return kError;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "meshsentry: %s\n", e.what());
    return kError;
  }
}
