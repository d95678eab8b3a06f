/* lp_test.h - a tiny test harness for the unit-test programs.
 * CHECK(cond) records a failure and goes on; main returns lp_test_result().
 * A test program exits 0 on success, 1 on failure, 77 to skip. */
#ifndef LP_TEST_H
#define LP_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int lp_test_failures;
static int lp_test_checks;

#define CHECK(cond)                                                         \
	do {                                                                \
		lp_test_checks++;                                           \
		if (!(cond)) {                                              \
			lp_test_failures++;                                 \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n",        \
			        __FILE__, __LINE__, #cond);                 \
		}                                                           \
	} while (0)

#define CHECK_NEAR(a, b, tol)                                               \
	do {                                                                \
		double lp_a_ = (a), lp_b_ = (b);                            \
		lp_test_checks++;                                           \
		if (!(fabs(lp_a_ - lp_b_) <= (tol))) {                      \
			lp_test_failures++;                                 \
			fprintf(stderr, "%s:%d: %s = %.9g, %s = %.9g (tol %g)\n", \
			        __FILE__, __LINE__, #a, lp_a_, #b, lp_b_,   \
			        (double)(tol));                             \
		}                                                           \
	} while (0)

static inline int lp_test_result(const char *name)
{
	fprintf(stderr, "%s: %d checks, %d failed\n", name, lp_test_checks,
	        lp_test_failures);
	return lp_test_failures ? 1 : (lp_test_checks ? 0 : 1);
}

#endif
