/* lp_crc.h - CRC-32 with zlib's polynomial and conventions:
 * lp_crc32(0, p, n) == crc32(0, p, n), and it chains the same way. */
#ifndef LP_CRC_H
#define LP_CRC_H
#include <stddef.h>
#include <stdint.h>
uint32_t lp_crc32(uint32_t crc, const void *buf, size_t n);
#endif
