/* The keyed pseudonym of a person and their age band: the only things
 * about who a case is for that leave the case holder's machine. */
#ifndef MDT_PSEUDONYM_H
#define MDT_PSEUDONYM_H

#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "scrub.h"

/* "MDT-" then the first 40 bits of HMAC-SHA-256(key, identity) in
 * Crockford base32, as two groups of four: "MDT-7K2Q-9XWD" (13 characters
 * and the NUL). The identity is the NHS number's ten digits when there is
 * one (spaces and hyphens ignored), otherwise "name|YYYY-MM-DD" with the
 * name normalised (see mdt_pseudonym_name_norm). The same person under the
 * same key always gets the same pseudonym; without the key it cannot be
 * reversed. Returns 0, or -EINVAL with err written when there is neither
 * a ten-digit NHS number nor a name and a date of birth. */
int mdt_pseudonym(const uint8_t key[32], const struct mdt_client *c, char out[14],
                  struct mdt_buf *err);

/* The name as it enters the pseudonym: lower case, Latin diacritics
 * removed, anything but letters and digits dropped, words joined by one
 * space ("  Yılmaz,  MEHMET " -> "yilmaz mehmet"). new: caller frees. */
char *mdt_pseudonym_name_norm(const char *name);

/* The age band on date `now` of someone born on dob (YYYY-MM-DD): "0-9",
 * "10-19", ... "80-89", and "90+" (never finer). Returns 0, or -EINVAL
 * when dob is not a real date or lies after now. */
int mdt_age_band(const char *dob, time_t now, char out[8]);

/* Parses a real calendar date YYYY-MM-DD (1880 and later). Returns 0 and
 * sets *y, *m, *d, or -EINVAL. */
int mdt_date_parse(const char *s, int *y, int *m, int *d);

#endif
