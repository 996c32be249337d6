/* Test helper: what sd_listen_fds() returns, and whether fd 3 and 4 are then close-on-exec. */
#include <fcntl.h>
#include <stdio.h>

int sd_listen_fds(int unset_environment);

int main(void) {
    int n = sd_listen_fds(1);
    printf("%d %d %d\n", n, (fcntl(3, F_GETFD) & FD_CLOEXEC) != 0, (fcntl(4, F_GETFD) & FD_CLOEXEC) != 0);
    return 0;
}
