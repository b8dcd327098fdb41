/* SPDX-License-Identifier: MIT
 * The C API from plain C: open, info, scan a file, a buffer and a folder,
 * errors for bad arguments and a bad signature file. Exits non-zero on the
 * first failed check.
 *   test_capi SIGNATURES.msig REFERENCE.stl BENIGN.stl */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meshsentry/meshsentry.h"

static int failures = 0;
#define CHECK(cond)                                                    \
  do {                                                                 \
    if (!(cond)) {                                                     \
      fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                      \
    }                                                                  \
  } while (0)

static char* slurp(const char* path, size_t* size) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char* data = malloc((size_t)n);
  *size = fread(data, 1, (size_t)n, f);
  fclose(f);
  return data;
}

int main(int argc, char** argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: test_capi SIGNATURES REFERENCE BENIGN PIECE\n");
    return 2;
  }
  CHECK(strlen(ms_version()) > 0);

  ms_engine* e = NULL;
  CHECK(ms_engine_open(argv[2], &e) == MS_ERR_SIGNATURES); /* an STL is not a signature set */
  CHECK(e == NULL);
  CHECK(strlen(ms_last_error()) > 0);
  CHECK(ms_engine_open(NULL, &e) == MS_ERR_ARGUMENT);
  CHECK(ms_engine_open(argv[1], &e) == MS_OK);
  if (!e) return 1;

  char* json = NULL;
  CHECK(ms_engine_info(e, &json) == MS_OK);
  CHECK(json && strstr(json, "\"entries\"") && strstr(json, "\"sha256\""));
  ms_string_free(json);

  json = NULL;
  CHECK(ms_scan_path(e, argv[2], &json) == MS_FLAGGED);
  CHECK(json && json[0] == '[' && strstr(json, "\"verdict\":\"match\""));
  ms_string_free(json);

  json = NULL;
  CHECK(ms_scan_path(e, argv[3], &json) == MS_CLEAN);
  CHECK(json && strstr(json, "\"verdict\":\"clean\""));
  ms_string_free(json);

  size_t size = 0;
  char* data = slurp(argv[2], &size);
  CHECK(data != NULL);
  json = NULL;
  CHECK(ms_scan_buffer(e, data, size, "upload.stl", &json) == MS_FLAGGED);
  CHECK(json && strstr(json, "\"path\":\"upload.stl\""));
  ms_string_free(json);
  free(data);

  json = NULL;
  CHECK(ms_scan_buffer(e, "not a mesh", 10, "x.stl", &json) == MS_SCAN_ERROR);
  CHECK(json && strstr(json, "\"error\""));
  ms_string_free(json);

  json = NULL;
  CHECK(ms_scan_path(e, "/nonexistent/file.stl", &json) == MS_SCAN_ERROR);
  ms_string_free(json);

  CHECK(ms_scan_buffer(e, NULL, 5, "x.stl", &json) == MS_ERR_ARGUMENT);
  CHECK(ms_engine_set_threshold(e, 2.0) == MS_ERR_ARGUMENT);
  CHECK(ms_engine_set_pieces(e, 2) == MS_ERR_ARGUMENT);
  CHECK(ms_engine_set_pieces(NULL, 1) == MS_ERR_ARGUMENT);
  /* A cut piece of the flange: suspect by default, clean without the piece search. */
  json = NULL;
  CHECK(ms_scan_path(e, argv[4], &json) == MS_FLAGGED);
  CHECK(json && strstr(json, "\"suspect\""));
  ms_string_free(json);
  CHECK(ms_engine_set_pieces(e, 0) == MS_OK);
  json = NULL;
  CHECK(ms_scan_path(e, argv[4], &json) == MS_CLEAN);
  ms_string_free(json);
  CHECK(ms_engine_set_pieces(e, 1) == MS_OK);
  CHECK(ms_engine_set_threads(e, 2) == MS_OK);
  /* Threshold 1 and above exact copies: a reference stays flagged (exact hit). */
  CHECK(ms_engine_set_threshold(e, 1.0) == MS_OK);
  json = NULL;
  CHECK(ms_scan_path(e, argv[2], &json) == MS_FLAGGED);
  ms_string_free(json);

  ms_engine_free(e);
  ms_engine_free(NULL);
  if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
  else printf("C API: all checks passed\n");
  return failures ? 1 : 0;
}
