/* The exec trampoline (native/trampoline/trampoline.c, built first as build/tsrun-trampoline)
 * embedded in libtsrun.so; the executor copies it into a sealed memfd. */
	.section .rodata
	.balign 16
	.globl tsr_trampoline_start
	.hidden tsr_trampoline_start
tsr_trampoline_start:
	.incbin "build/tsrun-trampoline"
	.globl tsr_trampoline_end
	.hidden tsr_trampoline_end
tsr_trampoline_end:
	.section .note.GNU-stack,"",@progbits
