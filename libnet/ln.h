/* ln.h - libnet: a small neural-network library (forward + backward) in C.
 *
 * Layout: tensors are float32, NCHW (a vector batch is N x C x 1 x 1).
 *
 * Three layers, kept apart:
 *  1. Kernels (libnet/op_*.c): forward and backward of one operation side by
 *     side, on plain pointers and explicit sizes.  They never allocate.
 *  2. A backend (ln_backend.h): a table of those kernels.  The CPU backend
 *     (OpenBLAS + a pthread pool) is the reference; a CUDA backend can fill the
 *     same table later (build switch CUDA=1, not built now).
 *  3. The graph layer (this header): an ln_ctx records every operation on a
 *     tape as it runs it (eager, like PyTorch); ln_backward() replays the
 *     tape backwards.  Shapes are checked here; a mismatch sets
 *     lp_seterr(LP_EX_DATAERR, "conv2d: input 2x3x8x8 does not match
 *     weight 4x5x3x3 ...") and the op returns NULL.  Every op returns NULL
 *     when given a NULL input, so a chain of ops can be checked once at the
 *     end.
 *
 * Parameters live in an ln_params registry (name, tensor, gradient); layers
 * (ln_conv, ln_deconv, ln_bn, ln_linear) register theirs there.  Activations
 * and their gradients are owned by the ln_ctx and freed by ln_ctx_reset().
 *
 * A training step:
 *     ln_params_zero_grad(P);
 *     ln_tensor *y = ln_conv_fwd(ctx, &c1, x);  ...  loss = ln_loss_ce(...);
 *     if (!loss || ln_backward(ctx, loss)) error;
 *     ln_optim_step(opt);
 *     ln_ctx_reset(ctx);
 *
 * Threads: the CPU backend runs its kernels on a small pthread pool
 * (ln_set_threads; default omp_get_max_threads(), i.e. OMP_NUM_THREADS or
 * all cores) and calls OpenBLAS single-threaded inside it (libnet sets
 * OpenBLAS to 1 thread, process-wide).  Work is cut into chunks that do not
 * depend on the thread count, so results are bit-identical for any count.
 */
#ifndef LN_H
#define LN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ln_tensor {
	int n, c, h, w;
	float *data;
	float *grad;   /* allocated (zeroed) when a gradient first arrives */
	int need_grad; /* a gradient flows into this tensor */
	int trainable; /* params: updated by optimizers (BN running stats: 0) */
	int owned;     /* 1: data/grad freed with the tensor */
	char *name;    /* params only */
} ln_tensor;

size_t ln_numel(const ln_tensor *t);
/* "2x3x8x8" into buf (at least 64 bytes); returns buf. */
const char *ln_shape_str(const ln_tensor *t, char *buf, size_t len);

typedef struct ln_backend ln_backend;
const ln_backend *ln_backend_cpu(void);
/* NULL with LP_EX_UNSUPPORTED unless built with CUDA=1 (not yet). */
const ln_backend *ln_backend_cuda(void);

/* ---- context: tape + activations --------------------------------------- */
typedef struct ln_ctx ln_ctx;
ln_ctx *ln_ctx_new(const ln_backend *be); /* NULL: the CPU backend */
void ln_ctx_free(ln_ctx *ctx);
void ln_ctx_reset(ln_ctx *ctx); /* frees activations, grads and the tape */
void ln_ctx_train(ln_ctx *ctx, int train); /* BN uses batch stats; default 1 */
int ln_ctx_is_train(const ln_ctx *ctx);
/* Disable recording (inference): no tape, no gradients.  Default 1. */
void ln_ctx_grad(ln_ctx *ctx, int enable);
void ln_set_threads(int n); /* libnet threads; <= 0: the default */
int ln_get_threads(void);

/* A new activation tensor owned by ctx (zeroed), e.g. the network input. */
ln_tensor *ln_input(ln_ctx *ctx, int n, int c, int h, int w);
/* Wrap caller-owned memory (not freed by ctx); no gradient. */
ln_tensor *ln_wrap(ln_ctx *ctx, float *data, int n, int c, int h, int w);

/* Run the tape backwards from a one-element tensor (its gradient is 1).
 * Gradients accumulate into params (call ln_params_zero_grad first). */
int ln_backward(ln_ctx *ctx, ln_tensor *loss);

/* ---- operations (record on the tape when grad is enabled) -------------- */
/* w: cout x cin x kh x kw; b: 1 x cout x 1 x 1 or NULL. */
ln_tensor *ln_conv2d(ln_ctx *ctx, ln_tensor *x, ln_tensor *w, ln_tensor *b,
                     int stride, int pad);
/* Transposed conv, w: cin x cout x kh x kw (PyTorch layout);
 * out = (in - 1) * stride - 2 * pad + k. */
ln_tensor *ln_deconv2d(ln_ctx *ctx, ln_tensor *x, ln_tensor *w, ln_tensor *b,
                       int stride, int pad);
ln_tensor *ln_relu(ln_ctx *ctx, ln_tensor *x);
/* Bilinear, align_corners=False (PyTorch), to oh x ow. */
ln_tensor *ln_upsample(ln_ctx *ctx, ln_tensor *x, int oh, int ow);
ln_tensor *ln_concat(ln_ctx *ctx, ln_tensor *a, ln_tensor *b); /* channels */
ln_tensor *ln_add(ln_ctx *ctx, ln_tensor *a, ln_tensor *b);
ln_tensor *ln_scale(ln_ctx *ctx, ln_tensor *x, float alpha);
ln_tensor *ln_avgpool(ln_ctx *ctx, ln_tensor *x); /* global: N x C x 1 x 1 */
/* x: N x (c*h*w) flattened; w: cout x cin x 1 x 1; b: 1 x cout x 1 x 1. */
ln_tensor *ln_linear(ln_ctx *ctx, ln_tensor *x, ln_tensor *w, ln_tensor *b);
/* DUpsampling rearrangement: N x (K*s*s) x H x W -> N x K x (H*s) x (W*s),
 *   out[n][k][h*s+b][w*s+a] = in[n][(a*s + b)*K + k][h][w]
 * (a: column offset, b: row offset) - the ordering of the reference
 * implementation of Tian et al. 2019 (permute/view sequence). */
ln_tensor *ln_dupsample(ln_ctx *ctx, ln_tensor *x, int s);
ln_tensor *ln_softmax(ln_ctx *ctx, ln_tensor *x); /* over channels */
/* Channel `c` of x as an N x 1 x H x W tensor. */
ln_tensor *ln_channel(ln_ctx *ctx, ln_tensor *x, int c);

/* ---- losses (return a 1x1x1x1 tensor) ----------------------------------- */
/* Softmax cross-entropy over channels, mean over all N*H*W positions:
 * per pixel for N x C x H x W logits, per sample for N x C x 1 x 1.
 * labels: N*H*W class indices in [0, C). */
ln_tensor *ln_loss_ce(ln_ctx *ctx, ln_tensor *logits, const int *labels);
ln_tensor *ln_mean(ln_ctx *ctx, ln_tensor *x); /* mean of all elements */
/* WGAN critic: L_D = -mean(D(real)) + mean(D(fake)). */
ln_tensor *ln_loss_wgan_critic(ln_ctx *ctx, ln_tensor *d_real,
                               ln_tensor *d_fake);
/* WGAN adversarial (generator) term: L_adv = -mean(D(fake)). */
ln_tensor *ln_loss_wgan_gen(ln_ctx *ctx, ln_tensor *d_fake);
/* Boundary consistency L_b (Zhu et al. 2021, eq. 3) made differentiable:
 *   B(p)(i,j) = p(i,j) - min(p(i,j), its 4 neighbours inside the image)
 * (a soft erosion with the paper's 4-neighbourhood; for binary masks it is
 * exactly the paper's boundary map), and per sample
 *   L_b = sum|B(p) - B(g)| / (sum B(p) + sum B(g) + 1e-6),
 * averaged over the batch.  p: N x 1 x H x W soft foreground probability,
 * g: the ground truth (0/1) of the same shape; no gradient flows into g.
 * The gradient of |.| at 0 is taken as 0; min() sends its gradient to the
 * (first) smallest of the five. */
ln_tensor *ln_loss_boundary(ln_ctx *ctx, ln_tensor *p, ln_tensor *g);

/* ---- parameters ---------------------------------------------------------- */
typedef struct ln_params {
	ln_tensor **t;
	int n, cap;
} ln_params;

void ln_params_init(ln_params *P);
void ln_params_free(ln_params *P); /* frees the tensors too */
ln_tensor *ln_param_add(ln_params *P, const char *name, int n, int c, int h,
                        int w, int trainable);
ln_tensor *ln_param_find(const ln_params *P, const char *name);
void ln_params_zero_grad(ln_params *P);
/* Freeze (0) or unfreeze (1) the trainable params of P: frozen params get
 * no gradient (e.g. the critic during the segmenter's step). */
void ln_params_set_grad(ln_params *P, int on);
void ln_params_clip(ln_params *P, float c); /* WGAN: clamp to [-c, c] */
size_t ln_params_count(const ln_params *P); /* trainable elements */

typedef struct ln_rng {
	uint64_t s;
} ln_rng;
void ln_rng_seed(ln_rng *r, uint64_t seed);
uint32_t ln_rng_u32(ln_rng *r);
float ln_rng_uniform(ln_rng *r, float lo, float hi);
float ln_rng_normal(ln_rng *r);

/* ---- layers: parameters registered as NAME.weight, NAME.bias, ... ------- */
typedef struct ln_conv {
	ln_tensor *w, *b;
	int stride, pad;
} ln_conv;
/* PyTorch's default init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
int ln_conv_init(ln_conv *L, ln_params *P, const char *name, int cin,
                 int cout, int k, int stride, int pad, int bias, ln_rng *rng);
ln_tensor *ln_conv_fwd(ln_ctx *ctx, const ln_conv *L, ln_tensor *x);

typedef ln_conv ln_deconv;
int ln_deconv_init(ln_deconv *L, ln_params *P, const char *name, int cin,
                   int cout, int k, int stride, int pad, int bias,
                   ln_rng *rng);
ln_tensor *ln_deconv_fwd(ln_ctx *ctx, const ln_deconv *L, ln_tensor *x);

typedef struct ln_bn {
	ln_tensor *gamma, *beta, *rmean, *rvar; /* .weight .bias .running_* */
	float momentum, eps;                    /* 0.1, 1e-5 */
} ln_bn;
int ln_bn_init(ln_bn *L, ln_params *P, const char *name, int c);
/* Training: batch statistics (biased variance) and running-statistics
 * update (unbiased variance, momentum) as PyTorch; eval: running stats. */
ln_tensor *ln_bn_fwd(ln_ctx *ctx, const ln_bn *L, ln_tensor *x);

typedef ln_conv ln_linear_layer;
int ln_linear_init(ln_linear_layer *L, ln_params *P, const char *name,
                   int cin, int cout, ln_rng *rng);
ln_tensor *ln_linear_fwd(ln_ctx *ctx, const ln_linear_layer *L,
                         ln_tensor *x);

/* ---- optimizers (PyTorch semantics, weight decay 0) ---------------------- */
typedef enum {
	LN_SGD = 1,       /* lr, momentum (b1); buf = m*buf + g; p -= lr*buf */
	LN_ADAM = 2,      /* lr, betas (b1, b2), eps */
	LN_RMSPROP = 3,   /* lr, alpha (b2, default 0.99), eps; not centered */
	LN_ADABELIEF = 4  /* lr, betas, eps; adabelief-pytorch v0.2, rectify off */
} ln_optim_kind;

typedef struct ln_optim {
	ln_optim_kind kind;
	float lr, b1, b2, eps;
	long step;
	ln_params *P;
	float **state; /* per param: 2 buffers of numel floats (m, v) */
	int nstate;    /* number of params the state covers */
} ln_optim;

/* Defaults: SGD m=0; Adam 0.9/0.999/1e-8; RMSProp alpha 0.99 eps 1e-8;
 * AdaBelief 0.9/0.999/1e-16.  Set fields after creation to change. */
ln_optim *ln_optim_new(ln_optim_kind kind, ln_params *P, float lr);
void ln_optim_free(ln_optim *o);
int ln_optim_step(ln_optim *o);
const char *ln_optim_name(ln_optim_kind kind);

/* ---- checkpoints ----------------------------------------------------------
 * File (little-endian): "LNCKPT\r\n", u32 version (1), u32 len + architecture
 * string, u32 count, per tensor: u32 len + name, u32 4, i32 n c h w, float
 * data; u32 has_optim, [u32 kind, i64 step, f32 lr b1 b2 eps, u32 nstate,
 * per param 2*numel floats]; u32 CRC-32 (zlib) of everything before it.
 * Loading checks magic, version, CRC, architecture string, every name and
 * shape; nothing is changed unless all of it matches. */
int ln_ckpt_save(const char *path, const char *arch, const ln_params *P,
                 const ln_optim *o);
int ln_ckpt_load(const char *path, const char *arch, ln_params *P,
                 ln_optim *o);

#ifdef __cplusplus
}
#endif

#endif
