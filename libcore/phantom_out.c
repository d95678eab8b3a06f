/* phantom_out.c - what the phantom tells about its nodules: series UIDs,
 * frame metadata, and the rows of annotations.csv. */
#include <stdio.h>
#include "lp_phantom.h"
#include "lp_rng.h"

const char *lp_nod_kind_name(lp_nod_kind k)
{
	static const char *n[] = {"solid", "part-solid", "ground-glass",
	                          "calcified"};
	return (unsigned)k < 4 ? n[k] : "?";
}

const char *lp_nod_attach_name(lp_nod_attach a)
{
	static const char *n[] = {"isolated", "juxtavascular", "juxtapleural"};
	return (unsigned)a < 3 ? n[a] : "?";
}

const char *lp_nod_shape_name(lp_nod_shape s)
{
	static const char *n[] = {"smooth", "lobulated", "spiculated"};
	return (unsigned)s < 3 ? n[s] : "?";
}

/* 2.25.<UUID as a decimal integer>; the UUID is version 8 (custom),
 * variant 10, its other 122 bits hashed from seed and index. */
void lp_phantom_uid(uint64_t seed, int64_t index, char *buf, size_t n)
{
	uint64_t hi = lp_mix64(seed ^ 0x6c756e6770697065ull) ^ lp_mix64((uint64_t)index);
	uint64_t lo = lp_mix64(hi + (uint64_t)index);
	hi = (hi & ~0xf000ull) | 0x8000ull;               /* version 8 */
	lo = (lo & ~(3ull << 62)) | (2ull << 62);         /* variant 10 */
	unsigned __int128 v = ((unsigned __int128)hi << 64) | lo;
	char d[48];
	int k = (int)sizeof d - 1;
	d[k] = 0;
	do {
		d[--k] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v);
	snprintf(buf, n, "%s.%s", LP_PHANTOM_UID_ROOT, d + k);
}

static void ratings_text(const lp_nodule *d, char sep, char *buf, size_t n)
{
	snprintf(buf, n, "%d%c%d%c%d%c%d", d->ratings[0], sep, d->ratings[1],
	         sep, d->ratings[2], sep, d->ratings[3]);
}

static int meta_one(lp_frame *f, const lp_nodule *d)
{
	char k[64], r[32];
	int id = d->id;
	ratings_text(d, ',', r, sizeof r);
#define KEY(name) (snprintf(k, sizeof k, "nodule.%d." name, id), k)
	if (lp_meta_setf(f, KEY("center_world"), "%.4f,%.4f,%.4f",
	                 d->center_world[0], d->center_world[1],
	                 d->center_world[2]) ||
	    lp_meta_setf(f, KEY("center_voxel"), "%.3f,%.3f,%.3f",
	                 d->center_voxel[0], d->center_voxel[1],
	                 d->center_voxel[2]) ||
	    lp_meta_setf(f, KEY("diameter_mm"), "%.4f", d->diameter_mm) ||
	    lp_meta_set(f, KEY("malignancy_ratings"), r) ||
	    lp_meta_setf(f, KEY("malignancy_mean"), "%.2f", d->rating_mean) ||
	    lp_meta_set(f, KEY("label"), d->malignant ? "malignant" : "benign") ||
	    lp_meta_set(f, KEY("kind"), lp_nod_kind_name(d->kind)) ||
	    lp_meta_set(f, KEY("attachment"), lp_nod_attach_name(d->attach)) ||
	    lp_meta_set(f, KEY("shape"), lp_nod_shape_name(d->shape)) ||
	    lp_meta_setf(f, KEY("p_malignant"), "%.4f", d->p_malignant) ||
	    lp_meta_setf(f, KEY("voxels"), "%lld", (long long)d->nvox))
		return -1;
#undef KEY
	return 0;
}

int lp_phantom_meta(lp_frame *f, const char *uid, const lp_nodule *nod, int n)
{
	if (lp_meta_set(f, LP_META_SERIES, uid) ||
	    lp_meta_set(f, LP_META_PATIENT, uid) ||
	    lp_meta_set(f, "synthetic", "1") ||
	    lp_meta_setf(f, "nodules", "%d", n))
		return -1;
	for (int i = 0; i < n; i++)
		if (meta_one(f, &nod[i]))
			return -1;
	return 0;
}

int lp_phantom_csv_header(FILE *fp)
{
	if (fputs("seriesuid,coordX,coordY,coordZ,diameter_mm,"
	          "malignancy_ratings,malignancy_mean,label,kind,attachment,"
	          "nodule_id,shape,p_malignant,label_flipped\n",
	          fp) == EOF)
		return lp_seterr(LP_EX_IOERR, "annotations.csv: write failed");
	return 0;
}

int lp_phantom_csv_rows(FILE *fp, const char *uid, const lp_nodule *nod, int n)
{
	for (int i = 0; i < n; i++) {
		const lp_nodule *d = &nod[i];
		char r[32];
		ratings_text(d, ';', r, sizeof r);
		if (fprintf(fp, "%s,%.4f,%.4f,%.4f,%.4f,%s,%.2f,%s,%s,%s,%d,%s,"
		                "%.4f,%d\n",
		            uid, d->center_world[0], d->center_world[1],
		            d->center_world[2], d->diameter_mm, r, d->rating_mean,
		            d->malignant ? "malignant" : "benign",
		            lp_nod_kind_name(d->kind), lp_nod_attach_name(d->attach),
		            d->id, lp_nod_shape_name(d->shape), d->p_malignant,
		            d->flipped) < 0)
			return lp_seterr(LP_EX_IOERR, "annotations.csv: write failed");
	}
	return 0;
}
