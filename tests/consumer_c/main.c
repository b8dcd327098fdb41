/* SPDX-License-Identifier: MIT
 * Scans one file with an installed libmeshsentry from C; prints each record
 * as a JSONL line and exits with the scan code (0 clean, 1 flagged, 2 error).
 *   c_consumer SIGNATURES.msig FILE */
#include <meshsentry/meshsentry.h>
#include <stdio.h>
#include <string.h>

static void print_record(const char* json, void* user) {
  (void)user;
  printf("%s\n", json);
}

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  if (strcmp(ms_version(), MESHSENTRY_VERSION_STRING) != 0) {
    fprintf(stderr, "headers %s, library %s\n", MESHSENTRY_VERSION_STRING, ms_version());
    return 2;
  }
  ms_engine* engine = NULL;
  if (ms_engine_open(argv[1], &engine) != MS_OK) {
    fprintf(stderr, "%s\n", ms_last_error());
    return 2;
  }
  const int rc = ms_scan_path_each(engine, argv[2], print_record, NULL);
  ms_engine_free(engine);
  return rc < 0 ? 2 : rc;
}
