/* backend_cuda.c - the slot for a CUDA/cuDNN backend.  A build with
 * CUDA=1 (not yet in the Makefile) would define LN_CUDA and link a
 * backend_cuda.cu that fills an ln_backend table with device kernels; the
 * graph layer then needs device-resident tensors (see README.md).  Without
 * it, asking for the CUDA backend is a clean "unsupported" error. */
#include "ln.h"
#include "ln_backend.h"
#include "lp_error.h"

#ifndef LN_CUDA
const ln_backend *ln_backend_cuda(void)
{
	lp_seterr(LP_EX_UNSUPPORTED, "libnet: built without CUDA (make CUDA=1)");
	return NULL;
}
#endif
