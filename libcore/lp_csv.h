/* lp_csv.h - a small, strict CSV reader (RFC 4180 with a header row).
 *
 * Fields are separated by commas; a field may be quoted with double quotes
 * (then it may hold commas, newlines and "" for a quote).  Unquoted fields
 * are trimmed of surrounding blanks.  Lines end in LF, CRLF or CR.  A UTF-8
 * byte-order mark at the start is skipped, blank lines are skipped.  The
 * first non-blank row is the header; columns are looked up by name
 * (case-insensitive).  Every data row must have as many fields as the
 * header.  Errors name the file and the line: "annotations.csv:12: ...".
 */
#ifndef LP_CSV_H
#define LP_CSV_H

#include <stddef.h>

typedef struct lp_csv lp_csv;

/* Read a whole CSV file ("-" = stdin) and parse its header row.
 * NULL on error (LP_EX_NOINPUT, LP_EX_DATAERR for an empty file or a
 * malformed header, LP_EX_OSERR). */
lp_csv *lp_csv_open(const char *path);
/* The same on text in memory (copied); name is used in messages. */
lp_csv *lp_csv_from_text(const char *text, size_t len, const char *name);
void lp_csv_close(lp_csv *c);

int lp_csv_ncols(const lp_csv *c);
const char *lp_csv_colname(const lp_csv *c, int i);
/* Index of the first column named `name` (case-insensitive), or -1. */
int lp_csv_col(const lp_csv *c, const char *name);

/* Advance to the next data row.  Returns 1 when a row was read, 0 at the
 * end, -1 for a malformed row (bad quoting, NUL byte, wrong field count):
 * the error is set ("name:line: problem", LP_EX_DATAERR), the row is
 * skipped and the next call continues with the following row. */
int lp_csv_next(lp_csv *c);
/* Field `col` of the current row ("" if col is out of range). */
const char *lp_csv_field(const lp_csv *c, int col);
int lp_csv_nfields(const lp_csv *c);
/* Line number (1-based) where the current row starts. */
int lp_csv_line(const lp_csv *c);
const char *lp_csv_name(const lp_csv *c);

/* Field `col` as a finite number.  -1 with LP_EX_DATAERR
 * "name:line: column 'coordX': bad number 'abc'" otherwise (also for an
 * empty field or a missing column). */
int lp_csv_double(const lp_csv *c, int col, double *out);

#endif
