/* Test module: declares its ABI but has no quarry_module_init. */
#include <quarry_module.h>

QR_MODULE_DECLARE("no_entry", "0.1");

int no_entry_helper(int x);
int no_entry_helper(int x)
{
    return x + 1;
}
