/* params.c - the parameter registry and a small deterministic RNG. */
#include "ln.h"
#include "lp_error.h"
#include "lp_rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void ln_params_init(ln_params *P)
{
	memset(P, 0, sizeof *P);
}

void ln_params_free(ln_params *P)
{
	for (int i = 0; i < P->n; i++) {
		free(P->t[i]->data);
		free(P->t[i]->grad);
		free(P->t[i]->name);
		free(P->t[i]);
	}
	free(P->t);
	memset(P, 0, sizeof *P);
}

ln_tensor *ln_param_find(const ln_params *P, const char *name)
{
	for (int i = 0; i < P->n; i++)
		if (strcmp(P->t[i]->name, name) == 0)
			return P->t[i];
	return NULL;
}

ln_tensor *ln_param_add(ln_params *P, const char *name, int n, int c, int h,
                        int w, int trainable)
{
	if (n <= 0 || c <= 0 || h <= 0 || w <= 0 || !name || !*name) {
		lp_seterr(LP_EX_SOFTWARE, "param %s: bad shape %dx%dx%dx%d",
		          name ? name : "?", n, c, h, w);
		return NULL;
	}
	if (ln_param_find(P, name)) {
		lp_seterr(LP_EX_SOFTWARE, "param %s: name used twice", name);
		return NULL;
	}
	if (P->n == P->cap) {
		int cap = P->cap ? 2 * P->cap : 32;
		ln_tensor **t = lp_realloc(P->t, (size_t)cap * sizeof *t);
		if (!t)
			return NULL;
		P->t = t;
		P->cap = cap;
	}
	ln_tensor *t = lp_calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->n = n, t->c = c, t->h = h, t->w = w;
	t->trainable = trainable;
	t->need_grad = trainable;
	t->owned = 1;
	t->name = lp_strdup(name);
	t->data = lp_calloc(ln_numel(t), sizeof(float));
	t->grad = trainable ? lp_calloc(ln_numel(t), sizeof(float)) : NULL;
	if (!t->name || !t->data || (trainable && !t->grad)) {
		free(t->name);
		free(t->data);
		free(t->grad);
		free(t);
		return NULL;
	}
	P->t[P->n++] = t;
	return t;
}

void ln_params_zero_grad(ln_params *P)
{
	for (int i = 0; i < P->n; i++)
		if (P->t[i]->grad)
			memset(P->t[i]->grad, 0, ln_numel(P->t[i]) * sizeof(float));
}

void ln_params_set_grad(ln_params *P, int on)
{
	for (int i = 0; i < P->n; i++)
		P->t[i]->need_grad = on && P->t[i]->trainable;
}

void ln_params_clip(ln_params *P, float c)
{
	for (int i = 0; i < P->n; i++) {
		ln_tensor *t = P->t[i];
		if (!t->trainable)
			continue;
		for (size_t k = 0; k < ln_numel(t); k++)
			t->data[k] = t->data[k] > c ? c
			           : (t->data[k] < -c ? -c : t->data[k]);
	}
}

size_t ln_params_count(const ln_params *P)
{
	size_t s = 0;
	for (int i = 0; i < P->n; i++)
		if (P->t[i]->trainable)
			s += ln_numel(P->t[i]);
	return s;
}

/* splitmix64 (lp_rng.h) */
void ln_rng_seed(ln_rng *r, uint64_t seed)
{
	r->s = seed;
}

uint32_t ln_rng_u32(ln_rng *r)
{
	return (uint32_t)(lp_rng_next(&r->s) >> 32);
}

float ln_rng_uniform(ln_rng *r, float lo, float hi)
{
	return lo + (hi - lo) * (float)((ln_rng_u32(r) >> 8) * (1.0 / 16777216.0));
}

float ln_rng_normal(ln_rng *r)
{
	double u = ((ln_rng_u32(r) >> 8) + 0.5) * (1.0 / 16777216.0);
	double v = (ln_rng_u32(r) >> 8) * (1.0 / 16777216.0);
	return (float)(sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v));
}
