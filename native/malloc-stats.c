/* glibc malloc's view of the process (for the shim's memory report, src/shim/memory-report.ts):
 * what mallinfo2() sums over all arenas, and malloc_trim(0), which gives free pages back to the
 * kernel. Debug use only; neither is called on any request path. */
#include <malloc.h>
#include <stdint.h>

#include "tsrun.h"

int tsrun_malloc_stats(uint64_t out[7])
{
	struct mallinfo2 m = mallinfo2();
	out[0] = m.arena;    /* bytes from sbrk/arena heaps (non-mmapped) */
	out[1] = m.ordblks;  /* free chunks */
	out[2] = m.hblks;    /* mmapped chunks */
	out[3] = m.hblkhd;   /* bytes in mmapped chunks */
	out[4] = m.uordblks; /* bytes in use */
	out[5] = m.fordblks; /* bytes free (held by malloc) */
	out[6] = m.keepcost; /* releasable from the top of the main arena */
	return 0;
}

int tsrun_malloc_trim(void)
{
	return malloc_trim(0);
}
