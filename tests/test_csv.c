/* test_csv.c - the CSV reader on good and malformed input. */
#include <string.h>

#include "lp_csv.h"
#include "lp_error.h"
#include "lp_test.h"

static lp_csv *mk(const char *s)
{
	return lp_csv_from_text(s, strlen(s), "t.csv");
}

static void test_basic(void)
{
	lp_csv *c = mk("\xEF\xBB\xBFseriesuid, coordX ,coordY\r\n"
	               "a,1.5,-2\r\n\r\n"
	               "  \"b,c\" , 3 ,\"4\"\n"
	               "\"q\"\"x\",\"multi\nline\",5\n");
	CHECK(c != NULL);
	if (!c)
		return;
	CHECK(lp_csv_ncols(c) == 3);
	CHECK(lp_csv_col(c, "seriesuid") == 0);
	CHECK(lp_csv_col(c, "COORDX") == 1);
	CHECK(lp_csv_col(c, "coordZ") == -1);
	double v = 0;
	CHECK(lp_csv_next(c) == 1);
	CHECK(strcmp(lp_csv_field(c, 0), "a") == 0);
	CHECK(lp_csv_double(c, 1, &v) == 0 && v == 1.5);
	CHECK(lp_csv_double(c, 2, &v) == 0 && v == -2);
	CHECK(lp_csv_line(c) == 2);
	CHECK(lp_csv_next(c) == 1);
	CHECK(strcmp(lp_csv_field(c, 0), "b,c") == 0);
	CHECK(lp_csv_double(c, 1, &v) == 0 && v == 3);
	CHECK(lp_csv_double(c, 2, &v) == 0 && v == 4);
	CHECK(lp_csv_line(c) == 4);
	CHECK(lp_csv_next(c) == 1);
	CHECK(strcmp(lp_csv_field(c, 0), "q\"x") == 0);
	CHECK(strcmp(lp_csv_field(c, 1), "multi\nline") == 0);
	CHECK(lp_csv_line(c) == 5);
	CHECK(strcmp(lp_csv_field(c, 7), "") == 0);
	CHECK(lp_csv_next(c) == 0);
	CHECK(lp_csv_next(c) == 0);
	lp_csv_close(c);
}

static void test_bad_numbers(void)
{
	lp_csv *c = mk("id,x\nr1,abc\nr2,\nr3,1e999\nr4,nan\nr5,12x\nr6,7\n");
	CHECK(c != NULL);
	if (!c)
		return;
	double v;
	int nbad = 0, ngood = 0;
	while (lp_csv_next(c) == 1) {
		if (lp_csv_double(c, 1, &v) == 0) {
			ngood++;
			CHECK(v == 7);
		} else {
			nbad++;
			CHECK(lp_errcode() == LP_EX_DATAERR);
			CHECK(strstr(lp_errmsg(), "t.csv:") == lp_errmsg());
			CHECK(strstr(lp_errmsg(), "column 'x'") != NULL);
		}
	}
	CHECK(nbad == 5);
	CHECK(ngood == 1);
	/* the message names the line */
	lp_csv_close(c);
	c = mk("id,x\n\nr1,zz\n");
	CHECK(lp_csv_next(c) == 1);
	CHECK(lp_csv_double(c, 1, &v) == -1);
	CHECK(strcmp(lp_errmsg(), "t.csv:3: column 'x': bad number 'zz'") ==
	      0);
	CHECK(lp_csv_double(c, 5, &v) == -1);
	lp_csv_close(c);
}

static void test_malformed_rows(void)
{
	/* wrong field counts and junk after a quote: reported, skipped */
	lp_csv *c = mk("a,b\n1,2\n1,2,3\n4\n\"x\"y,2\n5,6\n\"open,7\n8,9\n");
	CHECK(c != NULL);
	if (!c)
		return;
	CHECK(lp_csv_next(c) == 1);
	CHECK(strcmp(lp_csv_field(c, 0), "1") == 0);
	CHECK(lp_csv_next(c) == -1);
	CHECK(strstr(lp_errmsg(), "t.csv:3: 3 fields") != NULL);
	CHECK(lp_csv_next(c) == -1);
	CHECK(strstr(lp_errmsg(), "t.csv:4: 1 fields") != NULL);
	CHECK(lp_csv_next(c) == -1);
	CHECK(strstr(lp_errmsg(), "t.csv:5: text after a closing quote") !=
	      NULL);
	CHECK(lp_csv_next(c) == 1);
	CHECK(strcmp(lp_csv_field(c, 1), "6") == 0);
	CHECK(lp_csv_line(c) == 6);
	/* an unterminated quote swallows the rest of the file */
	CHECK(lp_csv_next(c) == -1);
	CHECK(strstr(lp_errmsg(), "t.csv:7: unterminated quoted field") !=
	      NULL);
	CHECK(lp_csv_next(c) == 0);
	lp_csv_close(c);

	/* NUL byte */
	static const char nul[] = "a,b\n1,x\0y\n2,3\n";
	c = lp_csv_from_text(nul, sizeof nul - 1, "t.csv");
	CHECK(c != NULL);
	CHECK(lp_csv_next(c) == -1);
	CHECK(strstr(lp_errmsg(), "NUL") != NULL);
	CHECK(lp_csv_next(c) == 1);
	CHECK(strcmp(lp_csv_field(c, 0), "2") == 0);
	lp_csv_close(c);

	/* empty file and blank-only file: no header */
	CHECK(mk("") == NULL);
	CHECK(lp_errcode() == LP_EX_DATAERR);
	CHECK(mk("\n  \r\n") == NULL);
	CHECK(strstr(lp_errmsg(), "no header") != NULL);
	/* malformed header */
	CHECK(mk("\"a,b\n1,2\n") == NULL);
	/* header only: no rows */
	c = mk("a,b");
	CHECK(c != NULL && lp_csv_next(c) == 0);
	lp_csv_close(c);
	/* missing file */
	CHECK(lp_csv_open("/nonexistent/x.csv") == NULL);
	CHECK(lp_errcode() == LP_EX_NOINPUT);
}

int main(void)
{
	test_basic();
	test_bad_numbers();
	test_malformed_rows();
	return lp_test_result("test_csv");
}
