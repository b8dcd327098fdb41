/* SPDX-License-Identifier: MIT
 * The C API from plain C, through the shared library: open, info, scan a
 * file, a buffer and a folder, errors for bad arguments and a bad signature
 * file, version macros, limits, the allow-list, isolation, per-record
 * callbacks and cancelling (from the callback and from another thread).
 * Counts failed checks and exits non-zero if any failed.
 *   test_capi SIGNATURES.msig REFERENCE.stl BENIGN.stl PIECE.stl BENIGN_FOLDER SCRATCH_FOLDER */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "meshsentry/meshsentry.h"

static int failures = 0;
#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                              \
    }                                                                          \
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

/* How many times `needle` occurs in `haystack`. */
static int count(const char* haystack, const char* needle) {
  int n = 0;
  for (const char* p = haystack; p && (p = strstr(p, needle)); p += strlen(needle)) ++n;
  return n;
}

static void write_file(const char* path, const char* text) {
  FILE* f = fopen(path, "w");
  CHECK(f != NULL);
  if (!f) return;
  fputs(text, f);
  fclose(f);
}

static void sleep_ms(long ms) {
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&t, NULL);
}

/* Callback state: records seen, whether each was one JSON object, and when
 * to raise the cancel flag. */
struct seen {
  int records, objects;
  int cancel_after;    /* raise `cancel` after this many records (0: never) */
  ms_cancel* cancel;
};

static void on_record(const char* json, void* user) {
  struct seen* s = user;
  ++s->records;
  if (json[0] == '{' && json[strlen(json) - 1] == '}' && strstr(json, "\"verdict\"")) ++s->objects;
  if (s->cancel_after && s->records == s->cancel_after) ms_cancel_request(s->cancel);
}

static atomic_int records_seen;
static void on_record_count(const char* json, void* user) {
  (void)json;
  struct seen* s = user;
  atomic_fetch_add(&records_seen, 1);
  for (int i = 0; i < 1000 && !ms_cancel_requested(s->cancel); ++i) sleep_ms(10);
}

/* Another thread: waits for the first record, then cancels. */
static void* canceller(void* arg) {
  for (int i = 0; i < 1000 && atomic_load(&records_seen) == 0; ++i) sleep_ms(10);
  ms_cancel_request(arg);
  return NULL;
}

static volatile sig_atomic_t children_ended = 0;
static void on_sigchld(int sig) {
  (void)sig;
  ++children_ended;
}

static void test_version(void) {
  char built[64];
  snprintf(built, sizeof built, "%d.%d.%d", MESHSENTRY_VERSION_MAJOR, MESHSENTRY_VERSION_MINOR,
           MESHSENTRY_VERSION_PATCH);
  CHECK(strcmp(built, MESHSENTRY_VERSION_STRING) == 0);
  CHECK(strcmp(ms_version(), MESHSENTRY_VERSION_STRING) == 0);
  CHECK(MESHSENTRY_VERSION_NUMBER ==
        MESHSENTRY_MAKE_VERSION(MESHSENTRY_VERSION_MAJOR, MESHSENTRY_VERSION_MINOR, MESHSENTRY_VERSION_PATCH));
  CHECK(MESHSENTRY_VERSION_NUMBER >= MESHSENTRY_MAKE_VERSION(0, 1, 0));
}

static void test_limits(ms_engine* e, const char* reference) {
  double v = 0;
  CHECK(ms_engine_get_limit(e, MS_LIMIT_FILE_SIZE, &v) == MS_OK && v == 1073741824.0);
  CHECK(ms_engine_get_limit(e, MS_LIMIT_TRIANGLES, &v) == MS_OK && v == 50000000.0);
  CHECK(ms_engine_get_limit(e, MS_LIMIT_SECONDS, &v) == MS_OK && v == 60.0);
  CHECK(ms_engine_get_limit(e, MS_LIMIT_RECURSION, &v) == MS_OK && v == 3.0);
  CHECK(ms_engine_get_limit(e, MS_LIMIT_RATIO, &v) == MS_OK && v == 100.0);
  CHECK(ms_engine_get_limit(e, (ms_limit)99, &v) == MS_ERR_ARGUMENT);
  CHECK(ms_engine_get_limit(e, MS_LIMIT_FILES, NULL) == MS_ERR_ARGUMENT);
  CHECK(ms_engine_set_limit(e, MS_LIMIT_FILE_SIZE, 0) == MS_ERR_ARGUMENT);
  CHECK(ms_engine_set_limit(e, MS_LIMIT_RATIO, 0.5) == MS_ERR_ARGUMENT);
  CHECK(ms_engine_set_limit(e, MS_LIMIT_FILES, 1e19) == MS_ERR_ARGUMENT);
  CHECK(ms_engine_set_limit(e, (ms_limit)0, 5) == MS_ERR_ARGUMENT);
  CHECK(ms_engine_set_limit(NULL, MS_LIMIT_FILES, 5) == MS_ERR_ARGUMENT);
  CHECK(ms_engine_set_limit(e, MS_LIMIT_RECURSION, 0) == MS_OK);
  CHECK(ms_engine_get_limit(e, MS_LIMIT_RECURSION, &v) == MS_OK && v == 0.0);
  CHECK(ms_engine_set_limit(e, MS_LIMIT_RECURSION, 3) == MS_OK);
  /* Over a limit: an error record naming the limit, not a verdict. */
  char* json = NULL;
  CHECK(ms_engine_set_limit(e, MS_LIMIT_FILE_SIZE, 100) == MS_OK);
  CHECK(ms_scan_path(e, reference, &json) == MS_SCAN_ERROR);
  CHECK(json && strstr(json, "limit"));
  ms_string_free(json);
  CHECK(ms_engine_set_limit(e, MS_LIMIT_FILE_SIZE, 1073741824.0) == MS_OK);
  CHECK(ms_engine_set_limit(e, MS_LIMIT_TRIANGLES, 10) == MS_OK);
  json = NULL;
  CHECK(ms_scan_path(e, reference, &json) == MS_SCAN_ERROR);
  CHECK(json && strstr(json, "limit"));
  ms_string_free(json);
  CHECK(ms_engine_set_limit(e, MS_LIMIT_TRIANGLES, 50000000) == MS_OK);
  json = NULL;
  CHECK(ms_scan_path(e, reference, &json) == MS_FLAGGED);
  ms_string_free(json);
}

/* The allow-list: the reference's own sha256 (taken from its record) makes
 * it "allowed" and clean; a list that cannot be read keeps the one before. */
static void test_allow_list(ms_engine* e, const char* reference, const char* scratch) {
  char* json = NULL;
  CHECK(ms_scan_path(e, reference, &json) == MS_FLAGGED);
  const char* at = json ? strstr(json, "\"sha256\":\"") : NULL;
  CHECK(at != NULL);
  if (!at) return;
  char rule[128], path[4096];
  snprintf(rule, sizeof rule, "# made by test_capi\nsha256:%.64s\n", at + 10);
  ms_string_free(json);
  snprintf(path, sizeof path, "%s/allow.txt", scratch);
  write_file(path, rule);

  CHECK(ms_engine_set_allow_list(e, path) == MS_OK);
  json = NULL;
  CHECK(ms_scan_path(e, reference, &json) == MS_CLEAN);
  CHECK(json && strstr(json, "\"verdict\":\"allowed\""));
  ms_string_free(json);
  CHECK(ms_engine_set_allow_list(e, "/nonexistent/allow.txt") == MS_ERR_ALLOW_LIST);
  CHECK(strlen(ms_last_error()) > 0);
  json = NULL;
  CHECK(ms_scan_path(e, reference, &json) == MS_CLEAN); /* the list before is kept */
  ms_string_free(json);
  snprintf(path, sizeof path, "%s/bad-allow.txt", scratch);
  write_file(path, "sha256:not-hex\n");
  CHECK(ms_engine_set_allow_list(e, path) == MS_ERR_ALLOW_LIST);
  CHECK(ms_engine_set_allow_list(NULL, path) == MS_ERR_ARGUMENT);
  CHECK(ms_engine_set_allow_list(e, NULL) == MS_OK);
  json = NULL;
  CHECK(ms_scan_path(e, reference, &json) == MS_FLAGGED);
  ms_string_free(json);
}

/* Isolation forks a child per Assimp-read file (here an OBJ): its end is a
 * SIGCHLD, which an in-process read never sends. */
static void test_isolation(ms_engine* e, const char* scratch) {
  char path[4096];
  snprintf(path, sizeof path, "%s/tetra.obj", scratch);
  write_file(path, "v 0 0 0\nv 10 0 0\nv 0 10 0\nv 0 0 10\nf 1 3 2\nf 1 2 4\nf 1 4 3\nf 2 3 4\n");
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigchld;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGCHLD, &sa, NULL);

  CHECK(ms_engine_set_isolation(e, 2) == MS_ERR_ARGUMENT);
  CHECK(ms_engine_set_isolation(NULL, 0) == MS_ERR_ARGUMENT);
  CHECK(ms_engine_set_isolation(e, 0) == MS_OK);
  char* json = NULL;
  children_ended = 0;
  CHECK(ms_scan_path(e, path, &json) == MS_CLEAN);
  CHECK(json && strstr(json, "\"format\":\"obj\""));
  CHECK(children_ended == 0);
  ms_string_free(json);
  CHECK(ms_engine_set_isolation(e, 1) == MS_OK);
  json = NULL;
  CHECK(ms_scan_path(e, path, &json) == MS_CLEAN);
  CHECK(json && strstr(json, "\"format\":\"obj\""));
  CHECK(children_ended >= 1);
  ms_string_free(json);
  signal(SIGCHLD, SIG_DFL);
}

/* One callback per record, the same records as the JSON array. */
static void test_callback(ms_engine* e, const char* reference, const char* folder) {
  char* json = NULL;
  CHECK(ms_scan_path(e, folder, &json) == MS_CLEAN);
  const int files = count(json, "\"path\"");
  CHECK(files >= 3);
  ms_string_free(json);
  struct seen s = {0};
  CHECK(ms_scan_path_each(e, folder, on_record, &s) == MS_CLEAN);
  CHECK(s.records == files && s.objects == files);

  size_t size = 0;
  char* data = slurp(reference, &size);
  memset(&s, 0, sizeof s);
  CHECK(ms_scan_buffer_each(e, data, size, "upload.stl", on_record, &s) == MS_FLAGGED);
  CHECK(s.records == 1 && s.objects == 1);
  free(data);
  CHECK(ms_scan_path_each(e, folder, NULL, &s) == MS_ERR_ARGUMENT);
  CHECK(ms_scan_buffer_each(e, NULL, 3, "x.stl", on_record, &s) == MS_ERR_ARGUMENT);
}

/* Cancel: before the scan, from the callback, from another thread. */
static void test_cancel(ms_engine* e, const char* folder) {
  ms_cancel* c = ms_cancel_new();
  CHECK(c && !ms_cancel_requested(c));
  ms_cancel_request(c);
  CHECK(ms_cancel_requested(c) == 1);
  CHECK(ms_engine_set_cancel(e, c) == MS_OK);
  CHECK(ms_engine_set_cancel(NULL, c) == MS_ERR_ARGUMENT);
  char* json = NULL;
  CHECK(ms_scan_path(e, folder, &json) == MS_INTERRUPTED);
  CHECK(json && strcmp(json, "[]") == 0);
  ms_string_free(json);
  ms_cancel_reset(c);
  CHECK(!ms_cancel_requested(c));

  /* One file at a time, cancelled after the second record: no third. */
  CHECK(ms_engine_set_threads(e, 1) == MS_OK);
  struct seen s = {0};
  s.cancel_after = 2;
  s.cancel = c;
  CHECK(ms_scan_path_each(e, folder, on_record, &s) == MS_INTERRUPTED);
  CHECK(s.records == 2);
  ms_cancel_reset(c);

  /* From another thread while the scan waits in its first callback. */
  pthread_t t;
  memset(&s, 0, sizeof s);
  s.cancel = c;
  atomic_store(&records_seen, 0);
  CHECK(pthread_create(&t, NULL, canceller, c) == 0);
  CHECK(ms_scan_path_each(e, folder, on_record_count, &s) == MS_INTERRUPTED);
  pthread_join(t, NULL);
  CHECK(atomic_load(&records_seen) == 1);

  /* Detached, a raised flag stops nothing. */
  CHECK(ms_engine_set_cancel(e, NULL) == MS_OK);
  json = NULL;
  CHECK(ms_scan_path(e, folder, &json) == MS_CLEAN);
  ms_string_free(json);
  ms_cancel_free(c);
  ms_cancel_free(NULL);
  CHECK(ms_engine_set_threads(e, 0) == MS_OK);
}

int main(int argc, char** argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: test_capi SIGNATURES REFERENCE BENIGN PIECE BENIGN_FOLDER SCRATCH_FOLDER\n");
    return 2;
  }
  mkdir(argv[6], 0755);
  CHECK(strlen(ms_version()) > 0);
  test_version();

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

  CHECK(ms_engine_set_threshold(e, 0.9) == MS_OK);

  test_limits(e, argv[2]);
  test_allow_list(e, argv[2], argv[6]);
  test_isolation(e, argv[6]);
  test_callback(e, argv[2], argv[5]);
  test_cancel(e, argv[5]);

  ms_engine_free(e);
  ms_engine_free(NULL);
  if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
  else printf("C API: all checks passed\n");
  return failures ? 1 : 0;
}
