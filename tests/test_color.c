/* --color=auto, NO_COLOR and TERM: sessq run on a pseudo-terminal, as a user sees it. (Pipes
 * and files, which are never coloured unless --color=always, are the golden cases' business.) */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <utmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define BOLD "\033[1m"
#define GREEN "\033[32m"

typedef struct {
    const char *set;   /* "NAME=VALUE" to put in the environment, or NULL */
    const char *unset; /* a variable to take out, or NULL */
} env_change;

/* Runs sessq with `args` (argv[1]...), standard output and error on one pseudo-terminal, and
 * returns all it wrote (malloc'ed). The test keeps the terminal's other end open too: once the
 * last one closes, a read may fail (EIO) before the child's last bytes are read, and under load
 * they were lost. So it reads until the child has exited and nothing more comes. */
static char *on_terminal(const env_change *env, char *const *args)
{
    const char *prog = getenv("SESSQ") ? getenv("SESSQ") : "build/sessq";
    int master, slave;
    cr_assert_eq(openpty(&master, &slave, NULL, NULL, NULL), 0, "openpty: %s", strerror(errno));
    pid_t pid = fork();
    cr_assert(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        close(master);
        if (login_tty(slave) < 0)
            _exit(127);
        setenv("TERM", "xterm", 1);
        unsetenv("NO_COLOR");
        if (env->set)
            putenv((char *)env->set);
        if (env->unset)
            unsetenv(env->unset);
        char *argv[16] = {(char *)prog};
        for (int i = 0; args[i] && i < 14; i++)
            argv[i + 1] = args[i];
        execv(prog, argv);
        _exit(127);
    }
    size_t len = 0, cap = 1 << 16;
    char *out = malloc(cap);
    cr_assert_not_null(out);
    int status = 0;
    bool exited = false;
    for (;;) {
        struct pollfd pf = {.fd = master, .events = POLLIN};
        int ready = poll(&pf, 1, exited ? 200 : 50);
        if (ready < 0 && errno == EINTR)
            continue;
        ssize_t n = ready > 0 ? read(master, out + len, cap - 1 - len) : 0;
        if (n < 0 && errno == EINTR)
            continue;
        if (n > 0) {
            len += (size_t)n;
            if (len == cap - 1) {
                cap *= 2;
                out = realloc(out, cap);
                cr_assert_not_null(out);
            }
            continue;
        }
        if (exited)
            break;
        exited = waitpid(pid, &status, WNOHANG) == pid;
    }
    out[len] = '\0';
    close(master);
    close(slave);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) != 127, "sessq did not run");
    return out;
}

static char *list_demo[] = {"list", "-F", "status,id",
                            "testdata/demo/vb365-v5-restoresessions.json", NULL};

static bool colored(const char *out) { return strstr(out, BOLD) || strstr(out, GREEN); }

Test(color, auto_on_a_terminal)
{
    char *out = on_terminal(&(env_change){0}, list_demo);
    cr_expect(strstr(out, BOLD "status"), "the header is bold:\n%s", out);
    cr_expect(strstr(out, GREEN "Success"), "Success is green:\n%s", out);
    free(out);
}

Test(color, no_color_turns_auto_off)
{
    char *out = on_terminal(&(env_change){.set = "NO_COLOR=1"}, list_demo);
    cr_expect(!colored(out), "NO_COLOR=1 and still coloured:\n%s", out);
    cr_expect(strstr(out, "Success"), "%s", out);
    free(out);
}

Test(color, empty_no_color_is_not_set)
{
    char *out = on_terminal(&(env_change){.set = "NO_COLOR="}, list_demo);
    cr_expect(colored(out), "NO_COLOR= (empty) must not turn colour off:\n%s", out);
    free(out);
}

Test(color, dumb_terminal)
{
    char *out = on_terminal(&(env_change){.set = "TERM=dumb"}, list_demo);
    cr_expect(!colored(out), "TERM=dumb and still coloured:\n%s", out);
    free(out);
}

Test(color, never_on_a_terminal)
{
    char *args[] = {"list", "--color=never", "testdata/demo/vb365-v5-restoresessions.json", NULL};
    char *out = on_terminal(&(env_change){0}, args);
    cr_expect(!colored(out), "--color=never and still coloured:\n%s", out);
    free(out);
}

Test(color, always_beats_no_color)
{
    char *args[] = {"list", "--color=always", "testdata/demo/vb365-v5-restoresessions.json", NULL};
    char *out = on_terminal(&(env_change){.set = "NO_COLOR=1"}, args);
    cr_expect(colored(out), "--color=always is what the user asked for:\n%s", out);
    free(out);
}

Test(color, messages_on_a_terminal)
{
    char *args[] = {"list", "testdata/cases/truncated.json", NULL};
    char *out = on_terminal(&(env_change){0}, args);
    cr_expect(strstr(out, "sessq: " BOLD "testdata/cases/truncated.json:21:1:"),
              "the place in a message is bold:\n%s", out);
    free(out);
    out = on_terminal(&(env_change){.set = "NO_COLOR=1"}, args);
    cr_expect(strstr(out, "sessq: testdata/cases/truncated.json:21:1: invalid JSON"), "%s", out);
    free(out);
}
