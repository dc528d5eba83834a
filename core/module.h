/*
 * module — loading C modules (.so files built against quarry_module.h).
 *
 * qr_module_load opens a module with dlopen(RTLD_NOW | RTLD_LOCAL), reads
 * its exported `quarry_module_info` (QR_MODULE_DECLARE) and refuses it if it
 * was built for another QR_ABI_MAJOR — before any code of the module runs —
 * then calls its `quarry_module_init` with the host API table. The steps the
 * module registers are staged first and added to the registry only when
 * init succeeded and none of their names is taken (by a built-in step or
 * another module), so a refused module leaves the registry as it was.
 *
 * A module's qr_step_def may be smaller (built for an older minor: the
 * missing members read as NULL/0) or larger (a newer minor: the members this
 * host does not know are ignored) than the host's: the registry keeps a
 * host-sized copy.
 *
 * Ownership and lifetime: the registry keeps each module open until it is
 * freed (qr_registry_free closes modules after every step entry is gone;
 * pipelines, which own the step states, must be freed before it, as always).
 * Loading the same file again into the same registry (same device and inode,
 * whatever the path) does nothing and succeeds.
 *
 * Every message names the file and, where it matters, the module's ABI
 * version and the host's.
 */
#ifndef QR_MODULE_H
#define QR_MODULE_H

#include "quarry_module.h"
#include "value.h"

/* Loads the module at `path` (a file path; used as given) into reg. */
int qr_module_load(qr_registry *reg, const char *path, qr_error *err);

/* Where a `modules:` entry lives: a bare name ("sentiment": no '/', not
 * ending in ".so") is looked up as NAME.so in the folders of
 * QUARRY_MODULE_PATH (colon-separated, searched in order); anything else is
 * a path, relative to base_dir (NULL or "" = the current folder). Newly
 * allocated, or NULL with err. */
char *qr_module_find(const char *entry, const char *base_dir, qr_error *err);

/* A pipeline's `modules:` value (NULL/null, one string, or a list of
 * strings): finds and loads each entry; errors carry the entry's position. */
int qr_module_load_list(qr_registry *reg, const qr_value *modules,
                        const char *base_dir, qr_error *err);

/* The modules loaded into reg, in load order (for listings). */
size_t qr_module_count(const qr_registry *reg);
/* Path as loaded and the module's declared info; NULL past the end. */
const qr_module_info *qr_module_at(const qr_registry *reg, size_t i, const char **path);

#endif
