/* thread.h: starting the helper threads of a read or a write so that they run at once.
 *
 * On this kind of machine (a virtual machine, two cores) a thread started by a busy thread is
 * queued behind it on its core and waits for the next scheduler tick, up to 4 ms, before the
 * idle core takes it: a tenth of a whole read. Started on one of the other cores, it runs at
 * once (measured in the README's "Performance" section). */
#ifndef THREAD_H
#define THREAD_H

#include <pthread.h>

/* pthread_create(thread, NULL, fn, arg), the thread placed first on a core other than the
 * caller's, where there is one; once running it may move to any core the process may use,
 * before fn is called. Returns 0, or an error number as pthread_create() does (the thread then
 * was not started). Joined or detached by the caller, as any thread. */
int thr_start(pthread_t *thread, void *(*fn)(void *), void *arg);

#endif
