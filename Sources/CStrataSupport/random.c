#include "strata_support.h"
#include <sys/random.h>
#include <errno.h>

long strata_random_bytes(void *bytes, size_t length) {
    size_t filled = 0;
    while (filled < length) {
        ssize_t got = getrandom((char *)bytes + filled, length - filled, 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            return (long)filled;
        }
        filled += (size_t)got;
    }
    return (long)filled;
}
