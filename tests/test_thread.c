/* Tests of helper threads started on another core: they run, and keep every core to move to. */
#define _GNU_SOURCE /* CPU affinity */
#include <criterion/criterion.h>
#include <sched.h>

#include "thread.h"

typedef struct {
    int seen;
    cpu_set_t cores; /* the thread's own, as fn saw them */
} probe;

static void *look(void *arg)
{
    probe *p = arg;
    p->seen++;
    cr_assert_eq(pthread_getaffinity_np(pthread_self(), sizeof p->cores, &p->cores), 0);
    return p;
}

static void start_and_join(probe *p)
{
    pthread_t t;
    void *back = NULL;
    cr_assert_eq(thr_start(&t, look, p), 0);
    cr_assert_eq(pthread_join(t, &back), 0);
    cr_assert_eq(back, p, "fn's value is the thread's");
    cr_assert_eq(p->seen, 1, "fn ran once");
}

Test(thread, runs_fn_with_every_core_of_its_starter)
{
    cpu_set_t mine;
    cr_assert_eq(sched_getaffinity(0, sizeof mine, &mine), 0);
    for (int i = 0; i < 8; i++) {
        probe p = {0};
        start_and_join(&p);
        cr_assert(CPU_EQUAL(&p.cores, &mine), "start %d: the thread may run on %d cores, not %d", i,
                  CPU_COUNT(&p.cores), CPU_COUNT(&mine));
    }
}

Test(thread, starts_where_the_starter_has_one_core)
{
    cpu_set_t all, one;
    cr_assert_eq(sched_getaffinity(0, sizeof all, &all), 0);
    int cpu = 0;
    while (!CPU_ISSET(cpu, &all))
        cpu++;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    cr_assert_eq(sched_setaffinity(0, sizeof one, &one), 0);
    probe p = {0};
    start_and_join(&p);
    cr_assert(CPU_EQUAL(&p.cores, &one), "the thread keeps to the one core (%d)", cpu);
}
