/* lidc_sop.cpp - SOP Instance UID -> ImagePositionPatient of the slices of
 * one DICOM series, so that LIDC ROIs can be matched to slices by their
 * imageSOP_UID (the frame from lp_dicom_read carries no per-slice UIDs).
 * Only headers are read (up to PixelData).  Files that are not DICOM, or
 * that DCMTK cannot parse, are skipped: lp_dicom_read is the judge of the
 * series; this map only helps matching and falls back to z when empty. */
#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmdata/dctk.h"
#include "dcmtk/oflog/oflog.h"

#include <dirent.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "lp_lidc.h"

namespace {

struct Entry {
	std::string uid;
	double ipp[3];
};

bool looks_dicom(const std::string &path)
{
	FILE *fp = std::fopen(path.c_str(), "rb");
	if (!fp)
		return false;
	unsigned char b[132];
	size_t n = std::fread(b, 1, sizeof b, fp);
	std::fclose(fp);
	if (n == sizeof b && !std::memcmp(b + 128, "DICM", 4))
		return true;
	/* raw data set starting with a group 0002 or 0008 tag */
	return n >= 4 && (b[0] == 0x02 || b[0] == 0x08) && b[1] == 0 &&
	       b[3] == 0;
}

bool read_entry(const std::string &path, const char *series, Entry &e)
{
	DcmFileFormat ff;
	OFCondition c = ff.loadFileUntilTag(path.c_str(), EXS_Unknown,
	                                    EGL_noChange, DCM_MaxReadLength,
	                                    ERM_autoDetect, DCM_PixelData);
	if (c.bad())
		return false;
	DcmDataset *ds = ff.getDataset();
	OFString uid, ser;
	if (ds->findAndGetOFString(DCM_SOPInstanceUID, uid).bad())
		return false;
	if (series && (ds->findAndGetOFString(DCM_SeriesInstanceUID, ser).bad() ||
	               ser != series))
		return false;
	for (int k = 0; k < 3; k++)
		if (ds->findAndGetFloat64(DCM_ImagePositionPatient, e.ipp[k],
		                          (unsigned long)k)
		        .bad())
			return false;
	e.uid = uid.c_str();
	return true;
}

void walk(const std::string &dir, int depth, const char *series,
          std::vector<Entry> &out)
{
	DIR *d = opendir(dir.c_str());
	if (!d)
		return;
	while (struct dirent *de = readdir(d)) {
		if (de->d_name[0] == '.')
			continue;
		std::string p = dir + "/" + de->d_name;
		struct stat st;
		if (lstat(p.c_str(), &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (depth > 0)
				walk(p, depth - 1, series, out);
			continue;
		}
		Entry e;
		if (S_ISREG(st.st_mode) && looks_dicom(p) &&
		    read_entry(p, series, e))
			out.push_back(e);
	}
	closedir(d);
}

} // namespace

extern "C" int lidc_sop_scan(const char *dir, const char *series_uid,
                             lidc_sop_map *m)
{
	std::memset(m, 0, sizeof *m);
	OFLog::configure(OFLogger::FATAL_LOG_LEVEL);
	std::vector<Entry> v;
	try {
		walk(dir, 2, series_uid && *series_uid ? series_uid : NULL, v);
	} catch (...) {
		return lp_seterr(LP_EX_OSERR, "%s: out of memory", dir);
	}
	if (v.empty())
		return 0;
	m->uid = (char(*)[LIDC_UID_MAX])lp_calloc(v.size(), LIDC_UID_MAX);
	m->ipp = (double(*)[3])lp_calloc(v.size(), sizeof *m->ipp);
	if (!m->uid || !m->ipp) {
		lidc_sop_free(m);
		return -1;
	}
	for (size_t i = 0; i < v.size(); i++) {
		std::snprintf(m->uid[i], LIDC_UID_MAX, "%s", v[i].uid.c_str());
		for (int k = 0; k < 3; k++)
			m->ipp[i][k] = v[i].ipp[k];
	}
	m->n = (int)v.size();
	return 0;
}

extern "C" void lidc_sop_free(lidc_sop_map *m)
{
	if (!m)
		return;
	std::free(m->uid);
	std::free(m->ipp);
	std::memset(m, 0, sizeof *m);
}
