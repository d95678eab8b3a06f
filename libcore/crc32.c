/* crc32.c - CRC-32 (zlib's polynomial, reflected 0xEDB88320), the same value
 * as zlib's crc32(), folded with carry-less multiplication where the CPU
 * has PCLMULQDQ (the method of Gopal et al., "Fast CRC Computation for
 * Generic Polynomials Using PCLMULQDQ Instruction", Intel 2009), falling
 * back to zlib elsewhere and for the tail.  Verified against zlib in
 * tests/test_stream.c. */
#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include "lp_crc.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define TGT __attribute__((target("pclmul,sse4.1")))

/* Fold constants x^(k) mod P in the bit-reflected domain (from the paper):
 * 4x128-bit fold distance, 1x128-bit fold distance, 96->64 reduction, and
 * Barrett's mu and P. */
static const uint64_t k_fold4[2] __attribute__((aligned(16))) = {0x0154442bd4,
                                                                 0x01c6e41596};
static const uint64_t k_fold1[2] __attribute__((aligned(16))) = {0x01751997d0,
                                                                 0x00ccaa009e};
static const uint64_t k_fold96[2] __attribute__((aligned(16))) = {0x0163cd6124, 0};
static const uint64_t k_barrett[2] __attribute__((aligned(16))) = {0x01db710641,
                                                                   0x01f7011641};

TGT static __m128i fold(__m128i acc, __m128i k, __m128i next)
{
	__m128i lo = _mm_clmulepi64_si128(acc, k, 0x00);
	__m128i hi = _mm_clmulepi64_si128(acc, k, 0x11);
	return _mm_xor_si128(_mm_xor_si128(hi, lo), next);
}

/* crc: the running register (already inverted); n >= 64, n % 16 == 0 */
TGT static uint32_t crc_clmul(uint32_t crc, const unsigned char *p, size_t n)
{
	__m128i a = _mm_loadu_si128((const __m128i *)p);
	__m128i b = _mm_loadu_si128((const __m128i *)(p + 16));
	__m128i c = _mm_loadu_si128((const __m128i *)(p + 32));
	__m128i d = _mm_loadu_si128((const __m128i *)(p + 48));
	a = _mm_xor_si128(a, _mm_cvtsi32_si128((int)crc));
	__m128i k = _mm_load_si128((const __m128i *)k_fold4);
	for (p += 64, n -= 64; n >= 64; p += 64, n -= 64) {
		a = fold(a, k, _mm_loadu_si128((const __m128i *)p));
		b = fold(b, k, _mm_loadu_si128((const __m128i *)(p + 16)));
		c = fold(c, k, _mm_loadu_si128((const __m128i *)(p + 32)));
		d = fold(d, k, _mm_loadu_si128((const __m128i *)(p + 48)));
	}
	k = _mm_load_si128((const __m128i *)k_fold1);
	a = fold(a, k, b);
	a = fold(a, k, c);
	a = fold(a, k, d);
	for (; n >= 16; p += 16, n -= 16)
		a = fold(a, k, _mm_loadu_si128((const __m128i *)p));
	/* 128 -> 64 bits */
	__m128i mask = _mm_setr_epi32(-1, 0, -1, 0);
	__m128i t = _mm_clmulepi64_si128(a, k, 0x10);
	a = _mm_xor_si128(_mm_srli_si128(a, 8), t);
	k = _mm_loadl_epi64((const __m128i *)k_fold96);
	t = _mm_srli_si128(a, 4);
	a = _mm_xor_si128(_mm_clmulepi64_si128(_mm_and_si128(a, mask), k, 0x00), t);
	/* Barrett reduction to 32 bits */
	k = _mm_load_si128((const __m128i *)k_barrett);
	t = _mm_clmulepi64_si128(_mm_and_si128(a, mask), k, 0x10);
	t = _mm_clmulepi64_si128(_mm_and_si128(t, mask), k, 0x00);
	a = _mm_xor_si128(a, t);
	return (uint32_t)_mm_extract_epi32(a, 1);
}

static int have_clmul(void)
{
	static int have = -1;
	if (have < 0) {
		__builtin_cpu_init();
		have = __builtin_cpu_supports("pclmul") &&
		       __builtin_cpu_supports("sse4.1");
	}
	return have;
}
#endif

uint32_t lp_crc32(uint32_t crc, const void *buf, size_t n)
{
	const unsigned char *p = buf;
#if defined(__x86_64__) && defined(__GNUC__)
	if (n >= 64 && have_clmul()) {
		size_t m = n & ~(size_t)15;
		crc = ~crc_clmul(~crc, p, m);
		p += m;
		n -= m;
	}
#endif
	return (uint32_t)crc32_z(crc, p, n);
}
