/* SPDX-License-Identifier: MIT
 * meshsentry's C API: a stable, C-only surface over the engine for other
 * languages and for services. No C++ type or exception crosses it. It is
 * what the shared library (libmeshsentry.so.0) exports, and all it exports.
 *
 *   ms_engine* e = NULL;
 *   if (ms_engine_open("signatures/demo.msig", &e) != MS_OK) puts(ms_last_error());
 *   char* json = NULL;
 *   int rc = ms_scan_path(e, "part.stl", &json);   // MS_CLEAN, MS_FLAGGED or an error
 *   ...                                           // json: [ {result}, ... ] as in `scan --format jsonl`
 *   ms_string_free(json);
 *   ms_engine_free(e);
 *
 * Build: cc app.c $(pkg-config --cflags --libs meshsentry)
 *
 * An engine may be shared by threads scanning at once; setting options while
 * another thread scans is not allowed. Error messages are per thread.
 */
#ifndef MESHSENTRY_H
#define MESHSENTRY_H

#include <stddef.h>

#include "meshsentry/version.h"

/* What the shared library exports; everything else in it is hidden. */
#if defined(__GNUC__) || defined(__clang__)
#define MESHSENTRY_API __attribute__((visibility("default")))
#else
#define MESHSENTRY_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ms_engine ms_engine;

/* Return codes. The scan codes match the `meshsentry scan` exit status. */
enum {
  MS_CLEAN = 0, /* scanned, nothing flagged (MS_OK for calls that do not scan) */
  MS_OK = 0,
  MS_FLAGGED = 1,         /* scanned, something flagged: see the JSON */
  MS_SCAN_ERROR = 2,      /* scanned, but a file could not be read: see the JSON's "error" */
  MS_INTERRUPTED = 3,     /* cancelled (ms_cancel_request): files not yet started were not
                             scanned; the records of those that were are delivered, flagged
                             ones included */
  MS_ERR_ARGUMENT = -1,   /* a NULL or invalid argument */
  MS_ERR_SIGNATURES = -2, /* the signature set could not be opened */
  MS_ERR_MEMORY = -3,
  MS_ERR_INTERNAL = -4,
  MS_ERR_ALLOW_LIST = -5 /* the allow-list could not be read: see ms_last_error() */
};

/* The loaded library's version, e.g. "0.1.0" (the headers' is
 * MESHSENTRY_VERSION_STRING). Static storage. */
MESHSENTRY_API const char* ms_version(void);

/* The message of the last failed call on this thread ("" if none). Valid
 * until the next call on this thread. */
MESHSENTRY_API const char* ms_last_error(void);

/* Opens a signature set (.msig). On success *out owns an engine. An empty
 * set is refused; so is a set not signed by a trusted key when the default
 * trusted-key folder (/etc/meshsentry/trusted-keys on a packaged install)
 * holds keys. */
MESHSENTRY_API int ms_engine_open(const char* signature_path, ms_engine** out);
/* The same, trusting the `count` public keys (PEM files) named in
 * `trusted_keys` as well: the set must carry a signature by one of them. */
MESHSENTRY_API int ms_engine_open_trusted(const char* signature_path, const char* const* trusted_keys, size_t count,
                                          ms_engine** out);
MESHSENTRY_API void ms_engine_free(ms_engine* engine);

/* Options: threads (0 = all cores; used by ms_scan_path on folders), the
 * match threshold in [0, 1] (default 0.90), and the cut-piece search (1 on,
 * the default: pieces holding 30% or more of a signature, cut at an angle
 * none of its flat faces has, give verdict "suspect"; 0 off; see the
 * README). */
MESHSENTRY_API int ms_engine_set_threads(ms_engine* engine, int threads);
MESHSENTRY_API int ms_engine_set_threshold(ms_engine* engine, double threshold);
MESHSENTRY_API int ms_engine_set_pieces(ms_engine* engine, int on);

/* Per-file limits, each for one scanned file with everything it holds
 * (archive members at every depth, 3MF placements), as `scan`'s --max-*
 * flags. A file over a limit is an error record ("limit: ..."), never a
 * crash. Values are numbers (bytes, counts, seconds); ms_engine_set_limit
 * refuses one below the limit's minimum (1; 0 for MS_LIMIT_RECURSION) or
 * above 1e18, and too large a count is capped where the engine caps it. */
typedef enum ms_limit {
  MS_LIMIT_FILE_SIZE = 1,   /* bytes of a file (default 1 GiB); --max-file-size */
  MS_LIMIT_TRIANGLES = 2,   /* triangles (50000000); --max-triangles */
  MS_LIMIT_VERTICES = 3,    /* vertices (150000000) */
  MS_LIMIT_SECONDS = 4,     /* wall time (60); --max-seconds */
  MS_LIMIT_SCAN_SIZE = 5,   /* bytes expanded from archives (1 GiB); --max-scan-size */
  MS_LIMIT_MEMBER_SIZE = 6, /* bytes of one archive member (256 MiB); --max-member-size */
  MS_LIMIT_FILES = 7,       /* archive members (10000); --max-files */
  MS_LIMIT_RECURSION = 8,   /* archive nesting depth (3); --max-recursion */
  MS_LIMIT_RATIO = 9        /* expanded / archive bytes (100); --max-ratio */
} ms_limit;
MESHSENTRY_API int ms_engine_set_limit(ms_engine* engine, ms_limit limit, double value);
MESHSENTRY_API int ms_engine_get_limit(const ms_engine* engine, ms_limit limit, double* value);

/* The allow-list (`scan --allow`): a file of "sha256:<hex>" and
 * "geometry:<hex>" rules; what it names gets verdict "allowed" and is not
 * flagged. The file is read now (MS_ERR_ALLOW_LIST if it cannot be; the
 * previous list is then kept). NULL removes the list. */
MESHSENTRY_API int ms_engine_set_allow_list(ms_engine* engine, const char* path);

/* Isolation (1, the default): formats read through Assimp are parsed in a
 * forked child with CPU and memory limits, so a hostile file cannot take the
 * caller down. 0 parses them in process (`scan --no-isolation`): faster, for
 * trusted input or where fork() is unwelcome. */
MESHSENTRY_API int ms_engine_set_isolation(ms_engine* engine, int on);

/* Cancel: a flag any thread (or a signal handler: setting it is one
 * lock-free atomic store) raises to stop scans. A scan checks it before each
 * file it starts, finishes the files already started, and returns
 * MS_INTERRUPTED. Attach it to an engine with ms_engine_set_cancel (NULL
 * detaches); the flag stays raised until ms_cancel_reset. A flag must
 * outlive the engine it is attached to, or be detached first. */
typedef struct ms_cancel ms_cancel;
MESHSENTRY_API ms_cancel* ms_cancel_new(void);
MESHSENTRY_API void ms_cancel_request(ms_cancel* cancel);
MESHSENTRY_API void ms_cancel_reset(ms_cancel* cancel);
MESHSENTRY_API int ms_cancel_requested(const ms_cancel* cancel);
MESHSENTRY_API void ms_cancel_free(ms_cancel* cancel);
MESHSENTRY_API int ms_engine_set_cancel(ms_engine* engine, ms_cancel* cancel);

/* The signature set: name, entry count and SHA-256, as one JSON object in
 * *json_out (free with ms_string_free). */
MESHSENTRY_API int ms_engine_info(const ms_engine* engine, char** json_out);

/* Scans a file or a folder (recursively), or bytes in memory named `name`
 * (the name is a format hint and the reported path; may be NULL). *json_out
 * receives a JSON array of result objects, one per file or archive member
 * (free with ms_string_free). Returns MS_FLAGGED if any record is flagged,
 * else MS_SCAN_ERROR if any is an error, else MS_CLEAN; MS_INTERRUPTED when
 * cancelled (*json_out then holds the records of the files scanned). */
MESHSENTRY_API int ms_scan_path(const ms_engine* engine, const char* path, char** json_out);
MESHSENTRY_API int ms_scan_buffer(const ms_engine* engine, const void* data, size_t size, const char* name,
                                  char** json_out);

/* The same, one record at a time: `callback` is called once per result
 * record (a file, an archive, each archive member), with the record as one
 * JSON object (a `scan --format jsonl` line, no newline; valid during the
 * call only) and `user`. Records come in path order, from one thread at a
 * time, as soon as each file and every earlier one is done, so an
 * application can show progress or stop early (ms_cancel_request from the
 * callback is allowed). Returns the scan code over all records, or
 * MS_INTERRUPTED. */
typedef void (*ms_result_callback)(const char* record_json, void* user);
MESHSENTRY_API int ms_scan_path_each(const ms_engine* engine, const char* path, ms_result_callback callback,
                                     void* user);
MESHSENTRY_API int ms_scan_buffer_each(const ms_engine* engine, const void* data, size_t size, const char* name,
                                       ms_result_callback callback, void* user);

MESHSENTRY_API void ms_string_free(char* s);

#ifdef __cplusplus
}
#endif

#endif /* MESHSENTRY_H */
