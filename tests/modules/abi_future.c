/* Test module: built for a future ABI major. The host must refuse it
 * without running any of its code: init aborts if it is ever called. */
#include <quarry_module.h>
#include <stdlib.h>

const qr_module_info quarry_module_info = {QR_ABI_MAJOR + 1, 4, sizeof(qr_module_info), "future", "9.0"};

int quarry_module_init(const qr_host_api *api, qr_registry *reg, qr_error *err)
{
    (void)api, (void)reg, (void)err;
    abort();
}
