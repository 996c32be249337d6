/* A tiny daemon that uses socket activation and readiness notification, built twice by build.sh: against
   libsystemd (-lsystemd) and against the native sd_notify.c / sd_listen_fds.c — the before/after pair. */
#include <stdio.h>

int sd_notify(int unset_environment, const char *state);
int sd_listen_fds(int unset_environment);

int main(void) {
    int fds = sd_listen_fds(0);
    int r = sd_notify(0, "READY=1\nSTATUS=demo daemon up");
    printf("listen_fds=%d notify=%d\n", fds, r);
    return fds < 0 || r < 0;
}
