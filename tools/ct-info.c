/* ct-info - print what a MetaImage file, a DICOM folder or a lungpipe
 * stream holds: geometry, channels, value statistics, metadata, provenance.
 * Human output is aligned "key: value" lines; --json prints one JSON object
 * per input, each on one line. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lp_dicom.h"
#include "lp_mhd_ext.h"
#include "lp_source.h"
#include "lp_stats.h"
#include "lp_json.h"
#include "lp_tool.h"

static int json, nostats, quiet;
static const char *series;

static const lp_opt opts[] = {
	{0, "json", LP_OPT_FLAG, NULL, &json, 0, 0, 0, NULL,
	 "Print one JSON object per input, each on one line (JSON Lines), "
	 "instead of the text report."},
	{0, "no-stats", LP_OPT_FLAG, NULL, &nostats, 0, 0, 0, NULL,
	 "Do not scan the values (no range, mean, std); faster on big inputs."},
	{'q', "quiet", LP_OPT_FLAG, NULL, &quiet, 0, 0, 0, NULL,
	 "Text report: one line per frame instead of the full report."},
	{0, "series", LP_OPT_STRING, "UID", &series, 0, 0, 0, NULL,
	 "For DICOM folders: report the series with this SeriesInstanceUID "
	 "(default: the CT series with the most slices)."},
	{0, NULL, LP_OPT_FLAG, NULL, NULL, 0, 0, 0, NULL, NULL},
};

static const lp_tool tool = {
	"ct-info", "print what a CT volume, DICOM folder or lungpipe stream holds",
	"[--json] [--no-stats] [-q] [--series UID] [INPUT...]",
	"For each INPUT (a .mhd/.mha MetaImage file, a DICOM folder, a "
	"lungpipe stream file, or '-' for a stream on standard input; without "
	"INPUT standard input is read) prints the frames it holds: "
	"dimensions, voxel spacing (mm), origin (mm, LPS), direction cosines "
	"(one triple per voxel axis), each channel with its dtype, units and "
	"HU window, the minimum, maximum, mean and standard deviation of its "
	"values (over finite values; NaNs are counted), the metadata, and for "
	"streams the provenance: the command lines that made it. Nothing is "
	"passed on: standard output gets the report only.\n\n"
	"For a folder, ct-info lists the .mhd/.mha files in it and every "
	"DICOM series found under it, then reports the series it would read "
	"(see --series).\n\n"
	"With --json each input gives one JSON object on its own line: "
	"{\"input\", \"kind\" (file or folder), \"format\" (stream, mhd or "
	"dicom), \"provenance\" "
	"(array of lines), \"frames\" (array of {\"index\", \"dims\", "
	"\"spacing\", \"origin\", \"direction\", \"channels\" [{\"name\", "
	"\"dtype\", \"units\", \"window\", \"min\", \"max\", \"mean\", \"std\", "
	"\"nonzero\", \"nan\"}], \"meta\" {}}), \"mhd_files\", \"series\", and "
	"\"error\" {\"code\", \"message\"} when the input failed}. Numbers that "
	"are not finite are written as null.\n\n"
	"MetaImage input (the reader every lungpipe tool uses): .mhd with "
	".raw or .zraw data, or .mha; element types MET_UCHAR, MET_CHAR, "
	"MET_USHORT, MET_SHORT, MET_UINT, MET_INT, MET_FLOAT, MET_DOUBLE, "
	"either byte order; NDims 2 or 3; one channel per element. "
	"TransformMatrix triple a is the direction of voxel axis a, as ITK "
	"reads it. The data file must hold exactly the bytes DimSize and "
	"ElementType give (after HeaderSize): a shorter or a longer file is "
	"an error (exit 65), unless HeaderSize = -1 says the data are the "
	"file's last bytes. ElementDataFile = LIST and file-name patterns are "
	"not supported (exit 69). MET_SHORT and MET_INT data get units HU.\n\n"
	"An input that fails is reported (message on standard error, naming "
	"the file) and the others are still processed; the exit status is "
	"then that of the first failure.",
	opts,
	"ct-info scan.mhd\n"
	"ct-info --json samples/*.mhd | python3 -m json.tool --json-lines\n"
	"ct-phantom -o - | ct-info -\n"
	"ct-info ../shared/data/lidc/LIDC-IDRI-0001",
	"ct-cat(1), ct-phantom(1), lungpipe-stream(5), lungpipe(7)",
	0, -1,
};

/* ---- one frame ---- */

static void json_channel(const lp_frame *f, const lp_channel *c)
{
	printf("{");
	lp_json_key(stdout, "name"), lp_json_str(stdout, c->name);
	printf(","), lp_json_key(stdout, "dtype"), lp_json_str(stdout, lp_dtype_name(c->dtype));
	printf(","), lp_json_key(stdout, "units"), lp_json_str(stdout, c->units);
	if (!strcmp(c->units, LP_UNITS_WINDOW)) {
		double w[2] = {c->wmin, c->wmax};
		printf(","), lp_json_key(stdout, "window"), lp_json_nums(stdout, w, 2);
	}
	lp_stats s;
	if (!nostats && lp_channel_stats(f, c, &s) == 0) {
		printf(","), lp_json_key(stdout, "min"), lp_json_num(stdout, s.min);
		printf(","), lp_json_key(stdout, "max"), lp_json_num(stdout, s.max);
		printf(","), lp_json_key(stdout, "mean"), lp_json_num(stdout, s.mean);
		printf(","), lp_json_key(stdout, "std"), lp_json_num(stdout, s.std);
		printf(",\"nonzero\":%lld,\"nan\":%lld", (long long)s.nonzero,
		       (long long)s.nnan);
	}
	printf("}");
}

static void json_frame(const lp_frame *f, long idx)
{
	double d[3] = {(double)f->dim[0], (double)f->dim[1], (double)f->dim[2]};
	printf("%s{\"index\":%ld,", idx ? "," : "", idx);
	lp_json_key(stdout, "dims"), lp_json_nums(stdout, d, 3);
	printf(","), lp_json_key(stdout, "spacing"), lp_json_nums(stdout, f->spacing, 3);
	printf(","), lp_json_key(stdout, "origin"), lp_json_nums(stdout, f->origin, 3);
	printf(","), lp_json_key(stdout, "direction"), lp_json_nums(stdout, f->dir, 9);
	printf(","), lp_json_key(stdout, "channels"), putchar('[');
	for (int i = 0; i < f->nch; i++) {
		if (i)
			putchar(',');
		json_channel(f, &f->ch[i]);
	}
	printf("],"), lp_json_key(stdout, "meta"), putchar('{');
	for (int i = 0; i < f->nmeta; i++) {
		if (i)
			putchar(',');
		lp_json_key(stdout, f->meta[i].key), lp_json_str(stdout, f->meta[i].value);
	}
	printf("}}");
}

#define KEY "%-13s "

static void text_channel(const lp_frame *f, const lp_channel *c)
{
	char label[LP_NAME_MAX + 16];
	snprintf(label, sizeof label, "  channel %s:", c->name);
	printf("%-15s %s", label, lp_dtype_name(c->dtype));
	if (c->units[0])
		printf(", %s", c->units);
	if (!strcmp(c->units, LP_UNITS_WINDOW))
		printf(" [%g, %g]", c->wmin, c->wmax);
	lp_stats s;
	if (!nostats && lp_channel_stats(f, c, &s) == 0) {
		printf(", range [%g, %g], mean %.6g, std %.6g", s.min, s.max,
		       s.mean, s.std);
		if (c->dtype == LP_U8 || !strcmp(c->units, LP_UNITS_MASK))
			printf(", nonzero %lld", (long long)s.nonzero);
		if (s.nnan)
			printf(", NaN %lld", (long long)s.nnan);
	}
	putchar('\n');
}

/* Metadata text on one line: control characters escaped C-style. */
static void text_value(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p == '\n')
			fputs("\\n", stdout);
		else if (*p == '\t')
			fputs("\\t", stdout);
		else if (*p == '\\')
			fputs("\\\\", stdout);
		else if (*p < 0x20 || *p == 0x7f)
			printf("\\x%02x", *p);
		else
			putchar(*p);
	}
}

static void text_frame(const lp_frame *f, long idx)
{
	const double *s = f->spacing, *d = f->dir;
	double o[3] = {f->origin[0] + 0.0, f->origin[1] + 0.0,
	               f->origin[2] + 0.0}; /* no "-0" */
	printf("frame %ld:\n", idx);
	printf("  " "%-13s %lld x %lld x %lld (%lld voxels)\n", "dims:",
	       (long long)f->dim[0], (long long)f->dim[1],
	       (long long)f->dim[2], (long long)lp_frame_nvox(f));
	printf("  " "%-13s %g %g %g mm\n", "spacing:", s[0], s[1], s[2]);
	printf("  " "%-13s %g %g %g mm\n", "origin:", o[0], o[1], o[2]);
	printf("  " "%-13s %g %g %g, %g %g %g, %g %g %g\n", "direction:", d[0],
	       d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8]);
	printf("  " "%-13s %g x %g x %g mm\n", "extent:",
	       s[0] * (double)f->dim[0], s[1] * (double)f->dim[1],
	       s[2] * (double)f->dim[2]);
	for (int i = 0; i < f->nch; i++)
		text_channel(f, &f->ch[i]);
	for (int i = 0; i < f->nmeta; i++) {
		printf("  " "%-13s %s = ", i ? "" : "meta:", f->meta[i].key);
		text_value(f->meta[i].value);
		putchar('\n');
	}
}

static void brief_frame(const lp_frame *f, long idx)
{
	printf("frame %ld: %lldx%lldx%lld, spacing %g %g %g", idx,
	       (long long)f->dim[0], (long long)f->dim[1], (long long)f->dim[2],
	       f->spacing[0], f->spacing[1], f->spacing[2]);
	for (int i = 0; i < f->nch; i++) {
		const lp_channel *c = &f->ch[i];
		lp_stats st;
		printf(", %s:%s", c->name, lp_dtype_name(c->dtype));
		if (!nostats && lp_channel_stats(f, c, &st) == 0)
			printf("[%g..%g]", st.min, st.max);
	}
	const char *nod = lp_meta_get(f, LP_META_NODULE);
	if (nod)
		printf(", nodule %s", nod);
	putchar('\n');
}

static void show_frame(const lp_frame *f, long idx)
{
	if (json)
		json_frame(f, idx);
	else if (quiet)
		brief_frame(f, idx);
	else
		text_frame(f, idx);
}

/* ---- provenance, folders ---- */

static void show_provenance(const char *prov)
{
	if (!prov || !*prov)
		return;
	if (json) {
		printf(","), lp_json_key(stdout, "provenance"), putchar('[');
	}
	int first = 1;
	for (const char *p = prov; *p;) {
		size_t n = strcspn(p, "\n");
		if (n && json) {
			char *line = strndup(p, n);
			if (!first)
				putchar(',');
			lp_json_str(stdout, line);
			free(line);
		} else if (n) {
			printf(KEY "%.*s\n", first ? "provenance:" : "", (int)n, p);
		}
		first = first && !n;
		p += n + (p[n] == '\n');
	}
	if (json)
		putchar(']');
}

static int mhd_filter(const struct dirent *e)
{
	return lp_mhd_has_ext(e->d_name);
}

/* List the .mhd/.mha files directly in dir; returns how many. */
static int list_mhd(const char *dir)
{
	struct dirent **ents = NULL;
	int n = scandir(dir, &ents, mhd_filter, alphasort);
	if (n > 0 && json)
		printf(","), lp_json_key(stdout, "mhd_files"), putchar('[');
	for (int i = 0; i < n; i++) {
		char path[LP_MHD_PATH_MAX];
		lp_mhd_info in;
		snprintf(path, sizeof path, "%s/%s", dir, ents[i]->d_name);
		int ok = lp_mhd_read_info(path, &in) == 0;
		if (json) {
			printf("%s{", i ? "," : "");
			lp_json_key(stdout, "file"), lp_json_str(stdout, ents[i]->d_name);
			if (ok) {
				double d[3] = {(double)in.dim[0],
				               (double)in.dim[1], (double)in.dim[2]};
				printf(","), lp_json_key(stdout, "dims"), lp_json_nums(stdout, d, 3);
				printf(","), lp_json_key(stdout, "dtype"),
					lp_json_str(stdout, lp_dtype_name(in.dtype));
			} else {
				printf(","), lp_json_key(stdout, "error"), lp_json_str(stdout, lp_errmsg());
			}
			putchar('}');
		} else if (ok) {
			printf(KEY "%s: %lld x %lld x %lld %s\n",
			       i ? "" : "metaimage:", ents[i]->d_name,
			       (long long)in.dim[0], (long long)in.dim[1],
			       (long long)in.dim[2], lp_dtype_name(in.dtype));
		} else {
			printf(KEY "%s: error: %s\n", i ? "" : "metaimage:",
			       ents[i]->d_name, lp_errmsg());
		}
		free(ents[i]);
	}
	if (n > 0 && json)
		putchar(']');
	free(ents);
	lp_errclear();
	return n > 0 ? n : 0;
}

static void show_series(const lp_dicom_series_info *s, int n)
{
	if (json)
		printf(","), lp_json_key(stdout, "series"), putchar('[');
	for (int i = 0; i < n; i++) {
		if (json) {
			printf("%s{", i ? "," : "");
			lp_json_key(stdout, "uid"), lp_json_str(stdout, s[i].uid);
			printf(","), lp_json_key(stdout, "modality"), lp_json_str(stdout, s[i].modality);
			printf(","), lp_json_key(stdout, "description"), lp_json_str(stdout, s[i].description);
			printf(",\"nfiles\":%d,\"rows\":%d,\"cols\":%d}",
			       s[i].nfiles, s[i].rows, s[i].cols);
		} else {
			printf(KEY "%s %s, %d files, %dx%d, \"%s\"\n",
			       i ? "" : "series:", s[i].uid, s[i].modality,
			       s[i].nfiles, s[i].cols, s[i].rows,
			       s[i].description);
		}
	}
	if (json)
		putchar(']');
}

/* A folder: list MetaImage files and DICOM series.  Returns 1 if a DICOM
 * series is there to read, 0 if the listing is all, -1 on error. */
static int scan_folder(const char *dir)
{
	int nmhd = list_mhd(dir);
	lp_dicom_series_info *s = NULL;
	int n = 0;
	if (lp_dicom_scan(dir, &s, &n) < 0) {
		free(s);
		if (nmhd > 0) {
			lp_errclear();
			return 0;
		}
		return -1;
	}
	if (n > 0)
		show_series(s, n);
	free(s);
	if (n == 0 && nmhd == 0)
		return lp_seterr(LP_EX_NOINPUT, "%s: no DICOM series or "
		                 "MetaImage files found", dir);
	return n > 0;
}

/* ---- one input ---- */

static const char *kind_name(lp_source_kind k)
{
	return k == LP_SRC_STREAM ? "stream" : k == LP_SRC_MHD ? "mhd" : "dicom";
}

static int read_frames(const char *path)
{
	lp_source_opts so = {series};
	lp_source *src = lp_source_open(path, &so);
	if (!src)
		return -1;
	if (!json)
		printf(KEY "%s\n", "format:", kind_name(lp_source_kind_of(src)));
	else
		printf(","), lp_json_key(stdout, "format"), lp_json_str(stdout, kind_name(lp_source_kind_of(src)));
	show_provenance(lp_source_provenance(src));
	if (json)
		printf(","), lp_json_key(stdout, "frames"), putchar('[');
	lp_frame f;
	lp_frame_init(&f);
	long idx = 0;
	int rc;
	while ((rc = lp_source_next(src, &f)) == 1)
		show_frame(&f, idx++);
	lp_frame_free(&f);
	lp_source_close(src);
	if (json)
		putchar(']');
	else
		printf(KEY "%ld\n", "frames:", idx);
	return rc < 0 ? -1 : 0;
}

static int info_one(const char *path)
{
	int rc = 0, isdir = strcmp(path, "-") && lp_is_dir(path);
	if (json) {
		printf("{"), lp_json_key(stdout, "input"), lp_json_str(stdout, path);
		printf(","), lp_json_key(stdout, "kind"), lp_json_str(stdout, isdir ? "folder" : "file");
	} else {
		printf(KEY "%s\n", "input:", path);
	}
	if (isdir)
		rc = scan_folder(path);
	if (rc > 0 || !isdir)
		rc = read_frames(path);
	if (rc < 0) {
		fflush(stdout);
		fprintf(stderr, "%s: %s\n", lp_progname(), lp_errmsg());
		if (json) {
			printf(",\"error\":{\"code\":%d,", lp_errcode());
			lp_json_key(stdout, "message"), lp_json_str(stdout, lp_errmsg());
			putchar('}');
		}
	}
	if (json)
		printf("}\n");
	return rc < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	int i = lp_parse_args(&tool, argc, argv);
	char *dflt[] = {"-"};
	char **in = i < argc ? argv + i : dflt;
	int nin = i < argc ? argc - i : 1, status = 0;
	for (int k = 0; k < nin; k++) {
		if (k && !json)
			putchar('\n');
		lp_errclear();
		if (info_one(in[k]) < 0 && status == 0)
			status = lp_errcode() ? lp_errcode() : LP_EX_FAIL;
		fflush(stdout);
	}
	lp_close_stdout();
	return status;
}
