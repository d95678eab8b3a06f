/* rng.c - splitmix64. */
#include "lp_rng.h"

#define GOLDEN 0x9e3779b97f4a7c15ULL

static uint64_t finish(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t lp_mix64(uint64_t z)
{
	return finish(z + GOLDEN);
}

uint64_t lp_rng_next(uint64_t *state)
{
	return finish(*state += GOLDEN);
}

size_t lp_rng_index(uint64_t *state, size_t n)
{
	return (size_t)(((lp_rng_next(state) >> 32) * (uint64_t)n) >> 32);
}

double lp_rng_uniform(uint64_t *state)
{
	return (double)(lp_rng_next(state) >> 11) / 9007199254740992.0;
}
