/* ct-hu-window - map HU to a window: u8 0..255 or f32 0..1. */
#include <stdio.h>
#include <stdlib.h>

#include "lp_filter.h"
#include "lp_window.h"

static const char *out = "-";
static const char *series;
static double wmin = LP_WINDOW_MIN, wmax = LP_WINDOW_MAX;
static int as_float, force;

static const lp_opt opts[] = {
	LP_OPT_OUTPUT(&out),
	{0, "min", LP_OPT_DOUBLE, "HU", &wmin, -32768, 32767, 0, NULL,
	 "Lower end of the window, mapped to 0 (default -1000)."},
	{0, "max", LP_OPT_DOUBLE, "HU", &wmax, -32768, 32767, 0, NULL,
	 "Upper end of the window, mapped to 255 or 1 (default 400). Must be "
	 "above --min."},
	{'f', "float", LP_OPT_FLAG, NULL, &as_float, 0, 0, 0, NULL,
	 "Write f32 values in [0, 1] instead of u8 0..255."},
	{0, "force", LP_OPT_FLAG, NULL, &force, 0, 0, 0, NULL,
	 "Accept channels that are already windowed: their values are mapped "
	 "back to HU with the window they record (lossy for u8) and windowed "
	 "again. Without it such input is refused (exit 65)."},
	LP_OPT_SERIES(&series),
	{0, NULL, LP_OPT_FLAG, NULL, NULL, 0, 0, 0, NULL, NULL},
};

static const lp_tool tool = {
	"ct-hu-window", "map CT values in HU to a window (u8 or f32)",
	"[options] [INPUT]",
	"Reads INPUT (a lungpipe stream, '-' for standard input (the default), "
	"a .mhd/.mha MetaImage file or a DICOM folder) and maps every channel "
	"whose units are \"HU\" linearly from the window [min, max] to 0..255 "
	"(u8, rounded half away from zero) or to [0, 1] (f32 with --float); "
	"values outside the window are clamped. The default window is the "
	"paper's, [-1000, 400] HU.\n\n"
	"Windowed channels get units \"window\" and record the window (wmin, "
	"wmax) so that later tools can map values back to HU; the frame gets "
	"metadata hu_window = \"min,max\". Mask channels and every other "
	"channel that is not in HU are left untouched. A frame without an HU "
	"channel is an error (65), and so is a channel that is already "
	"windowed, unless --force.",
	opts,
	"ct-resample scan.mhd | ct-hu-window > scan_w.lps\n"
	"ct-hu-window --min -1350 --max 150 --float scan.lps -o scan_f.lps",
	"ct-resample(1), ct-info(1), lungpipe-stream(5), lungpipe(7)",
	0, 1,
};

static int window_frame(lp_filter *flt, lp_frame *f, lp_writer *w)
{
	(void)flt;
	(void)w;
	return lp_hu_window(f, wmin, wmax, as_float ? LP_F32 : LP_U8, force);
}

int main(int argc, char **argv)
{
	int i = lp_parse_args(&tool, argc, argv);
	const char *in = i < argc ? argv[i] : "-";
	if (!(wmin < wmax))
		lp_die(LP_EX_USAGE, "--min %g must be below --max %g", wmin,
		       wmax);
	lp_filter flt = {.in = in, .out = out, .series = series,
	                 .frame = window_frame};
	if (lp_filter_run(&flt) < 0)
		lp_die_err();
	lp_close_stdout();
	return 0;
}
