/* The case scrubber and pseudonymiser, shared by the client (which scrubs
 * a case before anything leaves the case holder's machine) and the server
 * (which runs the same detector as a gate on every case write).
 *
 * A case file is the JSON the case holder writes:
 *   {"client": {"name", "nhs_number", "date_of_birth", "address",
 *               "postcode", "phone", "email"},
 *    "needs": [...], "presentation": "...", "question": "...", "risk": "..."}
 * The payload that leaves is
 *   {"pseudonym": "MDT-XXXX-XXXX", "age_band": "30-39", "needs": [...],
 *    "presentation": "...", "question": "...", "risk": "..."}
 * with every identifier replaced by a typed placeholder ([CLIENT],
 * [PERSON-1], [DATE], [POSTCODE], ...). */
#ifndef MDT_SCRUB_H
#define MDT_SCRUB_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "buf.h"

/* Kinds of identifier. The placeholder of each is in mdt_kind_placeholder(),
 * the name used in gate findings and the API in mdt_kind_name(). */
enum mdt_kind {
    MDT_KIND_CLIENT = 0, /* [CLIENT]      the person themselves */
    MDT_KIND_PERSON,     /* [PERSON-n]    anyone else, numbered per case */
    MDT_KIND_DATE,       /* [DATE] */
    MDT_KIND_ADDRESS,    /* [ADDRESS] */
    MDT_KIND_POSTCODE,   /* [POSTCODE] */
    MDT_KIND_PHONE,      /* [PHONE] */
    MDT_KIND_EMAIL,      /* [EMAIL] */
    MDT_KIND_NHS_NUMBER, /* [NHS-NUMBER] */
    MDT_KIND_NI_NUMBER,  /* [NI-NUMBER] */
    MDT_KIND_ID,         /* [ID]          hospital numbers and other references */
    MDT_KIND_PLACE,      /* [PLACE]       villages, suburbs, pubs, schools, workplaces */
    MDT_KIND_HANDLE,     /* [HANDLE]      URLs and social handles */
    MDT_KIND_VEHICLE,    /* [VEHICLE] */
    MDT_KIND_AGE_90,     /* [AGE-90+] */
    MDT_KIND_COUNT
};

const char *mdt_kind_name(enum mdt_kind k);        /* "PHONE", "NHS_NUMBER", ... */
const char *mdt_kind_placeholder(enum mdt_kind k); /* "[PHONE]"; "[PERSON-" for PERSON */

/* The client block of a case file. Every field may be NULL when absent. */
struct mdt_client {
    char *name;
    char *nhs_number;
    char *date_of_birth; /* YYYY-MM-DD */
    char *address;
    char *postcode;
    char *phone;
    char *email;
};

/* Lexicons and compiled tables, built once and shared read-only. */
struct mdt_scrub_ctx;

/* new: caller frees with mdt_scrub_ctx_free. Aborts only on OOM. */
struct mdt_scrub_ctx *mdt_scrub_ctx_new(void);
void mdt_scrub_ctx_free(struct mdt_scrub_ctx *ctx);

/* Raised whenever a detection rule changes, so that a client and a
 * server can tell whether they find the same identifiers. */
#define MDT_SCRUB_RULES 4
/* Borrowed: "RULES.HASH", the rules' number and a hash of the word lists
 * built in: two detectors with the same version find the same things. */
const char *mdt_scrub_version(const struct mdt_scrub_ctx *ctx);

/* A parsed, validated case file. */
struct mdt_case;

/* Parses and validates a case file. On failure returns -EINVAL and writes
 * to err a message that names the field ("client.date_of_birth: not a date
 * (YYYY-MM-DD)"). *out is new: free with mdt_case_free. */
int mdt_case_parse(const char *json, size_t len, struct mdt_case **out, struct mdt_buf *err);
void mdt_case_free(struct mdt_case *c);
/* borrowed, valid while c lives */
const struct mdt_client *mdt_case_client(const struct mdt_case *c);

/* Scrubs a case: *payload is new (json_decref), the object described at
 * the top of this file, keys in that order. key is the organisation's
 * 32-byte pseudonym key. Returns 0, or negative errno with err written. */
int mdt_case_scrub(const struct mdt_scrub_ctx *ctx, const struct mdt_case *c,
                   const uint8_t key[32], json_t **payload, struct mdt_buf *err);

/* One identifier found by the detector: byte offsets into the text. */
struct mdt_finding {
    enum mdt_kind kind;
    size_t start, end;
};

/* The gate: the detector alone (no client block), over one text. Returns
 * the number of findings (0: clean) and, when out is not NULL, *out is a
 * new array of them (free()). Text already scrubbed by mdt_case_scrub
 * must give 0 findings. */
size_t mdt_scrub_detect(const struct mdt_scrub_ctx *ctx, const char *text, size_t len,
                        struct mdt_finding **out);

/* Scrubs one free text with no client block (also used for action text):
 * new string, caller frees. */
char *mdt_scrub_text(const struct mdt_scrub_ctx *ctx, const char *text, size_t len);

#endif
