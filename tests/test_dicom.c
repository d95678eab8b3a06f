/* test_dicom.c - lp_dicom_scan and lp_dicom_read through the C interface
 * on synthetic series written by tests/dicom_oracle.py (pydicom): series
 * listing, geometry of an oblique series (origin = first slice's IPP along
 * the normal, direction = row, column, normal; spacing x/y from
 * PixelSpacing[1]/[0]), sort by position, and error codes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp_dicom.h"
#include "lp_test.h"

static char tmp[512];

static int make(const char *sub, const char *args)
{
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/tests/dicom_oracle.py "
	         "make %s/%s %s", getenv("LP_SRC") ? getenv("LP_SRC") : ".",
	         tmp, sub, args);
	return system(cmd);
}

static void path(char *out, size_t n, const char *sub)
{
	snprintf(out, n, "%s/%s", tmp, sub);
}

int main(void)
{
	if (system("/usr/bin/python3 -c 'import pydicom' 2>/dev/null") != 0) {
		fprintf(stderr, "pydicom missing: skip\n");
		return 77;
	}
	snprintf(tmp, sizeof tmp, "%s", getenv("LP_TMP") ? getenv("LP_TMP")
	                                                  : "/tmp");
	CHECK(make("two/a", "n=5 uid=1.2.3.1 oblique=1 shuffle=1 dz=1.5") == 0);
	CHECK(make("two/b", "n=3 uid=1.2.3.2 modality=MR rows=8") == 0);
	char d[600];
	path(d, sizeof d, "two");
	lp_dicom_series_info *s = NULL;
	int n = 0;
	CHECK(lp_is_dir(d) && !lp_is_dir("/etc/passwd"));
	CHECK(lp_dicom_scan(d, &s, &n) == 0);
	CHECK(n == 2);
	if (n == 2) {
		CHECK(!strcmp(s[0].uid, "1.2.3.1") && s[0].nfiles == 5);
		CHECK(!strcmp(s[0].modality, "CT"));
		CHECK(s[0].rows == 12 && s[0].cols == 16);
		CHECK(!strcmp(s[1].modality, "MR") && s[1].rows == 8);
	}
	free(s);

	lp_frame f;
	CHECK(lp_dicom_read(d, NULL, &f) == 0);
	CHECK(f.dim[0] == 16 && f.dim[1] == 12 && f.dim[2] == 5);
	double c = cos(0.3), sn = sin(0.3);
	/* row (c, s, 0), column (0, 0, -1), normal row x column = (-s, c, 0) */
	double want[9] = {c, sn, 0, 0, 0, -1, -sn, c, 0};
	for (int k = 0; k < 9; k++)
		CHECK_NEAR(f.dir[k], want[k], 1e-7);
	CHECK_NEAR(f.origin[0], -10, 1e-6);
	CHECK_NEAR(f.origin[1], -20, 1e-6);
	CHECK_NEAR(f.origin[2], 30, 1e-6);
	CHECK_NEAR(f.spacing[0], 0.8, 1e-9);
	CHECK_NEAR(f.spacing[1], 0.75, 1e-9);
	CHECK_NEAR(f.spacing[2], 1.5, 1e-6);
	/* slice k holds (7x + 13y + 101k) % 2000 - 100 - 1024 */
	const int16_t *v = f.ch[0].data;
	int sorted = 1;
	for (int k = 0; k < 5; k++)
		sorted &= v[k * 16 * 12 + 1] == (7 + 101 * k) % 2000 - 1124;
	CHECK(sorted);
	CHECK(lp_meta_get(&f, "warnings") &&
	      strstr(lp_meta_get(&f, "warnings"), "2 series"));
	CHECK(!strcmp(f.ch[0].units, "HU") && f.ch[0].dtype == LP_I16);
	lp_frame_free(&f);

	CHECK(lp_dicom_read(d, "1.2.3.2", &f) == -1);
	CHECK(lp_errcode() == LP_EX_UNSUPPORTED);
	CHECK(f.nch == 0);
	CHECK(lp_dicom_read(d, "7.7.7", &f) == -1);
	CHECK(lp_errcode() == LP_EX_NOINPUT);
	path(d, sizeof d, "nothing-here");
	CHECK(lp_dicom_scan(d, &s, &n) == -1 && s == NULL && n == 0);
	CHECK(lp_errcode() == LP_EX_NOINPUT);
	return lp_test_result("test_dicom");
}
