/*
 * registry — every step quarry knows, built-in or loaded from a module.
 *
 * One registry feeds the validator (pipeline.c), `quarry check`,
 * `quarry steps` and the docs. Built-in steps register through
 * qr_registry_add_builtins(), whose list lives in core/steps/builtins.c:
 * to add a built-in C step, write core/steps/<name>.c exposing
 * `const qr_step_def qr_step_<name>_def` and add ONE line to the X-list
 * QR_BUILTIN_STEPS in core/steps/builtins.c.
 *
 * Steps that need Lua (`lua`, `filter`) live in lua/ and are added by the
 * binding on top of the built-ins (lq_register_steps, see lua/lq.h);
 * `quarry run/check/steps` and q.pipeline both do that.
 *
 * Ownership: the registry keeps the qr_step_def pointer (it must outlive the
 * registry: a static const, or memory of a module that stays loaded) and
 * copies `origin`. `data` is opaque, kept for the step and handed to it
 * through qr_step_ctx_data(ctx) at init (used for steps that are closures
 * of the host, e.g. a Lua function given to q.pipeline{…}).
 * A registry is read-only during runs: lookups are safe from any thread.
 */
#ifndef QR_REGISTRY_H
#define QR_REGISTRY_H

#include "quarry_module.h"

qr_registry *qr_registry_new(void);
void qr_registry_free(qr_registry *reg);               /* NULL is fine */

/* Registers def. Errors: bad name ([a-z][a-z0-9_]*), missing process,
 * def->size smaller than the first ABI's, duplicate name (the message names
 * both origins). origin: "built-in", a module path, … (copied; NULL = "built-in"). */
int qr_registry_add(qr_registry *reg, const qr_step_def *def, qr_error *err);
int qr_registry_add_ex(qr_registry *reg, const qr_step_def *def,
                       const char *origin, void *data, qr_error *err);

/* Origin that qr_registry_add (so api->register_step) records from now on;
 * NULL = "built-in". Copied. core/module.c sets it while a module registers. */
int qr_registry_set_origin(qr_registry *reg, const char *origin, qr_error *err);

/* Keeps `data` until the registry is freed: qr_registry_free then calls
 * free_fn(data) after every step entry is gone, last attached first
 * (core/module.c keeps its loaded modules this way, so dlclose comes last).
 * `key` (a static string) finds it again; NULL if nothing is attached. */
int qr_registry_attach(qr_registry *reg, const char *key, void *data,
                       void (*free_fn)(void *), qr_error *err);
void *qr_registry_attached(const qr_registry *reg, const char *key);

/* Every built-in C step (core/steps/builtins.c). */
int qr_registry_add_builtins(qr_registry *reg, qr_error *err);

const qr_step_def *qr_registry_find(const qr_registry *reg, const char *name);
/* Origin and data of a registered step (NULL if unknown). */
const char *qr_registry_origin(const qr_registry *reg, const char *name);
void *qr_registry_data(const qr_registry *reg, const char *name);

/* Sorted by name. */
size_t qr_registry_count(const qr_registry *reg);
const qr_step_def *qr_registry_at(const qr_registry *reg, size_t i);

/* The registered name closest to `name` (Levenshtein), or NULL when none is
 * close enough to be a plausible misspelling. */
const char *qr_registry_suggest(const qr_registry *reg, const char *name);

/* Edit distance between a and b (bytes; insertions, deletions, substitutions
 * and swaps of adjacent bytes cost 1 — optimal string alignment). */
size_t qr_levenshtein(const char *a, const char *b);
/* The closest of `candidates[0..n)` to `word` if plausibly a misspelling
 * (distance <= max(1, strlen(word)/3), and < strlen(word)), else NULL. */
const char *qr_closest_name(const char *word, const char *const *candidates, size_t n);

/* The data registered with the step this ctx belongs to (the ctx handed to
 * init by the host; NULL when none). */
void *qr_step_ctx_data(const qr_step_ctx *ctx);

/* What the host hands a step's init: the ABI part first, host-only data
 * after it, read by the functions here. A program that calls a built-in
 * step's init itself (the unit tests) hands one of these too, zeroed but
 * for ctx: a bare qr_step_ctx would be read past its end. */
typedef struct qr_step_ctx_host {
    qr_step_ctx ctx;
    void *data;              /* qr_step_ctx_data */
    int rerunnable;          /* qr_step_ctx_set_rerunnable */
    int checking;            /* qr_step_ctx_checking */
} qr_step_ctx_host;
/* Called by a built-in step's init: this instance's finish() leaves it
 * ready for another run (a `lua` step whose script has no finish(), a
 * filter), so a pipeline made of such steps may run again. Without it, a
 * step with finish() (an export publishing its file) runs once. */
void qr_step_ctx_set_rerunnable(const qr_step_ctx *ctx);
/* 1 when the pipeline is loaded only to be checked (quarry check): a
 * built-in step's init validates what it would write (a folder could be
 * made, a path is no folder) but creates no file or folder. */
int qr_step_ctx_checking(const qr_step_ctx *ctx);

#endif
