/*
 * host — the qr_host_api table handed to every step (built-in and module).
 *
 * One static const table; every function works on the document or value it
 * is given, so the table is shared by all pipelines and threads.
 * Span `source` is the running step's name, which the runner/pipeline puts
 * in doc->current_step before calling process().
 */
#ifndef QR_HOST_H
#define QR_HOST_H

#include "quarry_module.h"

const qr_host_api *qr_host_api_get(void);

#endif
