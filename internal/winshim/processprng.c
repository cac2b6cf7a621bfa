/*
 * bcryptprimitives.dll for Wine 8, which lacks it: Go 1.22 and newer import ProcessPrng from it
 * for the runtime's random numbers, so no Go program for Windows starts under Wine 8 without it.
 * This DLL exports ProcessPrng and fills the buffer from advapi32's RtlGenRandom
 * (SystemFunction036), which Wine has. It is built and used only by the tests: test.sh's
 * Windows lane and e2e/wine_test.go build it with x86_64-w64-mingw32-gcc into a private Wine
 * prefix (see internal/winshim/winshim.go and docs/windows.md). Real Windows has its own.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length); /* RtlGenRandom, advapi32 */

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
