/* Test module: step definitions the host must refuse when they are
 * registered, chosen by the environment variable QR_BADDEF; and, with
 * QR_BADDEF unset or "stack", a good definition built on the stack of
 * quarry_module_init (the host copies it: it used to keep the pointer and
 * crash). */
#include <quarry_module.h>
#include <stdlib.h>
#include <string.h>

QR_MODULE_DECLARE("baddef", "0.1");

static int p(void *st, void *ts, qr_doc *doc, qr_error *err)
{
    (void)st;
    (void)ts;
    (void)doc;
    (void)err;
    return 0;
}

static const qr_option_def ok[] = {{"n", QR_OPT_INT, "3", NULL, "a number", 0}, {NULL, 0, NULL, NULL, NULL, 0}};
static const qr_option_def twice[] = {{"x", QR_OPT_INT, "1", NULL, "", 0}, {"x", QR_OPT_STRING, "a", NULL, "", 0},
                                      {NULL, 0, NULL, NULL, NULL, 0}};
static const qr_option_def reserved[] = {{"on_error", QR_OPT_INT, "3", NULL, "", 0}, {NULL, 0, NULL, NULL, NULL, 0}};
static const qr_option_def badname[] = {{"Bad-Name", QR_OPT_INT, "3", NULL, "", 0}, {NULL, 0, NULL, NULL, NULL, 0}};
static const qr_option_def baddefault[] = {{"n", QR_OPT_INT, "abc", NULL, "", 0}, {NULL, 0, NULL, NULL, NULL, 0}};
static const qr_option_def badenum[] = {{"m", QR_OPT_ENUM, "medium", "fast|slow", "", 0}, {NULL, 0, NULL, NULL, NULL, 0}};
static const qr_option_def reqdefault[] = {{"t", QR_OPT_INT, "3", NULL, "", QR_OPT_REQUIRED}, {NULL, 0, NULL, NULL, NULL, 0}};

int quarry_module_init(const qr_host_api *api, qr_registry *reg, qr_error *err)
{
    const char *c = getenv("QR_BADDEF");
    qr_step_def d = {.size = sizeof d, .name = "baddef", .description = "a definition built on the stack",
                     .options = ok, .flags = QR_STEP_THREAD_SAFE, .process = p};
    if (!c || !strcmp(c, "stack"))
        ;
    else if (!strcmp(c, "twice"))
        d.options = twice;
    else if (!strcmp(c, "reserved"))
        d.options = reserved;
    else if (!strcmp(c, "badname"))
        d.options = badname;
    else if (!strcmp(c, "baddefault"))
        d.options = baddefault;
    else if (!strcmp(c, "badenum"))
        d.options = badenum;
    else if (!strcmp(c, "reqdefault"))
        d.options = reqdefault;
    else if (!strcmp(c, "input"))
        d.name = "input";
    return api->register_step(reg, &d, err);
}
