/* dicom.cpp - DICOM series reading through DCMTK, behind the C interface of
 * lp_dicom.h.  The only C++ file of libcore.
 *
 * Policy (also in ct-info(1), ct-resample(1) and lungpipe(7)):
 * - The folder is scanned recursively (symbolic links to folders are not
 *   followed).  A file is DICOM if it has "DICM" at offset 128 or starts with
 *   a group 0002/0008 tag; other files (XML, text) are ignored.  A file that
 *   claims to be DICOM but cannot be parsed or decoded is an error
 *   (LP_EX_DATAERR, naming the file): a slice is never dropped silently.
 * - Files are grouped by SeriesInstanceUID.  Without a UID the CT series with
 *   the most slices is read; two CT series tied for the most slices are
 *   ambiguous (LP_EX_USAGE, listing the UIDs); no CT series at all is
 *   LP_EX_UNSUPPORTED (69), as is a chosen series that is not CT.
 * - Slices are sorted by ImagePositionPatient projected on the slice normal
 *   (row x column direction cosines), ascending.
 * - Geometry (LPS, as ITK/SimpleITK give): origin = IPP of the first sorted
 *   slice; axis 0 = row direction (IOP[0..2]), axis 1 = column direction
 *   (IOP[3..5]), axis 2 = their cross product; spacing x = PixelSpacing[1],
 *   y = PixelSpacing[0], z = the median distance between adjacent slices.
 * - HU = stored * RescaleSlope + RescaleIntercept, rounded half away from
 *   zero when not an integer, clamped to int16 (counted, warned).
 *   Padding: stored values equal to PixelPaddingValue (or within
 *   PixelPaddingRangeLimit) and HU <= -2048 (the -2048/-3024 out-of-field
 *   values scanners write) become -1000 HU (air); metadata "padding" says
 *   how many voxels.
 * - Warnings (metadata "warnings", "; "-separated; the library never prints):
 *   uneven spacing or missing slices (then the series is resampled linearly
 *   along the normal to the median spacing: metadata "z_resampled"),
 *   duplicate positions (the first file in sorted order is kept), gantry tilt
 *   (slices stay sheared, geometry as ITK: along the normal), several series
 *   when one was picked automatically.  Errors: mixed image sizes, pixel
 *   spacings or orientations (LP_EX_DATAERR), missing PixelData
 *   (LP_EX_DATAERR), multi-frame or colour images (LP_EX_UNSUPPORTED), an
 *   empty folder tree (LP_EX_NOINPUT).
 */
#include "dcmtk/config/osconfig.h" /* Debian's DCMTK 3.6.7 needs C++17 */
#include "dcmtk/dcmdata/dctk.h"
#include "dcmtk/dcmdata/dcrledrg.h"
#include "dcmtk/dcmjpeg/djdecode.h"
#include "dcmtk/dcmjpls/djdecode.h"
#include "dcmtk/oflog/oflog.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include "lp_dicom.h"

namespace {

struct SliceHdr {
	std::string path, uid, modality, desc, patient, study, manufacturer;
	int rows = 0, cols = 0, nframes = 1, spp = 1, inst = 0;
	bool has_ipp = false, has_iop = false, has_ps = false, has_pixels = false;
	double ipp[3] = {0, 0, 0}, iop[6] = {1, 0, 0, 0, 1, 0}, ps[2] = {1, 1};
	double tilt = 0, thickness = 0;
	double d = 0; /* position along the slice normal */
};

struct Warnings {
	std::vector<std::string> list;
	void add(const char *fmt, ...) LP_PRINTF(2, 3)
	{
		char buf[512];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(buf, sizeof buf, fmt, ap);
		va_end(ap);
		list.push_back(buf);
	}
};

struct PixStats {
	long long padded = 0, clamped = 0;
	bool pad_tag = false;
	long pad_value = 0;
};

std::once_flag init_once;

void dcm_init()
{
	std::call_once(init_once, [] {
		OFLog::configure(OFLogger::OFF_LOG_LEVEL);
		DJDecoderRegistration::registerCodecs();
		DJLSDecoderRegistration::registerCodecs();
		DcmRLEDecoderRegistration::registerCodecs();
	});
}

const char *base_name(const std::string &p)
{
	size_t k = p.rfind('/');
	return p.c_str() + (k == std::string::npos ? 0 : k + 1);
}

/* ---- folder walk ---------------------------------------------------- */

int walk(const std::string &dir, std::vector<std::string> &files, int depth)
{
	if (depth > 32)
		return lp_seterr(LP_EX_DATAERR, "%s: folders nested too deep",
		                 dir.c_str());
	DIR *d = opendir(dir.c_str());
	if (!d)
		return lp_seterr(LP_EX_NOINPUT, "%s: cannot open folder: %s",
		                 dir.c_str(), strerror(errno));
	std::vector<std::string> names;
	while (struct dirent *e = readdir(d)) {
		if (e->d_name[0] == '.')
			continue;
		names.push_back(e->d_name);
	}
	closedir(d);
	std::sort(names.begin(), names.end());
	for (const std::string &n : names) {
		std::string p = dir + "/" + n;
		struct stat st;
		if (lstat(p.c_str(), &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (walk(p, files, depth + 1) < 0)
				return -1;
		} else if (S_ISREG(st.st_mode) ||
		           (S_ISLNK(st.st_mode) && stat(p.c_str(), &st) == 0 &&
		            S_ISREG(st.st_mode))) {
			files.push_back(p);
		}
	}
	return 0;
}

/* 1 if the file has the DICOM magic, 2 if it starts like a raw dataset,
 * 0 otherwise. */
int dicom_magic(const std::string &p)
{
	unsigned char b[132];
	FILE *fp = fopen(p.c_str(), "rb");
	if (!fp)
		return 0;
	size_t n = fread(b, 1, sizeof b, fp);
	fclose(fp);
	if (n == sizeof b && !memcmp(b + 128, "DICM", 4))
		return 1;
	if (n >= 8 && (b[0] == 0x08 || b[0] == 0x02) && b[1] == 0 &&
	    b[3] == 0)
		return 2;
	return 0;
}

/* ---- headers ------------------------------------------------------- */

std::string get_str(DcmDataset *ds, const DcmTagKey &k)
{
	OFString s;
	if (ds->findAndGetOFString(k, s).good())
		return std::string(s.c_str());
	return std::string();
}

bool get_doubles(DcmDataset *ds, const DcmTagKey &k, double *v, int n)
{
	for (int i = 0; i < n; i++) {
		Float64 x;
		if (ds->findAndGetFloat64(k, x, i).bad() || !std::isfinite(x))
			return false;
		v[i] = x;
	}
	return true;
}

void fill_hdr(DcmDataset *ds, SliceHdr &h)
{
	Uint16 u;
	Sint32 s;
	h.uid = get_str(ds, DCM_SeriesInstanceUID);
	h.modality = get_str(ds, DCM_Modality);
	h.desc = get_str(ds, DCM_SeriesDescription);
	h.patient = get_str(ds, DCM_PatientID);
	h.study = get_str(ds, DCM_StudyInstanceUID);
	h.manufacturer = get_str(ds, DCM_Manufacturer);
	if (ds->findAndGetUint16(DCM_Rows, u).good())
		h.rows = u;
	if (ds->findAndGetUint16(DCM_Columns, u).good())
		h.cols = u;
	if (ds->findAndGetUint16(DCM_SamplesPerPixel, u).good())
		h.spp = u;
	if (ds->findAndGetSint32(DCM_NumberOfFrames, s).good())
		h.nframes = s;
	if (ds->findAndGetSint32(DCM_InstanceNumber, s).good())
		h.inst = s;
	h.has_ipp = get_doubles(ds, DCM_ImagePositionPatient, h.ipp, 3);
	h.has_iop = get_doubles(ds, DCM_ImageOrientationPatient, h.iop, 6);
	h.has_ps = get_doubles(ds, DCM_PixelSpacing, h.ps, 2);
	get_doubles(ds, DCM_GantryDetectorTilt, &h.tilt, 1);
	get_doubles(ds, DCM_SliceThickness, &h.thickness, 1);
	h.has_pixels = ds->tagExists(DCM_PixelData);
}

/* Read one file's header; 1 = DICOM image/object, 0 = not DICOM, -1 error */
int read_hdr(const std::string &p, SliceHdr &h)
{
	int magic = dicom_magic(p);
	if (!magic)
		return 0;
	DcmFileFormat ff;
	OFCondition st = ff.loadFile(OFFilename(p.c_str()), EXS_Unknown,
	                             EGL_noChange, 256, ERM_autoDetect);
	if (st.bad()) {
		if (magic == 2)
			return 0;
		return lp_seterr(LP_EX_DATAERR, "%s: corrupt DICOM file (%s)",
		                 p.c_str(), st.text());
	}
	h.path = p;
	fill_hdr(ff.getDataset(), h);
	return h.uid.empty() ? 0 : 1;
}

int scan_files(const char *dir, std::vector<SliceHdr> &hdrs, int *nfiles)
{
	struct stat st;
	if (stat(dir, &st) != 0)
		return lp_seterr(LP_EX_NOINPUT, "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return lp_seterr(LP_EX_NOINPUT, "%s: not a folder", dir);
	std::vector<std::string> files;
	std::string root(dir);
	while (root.size() > 1 && root.back() == '/')
		root.pop_back();
	if (walk(root, files, 0) < 0)
		return -1;
	dcm_init();
	for (const std::string &p : files) {
		SliceHdr h;
		int r = read_hdr(p, h);
		if (r < 0)
			return -1;
		if (r > 0)
			hdrs.push_back(h);
	}
	*nfiles = (int)files.size();
	if (hdrs.empty())
		return lp_seterr(LP_EX_NOINPUT, "%s: no DICOM files found "
		                 "(%d files looked at)", dir, *nfiles);
	return 0;
}

typedef std::map<std::string, std::vector<const SliceHdr *>> SeriesMap;

SeriesMap group(const std::vector<SliceHdr> &hdrs)
{
	SeriesMap m;
	for (const SliceHdr &h : hdrs)
		m[h.uid].push_back(&h);
	return m;
}

int image_count(const std::vector<const SliceHdr *> &v)
{
	int n = 0;
	for (const SliceHdr *h : v)
		n += h->has_pixels;
	return n;
}

std::string series_list(const SeriesMap &m)
{
	std::string s;
	for (const auto &kv : m) {
		char buf[64];
		snprintf(buf, sizeof buf, " (%s, %d files)",
		         kv.second[0]->modality.c_str(), (int)kv.second.size());
		s += (s.empty() ? "" : ", ") + kv.first + buf;
	}
	return s;
}

/* Pick the series to read. */
const std::vector<const SliceHdr *> *
pick_series(const char *dir, const SeriesMap &m, const char *uid, Warnings &w)
{
	if (uid) {
		auto it = m.find(uid);
		if (it == m.end()) {
			lp_seterr(LP_EX_NOINPUT, "%s: no series %s (found: %s)",
			          dir, uid, series_list(m).c_str());
			return NULL;
		}
		return &it->second;
	}
	const std::vector<const SliceHdr *> *best = NULL;
	int bestn = 0, ties = 0;
	for (const auto &kv : m) {
		if (kv.second[0]->modality != "CT")
			continue;
		int n = image_count(kv.second);
		if (n > bestn) {
			best = &kv.second;
			bestn = n;
			ties = 0;
		} else if (n == bestn && n > 0) {
			ties++;
		}
	}
	if (!best) {
		lp_seterr(LP_EX_UNSUPPORTED, "%s: no CT series (found: %s)", dir,
		          series_list(m).c_str());
		return NULL;
	}
	if (ties) {
		lp_seterr(LP_EX_USAGE, "%s: %d CT series with %d slices each, "
		          "choose one with --series UID (found: %s)", dir,
		          ties + 1, bestn, series_list(m).c_str());
		return NULL;
	}
	if (m.size() > 1)
		w.add("%d series in the folder, read the CT series with the most "
		      "slices, %s (use --series to choose)", (int)m.size(),
		      (*best)[0]->uid.c_str());
	return best;
}

/* ---- consistency, sorting ----------------------------------------- */

int check_slice(const SliceHdr &h, const SliceHdr &h0)
{
	const char *f = h.path.c_str();
	if (h.modality != "CT")
		return lp_seterr(LP_EX_UNSUPPORTED, "%s: modality %s, only CT "
		                 "is supported", f, h.modality.c_str());
	if (!h.has_pixels)
		return lp_seterr(LP_EX_DATAERR, "%s: no PixelData", f);
	if (h.nframes != 1)
		return lp_seterr(LP_EX_UNSUPPORTED, "%s: multi-frame images "
		                 "(%d frames) are not supported", f, h.nframes);
	if (h.spp != 1)
		return lp_seterr(LP_EX_UNSUPPORTED, "%s: %d samples per pixel, "
		                 "only greyscale is supported", f, h.spp);
	if (!h.has_ipp || !h.has_iop || !h.has_ps)
		return lp_seterr(LP_EX_DATAERR, "%s: missing ImagePositionPatient"
		                 ", ImageOrientationPatient or PixelSpacing", f);
	if (h.rows < 1 || h.cols < 1)
		return lp_seterr(LP_EX_DATAERR, "%s: no image size", f);
	if (h.rows != h0.rows || h.cols != h0.cols)
		return lp_seterr(LP_EX_DATAERR, "%s: mixed image sizes in the "
		                 "series: %dx%d and %dx%d (in %s)", f, h.cols,
		                 h.rows, h0.cols, h0.rows, base_name(h0.path));
	for (int i = 0; i < 2; i++)
		if (std::fabs(h.ps[i] - h0.ps[i]) > 1e-4 * h0.ps[i])
			return lp_seterr(LP_EX_DATAERR, "%s: mixed pixel spacings "
			                 "in the series", f);
	for (int i = 0; i < 6; i++)
		if (std::fabs(h.iop[i] - h0.iop[i]) > 1e-4)
			return lp_seterr(LP_EX_DATAERR, "%s: mixed image "
			                 "orientations in the series", f);
	return 0;
}

void normal_of(const double *iop, double n[3])
{
	const double *r = iop, *c = iop + 3;
	n[0] = r[1] * c[2] - r[2] * c[1];
	n[1] = r[2] * c[0] - r[0] * c[2];
	n[2] = r[0] * c[1] - r[1] * c[0];
	double l = std::sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
	for (int k = 0; k < 3; k++)
		n[k] /= l > 0 ? l : 1;
}

/* Check, project, sort, drop duplicates; sl receives the kept slices. */
int sort_slices(const std::vector<const SliceHdr *> &in,
                std::vector<SliceHdr> &sl, Warnings &w)
{
	const SliceHdr &h0 = *in[0];
	for (const SliceHdr *h : in)
		if (check_slice(*h, h0) < 0)
			return -1;
	double rl = std::sqrt(h0.iop[0] * h0.iop[0] + h0.iop[1] * h0.iop[1] +
	                      h0.iop[2] * h0.iop[2]);
	double cl = std::sqrt(h0.iop[3] * h0.iop[3] + h0.iop[4] * h0.iop[4] +
	                      h0.iop[5] * h0.iop[5]);
	if (std::fabs(rl - 1) > 0.01 || std::fabs(cl - 1) > 0.01)
		return lp_seterr(LP_EX_DATAERR, "%s: invalid "
		                 "ImageOrientationPatient", h0.path.c_str());
	double n[3];
	normal_of(h0.iop, n);
	for (const SliceHdr *h : in) {
		SliceHdr s = *h;
		s.d = s.ipp[0] * n[0] + s.ipp[1] * n[1] + s.ipp[2] * n[2];
		sl.push_back(s);
	}
	std::stable_sort(sl.begin(), sl.end(),
	                 [](const SliceHdr &a, const SliceHdr &b) {
		                 if (a.d != b.d)
			                 return a.d < b.d;
		                 return a.inst < b.inst;
	                 });
	std::vector<SliceHdr> kept;
	int dups = 0;
	for (const SliceHdr &s : sl) {
		if (!kept.empty() && std::fabs(s.d - kept.back().d) < 1e-3) {
			if (!dups)
				w.add("duplicate slice position %.3f mm: %s and %s; "
				      "kept the first", s.d, base_name(kept.back().path),
				      base_name(s.path));
			dups++;
			continue;
		}
		kept.push_back(s);
	}
	if (dups > 1)
		w.add("%d duplicate slice positions dropped in all", dups);
	sl.swap(kept);
	return 0;
}

/* ---- pixels ----------------------------------------------------------- */

struct PixFmt {
	int alloc = 16, stored = 16, high = 15, pixrep = 0;
	double slope = 1, intercept = 0;
	bool pad = false;
	long pad_lo = 0, pad_hi = 0;
};

long sign_bits(unsigned long v, int bits, int pixrep)
{
	v &= (bits >= 32 ? 0xffffffffUL : ((1UL << bits) - 1));
	if (pixrep && bits < 32 && (v >> (bits - 1)) & 1)
		return (long)v - (1L << bits);
	return (long)v;
}

int read_padding(DcmDataset *ds, PixFmt &pf)
{
	DcmElement *e = NULL;
	if (ds->findAndGetElement(DCM_PixelPaddingValue, e).bad() || !e)
		return 0;
	Uint16 u = 0;
	Sint16 s = 0;
	long v;
	if (e->getVR() == EVR_SS && e->getSint16(s).good())
		v = s;
	else if (e->getUint16(u).good())
		v = u;
	else
		return 0;
	pf.pad = true;
	pf.pad_lo = pf.pad_hi = sign_bits((unsigned long)v, pf.stored, pf.pixrep);
	DcmElement *r = NULL;
	if (ds->findAndGetElement(DCM_PixelPaddingRangeLimit, r).good() && r) {
		long rv;
		if (r->getVR() == EVR_SS && r->getSint16(s).good())
			rv = s;
		else if (r->getUint16(u).good())
			rv = u;
		else
			return 0;
		rv = sign_bits((unsigned long)rv, pf.stored, pf.pixrep);
		pf.pad_lo = std::min(pf.pad_lo, rv);
		pf.pad_hi = std::max(pf.pad_hi, rv);
	}
	return 0;
}

int read_fmt(DcmDataset *ds, const char *f, PixFmt &pf)
{
	Uint16 u;
	if (ds->findAndGetUint16(DCM_BitsAllocated, u).good())
		pf.alloc = u;
	pf.stored = pf.alloc;
	if (ds->findAndGetUint16(DCM_BitsStored, u).good())
		pf.stored = u;
	pf.high = pf.stored - 1;
	if (ds->findAndGetUint16(DCM_HighBit, u).good())
		pf.high = u;
	if (ds->findAndGetUint16(DCM_PixelRepresentation, u).good())
		pf.pixrep = u;
	if (pf.alloc != 8 && pf.alloc != 16)
		return lp_seterr(LP_EX_UNSUPPORTED, "%s: %d bits allocated, only "
		                 "8 and 16 are supported", f, pf.alloc);
	if (pf.stored < 1 || pf.stored > pf.alloc || pf.high >= pf.alloc ||
	    pf.high + 1 < pf.stored)
		return lp_seterr(LP_EX_DATAERR, "%s: inconsistent BitsStored %d "
		                 "/ HighBit %d", f, pf.stored, pf.high);
	Float64 x;
	if (ds->findAndGetFloat64(DCM_RescaleSlope, x).good())
		pf.slope = x;
	if (ds->findAndGetFloat64(DCM_RescaleIntercept, x).good())
		pf.intercept = x;
	if (!std::isfinite(pf.slope) || !std::isfinite(pf.intercept) ||
	    pf.slope == 0)
		return lp_seterr(LP_EX_DATAERR, "%s: invalid RescaleSlope/"
		                 "Intercept", f);
	return read_padding(ds, pf);
}

/* Decompress if needed; point *raw at the pixel bytes (LE). */
int get_pixels(DcmDataset *ds, const char *f, size_t need,
               const Uint8 **raw)
{
	DcmXfer xf(ds->getOriginalXfer());
	if (xf.isEncapsulated()) {
		OFCondition st = ds->chooseRepresentation(EXS_LittleEndianExplicit,
		                                          NULL);
		if (st.bad() || !ds->canWriteXfer(EXS_LittleEndianExplicit))
			return lp_seterr(LP_EX_DATAERR, "%s: cannot decode %s "
			                 "pixel data (%s)", f, xf.getXferName(),
			                 st.text());
	}
	DcmElement *e = NULL;
	if (ds->findAndGetElement(DCM_PixelData, e).bad() || !e)
		return lp_seterr(LP_EX_DATAERR, "%s: no PixelData", f);
	Uint8 *p8 = NULL;
	Uint16 *p16 = NULL;
	OFCondition st;
	if (e->getVR() == EVR_OW || e->getVR() == EVR_xs) {
		st = e->getUint16Array(p16);
		p8 = (Uint8 *)p16;
	} else {
		st = e->getUint8Array(p8);
	}
	if (st.bad() || !p8)
		return lp_seterr(LP_EX_DATAERR, "%s: cannot read PixelData (%s)",
		                 f, st.text());
	if (e->getLength() < need)
		return lp_seterr(LP_EX_DATAERR, "%s: PixelData too short (%lu "
		                 "bytes, %zu needed)", f,
		                 (unsigned long)e->getLength(), need);
	*raw = p8;
	return 0;
}

inline int16_t to_hu(long s, const PixFmt &pf, bool intmath, PixStats &ps)
{
	if (pf.pad && s >= pf.pad_lo && s <= pf.pad_hi) {
		ps.padded++;
		return -1000;
	}
	double hu;
	if (intmath) {
		hu = (double)(s * (long)pf.slope + (long)pf.intercept);
	} else {
		double v = s * pf.slope + pf.intercept;
		hu = v >= 0 ? std::floor(v + 0.5) : -std::floor(-v + 0.5);
	}
	if (hu <= -2048) {
		ps.padded++;
		return -1000;
	}
	if (hu > 32767) {
		ps.clamped++;
		return 32767;
	}
	return (int16_t)hu;
}

void convert(const Uint8 *raw, size_t n, const PixFmt &pf, int16_t *dst,
             PixStats &ps)
{
	bool intmath = pf.slope == std::floor(pf.slope) &&
	               pf.intercept == std::floor(pf.intercept) &&
	               std::fabs(pf.slope) < 65536 &&
	               std::fabs(pf.intercept) < 1e9;
	int shift = pf.high + 1 - pf.stored;
	for (size_t i = 0; i < n; i++) {
		unsigned long v = pf.alloc == 16
		                  ? (unsigned long)(raw[2 * i] | raw[2 * i + 1] << 8)
		                  : raw[i];
		long s = sign_bits(v >> shift, pf.stored, pf.pixrep);
		dst[i] = to_hu(s, pf, intmath, ps);
	}
	if (pf.pad) {
		ps.pad_tag = true;
		ps.pad_value = pf.pad_lo;
	}
}

int load_slice(const SliceHdr &h, int16_t *dst, PixStats &ps)
{
	const char *f = h.path.c_str();
	DcmFileFormat ff;
	OFCondition st = ff.loadFile(OFFilename(f));
	if (st.bad())
		return lp_seterr(LP_EX_DATAERR, "%s: corrupt DICOM file (%s)", f,
		                 st.text());
	DcmDataset *ds = ff.getDataset();
	PixFmt pf;
	if (read_fmt(ds, f, pf) < 0)
		return -1;
	size_t n = (size_t)h.rows * (size_t)h.cols;
	const Uint8 *raw = NULL;
	if (get_pixels(ds, f, n * (size_t)(pf.alloc / 8), &raw) < 0)
		return -1;
	convert(raw, n, pf, dst, ps);
	return 0;
}

/* ---- geometry, spacing ------------------------------------------------ */

double median_gap(const std::vector<SliceHdr> &sl)
{
	std::vector<double> g;
	for (size_t i = 1; i < sl.size(); i++)
		g.push_back(sl[i].d - sl[i - 1].d);
	std::sort(g.begin(), g.end());
	size_t m = g.size();
	return m % 2 ? g[m / 2] : 0.5 * (g[m / 2 - 1] + g[m / 2]);
}

/* Warn about uneven spacing / missing slices; true if uneven. */
bool check_spacing(const std::vector<SliceHdr> &sl, double med, Warnings &w)
{
	double gmin = 1e300, gmax = 0;
	int wide = 0;
	size_t at = 0;
	for (size_t i = 1; i < sl.size(); i++) {
		double g = sl[i].d - sl[i - 1].d;
		if (g > gmax) {
			gmax = g;
			at = i;
		}
		gmin = std::min(gmin, g);
		wide += g > 1.5 * med;
	}
	if (gmax - med <= 0.01 * med + 1e-4 && med - gmin <= 0.01 * med + 1e-4)
		return false;
	if (wide)
		w.add("missing slice(s): %d gap(s) wider than 1.5 x the spacing "
		      "%.4g mm, the largest %.4g mm between %s and %s", wide, med,
		      gmax, base_name(sl[at - 1].path), base_name(sl[at].path));
	else
		w.add("uneven slice spacing %.4g..%.4g mm", gmin, gmax);
	w.add("resampled linearly along the slice normal to an even %.4g mm",
	      med);
	return true;
}

void check_tilt(const std::vector<SliceHdr> &sl, Warnings &w)
{
	const SliceHdr &a = sl.front(), &b = sl.back();
	double n[3], v[3], along = b.d - a.d, off = 0;
	normal_of(a.iop, n);
	for (int k = 0; k < 3; k++)
		v[k] = b.ipp[k] - a.ipp[k];
	for (int k = 0; k < 3; k++) {
		double p = v[k] - along * n[k];
		off += p * p;
	}
	off = std::sqrt(off);
	double ang = along > 0 ? std::atan2(off, along) * 180 / M_PI : 0;
	if (ang > 0.05 || std::fabs(a.tilt) > 0.05)
		w.add("gantry tilt (%.2f degrees from the slice positions, "
		      "GantryDetectorTilt %.2f): slices are sheared; the geometry "
		      "follows the slice normal (as ITK does)", ang, a.tilt);
}

/* Resample uneven slices (positions d) to nz even ones from d[0]. */
int16_t *even_z(const int16_t *src, const std::vector<SliceHdr> &sl,
                size_t plane, double med, int64_t *nz_out)
{
	double ext = sl.back().d - sl.front().d;
	int64_t nz = (int64_t)std::floor(ext / med + 0.5) + 1;
	int16_t *dst = (int16_t *)lp_malloc((size_t)nz * plane * sizeof *dst);
	if (!dst)
		return NULL;
	size_t i = 0;
	for (int64_t k = 0; k < nz; k++) {
		double p = sl.front().d + (double)k * med;
		while (i + 2 < sl.size() && sl[i + 1].d <= p)
			i++;
		double t = (p - sl[i].d) / (sl[i + 1].d - sl[i].d);
		t = t < 0 ? 0 : t > 1 ? 1 : t;
		const int16_t *a = src + i * plane, *b = a + plane;
		int16_t *o = dst + (size_t)k * plane;
		for (size_t q = 0; q < plane; q++) {
			double v = (1 - t) * a[q] + t * b[q];
			o[q] = (int16_t)(v >= 0 ? std::floor(v + 0.5)
			                        : -std::floor(-v + 0.5));
		}
	}
	*nz_out = nz;
	return dst;
}

void set_geometry(lp_frame *f, const std::vector<SliceHdr> &sl, double dz)
{
	const SliceHdr &h = sl[0];
	double n[3];
	normal_of(h.iop, n);
	for (int k = 0; k < 3; k++) {
		f->origin[k] = h.ipp[k];
		f->dir[k] = h.iop[k];
		f->dir[3 + k] = h.iop[3 + k];
		f->dir[6 + k] = n[k];
	}
	f->spacing[0] = h.ps[1];
	f->spacing[1] = h.ps[0];
	f->spacing[2] = dz;
}

int set_meta(lp_frame *f, const char *dir, const std::vector<SliceHdr> &sl,
             const PixStats &ps, const Warnings &w)
{
	const SliceHdr &h = sl[0];
	int r = 0;
	r |= lp_meta_set(f, LP_META_KIND, "volume");
	r |= lp_meta_set(f, LP_META_SOURCE, dir);
	r |= lp_meta_set(f, LP_META_SERIES, h.uid.c_str());
	r |= lp_meta_set(f, LP_META_PATIENT, h.patient.c_str());
	r |= lp_meta_set(f, "study_uid", h.study.c_str());
	r |= lp_meta_set(f, "modality", h.modality.c_str());
	r |= lp_meta_set(f, "manufacturer", h.manufacturer.c_str());
	r |= lp_meta_set(f, "series_description", h.desc.c_str());
	r |= lp_meta_setf(f, "dicom_slices", "%d", (int)sl.size());
	if (ps.padded)
		r |= lp_meta_setf(f, "padding", "%lld out-of-field padding voxels "
		                  "(PixelPaddingValue %s%ld, HU <= -2048) set to "
		                  "-1000 HU", ps.padded, ps.pad_tag ? "" : "none/",
		                  ps.pad_value);
	std::string all;
	for (const std::string &s : w.list)
		all += (all.empty() ? "" : "; ") + s;
	if (!all.empty())
		r |= lp_meta_set(f, "warnings", all.c_str());
	return r ? -1 : 0;
}

/* Decode the slices in parallel (DCMTK objects are per thread; its
 * dictionary and codec list are lock-protected).  The error reported is the
 * one of the first failing slice in sorted order. */
int load_all(const std::vector<SliceHdr> &sl, int16_t *vol, size_t plane,
             PixStats &ps)
{
	long n = (long)sl.size();
	std::vector<PixStats> st(sl.size());
	std::vector<int> code(sl.size(), 0);
	std::vector<std::string> msg(sl.size());
#pragma omp parallel for schedule(dynamic)
	for (long i = 0; i < n; i++) {
		try {
			if (load_slice(sl[i], vol + i * plane, st[i]) < 0) {
				code[i] = lp_errcode() ? lp_errcode()
				                       : LP_EX_SOFTWARE;
				msg[i] = lp_errmsg();
			}
		} catch (...) {
			code[i] = LP_EX_OSERR;
			msg[i] = sl[i].path + ": out of memory";
		}
	}
	for (long i = 0; i < n; i++) {
		if (code[i])
			return lp_seterr(code[i], "%s", msg[i].c_str());
		ps.padded += st[i].padded;
		ps.clamped += st[i].clamped;
		if (st[i].pad_tag) {
			ps.pad_tag = true;
			ps.pad_value = st[i].pad_value;
		}
	}
	return 0;
}

int build_frame(const char *dir, std::vector<SliceHdr> &sl, Warnings &w,
                lp_frame *f)
{
	size_t plane = (size_t)sl[0].rows * (size_t)sl[0].cols;
	int64_t nz = (int64_t)sl.size();
	PixStats ps;
	int16_t *vol = (int16_t *)lp_malloc(plane * sl.size() * sizeof *vol);
	if (!vol)
		return -1;
	if (load_all(sl, vol, plane, ps) < 0) {
		free(vol);
		return -1;
	}
	if (ps.clamped)
		w.add("%lld voxels above 32767 HU clamped", ps.clamped);
	double dz = sl.size() > 1 ? median_gap(sl)
	            : (sl[0].thickness > 0 ? sl[0].thickness : 1.0);
	if (sl.size() > 1 && !(dz > 0)) {
		free(vol);
		return lp_seterr(LP_EX_DATAERR, "%s: slices have no spacing", dir);
	}
	if (sl.size() > 2)
		check_tilt(sl, w);
	if (sl.size() > 2 && check_spacing(sl, dz, w)) {
		int16_t *ev = even_z(vol, sl, plane, dz, &nz);
		free(vol);
		if (!ev)
			return -1;
		vol = ev;
		lp_meta_setf(f, "z_resampled", "%zu slices -> %lld at %.6g mm",
		             sl.size(), (long long)nz, dz);
	}
	if (lp_frame_set_dims(f, sl[0].cols, sl[0].rows, nz) < 0 ||
	    !lp_frame_adopt_channel(f, LP_CH_IMAGE, LP_I16, LP_UNITS_HU, vol)) {
		free(vol);
		return -1;
	}
	set_geometry(f, sl, dz);
	return set_meta(f, dir, sl, ps, w);
}

int read_series(const char *dir, const char *uid, lp_frame *f)
{
	std::vector<SliceHdr> hdrs;
	int nfiles = 0;
	if (scan_files(dir, hdrs, &nfiles) < 0)
		return -1;
	SeriesMap m = group(hdrs);
	Warnings w;
	const std::vector<const SliceHdr *> *s = pick_series(dir, m, uid, w);
	if (!s)
		return -1;
	std::vector<SliceHdr> sl;
	if (sort_slices(*s, sl, w) < 0)
		return -1;
	lp_frame_init(f);
	if (build_frame(dir, sl, w, f) < 0) {
		lp_frame_free(f);
		return -1;
	}
	return 0;
}

int scan_series(const char *dir, lp_dicom_series_info **out, int *n)
{
	std::vector<SliceHdr> hdrs;
	int nfiles = 0;
	if (scan_files(dir, hdrs, &nfiles) < 0)
		return -1;
	SeriesMap m = group(hdrs);
	std::vector<const std::vector<const SliceHdr *> *> v;
	for (const auto &kv : m)
		v.push_back(&kv.second);
	std::stable_sort(v.begin(), v.end(), [](const auto *a, const auto *b) {
		return a->size() > b->size();
	});
	lp_dicom_series_info *info = (lp_dicom_series_info *)lp_calloc(
	        v.size(), sizeof *info);
	if (!info)
		return -1;
	for (size_t i = 0; i < v.size(); i++) {
		const SliceHdr &h = *(*v[i])[0];
		snprintf(info[i].uid, sizeof info[i].uid, "%s", h.uid.c_str());
		snprintf(info[i].modality, sizeof info[i].modality, "%s",
		         h.modality.c_str());
		snprintf(info[i].description, sizeof info[i].description, "%s",
		         h.desc.c_str());
		info[i].nfiles = (int)v[i]->size();
		info[i].rows = h.rows;
		info[i].cols = h.cols;
	}
	*out = info;
	*n = (int)v.size();
	return 0;
}

} // namespace

extern "C" int lp_dicom_scan(const char *dir, lp_dicom_series_info **out,
                             int *n)
{
	*out = NULL;
	*n = 0;
	try {
		return scan_series(dir, out, n);
	} catch (const std::bad_alloc &) {
		return lp_seterr(LP_EX_OSERR, "%s: out of memory", dir);
	} catch (...) {
		return lp_seterr(LP_EX_SOFTWARE, "%s: internal error", dir);
	}
}

extern "C" int lp_dicom_read(const char *dir, const char *uid, lp_frame *f)
{
	lp_frame_init(f);
	try {
		return read_series(dir, uid, f);
	} catch (const std::bad_alloc &) {
		lp_frame_free(f);
		return lp_seterr(LP_EX_OSERR, "%s: out of memory", dir);
	} catch (...) {
		lp_frame_free(f);
		return lp_seterr(LP_EX_SOFTWARE, "%s: internal error", dir);
	}
}

extern "C" int lp_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

