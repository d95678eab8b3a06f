/* lp_json.h - writing JSON values (ct-info --json, seg-metrics --json). */
#ifndef LP_JSON_H
#define LP_JSON_H

#include <stdio.h>

/* A string, escaped; invalid UTF-8 bytes become U+FFFD; NULL is "". */
void lp_json_str(FILE *fp, const char *s);
/* A number in the shortest form that reads back exactly; NaN and
 * infinities become null. */
void lp_json_num(FILE *fp, double v);
/* "key": */
void lp_json_key(FILE *fp, const char *k);
/* [v0,v1,...] */
void lp_json_nums(FILE *fp, const double *v, int n);

#endif
