/* Test module: its init fails with a message. */
#include <quarry_module.h>

QR_MODULE_DECLARE("init_fails", "0.1");

int quarry_module_init(const qr_host_api *api, qr_registry *reg, qr_error *err)
{
    (void)reg;
    return api->error(err, "cannot read the model '%s': %s", "missing.bin", "No such file or directory");
}
