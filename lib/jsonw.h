/* A small JSON writer: values are appended straight into one growing
 * buffer, with no tree in between, so an answer of a hundred objects is
 * one pass over the rows and a handful of reallocations. The output is
 * compact and byte-for-byte what jansson's json_dumps(JSON_COMPACT)
 * gives for the same values in the same order: strings keep valid UTF-8
 * as it is and escape '"', '\\' and control characters (\b \f \n \r \t,
 * else \u00XX with capital hex digits).
 *
 * The writer places the commas and colons itself; the caller only says
 * begin/end, key, value. A string that is not valid UTF-8 is not written:
 * the writer marks itself failed (mdt_jsonw_failed) and the caller
 * answers an error instead of the half-made document. */
#ifndef MDT_JSONW_H
#define MDT_JSONW_H

#include <stddef.h>
#include <stdint.h>

#define MDT_JSONW_MAX_DEPTH 64

struct mdt_jsonw {
    char *data; /* NULL until the first value; NUL-terminated after it */
    size_t len;
    size_t alloc;
    int depth;
    int failed;         /* invalid UTF-8, or nesting past MDT_JSONW_MAX_DEPTH */
    int want_comma;     /* the next value at this depth needs a ',' first */
    int after_key;      /* a key was written: the value follows its ':' */
    uint64_t commas;    /* want_comma of the enclosing depths, one bit each */
    /* The UTC offset of local time is the same for every second of
     * [tz_lo, tz_hi): found once per hour a document touches, not once
     * per timestamp. */
    int64_t tz_lo, tz_hi;
    long tz_off;
    /* The last time written and its text: created_at and updated_at are
     * often one value. */
    int64_t last_t;
    size_t last_n; /* 0: none yet */
    char last_s[40];
};

void mdt_jsonw_init(struct mdt_jsonw *w);
void mdt_jsonw_release(struct mdt_jsonw *w);
/* Empties the document, keeping the memory (and the time-zone cache). */
void mdt_jsonw_reset(struct mdt_jsonw *w);
/* New: the document (caller frees), *len its length without the NUL;
 * the writer is left empty. Never NULL: "" for an empty document. */
char *mdt_jsonw_detach(struct mdt_jsonw *w, size_t *len);
int mdt_jsonw_failed(const struct mdt_jsonw *w);

void mdt_jsonw_obj_begin(struct mdt_jsonw *w);
void mdt_jsonw_obj_end(struct mdt_jsonw *w);
void mdt_jsonw_arr_begin(struct mdt_jsonw *w);
void mdt_jsonw_arr_end(struct mdt_jsonw *w);
/* An object member's name; the value comes with the next call. */
void mdt_jsonw_key(struct mdt_jsonw *w, const char *k);
/* The same for a name that is a string literal of plain characters
 * (nothing to escape): the quotes and colon are added at compile time,
 * so the name is copied, not scanned. */
#define MDT_JSONW_KEY(w, lit) mdt_jsonw_key_raw((w), "\"" lit "\":", sizeof("\"" lit "\":") - 1)
void mdt_jsonw_key_raw(struct mdt_jsonw *w, const char *quoted_colon, size_t n);

/* s NULL writes null. */
void mdt_jsonw_str(struct mdt_jsonw *w, const char *s);
void mdt_jsonw_strn(struct mdt_jsonw *w, const char *s, size_t n);
void mdt_jsonw_int(struct mdt_jsonw *w, int64_t v);
void mdt_jsonw_bool(struct mdt_jsonw *w, int v);
void mdt_jsonw_null(struct mdt_jsonw *w);
/* A value that is already compact JSON (trusted: written by this
 * program), copied as it is. */
void mdt_jsonw_raw(struct mdt_jsonw *w, const char *json, size_t n);
/* A Unix time as an RFC 3339 string in local time (TZ) with its offset,
 * e.g. "2027-04-13T10:00:00+01:00", as strftime("%Y-%m-%dT%H:%M:%S%z")
 * with a colon put into the offset; null when it cannot be converted. */
void mdt_jsonw_time(struct mdt_jsonw *w, int64_t t);

/* Convenience: key then value. */
void mdt_jsonw_kstr(struct mdt_jsonw *w, const char *k, const char *s);
void mdt_jsonw_kint(struct mdt_jsonw *w, const char *k, int64_t v);
void mdt_jsonw_ktime(struct mdt_jsonw *w, const char *k, int64_t t);

/* Formats a time as mdt_jsonw_time does, without quotes, into s (at
 * least 32 bytes); returns the length, or 0 when t cannot be converted.
 * *lo, *hi and *off are the caller's offset cache (start with lo == hi). */
size_t mdt_jsonw_fmt_time(char *s, int64_t t, int64_t *lo, int64_t *hi, long *off);

#endif
