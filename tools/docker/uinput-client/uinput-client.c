/*
 * The protocol's input side, for the real-kernel e2e test image (fractal/uinput-client): connects
 * to /tmp/sockets/uinput.sock, receives the three device fds the host service sends in one
 * SCM_RIGHTS message (absolute, relative, keyboard), then writes a key press (KEY_A) through the
 * keyboard fd and a mouse move (REL_X +5, REL_Y -3) through the relative one every 100 ms until a
 * write fails (the devices were destroyed) or it is killed. Repeating lets the test open the device
 * nodes at any time. Static, so the image needs nothing else. `uinput-client --version` only prints
 * its name (a no-op run that warms the engine up).
 */
#include <errno.h>
#include <linux/input.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define SOCKET_PATH "/tmp/sockets/uinput.sock"

static void pause_ms(long ms) {
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&t, NULL);
}

static int connect_with_retry(void) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  strcpy(addr.sun_path, SOCKET_PATH);
  for (int i = 0; i < 600; i++) {
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (s >= 0 && connect(s, (struct sockaddr *)&addr, sizeof addr) == 0) return s;
    if (s >= 0) close(s);
    pause_ms(100);
  }
  return -1;
}

/* One recvmsg: exactly one data byte and three fds, or -1. */
static int receive_fds(int s, int fds[3]) {
  char byte;
  union {
    char buf[CMSG_SPACE(3 * sizeof(int))];
    struct cmsghdr align;
  } control;
  struct iovec iov = {&byte, 1};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf};
  if (recvmsg(s, &msg, 0) != 1) return -1;
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (c == NULL || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(3 * sizeof(int)))
    return -1;
  memcpy(fds, CMSG_DATA(c), 3 * sizeof(int));
  return 0;
}

static int emit(int fd, const struct input_event *events, size_t n) {
  return write(fd, events, n * sizeof *events) == (ssize_t)(n * sizeof *events) ? 0 : -1;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc > 1 && strcmp(argv[1], "--version") == 0) {
    printf("uinput-client 1\n");
    return 0;
  }
  int s = connect_with_retry();
  if (s < 0) {
    printf("uinput-client: cannot connect to %s: %s\n", SOCKET_PATH, strerror(errno));
    return 1;
  }
  int fds[3];
  if (receive_fds(s, fds) != 0) {
    printf("uinput-client: expected one byte and 3 fds in one SCM_RIGHTS message\n");
    return 1;
  }
  close(s);
  printf("uinput-client: received 3 fds\n");
  const struct input_event key[] = {
      {.type = EV_KEY, .code = KEY_A, .value = 1}, {.type = EV_SYN, .code = SYN_REPORT},
      {.type = EV_KEY, .code = KEY_A, .value = 0}, {.type = EV_SYN, .code = SYN_REPORT}};
  const struct input_event move[] = {
      {.type = EV_REL, .code = REL_X, .value = 5}, {.type = EV_REL, .code = REL_Y, .value = -3},
      {.type = EV_SYN, .code = SYN_REPORT}};
  for (long n = 1;; n++) {
    if (emit(fds[2], key, 4) != 0 || emit(fds[1], move, 3) != 0) {
      printf("uinput-client: write failed after %ld rounds: %s\n", n - 1, strerror(errno));
      return 0;
    }
    if (n == 1) printf("uinput-client: wrote a key press and a mouse move\n");
    pause_ms(100);
  }
}
