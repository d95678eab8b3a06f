// itk_oracle - an independent ITK 5 (C++) oracle for lungpipe's tests
// (tests/t_itk_oracle.sh compiles it; never part of lungpipe itself).
//
//   itk_oracle read FILE OUT.f32          MetaImage through itk::MetaImageIO
//   itk_oracle dicom DIR OUT.f32          DICOM series through GDCMImageIO +
//                                         GDCMSeriesFileNames (largest series)
//   itk_oracle write TYPE IN.f32 NX NY NZ SX SY SZ OX OY OZ D00..D22 OUT [z]
//                                         write IN (float32, x fastest) as TYPE
//                                         (uchar, short, float) to OUT (.mhd or
//                                         .mha); z = compressed
//   itk_oracle resample IN REF linear|nearest OUT.f32
//                                         ResampleImageFilter of IN onto REF's
//                                         grid (origin, spacing, size, direction)
//
// read, dicom and resample print one JSON line: dims, spacing, origin,
// direction (ITK's matrix, row-major: D[i][a] is component i of voxel axis a)
// and the component type; the voxels go to OUT.f32 as little-endian float32,
// x fastest.  Outside voxels of resample are NaN.  Exit 0, or 1 with a message.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "itkGDCMImageIO.h"
#include "itkGDCMSeriesFileNames.h"
#include "itkImage.h"
#include "itkImageFileReader.h"
#include "itkImageFileWriter.h"
#include "itkImageSeriesReader.h"
#include "itkLinearInterpolateImageFunction.h"
#include "itkMetaImageIO.h"
#include "itkNearestNeighborInterpolateImageFunction.h"
#include "itkResampleImageFilter.h"

using FImage = itk::Image<float, 3>;

static void print_geom(const FImage *im, const char *ctype, const char *extra)
{
	const auto sz = im->GetLargestPossibleRegion().GetSize();
	const auto sp = im->GetSpacing();
	const auto org = im->GetOrigin();
	const auto d = im->GetDirection();
	std::printf("{\"dims\":[%lu,%lu,%lu],\"spacing\":[%.17g,%.17g,%.17g],"
	            "\"origin\":[%.17g,%.17g,%.17g],\"direction\":[",
	            (unsigned long)sz[0], (unsigned long)sz[1], (unsigned long)sz[2],
	            sp[0], sp[1], sp[2], org[0], org[1], org[2]);
	for (int i = 0; i < 3; i++)
		for (int a = 0; a < 3; a++)
			std::printf("%s%.17g", i + a ? "," : "", d[i][a]);
	std::printf("],\"ctype\":\"%s\"%s}\n", ctype, extra);
}

static void dump(const FImage *im, const char *path)
{
	const size_t n = im->GetLargestPossibleRegion().GetNumberOfPixels();
	std::ofstream os(path, std::ios::binary);
	os.write(reinterpret_cast<const char *>(im->GetBufferPointer()),
	         (std::streamsize)(n * sizeof(float)));
	if (!os)
		throw std::runtime_error(std::string("cannot write ") + path);
}

static int cmd_read(char **av)
{
	auto io = itk::MetaImageIO::New();
	auto rd = itk::ImageFileReader<FImage>::New();
	rd->SetImageIO(io);
	rd->SetFileName(av[0]);
	rd->Update();
	print_geom(rd->GetOutput(),
	           itk::ImageIOBase::GetComponentTypeAsString(io->GetComponentType()).c_str(), "");
	dump(rd->GetOutput(), av[1]);
	return 0;
}

static int cmd_dicom(char **av)
{
	auto names = itk::GDCMSeriesFileNames::New();
	names->SetUseSeriesDetails(true);
	names->SetDirectory(av[0]);
	std::string best;
	size_t nbest = 0;
	for (const auto &uid : names->GetSeriesUIDs()) {
		size_t n = names->GetFileNames(uid).size();
		if (n > nbest)
			nbest = n, best = uid;
	}
	if (!nbest)
		throw std::runtime_error(std::string("no DICOM series in ") + av[0]);
	auto io = itk::GDCMImageIO::New();
	auto rd = itk::ImageSeriesReader<FImage>::New();
	rd->SetImageIO(io);
	rd->SetFileNames(names->GetFileNames(best));
	rd->Update();
	char extra[64];
	std::snprintf(extra, sizeof extra, ",\"nfiles\":%zu", nbest);
	print_geom(rd->GetOutput(), "float", extra);
	dump(rd->GetOutput(), av[1]);
	return 0;
}

template <typename T> static int write_as(char **av)
{
	using Im = itk::Image<T, 3>;
	typename Im::SizeType sz;
	typename Im::SpacingType sp;
	typename Im::PointType org;
	typename Im::DirectionType d;
	for (int a = 0; a < 3; a++) {
		sz[a] = std::strtoul(av[1 + a], nullptr, 10);
		sp[a] = std::strtod(av[4 + a], nullptr);
		org[a] = std::strtod(av[7 + a], nullptr);
	}
	for (int i = 0; i < 3; i++)
		for (int a = 0; a < 3; a++)
			d[i][a] = std::strtod(av[10 + 3 * i + a], nullptr);
	auto im = Im::New();
	im->SetRegions(typename Im::RegionType(sz));
	im->SetSpacing(sp);
	im->SetOrigin(org);
	im->SetDirection(d);
	im->Allocate();
	const size_t n = sz[0] * sz[1] * sz[2];
	std::vector<float> buf(n);
	std::ifstream is(av[0], std::ios::binary);
	is.read(reinterpret_cast<char *>(buf.data()), (std::streamsize)(n * sizeof(float)));
	if (!is)
		throw std::runtime_error(std::string("short read on ") + av[0]);
	T *p = im->GetBufferPointer();
	for (size_t k = 0; k < n; k++)
		p[k] = static_cast<T>(buf[k]);
	auto wr = itk::ImageFileWriter<Im>::New();
	wr->SetImageIO(itk::MetaImageIO::New());
	wr->SetFileName(av[19]);
	wr->SetInput(im);
	wr->SetUseCompression(av[20] && !std::strcmp(av[20], "z"));
	wr->Update();
	return 0;
}

static int cmd_write(char **av)
{
	if (!std::strcmp(av[0], "uchar"))
		return write_as<unsigned char>(av + 1);
	if (!std::strcmp(av[0], "short"))
		return write_as<short>(av + 1);
	if (!std::strcmp(av[0], "float"))
		return write_as<float>(av + 1);
	throw std::runtime_error(std::string("unknown type ") + av[0]);
}

static FImage::Pointer read_meta(const char *path)
{
	auto rd = itk::ImageFileReader<FImage>::New();
	rd->SetImageIO(itk::MetaImageIO::New());
	rd->SetFileName(path);
	rd->Update();
	return rd->GetOutput();
}

static int cmd_resample(char **av)
{
	auto in = read_meta(av[0]);
	auto ref = read_meta(av[1]);
	auto rs = itk::ResampleImageFilter<FImage, FImage>::New();
	rs->SetInput(in);
	rs->SetOutputOrigin(ref->GetOrigin());
	rs->SetOutputSpacing(ref->GetSpacing());
	rs->SetOutputDirection(ref->GetDirection());
	rs->SetSize(ref->GetLargestPossibleRegion().GetSize());
	rs->SetDefaultPixelValue(std::nanf(""));
	if (!std::strcmp(av[2], "linear"))
		rs->SetInterpolator(itk::LinearInterpolateImageFunction<FImage, double>::New());
	else if (!std::strcmp(av[2], "nearest"))
		rs->SetInterpolator(itk::NearestNeighborInterpolateImageFunction<FImage, double>::New());
	else
		throw std::runtime_error(std::string("unknown interpolator ") + av[2]);
	rs->Update();
	print_geom(rs->GetOutput(), "float", "");
	dump(rs->GetOutput(), av[3]);
	return 0;
}

int main(int argc, char **argv)
{
	struct {
		const char *name;
		int nargs;
		int (*fn)(char **);
	} cmds[] = {{"read", 2, cmd_read}, {"dicom", 2, cmd_dicom},
	            {"write", 21, cmd_write}, {"resample", 4, cmd_resample}};
	for (const auto &c : cmds) {
		if (argc < 2 || std::strcmp(argv[1], c.name))
			continue;
		if (argc - 2 < c.nargs || argc - 2 > c.nargs + (c.fn == cmd_write)) {
			std::fprintf(stderr, "itk_oracle %s: wrong number of arguments\n", c.name);
			return 1;
		}
		try {
			return c.fn(argv + 2);
		} catch (const std::exception &e) {
			std::fprintf(stderr, "itk_oracle %s: %s\n", c.name, e.what());
			return 1;
		}
	}
	std::fprintf(stderr, "usage: itk_oracle read|dicom|write|resample ... (see source)\n");
	return 1;
}
