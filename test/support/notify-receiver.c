/* Test helper: bind an AF_UNIX datagram socket at argv[1] ("/path" or "@abstract"), say "ready",
   then print the first datagram received (5 s at most). */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    size_t len = strlen(argv[1]);
    if (len >= sizeof sa.sun_path) return 2;
    memcpy(sa.sun_path, argv[1], len);
    if (sa.sun_path[0] == '@') sa.sun_path[0] = '\0';
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct timeval tv = { .tv_sec = 5 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (bind(fd, (struct sockaddr *)&sa, offsetof(struct sockaddr_un, sun_path) + len) < 0) { perror("bind"); return 1; }
    puts("ready");
    fflush(stdout);
    char buf[4096];
    ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
    if (n < 0) { perror("recv"); return 1; }
    fwrite(buf, 1, (size_t)n, stdout);
    return 0;
}
