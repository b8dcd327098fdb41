// SPDX-License-Identifier: MIT
// The whole command line as one CLI11 App. CLI11 is a heavy header, so it is
// included here only; the commands get plain structs (arguments.hpp).
#include "arguments.hpp"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <memory>

#include "meshsentry/engine.hpp"
#include "scan_flags.hpp"

namespace meshsentry::cli {
namespace {

constexpr const char* kExitStatus =
    "exit status of scan: 0 nothing flagged, 1 something flagged, 2 error; of the others: 0 done, 2 error";

constexpr const char* kScanFooter =
    "PATH is a file or a folder (scanned recursively); '-' reads one file from standard input.\n"
    "Sizes take suffixes K, M, G, T (or KiB ... TiB; powers of 1024): --max-file-size 2G.\n"
    "SIGINT/SIGTERM stop the scan: the records so far are kept whole and a json document\n"
    "is closed with \"interrupted\": true.\n"
    "exit status: 0 nothing flagged, 1 something flagged, 2 error (and nothing flagged)";

constexpr const char* kServeHelp = "scan uploads over HTTP (options: meshsentry serve --help)";

// A repeatable option of one value per use (--trusted-key A --trusted-key B):
// CLI11's vector options would otherwise eat the paths that follow.
CLI::Option* repeatable(CLI::App& app, const std::string& name, std::vector<std::string>& to, const std::string& help) {
  return app.add_option(name, to, help)->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

// What the shared scan flags (scan_flags.cpp) were given: kept beside the
// App until parsing is over, then checked and applied in one place.
struct SharedFlags {
  std::deque<std::pair<CLI::Option*, std::string>> given;  // deque: stable addresses for CLI11
  void add(CLI::App& app) {
    for (const ScanFlag& f : scan_flags()) {
      auto& [opt, value] = given.emplace_back(nullptr, std::string());
      if (*f.value) opt = app.add_option(f.name, value, f.help)->type_name(f.value);
      else opt = app.add_flag(f.name)->description(f.help);
      opt->group("Matching and limits");
    }
  }
  // The value given to `name` (the last), or empty.
  std::string value_of(const std::string& name) const {
    for (const auto& [opt, value] : given)
      if (opt->count() && opt->get_name() == name) return value;
    return {};
  }
  // The first bad value's message, or empty.
  std::string apply(ScanOptions& options) const {
    for (const auto& [opt, value] : given) {
      if (!opt->count()) continue;
      std::string error;
      apply_scan_flag(opt->get_name(), value, options, error);
      if (!error.empty()) return error;
    }
    return {};
  }
};

void add_scan(CLI::App& app, ScanArgs& s, SharedFlags& shared, std::string& threads) {
  CLI::App* scan = app.add_subcommand("scan", "scan files and folders (recursively) against a signature set");
  scan->footer(kScanFooter);
  scan->add_option("-s,--signatures", s.sig_path, "signature set (default: $MESHSENTRY_SIGNATURES, else the demo set)")
      ->type_name("FILE");
  repeatable(*scan, "--trusted-key", s.trust.trusted_keys, "refuse a set not signed by this key (repeatable)")
      ->type_name("PUB.pem");
  scan->add_option("-f,--format", s.format, "output format: text, jsonl or json (default text)")
      ->type_name("FORMAT")
      ->check(CLI::IsMember({"text", "jsonl", "json"}));
  scan->add_option("-j,--threads", threads, "files in parallel (0: every core, the default)")->type_name("N");
  scan->add_option("-o,--report", s.report, "also write an HTML evidence report")->type_name("FILE.html");
  scan->add_option("--case", s.case_id, "report and json: the case number")->type_name("ID");
  scan->add_option("--exhibit", s.exhibit, "report and json: the exhibit (evidence item) number")->type_name("ID");
  scan->add_option("--examiner", s.examiner, "report and json: who ran the scan")->type_name("NAME");
  scan->add_option("--notes", s.notes, "report and json: free notes for the case record")->type_name("TEXT");
  scan->add_option("--hashes", s.hashes, "report: also md5 and/or sha1 of each file (comma-separated)")
      ->type_name("LIST");
  scan->add_flag("-q,--quiet", s.quiet, "no progress bar and no summary");
  scan->add_flag("--fork-per-file", s.fork_per_file,
                 "isolation: a fresh child for each Assimp/CAD file instead of reused workers");
  scan->add_flag("--list-skipped", s.list_skipped, "text and jsonl also list the paths passed over (json always does)");
  scan->add_flag("-i,--infected", s.infected, "text: list flagged and suspect files only (errors go to stderr)");
  scan->add_flag_callback(
      "--no-summary", [&s] { s.summary = false; }, "text: no closing scan summary");
  scan->add_flag("--no-timing")->description("no elapsed times (byte-identical output from run to run)");
  scan->add_flag("--follow-symlinks", s.opt.follow_symlinks, "follow symlinks (never left by default)");
  scan->add_option("--files-from", s.files_from, "also scan the paths listed in FILE, one a line ('-': stdin)")
      ->type_name("FILE");
  scan->add_flag("-0,--null", s.null_separated, "the --files-from list is NUL-separated (find -print0)");
  scan->add_option("--stdin-name", s.stdin_name, "the path reported for '-' (default: stdin)")->type_name("NAME");
  shared.add(*scan);
  scan->add_option("PATH", s.paths, "files and folders to scan; '-' for standard input")->type_name("");
}

// A vector positional that takes every word left (the defaults' TakeLast would keep one).
CLI::Option* words(CLI::App& app, const std::string& name, std::vector<std::string>& to, const std::string& help) {
  return app.add_option(name, to, help)
      ->type_name("")
      ->required()
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

// sig add, remove and merge: the set edited, then what changes.
void add_sig_edit(CLI::App& sig, SigEditArgs& e) {
  auto stamp = [&e](CLI::App& cmd, const char* name_default) {
    cmd.add_option("-n,--name", e.opt.name, std::string("the result's name (default: ") + name_default + ")")
        ->type_name("NAME");
    cmd.add_option("--created", e.opt.created, "creation time (default: SOURCE_DATE_EPOCH, else now)")
        ->type_name("ISO8601");
  };
  CLI::App* add = sig.add_subcommand("add", "describe a manifest's references and add them to a set");
  add->add_option("-o,--out", e.out, "write the result here (default: over SET)")->type_name("OUT.msig");
  add->add_flag("--replace", e.opt.replace, "an id already in the set has its entry replaced, in place");
  stamp(*add, "the set's");
  add->add_option("SET", e.set, "the signature set")->type_name("")->required();
  add->add_option("MANIFEST", e.manifest, "the references to add: a TSV manifest, as for sig build")
      ->type_name("")
      ->required();
  CLI::App* remove = sig.add_subcommand("remove", "drop entries from a set by id");
  remove->add_option("-o,--out", e.out, "write the result here (default: over SET)")->type_name("OUT.msig");
  stamp(*remove, "the set's");
  remove->add_option("SET", e.set, "the signature set")->type_name("")->required();
  words(*remove, "ID", e.ids, "the ids of the entries to drop");
  CLI::App* merge = sig.add_subcommand("merge", "join sets' entries, in the order given, into one set");
  stamp(*merge, "the first input's");
  merge->add_option("OUT", e.out, "the set to write")->type_name("")->required();
  words(*merge, "IN", e.inputs, "the sets to join (two or more)");
}

void add_sig(CLI::App& app, Arguments& a) {
  CLI::App* sig = app.add_subcommand("sig", "build, edit, inspect, check and sign signature sets");
  sig->require_subcommand(1);
  sig->footer("exit status: 0 done, 2 error (an invalid set, a file that cannot be written)");  // its subcommands' too
  CLI::App* build = sig->add_subcommand("build", "build a signature set from reference files");
  build->add_option("-m,--manifest", a.sig_build.manifest, "the references: a TSV manifest")
      ->type_name("refs.tsv")
      ->required();
  build->add_option("-o,--out", a.sig_build.out, "the set to write")->type_name("set.msig")->required();
  build->add_option("-n,--name", a.sig_build.opt.name, "the set's name (default: the manifest's stem)")
      ->type_name("NAME");
  build->add_option("--created", a.sig_build.opt.created, "creation time (default: SOURCE_DATE_EPOCH, else now)")
      ->type_name("ISO8601");
  add_sig_edit(*sig, a.sig_edit);
  for (const char* name : {"info", "verify"}) {
    const bool verify = name == std::string("verify");
    CLI::App* info = sig->add_subcommand(name, verify ? "check a set's structure, checksum and (with keys) signature"
                                                      : "show a signature set's metadata and entries");
    repeatable(*info, "-k,--trusted-key", a.sig_file.trust.trusted_keys,
               "the set must be signed by this key (repeatable)")
        ->type_name("PUB.pem");
    info->add_option("FILE", a.sig_file.path, "the signature set")->type_name("")->required();
  }
  CLI::App* keygen = sig->add_subcommand("keygen", "make an Ed25519 signing key (KEY.pem and KEY.pub.pem)");
  keygen->add_option("-o,--out", a.sig_keygen.out, "the private key to write; the public one beside it")
      ->type_name("KEY.pem")
      ->required();
  CLI::App* sign = sig->add_subcommand("sign", "sign a set (writes FILE.sig)");
  sign->add_option("-k,--key", a.sig_sign.key, "the private key")->type_name("KEY.pem")->required();
  sign->add_option("FILE", a.sig_sign.set, "the signature set")->type_name("")->required();
}

// Values CLI11 cannot check alone; the usage error's message, or empty.
std::string finish_scan(ScanArgs& s, const SharedFlags& shared, const std::string& threads, bool no_timing) {
  if (std::string error = shared.apply(s.opt); !error.empty()) return error;
  s.allow_list = shared.value_of("--allow");
  for (std::size_t at = 0; at <= s.hashes.size() && !s.hashes.empty();) {
    std::size_t end = s.hashes.find(',', at);
    if (end == std::string::npos) end = s.hashes.size();
    const std::string name = s.hashes.substr(at, end - at);
    if (name == "md5") s.md5 = true;
    else if (name == "sha1") s.sha1 = true;
    else if (name != "sha256") return "--hashes takes md5, sha1 or both (comma-separated), not '" + name + "'";
    at = end + 1;
  }
  if (no_timing) s.opt.timing = false;
  if (!threads.empty()) {
    double num = 0;
    if (!parse_number(threads, num) || num < 0 || num > 1024) return "--threads takes a number from 0 to 1024";
    s.opt.threads = static_cast<int>(num);
  }
  if (std::count(s.paths.begin(), s.paths.end(), "-") + (s.files_from == "-") > 1)
    return "standard input can be read once: '-' is given twice";
  if (s.paths.empty() && s.files_from.empty()) return "no files or folders given";
  if (s.stdin_name.empty()) return "--stdin-name takes a name";
  if (!s.report.empty()) {
    // Fail now rather than after a long scan.
    std::error_code ec;
    const std::filesystem::path dir = std::filesystem::path(s.report).parent_path();
    if (std::filesystem::is_directory(s.report, ec) || !std::filesystem::is_directory(dir.empty() ? "." : dir, ec))
      return "--report " + s.report + ": not a file name in an existing folder";
  }
  return {};
}

// argv as one line a shell would split back into the same words: words of
// plain characters as they are, others in single quotes (' as '\\'').
std::string shell_quoted(int argc, char** argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) {
    const std::string word = argv[i];
    if (i) line += ' ';
    const bool plain = !word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                               "0123456789_./=:,+-@%") == std::string::npos;
    if (plain) {
      line += word;
      continue;
    }
    line += '\'';
    for (char c : word) line += c == '\'' ? std::string("'\\''") : std::string(1, c);
    line += '\'';
  }
  return line;
}

// "meshsentry sig build": the subcommands chosen, for messages.
std::string command_name(const CLI::App& app) {
  std::string name = app.get_name();
  for (const CLI::App* sub = &app; !sub->get_subcommands().empty();) {
    sub = sub->get_subcommands().front();
    name += " " + sub->get_name();
  }
  return name;
}

Command chosen(const CLI::App& app) {
  if (app.got_subcommand("scan")) return Command::scan;
  if (app.got_subcommand("version")) return Command::version;
  const CLI::App* sig = app.get_subcommand("sig");
  if (sig->got_subcommand("build")) return Command::sig_build;
  if (sig->got_subcommand("add")) return Command::sig_add;
  if (sig->got_subcommand("remove")) return Command::sig_remove;
  if (sig->got_subcommand("merge")) return Command::sig_merge;
  if (sig->got_subcommand("info")) return Command::sig_info;
  if (sig->got_subcommand("verify")) return Command::sig_verify;
  if (sig->got_subcommand("keygen")) return Command::sig_keygen;
  return Command::sig_sign;
}

}  // namespace

Arguments parse_arguments(int argc, char** argv) {
  Arguments a;
  a.scan.command_line = shell_quoted(argc, argv);
  CLI::App app("meshsentry: scan 3D model files against a signature set of parts", "meshsentry");
  // The formatter and option defaults are copied into each subcommand as it
  // is made, so they come first.
  auto format = std::make_shared<CLI::Formatter>();
  format->label("Usage", "usage");
  format->column_width(34);
  app.formatter(format);
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);  // a flag given twice: the last
  app.set_help_flag("-h,--help", "print this help and exit");
  app.set_version_flag("--version", std::string("meshsentry ") + engine_version(), "print the engine version");
  app.footer(kExitStatus);
  app.require_subcommand(1);

  SharedFlags shared;
  std::string threads;
  add_scan(app, a.scan, shared, threads);
  // serve parses its own arguments (serve_command.cpp): everything after
  // the word goes there untouched, its --help included.
  CLI::App* serve = app.add_subcommand("serve", kServeHelp);
  serve->prefix_command();
  serve->set_help_flag();
  add_sig(app, a);
  app.add_subcommand("version", "print the engine version");
  CLI::App* help = app.add_subcommand("help", "print this help");

  if (argc <= 1) {
    std::fputs(format->make_help(&app, "meshsentry", CLI::AppFormatMode::Normal).c_str(), stderr);
    a.exit_code = kError;
    return a;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    a.exit_code = app.exit(e);  // prints the help of the subcommand asked, to stdout
    return a;
  } catch (const CLI::CallForVersion& e) {
    a.exit_code = app.exit(e);
    return a;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "%s: %s\nRun '%s --help' for the options.\n", command_name(app).c_str(), e.what(),
                 command_name(app).c_str());
    a.exit_code = kError;
    return a;
  }
  if (help->parsed()) {  // the top level's help, not the `help` subcommand's
    std::fputs(format->make_help(&app, "meshsentry", CLI::AppFormatMode::Normal).c_str(), stdout);
    return a;
  }
  if (serve->parsed()) {
    a.command = Command::serve;
    a.serve = serve->remaining();
    return a;
  }
  a.command = chosen(app);
  if (a.command == Command::scan) {
    const bool no_timing = app.get_subcommand("scan")->get_option("--no-timing")->count() > 0;
    if (std::string error = finish_scan(a.scan, shared, threads, no_timing); !error.empty()) {
      std::fprintf(stderr, "meshsentry scan: %s\n", error.c_str());
      a.command = Command::done;
      a.exit_code = kError;
    }
  }
  return a;
}

}  // namespace meshsentry::cli
