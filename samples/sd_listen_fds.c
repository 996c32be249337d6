/* sd_listen_fds without libsystemd (sd_listen_fds(3)): descriptors passed by the service manager start at
   fd 3; $LISTEN_FDS is their count and they are ours only if $LISTEN_PID is our pid. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#define SD_LISTEN_FDS_START 3

int sd_listen_fds(int unset_environment) {
    const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
    int n = 0;
    if (pid && fds && strtol(pid, NULL, 10) == (long)getpid()) {
        char *end;
        long v = strtol(fds, &end, 10);
        if (*end != '\0' || v < 0 || v > 4096) n = -EINVAL;
        else
            for (n = 0; n < v; n++)              /* mark them close-on-exec, as libsystemd does */
                if (fcntl(SD_LISTEN_FDS_START + n, F_SETFD, FD_CLOEXEC) < 0) { n = -errno; break; }
    }
    if (unset_environment) { unsetenv("LISTEN_PID"); unsetenv("LISTEN_FDS"); unsetenv("LISTEN_FDNAMES"); }
    return n;
}
