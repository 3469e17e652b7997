#ifndef STRATA_SUPPORT_H
#define STRATA_SUPPORT_H
#include <stddef.h>
#include <stdint.h>

/// CRC-32C (Castagnoli) of `length` bytes, continuing from `crc` (0 to start).
/// Uses the SSE 4.2 instruction when the processor has it, a table otherwise.
uint32_t strata_crc32c(uint32_t crc, const void *bytes, size_t length);

/// The table-driven implementation, exposed so tests can check it against the hardware one.
uint32_t strata_crc32c_portable(uint32_t crc, const void *bytes, size_t length);

/// Fills `length` bytes with random bytes from the kernel (`getrandom`); returns how many were filled.
long strata_random_bytes(void *bytes, size_t length);

#endif
