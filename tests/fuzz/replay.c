/* Runs a fuzz target's LLVMFuzzerTestOneInput over every file in the
 * directories given (its seeds and the regressions kept from crashes),
 * without libFuzzer, so that make check replays them with any compiler.
 * Prints how many inputs ran; a crash or sanitizer report fails it. */
#include "autoconfig.h"

#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Feeds the file at path to the target. Returns 0, or -1 when unreadable. */
static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t n = 0, cap = 0, got;

	if (f == NULL)
		return -1;
	do {
		if (n == cap) {
			unsigned char *nb = realloc(buf, cap = cap ? 2 * cap : 4096);
			if (nb == NULL) {
				free(buf);
				fclose(f);
				return -1;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	int ran = 0, failed = 0;

	for (int i = 1; i < argc; i++) {
		DIR *d = opendir(argv[i]);
		struct dirent *e;
		char path[4096];
		if (d == NULL)
			continue;
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
			if (replay_file(path) < 0)
				failed++;
			else
				ran++;
		}
		closedir(d);
	}
	printf("%s: %d inputs replayed\n", argv[0], ran);
	printf("%d passed, %d failed\n", ran, failed);
	return failed > 0 || ran == 0 ? 1 : 0;
}
