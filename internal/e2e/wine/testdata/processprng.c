/*
 * processprng.c is the stand-in bcryptprimitives.dll that lets Go 1.26
 * Windows binaries start under wine 8 (Debian bookworm), which has no such
 * DLL: the Go runtime loads bcryptprimitives.dll from system32 at start
 * and throws "bcryptprimitives.dll not found" without it, then draws all
 * its randomness from ProcessPrng (runtime/os_windows.go).
 *
 * ProcessPrng is documented as BOOL ProcessPrng(PBYTE pbData, SIZE_T cbData)
 * and always returns TRUE on Windows; here it fills the buffer from wine's
 * bcrypt (BCryptGenRandom with the system-preferred RNG, which wine reads
 * from the host's getrandom) and returns FALSE only if that fails.
 *
 * The suite compiles it (internal/e2e/wine) with
 *   x86_64-w64-mingw32-gcc -shared -O2 -o bcryptprimitives.dll processprng.c -lbcrypt
 * into the test's own wine prefix; it is never committed as a binary.
 */
#include <windows.h>
#include <bcrypt.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    /* BCryptGenRandom takes a ULONG length: feed it in chunks. */
    while (len > 0) {
        ULONG n = len > 0x40000000u ? 0x40000000u : (ULONG)len;
        if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, data, n, BCRYPT_USE_SYSTEM_PREFERRED_RNG)))
            return FALSE;
        data += n;
        len -= n;
    }
    return TRUE;
}
