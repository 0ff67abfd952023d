/* build_info.h: facts fixed when the binary was built (generated source). */
#ifndef EDGESCOUT_BUILD_INFO_H
#define EDGESCOUT_BUILD_INFO_H

extern const char build_version[];
extern const char build_commit[];
extern const char build_time[];
extern const char build_schema_version[];  /* highest migration, "001" */
extern const char build_libfcgi_version[]; /* libfcgi it was built against */

#endif
