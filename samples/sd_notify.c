/* sd_notify without libsystemd: one datagram of "KEY=VALUE\n" lines to $NOTIFY_SOCKET (sd_notify(3)).
   "/path" is a filesystem socket, "@name" an abstract one; unset means "not supervised": success. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int sd_notify(int unset_environment, const char *state) {
    const char *path = getenv("NOTIFY_SOCKET");
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    size_t len = path ? strlen(path) : 0;
    if (len == 0) return 0;
    if ((path[0] != '/' && path[0] != '@') || len >= sizeof sa.sun_path) return -EINVAL;
    memcpy(sa.sun_path, path, len);
    if (sa.sun_path[0] == '@') sa.sun_path[0] = '\0';            /* Linux abstract namespace */
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    ssize_t n = sendto(fd, state, strlen(state), 0, (struct sockaddr *)&sa, offsetof(struct sockaddr_un, sun_path) + len);
    int err = n < 0 ? -errno : 1;
    close(fd);
    if (unset_environment) unsetenv("NOTIFY_SOCKET");
    return err;
}
