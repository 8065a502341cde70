/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A JSON writer into a caller's fixed buffer: no allocation, one pass, used on
 * the per-event hot path (json-c builds an object tree per value, which is
 * what the hot path must not do).  Strings are escaped per RFC 8259; bytes
 * that are not valid UTF-8 become U+FFFD, so every line is valid JSON.  When
 * the buffer is too small the writer stops and jw_ok() reports it.
 */
#ifndef SG_JSONW_H
#define SG_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JW_DEPTH 16

struct jsonw {
	char *buf;
	size_t len;
	size_t cap;
	bool overflow;
	int depth;
	bool need_comma[JW_DEPTH];
};

void jw_init(struct jsonw *w, char *buf, size_t cap);
void jw_obj_open(struct jsonw *w);
void jw_obj_close(struct jsonw *w);
void jw_arr_open(struct jsonw *w);
void jw_arr_close(struct jsonw *w);
/*
 * A member name: a string literal (the macro refuses anything else at compile
 * time) that needs no escaping, written as it is, quotes and colon included.
 * A name made at run time goes through jw_key_str().
 */
#define jw_key(w, key) jw_keyn((w), "\"" key "\":", sizeof(key) + 2)
void jw_keyn(struct jsonw *w, const char *quoted, size_t n);
/* A member name computed at run time: escaped like any string. */
void jw_key_str(struct jsonw *w, const char *key);
void jw_str(struct jsonw *w, const char *s);
/*
 * A string the program made itself from plain ASCII (a name from a table, a
 * timestamp): written without the escaping pass.  Never for data that came
 * from outside (paths, comms, argv, rule ids).
 */
void jw_name(struct jsonw *w, const char *s);
void jw_strn(struct jsonw *w, const char *s, size_t n);
void jw_int(struct jsonw *w, int64_t v);
void jw_uint(struct jsonw *w, uint64_t v);
void jw_bool(struct jsonw *w, bool v);
void jw_null(struct jsonw *w);
/* Append already-encoded JSON as one value. */
void jw_raw(struct jsonw *w, const char *json, size_t n);
bool jw_ok(const struct jsonw *w);
/* NUL-terminates and returns the length, or -ENOSPC. */
int jw_finish(struct jsonw *w);

#endif /* SG_JSONW_H */
