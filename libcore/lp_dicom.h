/* lp_dicom.h - DICOM series reading through DCMTK (C interface). */
#ifndef LP_DICOM_H
#define LP_DICOM_H

#include "lp_frame.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
	char uid[128];
	char modality[16];
	char description[128];
	int nfiles;
	int rows, cols;
} lp_dicom_series_info;

/* Scan a folder tree; fill a malloc'd array of series (count in *n). */
int lp_dicom_scan(const char *dir, lp_dicom_series_info **out, int *n);

/* Read a series (uid NULL = the CT series with most slices) into a frame
 * with an int16 "image" channel in HU and LPS geometry. */
int lp_dicom_read(const char *dir, const char *uid, lp_frame *f);

/* True if path is a folder (DICOM input candidate). */
int lp_is_dir(const char *path);

#ifdef __cplusplus
}
#endif

#endif
