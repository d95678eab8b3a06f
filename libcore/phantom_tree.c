/* phantom_tree.c - the lung vessel trees: in each lung a pulmonary artery
 * tree with its bronchi alongside, and a vein tree.
 *
 * Space-filling construction: a tree gets a territory, random points
 * inside its lung (4000 for arteries, 3000 for veins).  A branch heads for
 * the centroid of its territory (lightly blended with its parent's
 * direction), runs 60 % of the way (all of it for a single point), bends
 * once, then splits the territory at the median of its longest extent into
 * two children.  Radii follow Murray's law with flow proportional to
 * territory: r_child = r (n_child / n)^(1/3), so r^3 = r1^3 + r2^3.
 * Branches whose end or middle would leave the lung are shortened, then
 * dropped; branches thinner than the visible limit stop. */
#include <math.h>
#include <stdlib.h>
#include "phantom_int.h"

#define RLEAF 0.36 /* radius of a one-point territory, mm */

typedef struct {
	double p[3], d[3], e[3]; /* start, direction, bronchus offset dir */
	double r, hu;
	int side, bronch, root;
	int64_t lo, hi;          /* territory: points [lo, hi) */
} ph_task;

typedef struct {
	ph_task *v;
	int64_t n, cap;
} ph_stack;

typedef struct {
	const ph_anat *a;
	ph_rng *rng;
	ph_tubes *ts;
	ph_stack st;
	double rmin, rbmin;
	double (*pts)[3];        /* territory points of the current tree */
} ph_grow;

static int push(ph_stack *s, const ph_task *t)
{
	if (s->n == s->cap) {
		int64_t cap = s->cap ? s->cap * 2 : 256;
		void *p = lp_realloc(s->v, (size_t)cap * sizeof *s->v);
		if (!p)
			return -1;
		s->v = p;
		s->cap = cap;
	}
	s->v[s->n++] = *t;
	return 0;
}

static int in_lung(const ph_grow *g, const double p[3], int side)
{
	const ph_anat *a = g->a;
	int lab = ph_label_at(a, p[0] - a->cx, p[1] - a->cy, p[2]);
	return lab == (side ? PH_L_LLUNG : PH_L_RLUNG);
}

static void turn(ph_rng *r, const double d[3], double ang, double out[3])
{
	double e1[3], e2[3], psi = ph_range(r, 0, 2 * M_PI);
	ph_perp(d, e1, e2);
	for (int i = 0; i < 3; i++)
		out[i] = cos(ang) * d[i] +
		         sin(ang) * (cos(psi) * e1[i] + sin(psi) * e2[i]);
	ph_norm(out);
}

/* Unit vector of e made perpendicular to d. */
static void reperp(const double d[3], double e[3])
{
	double k = ph_dot(e, d), e1[3], e2[3];
	for (int i = 0; i < 3; i++)
		e[i] -= k * d[i];
	if (ph_dot(e, e) < 1e-8) {
		ph_perp(d, e1, e2);
		for (int i = 0; i < 3; i++)
			e[i] = e1[i];
	}
	ph_norm(e);
}

static int bronchus(ph_grow *g, const ph_task *t, const double q[3],
                    const double d2[3])
{
	double rb = 0.75 * t->r, wall = 0.15 * rb + 0.3, off, a[3], b[3], e2[3];
	off = t->r + rb + wall + 0.3;
	for (int i = 0; i < 3; i++)
		e2[i] = t->e[i];
	reperp(d2, e2);
	for (int i = 0; i < 3; i++) {
		a[i] = t->p[i] + off * t->e[i];
		b[i] = q[i] + off * e2[i];
	}
	if (ph_tubes_add(g->ts, a, b, rb + wall, 0.97 * (rb + wall), 0,
	                 PH_T_WALL) ||
	    ph_tubes_add(g->ts, a, b, rb, 0.97 * rb, 0, PH_T_LUMEN))
		return -1;
	return 0;
}

static void centroid(const ph_grow *g, const ph_task *t, double c[3])
{
	c[0] = c[1] = c[2] = 0;
	for (int64_t i = t->lo; i < t->hi; i++)
		for (int a = 0; a < 3; a++)
			c[a] += g->pts[i][a];
	for (int a = 0; a < 3; a++)
		c[a] /= (double)(t->hi - t->lo);
}

/* One branch towards the territory's centroid; 1 = grown, 0 = dropped. */
static int branch_end(ph_grow *g, const ph_task *t, double m[3], double q[3],
                      double d2[3])
{
	double c[3], to[3], dist, L, d[3];
	centroid(g, t, c);
	for (int a = 0; a < 3; a++)
		to[a] = c[a] - t->p[a];
	dist = sqrt(ph_dot(to, to));
	if (dist < 1e-6)
		return 0;
	L = t->hi - t->lo == 1 ? dist : fmax(0.6 * dist, fmin(dist, 2 * t->r));
	for (int a = 0; a < 3; a++)
		d[a] = 0.7 * to[a] / dist + 0.3 * t->d[a];
	ph_norm(d);
	for (int tries = 0; tries < 3; tries++, L *= 0.6) {
		double d1[3];
		turn(g->rng, d, ph_range(g->rng, 0.03, 0.12), d1);
		for (int a = 0; a < 3; a++) {
			m[a] = t->p[a] + 0.5 * L * d1[a];
			q[a] = t->p[a] + L * d[a];
			d2[a] = q[a] - m[a];
		}
		ph_norm(d2);
		if (in_lung(g, q, t->side) && (t->root || in_lung(g, m, t->side)))
			return 1;
	}
	return 0;
}

static void swap_pt(double (*p)[3], int64_t i, int64_t j)
{
	for (int a = 0; a < 3; a++) {
		double s = p[i][a];
		p[i][a] = p[j][a];
		p[j][a] = s;
	}
}

/* Quickselect: order [lo, hi) so that [lo, k) <= [k, hi) along axis ax. */
static void select_k(double (*p)[3], int64_t lo, int64_t hi, int64_t k, int ax)
{
	while (hi - lo > 1) {
		double piv = p[lo + (hi - lo) / 2][ax];
		int64_t i = lo, j = hi - 1;
		while (i <= j) {
			while (p[i][ax] < piv)
				i++;
			while (p[j][ax] > piv)
				j--;
			if (i <= j)
				swap_pt(p, i++, j--);
		}
		if (k <= j)
			hi = j + 1;
		else if (k >= i)
			lo = i;
		else
			return;
	}
}

static int64_t split(ph_grow *g, const ph_task *t)
{
	double lo[3] = {1e30, 1e30, 1e30}, hi[3] = {-1e30, -1e30, -1e30};
	int ax = 0;
	int64_t mid = t->lo + (t->hi - t->lo) / 2;
	for (int64_t i = t->lo; i < t->hi; i++)
		for (int a = 0; a < 3; a++) {
			lo[a] = fmin(lo[a], g->pts[i][a]);
			hi[a] = fmax(hi[a], g->pts[i][a]);
		}
	for (int a = 1; a < 3; a++)
		if (hi[a] - lo[a] > hi[ax] - lo[ax])
			ax = a;
	select_k(g->pts, t->lo, t->hi, mid, ax);
	return mid;
}

static int children(ph_grow *g, const ph_task *t, const double q[3],
                    const double d2[3])
{
	int64_t n = t->hi - t->lo, mid;
	ph_task c[2];
	if (n < 2)
		return 0;
	mid = split(g, t);
	for (int k = 0; k < 2; k++) {
		c[k] = *t;
		c[k].lo = k ? mid : t->lo;
		c[k].hi = k ? t->hi : mid;
		c[k].r = RLEAF * cbrt((double)(c[k].hi - c[k].lo));
		c[k].root = 0;
		c[k].bronch = t->bronch && c[k].r >= g->rbmin;
		for (int a = 0; a < 3; a++) {
			c[k].p[a] = q[a];
			c[k].d[a] = d2[a];
		}
		reperp(c[k].d, c[k].e);
		if (c[k].r >= g->rmin && push(&g->st, &c[k]))
			return -1;
	}
	return 0;
}

static int grow_one(ph_grow *g, const ph_task *t)
{
	double m[3], q[3], d2[3], rm = 0.985 * t->r, re = 0.97 * t->r;
	if (!branch_end(g, t, m, q, d2))
		return 0;
	if (ph_tubes_add(g->ts, t->p, m, t->r, rm, t->hu, PH_T_VESSEL) ||
	    ph_tubes_add(g->ts, m, q, rm, re, t->hu, PH_T_VESSEL))
		return -1;
	if (t->bronch && bronchus(g, t, q, d2))
		return -1;
	return children(g, t, q, d2);
}

/* Random points inside lung `side`. */
static int64_t sample(ph_grow *g, int side, int64_t n, double (*pts)[3])
{
	const ph_anat *a = g->a;
	int64_t got = 0;
	for (int64_t t = 0; t < 60 * n && got < n; t++) {
		double p[3];
		p[0] = a->cx + (side ? 1 : -1) * ph_range(g->rng, 0, a->A);
		p[1] = a->cy + ph_range(g->rng, -a->B, a->B);
		p[2] = a->zb + ph_range(g->rng, 0, a->H);
		if (in_lung(g, p, side))
			for (int k = 0; k < 3; k++)
				pts[got][k] = p[k];
		got += in_lung(g, p, side);
	}
	return got;
}

static int tree(ph_grow *g, int side, const double p[3], const double d[3],
                int64_t npts, double hu, int bronch)
{
	ph_task t = {{0}, {0}, {0, 1, 0}, 0, hu, side, bronch, 1, 0, 0};
	int rc = 0;
	t.hi = sample(g, side, npts, g->pts);
	if (t.hi < 1)
		return 0;
	t.r = RLEAF * cbrt((double)t.hi);
	for (int i = 0; i < 3; i++) {
		t.p[i] = p[i];
		t.d[i] = d[i];
	}
	ph_norm(t.d);
	reperp(t.d, t.e);
	if (push(&g->st, &t))
		return -1;
	while (!rc && g->st.n > 0) {
		ph_task c = g->st.v[--g->st.n];
		rc = grow_one(g, &c);
	}
	return rc;
}

int ph_trees(const ph_anat *a, ph_rng *rng, ph_tubes *ts)
{
	ph_grow g = {a, rng, ts, {NULL, 0, 0}, 0, 0, NULL};
	int rc = 0;
	g.rmin = fmax(0.35, 0.3 * a->sp[0]);
	g.rbmin = fmax(0.9, 0.7 * a->sp[0]);
	g.pts = lp_malloc(4000 * sizeof *g.pts);
	if (!g.pts)
		return -1;
	for (int s = 0; s < 2 && !rc; s++) {
		double sg = s ? 1 : -1;
		double h[3] = {a->cx + a->hil[s][0], a->cy + a->hil[s][1],
		               a->hil[s][2]};
		double v[3] = {a->cx + sg * 38, a->cy + a->heart[1] + 32,
		               a->heart[2] + 20};
		double dh[3] = {sg, 0, 0}, dv[3] = {sg, 0.3, -0.2};
		rc = tree(&g, s, h, dh, 4000, a->hu_art, 1);
		if (!rc)
			rc = tree(&g, s, v, dv, 3000, a->hu_vein, 0);
	}
	free(g.pts);
	free(g.st.v);
	return rc;
}
