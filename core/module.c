#include "module.h"
#include "error.h"
#include "host.h"
#include "registry.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ATTACH_KEY "quarry.modules"

typedef struct loaded {
    void *handle;
    char *path;
    dev_t dev;
    ino_t ino;
    const qr_module_info *info;
    qr_step_def **defs;        /* host-sized copies, registered */
    size_t n_defs;
} loaded;

typedef struct module_set {
    loaded *v;
    size_t n, cap;
} module_set;

static void loaded_close(loaded *m)
{
    for (size_t i = 0; i < m->n_defs; i++)
        free(m->defs[i]);
    free(m->defs);
    if (m->handle)
        dlclose(m->handle);
    free(m->path);
}

/* Runs from qr_registry_free, after every step entry is gone. */
static void set_free(void *p)
{
    module_set *s = p;
    for (size_t i = s->n; i-- > 0;)
        loaded_close(&s->v[i]);
    free(s->v);
    free(s);
}

static module_set *get_set(qr_registry *reg, qr_error *err)
{
    module_set *s = qr_registry_attached(reg, ATTACH_KEY);
    if (s)
        return s;
    s = calloc(1, sizeof *s);
    if (!s || qr_registry_attach(reg, ATTACH_KEY, s, set_free, err) != 0) {
        free(s);
        qr_error_set(err, "out of memory");
        return NULL;
    }
    return s;
}

static const char *or_unnamed(const char *s)
{
    return s && *s ? s : "?";
}

/* "sentiment 1.0.0, ABI 1.0" */
static const char *describe(const qr_module_info *info, char *buf, size_t n)
{
    snprintf(buf, n, "%s %s, ABI %d.%d", or_unnamed(info->name), or_unnamed(info->version),
             info->abi_major, info->abi_minor);
    return buf;
}

/* Copies def into a zero-filled host-sized qr_step_def: members an older
 * module does not have read as NULL/0; those of a newer one are dropped. */
static qr_step_def *host_copy(const qr_step_def *def)
{
    qr_step_def *c = calloc(1, sizeof *c);
    if (c)
        memcpy(c, def, def->size < sizeof *c ? def->size : sizeof *c);
    return c;
}

/* Steps the module registered (in staging), checked against reg, then
 * copied and added. On error reg is unchanged. */
static int adopt_steps(qr_registry *reg, qr_registry *staging, loaded *m, qr_error *err)
{
    size_t n = qr_registry_count(staging);
    if (n == 0)
        return qr_error_set(err, "module '%s' (%s) registered no step: call api->register_step(reg, &def, err) "
                            "in quarry_module_init", m->path, describe(m->info, (char[160]){0}, 160));
    for (size_t i = 0; i < n; i++) {
        const char *name = qr_registry_at(staging, i)->name;
        const char *other = qr_registry_origin(reg, name);
        if (other)
            return qr_error_set(err, "module '%s': step '%s' is already defined (by %s); rename one of them",
                                m->path, name, other);
    }
    if (!(m->defs = calloc(n, sizeof *m->defs)))
        return qr_error_set(err, "out of memory");
    for (size_t i = 0; i < n; i++)
        if (!(m->defs[m->n_defs++] = host_copy(qr_registry_at(staging, i))))
            return qr_error_set(err, "out of memory");
    return 0;
}

int qr_module_load(qr_registry *reg, const char *path, qr_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return qr_error_set(err, "cannot load module '%s': %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return qr_error_set(err, "cannot load module '%s': it is a folder; give the .so file", path);
    module_set *set = get_set(reg, err);
    if (!set)
        return -1;
    for (size_t i = 0; i < set->n; i++)
        if (set->v[i].dev == st.st_dev && set->v[i].ino == st.st_ino)
            return 0;

    /* dlopen searches the library path for a name without '/' */
    char *full = strchr(path, '/') ? strdup(path) : malloc(strlen(path) + 3);
    if (full && !strchr(path, '/'))
        sprintf(full, "./%s", path);
    if (!full)
        return qr_error_set(err, "out of memory");
    loaded m = {.path = full, .dev = st.st_dev, .ino = st.st_ino};
    char who[160];
    qr_registry *staging = NULL;
    dlerror();
    if (!(m.handle = dlopen(full, RTLD_NOW | RTLD_LOCAL))) {
        const char *why = dlerror();
        if (!why)
            why = "unknown error";
        if (strstr(why, "undefined symbol"))
            qr_error_set(err, "cannot load module '%s': %s (a module reaches quarry only through the "
                         "qr_host_api table and must link the other libraries it uses; see docs/modules.md)",
                         path, why);
        else
            qr_error_set(err, "cannot load module '%s': %s (a module is a shared object built with "
                         "cc -shared -fPIC; see docs/modules.md)", path, why);
        goto fail;
    }
    m.info = dlsym(m.handle, QR_MODULE_INFO_SYMBOL);
    if (!m.info) {
        qr_error_set(err, "module '%s' does not say which ABI it was built for (no '%s' symbol): add "
                     "QR_MODULE_DECLARE(\"name\", \"version\"); from quarry_module.h and rebuild it; "
                     "this quarry has module ABI %d.%d", path, QR_MODULE_INFO_SYMBOL,
                     QR_ABI_MAJOR, QR_ABI_MINOR);
        goto fail;
    }
    /* Only abi_major/abi_minor are read before the check: nothing else of
     * the struct is promised across majors. */
    if (m.info->abi_major != QR_ABI_MAJOR) {
        qr_error_set(err, "module '%s' was built for module ABI %d.%d, but this quarry has ABI %d.%d: "
                     "rebuild it against this quarry's quarry_module.h (pkg-config --cflags quarry)",
                     path, m.info->abi_major, m.info->abi_minor, QR_ABI_MAJOR, QR_ABI_MINOR);
        goto fail;
    }
    describe(m.info, who, sizeof who);
    qr_module_init_fn init;
    *(void **)&init = dlsym(m.handle, QR_MODULE_INIT_SYMBOL);
    if (!init) {
        qr_error_set(err, "module '%s' (%s) has no entry point '%s': define int %s(const qr_host_api *api, "
                     "qr_registry *reg, qr_error *err)", path, who, QR_MODULE_INIT_SYMBOL,
                     QR_MODULE_INIT_SYMBOL);
        goto fail;
    }
    char origin[1200];
    snprintf(origin, sizeof origin, "module %s", path);
    if (!(staging = qr_registry_new()) || qr_registry_set_origin(staging, origin, err) != 0) {
        qr_error_set(err, "out of memory");
        goto fail;
    }
    qr_error me;
    qr_error_clear(&me);
    if (init(qr_host_api_get(), staging, &me) != 0) {
        /* a step refused by register_step is named from its module already */
        const char *msg = me.message[0] ? me.message : "no message given";
        size_t no = strlen(origin);
        if (!strncmp(msg, origin, no) && !strncmp(msg + no, ": ", 2))
            msg += no + 2;
        qr_error_set(err, "module '%s' (%s; this quarry has ABI %d.%d) failed to initialize: %s", path, who,
                     QR_ABI_MAJOR, QR_ABI_MINOR, msg);
        goto fail;
    }
    if (adopt_steps(reg, staging, &m, err) != 0)
        goto fail;
    qr_registry_free(staging);
    staging = NULL;
    if (set->n == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 4;
        loaded *v = realloc(set->v, cap * sizeof *v);
        if (!v) {
            qr_error_set(err, "out of memory");
            goto fail;
        }
        set->v = v;
        set->cap = cap;
    }
    set->v[set->n++] = m;        /* from here the registry keeps it open */
    for (size_t i = 0; i < m.n_defs; i++)
        if (qr_registry_add_ex(reg, m.defs[i], origin, NULL, err) != 0)
            return -1;
    return 0;
fail:
    qr_registry_free(staging);
    loaded_close(&m);
    return -1;
}

static char *join(const char *dir, const char *name, const char *suffix)
{
    size_t n = strlen(dir) + strlen(name) + strlen(suffix) + 2;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s/%s%s", dir, name, suffix);
    return s;
}

static int is_bare_name(const char *entry)
{
    size_t n = strlen(entry);
    return !strchr(entry, '/') && !(n > 3 && strcmp(entry + n - 3, ".so") == 0);
}

char *qr_module_find(const char *entry, const char *base_dir, qr_error *err)
{
    char *r;
    if (!is_bare_name(entry)) {
        if (entry[0] == '/' || !base_dir || !*base_dir || strcmp(base_dir, ".") == 0)
            r = strdup(entry);
        else
            r = join(base_dir, entry, "");
        if (!r)
            qr_error_set(err, "out of memory");
        return r;
    }
    const char *mp = getenv("QUARRY_MODULE_PATH");
    if (!mp || !*mp) {
        qr_error_set(err, "module '%s' is a bare name, looked up as %s.so in the folders of "
                     "QUARRY_MODULE_PATH, which is not set: set it (as in QUARRY_MODULE_PATH=build/modules) "
                     "or give the file's path, as in ./%s.so", entry, entry, entry);
        return NULL;
    }
    for (const char *p = mp; *p;) {
        const char *colon = strchr(p, ':');
        size_t len = colon ? (size_t)(colon - p) : strlen(p);
        if (len) {
            char *dir = strndup(p, len);
            r = dir ? join(dir, entry, ".so") : NULL;
            free(dir);
            if (!r) {
                qr_error_set(err, "out of memory");
                return NULL;
            }
            if (access(r, F_OK) == 0)
                return r;
            free(r);
        }
        p += len + (colon != NULL);
    }
    qr_error_set(err, "module '%s' not found: no %s.so in QUARRY_MODULE_PATH (%s); build it into one of "
                 "those folders or give the file's path", entry, entry, mp);
    return NULL;
}

static int load_entry(qr_registry *reg, const qr_value *v, const char *base_dir, qr_error *err)
{
    if (v->type != QR_VAL_STRING || !v->u.str.len)
        return qr_value_error(v, err, "modules: each entry must be the path of a .so file or a module "
                              "name, got %s", qr_value_type_name(v->type));
    qr_error e;
    qr_error_clear(&e);
    char *path = qr_module_find(v->u.str.s, base_dir, &e);
    int rc = path ? qr_module_load(reg, path, &e) : -1;
    free(path);
    if (rc != 0)
        return qr_value_error(v, err, "%s", e.message);
    return 0;
}

int qr_module_load_list(qr_registry *reg, const qr_value *modules, const char *base_dir,
                        qr_error *err)
{
    if (!modules || modules->type == QR_VAL_NULL)
        return 0;
    if (modules->type == QR_VAL_STRING)
        return load_entry(reg, modules, base_dir, err);
    if (modules->type != QR_VAL_LIST)
        return qr_value_error(modules, err, "'modules' must be a list of .so paths or module names, "
                              "as in modules: [../build/modules/sentiment.so]; got %s",
                              qr_value_type_name(modules->type));
    for (size_t i = 0; i < modules->u.list.n; i++)
        if (load_entry(reg, modules->u.list.v[i], base_dir, err) != 0)
            return -1;
    return 0;
}

size_t qr_module_count(const qr_registry *reg)
{
    const module_set *s = qr_registry_attached(reg, ATTACH_KEY);
    return s ? s->n : 0;
}

const qr_module_info *qr_module_at(const qr_registry *reg, size_t i, const char **path)
{
    const module_set *s = qr_registry_attached(reg, ATTACH_KEY);
    if (!s || i >= s->n)
        return NULL;
    if (path)
        *path = s->v[i].path;
    return s->v[i].info;
}
