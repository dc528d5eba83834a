/* Ctrl-C and SIGTERM for the commands that run pipelines (quarry run,
 * quarry lua): the first one asks the run to stop cleanly, so exports
 * remove their temporary files; a second one kills as usual
 * (SA_RESETHAND). quarry run treats SIGPIPE (its standard output was
 * closed: `quarry run … | head`) the same way, so that file outputs are
 * not left half-written; the write itself then fails with EPIPE.
 *
 * A Lua step busy with one document is interrupted too: the handler stops
 * the one of its own thread (lq_interrupt_running) and sends SIGUSR1 to
 * the main thread when it runs on another; the runner sends SIGUSR1 to
 * each worker (cli_interrupt_worker), whose handler stops that thread's
 * Lua step. The flags are set and read atomically: the handler may run on
 * any thread of the run. */
#include "cli.h"
#include "lq_step.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

static volatile int signalled;     /* the signal that came, or 0 */
static volatile int cancel_flag;
static pthread_t main_thread;
static void (*main_also)(void);    /* called on the main thread too */

static void on_signal(int sig)
{
    int saved = errno;
    int none = 0;   /* the first signal is the one reported */
    __atomic_compare_exchange_n(&signalled, &none, sig, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
    __atomic_store_n(&cancel_flag, 1, __ATOMIC_RELAXED);
    lq_interrupt_running();
    if (!pthread_equal(pthread_self(), main_thread))
        pthread_kill(main_thread, SIGUSR1);
    else if (main_also)
        main_also();
    errno = saved;
}

static void on_interrupt_thread(int sig)
{
    (void)sig;
    int saved = errno;
    lq_interrupt_running();
    if (main_also && pthread_equal(pthread_self(), main_thread) &&
        __atomic_load_n(&cancel_flag, __ATOMIC_RELAXED))
        main_also();
    errno = saved;
}

void cli_catch_interrupts(void (*also)(void))
{
    main_thread = pthread_self();
    main_also = also;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_interrupt_thread;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART | SA_RESETHAND;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

void cli_catch_broken_pipe(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;    /* not reset: later writes get EPIPE */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGPIPE, &sa, NULL);
}

void cli_release_interrupts(void)
{
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    main_also = NULL;
}

const volatile int *cli_cancel_flag(void)
{
    return &cancel_flag;
}

int cli_interrupt_signal(void)
{
    return __atomic_load_n(&signalled, __ATOMIC_RELAXED);
}

void cli_interrupt_worker(void *ud, pthread_t worker)
{
    (void)ud;
    pthread_kill(worker, SIGUSR1);
}
