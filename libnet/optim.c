/* optim.c - optimizers with PyTorch's update rules (weight decay 0):
 *  SGD      buf = m*buf + g (buf = g at step 1); p -= lr*buf
 *  Adam     m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
 *           p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps)
 *  RMSprop  v = a v + (1-a) g^2; p -= lr * g / (sqrt(v) + eps)
 *  AdaBelief (Zhuang et al. 2020; adabelief-pytorch 0.2, rectify=False)
 *           m = b1 m + (1-b1) g; s = b2 s + (1-b2) (g-m)^2 + eps;
 *           p -= lr/bc1 * m / (sqrt(s)/sqrt(bc2) + eps)
 * with bc1 = 1 - b1^t, bc2 = 1 - b2^t. */
#include "ln.h"
#include "lp_error.h"

#include <math.h>
#include <stdlib.h>

ln_optim *ln_optim_new(ln_optim_kind kind, ln_params *P, float lr)
{
	if (kind < LN_SGD || kind > LN_ADABELIEF) {
		lp_seterr(LP_EX_SOFTWARE, "optimizer: unknown kind %d", kind);
		return NULL;
	}
	ln_optim *o = lp_calloc(1, sizeof *o);
	if (!o)
		return NULL;
	o->kind = kind;
	o->P = P;
	o->lr = lr;
	o->b1 = kind == LN_SGD ? 0.f : 0.9f;
	o->b2 = kind == LN_RMSPROP ? 0.99f : 0.999f;
	o->eps = kind == LN_ADABELIEF ? 1e-16f : 1e-8f;
	return o;
}

static void free_state(float **st, int n)
{
	if (!st)
		return;
	for (int i = 0; i < 2 * n; i++)
		free(st[i]);
	free(st);
}

void ln_optim_free(ln_optim *o)
{
	if (!o)
		return;
	free_state(o->state, o->nstate);
	free(o);
}

const char *ln_optim_name(ln_optim_kind kind)
{
	static const char *names[] = {"?", "sgd", "adam", "rmsprop", "adabelief"};
	return kind >= LN_SGD && kind <= LN_ADABELIEF ? names[kind] : "?";
}

static int alloc_state(ln_optim *o)
{
	int n = o->P->n;
	float **st = lp_calloc(2 * (size_t)(n ? n : 1), sizeof *st);
	if (!st)
		return -1;
	for (int i = 0; i < n; i++) {
		ln_tensor *t = o->P->t[i];
		if (!t->trainable)
			continue;
		st[2 * i] = lp_calloc(ln_numel(t), sizeof(float));
		st[2 * i + 1] = lp_calloc(ln_numel(t), sizeof(float));
		if (!st[2 * i] || !st[2 * i + 1]) {
			free_state(st, n);
			return -1;
		}
	}
	o->state = st;
	o->nstate = n;
	return 0;
}

static void step_one(const ln_optim *o, size_t len, float *p, const float *g,
                     float *m, float *v)
{
	float b1 = o->b1, b2 = o->b2, eps = o->eps, lr = o->lr;
	double bc1 = 1.0 - pow(b1, (double)o->step);
	double bc2s = sqrt(1.0 - pow(b2, (double)o->step));
	float step = (float)(lr / bc1);
	for (size_t i = 0; i < len; i++) {
		switch (o->kind) {
		case LN_SGD:
			m[i] = o->step == 1 ? g[i] : b1 * m[i] + g[i];
			p[i] -= lr * m[i];
			break;
		case LN_RMSPROP:
			v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
			p[i] -= lr * g[i] / (sqrtf(v[i]) + eps);
			break;
		case LN_ADAM:
			m[i] = b1 * m[i] + (1 - b1) * g[i];
			v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
			p[i] -= step * m[i] / (sqrtf(v[i]) / (float)bc2s + eps);
			break;
		case LN_ADABELIEF: {
			m[i] = b1 * m[i] + (1 - b1) * g[i];
			float r = g[i] - m[i];
			v[i] = b2 * v[i] + (1 - b2) * r * r + eps;
			p[i] -= step * m[i] / (sqrtf(v[i]) / (float)bc2s + eps);
			break;
		}
		}
	}
}

int ln_optim_step(ln_optim *o)
{
	if (!o->state && alloc_state(o))
		return -1;
	if (o->nstate != o->P->n)
		return lp_seterr(LP_EX_SOFTWARE, "optimizer: %d params now, %d "
		                 "when it started", o->P->n, o->nstate);
	o->step++;
	for (int i = 0; i < o->P->n; i++) {
		ln_tensor *t = o->P->t[i];
		if (t->trainable && t->grad)
			step_one(o, ln_numel(t), t->data, t->grad, o->state[2 * i],
			         o->state[2 * i + 1]);
	}
	return 0;
}
