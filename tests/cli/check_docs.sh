#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The man pages and the bash completion against what the binary accepts:
#  - every option (long, and short where there is one) in the --help of scan,
#    sig build/add/remove/merge/info/verify/keygen/sign, and in serve's usage (with the scan
#    flags serve shares) is named in the command's man page, with its short
#    form beside it, and offered by the completion after "meshsentry <cmd> -";
#  - the other way round, every option a page names (examples aside) or the
#    completion offers is one the command takes (serve's are tried on it);
#  - the pages render without a warning (man --warnings), where man is found.
# usage: check_docs.sh MESHSENTRY SOURCE_DIR
set -uo pipefail
bin=$1
src=$2
man_dir=$src/docs/man
completion=$src/packaging/bash-completion/meshsentry
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

long_options() { grep -oE -- '--[a-z0-9][a-z0-9-]*[a-z0-9]' | sort -u; }
# CLI11 prints "  -s,--signatures FILE": the pairs, as "-s --signatures".
short_pairs() { sed -nE 's/^ +(-[A-Za-z0-9]),(--[a-z0-9-]+).*/\1 \2/p'; }

# A page's source as plain text: no font escapes, \- as -, no quotes, so
# `.BR \-s ", " \-\-signatures` reads ".BR -s, --signatures".
page_text() { sed -E 's/\\-/-/g; s/\\f[BIRP]//g; s/"//g; s/ +/ /g; s/ ,/,/g' "$1"; }
# The same without EXAMPLES, whose commands name other tools' options.
page_options() { page_text "$1" | sed '/^\.SH EXAMPLES/,/^\.SH /d' | long_options; }

has_word() { # text word: the word, not inside a longer option
  grep -qE -- "(^|[^A-Za-z0-9-])$2([^A-Za-z0-9-]|\$)" <<<"$1"
}

# What the completion offers after "meshsentry WORDS... -".
offered() {
  (
    # shellcheck source=/dev/null
    source "$completion" || exit 1
    COMP_WORDS=(meshsentry "$@" -)
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _meshsentry 2>/dev/null
    printf '%s\n' "${COMPREPLY[@]}" | sort -u
  )
}

# check NAME PAGE ACCEPTED DOCUMENTED PAIRS COMPLETION_WORDS...
#   ACCEPTED: every option the command takes (long and short, one a line);
#   DOCUMENTED: those that must be in the page and the completion;
#   PAIRS: "-s --signatures" lines, short forms to document beside the long.
check() {
  local name=$1 page=$2 accepted=$3 documented=$4 pairs=$5
  shift 5
  local text opt short long words
  text=$(page_text "$page")
  words=$(offered "$@")
  [ -n "$documented" ] || fail "$name: no options read from its help"
  for opt in $documented; do
    case $opt in --*) has_word "$text" "$opt" || fail "$name: $opt is not in $(basename "$page")" ;; esac
    grep -qxF -- "$opt" <<<"$words" || fail "$name: the completion does not offer $opt"
  done
  while read -r short long; do
    [ -n "$short" ] || continue
    has_word "$text" "$short, $long" || fail "$name: $(basename "$page") does not give $short beside $long"
  done <<<"$pairs"
  for opt in $words; do
    grep -qxF -- "$opt" <<<"$accepted" || fail "$name: the completion offers $opt, which it does not take"
  done
}

# --- scan and sig: CLI11's help lists every option ---------------------
scan_help=$("$bin" scan --help) || fail "scan --help failed"
scan_all=$( (long_options <<<"$scan_help"; short_pairs <<<"$scan_help" | cut -d' ' -f1) | sort -u)
check "scan" "$man_dir/meshsentry-scan.1" "$scan_all" "$scan_all" "$(short_pairs <<<"$scan_help")" scan

sig_all=""
for sub in build add remove merge info verify keygen sign; do
  help=$("$bin" sig "$sub" --help) || fail "sig $sub --help failed"
  opts=$( (long_options <<<"$help"; short_pairs <<<"$help" | cut -d' ' -f1) | sort -u)
  sig_all+=$'\n'$opts
  check "sig $sub" "$man_dir/meshsentry-sig.1" "$opts" "$opts" "$(short_pairs <<<"$help")" sig "$sub"
done

# --- serve: its own usage text, and the scan flags it shares --------------
serve_usage=$("$bin" serve --help) || fail "serve --help failed"
shared=$(sed -n '/^Matching and limits:/,/^$/p' <<<"$scan_help" | long_options)
[ "$(wc -l <<<"$shared")" -ge 10 ] || fail "scan --help: no 'Matching and limits' group read"
# serve parses by hand: an option is taken when the run gets as far as the
# bad --listen given with it (as a switch, or with the value 1).
serve_takes() {
  local out
  out=$("$bin" serve --listen=bad "$1" 2>&1)
  grep -q -- '--listen takes' <<<"$out" && return 0
  out=$("$bin" serve --listen=bad "$1" 1 2>&1)
  grep -q -- '--listen takes' <<<"$out"
}
serve_page=$man_dir/meshsentry-serve.1
candidates=$( (long_options <<<"$serve_usage"; echo "$shared"; page_options "$serve_page"; offered serve) | sort -u)
serve_all=$'-h\n--help'
for opt in $candidates; do
  case $opt in -h | --help) continue ;; esac
  if serve_takes "$opt"; then serve_all+=$'\n'$opt; fi
done
serve_documented=$( (long_options <<<"$serve_usage"; echo "$shared"; echo "-h") | sort -u)
for opt in $serve_documented; do
  grep -qxF -- "$opt" <<<"$serve_all" || fail "serve: $opt is in its usage or shared with scan, but refused"
done
check "serve" "$serve_page" "$serve_all" "$serve_documented" "-h --help" serve

# --- every option a page names is one its command takes -------------------
top_help=$("$bin" --help) || fail "--help failed"
everything=$(printf '%s\n' "$scan_all" "$sig_all" "$serve_all" "$(long_options <<<"$top_help")" | sort -u)
for pair in "meshsentry-scan.1:$scan_all" "meshsentry-sig.1:$sig_all" "meshsentry-serve.1:$serve_all" \
  "meshsentry.1:$everything"; do
  page=${pair%%:*}
  for opt in $(page_options "$man_dir/$page"); do
    grep -qxF -- "$opt" <<<"${pair#*:}" || fail "$page names $opt, which its command does not take"
  done
done

# --- the top level: its commands and options, in meshsentry.1 and offered --
top_words=$(
  # shellcheck source=/dev/null
  source "$completion"
  COMP_WORDS=(meshsentry "")
  COMP_CWORD=1
  COMPREPLY=()
  _meshsentry 2>/dev/null
  printf '%s\n' "${COMPREPLY[@]}"
)
top_text=$(page_text "$man_dir/meshsentry.1")
commands=$(sed -nE '/^Subcommands:/I,/^$/s/^ +([a-z]+) .*/\1/p' <<<"$top_help")
[ "$(wc -w <<<"$commands")" -ge 5 ] || fail "--help: no subcommands read"
for word in $commands $(long_options <<<"$top_help"); do
  has_word "$top_text" "$word" || fail "meshsentry.1 does not name $word"
  grep -qxF -- "$word" <<<"$top_words" || fail "the completion does not offer $word after meshsentry"
done

# --- the pages render cleanly -----------------------------------------------
if command -v man >/dev/null; then
  for page in "$man_dir"/*.1; do
    warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
    [ -z "$warnings" ] || fail "$(basename "$page") renders with warnings: $warnings"
  done
else
  echo "man not found: the pages' rendering is not checked"
fi

if [ "$failures" -ne 0 ]; then
  echo "check_docs: $failures failures" >&2
  exit 1
fi
echo "check_docs: man pages and completion match the binary's options"
