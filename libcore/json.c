/* json.c - writing JSON values. */
#include <math.h>
#include <stdlib.h>

#include "lp_json.h"

/* Length of the valid UTF-8 sequence at p, or 0. */
static int utf8_len(const unsigned char *p)
{
	int n = p[0] >= 0xf5 ? 0 : p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3
	        : p[0] >= 0xc2 ? 2 : 0;
	for (int i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

void lp_json_str(FILE *fp, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	fputc('"', fp);
	while (*p) {
		int n;
		if (*p == '"' || *p == '\\') {
			fprintf(fp, "\\%c", *p++);
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(fp, "\\u%04x", *p++);
		} else if (*p < 0x80) {
			fputc(*p++, fp);
		} else if ((n = utf8_len(p))) {
			fwrite(p, 1, (size_t)n, fp);
			p += n;
		} else {
			fputs("\\ufffd", fp);
			p++;
		}
	}
	fputc('"', fp);
}

void lp_json_num(FILE *fp, double v)
{
	char b[40];
	if (!isfinite(v)) {
		fputs("null", fp);
		return;
	}
	v += 0.0; /* no "-0" */
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(b, sizeof b, "%.*g", prec, v);
		if (strtod(b, NULL) == v)
			break;
	}
	fputs(b, fp);
}

void lp_json_key(FILE *fp, const char *k)
{
	lp_json_str(fp, k);
	fputc(':', fp);
}

void lp_json_nums(FILE *fp, const double *v, int n)
{
	fputc('[', fp);
	for (int i = 0; i < n; i++) {
		if (i)
			fputc(',', fp);
		lp_json_num(fp, v[i]);
	}
	fputc(']', fp);
}
