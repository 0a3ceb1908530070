/* Language identification with libexttextcat (n-gram fingerprints, the
 * classifier LibreOffice uses): one classifier per process, loaded on
 * first use. */
#ifndef DRAGOMAN_DETECT_H
#define DRAGOMAN_DETECT_H

#include <stddef.h>

#define DETECT_ALTERNATIVES 5

struct worker;

/* language is an ISO 639-1 (or 639-3 where no 639-1 exists) code, "" when
 * the text is shorter than 20 bytes or unlike every model. The candidates are those
 * within 3% of the best fingerprint distance, best first; confidence is
 * 1 / their number (1.0: only one language fits). */
struct detection {
	char language[8];
	double confidence;
	int ncandidates;
	char candidates[DETECT_ALTERNATIVES][8];
};

/* Classifies text[0..len). Returns 0 with out filled, or -1 when the
 * language models cannot be loaded (logged once). */
int detect_language(struct worker *w, const char *text, size_t len, struct detection *out);

/* Frees the classifier of this process; NULL is allowed. */
void detect_free(void *classifier);

#endif
