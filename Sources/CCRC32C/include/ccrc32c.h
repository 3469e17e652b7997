#ifndef STRATA_CCRC32C_H
#define STRATA_CCRC32C_H
#include <stddef.h>
#include <stdint.h>

/// CRC-32C (Castagnoli) of `length` bytes, continuing from `crc` (0 to start).
/// Uses the SSE 4.2 instruction when the processor has it, a table otherwise.
uint32_t strata_crc32c(uint32_t crc, const void *bytes, size_t length);

/// The table-driven implementation, exposed so tests can check it against the hardware one.
uint32_t strata_crc32c_portable(uint32_t crc, const void *bytes, size_t length);

#endif
