/* tool.c - declared options -> parsing, usage (-h) and man page (--man). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lp_tool.h"

int lp_verbose = 0;
static const char *progname = "lungpipe";
static int saved_argc;
static char **saved_argv;

const char *lp_progname(void) { return progname; }

double lp_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}
int lp_saved_argc(void) { return saved_argc; }
char **lp_saved_argv(void) { return saved_argv; }

_Noreturn void lp_die(int code, const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

_Noreturn void lp_die_err(void)
{
	lp_die(lp_errcode(), "%s", lp_errmsg());
}

void lp_warn(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: warning: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void lp_close_stdout(void)
{
	int bad = fflush(stdout) != 0 || ferror(stdout);
	if (fclose(stdout) != 0)
		bad = 1;
	if (bad) {
		fprintf(stderr, "%s: write error on standard output: %s\n",
		        progname, strerror(errno));
		exit(LP_EX_IOERR);
	}
}

static const lp_opt builtin[] = {
	{'h', "help", LP_OPT_FLAG, NULL, NULL, 0, 0, 0, NULL,
	 "Print this help to standard output and exit."},
	{0, "man", LP_OPT_FLAG, NULL, NULL, 0, 0, 0, NULL,
	 "Print the man page (troff) to standard output and exit."},
	{0, "version", LP_OPT_FLAG, NULL, NULL, 0, 0, 0, NULL,
	 "Print the version and exit."},
	{0, NULL, LP_OPT_FLAG, NULL, NULL, 0, 0, 0, NULL, NULL},
};

static const struct {
	int code;
	const char *name, *text;
} exits[] = {
	{LP_EX_OK, "OK", "success"},
	{LP_EX_FAIL, "FAIL", "failure not covered below (e.g. a comparison "
	                     "found differences)"},
	{LP_EX_USAGE, "USAGE", "bad command-line usage, or a binary stream "
	                       "would be written to or read from a terminal"},
	{LP_EX_DATAERR, "DATAERR", "malformed input: bad magic, CRC mismatch, "
	                           "truncated, absurd header values"},
	{LP_EX_NOINPUT, "NOINPUT", "an input file or folder is missing or "
	                           "cannot be opened"},
	{LP_EX_UNSUPPORTED, "UNSUPPORTED", "valid input that lungpipe does not "
	                                   "support (e.g. newer stream major "
	                                   "version, MR series)"},
	{LP_EX_SOFTWARE, "SOFTWARE", "internal error"},
	{LP_EX_OSERR, "OSERR", "out of memory or another system error"},
	{LP_EX_CANTCREAT, "CANTCREAT", "an output file cannot be created"},
	{LP_EX_IOERR, "IOERR", "read or write error (disk full, closed pipe)"},
};

/* ---- usage ---- */

static void opt_label(const lp_opt *o, char *buf, size_t n)
{
	char sh[8] = "    ";
	if (o->shortname)
		snprintf(sh, sizeof sh, "-%c, ", o->shortname);
	snprintf(buf, n, "%s--%s%s%s", sh, o->longname, o->argname ? " " : "",
	         o->argname ? o->argname : "");
}

static void print_wrapped(FILE *fp, const char *text, int indent, int width)
{
	int col = indent;
	const char *p = text;
	while (*p) {
		while (*p == ' ')
			p++;
		if (*p == '\n') { /* explicit line break */
			fprintf(fp, "\n%*s", indent, "");
			col = indent;
			p++;
			continue;
		}
		size_t w = strcspn(p, " \n");
		if (!w)
			break;
		if (col > indent && col + 1 + (int)w > width) {
			fprintf(fp, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', fp);
			col++;
		}
		fwrite(p, 1, w, fp);
		col += (int)w;
		p += w;
	}
	fputc('\n', fp);
}

static void print_opts(FILE *fp, const lp_opt *opts)
{
	for (const lp_opt *o = opts; o && o->longname; o++) {
		char lab[128];
		opt_label(o, lab, sizeof lab);
		fprintf(fp, "  %-24s", lab);
		if (strlen(lab) > 24)
			fprintf(fp, "\n%*s", 26, "");
		print_wrapped(fp, o->help, 26, 79);
	}
}

static void usage(const lp_tool *t, FILE *fp, int full)
{
	fprintf(fp, "usage: %s %s\n", t->name, t->synopsis);
	if (!full) {
		fprintf(fp, "Try '%s -h' for more information.\n", t->name);
		return;
	}
	fprintf(fp, "%s\n\n", t->summary);
	const char *d = t->description;
	while (d && *d) {
		size_t n = strcspn(d, "\n");
		fprintf(fp, "%.*s\n", (int)n, d);
		d += n + (d[n] == '\n');
	}
	fprintf(fp, "\nOptions:\n");
	print_opts(fp, t->opts);
	print_opts(fp, builtin);
	if (t->examples) {
		fprintf(fp, "\nExamples:\n");
		const char *e = t->examples;
		while (*e) {
			size_t n = strcspn(e, "\n");
			fprintf(fp, "  %.*s\n", (int)n, e);
			e += n + (e[n] == '\n');
		}
	}
	fprintf(fp, "\nExit status: 0 on success; 64 bad usage; 65 malformed "
	            "input; 66 missing input;\n69 unsupported input; 73 cannot "
	            "create output; 74 I/O error (see lungpipe(7)).\n");
}

/* ---- man page ---- */

static void troff_text(FILE *fp, const char *s, size_t n)
{
	int bol = 1;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (bol && (c == '.' || c == '\''))
			fputs("\\&", fp);
		if (c == '\\')
			fputs("\\e", fp);
		else if (c == '-')
			fputs("\\-", fp);
		else
			fputc(c, fp);
		bol = c == '\n';
	}
}

static void troff_str(FILE *fp, const char *s)
{
	troff_text(fp, s, strlen(s));
}

static void man_paragraphs(FILE *fp, const char *d)
{
	while (d && *d) {
		const char *end = strstr(d, "\n\n");
		size_t n = end ? (size_t)(end - d) : strlen(d);
		int literal = d[0] == ' ';
		fputs(literal ? ".PP\n.nf\n" : ".PP\n", fp);
		troff_text(fp, d, n);
		fputs(literal ? "\n.fi\n" : "\n", fp);
		d += n;
		while (*d == '\n')
			d++;
	}
}

static void man_opts(FILE *fp, const lp_opt *opts)
{
	for (const lp_opt *o = opts; o && o->longname; o++) {
		fputs(".TP\n", fp);
		if (o->shortname)
			fprintf(fp, "\\fB\\-%c\\fR, ", o->shortname);
		fputs("\\fB\\-\\-", fp);
		troff_str(fp, o->longname);
		fputs("\\fR", fp);
		if (o->argname) {
			fputs(" \\fI", fp);
			troff_str(fp, o->argname);
			fputs("\\fR", fp);
		}
		fputs("\n", fp);
		troff_str(fp, o->help);
		fputs("\n", fp);
	}
}

static void man_page(const lp_tool *t, FILE *fp)
{
	char up[64];
	size_t i;
	for (i = 0; t->name[i] && i < sizeof up - 1; i++)
		up[i] = (char)(t->name[i] >= 'a' && t->name[i] <= 'z'
		                   ? t->name[i] - 32 : t->name[i]);
	up[i] = 0;
	fprintf(fp, ".\\\" Generated by '%s --man' from the tool's option "
	            "declarations; do not edit.\n", t->name);
	fprintf(fp, ".TH %s 1 \"\" \"lungpipe %s\" \"lungpipe manual\"\n",
	        up, LP_VERSION);
	fputs(".SH NAME\n", fp);
	troff_str(fp, t->name);
	fputs(" \\- ", fp);
	troff_str(fp, t->summary);
	fputs("\n.SH SYNOPSIS\n.B ", fp);
	troff_str(fp, t->name);
	fputs("\n", fp);
	troff_str(fp, t->synopsis);
	fputs("\n.SH DESCRIPTION\n", fp);
	man_paragraphs(fp, t->description);
	fputs(".SH OPTIONS\n", fp);
	man_opts(fp, t->opts);
	man_opts(fp, builtin);
	fputs(".SH EXIT STATUS\n", fp);
	for (size_t k = 0; k < sizeof exits / sizeof exits[0]; k++) {
		fprintf(fp, ".TP\n.B %d\n", exits[k].code);
		fprintf(fp, "%s: ", exits[k].name);
		troff_str(fp, exits[k].text);
		fputs("\n", fp);
	}
	if (t->examples) {
		fputs(".SH EXAMPLES\n.nf\n", fp);
		troff_str(fp, t->examples);
		fputs("\n.fi\n", fp);
	}
	fputs(".SH SEE ALSO\n", fp);
	troff_str(fp, t->see_also ? t->see_also
	                          : "lungpipe(7), lungpipe-stream(5)");
	fputs("\n", fp);
}

/* ---- parsing ---- */

_Noreturn static void bad_usage(const lp_tool *t, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", t->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage(t, stderr, 0);
	exit(LP_EX_USAGE);
}

static double parse_num(const lp_tool *t, const lp_opt *o, const char *s,
                        int integer)
{
	char *end;
	errno = 0;
	double v = integer ? (double)strtoll(s, &end, 10) : strtod(s, &end);
	if (end == s || *end || errno || !isfinite(v))
		bad_usage(t, "--%s: '%s' is not a%s number", o->longname, s,
		          integer ? "n integer" : "");
	if (v < o->min || v > o->max)
		bad_usage(t, "--%s: %s is out of range [%g, %g]", o->longname, s,
		          o->min, o->max);
	return v;
}

static void parse_doubles(const lp_tool *t, const lp_opt *o, const char *s)
{
	double *d = o->dest;
	int n = 0;
	char *copy = strdup(s), *save = NULL;
	if (!copy)
		lp_die(LP_EX_OSERR, "out of memory");
	for (char *tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (n >= o->nvals)
			bad_usage(t, "--%s: more than %d values in '%s'",
			          o->longname, o->nvals, s);
		d[n++] = parse_num(t, o, tok, 0);
	}
	free(copy);
	if (n == 1)
		for (int i = 1; i < o->nvals; i++)
			d[i] = d[0];
	else if (n != o->nvals)
		bad_usage(t, "--%s: expected 1 or %d comma-separated values, "
		          "got '%s'", o->longname, o->nvals, s);
}

static void set_opt(const lp_tool *t, const lp_opt *o, const char *arg)
{
	switch (o->type) {
	case LP_OPT_FLAG: *(int *)o->dest = 1; break;
	case LP_OPT_INT: *(long *)o->dest = (long)parse_num(t, o, arg, 1); break;
	case LP_OPT_DOUBLE: *(double *)o->dest = parse_num(t, o, arg, 0); break;
	case LP_OPT_STRING: *(const char **)o->dest = arg; break;
	case LP_OPT_DOUBLES: parse_doubles(t, o, arg); break;
	case LP_OPT_CHOICE: {
		const char *c = o->choices;
		size_t n = strlen(arg);
		while (c && *c) {
			size_t w = strcspn(c, "|");
			if (w == n && !strncmp(c, arg, n)) {
				*(const char **)o->dest = arg;
				return;
			}
			c += w + (c[w] == '|');
		}
		bad_usage(t, "--%s: '%s' is not one of %s", o->longname, arg,
		          o->choices);
	}
	}
}

static void builtin_opt(const lp_tool *t, const char *name)
{
	if (!strcmp(name, "help"))
		usage(t, stdout, 1);
	else if (!strcmp(name, "man"))
		man_page(t, stdout);
	else
		printf("%s (lungpipe) %s\n", t->name, LP_VERSION);
	lp_close_stdout();
	exit(0);
}

static const lp_opt *find_long(const lp_tool *t, const char *name, size_t n)
{
	for (const lp_opt *o = t->opts; o && o->longname; o++)
		if (strlen(o->longname) == n && !strncmp(o->longname, name, n))
			return o;
	return NULL;
}

static const lp_opt *find_short(const lp_tool *t, char c)
{
	for (const lp_opt *o = t->opts; o && o->longname; o++)
		if (o->shortname == c)
			return o;
	return NULL;
}

/* Handles argv[*i]; may consume the next argument. */
static void parse_one(const lp_tool *t, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	const lp_opt *o;
	const char *val = NULL;
	if (a[1] == '-') {
		const char *name = a + 2, *eq = strchr(name, '=');
		size_t n = eq ? (size_t)(eq - name) : strlen(name);
		for (const lp_opt *b = builtin; b->longname; b++)
			if (strlen(b->longname) == n && !strncmp(b->longname, name, n))
				builtin_opt(t, b->longname);
		if (!(o = find_long(t, name, n)))
			bad_usage(t, "unknown option '%s'", a);
		if (eq && o->type == LP_OPT_FLAG)
			bad_usage(t, "--%s takes no value", o->longname);
		val = eq ? eq + 1 : NULL;
	} else {
		if (a[1] == 'h' && !find_short(t, 'h'))
			builtin_opt(t, "help");
		if (!(o = find_short(t, a[1])))
			bad_usage(t, "unknown option '-%c'", a[1]);
		if (o->type == LP_OPT_FLAG) {
			for (const char *p = a + 1; *p; p++) { /* -qv */
				const lp_opt *f = find_short(t, *p);
				if (!f || f->type != LP_OPT_FLAG)
					bad_usage(t, "unknown option '-%c'", *p);
				set_opt(t, f, NULL);
			}
			return;
		}
		val = a[2] ? a + 2 : NULL;
	}
	if (o->type != LP_OPT_FLAG && !val) {
		if (*i + 1 >= argc)
			bad_usage(t, "option '%s' needs a value (%s)", a,
			          o->argname ? o->argname : "value");
		val = argv[++*i];
	}
	set_opt(t, o, val);
}

int lp_parse_args(const lp_tool *t, int argc, char **argv)
{
	static char **orig, **pos;
	progname = t->name;
	/* provenance keeps the command line as typed */
	orig = malloc(sizeof *orig * (size_t)(argc + 1));
	pos = malloc(sizeof *pos * (size_t)(argc + 1));
	if (!orig || !pos)
		lp_die(LP_EX_OSERR, "out of memory");
	memcpy(orig, argv, sizeof *orig * (size_t)(argc + 1));
	saved_argc = argc;
	saved_argv = orig;
	int npos = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			for (i++; i < argc; i++)
				pos[npos++] = argv[i];
			break;
		}
		if (a[0] == '-' && a[1])
			parse_one(t, argc, argv, &i);
		else
			pos[npos++] = argv[i];
	}
	if (npos < t->min_args)
		bad_usage(t, "missing argument%s", t->min_args - npos > 1 ? "s" : "");
	if (t->max_args >= 0 && npos > t->max_args)
		bad_usage(t, "too many arguments ('%s')", pos[t->max_args]);
	/* positionals move to the end of argv, in order */
	int first = argc - npos;
	memcpy(argv + first, pos, sizeof *pos * (size_t)npos);
	return first;
}
