/* s3pub.c: the command line (placeholder until the commands land). */
#include <stdio.h>
#include <string.h>

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "version") == 0) {
		printf("s3pub %s\n", S3PUB_VERSION);
		return 0;
	}
	fprintf(stderr, "usage: s3pub version\n");
	return 1;
}
