/* Test module: calls a function nothing provides (as a module calling
 * libquarry directly instead of the host API would), so dlopen fails. */
#include <quarry_module.h>

QR_MODULE_DECLARE("undefined_symbol", "0.1");

int qr_function_nobody_defines(int x);

int quarry_module_init(const qr_host_api *api, qr_registry *reg, qr_error *err)
{
    (void)api, (void)reg, (void)err;
    return qr_function_nobody_defines(1);
}
