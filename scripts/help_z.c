/*
 * help_z.c: writes help.h's HELP_TEXT deflated (deflate.c, level 9, one
 * final block), as the C header s3pub.c includes: build/gen/help_z.h (the
 * Makefile runs it). Built and run on the build machine only.
 */
#include <stdio.h>

#include "deflate.h"
#include "help.h"

static const char text[] = HELP_TEXT;
static deflate_ctx ctx;
static unsigned char out[DEFLATE_BOUND(sizeof text)];

int
main(void)
{
	size_t n;

	/* sizeof text: the last text's NUL too, so each one ends with one */
	_Static_assert(sizeof text <= DEFLATE_BLOCK, "help.h: one block");
	deflate_init(&ctx, 9);
	n = deflate_block(&ctx, (const unsigned char *)text, sizeof text, 1,
	    out);
	printf("/* help.h's texts, deflated: written by scripts/help_z.c */\n"
	    "#define HELP_TEXT_SIZE %zu\n"
	    "static const unsigned char help_z[%zu] = {", sizeof text, n);
	for (size_t i = 0; i < n; i++)
		printf("%s%u,", i % 16 ? "" : "\n\t", out[i]);
	printf("\n};\n");
	return ferror(stdout) || fflush(stdout) ? 1 : 0;
}
