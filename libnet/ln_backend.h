/* ln_backend.h - the compute side of libnet: kernel descriptors and the
 * backend table.  Kernels work on plain NCHW float pointers with explicit
 * sizes, never allocate (scratch comes from the caller, sized by the
 * *_work functions) and backward kernels ACCUMULATE (+=) into gradient
 * buffers; any gradient pointer may be NULL (not needed).
 *
 * The CPU kernels (ln_cpu_*) are the reference; a CUDA backend fills the
 * same table with device pointers (slot reserved, not built).
 */
#ifndef LN_BACKEND_H
#define LN_BACKEND_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Convolution geometry.  For conv2d: x n*cin*h*w, w cout*cin*kh*kw,
 * y n*cout*oh*ow.  For deconv2d (transposed): x n*cin*h*w,
 * w cin*cout*kh*kw, y n*cout*oh*ow with oh = (h-1)*stride - 2*pad + kh. */
typedef struct ln_conv_desc {
	int n, cin, h, w;
	int cout, kh, kw, stride, pad;
	int oh, ow;
} ln_conv_desc;

int ln_conv_desc_set(ln_conv_desc *d, int transposed, int n, int cin, int h,
                     int w, int cout, int kh, int kw, int stride, int pad);

struct ln_backend {
	const char *name;
	size_t (*conv2d_work)(const ln_conv_desc *d); /* floats of scratch */
	void (*conv2d_fwd)(const ln_conv_desc *d, const float *x,
	                   const float *w, const float *b, float *y,
	                   float *work);
	void (*conv2d_bwd)(const ln_conv_desc *d, const float *x,
	                   const float *w, const float *dy, float *dx,
	                   float *dw, float *db, float *work);
	size_t (*deconv2d_work)(const ln_conv_desc *d);
	void (*deconv2d_fwd)(const ln_conv_desc *d, const float *x,
	                     const float *w, const float *b, float *y,
	                     float *work);
	void (*deconv2d_bwd)(const ln_conv_desc *d, const float *x,
	                     const float *w, const float *dy, float *dx,
	                     float *dw, float *db, float *work);
	/* mean/invstd: c floats saved for backward; running stats updated
	 * with momentum (unbiased variance). */
	void (*bn_fwd_train)(int n, int c, int hw, const float *x,
	                     const float *gamma, const float *beta, float eps,
	                     float momentum, float *rmean, float *rvar,
	                     float *mean, float *invstd, float *y);
	void (*bn_fwd_eval)(int n, int c, int hw, const float *x,
	                    const float *gamma, const float *beta, float eps,
	                    const float *rmean, const float *rvar, float *y);
	/* train=1: through batch statistics; 0: statistics are constants. */
	void (*bn_bwd)(int n, int c, int hw, int train, const float *x,
	               const float *gamma, const float *mean,
	               const float *invstd, const float *dy, float *dx,
	               float *dgamma, float *dbeta);
	void (*relu_fwd)(size_t len, const float *x, float *y);
	void (*relu_bwd)(size_t len, const float *y, const float *dy,
	                 float *dx);
	void (*upsample_fwd)(int nc, int h, int w, int oh, int ow,
	                     const float *x, float *y);
	void (*upsample_bwd)(int nc, int h, int w, int oh, int ow,
	                     const float *dy, float *dx);
	void (*concat_fwd)(int n, int ca, int cb, int hw, const float *a,
	                   const float *b, float *y);
	void (*concat_bwd)(int n, int ca, int cb, int hw, const float *dy,
	                   float *da, float *db);
	void (*axpby)(size_t len, float alpha, const float *a, float beta,
	              const float *b, float *y); /* y = alpha*a + beta*b */
	void (*avgpool_fwd)(int nc, int hw, const float *x, float *y);
	void (*avgpool_bwd)(int nc, int hw, const float *dy, float *dx);
	void (*linear_fwd)(int n, int cin, int cout, const float *x,
	                   const float *w, const float *b, float *y);
	void (*linear_bwd)(int n, int cin, int cout, const float *x,
	                   const float *w, const float *dy, float *dx,
	                   float *dw, float *db);
	void (*dups_fwd)(int n, int k, int h, int w, int s, const float *x,
	                 float *y);
	void (*dups_bwd)(int n, int k, int h, int w, int s, const float *dy,
	                 float *dx);
	void (*softmax_fwd)(int n, int c, int hw, const float *x, float *y);
	void (*softmax_bwd)(int n, int c, int hw, const float *y,
	                    const float *dy, float *dx);
	/* prob: softmax saved for backward; returns the mean loss. */
	double (*ce_fwd)(int n, int c, int hw, const float *x, const int *lab,
	                 float *prob);
	void (*ce_bwd)(int n, int c, int hw, const float *prob, const int *lab,
	               float g, float *dx);
	/* argmin: n*hw ints saved for backward; returns the loss. */
	double (*bnd_fwd)(int n, int h, int w, const float *p, const float *g,
	                  int *argmin, float *bp, float *bg);
	void (*bnd_bwd)(int n, int h, int w, const float *bp, const float *bg,
	                const int *argmin, float gout, float *dp);
};

/* CPU kernels (one file each: op_conv2d.c, op_deconv2d.c, ...). */
size_t ln_cpu_conv2d_work(const ln_conv_desc *d);
void ln_cpu_conv2d_fwd(const ln_conv_desc *d, const float *x, const float *w,
                       const float *b, float *y, float *work);
void ln_cpu_conv2d_bwd(const ln_conv_desc *d, const float *x, const float *w,
                       const float *dy, float *dx, float *dw, float *db,
                       float *work);
size_t ln_cpu_deconv2d_work(const ln_conv_desc *d);
void ln_cpu_deconv2d_fwd(const ln_conv_desc *d, const float *x,
                         const float *w, const float *b, float *y,
                         float *work);
void ln_cpu_deconv2d_bwd(const ln_conv_desc *d, const float *x,
                         const float *w, const float *dy, float *dx,
                         float *dw, float *db, float *work);
void ln_cpu_bn_fwd_train(int n, int c, int hw, const float *x,
                         const float *gamma, const float *beta, float eps,
                         float momentum, float *rmean, float *rvar,
                         float *mean, float *invstd, float *y);
void ln_cpu_bn_fwd_eval(int n, int c, int hw, const float *x,
                        const float *gamma, const float *beta, float eps,
                        const float *rmean, const float *rvar, float *y);
void ln_cpu_bn_bwd(int n, int c, int hw, int train, const float *x,
                   const float *gamma, const float *mean, const float *invstd,
                   const float *dy, float *dx, float *dgamma, float *dbeta);
void ln_cpu_relu_fwd(size_t len, const float *x, float *y);
void ln_cpu_relu_bwd(size_t len, const float *y, const float *dy, float *dx);
void ln_cpu_upsample_fwd(int nc, int h, int w, int oh, int ow, const float *x,
                         float *y);
void ln_cpu_upsample_bwd(int nc, int h, int w, int oh, int ow,
                         const float *dy, float *dx);
void ln_cpu_concat_fwd(int n, int ca, int cb, int hw, const float *a,
                       const float *b, float *y);
void ln_cpu_concat_bwd(int n, int ca, int cb, int hw, const float *dy,
                       float *da, float *db);
void ln_cpu_axpby(size_t len, float alpha, const float *a, float beta,
                  const float *b, float *y);
void ln_cpu_avgpool_fwd(int nc, int hw, const float *x, float *y);
void ln_cpu_avgpool_bwd(int nc, int hw, const float *dy, float *dx);
void ln_cpu_linear_fwd(int n, int cin, int cout, const float *x,
                       const float *w, const float *b, float *y);
void ln_cpu_linear_bwd(int n, int cin, int cout, const float *x,
                       const float *w, const float *dy, float *dx, float *dw,
                       float *db);
void ln_cpu_dups_fwd(int n, int k, int h, int w, int s, const float *x,
                     float *y);
void ln_cpu_dups_bwd(int n, int k, int h, int w, int s, const float *dy,
                     float *dx);
void ln_cpu_softmax_fwd(int n, int c, int hw, const float *x, float *y);
void ln_cpu_softmax_bwd(int n, int c, int hw, const float *y, const float *dy,
                        float *dx);
double ln_cpu_ce_fwd(int n, int c, int hw, const float *x, const int *lab,
                     float *prob);
void ln_cpu_ce_bwd(int n, int c, int hw, const float *prob, const int *lab,
                   float g, float *dx);
double ln_cpu_bnd_fwd(int n, int h, int w, const float *p, const float *g,
                      int *argmin, float *bp, float *bg);
void ln_cpu_bnd_bwd(int n, int h, int w, const float *bp, const float *bg,
                    const int *argmin, float gout, float *dp);

/* im2col over a range of columns of the batched matrix
 * col[(ci*kh+ky)*kw+kx][j - j0], j = img*oh*ow + oy*ow + ox, j in [j0, j1). */
void ln_im2col(const ln_conv_desc *d, const float *x, int j0, int j1,
               float *col);
/* The adjoint: dx += col2im(col) for the same column range.  Not thread
 * safe across overlapping images; callers split by image. */
void ln_col2im(const ln_conv_desc *d, const float *col, int j0, int j1,
               float *dx);

#ifdef __cplusplus
}
#endif

#endif
