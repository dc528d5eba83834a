/* Test module: has an entry point but no QR_MODULE_DECLARE. */
#include <quarry_module.h>
#include <stdlib.h>

int quarry_module_init(const qr_host_api *api, qr_registry *reg, qr_error *err)
{
    (void)api, (void)reg, (void)err;
    abort();
}
