/* lp_tool.h - the command-line framework every tool uses.
 *
 * A tool declares its options once, in an lp_tool table; -h/--help prints
 * usage generated from it, --man prints the man page (troff) generated from
 * it, --version the version.  Numeric options are range-checked.  Bad usage
 * exits LP_EX_USAGE (64).
 */
#ifndef LP_TOOL_H
#define LP_TOOL_H

#include "lp_error.h"

#include "lp_version.h"

typedef enum {
	LP_OPT_FLAG,   /* int *dest set to 1 */
	LP_OPT_INT,    /* long *dest, range [min,max] */
	LP_OPT_DOUBLE, /* double *dest, range [min,max], finite */
	LP_OPT_STRING, /* const char **dest */
	LP_OPT_DOUBLES,/* double *dest[n]: "a,b,c" with exactly n (nvals) values
	                  or 1 value repeated; range [min,max] */
	LP_OPT_CHOICE  /* const char **dest, must be one of choices "a|b|c" */
} lp_opt_type;

typedef struct {
	char shortname;       /* 0 if none */
	const char *longname; /* without "--" */
	lp_opt_type type;
	const char *argname;  /* e.g. "MM"; NULL for flags */
	void *dest;
	double min, max;      /* for numeric types */
	int nvals;            /* for LP_OPT_DOUBLES */
	const char *choices;  /* for LP_OPT_CHOICE */
	const char *help;     /* one or more sentences; the default in words */
} lp_opt;

typedef struct {
	const char *name;        /* "ct-info" */
	const char *summary;     /* one line, for NAME */
	const char *synopsis;    /* argument part, e.g. "[options] [INPUT...]" */
	const char *description; /* paragraphs separated by blank lines */
	const lp_opt *opts;      /* terminated by an entry with longname NULL */
	const char *examples;    /* optional, lines of shell */
	const char *see_also;    /* optional, "ct-info(1), lungpipe-stream(5)" */
	int min_args, max_args;  /* positional arguments; max -1 = unlimited */
} lp_tool;

/* Parse argv.  Handles -h/--help (usage to stdout, exit 0), --man (exit 0),
 * --version (exit 0).  On bad usage prints "name: message" and a hint to
 * stderr and exits 64.  Returns the index of the first positional argument;
 * positional arguments are left in argv[ret..argc-1].  Options and
 * positionals may be mixed; "--" ends options; "-" is a positional. */
int lp_parse_args(const lp_tool *t, int argc, char **argv);

/* Print "name: message" with the current lp_errmsg() and exit with
 * lp_errcode() (or LP_EX_FAIL if none was set). */
_Noreturn void lp_die_err(void);
/* Print "name: formatted message" and exit with code. */
_Noreturn void lp_die(int code, const char *fmt, ...) LP_PRINTF(2, 3);
void lp_warn(const char *fmt, ...) LP_PRINTF(1, 2);
/* Name of the running tool (set by lp_parse_args). */
const char *lp_progname(void);
/* Saved argv for provenance (set by lp_parse_args). */
int lp_saved_argc(void);
char **lp_saved_argv(void);
/* Flush and close stdout, checking for errors; dies with 74 on failure.
 * Call before exit in every tool that writes to stdout. */
void lp_close_stdout(void);
/* Monotonic wall-clock seconds, for progress and timing on stderr. */
double lp_now(void);
/* Verbose/quiet progress to stderr: level set by tools' -v/-q. */
extern int lp_verbose;

#endif
