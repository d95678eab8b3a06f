/* lp_rng.h - splitmix64 (Steele, Lea and Flood 2014), the one small
 * random-number generator lungpipe uses for seeds, bootstrap draws, jitter
 * and weight initialisation, and as a hash. */
#ifndef LP_RNG_H
#define LP_RNG_H

#include <stddef.h>
#include <stdint.h>

/* The splitmix64 output function of the value z + golden gamma: a
 * well-mixed 64-bit hash of z. */
uint64_t lp_mix64(uint64_t z);
/* Next number of the splitmix64 sequence with state *state. */
uint64_t lp_rng_next(uint64_t *state);
/* A uniform index in [0, n). */
size_t lp_rng_index(uint64_t *state, size_t n);
/* A uniform double in [0, 1) with 53 random bits. */
double lp_rng_uniform(uint64_t *state);

#endif
