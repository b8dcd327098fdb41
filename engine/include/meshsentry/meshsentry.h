/* SPDX-License-Identifier: MIT
 * meshsentry's C API: a stable, C-only surface over the engine for other
 * languages and for services. No C++ type or exception crosses it.
 *
 *   ms_engine* e = NULL;
 *   if (ms_engine_open("signatures/demo.msig", &e) != MS_OK) puts(ms_last_error());
 *   char* json = NULL;
 *   int rc = ms_scan_path(e, "part.stl", &json);   // MS_CLEAN, MS_FLAGGED or an error
 *   ...                                           // json: [ {result}, ... ] as in `scan --format jsonl`
 *   ms_string_free(json);
 *   ms_engine_free(e);
 *
 * An engine may be shared by threads scanning at once; setting options while
 * another thread scans is not allowed. Error messages are per thread.
 */
#ifndef MESHSENTRY_H
#define MESHSENTRY_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ms_engine ms_engine;

/* Return codes. The scan codes match the `meshsentry scan` exit status. */
enum {
  MS_CLEAN = 0,          /* scanned, nothing flagged (MS_OK for calls that do not scan) */
  MS_OK = 0,
  MS_FLAGGED = 1,        /* scanned, something flagged: see the JSON */
  MS_SCAN_ERROR = 2,     /* scanned, but a file could not be read: see the JSON's "error" */
  MS_ERR_ARGUMENT = -1,  /* a NULL or invalid argument */
  MS_ERR_SIGNATURES = -2,/* the signature set could not be opened */
  MS_ERR_MEMORY = -3,
  MS_ERR_INTERNAL = -4
};

/* Engine version, e.g. "0.1.0". Static storage. */
const char* ms_version(void);

/* The message of the last failed call on this thread ("" if none). Valid
 * until the next call on this thread. */
const char* ms_last_error(void);

/* Opens a signature set (.msig). On success *out owns an engine. An empty
 * set is refused; so is a set not signed by a trusted key when the default
 * trusted-key folder (/etc/meshsentry/trusted-keys on a packaged install)
 * holds keys. */
int ms_engine_open(const char* signature_path, ms_engine** out);
/* The same, trusting the `count` public keys (PEM files) named in
 * `trusted_keys` as well: the set must carry a signature by one of them. */
int ms_engine_open_trusted(const char* signature_path, const char* const* trusted_keys, size_t count,
                           ms_engine** out);
void ms_engine_free(ms_engine* engine);

/* Options: threads (0 = all cores; used by ms_scan_path on folders), the
 * match threshold in [0, 1] (default 0.90), and the cut-piece search (1 on,
 * the default: pieces holding 30% or more of a signature, cut at an angle
 * none of its flat faces has, give verdict "suspect"; 0 off; see the
 * README). */
int ms_engine_set_threads(ms_engine* engine, int threads);
int ms_engine_set_threshold(ms_engine* engine, double threshold);
int ms_engine_set_pieces(ms_engine* engine, int on);

/* The signature set: name, entry count and SHA-256, as one JSON object in
 * *json_out (free with ms_string_free). */
int ms_engine_info(const ms_engine* engine, char** json_out);

/* Scans a file or a folder (recursively), or bytes in memory named `name`
 * (the name is a format hint and the reported path; may be NULL). *json_out
 * receives a JSON array of result objects, one per file or archive member
 * (free with ms_string_free). */
int ms_scan_path(const ms_engine* engine, const char* path, char** json_out);
int ms_scan_buffer(const ms_engine* engine, const void* data, size_t size, const char* name, char** json_out);

void ms_string_free(char* s);

#ifdef __cplusplus
}
#endif

#endif /* MESHSENTRY_H */
