/* ln_graph.h - internals of the graph layer: the context, its tape and
 * helpers for ops (tape.c, graph_*.c, layers.c). */
#ifndef LN_GRAPH_H
#define LN_GRAPH_H

#include "ln.h"
#include "ln_backend.h"

typedef struct ln_node ln_node;
typedef int (*ln_bwd_fn)(ln_ctx *ctx, ln_node *nd);

struct ln_node {
	ln_bwd_fn bwd;
	const char *op;
	ln_tensor *in[3];
	ln_tensor *out;
	int iv[4];
	float fv[2];
	void *saved[3]; /* freed by ln_ctx_reset */
};

struct ln_ctx {
	const ln_backend *be;
	int train, grad;
	ln_tensor **acts;
	size_t nacts, capacts;
	ln_node *tape;
	size_t nnodes, capnodes;
	float *work;
	size_t worklen;
};

/* A zeroed activation of ctx; NULL with an error. */
ln_tensor *ln__tensor(ln_ctx *ctx, int n, int c, int h, int w);
/* t's gradient (allocated zeroed on first use); NULL if t needs none or on
 * allocation failure (then an error is set and *err = -1). */
float *ln__grad(ln_tensor *t, int *err);
/* Scratch of at least n floats, reused across calls. */
float *ln__work(ln_ctx *ctx, size_t n);
/* Record an op if gradients are on and an input needs one; marks
 * out->need_grad.  Returns the node (fill iv/fv/saved) or NULL when not
 * recorded; *err = -1 on allocation failure. */
ln_node *ln__record(ln_ctx *ctx, const char *op, ln_bwd_fn bwd,
                    ln_tensor *out, ln_tensor *a, ln_tensor *b,
                    ln_tensor *c, int *err);
/* "op: what a (2x3x4x4) and b (2x5x4x4)" as LP_EX_DATAERR; returns NULL. */
ln_tensor *ln__shape_err(const char *op, const char *what,
                         const ln_tensor *a, const ln_tensor *b);

#endif
