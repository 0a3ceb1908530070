/* Every SQL statement the programs run, by name. All are parameterized and
 * run as prepared statements. */
#ifndef DRAGOMAN_STATEMENTS_H
#define DRAGOMAN_STATEMENTS_H

enum stmt {
	STMT_PING,
	STMT_SET_TIMEOUT,
	STMT_KEY_AUTHENTICATE,
	STMT_WORKSPACE_GET,
	STMT_WORKSPACE_UPDATE,
	STMT_WORKSPACE_INSERT,
	STMT_KEY_INSERT,
	STMT_KEY_REVOKE,
	STMT_KEY_LIST,
	STMT_TCACHE_GET,
	STMT_TCACHE_PUT,
	STMT_TCACHE_HIT,
	STMT_TCACHE_TOP,
	STMT_TCACHE_TOTALS,
	STMT_CACHE_USAGE,
	STMT_USAGE_INSERT,
	STMT_USAGE_SETTLE,
	STMT_BILLING_RESERVE,
	STMT_BILLING_RELEASE_EXPIRED,
	STMT_BILLING_RELEASE_ALL_EXPIRED,
	STMT_BILLING_HEADROOM,
	STMT_BILLING_BALANCE,
	STMT_BILLING_TRANSACTIONS,
	STMT_LEDGER_CHANGE,
	STMT_LEDGER_BY_KEY,
	STMT_IDEM_CLAIM,
	STMT_IDEM_GET,
	STMT_IDEM_COMPLETE,
	STMT_IDEM_EXPIRE,
	STMT_IDEM_RELEASE,
	STMT_BILLING_SET_CAP,
	STMT_COUPON_LOCK,
	STMT_COUPON_REDEEM,
	STMT_COUPON_CREATE,
	STMT_USAGE_MONTH_BILLED,
	STMT_USAGE_PARTITIONS,
	STMT_MIGRATION_APPLIED,
	STMT_MIGRATION_RECORD,
	STMT__MAX
};

struct stmt_def {
	const char *name;
	const char *sql;
	int nparams;
	int retry_safe;   /* may run again after a reconnect (reads only) */
};

/* Returns the definition of the statement named name (static), or NULL. */
const struct stmt_def *stmt_def_named(const char *name);

/* Returns the definition of s (static), or NULL when out of range. */
const struct stmt_def *stmt_def(enum stmt s);

#endif
