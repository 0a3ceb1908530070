/* Readiness: whether this worker's stores answer now. */
#ifndef DRAGOMAN_HEALTH_H
#define DRAGOMAN_HEALTH_H

struct worker;

/* What one probe of the stores found. */
struct health_probe {
	int db_up; /* PostgreSQL answered a query */
	double db_ms;
	int mc_up; /* memcached made a round trip */
	double mc_ms;
};

/* Probes w's PostgreSQL connection and memcached servers, one after the
 * other, timing each, into out. */
void health_probe(struct worker *w, struct health_probe *out);

#endif
