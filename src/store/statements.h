/* Every SQL statement the programs run, by name. All are parameterized and
 * run as prepared statements. */
#ifndef DRAGOMAN_STATEMENTS_H
#define DRAGOMAN_STATEMENTS_H

enum stmt {
	STMT_PING,
	STMT_SESSION_SETUP,
	STMT_KEY_AUTHENTICATE,
	STMT_WORKSPACE_GET,
	STMT_WORKSPACE_UPDATE,
	STMT_WORKSPACE_INSERT,
	STMT_KEY_INSERT,
	STMT_KEY_REVOKE,
	STMT_KEY_REVOKE_OWN,
	STMT_KEY_LIST,
	STMT_KEY_LIMITS,
	STMT_PLAN_LIMITS,
	STMT_USER_INSERT,
	STMT_USER_LOGIN,
	STMT_SESSION_CREATE,
	STMT_SESSION_LOOKUP,
	STMT_SESSION_REVOKE,
	STMT_REFRESH_ROTATE,
	STMT_REFRESH_REUSED,
	STMT_USER_SESSIONS,
	STMT_PREFS_SET,
	STMT_USER_EXPORT,
	STMT_USER_DELETE,
	STMT_CRED_PUT,
	STMT_CRED_GET,
	STMT_CRED_LIST,
	STMT_CRED_DELETE,
	STMT_CRED_STALE,
	STMT_CRED_REKEY,
	STMT_TCACHE_GET,
	STMT_TCACHE_PUT,
	STMT_TCACHE_HIT,
	STMT_TCACHE_TOP,
	STMT_TCACHE_TOTALS,
	STMT_CACHE_USAGE,
	STMT_USAGE_INSERT,
	STMT_USAGE_INSERT_ASYNC,
	STMT_SPOOL_REGISTER,
	STMT_SPOOL_CLAIM,
	STMT_SPOOL_MOVE,
	STMT_SPOOL_REOPEN,
	STMT_SPOOL_LOADED,
	STMT_SPOOL_REJECT,
	STMT_SPOOL_PENDING,
	STMT_SPOOL_STALE,
	STMT_SPOOL_ABANDON,
	STMT_SPOOL_FORGET,
	STMT_USAGE_SETTLE,
	STMT_BILLING_RESERVE,
	STMT_METER_CHARGE,
	STMT_QUOTA_RESERVE,
	STMT_QUOTA_USED,
	STMT_BILLING_RELEASE_EXPIRED,
	STMT_LANES_SWEEP,
	STMT_LANES_SET,
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
	STMT_PAYMENT_METHOD_SET,
	STMT_PAYMENT_METHOD_GET,
	STMT_PAYMENT_UPSERT,
	STMT_PAYMENT_GET,
	STMT_PAYMENT_ATTEMPT,
	STMT_PAYMENT_SET_INTENT,
	STMT_PAYMENT_MARK,
	STMT_PAYMENT_LOCK,
	STMT_PAYMENT_CREDIT,
	STMT_PAYMENT_REFUNDED,
	STMT_PAYMENT_DISPUTE,
	STMT_PAYMENT_FIND,
	STMT_PAYMENTS_OPEN,
	STMT_PAYMENT_LIST,
	STMT_PAYMENT_ONE,
	STMT_UNMATCHED_RECORD,
	STMT_UNMATCHED_LIST,
	STMT_UNMATCHED_ASSIGN,
	STMT_UNMATCHED_DISMISS,
	STMT_STRIPE_EVENT_RECORD,
	STMT_AUTO_RECHARGE_SET,
	STMT_AUTO_RECHARGE_GET,
	STMT_AUTO_RECHARGE_FAILED,
	STMT_AUTO_RECHARGE_OK,
	STMT_AUTO_RECHARGE_DUE,
	STMT_USAGE_MONTH_BILLED,
	STMT_USAGE_PARTITIONS_AHEAD,
	STMT_USAGE_DROP_BEFORE,
	STMT_USAGE_PARTITION_LIST,
	STMT_USAGE_ROLLUP,
	STMT_USAGE_ROLLUP_REBUILD,
	STMT_REPORT_RANGE,
	STMT_REPORT_USAGE,
	STMT_REPORT_ACTORS,
	STMT_REPORT_PAIRS,
	STMT_REPORT_PROVIDERS,
	STMT_REPORT_WORKSPACES,
	STMT_REPORT_MONEY,
	STMT_MIGRATION_APPLIED,
	STMT_MIGRATION_RECORD,
	STMT_METRICS_ADD,
	STMT_METRICS_READ,
	STMT__MAX
};

/* The usage spool's load: its lines (src/store/spool.c) hold these columns
 * in this order, in COPY's text format. They are copied into a temporary
 * table of the loading session (made in the load's transaction, emptied
 * at its commit), and moved from there into usage_events by
 * STMT_SPOOL_MOVE. */
#define SQL_USAGE_SPOOL_TABLE \
	"CREATE TEMP TABLE IF NOT EXISTS usage_spool_in (created_at timestamptz, workspace_id uuid," \
	" api_key_id uuid, user_id uuid, request_id text, endpoint text, source text, target text," \
	" provider text, model text, characters bigint, billed_characters bigint," \
	" segments integer, cached_segments integer, status smallint, duration_ms integer)" \
	" ON COMMIT DELETE ROWS"
#define SQL_USAGE_COPY \
	"COPY usage_spool_in (created_at, workspace_id, api_key_id, user_id, request_id, endpoint," \
	" source, target, provider, model, characters, billed_characters, segments," \
	" cached_segments, status, duration_ms) FROM STDIN"

struct stmt_def {
	const char *name;
	const char *sql;
	int nparams;
	int retry_safe; /* may run again after a reconnect (reads only) */
};

/* Returns the definition of the statement named name (static), or NULL. */
const struct stmt_def *stmt_def_named(const char *name);

/* Returns the definition of s (static), or NULL when out of range. */
const struct stmt_def *stmt_def(enum stmt s);

#endif
