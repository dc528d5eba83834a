/* Module loading (core/module.c) with the test modules of tests/modules/
 * (built into $BUILD/tests/modules by `make test`): exact messages for
 * every refusal, a registry left unchanged by a refused module, loading
 * the same file twice, QUARRY_MODULE_PATH lookup. */
#include "check.h"
#include "doc.h"
#include "error.h"
#include "module.h"
#include "pipeline.h"
#include "registry.h"
#include "yaml_load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char mods[512];

static const char *mod(const char *name)
{
    static char buf[4][600];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s.so", mods, name);
    return buf[k];
}

static qr_registry *builtins(void)
{
    qr_registry *reg = qr_registry_new();
    qr_error err;
    qr_registry_add_builtins(reg, &err);
    return reg;
}

/* Loads and returns the error message ("" on success). */
static const char *load(qr_registry *reg, const char *path)
{
    static qr_error err;
    qr_error_clear(&err);
    if (qr_module_load(reg, path, &err) == 0)
        return "";
    return err.message;
}

static void test_loads(void)
{
    qr_registry *reg = builtins();
    size_t n = qr_registry_count(reg);
    CHECK_EQ_STR(load(reg, mod("flaky")), "");
    CHECK_EQ_INT(qr_registry_count(reg), n + 1);
    const qr_step_def *d = qr_registry_find(reg, "flaky");
    CHECK(d != NULL);
    if (d) {
        CHECK_EQ_STR(d->description, "test step: fails on documents that contain a marker");
        CHECK_EQ_STR(d->options[0].name, "marker");
        CHECK(d->thread_init != NULL);
    }
    char origin[700];
    snprintf(origin, sizeof origin, "module %s", mod("flaky"));
    CHECK_EQ_STR(qr_registry_origin(reg, "flaky"), origin);
    const char *path = NULL;
    const qr_module_info *info = qr_module_at(reg, 0, &path);
    CHECK(info != NULL);
    if (info) {
        CHECK_EQ_STR(info->name, "flaky");
        CHECK_EQ_STR(info->version, "0.1");
        CHECK_EQ_INT(info->abi_major, QR_ABI_MAJOR);
        CHECK_EQ_STR(path, mod("flaky"));
    }
    CHECK(qr_module_at(reg, 1, NULL) == NULL);

    /* same file again, by the same path or a symlink: nothing happens */
    CHECK_EQ_STR(load(reg, mod("flaky")), "");
    char link[] = "/tmp/quarry-module-link-XXXXXX";
    int fd = mkstemp(link);
    close(fd);
    unlink(link);
    char *target = realpath(mod("flaky"), NULL);
    CHECK_EQ_INT(symlink(target, link), 0);
    free(target);
    CHECK_EQ_STR(load(reg, link), "");
    unlink(link);
    CHECK_EQ_INT(qr_module_count(reg), 1);
    CHECK_EQ_INT(qr_registry_count(reg), n + 1);

    /* a copy is another module, whose step name is taken */
    char copy[] = "/tmp/quarry-module-copy-XXXXXX.so";
    fd = mkstemps(copy, 3);
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", mod("flaky"), copy);
    close(fd);
    CHECK_EQ_INT(system(cmd), 0);
    char want[2000];
    snprintf(want, sizeof want, "module '%s': step 'flaky' is already defined (by module %s); rename one of them",
             copy, mod("flaky"));
    CHECK_EQ_STR(load(reg, copy), want);
    unlink(copy);
    CHECK_EQ_INT(qr_module_count(reg), 1);

    /* a later minor with a larger qr_step_def */
    CHECK_EQ_STR(load(reg, mod("newer_minor")), "");
    d = qr_registry_find(reg, "newer");
    CHECK(d != NULL && d->size > sizeof(qr_step_def) && d->process != NULL);
    CHECK_EQ_INT(qr_module_count(reg), 2);
    qr_registry_free(reg);
}

static void test_refusals(void)
{
    qr_registry *reg = builtins();
    size_t n = qr_registry_count(reg);
    char want[2000];

    snprintf(want, sizeof want, "module '%s' was built for module ABI %d.4, but this quarry has ABI %d.%d: "
             "rebuild it against this quarry's quarry_module.h (pkg-config --cflags quarry)",
             mod("abi_future"), QR_ABI_MAJOR + 1, QR_ABI_MAJOR, QR_ABI_MINOR);
    CHECK_EQ_STR(load(reg, mod("abi_future")), want);

    snprintf(want, sizeof want, "module '%s' (init_fails 0.1, ABI %d.%d; this quarry has ABI %d.%d) failed "
             "to initialize: cannot read the model 'missing.bin': No such file or directory",
             mod("init_fails"), QR_ABI_MAJOR, QR_ABI_MINOR, QR_ABI_MAJOR, QR_ABI_MINOR);
    CHECK_EQ_STR(load(reg, mod("init_fails")), want);

    snprintf(want, sizeof want, "module '%s' (no_entry 0.1, ABI %d.%d) has no entry point 'quarry_module_init': "
             "define int quarry_module_init(const qr_host_api *api, qr_registry *reg, qr_error *err)",
             mod("no_entry"), QR_ABI_MAJOR, QR_ABI_MINOR);
    CHECK_EQ_STR(load(reg, mod("no_entry")), want);

    snprintf(want, sizeof want, "module '%s' does not say which ABI it was built for (no 'quarry_module_info' "
             "symbol): add QR_MODULE_DECLARE(\"name\", \"version\"); from quarry_module.h and rebuild it; "
             "this quarry has module ABI %d.%d", mod("no_info"), QR_ABI_MAJOR, QR_ABI_MINOR);
    CHECK_EQ_STR(load(reg, mod("no_info")), want);

    /* its first step is fine, its second is taken: nothing is registered */
    snprintf(want, sizeof want, "module '%s': step 'tokenize' is already defined (by built-in); rename one of them",
             mod("dup_builtin"));
    CHECK_EQ_STR(load(reg, mod("dup_builtin")), want);
    CHECK(qr_registry_find(reg, "mine") == NULL);

    CHECK_EQ_STR(load(reg, "/nonexistent/m.so"), "cannot load module '/nonexistent/m.so': No such file or directory");
    snprintf(want, sizeof want, "cannot load module '%s': it is a folder; give the .so file", mods);
    CHECK_EQ_STR(load(reg, mods), want);

    char junk[] = "/tmp/quarry-module-junk-XXXXXX.so";
    int fd = mkstemps(junk, 3);
    static const char text[] = "not an ELF file at all, only a line of text long enough for a header\n";
    CHECK_EQ_INT(write(fd, text, sizeof text - 1), sizeof text - 1);
    close(fd);
    snprintf(want, sizeof want, "cannot load module '%s': %s: invalid ELF header (a module is a shared object "
             "built with cc -shared -fPIC; see docs/modules.md)", junk, junk);
    CHECK_EQ_STR(load(reg, junk), want);
    unlink(junk);

    snprintf(want, sizeof want, "cannot load module '%s': %s: undefined symbol: qr_function_nobody_defines (a module "
             "reaches quarry only through the qr_host_api table and must link the other libraries it uses; "
             "see docs/modules.md)", mod("undefined_symbol"), mod("undefined_symbol"));
    CHECK_EQ_STR(load(reg, mod("undefined_symbol")), want);

    CHECK_EQ_INT(qr_registry_count(reg), n);
    CHECK_EQ_INT(qr_module_count(reg), 0);
    qr_registry_free(reg);
}

static const char *find(const char *entry, const char *base)
{
    static char out[2000];
    qr_error err;
    qr_error_clear(&err);
    char *p = qr_module_find(entry, base, &err);
    snprintf(out, sizeof out, "%s", p ? p : err.message);
    free(p);
    return out;
}

static void test_find(void)
{
    unsetenv("QUARRY_MODULE_PATH");
    CHECK_EQ_STR(find("a/b.so", "pipelines"), "pipelines/a/b.so");
    CHECK_EQ_STR(find("b.so", "pipelines"), "pipelines/b.so");
    CHECK_EQ_STR(find("/abs/b.so", "pipelines"), "/abs/b.so");
    CHECK_EQ_STR(find("../m/x", "p"), "p/../m/x");
    CHECK_EQ_STR(find("b.so", NULL), "b.so");
    CHECK_EQ_STR(find("flaky", "p"),
                 "module 'flaky' is a bare name, looked up as flaky.so in the folders of QUARRY_MODULE_PATH, "
                 "which is not set: set it (as in QUARRY_MODULE_PATH=build/modules) or give the file's path, "
                 "as in ./flaky.so");
    char mp[1200];
    snprintf(mp, sizeof mp, "/nonexistent::%s", mods);
    setenv("QUARRY_MODULE_PATH", mp, 1);
    CHECK_EQ_STR(find("flaky", "p"), mod("flaky"));
    char want[2000];
    snprintf(want, sizeof want, "module 'nothere' not found: no nothere.so in QUARRY_MODULE_PATH (%s); build it "
             "into one of those folders or give the file's path", mp);
    CHECK_EQ_STR(find("nothere", "p"), want);
    unsetenv("QUARRY_MODULE_PATH");
}

/* init once per pipeline, thread_init once per qr_pipeline_thread, each
 * document sees the state of the thread that processes it */
static void test_threads(void)
{
    qr_registry *reg = builtins();
    qr_error err;
    qr_error_clear(&err);
    char yaml[1200];
    snprintf(yaml, sizeof yaml, "modules: [%s]\nsteps: [thread_tag]\n", mod("threads"));
    qr_value *root = qr_yaml_load_string(yaml, strlen(yaml), "t.yaml", &err);
    qr_pipeline *p = root ? qr_pipeline_from_value(root, "t.yaml", ".", reg, NULL, &err) : NULL;
    CHECK_EQ_STR(err.message, "");
    qr_pipeline_thread *t1 = p ? qr_pipeline_thread_new(p, &err) : NULL;
    qr_pipeline_thread *t2 = p ? qr_pipeline_thread_new(p, &err) : NULL;
    CHECK(t1 && t2);
    if (t1 && t2) {
        qr_doc *d = qr_doc_new();
        qr_doc_set_text(d, "x", 1, &err);
        CHECK_EQ_INT(qr_pipeline_process_doc(p, t2, d, &err), QR_DOC_KEPT);
        CHECK_EQ_INT(json_integer_value(json_object_get(d->fields, "thread")), 2);
        CHECK_EQ_INT(qr_pipeline_process_doc(p, t1, d, &err), QR_DOC_KEPT);
        CHECK_EQ_INT(json_integer_value(json_object_get(d->fields, "thread")), 1);
        qr_doc_free(d);
    }
    qr_pipeline_thread_free(t1);
    qr_pipeline_thread_free(t2);
    qr_pipeline_free(p);
    qr_value_free(root);
    qr_registry_free(reg);         /* closes the module after the steps are gone */
}

int main(void)
{
    const char *build = getenv("BUILD");
    snprintf(mods, sizeof mods, "%s/tests/modules", build && *build ? build : "build");
    test_loads();
    test_refusals();
    test_find();
    test_threads();
    return DONE("module");
}
