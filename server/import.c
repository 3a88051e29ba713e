#include "mdtd.h"
void mdt_h_import_people(struct mdt_req *r) { mdt_reply_error(r, 404, "not_found", NULL, "no such route"); }
void mdt_h_import_orgs(struct mdt_req *r) { mdt_reply_error(r, 404, "not_found", NULL, "no such route"); }
