/* timeit.c: runs one command for `make bench` and appends "WALL_S CPU_S PEAK_RSS_KIB" to a file.
 * A timer of our own: date(1) costs a fork per reading, and GNU time shows only hundredths of a
 * second, too coarse for the 10 ms read floor. CPU time (user + system) beside wall time tells,
 * on a machine shared with other work, how much of a slow run was spent waiting for a core.
 * The command's output and exit status pass through untouched (a signal is 128 + its number,
 * as in the shell). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The command's exit status, or -1 when it could not be run or waited for. Only the child is
 * waited for, so ru_maxrss is its peak (and that of the children it waited for), in KiB. */
static int run(char **argv, double *wall, double *cpu, long *peak_kib)
{
    struct rusage ru;
    int status;
    double start = seconds_now();
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "timeit: cannot fork: %s\n", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        execvp(argv[0], argv);
        fprintf(stderr, "timeit: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    while (wait4(pid, &status, 0, &ru) < 0)
        if (errno != EINTR) {
            fprintf(stderr, "timeit: cannot wait for %s: %s\n", argv[0], strerror(errno));
            return -1;
        }
    *wall = seconds_now() - start;
    *cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    *peak_kib = ru.ru_maxrss;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
    double wall, cpu;
    long peak_kib;
    if (argc < 4 || strcmp(argv[1], "-o")) {
        fprintf(stderr, "usage: timeit -o RESULT_FILE COMMAND [ARG...]\n");
        return 64;
    }
    FILE *out = fopen(argv[2], "a");
    if (!out) {
        fprintf(stderr, "timeit: cannot open %s: %s\n", argv[2], strerror(errno));
        return 73;
    }
    int status = run(argv + 3, &wall, &cpu, &peak_kib);
    if (status < 0)
        return 71;
    fprintf(out, "%.6f %.6f %ld\n", wall, cpu, peak_kib);
    if (fclose(out)) {
        fprintf(stderr, "timeit: cannot write %s: %s\n", argv[2], strerror(errno));
        return 74;
    }
    return status;
}
