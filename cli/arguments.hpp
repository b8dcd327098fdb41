// SPDX-License-Identifier: MIT
// The command line read into plain structs (arguments.cpp, the one file that
// includes CLI11), so the command files never see argv.
#pragma once

#include <string>
#include <vector>

#include "commands.hpp"
#include "meshsentry/scan.hpp"
#include "meshsentry/signatures.hpp"

namespace meshsentry::cli {

struct ScanArgs {
  ScanOptions opt;
  TrustOptions trust;
  std::string sig_path;  // empty: default_signatures()
  std::string format = "text";
  std::vector<std::string> paths;  // "-" for standard input, at most once
  std::string stdin_name = "stdin";
  std::string files_from;       // --files-from: a list of paths ("-": standard input)
  bool null_separated = false;  // -0: that list is NUL-separated
  std::string report;           // --report: the HTML evidence report, only where asked
  bool quiet = false;           // --quiet: no progress bar, no summary
  bool infected = false;        // --infected: text lists flagged and suspect files only
  bool summary = true;          // --no-summary: no closing summary in text
  bool list_skipped = false;    // --list-skipped: text and JSONL list the paths passed over too
  // The report's case record: --case, --exhibit, --examiner, --notes; the
  // command line as typed (shell-quoted); the --allow file, if any.
  std::string case_id, exhibit, examiner, notes, command_line, allow_list;
  std::string hashes;              // --hashes: md5,sha1 beside SHA-256 in the report's inventory
  bool md5 = false, sha1 = false;  // what --hashes asked
  bool fork_per_file = false;      // --fork-per-file: no pool of isolation workers
};

struct SigBuildArgs {
  std::string manifest, out;
  BuildOptions opt;
};

// sig add SET MANIFEST, sig remove SET ID..., sig merge OUT IN IN...
struct SigEditArgs {
  std::string set;                  // add, remove: the set edited
  std::string manifest;             // add: the references to add
  std::vector<std::string> ids;     // remove: the ids to drop
  std::vector<std::string> inputs;  // merge: the sets, in order
  std::string out;                  // where the result goes (add, remove: default the set itself)
  EditOptions opt;
};

struct SigFileArgs {  // sig info, sig verify
  TrustOptions trust;
  std::string path;
};

struct SigKeygenArgs {
  std::string out;
};

struct SigSignArgs {
  std::string key, set;
};

enum class Command {
  done,
  scan,
  sig_build,
  sig_add,
  sig_remove,
  sig_merge,
  sig_info,
  sig_verify,
  sig_keygen,
  sig_sign,
  serve,
  version
};

struct Arguments {
  Command command = Command::done;
  int exit_code = kClean;  // with Command::done: help was printed (0) or a usage error (2)
  ScanArgs scan;
  SigBuildArgs sig_build;
  SigEditArgs sig_edit;
  SigFileArgs sig_file;
  SigKeygenArgs sig_keygen;
  SigSignArgs sig_sign;
  Args serve;  // `serve`'s arguments, untouched: serve_command parses them
};

// Reads argv. Help (-h, --help, `help`) is printed to stdout here; usage
// errors to stderr, with Command::done and exit code 2.
Arguments parse_arguments(int argc, char** argv);

int scan_command(const ScanArgs& args);
int sig_build(const SigBuildArgs& args);
int sig_add(const SigEditArgs& args);
int sig_remove(const SigEditArgs& args);
int sig_merge(const SigEditArgs& args);
int sig_info(const SigFileArgs& args, bool verify_only);
int sig_keygen(const SigKeygenArgs& args);
int sig_sign(const SigSignArgs& args);

}  // namespace meshsentry::cli
