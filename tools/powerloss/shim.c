// A power-loss model for the power-loss test (tools/power_loss_test.py), loaded with LD_PRELOAD.
//
// For every LMDB data file (".../data.mdb") under $STRATA_POWERLOSS_ROOT the process writes, it
// keeps in $STRATA_POWERLOSS_DIR what a power cut would leave on the disk:
//
//   NAME.durable  the file as of its last fdatasync/fsync: the ranges written before that sync,
//                 with the content they had when it returned;
//   NAME.pending  every write since (offset, bytes, and whether it went through an O_DSYNC or
//                 O_SYNC descriptor, which makes that one write durable by itself).
//
// With $STRATA_POWERLOSS_LIE set, syncs return success but the model never moves on: a disk that
// lies about its cache, which the test must catch.
//
// NAME is the file's path below the root with '/' as '%'. After the process is killed, the test
// takes NAME.durable and applies, in order, every durable pending write and a random choice of
// the others: a disk that lost whatever was not synced, any part of it. The real file is written
// as usual (the page cache, which survives kill -9, is the process's view).

#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*writev_fn)(int, const struct iovec *, int);
typedef ssize_t (*pwritev_fn)(int, const struct iovec *, int, off_t);
typedef int (*sync_fn)(int);

static pwrite_fn real_pwrite64;
static write_fn real_write;
static writev_fn real_writev;
static pwritev_fn real_pwritev64;
static sync_fn real_fdatasync;
static sync_fn real_fsync;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t once = PTHREAD_ONCE_INIT;

struct tracked {
    dev_t device;
    ino_t inode;
    int durable;
    int pending;
};

#define MAX_TRACKED 32
static struct tracked files[MAX_TRACKED];
static int tracked_count;
static uint64_t sequence;

static void load(void) {
    real_pwrite64 = (pwrite_fn)dlsym(RTLD_NEXT, "pwrite64");
    real_write = (write_fn)dlsym(RTLD_NEXT, "write");
    real_writev = (writev_fn)dlsym(RTLD_NEXT, "writev");
    real_pwritev64 = (pwritev_fn)dlsym(RTLD_NEXT, "pwritev64");
    real_fdatasync = (sync_fn)dlsym(RTLD_NEXT, "fdatasync");
    real_fsync = (sync_fn)dlsym(RTLD_NEXT, "fsync");
}

static void fail(const char *what) {
    char message[256];
    int length = snprintf(message, sizeof message, "power-loss shim: %s: %s\n", what, strerror(errno));
    if (length > 0) real_write(2, message, (size_t)length);
    abort();
}

static void write_all(int fd, const void *bytes, size_t length, off_t offset) {
    const char *at = bytes;
    while (length > 0) {
        ssize_t written = real_pwrite64(fd, at, length, offset);
        if (written < 0) {
            if (errno == EINTR) continue;
            fail("writing the model");
        }
        at += written;
        length -= (size_t)written;
        offset += written;
    }
}

// The tracked file behind `fd`, or NULL when it is not an LMDB data file under the root.
// Called with the lock held.
static struct tracked *tracked_file(int fd) {
    const char *root = getenv("STRATA_POWERLOSS_ROOT");
    const char *directory = getenv("STRATA_POWERLOSS_DIR");
    if (!root || !directory) return NULL;
    struct stat status;
    if (fstat(fd, &status) != 0 || !S_ISREG(status.st_mode)) return NULL;
    for (int index = 0; index < tracked_count; index++) {
        if (files[index].device == status.st_dev && files[index].inode == status.st_ino) return &files[index];
    }
    char link[64], path[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t length = readlink(link, path, sizeof path - 1);
    if (length <= 0) return NULL;
    path[length] = 0;
    size_t root_length = strlen(root);
    size_t suffix = strlen("/data.mdb");
    if (strncmp(path, root, root_length) != 0 || path[root_length] != '/' || (size_t)length < suffix ||
        strcmp(path + length - suffix, "/data.mdb") != 0) {
        return NULL;
    }
    if (tracked_count == MAX_TRACKED) fail("too many files");
    char name[PATH_MAX];
    snprintf(name, sizeof name, "%s", path + root_length + 1);
    for (char *c = name; *c; c++) {
        if (*c == '/') *c = '%';
    }
    char durable_path[PATH_MAX + 16], pending_path[PATH_MAX + 16];
    snprintf(durable_path, sizeof durable_path, "%s/%s.durable", directory, name);
    snprintf(pending_path, sizeof pending_path, "%s/%s.pending", directory, name);
    struct tracked *file = &files[tracked_count++];
    file->device = status.st_dev;
    file->inode = status.st_ino;
    file->durable = open(durable_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    file->pending = open(pending_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (file->durable < 0 || file->pending < 0) fail("opening the model");
    // What the file holds when first written is what the disk holds: the test started the
    // process on a durable image.
    char buffer[65536];
    off_t offset = 0;
    for (;;) {
        ssize_t got = pread(fd, buffer, sizeof buffer, offset);
        if (got < 0) {
            if (errno == EINTR) continue;
            fail("copying the file");
        }
        if (got == 0) break;
        write_all(file->durable, buffer, (size_t)got, offset);
        offset += got;
    }
    return file;
}

// Appends one write to the pending journal: sequence, offset, length, durable flag, bytes.
static void journal(struct tracked *file, int fd, const struct iovec *parts, int count, off_t offset, size_t total) {
    int flags = fcntl(fd, F_GETFL);
    uint8_t durable = (flags >= 0 && (flags & (O_DSYNC | O_SYNC))) ? 1 : 0;
    uint64_t header[3] = {++sequence, (uint64_t)offset, (uint64_t)total};
    off_t end = lseek(file->pending, 0, SEEK_END);
    if (end < 0) fail("seeking the journal");
    write_all(file->pending, header, sizeof header, end);
    write_all(file->pending, &durable, 1, end + (off_t)sizeof header);
    off_t at = end + (off_t)sizeof header + 1;
    size_t left = total;
    for (int index = 0; index < count && left > 0; index++) {
        size_t take = parts[index].iov_len < left ? parts[index].iov_len : left;
        write_all(file->pending, parts[index].iov_base, take, at);
        at += (off_t)take;
        left -= take;
    }
}

// After a sync of `fd`: every range written since the last one is durable with what the file
// holds now; the journal starts over.
static void synced(struct tracked *file, int fd) {
    off_t end = lseek(file->pending, 0, SEEK_END);
    off_t at = 0;
    char buffer[65536];
    while (at < end) {
        uint64_t header[3];
        if (pread(file->pending, header, sizeof header, at) != (ssize_t)sizeof header) fail("reading the journal");
        uint64_t offset = header[1], length = header[2];
        for (uint64_t done = 0; done < length;) {
            size_t take = length - done < sizeof buffer ? (size_t)(length - done) : sizeof buffer;
            ssize_t got = pread(fd, buffer, take, (off_t)(offset + done));
            if (got <= 0) break;
            write_all(file->durable, buffer, (size_t)got, (off_t)(offset + done));
            done += (uint64_t)got;
        }
        at += (off_t)(sizeof header + 1 + length);
    }
    if (ftruncate(file->pending, 0) != 0) fail("truncating the journal");
}

// Whether `fd` is a regular file: sockets, pipes and terminals go straight through.
static int regular(int fd) {
    struct stat status;
    return fd > 2 && fstat(fd, &status) == 0 && S_ISREG(status.st_mode);
}

static void record(int fd, const struct iovec *parts, int count, off_t offset, ssize_t written) {
    if (written <= 0) return;
    struct tracked *file = tracked_file(fd);
    if (file) journal(file, fd, parts, count, offset, (size_t)written);
}

ssize_t pwrite64(int fd, const void *bytes, size_t length, off_t offset) {
    pthread_once(&once, load);
    if (!regular(fd)) return real_pwrite64(fd, bytes, length, offset);
    pthread_mutex_lock(&lock);
    ssize_t written = real_pwrite64(fd, bytes, length, offset);
    int saved = errno;
    struct iovec part = {(void *)bytes, length};
    record(fd, &part, 1, offset, written);
    pthread_mutex_unlock(&lock);
    errno = saved;
    return written;
}

ssize_t pwrite(int fd, const void *bytes, size_t length, off_t offset) { return pwrite64(fd, bytes, length, offset); }

ssize_t write(int fd, const void *bytes, size_t length) {
    pthread_once(&once, load);
    if (!regular(fd)) return real_write(fd, bytes, length);
    pthread_mutex_lock(&lock);
    off_t offset = lseek(fd, 0, SEEK_CUR);
    ssize_t written = real_write(fd, bytes, length);
    int saved = errno;
    struct iovec part = {(void *)bytes, length};
    if (offset >= 0) record(fd, &part, 1, offset, written);
    pthread_mutex_unlock(&lock);
    errno = saved;
    return written;
}

ssize_t writev(int fd, const struct iovec *parts, int count) {
    pthread_once(&once, load);
    if (!regular(fd)) return real_writev(fd, parts, count);
    pthread_mutex_lock(&lock);
    off_t offset = lseek(fd, 0, SEEK_CUR);
    ssize_t written = real_writev(fd, parts, count);
    int saved = errno;
    if (offset >= 0) record(fd, parts, count, offset, written);
    pthread_mutex_unlock(&lock);
    errno = saved;
    return written;
}

ssize_t pwritev64(int fd, const struct iovec *parts, int count, off_t offset) {
    pthread_once(&once, load);
    if (!regular(fd)) return real_pwritev64(fd, parts, count, offset);
    pthread_mutex_lock(&lock);
    ssize_t written = real_pwritev64(fd, parts, count, offset);
    int saved = errno;
    record(fd, parts, count, offset, written);
    pthread_mutex_unlock(&lock);
    errno = saved;
    return written;
}

ssize_t pwritev(int fd, const struct iovec *parts, int count, off_t offset) { return pwritev64(fd, parts, count, offset); }

static int sync_with(sync_fn real, int fd) {
    pthread_once(&once, load);
    if (!regular(fd)) return real(fd);
    pthread_mutex_lock(&lock);
    int result = real(fd);
    int saved = errno;
    // STRATA_POWERLOSS_LIE: a disk that acknowledges syncs it never makes (the test must fail).
    if (result == 0 && !getenv("STRATA_POWERLOSS_LIE")) {
        struct tracked *file = tracked_file(fd);
        if (file) synced(file, fd);
    }
    pthread_mutex_unlock(&lock);
    errno = saved;
    return result;
}

int fdatasync(int fd) { return sync_with(real_fdatasync, fd); }

int fsync(int fd) { return sync_with(real_fsync, fd); }
