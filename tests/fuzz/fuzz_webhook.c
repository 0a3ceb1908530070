/* libFuzzer target: the Stripe-Signature header parser. The input is
 * "<header>\n<body>": the header is checked against the body under a
 * fixed secret, at a fixed time, as POST /v1/billing/webhooks/stripe
 * checks it before it reads anything else. */
#include "autoconfig.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "billing/stripe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *nl;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	nl = strchr(text, '\n');
	if (nl != NULL)
		*nl++ = '\0';
	(void)stripe_signature_valid(text, nl != NULL ? nl : "", nl != NULL ? strlen(nl) : 0,
	    "whsec_fuzz", 1700000000LL, STRIPE_TOLERANCE_S);
	free(text);
	return 0;
}
