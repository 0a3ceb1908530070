#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include <textcat.h>

#include "core/log.h"
#include "proc/worker.h"
#include "translate/detect.h"

#define TEXTCAT_DIR "/usr/share/libexttextcat/"
#define TEXTCAT_CONF TEXTCAT_DIR "fpdb.conf"
/* below this many bytes n-gram statistics say little: "ok" scores as
 * Slovak at full confidence; such texts come back undetermined */
#define DETECT_MIN_BYTES 20

/* Returns the classifier of w, loading it on first use; NULL on failure. */
static void *classifier(struct worker *w)
{
	static int logged;

	if (w->textcat == NULL) {
		w->textcat = special_textcat_Init(TEXTCAT_CONF, TEXTCAT_DIR);
		w->textcat_free = detect_free;
		if (w->textcat != NULL)
			textcat_SetProperty(w->textcat, TCPROP_MINIMUM_DOCUMENT_SIZE,
			    DETECT_MIN_BYTES);
		if (w->textcat == NULL && !logged) {
			log_msg(LOG_LEVEL_ERROR,
			    "cannot load the language models in %s "
			    "(apt-get install libexttextcat-data)",
			    TEXTCAT_DIR);
			logged = 1;
		}
	}
	return w->textcat;
}

/* Copies the language part of a model name ("en--utf8", "zh-CN-utf8")
 * into out (8 bytes). */
static void model_language(const char *name, char *out)
{
	size_t n = strcspn(name, "-");

	snprintf(out, 8, "%.*s", (int)(n < 7 ? n : 7), name);
}

int detect_language(struct worker *w, const char *text, size_t len, struct detection *out)
{
	void *tc = classifier(w);
	candidate_t *cands;
	int n;

	memset(out, 0, sizeof(*out));
	if (tc == NULL)
		return -1;
	cands = textcat_GetClassifyFullOutput(tc);
	if (cands == NULL)
		return -1;
	/* a few hundred bytes decide; more only costs time */
	n = textcat_ClassifyFull(tc, text, len > 2048 ? 2048 : len, cands);
	for (int i = 0; i < n && out->ncandidates < DETECT_ALTERNATIVES; i++)
		model_language(cands[i].name, out->candidates[out->ncandidates++]);
	if (out->ncandidates > 0) {
		memcpy(out->language, out->candidates[0], sizeof(out->language));
		out->confidence = 1.0 / out->ncandidates;
	}
	textcat_ReleaseClassifyFullOutput(tc, cands);
	return 0;
}

void detect_free(void *c)
{
	if (c != NULL)
		textcat_Done(c);
}
