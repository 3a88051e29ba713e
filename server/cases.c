#include "mdtd.h"
void mdt_h_cases_create(struct mdt_req *r) { mdt_reply_error(r, 404, "not_found", NULL, "no such route"); }
void mdt_h_cases_list(struct mdt_req *r) { mdt_reply_error(r, 404, "not_found", NULL, "no such route"); }
void mdt_h_cases_get(struct mdt_req *r) { mdt_reply_error(r, 404, "not_found", NULL, "no such route"); }
