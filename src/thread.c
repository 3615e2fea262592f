/* thread.c: helper threads started on another core. */
#define _GNU_SOURCE /* CPU affinity */
#include "thread.h"

#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>

typedef struct {
    void *(*fn)(void *);
    void *arg;
    cpu_set_t cores; /* the process's: the thread's once it runs */
} start;

static void *run(void *arg)
{
    start s = *(start *)arg;
    free(arg);
    /* Failing leaves the thread on the other cores: slower at worst, never wrong. */
    pthread_setaffinity_np(pthread_self(), sizeof s.cores, &s.cores);
    return s.fn(s.arg);
}

/* Sets *attr to place a thread on the cores in `cores` but the caller's; false when there are
 * none such or they cannot be told apart. */
static bool away_from_here(pthread_attr_t *attr, const cpu_set_t *cores)
{
    int here = sched_getcpu();
    if (here < 0 || here >= CPU_SETSIZE || !CPU_ISSET(here, cores))
        return false;
    cpu_set_t others = *cores;
    CPU_CLR(here, &others);
    return CPU_COUNT(&others) > 0 && pthread_attr_setaffinity_np(attr, sizeof others, &others) == 0;
}

int thr_start(pthread_t *thread, void *(*fn)(void *), void *arg)
{
    start *s = malloc(sizeof *s);
    pthread_attr_t attr;
    if (!s || sched_getaffinity(0, sizeof s->cores, &s->cores) != 0 ||
        pthread_attr_init(&attr) != 0) {
        free(s);
        return pthread_create(thread, NULL, fn, arg);
    }
    s->fn = fn;
    s->arg = arg;
    int rc = away_from_here(&attr, &s->cores) ? pthread_create(thread, &attr, run, s) : -1;
    pthread_attr_destroy(&attr);
    /* A core the process may not use after all (cgroups) fails the start: start anywhere. */
    if (rc != 0)
        rc = pthread_create(thread, NULL, run, s);
    if (rc != 0)
        free(s);
    return rc;
}
