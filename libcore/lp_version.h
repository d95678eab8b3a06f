/* lp_version.h - the lungpipe version. */
#ifndef LP_VERSION_H
#define LP_VERSION_H
#define LP_VERSION "0.1.0"
#endif
